using System.Numerics;
using CsCheck;
using Hyperion.Core;
using Hyperion.Evm.Precompiles;
using Hyperion.Evm.Precompiles.Bn254;
using static Hyperion.Evm.Tests.Precompiles.Bn254TestValues;

namespace Hyperion.Evm.Tests.Precompiles;

/// <summary>EIP-197 pairing check: go-ethereum vectors, bilinearity, the final exponentiation, and every kind of invalid input.</summary>
public class Bn254PairingTests
{
    private static readonly BigInteger P = Bn254TestValues.FieldModulus;
    private static readonly BigInteger R = Bn254TestValues.GroupOrder;

    private static string Run(string hex)
    {
        Assert.True(Bn254PairingPrecompile.TryRun(Convert.FromHexString(hex), out byte[] output));
        return Convert.ToHexStringLower(output);
    }

    private static bool Fails(string hex) => !Bn254PairingPrecompile.TryRun(Convert.FromHexString(hex), out _);

    [Theory]
    [MemberData(nameof(Bn254PairingVectors.All), MemberType = typeof(Bn254PairingVectors))]
    public void GethPairingVectors(string name, string input, string expected)
    {
        Assert.NotEmpty(name);
        Assert.Equal(expected, Run(input));
    }

    [Fact]
    public void IstanbulGas()
    {
        Assert.Equal(45_000, Bn254PairingPrecompile.RequiredGas([]));
        Assert.Equal(79_000, Bn254PairingPrecompile.RequiredGas(new byte[192]));
        Assert.Equal(113_000, Bn254PairingPrecompile.RequiredGas(new byte[384]));
        Assert.Equal(385_000, Bn254PairingPrecompile.RequiredGas(new byte[1920]));
    }

    [Fact]
    public void LengthNotAMultipleOf192Fails()
    {
        string pair = Bn254PairingVectors.G1Generator + Bn254PairingVectors.G2Generator;
        Assert.True(Fails(pair[..^2]));
        Assert.True(Fails(pair + "00"));
        Assert.True(Fails("00"));
    }

    [Fact]
    public void CoordinatesAtOrAboveTheModulusFail()
    {
        string g1 = Bn254PairingVectors.G1Generator;
        string g2 = Bn254PairingVectors.G2Generator;
        Assert.True(Fails(Hex32(P + 1) + g1[64..] + g2));
        Assert.True(Fails(g1[..64] + Hex32(P + 2) + g2));
        for (int coordinate = 0; coordinate < 4; coordinate++)
        {
            // Adding p keeps the value congruent but makes the encoding non-canonical.
            BigInteger value = new(Convert.FromHexString(g2.AsSpan(coordinate * 64, 64)), isUnsigned: true, isBigEndian: true);
            if (value + P < BigInteger.One << 256)
            {
                string bad = g2[..(coordinate * 64)] + Hex32(value + P) + g2[((coordinate + 1) * 64)..];
                Assert.True(Fails(g1 + bad));
            }
        }
    }

    [Fact]
    public void PointsOffTheirCurveFail()
    {
        string g2 = Bn254PairingVectors.G2Generator;
        Assert.True(Fails(Hex32(1) + Hex32(3) + g2));
        Assert.True(Fails(Bn254PairingVectors.G1Generator + g2[..^1] + (g2[^1] == '0' ? "1" : "0")));
        // G2 coordinates in the wrong order (real before imaginary) are off the twist.
        Assert.True(Fails(Bn254PairingVectors.G1Generator + g2[64..128] + g2[..64] + g2[192..] + g2[128..192]));
    }

    [Fact]
    public void TwistPointOutsideTheSubgroupFails()
    {
        (Fp2 x, Fp2 y) = FindTwistPoint();
        Assert.True(G2.IsOnCurve(x, y));
        Assert.False(G2.IsInSubgroup(x, y));
        Assert.True(Fails(Bn254PairingVectors.G1Generator + EncodeG2(x, y)));
        // Also when the G1 side is infinity: the G2 point is still validated.
        Assert.True(Fails(new string('0', 128) + EncodeG2(x, y)));
    }

    [Fact]
    public void PairsWithInfinityContributeOne()
    {
        string zeroG1 = new('0', 128);
        string zeroG2 = new('0', 256);
        Assert.Equal(Bn254PairingVectors.True, Run(zeroG1 + Bn254PairingVectors.G2Generator));
        Assert.Equal(Bn254PairingVectors.True, Run(Bn254PairingVectors.G1Generator + zeroG2));
        Assert.Equal(Bn254PairingVectors.True, Run(zeroG1 + zeroG2));
        Assert.Equal(Bn254PairingVectors.False, Run(zeroG1 + zeroG2 + Bn254PairingVectors.G1Generator + Bn254PairingVectors.G2Generator));
    }

    private static readonly JacobianPoint<Fp> G1Generator = JacobianPoint<Fp>.FromAffine(Fp.One, Fp.FromUInt64(2));

    private static Fp12 Pair(in JacobianPoint<Fp> p, in JacobianPoint<Fp2> q)
    {
        Assert.True(p.TryToAffine(out Fp px, out Fp py));
        Assert.True(q.TryToAffine(out Fp2 qx, out Fp2 qy));
        return Pairing.FinalExponentiation(Pairing.MillerLoop([new AffinePoint<Fp>(px, py)], [new AffinePoint<Fp2>(qx, qy)]));
    }

    [Fact]
    public void PairingIsBilinearAndNonDegenerate()
    {
        JacobianPoint<Fp2> q = G2Generator();
        Fp12 e = Pair(G1Generator, q);
        Assert.False(e.IsOne);
        Gen.Select(Gen.ULong[1, ulong.MaxValue], Gen.ULong[1, ulong.MaxValue]).Sample((a, b) =>
        {
            Fp12 lhs = Pair(JacobianPoint<Fp>.Multiply(G1Generator, a), JacobianPoint<Fp2>.Multiply(q, b));
            Assert.Equal(e.Pow(a).Pow(b), lhs);
        }, iter: 4);
    }

    [Fact]
    public void PairingHasOrderR()
    {
        Fp12 e = Pair(G1Generator, G2Generator());
        Assert.True(PowBig(e, R).IsOne);
    }

    [Fact]
    public void ProductCheckThroughThePrecompile() =>
        Gen.Select(Gen.ULong[1, ulong.MaxValue], Gen.ULong[1, ulong.MaxValue]).Sample((a, b) =>
        {
            // e(aP, bQ) · e(−abP, Q) = 1, and e(aP, bQ) · e(abP, Q) ≠ 1.
            JacobianPoint<Fp2> q = G2Generator();
            JacobianPoint<Fp> ap = JacobianPoint<Fp>.Multiply(G1Generator, a);
            JacobianPoint<Fp2> bq = JacobianPoint<Fp2>.Multiply(q, b);
            JacobianPoint<Fp> abp = JacobianPoint<Fp>.Multiply(G1Generator, (UInt256)(new BigInteger(a) * b % R));
            string first = EncodeG1(ap) + EncodeG2(bq);
            Assert.Equal(Bn254PairingVectors.True, Run(first + EncodeG1(abp.Negate()) + Bn254PairingVectors.G2Generator));
            Assert.Equal(Bn254PairingVectors.False, Run(first + EncodeG1(abp) + Bn254PairingVectors.G2Generator));
        }, iter: 3);

    [Fact]
    public void FinalExponentiationMatchesTheDirectExponent()
    {
        JacobianPoint<Fp2> q = JacobianPoint<Fp2>.Multiply(G2Generator(), 12345);
        Assert.True(q.TryToAffine(out Fp2 qx, out Fp2 qy));
        Fp12 f = Pairing.MillerLoop([new AffinePoint<Fp>(Fp.One, Fp.FromUInt64(2))], [new AffinePoint<Fp2>(qx, qy)]);
        BigInteger exponent = (BigInteger.Pow(P, 12) - 1) / R;
        Assert.Equal(PowBig(f, exponent), Pairing.FinalExponentiation(f));
    }

    private static Fp12 PowBig(Fp12 x, BigInteger exponent)
    {
        Fp12 result = Fp12.One;
        for (int bit = (int)exponent.GetBitLength() - 1; bit >= 0; bit--)
        {
            result = result.Squared();
            if (!((exponent >> bit) & 1).IsZero)
            {
                result *= x;
            }
        }

        return result;
    }

    private static string EncodeG1(in JacobianPoint<Fp> p)
    {
        var bytes = new byte[64];
        G1.Encode(p, bytes);
        return Convert.ToHexStringLower(bytes);
    }

    private static string EncodeG2(in JacobianPoint<Fp2> q)
    {
        Assert.True(q.TryToAffine(out Fp2 x, out Fp2 y));
        return EncodeG2(x, y);
    }

    private static string EncodeG2(in Fp2 x, in Fp2 y)
    {
        var bytes = new byte[128];
        x.B.WriteBigEndian(bytes.AsSpan(0, 32));
        x.A.WriteBigEndian(bytes.AsSpan(32, 32));
        y.B.WriteBigEndian(bytes.AsSpan(64, 32));
        y.A.WriteBigEndian(bytes.AsSpan(96, 32));
        return Convert.ToHexStringLower(bytes);
    }
}
