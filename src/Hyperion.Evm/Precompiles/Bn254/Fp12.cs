using Hyperion.Core;

namespace Hyperion.Evm.Precompiles.Bn254;

/// <summary>
/// Fp12 = Fp6[w]/(w² − v): the element C0 + C1·w, where the pairing takes its values. As a vector over Fp2 the basis
/// is w^k, k = 0…5 (v = w², ξ = w⁶), which is what the Frobenius constants are indexed by.
/// </summary>
internal readonly struct Fp12 : IEquatable<Fp12>
{
    public readonly Fp6 C0, C1;

    public Fp12(in Fp6 c0, in Fp6 c1)
    {
        C0 = c0;
        C1 = c1;
    }

    public static Fp12 One => new(Fp6.One, Fp6.Zero);

    public bool IsOne => this == One;

    public static Fp12 operator *(in Fp12 x, in Fp12 y)
    {
        Fp6 t0 = x.C0 * y.C0;
        Fp6 t1 = x.C1 * y.C1;
        Fp6 c1 = (x.C0 + x.C1) * (y.C0 + y.C1) - t0 - t1;
        return new Fp12(t0 + t1.MultipliedByV(), c1);
    }

    /// <summary>Complex squaring: two Fp6 multiplications.</summary>
    public Fp12 Squared()
    {
        Fp6 ab = C0 * C1;
        Fp6 c0 = (C0 + C1) * (C0 + C1.MultipliedByV()) - ab - ab.MultipliedByV();
        return new Fp12(c0, ab + ab);
    }

    /// <summary>
    /// Multiplication by a Miller-loop line value c0 + c1·w + c3·w³ (c0, c1, c3 in Fp2): in Fp6 terms (c0, 0, 0) +
    /// (c1, c3, 0)·w, so Karatsuba over w with sparse factors costs 13 Fp2 products instead of 18.
    /// </summary>
    public Fp12 MultipliedByLine(in Fp2 c0, in Fp2 c1, in Fp2 c3)
    {
        Fp6 t0 = C0 * c0;
        Fp6 t1 = C1.MultipliedBy01(c1, c3);
        Fp6 middle = (C0 + C1).MultipliedBy01(c0 + c1, c3) - t0 - t1;
        return new Fp12(t0 + t1.MultipliedByV(), middle);
    }

    /// <summary>
    /// Squaring for elements of the cyclotomic subgroup (norm 1 over Fp6: everything after the easy part of the final
    /// exponentiation), by Granger and Scott ("Faster squaring in the cyclotomic subgroup of sixth degree extensions",
    /// PKC 2010): viewed over Fp4 = Fp2[s]/(s² − ξ), s = w³, the element is three Fp4 values (g0 + g3·s),
    /// (g4 + g2·s)·w, (g1 + g5·s)·w² (g_k the coefficient of w^k); the unit-norm relations turn each output into
    /// 3·(an Fp4 square) ∓ 2·(an input), so the cost is nine Fp2 squarings instead of two Fp6 products.
    /// Wrong for elements outside the subgroup.
    /// </summary>
    public Fp12 CyclotomicSquared()
    {
        // Coefficients by power of w: C0 = (w⁰, w², w⁴), C1 = (w¹, w³, w⁵).
        Fp2 g0 = C0.C0, g2 = C0.C1, g4 = C0.C2, g1 = C1.C0, g3 = C1.C1, g5 = C1.C2;

        // (a + b·s)² = (a² + ξ·b²) + 2ab·s for the pairs (g0, g3), (g1, g4), (g2, g5).
        Fp2 g3Squared = g3.Squared();
        Fp2 g0Squared = g0.Squared();
        Fp2 g0g3Twice = (g0 + g3).Squared() - g3Squared - g0Squared;
        Fp2 g4Squared = g4.Squared();
        Fp2 g1Squared = g1.Squared();
        Fp2 g1g4Twice = (g4 + g1).Squared() - g4Squared - g1Squared;
        Fp2 g5Squared = g5.Squared();
        Fp2 g2Squared = g2.Squared();
        Fp2 g2g5TwiceXi = ((g5 + g2).Squared() - g5Squared - g2Squared).MultipliedByXi();
        Fp2 pair03 = g3Squared.MultipliedByXi() + g0Squared;
        Fp2 pair14 = g4Squared.MultipliedByXi() + g1Squared;
        Fp2 pair25 = g5Squared.MultipliedByXi() + g2Squared;

        return new Fp12(
            new Fp6(TripleMinusDouble(pair03, g0), TripleMinusDouble(pair14, g2), TripleMinusDouble(pair25, g4)),
            new Fp6(TriplePlusDouble(g2g5TwiceXi, g1), TriplePlusDouble(g0g3Twice, g3), TriplePlusDouble(g1g4Twice, g5)));
    }

    /// <summary>3a − 2b = 2(a − b) + a.</summary>
    private static Fp2 TripleMinusDouble(in Fp2 a, in Fp2 b) => (a - b).Doubled() + a;

    /// <summary>3a + 2b = 2(a + b) + a.</summary>
    private static Fp2 TriplePlusDouble(in Fp2 a, in Fp2 b) => (a + b).Doubled() + a;

    /// <summary>
    /// x^u for the BN parameter u, x in the cyclotomic subgroup: the width-4 signed-window (wNAF) digits of u, so
    /// 62 cyclotomic squarings and 17 multiplications (3 for the table x, x³, x⁵, x⁷) against 28 in binary; the
    /// conjugate is the inverse for the negative digits.
    /// </summary>
    public Fp12 CyclotomicPowU()
    {
        Span<Fp12> oddPowers = stackalloc Fp12[4];
        oddPowers[0] = this;
        Fp12 squared = CyclotomicSquared();
        for (int k = 1; k < 4; k++)
        {
            oddPowers[k] = oddPowers[k - 1] * squared;
        }

        ReadOnlySpan<sbyte> digits = UDigits;
        Fp12 result = this;
        for (int i = digits.Length - 2; i >= 0; i--)
        {
            result = result.CyclotomicSquared();
            int digit = digits[i];
            if (digit > 0)
            {
                result *= oddPowers[digit >> 1];
            }
            else if (digit < 0)
            {
                result *= oddPowers[-digit >> 1].Conjugate();
            }
        }

        return result;
    }

    /// <summary>Width-4 NAF digits of u = 4965661367192848881, least significant first (the top digit is 1).</summary>
    private static ReadOnlySpan<sbyte> UDigits =>
    [
        1, 0, 0, 0, -1, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, -7, 0, 0, 0, 7, 0, 0, 0, 0, 5, 0, 0, 0, 0, 1, 0,
        0, 0, -3, 0, 0, 0, -5, 0, 0, 0, 5, 0, 0, 0, 0, 3, 0, 0, 0, -3, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 1,
    ];

    /// <summary>x^(p⁶): negates the w-part. On the cyclotomic subgroup (after the easy part of the final exponentiation) it is the inverse.</summary>
    public Fp12 Conjugate() => new(C0, -C1);

    public static Fp12 Inverse(in Fp12 x)
    {
        Fp6 normInverse = Fp6.Inverse(x.C0 * x.C0 - (x.C1 * x.C1).MultipliedByV());
        return new Fp12(x.C0 * normInverse, -(x.C1 * normInverse));
    }

    /// <summary>x^p: conjugate each Fp2 coefficient and scale the w^k coefficient by ξ^(k(p−1)/6).</summary>
    public Fp12 Frobenius()
    {
        ReadOnlySpan<Fp2> gamma = FrobeniusConstants.Power1;
        return new Fp12(
            new Fp6(C0.C0.Conjugate(), C0.C1.Conjugate() * gamma[2], C0.C2.Conjugate() * gamma[4]),
            new Fp6(C1.C0.Conjugate() * gamma[1], C1.C1.Conjugate() * gamma[3], C1.C2.Conjugate() * gamma[5]));
    }

    /// <summary>x^(p²): Fp2 coefficients are fixed; the w^k coefficient is scaled by ξ^(k(p²−1)/6).</summary>
    public Fp12 FrobeniusSquared()
    {
        ReadOnlySpan<Fp2> gamma = FrobeniusConstants.Power2;
        return new Fp12(
            new Fp6(C0.C0, C0.C1 * gamma[2], C0.C2 * gamma[4]),
            new Fp6(C1.C0 * gamma[1], C1.C1 * gamma[3], C1.C2 * gamma[5]));
    }

    /// <summary>x^(p³).</summary>
    public Fp12 FrobeniusCubed()
    {
        ReadOnlySpan<Fp2> gamma = FrobeniusConstants.Power3;
        return new Fp12(
            new Fp6(C0.C0.Conjugate(), C0.C1.Conjugate() * gamma[2], C0.C2.Conjugate() * gamma[4]),
            new Fp6(C1.C0.Conjugate() * gamma[1], C1.C1.Conjugate() * gamma[3], C1.C2.Conjugate() * gamma[5]));
    }

    /// <summary>x^e by square-and-multiply, for a 64-bit exponent.</summary>
    public Fp12 Pow(ulong exponent)
    {
        Fp12 result = One;
        for (int bit = 63 - System.Numerics.BitOperations.LeadingZeroCount(exponent); bit >= 0; bit--)
        {
            result = result.Squared();
            if (((exponent >> bit) & 1) != 0)
            {
                result *= this;
            }
        }

        return result;
    }

    public static bool operator ==(in Fp12 x, in Fp12 y) => x.C0 == y.C0 && x.C1 == y.C1;

    public static bool operator !=(in Fp12 x, in Fp12 y) => !(x == y);

    public bool Equals(Fp12 other) => this == other;

    public override bool Equals(object? obj) => obj is Fp12 other && this == other;

    public override int GetHashCode() => HashCode.Combine(C0, C1);
}

/// <summary>
/// ξ^(k(p^n − 1)/6) for k = 0…5 and n = 1, 2, 3, derived once from ξ = 9 + u rather than transcribed. With
/// γ = ξ^(k(p−1)/6) in Fp2 (so γ^p = conj γ): n = 2 gives γ^(p+1) = conj(γ)·γ, n = 3 gives γ^(p²+p+1) = γ·conj(γ)·γ.
/// </summary>
internal static class FrobeniusConstants
{
    public static readonly Fp2[] Power1 = new Fp2[6];
    public static readonly Fp2[] Power2 = new Fp2[6];
    public static readonly Fp2[] Power3 = new Fp2[6];

#pragma warning disable CA1810 // explicit static constructor: the three tables are filled together
    static FrobeniusConstants()
#pragma warning restore CA1810
    {
        Fp2 xi = new(Fp.FromUInt64(9), Fp.One);
        UInt256 sixth = (Fp.Modulus - 1) / 6;
        for (int k = 0; k < 6; k++)
        {
            Fp2 gamma = Fp2.Pow(xi, sixth * (ulong)k);
            Power1[k] = gamma;
            Power2[k] = gamma.Conjugate() * gamma;
            Power3[k] = gamma * gamma.Conjugate() * gamma;
        }
    }
}
