namespace Hyperion.Evm.Precompiles.Bls12381;

/// <summary>Fp6 = Fp2[v]/(v³ − ξ), ξ = 1 + u: C0 + C1·v + C2·v².</summary>
internal readonly struct Fp6
{
    public readonly Fp2 C0, C1, C2;

    public Fp6(in Fp2 c0, in Fp2 c1, in Fp2 c2)
    {
        C0 = c0;
        C1 = c1;
        C2 = c2;
    }

    public static Fp6 Zero => default;

    public static Fp6 One => new(Fp2.One, Fp2.Zero, Fp2.Zero);

    public bool IsZero => C0.IsZero && C1.IsZero && C2.IsZero;

    public static Fp6 Add(in Fp6 a, in Fp6 b) => new(Fp2.Add(a.C0, b.C0), Fp2.Add(a.C1, b.C1), Fp2.Add(a.C2, b.C2));

    public static Fp6 Subtract(in Fp6 a, in Fp6 b) =>
        new(Fp2.Subtract(a.C0, b.C0), Fp2.Subtract(a.C1, b.C1), Fp2.Subtract(a.C2, b.C2));

    public static Fp6 Double(in Fp6 a) => new(Fp2.Double(a.C0), Fp2.Double(a.C1), Fp2.Double(a.C2));

    public static Fp6 Negate(in Fp6 a) => new(Fp2.Negate(a.C0), Fp2.Negate(a.C1), Fp2.Negate(a.C2));

    /// <summary>Multiplication by v: (c0, c1, c2) → (ξ·c2, c0, c1).</summary>
    public static Fp6 MultiplyByNonResidue(in Fp6 a) => new(Fp2.MultiplyByNonResidue(a.C2), a.C0, a.C1);

    /// <summary>Karatsuba over the cubic extension: six Fp2 multiplications.</summary>
    public static Fp6 Multiply(in Fp6 a, in Fp6 b)
    {
        Fp2 aa = Fp2.Multiply(a.C0, b.C0);
        Fp2 bb = Fp2.Multiply(a.C1, b.C1);
        Fp2 cc = Fp2.Multiply(a.C2, b.C2);

        Fp2 t0 = Fp2.Multiply(Fp2.Add(a.C1, a.C2), Fp2.Add(b.C1, b.C2));
        t0 = Fp2.Add(Fp2.MultiplyByNonResidue(Fp2.Subtract(Fp2.Subtract(t0, bb), cc)), aa);

        Fp2 t1 = Fp2.Multiply(Fp2.Add(a.C0, a.C1), Fp2.Add(b.C0, b.C1));
        t1 = Fp2.Add(Fp2.Subtract(Fp2.Subtract(t1, aa), bb), Fp2.MultiplyByNonResidue(cc));

        Fp2 t2 = Fp2.Multiply(Fp2.Add(a.C0, a.C2), Fp2.Add(b.C0, b.C2));
        t2 = Fp2.Add(Fp2.Subtract(Fp2.Subtract(t2, aa), cc), bb);
        return new Fp6(t0, t1, t2);
    }

    /// <summary>Chung–Hasan SQR2: two squarings and three multiplications in Fp2.</summary>
    public static Fp6 Square(in Fp6 a)
    {
        Fp2 s0 = Fp2.Square(a.C0);
        Fp2 ab = Fp2.Multiply(a.C0, a.C1);
        Fp2 s1 = Fp2.Double(ab);
        Fp2 s2 = Fp2.Square(Fp2.Add(Fp2.Subtract(a.C0, a.C1), a.C2));
        Fp2 bc = Fp2.Multiply(a.C1, a.C2);
        Fp2 s3 = Fp2.Double(bc);
        Fp2 s4 = Fp2.Square(a.C2);
        Fp2 c0 = Fp2.Add(Fp2.MultiplyByNonResidue(s3), s0);
        Fp2 c1 = Fp2.Add(Fp2.MultiplyByNonResidue(s4), s1);
        Fp2 c2 = Fp2.Subtract(Fp2.Add(Fp2.Add(s1, s2), s3), Fp2.Add(s0, s4));
        return new Fp6(c0, c1, c2);
    }

    /// <summary>a·(b0 + b1·v): the sparse product used by line evaluation.</summary>
    public static Fp6 MultiplyBy01(in Fp6 a, in Fp2 b0, in Fp2 b1)
    {
        Fp2 aa = Fp2.Multiply(a.C0, b0);
        Fp2 bb = Fp2.Multiply(a.C1, b1);
        Fp2 c0 = Fp2.Add(Fp2.MultiplyByNonResidue(Fp2.Multiply(a.C2, b1)), aa);
        Fp2 c1 = Fp2.Subtract(Fp2.Subtract(Fp2.Multiply(Fp2.Add(b0, b1), Fp2.Add(a.C0, a.C1)), aa), bb);
        Fp2 c2 = Fp2.Add(Fp2.Multiply(a.C2, b0), bb);
        return new Fp6(c0, c1, c2);
    }

    /// <summary>a·(b1·v).</summary>
    public static Fp6 MultiplyBy1(in Fp6 a, in Fp2 b1) =>
        new(Fp2.MultiplyByNonResidue(Fp2.Multiply(a.C2, b1)), Fp2.Multiply(a.C0, b1), Fp2.Multiply(a.C1, b1));

    public static Fp6 Invert(in Fp6 a)
    {
        Fp2 t0 = Fp2.Subtract(Fp2.Square(a.C0), Fp2.MultiplyByNonResidue(Fp2.Multiply(a.C1, a.C2)));
        Fp2 t1 = Fp2.Subtract(Fp2.MultiplyByNonResidue(Fp2.Square(a.C2)), Fp2.Multiply(a.C0, a.C1));
        Fp2 t2 = Fp2.Subtract(Fp2.Square(a.C1), Fp2.Multiply(a.C0, a.C2));
        Fp2 norm = Fp2.Add(Fp2.Multiply(a.C0, t0),
            Fp2.MultiplyByNonResidue(Fp2.Add(Fp2.Multiply(a.C2, t1), Fp2.Multiply(a.C1, t2))));
        Fp2 inverse = Fp2.Invert(norm);
        return new Fp6(Fp2.Multiply(t0, inverse), Fp2.Multiply(t1, inverse), Fp2.Multiply(t2, inverse));
    }

    public static bool AreEqual(in Fp6 a, in Fp6 b) =>
        Fp2.AreEqual(a.C0, b.C0) && Fp2.AreEqual(a.C1, b.C1) && Fp2.AreEqual(a.C2, b.C2);
}
