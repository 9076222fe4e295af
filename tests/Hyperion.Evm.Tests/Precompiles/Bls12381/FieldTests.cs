using System.Numerics;
using CsCheck;
using Hyperion.Evm.Precompiles.Bls12381;

namespace Hyperion.Evm.Tests.Precompiles.Bls12381;

/// <summary>Fp arithmetic against BigInteger, the extension-field axioms, and the constants the pairing relies on.</summary>
public class FieldTests
{
    private static readonly BigInteger P = Fp.Modulus;

    private static readonly Gen<BigInteger> Element = Gen.Byte.Array[64].Select(bytes =>
        BigInteger.Remainder(new BigInteger(bytes, isUnsigned: true), P));

    private static readonly Gen<Fp2> Fp2Element = Gen.Select(Element, Element, (a, b) => new Fp2(Fp.FromBigInteger(a), Fp.FromBigInteger(b)));

    private static readonly Gen<Fp12> Fp12Element = Fp2Element.Array[6].Select(c =>
        new Fp12(new Fp6(c[0], c[1], c[2]), new Fp6(c[3], c[4], c[5])));

    [Fact]
    public void MontgomeryConstantIsMinusInverseOfP() => Assert.Equal(ulong.MaxValue, unchecked(Fp.P0 * Fp.Inv));

    [Fact]
    public void FpMatchesBigInteger() => Gen.Select(Element, Element).Sample((a, b) =>
    {
        Fp x = Fp.FromBigInteger(a), y = Fp.FromBigInteger(b);
        Assert.Equal((a + b) % P, Fp.Add(x, y).ToBigInteger());
        Assert.Equal(((a - b) % P + P) % P, Fp.Subtract(x, y).ToBigInteger());
        Assert.Equal(a * b % P, Fp.Multiply(x, y).ToBigInteger());
        Assert.Equal((P - a) % P, Fp.Negate(x).ToBigInteger());
        if (!a.IsZero)
        {
            Assert.True(Fp.Multiply(x, Fp.Invert(x)).IsOne);
        }
    }, iter: 2000);

    [Fact]
    public void FpBinaryInversionMatchesFermat()
    {
        Fp[] edges = [Fp.One, Fp.FromBigInteger(2), Fp.FromBigInteger(P - 1), Fp.FromBigInteger(P - 2), Fp.FromBigInteger((P - 1) / 2),
            Fp.FromBigInteger(BigInteger.Pow(2, 380)), new Fp(1, 0, 0, 0, 0, 0)];
        foreach (Fp e in edges)
        {
            Assert.True(Fp.AreEqual(Fp.InvertByFermat(e), Fp.Invert(e)));
            Assert.True(Fp.Multiply(e, Fp.Invert(e)).IsOne);
        }

        Assert.True(Fp.Invert(Fp.Zero).IsZero);
        Element.Sample(a =>
        {
            Fp x = Fp.FromBigInteger(a);
            Assert.True(Fp.AreEqual(Fp.InvertByFermat(x), Fp.Invert(x)));
        }, iter: 2000);
    }

    [Fact]
    public void FpEdgeValuesReduce()
    {
        Fp minusOne = Fp.FromBigInteger(P - 1);
        Assert.True(Fp.Add(minusOne, Fp.One).IsZero);
        Assert.Equal(BigInteger.One, Fp.Multiply(minusOne, minusOne).ToBigInteger());
        Assert.Equal(P - 1, Fp.Subtract(Fp.Zero, Fp.One).ToBigInteger());
    }

    [Fact]
    public void FpParsingRejectsNonCanonicalValues()
    {
        byte[] bytes = P.ToByteArray(isUnsigned: true, isBigEndian: true);
        Assert.False(Fp.TryFromBigEndian(bytes, out _));
        bytes[^1]--;
        Assert.True(Fp.TryFromBigEndian(bytes, out Fp pMinusOne));
        Assert.Equal(P - 1, pMinusOne.ToBigInteger());
        var written = new byte[48];
        pMinusOne.WriteBigEndian(written);
        Assert.Equal(bytes, written);
    }

    [Fact]
    public void FpSqrtFindsRootsOfSquaresOnly() => Element.Sample(a =>
    {
        Fp x = Fp.FromBigInteger(a);
        Assert.True(Fp.TrySqrt(Fp.Square(x), out Fp root));
        Assert.True(Fp.AreEqual(Fp.Square(root), Fp.Square(x)));
        bool isResidue = BigInteger.ModPow(a, (P - 1) / 2, P) <= 1;
        Assert.Equal(isResidue, Fp.TrySqrt(x, out _));
    }, iter: 200);

    [Fact]
    public void Fp2SqrtAndInverse() => Fp2Element.Sample(a =>
    {
        Fp2 square = Fp2.Square(a);
        Assert.True(Fp2.TrySqrt(square, out Fp2 root));
        Assert.True(Fp2.AreEqual(Fp2.Square(root), square));
        if (!a.IsZero)
        {
            Assert.True(Fp2.AreEqual(Fp2.Multiply(a, Fp2.Invert(a)), Fp2.One));
        }
    }, iter: 100);

    [Fact]
    public void Fp12MultiplicationIsCommutativeAndAssociativeAndSquaringAgrees() =>
        Gen.Select(Fp12Element, Fp12Element, Fp12Element).Sample((a, b, c) =>
        {
            Assert.True(Fp12.AreEqual(Fp12.Multiply(a, b), Fp12.Multiply(b, a)));
            Assert.True(Fp12.AreEqual(Fp12.Multiply(Fp12.Multiply(a, b), c), Fp12.Multiply(a, Fp12.Multiply(b, c))));
            Assert.True(Fp12.AreEqual(Fp12.Square(a), Fp12.Multiply(a, a)));
            Assert.True(Fp12.AreEqual(Fp12.Multiply(a, Fp12.Invert(a)), Fp12.One));
            Assert.True(Fp12.AreEqual(
                Fp12.Multiply(a, Fp12.Add(b, c)), Fp12.Add(Fp12.Multiply(a, b), Fp12.Multiply(a, c))));
        }, iter: 50);

    [Fact]
    public void Fp12SparseLineProductMatchesFullProduct() =>
        Gen.Select(Fp12Element, Fp2Element, Fp2Element, Fp2Element).Sample((a, c0, c1, c4) =>
        {
            var sparse = new Fp12(new Fp6(c0, c1, Fp2.Zero), new Fp6(Fp2.Zero, c4, Fp2.Zero));
            Assert.True(Fp12.AreEqual(Fp12.Multiply(a, sparse), Fp12.MultiplyBy014(a, c0, c1, c4)));
        }, iter: 50);

    [Fact]
    public void CyclotomicSquaringMatchesSquaringInTheCyclotomicSubgroup() => Fp12Element.Sample(a =>
    {
        Fp12 g = Pairing.EasyPart(a);
        Assert.True(Fp12.AreEqual(Fp12.Square(g), Fp12.CyclotomicSquare(g)));
        Fp12 g4 = Fp12.CyclotomicSquare(Fp12.CyclotomicSquare(g));
        Assert.True(Fp12.AreEqual(Fp12.Square(Fp12.Square(g)), g4));

        // Outside the subgroup the shortcut does not square (so the check above is not vacuous).
        Assert.False(Fp12.AreEqual(Fp12.Square(a), Fp12.CyclotomicSquare(a)));
    }, iter: 30);

    [Fact]
    public void FrobeniusIsThePthPower()
    {
        Fp12 a = Fp12Element.Single();
        byte[] pBytes = P.ToByteArray(isUnsigned: true);
        ulong[] exponent = new ulong[6];
        for (int i = 0; i < pBytes.Length; i++)
        {
            exponent[i / 8] |= (ulong)pBytes[i] << (8 * (i % 8));
        }

        Fp12 power = FieldMath.Pow(a, exponent);
        Assert.True(Fp12.AreEqual(power, Fp12.Frobenius(a, 1)));
        Assert.True(Fp12.AreEqual(Fp12.Frobenius(power, 1), Fp12.Frobenius(a, 2)));
        Assert.True(Fp12.AreEqual(Fp12.Frobenius(Fp12.Frobenius(a, 2), 1), Fp12.Frobenius(a, 3)));
    }

    [Fact]
    public void HardPartDecompositionMatchesTheExponent()
    {
        // p and r from x: p = (x−1)²(x⁴−x²+1)/3 + x, r = x⁴ − x² + 1; the final exponentiation relies on
        // 3·(p⁴ − p² + 1)/r = (x−1)²(x+p)(x²+p²−1) + 3.
        BigInteger x = -new BigInteger(Bls12381Curves.AbsoluteX);
        BigInteger r = x * x * x * x - x * x + 1;
        BigInteger p = (x - 1) * (x - 1) * r / 3 + x;
        Assert.Equal(P, p);
        Assert.Equal(Bls12381Curves.OrderValue, r);
        BigInteger phi = p * p * p * p - p * p + 1;
        Assert.True((phi % r).IsZero);
        Assert.Equal(3 * (phi / r), (x - 1) * (x - 1) * (x + p) * (x * x + p * p - 1) + 3);
    }
}
