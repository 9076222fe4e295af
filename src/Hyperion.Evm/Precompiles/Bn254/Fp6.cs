namespace Hyperion.Evm.Precompiles.Bn254;

/// <summary>Fp6 = Fp2[v]/(v³ − ξ), ξ = 9 + u: the element C0 + C1·v + C2·v².</summary>
internal readonly struct Fp6 : IEquatable<Fp6>
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

    public static Fp6 operator +(in Fp6 x, in Fp6 y) => new(x.C0 + y.C0, x.C1 + y.C1, x.C2 + y.C2);

    public static Fp6 operator -(in Fp6 x, in Fp6 y) => new(x.C0 - y.C0, x.C1 - y.C1, x.C2 - y.C2);

    public static Fp6 operator -(in Fp6 x) => new(-x.C0, -x.C1, -x.C2);

    /// <summary>Karatsuba over the three coefficients: six Fp2 multiplications.</summary>
    public static Fp6 operator *(in Fp6 x, in Fp6 y)
    {
        Fp2 t0 = x.C0 * y.C0;
        Fp2 t1 = x.C1 * y.C1;
        Fp2 t2 = x.C2 * y.C2;
        Fp2 c0 = ((x.C1 + x.C2) * (y.C1 + y.C2) - t1 - t2).MultipliedByXi() + t0;
        Fp2 c1 = (x.C0 + x.C1) * (y.C0 + y.C1) - t0 - t1 + t2.MultipliedByXi();
        Fp2 c2 = (x.C0 + x.C2) * (y.C0 + y.C2) - t0 - t2 + t1;
        return new Fp6(c0, c1, c2);
    }

    public static Fp6 operator *(in Fp6 x, in Fp y) => new(x.C0 * y, x.C1 * y, x.C2 * y);

    public static Fp6 operator *(in Fp6 x, in Fp2 y) => new(x.C0 * y, x.C1 * y, x.C2 * y);

    /// <summary>Chung–Hasan SQR2: three Fp2 squarings and two Fp2 multiplications.</summary>
    public Fp6 Squared()
    {
        Fp2 s0 = C0.Squared();
        Fp2 ab = C0 * C1;
        Fp2 s1 = ab.Doubled();
        Fp2 s2 = (C0 - C1 + C2).Squared();
        Fp2 bc = C1 * C2;
        Fp2 s3 = bc.Doubled();
        Fp2 s4 = C2.Squared();
        return new Fp6(s0 + s3.MultipliedByXi(), s1 + s4.MultipliedByXi(), s1 + s2 + s3 - s0 - s4);
    }

    /// <summary>Multiplication by v: (c0, c1, c2) ↦ (ξ·c2, c0, c1).</summary>
    public Fp6 MultipliedByV() => new(C2.MultipliedByXi(), C0, C1);

    /// <summary>Multiplication by the sparse element a + b·v (the shape of a Miller-loop line's w-coefficient).</summary>
    public Fp6 MultipliedBy01(in Fp2 a, in Fp2 b)
    {
        Fp2 t0 = C0 * a;
        Fp2 t1 = C1 * b;
        Fp2 c0 = (C2 * b).MultipliedByXi() + t0;
        Fp2 c1 = (C0 + C1) * (a + b) - t0 - t1;
        Fp2 c2 = C2 * a + t1;
        return new Fp6(c0, c1, c2);
    }

    public static Fp6 Inverse(in Fp6 x)
    {
        Fp2 a = x.C0.Squared() - (x.C1 * x.C2).MultipliedByXi();
        Fp2 b = x.C2.Squared().MultipliedByXi() - x.C0 * x.C1;
        Fp2 c = x.C1.Squared() - x.C0 * x.C2;
        Fp2 f = x.C0 * a + (x.C2 * b + x.C1 * c).MultipliedByXi();
        Fp2 fInverse = Fp2.Inverse(f);
        return new Fp6(a * fInverse, b * fInverse, c * fInverse);
    }

    public static bool operator ==(in Fp6 x, in Fp6 y) => x.C0 == y.C0 && x.C1 == y.C1 && x.C2 == y.C2;

    public static bool operator !=(in Fp6 x, in Fp6 y) => !(x == y);

    public bool Equals(Fp6 other) => this == other;

    public override bool Equals(object? obj) => obj is Fp6 other && this == other;

    public override int GetHashCode() => HashCode.Combine(C0, C1, C2);
}
