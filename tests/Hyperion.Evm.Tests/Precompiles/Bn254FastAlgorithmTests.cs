using System.Numerics;
using CsCheck;
using Hyperion.Core;
using Hyperion.Evm.Precompiles;
using Hyperion.Evm.Precompiles.Bn254;
using static Hyperion.Evm.Tests.Precompiles.Bn254TestValues;

namespace Hyperion.Evm.Tests.Precompiles;

/// <summary>
/// The bn254 shortcuts checked against their definitions: the endomorphism G2 subgroup check against [r]Q, cyclotomic
/// squaring and the NAF power by u against plain Fp12 arithmetic.
/// </summary>
public class Bn254FastAlgorithmTests
{
    /// <summary>The twist's cofactor h = #E'(Fp2)/r = 2p − r and its prime factors.</summary>
    private static readonly BigInteger Cofactor = 2 * FieldModulus - GroupOrder;

    private static readonly BigInteger[] CofactorPrimes =
    [
        10069, 5864401, 1875725156269, BigInteger.Parse("197620364512881247228717050342013327560683201906968909"),
    ];

    private static bool FastCheck(in JacobianPoint<Fp2> q)
    {
        Assert.True(q.TryToAffine(out Fp2 x, out Fp2 y));
        Assert.True(G2.IsOnCurve(x, y));
        return G2.IsInSubgroup(x, y);
    }

    private static bool SlowCheck(in JacobianPoint<Fp2> q)
    {
        Assert.True(q.TryToAffine(out Fp2 x, out Fp2 y));
        return G2.IsInSubgroupByOrder(x, y);
    }

    [Fact]
    public void CofactorFactorisationIsExact()
    {
        BigInteger product = BigInteger.One;
        foreach (BigInteger prime in CofactorPrimes)
        {
            product *= prime;
        }

        Assert.Equal(Cofactor, product);
    }

    [Fact]
    public void EndomorphismCheckAcceptsMultiplesOfTheGenerator()
    {
        JacobianPoint<Fp2> g = G2Generator();
        Assert.True(FastCheck(g));
        Gen.ULong[1, ulong.MaxValue].Sample(k =>
        {
            JacobianPoint<Fp2> q = JacobianPoint<Fp2>.Multiply(g, k);
            Assert.True(SlowCheck(q));
            Assert.True(FastCheck(q));
        }, iter: 8);
    }

    [Fact]
    public void EndomorphismCheckAgreesWithOrderCheckOnTwistPoints()
    {
        // Twist points found from x = k + u are almost surely outside G2; the cofactor multiple of one is inside.
        for (ulong k = 1; k < 200; k += 13)
        {
            (Fp2 x, Fp2 y) = FindTwistPoint(k);
            Assert.Equal(G2.IsInSubgroupByOrder(x, y), G2.IsInSubgroup(x, y));
            Assert.False(G2.IsInSubgroup(x, y));

            JacobianPoint<Fp2> cleared = MultiplyBig(JacobianPoint<Fp2>.FromAffine(x, y), Cofactor);
            Assert.True(SlowCheck(cleared));
            Assert.True(FastCheck(cleared));
        }
    }

    /// <summary>
    /// The twist group is cyclic of order r·h with h squarefree, so the check's endomorphism has kernel exactly G2
    /// iff it kills no point of prime order ℓ | h: one such point per ℓ (plus a G2 point, so it is not just the small
    /// component alone) settles it for every input.
    /// </summary>
    [Fact]
    public void EndomorphismCheckRejectsEveryCofactorTorsionComponent()
    {
        JacobianPoint<Fp2> g = G2Generator();
        ulong k = 1;
        foreach (BigInteger prime in CofactorPrimes)
        {
            JacobianPoint<Fp2> torsion;
            do
            {
                (Fp2 x, Fp2 y) = FindTwistPoint(k);
                k = x.A.ToUInt256().U0 + 1;
                torsion = MultiplyBig(JacobianPoint<Fp2>.FromAffine(x, y), GroupOrder * (Cofactor / prime));
            }
            while (torsion.IsInfinity);

            Assert.True(MultiplyBig(torsion, prime).IsInfinity);
            Assert.False(SlowCheck(torsion));
            Assert.False(FastCheck(torsion));
            Assert.False(FastCheck(JacobianPoint<Fp2>.Add(torsion, g)));
        }
    }

    [Fact]
    public void PrecompileRejectsATorsionPointPlusTheGenerator()
    {
        (Fp2 x, Fp2 y) = FindTwistPoint(5);
        JacobianPoint<Fp2> torsion = MultiplyBig(JacobianPoint<Fp2>.FromAffine(x, y), GroupOrder * (Cofactor / 10069));
        Assert.False(torsion.IsInfinity);
        Assert.True(JacobianPoint<Fp2>.Add(torsion, G2Generator()).TryToAffine(out Fp2 qx, out Fp2 qy));
        byte[] input = new byte[192];
        Convert.FromHexString(Bn254PairingVectors.G1Generator).CopyTo(input, 0);
        qx.B.WriteBigEndian(input.AsSpan(64, 32));
        qx.A.WriteBigEndian(input.AsSpan(96, 32));
        qy.B.WriteBigEndian(input.AsSpan(128, 32));
        qy.A.WriteBigEndian(input.AsSpan(160, 32));
        Assert.False(Bn254PairingPrecompile.TryRun(input, out _));
    }

    private static JacobianPoint<Fp2> MultiplyBig(in JacobianPoint<Fp2> p, BigInteger scalar)
    {
        JacobianPoint<Fp2> result = JacobianPoint<Fp2>.Infinity;
        for (int bit = (int)scalar.GetBitLength() - 1; bit >= 0; bit--)
        {
            result = JacobianPoint<Fp2>.Double(result);
            if (!((scalar >> bit) & 1).IsZero)
            {
                result = JacobianPoint<Fp2>.Add(result, p);
            }
        }

        return result;
    }

    private static readonly Gen<Fp> GenFp = Gen.ULong.Array[4].Select(limbs =>
    {
        UInt256 value = new UInt256(limbs[0], limbs[1], limbs[2], limbs[3] >> 3);
        return Fp.TryFromUInt256(value, out Fp fp) ? fp : Fp.FromUInt64(limbs[0]);
    });

    private static readonly Gen<Fp2> GenFp2 = Gen.Select(GenFp, GenFp, (a, b) => new Fp2(a, b));

    private static readonly Gen<Fp12> GenFp12 = GenFp2.Array[6].Select(c =>
        new Fp12(new Fp6(c[0], c[1], c[2]), new Fp6(c[3], c[4], c[5])));

    /// <summary>f^((p⁶ − 1)(p² + 1)): the easy part of the final exponentiation, landing in the cyclotomic subgroup.</summary>
    private static Fp12 ToCyclotomic(in Fp12 f)
    {
        Fp12 t = f.Conjugate() * Fp12.Inverse(f);
        return t.FrobeniusSquared() * t;
    }

    [Fact]
    public void CyclotomicSquaringEqualsSquaringInTheSubgroup() =>
        GenFp12.Sample(f =>
        {
            Fp12 t = ToCyclotomic(f);
            Assert.Equal(t.Squared(), t.CyclotomicSquared());
            Assert.Equal(t.Squared().Squared(), t.CyclotomicSquared().CyclotomicSquared());
            // Outside the subgroup the shortcut is not squaring (so the comparison above can fail).
            Assert.NotEqual(f.Squared(), f.CyclotomicSquared());
        }, iter: 20);

    [Fact]
    public void CyclotomicPowerByUEqualsPlainPower() =>
        GenFp12.Sample(f =>
        {
            Fp12 t = ToCyclotomic(f);
            Assert.Equal(t.Pow(Pairing.U), t.CyclotomicPowU());
        }, iter: 5);

    private static AffinePoint<Fp2> Affine(in JacobianPoint<Fp2> q)
    {
        Assert.True(q.TryToAffine(out Fp2 x, out Fp2 y));
        return new AffinePoint<Fp2>(x, y);
    }

    /// <summary>The projective Miller-loop steps move T exactly as Jacobian doubling and addition do, from any Z.</summary>
    [Fact]
    public void ProjectiveMillerStepsMatchJacobianArithmetic() =>
        Gen.Select(Gen.ULong[2, ulong.MaxValue], Gen.ULong[2, ulong.MaxValue], GenFp2).Sample((a, b, scale) =>
        {
            if (scale.IsZero)
            {
                return;
            }

            JacobianPoint<Fp2> g = G2Generator();
            JacobianPoint<Fp2> t = JacobianPoint<Fp2>.Multiply(g, a);
            AffinePoint<Fp2> q = Affine(JacobianPoint<Fp2>.Multiply(g, b));
            AffinePoint<Fp2> tAffine = Affine(t);
            var p = new AffinePoint<Fp>(Fp.One, Fp.FromUInt64(2));

            var doubled = new ProjectivePoint(tAffine.X * scale, tAffine.Y * scale, scale);
            Pairing.DoublingStep(ref doubled, p, out _, out _, out _);
            AffinePoint<Fp2> expected = Affine(JacobianPoint<Fp2>.Double(t));
            Assert.Equal(expected.X, doubled.ToAffine().X);
            Assert.Equal(expected.Y, doubled.ToAffine().Y);

            var sum = new ProjectivePoint(tAffine.X * scale, tAffine.Y * scale, scale);
            Pairing.AdditionStep(ref sum, q, p, out _, out _, out _);
            expected = Affine(JacobianPoint<Fp2>.Add(t, JacobianPoint<Fp2>.FromAffine(q.X, q.Y)));
            Assert.Equal(expected.X, sum.ToAffine().X);
            Assert.Equal(expected.Y, sum.ToAffine().Y);
        }, iter: 10);

    [Fact]
    public void HalvingInvertsDoubling() =>
        GenFp.Sample(a =>
        {
            Assert.Equal(a, Fp.Halve(a + a));
            Assert.Equal(a, Fp.Halve(a) + Fp.Halve(a));
        });
}
