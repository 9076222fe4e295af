using System.Numerics;
using CsCheck;
using Hyperion.Evm.Precompiles.Bls12381;
using Hyperion.Evm.Precompiles.Kzg;

namespace Hyperion.Evm.Tests.Precompiles.Bls12381;

/// <summary>Group laws, the compressed encoding's validation rules, and pairing bilinearity.</summary>
public class CurveAndPairingTests
{
    private static readonly AffinePoint<Fp> G1 = Bls12381Curves.G1Generator;
    private static readonly AffinePoint<Fp2> G2 = Bls12381Curves.G2Generator;

    private static readonly Gen<BigInteger> Scalar = Gen.Byte.Array[40].Select(bytes =>
        BigInteger.Remainder(new BigInteger(bytes, isUnsigned: true), Bls12381Curves.OrderValue));

    private static byte[] ScalarBytes(BigInteger k) => k.ToByteArray(isUnsigned: true, isBigEndian: true);

    private static AffinePoint<Fp> G1Times(BigInteger k) => JacobianPoint<Fp>.Multiply(G1, ScalarBytes(k)).ToAffine();

    private static AffinePoint<Fp2> G2Times(BigInteger k) => JacobianPoint<Fp2>.Multiply(G2, ScalarBytes(k)).ToAffine();

    [Fact]
    public void GeneratorsAreOnTheCurvesAndInTheSubgroups()
    {
        Assert.True(G1.IsOnCurve(Bls12381Curves.G1B));
        Assert.True(G2.IsOnCurve(Bls12381Curves.G2B));
        Assert.True(Bls12381Curves.IsInSubgroup(G1));
        Assert.True(Bls12381Curves.IsInSubgroup(G2));
        Assert.Equal(
            BigInteger.Parse("017f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb",
                System.Globalization.NumberStyles.HexNumber),
            G1.X.ToBigInteger());
    }

    [Fact]
    public void TauG2FromTheTrustedSetupIsAValidG2PointOtherThanTheGenerator()
    {
        AffinePoint<Fp2> tau = KzgSetup.TauG2;
        Assert.False(tau.IsInfinity);
        Assert.True(tau.IsOnCurve(Bls12381Curves.G2B));
        Assert.True(Bls12381Curves.IsInSubgroup(tau));
        Assert.False(AffinePoint<Fp2>.AreEqual(tau, G2));
    }

    [Fact]
    public void ScalarMultiplicationIsAHomomorphism() => Gen.Select(Scalar, Scalar).Sample((a, b) =>
    {
        var sum = JacobianPoint<Fp>.Add(
            JacobianPoint<Fp>.Multiply(G1, ScalarBytes(a)), JacobianPoint<Fp>.Multiply(G1, ScalarBytes(b)));
        Assert.True(JacobianPoint<Fp>.AreEqual(sum, JacobianPoint<Fp>.Multiply(G1, ScalarBytes((a + b) % Bls12381Curves.OrderValue))));
        Assert.True(JacobianPoint<Fp>.Multiply(G1, ScalarBytes(a)).ToAffine().IsOnCurve(Bls12381Curves.G1B));
    }, iter: 10);

    private static readonly Gen<AffinePoint<Fp>> CurvePoint = Gen.Byte.Array[64].Where(bytes =>
        Fp.TrySqrt(CurveRhs(Fp.FromBigInteger(new BigInteger(bytes, isUnsigned: true))), out _)).Select(bytes =>
    {
        Fp x = Fp.FromBigInteger(new BigInteger(bytes, isUnsigned: true));
        Fp.TrySqrt(CurveRhs(x), out Fp y);
        return new AffinePoint<Fp>(x, y);
    });

    private static Fp CurveRhs(in Fp x) => Fp.Add(Fp.Multiply(Fp.Square(x), x), Bls12381Curves.G1B);

    [Fact]
    public void EndomorphismSubgroupCheckAgreesWithTheOrderCheck() => CurvePoint.Sample(p =>
    {
        Assert.True(p.IsOnCurve(Bls12381Curves.G1B));
        Assert.Equal(Bls12381Curves.IsInSubgroup(p), Bls12381Curves.IsInG1(p));

        // Clearing the cofactor h = (x − 1)²/3 lands in G1; both checks must accept.
        BigInteger x = -new BigInteger(Bls12381Curves.AbsoluteX);
        AffinePoint<Fp> cleared = JacobianPoint<Fp>.Multiply(p, ScalarBytes((x - 1) * (x - 1) / 3)).ToAffine();
        Assert.True(Bls12381Curves.IsInSubgroup(cleared));
        Assert.True(Bls12381Curves.IsInG1(cleared));
    }, iter: 20);

    [Fact]
    public void EndomorphismSubgroupCheckOnKnownPoints()
    {
        Assert.True(Bls12381Curves.IsInG1(G1));
        Assert.True(Bls12381Curves.IsInG1(AffinePoint<Fp>.Infinity));
        Assert.True(Bls12381Curves.IsInG1(G1Times(987654321)));
        Assert.True(Bls12381Curves.IsInG1(G1Times(Bls12381Curves.OrderValue - 1)));

        // (0, ±2) has order 3; β is a nontrivial cube root of unity.
        Assert.False(Bls12381Curves.IsInG1(new AffinePoint<Fp>(Fp.Zero, Fp.FromBigInteger(2))));
        Assert.False(Bls12381Curves.IsInG1(new AffinePoint<Fp>(Fp.Zero, Fp.FromBigInteger(-2))));
        Fp beta = Bls12381Curves.EndomorphismBeta;
        Assert.False(beta.IsOne);
        Assert.True(Fp.Multiply(Fp.Square(beta), beta).IsOne);
    }

    [Fact]
    public void DoublingMatchesAdditionAndInversesCancel()
    {
        JacobianPoint<Fp> g = G1.ToJacobian();
        Assert.True(JacobianPoint<Fp>.AreEqual(JacobianPoint<Fp>.Double(g), JacobianPoint<Fp>.Add(g, g)));
        Assert.True(JacobianPoint<Fp>.AreEqual(JacobianPoint<Fp>.Double(g), JacobianPoint<Fp>.AddAffine(g, G1)));
        Assert.True(JacobianPoint<Fp>.Add(g, g.Negate()).IsInfinity);
        Assert.True(JacobianPoint<Fp>.AddAffine(g, G1.Negate()).IsInfinity);
    }

    [Fact]
    public void PairingIsBilinear() => Gen.Select(Scalar, Scalar).Sample((a, b) =>
    {
        Fp12 e = Pairing.Pair(G1, G2);
        Fp12 eab = Pairing.Pair(G1Times(a), G2Times(b));
        Assert.True(Fp12.AreEqual(eab, FieldMath.Pow(e, FieldMath.Limbs(a * b % Bls12381Curves.OrderValue))));
        Assert.True(Fp12.AreEqual(Pairing.Pair(G1Times(a), G2), Pairing.Pair(G1, G2Times(a))));
    }, iter: 3, threads: 1);

    [Fact]
    public void PairingIsNonDegenerateAndHasOrderR()
    {
        Fp12 e = Pairing.Pair(G1, G2);
        Assert.False(e.IsOne);
        Assert.True(FieldMath.Pow(e, FieldMath.Limbs(Bls12381Curves.OrderValue)).IsOne);
        Assert.True(Pairing.Pair(AffinePoint<Fp>.Infinity, G2).IsOne);
        Assert.True(Pairing.Pair(G1, AffinePoint<Fp2>.Infinity).IsOne);
    }

    [Fact]
    public void ProductCheckAcceptsCancellingPairsOnly()
    {
        var negated = new PreparedG2(G2.Negate());
        AffinePoint<Fp> p = G1Times(12345);
        Assert.True(Pairing.ProductIsOne([p, p], [new PreparedG2(G2), negated]));
        Assert.False(Pairing.ProductIsOne([p, G1Times(12346)], [new PreparedG2(G2), negated]));
    }

    [Fact]
    public void CompressedEncodingRoundTripsBothSigns()
    {
        byte[] encoded = Convert.FromHexString(
            "97f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb");
        Assert.True(Bls12381Curves.TryDecodeG1(encoded, out AffinePoint<Fp> g));
        Assert.False(g.Y.IsLexicographicallyLargest());
        encoded[0] |= 0x20;
        Assert.True(Bls12381Curves.TryDecodeG1(encoded, out AffinePoint<Fp> negated));
        Assert.True(AffinePoint<Fp>.AreEqual(negated, g.Negate()));
    }

    [Theory]
    [InlineData("c0", true)] // canonical infinity
    [InlineData("40", false)] // infinity without the compression flag
    [InlineData("e0", false)] // infinity with the sign flag
    [InlineData("c1", false)] // infinity with a stray bit in the first byte
    [InlineData("00", false)] // no compression flag
    [InlineData("80", true)] // x = 0: 0³ + 4 = 4 = 2², on the curve — but (0, ±2) is not in G1
    public void FirstByteFlagRules(string firstByte, bool decodesAsInfinity)
    {
        var encoded = new byte[48];
        encoded[0] = Convert.FromHexString(firstByte)[0];
        bool ok = Bls12381Curves.TryDecodeG1(encoded, out AffinePoint<Fp> point);
        if (firstByte == "80")
        {
            Assert.False(ok);
            Assert.True(new AffinePoint<Fp>(Fp.Zero, Fp.FromBigInteger(2)).IsOnCurve(Bls12381Curves.G1B));
            return;
        }

        Assert.Equal(decodesAsInfinity, ok);
        if (ok)
        {
            Assert.True(point.IsInfinity);
        }
    }

    [Fact]
    public void InfinityWithTrailingBitsIsRejected()
    {
        var encoded = new byte[48];
        encoded[0] = 0xc0;
        encoded[47] = 1;
        Assert.False(Bls12381Curves.TryDecodeG1(encoded, out _));
    }

    [Fact]
    public void NonCanonicalXIsRejected()
    {
        byte[] encoded = Fp.Modulus.ToByteArray(isUnsigned: true, isBigEndian: true);
        Assert.Equal(48, encoded.Length);
        encoded[0] |= 0x80;
        Assert.False(Bls12381Curves.TryDecodeG1(encoded, out _));

        // x + p for the generator's x still fits in 381 bits and must not alias the generator.
        BigInteger aliased = G1.X.ToBigInteger() + Fp.Modulus;
        byte[] alias = aliased.ToByteArray(isUnsigned: true, isBigEndian: true);
        if (alias.Length == 48 && (alias[0] & 0xe0) == 0)
        {
            alias[0] |= 0x80;
            Assert.False(Bls12381Curves.TryDecodeG1(alias, out _));
        }
    }

    [Fact]
    public void XWithoutACurvePointIsRejected()
    {
        // Find a small x for which x³ + 4 is not a square.
        for (int x = 1; x < 100; x++)
        {
            Fp fx = Fp.FromBigInteger(x);
            if (!Fp.TrySqrt(Fp.Add(Fp.Multiply(Fp.Square(fx), fx), Bls12381Curves.G1B), out _))
            {
                var encoded = new byte[48];
                encoded[0] = 0x80;
                encoded[47] = (byte)x;
                Assert.False(Bls12381Curves.TryDecodeG1(encoded, out _));
                return;
            }
        }

        Assert.Fail("no non-residue found");
    }

    [Fact]
    public void WrongLengthsAreRejected()
    {
        Assert.False(Bls12381Curves.TryDecodeG1(new byte[47], out _));
        Assert.False(Bls12381Curves.TryDecodeG2(new byte[95], out _));
    }
}
