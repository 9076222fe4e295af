using System.Numerics;

namespace Hyperion.Evm.Precompiles.Bls12381;

/// <summary>
/// Fp12 = Fp6[w]/(w² − v): C0 + C1·w, the field of the pairing's values. As a vector over Fp2 the basis is w⁰…w⁵
/// (w⁶ = ξ): C0 holds the coefficients of w⁰, w², w⁴ and C1 those of w¹, w³, w⁵.
/// </summary>
internal readonly struct Fp12 : IField<Fp12>
{
    public readonly Fp6 C0, C1;

    /// <summary>
    /// FrobeniusCoefficients[n-1][k] = ξ^(k·(pⁿ−1)/6) for n = 1…3: the p^n-power Frobenius sends a·w^k to
    /// conj^n(a)·w^k·ξ^(k·(pⁿ−1)/6), since w^(pⁿ) = w·(w⁶)^((pⁿ−1)/6).
    /// </summary>
    private static readonly Fp2[][] FrobeniusCoefficients = ComputeFrobeniusCoefficients();

    public Fp12(in Fp6 c0, in Fp6 c1)
    {
        C0 = c0;
        C1 = c1;
    }

    public static Fp12 Zero => default;

    public static Fp12 One => new(Fp6.One, Fp6.Zero);

    public bool IsZero => C0.IsZero && C1.IsZero;

    public bool IsOne => AreEqual(this, One);

    public static Fp12 Add(in Fp12 a, in Fp12 b) => new(Fp6.Add(a.C0, b.C0), Fp6.Add(a.C1, b.C1));

    public static Fp12 Subtract(in Fp12 a, in Fp12 b) => new(Fp6.Subtract(a.C0, b.C0), Fp6.Subtract(a.C1, b.C1));

    public static Fp12 Double(in Fp12 a) => new(Fp6.Double(a.C0), Fp6.Double(a.C1));

    public static Fp12 Negate(in Fp12 a) => new(Fp6.Negate(a.C0), Fp6.Negate(a.C1));

    /// <summary>a^(p⁶): negates the w-odd half. It is the inverse on the cyclotomic subgroup.</summary>
    public static Fp12 Conjugate(in Fp12 a) => new(a.C0, Fp6.Negate(a.C1));

    public static Fp12 Multiply(in Fp12 a, in Fp12 b)
    {
        Fp6 aa = Fp6.Multiply(a.C0, b.C0);
        Fp6 bb = Fp6.Multiply(a.C1, b.C1);
        Fp6 cross = Fp6.Multiply(Fp6.Add(a.C0, a.C1), Fp6.Add(b.C0, b.C1));
        return new Fp12(Fp6.Add(aa, Fp6.MultiplyByNonResidue(bb)), Fp6.Subtract(Fp6.Subtract(cross, aa), bb));
    }

    /// <summary>Complex squaring: (a0 + a1·w)² = (a0 + a1)(a0 + v·a1) − (1 + v)·a0·a1 + 2·a0·a1·w.</summary>
    public static Fp12 Square(in Fp12 a)
    {
        Fp6 ab = Fp6.Multiply(a.C0, a.C1);
        Fp6 sum = Fp6.Multiply(Fp6.Add(a.C0, a.C1), Fp6.Add(a.C0, Fp6.MultiplyByNonResidue(a.C1)));
        Fp6 c0 = Fp6.Subtract(Fp6.Subtract(sum, ab), Fp6.MultiplyByNonResidue(ab));
        return new Fp12(c0, Fp6.Double(ab));
    }

    /// <summary>
    /// Granger–Scott squaring, valid only for a in the cyclotomic subgroup (order dividing p⁴ − p² + 1, which every value
    /// has after the easy part of the final exponentiation): Fp12 seen as Fp4³ with Fp4 = Fp2[w³]/((w³)² − ξ), each Fp4 coordinate squared with
    /// three Fp2 squarings and the cross terms recovered from the norm relation — 9 Fp2 squarings instead of 12 Fp2
    /// multiplications.
    /// </summary>
    public static Fp12 CyclotomicSquare(in Fp12 a)
    {
        // Fp4 pairs (g, h) meaning g + h·w³: (1, w³) ↔ (C0.C0, C1.C1), (w, w⁴) ↔ (C1.C0, C0.C2), (w², w⁵) ↔ (C0.C1, C1.C2).
        SquareFp4(a.C0.C0, a.C1.C1, out Fp2 s0, out Fp2 s1);
        SquareFp4(a.C1.C0, a.C0.C2, out Fp2 s2, out Fp2 s3);
        SquareFp4(a.C0.C1, a.C1.C2, out Fp2 s4, out Fp2 s5);

        // New coefficient = 3·s ∓ 2·old: 2(s − old) + s for the "real" parts, 2(s + old) + s for the w³ parts.
        Fp2 c00 = ThreeSMinusTwoOld(s0, a.C0.C0);
        Fp2 c11 = ThreeSPlusTwoOld(s1, a.C1.C1);
        Fp2 c01 = ThreeSMinusTwoOld(s2, a.C0.C1);
        Fp2 c12 = ThreeSPlusTwoOld(s3, a.C1.C2);
        Fp2 c10 = ThreeSPlusTwoOld(Fp2.MultiplyByNonResidue(s5), a.C1.C0);
        Fp2 c02 = ThreeSMinusTwoOld(s4, a.C0.C2);
        return new Fp12(new Fp6(c00, c01, c02), new Fp6(c10, c11, c12));
    }

    /// <summary>(g + h·t)² with t² = ξ: (g² + ξh²) + ((g + h)² − g² − h²)·t.</summary>
    private static void SquareFp4(in Fp2 g, in Fp2 h, out Fp2 real, out Fp2 imaginary)
    {
        Fp2 g2 = Fp2.Square(g);
        Fp2 h2 = Fp2.Square(h);
        real = Fp2.Add(Fp2.MultiplyByNonResidue(h2), g2);
        imaginary = Fp2.Subtract(Fp2.Subtract(Fp2.Square(Fp2.Add(g, h)), g2), h2);
    }

    private static Fp2 ThreeSMinusTwoOld(in Fp2 s, in Fp2 old) => Fp2.Add(Fp2.Double(Fp2.Subtract(s, old)), s);

    private static Fp2 ThreeSPlusTwoOld(in Fp2 s, in Fp2 old) => Fp2.Add(Fp2.Double(Fp2.Add(s, old)), s);

    /// <summary>
    /// a·(c0 + c1·w² + c4·w³), the shape of an evaluated line (coefficients at w⁰, w², w³: slots 0, 1 and 4 of
    /// the Fp2 vector (C0.C0, C0.C1, C0.C2, C1.C0, C1.C1, C1.C2)).
    /// </summary>
    public static Fp12 MultiplyBy014(in Fp12 a, in Fp2 c0, in Fp2 c1, in Fp2 c4)
    {
        Fp6 aa = Fp6.MultiplyBy01(a.C0, c0, c1);
        Fp6 bb = Fp6.MultiplyBy1(a.C1, c4);
        Fp6 cross = Fp6.MultiplyBy01(Fp6.Add(a.C0, a.C1), c0, Fp2.Add(c1, c4));
        return new Fp12(Fp6.Add(Fp6.MultiplyByNonResidue(bb), aa), Fp6.Subtract(Fp6.Subtract(cross, aa), bb));
    }

    public static Fp12 Invert(in Fp12 a)
    {
        Fp6 norm = Fp6.Subtract(Fp6.Square(a.C0), Fp6.MultiplyByNonResidue(Fp6.Square(a.C1)));
        Fp6 inverse = Fp6.Invert(norm);
        return new Fp12(Fp6.Multiply(a.C0, inverse), Fp6.Negate(Fp6.Multiply(a.C1, inverse)));
    }

    public static bool AreEqual(in Fp12 a, in Fp12 b) => Fp6.AreEqual(a.C0, b.C0) && Fp6.AreEqual(a.C1, b.C1);

    /// <summary>a^(pⁿ) for n = 1, 2 or 3.</summary>
    public static Fp12 Frobenius(in Fp12 a, int n)
    {
        Fp2[] gamma = FrobeniusCoefficients[n - 1];
        bool odd = (n & 1) == 1;
        Fp2 Map(in Fp2 x, int k) => Fp2.Multiply(odd ? Fp2.Conjugate(x) : x, gamma[k]);
        return new Fp12(
            new Fp6(Map(a.C0.C0, 0), Map(a.C0.C1, 2), Map(a.C0.C2, 4)),
            new Fp6(Map(a.C1.C0, 1), Map(a.C1.C1, 3), Map(a.C1.C2, 5)));
    }

    private static Fp2[][] ComputeFrobeniusCoefficients()
    {
        var xi = new Fp2(Fp.One, Fp.One);
        var table = new Fp2[3][];
        BigInteger pn = 1;
        for (int n = 1; n <= 3; n++)
        {
            pn *= Fp.Modulus;
            table[n - 1] = new Fp2[6];
            for (int k = 0; k < 6; k++)
            {
                table[n - 1][k] = FieldMath.Pow(xi, FieldMath.Limbs(k * (pn - 1) / 6));
            }
        }

        return table;
    }
}
