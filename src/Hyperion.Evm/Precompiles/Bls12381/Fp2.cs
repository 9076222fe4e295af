using System.Numerics;

namespace Hyperion.Evm.Precompiles.Bls12381;

/// <summary>Fp2 = Fp[u]/(u² + 1): C0 + C1·u. The field of G2's coordinates.</summary>
internal readonly struct Fp2 : IField<Fp2>
{
    public readonly Fp C0, C1;

    private static readonly BigInteger P = Fp.Modulus;
    private static readonly ulong[] SqrtFirstExponent = FieldMath.Limbs((P - 3) / 4);
    private static readonly ulong[] HalfOrderExponent = FieldMath.Limbs((P - 1) / 2);

    public Fp2(in Fp c0, in Fp c1)
    {
        C0 = c0;
        C1 = c1;
    }

    public static Fp2 Zero => default;

    public static Fp2 One => new(Fp.One, Fp.Zero);

    public bool IsZero => C0.IsZero && C1.IsZero;

    public static Fp2 Add(in Fp2 a, in Fp2 b) => new(Fp.Add(a.C0, b.C0), Fp.Add(a.C1, b.C1));

    public static Fp2 Subtract(in Fp2 a, in Fp2 b) => new(Fp.Subtract(a.C0, b.C0), Fp.Subtract(a.C1, b.C1));

    public static Fp2 Double(in Fp2 a) => new(Fp.Double(a.C0), Fp.Double(a.C1));

    public static Fp2 Negate(in Fp2 a) => new(Fp.Negate(a.C0), Fp.Negate(a.C1));

    public static Fp2 Conjugate(in Fp2 a) => new(a.C0, Fp.Negate(a.C1));

    /// <summary>Karatsuba: three Fp multiplications.</summary>
    public static Fp2 Multiply(in Fp2 a, in Fp2 b)
    {
        Fp v0 = Fp.Multiply(a.C0, b.C0);
        Fp v1 = Fp.Multiply(a.C1, b.C1);
        Fp cross = Fp.Multiply(Fp.Add(a.C0, a.C1), Fp.Add(b.C0, b.C1));
        return new Fp2(Fp.Subtract(v0, v1), Fp.Subtract(Fp.Subtract(cross, v0), v1));
    }

    public static Fp2 MultiplyByFp(in Fp2 a, in Fp b) => new(Fp.Multiply(a.C0, b), Fp.Multiply(a.C1, b));

    /// <summary>(a0 + a1·u)² = (a0 + a1)(a0 − a1) + 2·a0·a1·u.</summary>
    public static Fp2 Square(in Fp2 a)
    {
        Fp c0 = Fp.Multiply(Fp.Add(a.C0, a.C1), Fp.Subtract(a.C0, a.C1));
        Fp c1 = Fp.Multiply(a.C0, a.C1);
        return new Fp2(c0, Fp.Double(c1));
    }

    /// <summary>Multiplication by ξ = 1 + u, the non-residue the sextic extension is built on.</summary>
    public static Fp2 MultiplyByNonResidue(in Fp2 a) => new(Fp.Subtract(a.C0, a.C1), Fp.Add(a.C0, a.C1));

    public static Fp2 Invert(in Fp2 a)
    {
        Fp norm = Fp.Add(Fp.Square(a.C0), Fp.Square(a.C1));
        Fp inverse = Fp.Invert(norm);
        return new Fp2(Fp.Multiply(a.C0, inverse), Fp.Negate(Fp.Multiply(a.C1, inverse)));
    }

    public static bool AreEqual(in Fp2 a, in Fp2 b) => Fp.AreEqual(a.C0, b.C0) && Fp.AreEqual(a.C1, b.C1);

    /// <summary>
    /// A square root when one exists: the p ≡ 3 (mod 4) method of Adj and Rodríguez-Henríquez (2012, Alg. 9), with
    /// the result checked by squaring.
    /// </summary>
    public static bool TrySqrt(in Fp2 a, out Fp2 root)
    {
        if (a.IsZero)
        {
            root = a;
            return true;
        }

        Fp2 a1 = FieldMath.Pow(a, SqrtFirstExponent);
        Fp2 alpha = Multiply(Square(a1), a);
        Fp2 x0 = Multiply(a1, a);
        var minusOne = new Fp2(Fp.Negate(Fp.One), Fp.Zero);
        if (AreEqual(alpha, minusOne))
        {
            // Multiply by u: (c0 + c1·u)·u = −c1 + c0·u.
            root = new Fp2(Fp.Negate(x0.C1), x0.C0);
        }
        else
        {
            Fp2 b = FieldMath.Pow(Add(One, alpha), HalfOrderExponent);
            root = Multiply(b, x0);
        }

        return AreEqual(Square(root), a);
    }

    /// <summary>The ZCash sign rule for Fp2: compare C1 first, then C0 when C1 is zero.</summary>
    public bool IsLexicographicallyLargest() => C1.IsZero ? C0.IsLexicographicallyLargest() : C1.IsLexicographicallyLargest();

    public override string ToString() => $"({C0}, {C1})";
}
