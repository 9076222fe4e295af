using System.Numerics;
using CsCheck;
using Hyperion.Core;
using Hyperion.Evm.Precompiles;
using Hyperion.Evm.Precompiles.Bn254;
using static Hyperion.Evm.Tests.Precompiles.Bn254TestValues;

namespace Hyperion.Evm.Tests.Precompiles;

/// <summary>Fp Montgomery arithmetic against BigInteger, G1 group laws, and the go-ethereum add/mul vectors.</summary>
public class Bn254FieldAndG1Tests
{
    private static readonly BigInteger P = Bn254TestValues.FieldModulus;
    private static readonly BigInteger R = Bn254TestValues.GroupOrder;

    private static readonly Gen<BigInteger> FieldValue = Gen.Frequency(
        (6, Gen.Select(Gen.ULong, Gen.ULong, Gen.ULong, Gen.ULong, (a, b, c, d) => new UInt256(a, b, c, d).ToBigInteger() % P)),
        (1, Gen.OneOf(Gen.Const(BigInteger.Zero), Gen.Const(BigInteger.One), Gen.Const(P - 1), Gen.Const(P - 2), Gen.Const((P - 1) / 2))));

    private static Fp ToFp(BigInteger value)
    {
        Assert.True(Fp.TryFromUInt256((UInt256)value, out Fp result));
        return result;
    }

    private static BigInteger Big(Fp value) => value.ToUInt256().ToBigInteger();

    [Fact]
    public void FieldOperationsMatchBigInteger() =>
        Gen.Select(FieldValue, FieldValue).Sample((a, b) =>
        {
            Fp x = ToFp(a), y = ToFp(b);
            Assert.Equal(a, Big(x));
            Assert.Equal((a + b) % P, Big(x + y));
            Assert.Equal(((a - b) % P + P) % P, Big(x - y));
            Assert.Equal((P - a) % P, Big(-x));
            Assert.Equal(a * b % P, Big(x * y));
            Assert.Equal(a.IsZero ? BigInteger.Zero : BigInteger.ModPow(a, P - 2, P), Big(Fp.Inverse(x)));
        });

    [Fact]
    public void NonCanonicalFieldElementsAreRejected()
    {
        Assert.False(Fp.TryFromUInt256(Fp.Modulus, out _));
        Assert.False(Fp.TryFromUInt256(UInt256.MaxValue, out _));
        Assert.True(Fp.TryFromUInt256(Fp.Modulus - 1, out Fp minusOne));
        Assert.Equal(Fp.Zero, minusOne + Fp.One);
    }

    private static string Add(string hex)
    {
        Assert.True(Bn254AddPrecompile.TryRun(Convert.FromHexString(hex), out byte[] output));
        return Convert.ToHexStringLower(output);
    }

    private static string Mul(string hex)
    {
        Assert.True(Bn254MulPrecompile.TryRun(Convert.FromHexString(hex), out byte[] output));
        return Convert.ToHexStringLower(output);
    }

    [Theory]
    [MemberData(nameof(Bn254G1Vectors.Add), MemberType = typeof(Bn254G1Vectors))]
    public void GethAddVectors(string name, string input, string expected)
    {
        Assert.NotEmpty(name);
        Assert.Equal(expected, Add(input));
    }

    [Theory]
    [MemberData(nameof(Bn254G1Vectors.Multiply), MemberType = typeof(Bn254G1Vectors))]
    public void GethScalarMulVectors(string name, string input, string expected)
    {
        Assert.NotEmpty(name);
        Assert.Equal(expected, Mul(input));
    }

    private const string Generator =
        "0000000000000000000000000000000000000000000000000000000000000001" +
        "0000000000000000000000000000000000000000000000000000000000000002";

    private static readonly Gen<BigInteger> Scalar = Gen.Select(Gen.ULong, Gen.ULong, Gen.ULong, Gen.ULong,
        (a, b, c, d) => new UInt256(a, b, c, d).ToBigInteger());

    [Fact]
    public void ScalarMultiplicationIsLinear() =>
        Gen.Select(Scalar, Scalar).Sample((a, b) =>
        {
            string aG = Mul(Generator + Hex32(a));
            string bG = Mul(Generator + Hex32(b));
            Assert.Equal(Mul(Generator + Hex32((a + b) % R)), Add(aG + bG));
            Assert.Equal(Mul(Generator + Hex32(a * b % R)), Mul(aG + Hex32(b)));
        }, iter: 20);

    [Fact]
    public void FullWidthScalarWrapsModuloGroupOrder() =>
        Scalar.Sample(k => Assert.Equal(Mul(Generator + Hex32(k % R)), Mul(Generator + Hex32(k))), iter: 20);

    [Fact]
    public void ResultsAreOnTheCurve() =>
        Scalar.Sample(k =>
        {
            byte[] encoded = Convert.FromHexString(Mul(Generator + Hex32(k)));
            Assert.True(G1.TryDecode(encoded, out _));
        }, iter: 20);

    [Fact]
    public void RejectsEachCoordinateAtOrAboveTheModulus()
    {
        string p = Hex32(P);
        string pPlus2 = Hex32(P + 2);
        Assert.False(Bn254MulPrecompile.TryRun(Convert.FromHexString("0000000000000000000000000000000000000000000000000000000000000001" + pPlus2 + Hex32(1)), out byte[] output));
        Assert.Empty(output);
        Assert.False(Bn254AddPrecompile.TryRun(Convert.FromHexString(Generator + p + Hex32(0)), out _));
        Assert.False(Bn254AddPrecompile.TryRun(Convert.FromHexString(Generator + Hex32(0) + p), out _));
    }

    [Fact]
    public void RejectsOffCurvePointInSecondOperandEvenIfTruncated()
    {
        // (1, 3) is not on the curve; a short second point is padded with zeros: (1, 0) is not on it either.
        Assert.False(Bn254AddPrecompile.TryRun(Convert.FromHexString(Generator + Hex32(1) + Hex32(3)), out _));
        Assert.False(Bn254AddPrecompile.TryRun(Convert.FromHexString(Generator + Hex32(1)), out _));
    }
}
