using System.Numerics;
using CsCheck;
using Hyperion.Core;
using Hyperion.Evm.Precompiles.Bls12381;
using Hyperion.Evm.Precompiles.Kzg;

namespace Hyperion.Evm.Tests.Precompiles.Bls12381;

/// <summary>The GLV scalar split, the wNAF recoding, and the KZG combination C + [z]π − [y]G against plain double-and-add.</summary>
public class G1GlvTests
{
    private static readonly BigInteger R = Bls12381Curves.OrderValue;
    private static readonly BigInteger L = new BigInteger(Bls12381Curves.AbsoluteX) * new BigInteger(Bls12381Curves.AbsoluteX);
    private static readonly AffinePoint<Fp> G1 = Bls12381Curves.G1Generator;

    private static readonly Gen<BigInteger> Scalar = Gen.Byte.Array[40].Select(bytes =>
        BigInteger.Remainder(new BigInteger(bytes, isUnsigned: true), R));

    private static readonly BigInteger[] EdgeScalars = [0, 1, 2, L - 1, L, L + 1, 2 * L, R - 1, R - 2, R - L, (R - 1) / 2];

    private static byte[] Bytes32(BigInteger k)
    {
        var bytes = new byte[32];
        byte[] raw = k.ToByteArray(isUnsigned: true, isBigEndian: true);
        raw.CopyTo(bytes, 32 - raw.Length);
        return bytes;
    }

    private static BigInteger ToBig(UInt128 v) => ((BigInteger)(ulong)(v >> 64) << 64) + (ulong)v;

    private static void CheckSplit(BigInteger k)
    {
        G1Glv.Split(UInt256.FromBigEndian(Bytes32(k)), out UInt128 low, out UInt128 high);
        Assert.Equal(k, ToBig(low) + ToBig(high) * L);
        Assert.True(ToBig(low) < L);
        Assert.True(ToBig(high) <= L);
    }

    [Fact]
    public void LIsTheEndomorphismEigenvalueSquareRootOfR()
    {
        Assert.Equal(R, L * L - L + 1);
        Assert.Equal(L, ToBig(G1Glv.L));
    }

    [Fact]
    public void SplitRecombines()
    {
        foreach (BigInteger k in EdgeScalars)
        {
            CheckSplit(k);
        }

        Scalar.Sample(CheckSplit, iter: 500);
    }

    [Fact]
    public void WnafReconstructsAndIsSparse() => Gen.Select(Gen.UInt, Gen.ULong, Gen.ULong, Gen.Int[2, 8]).Sample((top, hi, lo, width) =>
    {
        var k = new UInt128(hi >> 1 | ((ulong)top << 63 >> 1), lo);
        Span<sbyte> digits = stackalloc sbyte[G1Glv.MaxDigits];
        int length = G1Glv.ToWnaf(k, width, digits);
        BigInteger sum = 0;
        int lastNonZero = -width;
        for (int i = length - 1; i >= 0; i--)
        {
            sum = sum * 2 + digits[i];
        }

        for (int i = 0; i < length; i++)
        {
            if (digits[i] != 0)
            {
                Assert.True((digits[i] & 1) == 1 && Math.Abs((int)digits[i]) < 1 << (width - 1));
                Assert.True(i - lastNonZero >= width);
                lastNonZero = i;
            }
        }

        Assert.Equal(ToBig(k), sum);
    }, iter: 500);

    private static void CheckCombination(BigInteger a, BigInteger b, BigInteger z, BigInteger y)
    {
        AffinePoint<Fp> c = JacobianPoint<Fp>.Multiply(G1, Bytes32(a)).ToAffine();
        AffinePoint<Fp> pi = JacobianPoint<Fp>.Multiply(G1, Bytes32(b)).ToAffine();
        JacobianPoint<Fp> expected = JacobianPoint<Fp>.Add(
            JacobianPoint<Fp>.AddAffine(JacobianPoint<Fp>.Multiply(pi, Bytes32(z)), c),
            JacobianPoint<Fp>.Multiply(G1, Bytes32(y)).Negate());
        JacobianPoint<Fp> actual = PointEvaluationPrecompile.CommitmentMinusEvaluation(c, pi, Bytes32(z), Bytes32(y));
        Assert.True(JacobianPoint<Fp>.AreEqual(expected, actual));
    }

    [Fact]
    public void KzgCombinationMatchesPlainMultiplication()
    {
        foreach (BigInteger k in EdgeScalars)
        {
            CheckCombination(5, 7, k, 3);
            CheckCombination(5, 7, 3, k);
            CheckCombination(0, 7, k, k); // C at infinity
            CheckCombination(5, 0, k, 11); // π at infinity
        }

        // z = y with π = G and C = O: the result is O (exercises cancellation inside the loop).
        CheckCombination(0, 1, 12345, 12345);
        Gen.Select(Scalar, Scalar, Scalar, Scalar).Sample(CheckCombination, iter: 20);
    }
}
