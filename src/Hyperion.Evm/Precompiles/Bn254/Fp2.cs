using Hyperion.Core;

namespace Hyperion.Evm.Precompiles.Bn254;

/// <summary>Fp2 = Fp[u]/(u² + 1): the element A + B·u. The G2 twist lives over this field.</summary>
internal readonly struct Fp2 : IField<Fp2>, IEquatable<Fp2>
{
    public readonly Fp A, B;

    public Fp2(in Fp a, in Fp b)
    {
        A = a;
        B = b;
    }

    public static Fp2 Zero => default;

    public static Fp2 One => new(Fp.One, Fp.Zero);

    public bool IsZero => A.IsZero && B.IsZero;

    public static Fp2 operator +(in Fp2 x, in Fp2 y) => new(x.A + y.A, x.B + y.B);

    public static Fp2 operator -(in Fp2 x, in Fp2 y) => new(x.A - y.A, x.B - y.B);

    public static Fp2 operator -(in Fp2 x) => new(-x.A, -x.B);

    /// <summary>Karatsuba: three base-field multiplications.</summary>
    public static Fp2 operator *(in Fp2 x, in Fp2 y)
    {
        Fp aa = x.A * y.A;
        Fp bb = x.B * y.B;
        Fp cross = (x.A + x.B) * (y.A + y.B);
        return new Fp2(aa - bb, cross - aa - bb);
    }

    public static Fp2 operator *(in Fp2 x, in Fp y) => new(x.A * y, x.B * y);

    /// <summary>(A + Bu)² = (A + B)(A − B) + 2AB·u: two multiplications.</summary>
    public Fp2 Squared()
    {
        Fp ab = A * B;
        return new Fp2((A + B) * (A - B), ab + ab);
    }

    public Fp2 Doubled() => new(A + A, B + B);

    public Fp2 Halved() => new(Fp.Halve(A), Fp.Halve(B));

    /// <summary>The Frobenius map x ↦ x^p, which on Fp2 is conjugation.</summary>
    public Fp2 Conjugate() => new(A, -B);

    /// <summary>Multiplication by ξ = 9 + u, the non-residue defining Fp6 (v³ = ξ).</summary>
    public Fp2 MultipliedByXi()
    {
        Fp a8 = A + A;
        a8 += a8;
        a8 += a8;
        Fp b8 = B + B;
        b8 += b8;
        b8 += b8;
        return new Fp2(a8 + A - B, b8 + B + A);
    }

    public static bool operator ==(in Fp2 x, in Fp2 y) => x.A == y.A && x.B == y.B;

    public static bool operator !=(in Fp2 x, in Fp2 y) => !(x == y);

    public bool Equals(Fp2 other) => this == other;

    public override bool Equals(object? obj) => obj is Fp2 other && this == other;

    public override int GetHashCode() => HashCode.Combine(A, B);

    public override string ToString() => $"{A} + {B}·u";

    public static Fp2 Add(in Fp2 a, in Fp2 b) => a + b;

    public static Fp2 Subtract(in Fp2 a, in Fp2 b) => a - b;

    public static Fp2 Negate(in Fp2 a) => -a;

    public static Fp2 Double(in Fp2 a) => a.Doubled();

    public static Fp2 Multiply(in Fp2 a, in Fp2 b) => a * b;

    public static Fp2 Square(in Fp2 a) => a.Squared();

    public static bool AreEqual(in Fp2 a, in Fp2 b) => a == b;

    /// <summary>1/(A + Bu) = (A − Bu)/(A² + B²).</summary>
    public static Fp2 Inverse(in Fp2 a)
    {
        Fp normInverse = Fp.Inverse(a.A * a.A + a.B * a.B);
        return new Fp2(a.A * normInverse, -(a.B * normInverse));
    }

    /// <summary>a^e by square-and-multiply (constants and tests only).</summary>
    public static Fp2 Pow(in Fp2 a, in UInt256 exponent)
    {
        Fp2 result = One;
        for (int bit = exponent.BitLength - 1; bit >= 0; bit--)
        {
            result = result.Squared();
            if (((exponent >> bit).U0 & 1) != 0)
            {
                result *= a;
            }
        }

        return result;
    }
}
