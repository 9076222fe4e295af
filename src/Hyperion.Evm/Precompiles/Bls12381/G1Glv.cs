using Hyperion.Core;

namespace Hyperion.Evm.Precompiles.Bls12381;

/// <summary>
/// GLV scalar multiplication on G1. With L = x² (a 128-bit integer) the group order is r = L² − L + 1 and the
/// endomorphism φ(x, y) = (βx, y) acts on G1 as [−L], so a scalar k &lt; r splits as k = k₁ + k₂·L with k₁, k₂ &lt; 2¹²⁸
/// and [k]P = [k₁]P + [k₂](−φ(P)): half the doublings of a plain 255-bit multiplication. The halves are recoded in
/// width-w NAF so only about one bit in w+1 costs an addition. Scalars here are public, so nothing is constant-time.
/// </summary>
internal static class G1Glv
{
    /// <summary>Longest NAF of a value below 2¹²⁸ (one digit more than its bit length).</summary>
    public const int MaxDigits = 129;

    /// <summary>L = x² (x² = |x|²).</summary>
    public static readonly UInt128 L = (UInt128)Bls12381Curves.AbsoluteX * Bls12381Curves.AbsoluteX;

    private static readonly UInt256 L256 = new((ulong)L, (ulong)(L >> 64));

    /// <summary>k = low + high·L with low &lt; L; requires k &lt; r (then high &lt; L as well).</summary>
    public static void Split(in UInt256 k, out UInt128 low, out UInt128 high)
    {
        UInt256.Divide(k, L256, out UInt256 quotient);
        UInt256.Mod(k, L256, out UInt256 remainder);
        if ((quotient.U2 | quotient.U3) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(k), "scalar must be below the group order");
        }

        low = new UInt128(remainder.U1, remainder.U0);
        high = new UInt128(quotient.U1, quotient.U0);
    }

    /// <summary>
    /// Width-<paramref name="width"/> NAF of k, least significant digit first: every nonzero digit is odd with
    /// |d| &lt; 2^(w−1), and any w consecutive digits hold at most one nonzero. Returns the digit count.
    /// </summary>
    public static int ToWnaf(UInt128 k, int width, Span<sbyte> digits)
    {
        int modulus = 1 << width;
        int length = 0;
        while (k != 0)
        {
            int digit = 0;
            if ((k & 1) != 0)
            {
                digit = (int)(ulong)(k & (UInt128)(modulus - 1));
                if (digit >= modulus / 2)
                {
                    digit -= modulus;
                }

                k = digit >= 0 ? k - (UInt128)digit : k + (UInt128)(-digit);
            }

            digits[length++] = (sbyte)digit;
            k >>= 1;
        }

        return length;
    }

    /// <summary>φ(P) = (βX, Y, Z): the endomorphism commutes with Jacobian scaling since it only touches x.</summary>
    public static JacobianPoint<Fp> Endomorphism(in JacobianPoint<Fp> p) =>
        new(Fp.Multiply(Bls12381Curves.EndomorphismBeta, p.X), p.Y, p.Z);

    public static AffinePoint<Fp> Endomorphism(in AffinePoint<Fp> p) =>
        p.IsInfinity ? p : new AffinePoint<Fp>(Fp.Multiply(Bls12381Curves.EndomorphismBeta, p.X), p.Y);

    /// <summary>table[i] = (2i + 1)·P.</summary>
    public static void OddMultiples(in AffinePoint<Fp> p, Span<JacobianPoint<Fp>> table)
    {
        table[0] = p.ToJacobian();
        JacobianPoint<Fp> twice = JacobianPoint<Fp>.Double(table[0]);
        for (int i = 1; i < table.Length; i++)
        {
            table[i] = JacobianPoint<Fp>.Add(table[i - 1], twice);
        }
    }

    /// <summary>Adds sign(d)·table[|d|/2] for a NAF digit d ≠ 0.</summary>
    public static JacobianPoint<Fp> AddDigit(in JacobianPoint<Fp> acc, ReadOnlySpan<JacobianPoint<Fp>> table, int digit) =>
        digit > 0 ? JacobianPoint<Fp>.Add(acc, table[digit >> 1]) : JacobianPoint<Fp>.Add(acc, table[-digit >> 1].Negate());

    /// <summary>Adds sign(d)·table[|d|/2] for a NAF digit d ≠ 0, with an affine table.</summary>
    public static JacobianPoint<Fp> AddDigit(in JacobianPoint<Fp> acc, ReadOnlySpan<AffinePoint<Fp>> table, int digit) =>
        digit > 0 ? JacobianPoint<Fp>.AddAffine(acc, table[digit >> 1]) : JacobianPoint<Fp>.AddAffine(acc, table[-digit >> 1].Negate());

    /// <summary>The odd multiples of a fixed point, in affine form (setup only: one inversion each).</summary>
    public static AffinePoint<Fp>[] AffineOddMultiples(in AffinePoint<Fp> p, int count)
    {
        var jacobian = new JacobianPoint<Fp>[count];
        OddMultiples(p, jacobian);
        return Array.ConvertAll(jacobian, q => q.ToAffine());
    }
}
