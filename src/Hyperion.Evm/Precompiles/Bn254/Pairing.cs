namespace Hyperion.Evm.Precompiles.Bn254;

/// <summary>
/// The optimal ate pairing on bn254 (EIP-197's e: G1 × G2 → GT), computed for a product of pairs at once:
/// one shared Miller loop over 6u + 2 in signed binary (NAF), the two Frobenius correction lines, and one final
/// exponentiation to the power (p¹² − 1)/r.
/// <para>
/// The Miller loop works in affine coordinates on the twist: each step costs one Fp2 inversion (shared by all pairs via Montgomery's trick), but the line is then
/// the sparse value y_P + (−λ·x_P + (λ·x_T − y_T)·v)·w directly. The twist point Q = (x, y) maps to E(Fp12) as
/// (x·w², y·w³), so a slope λ on the twist is λ·w on E and vertical-line denominators lie in Fp6, which the final
/// exponentiation sends to 1. With Q of prime order r, every intermediate multiple [k]Q, 1 &lt; k &lt; 6u + 2, is
/// neither O nor ±Q, so no step meets a vertical line or a zero y (decoding guarantees Q is in G2).
/// </para>
/// </summary>
internal static class Pairing
{
    /// <summary>u, the BN parameter: p = 36u⁴ + 36u³ + 24u² + 6u + 1, r = 36u⁴ + 36u³ + 18u² + 6u + 1.</summary>
    public const ulong U = 4965661367192848881;

    /// <summary>Signed binary (NAF) digits of 6u + 2, least significant first (65 bits, so computed in 128 bits).</summary>
    private static readonly sbyte[] LoopDigits = Naf((UInt128)U * 6 + 2);

    private static sbyte[] Naf(UInt128 value)
    {
        var digits = new List<sbyte>();
        while (value != 0)
        {
            sbyte digit = 0;
            if ((value & 1) != 0)
            {
                digit = (value & 3) == 3 ? (sbyte)-1 : (sbyte)1;
                value = digit > 0 ? value - 1 : value + 1;
            }

            digits.Add(digit);
            value >>= 1;
        }

        return [.. digits];
    }

    /// <summary>Whether Π e(P_i, Q_i) = 1. Pairs where either point is infinity contribute 1 and may be left out by the caller.</summary>
    public static bool IsProductOne(ReadOnlySpan<AffinePoint<Fp>> g1, ReadOnlySpan<AffinePoint<Fp2>> g2) =>
        g1.IsEmpty || FinalExponentiation(MillerLoop(g1, g2)).IsOne;

    public static Fp12 MillerLoop(ReadOnlySpan<AffinePoint<Fp>> g1, ReadOnlySpan<AffinePoint<Fp2>> g2)
    {
        if (g1.Length != g2.Length)
        {
            throw new ArgumentException("G1 and G2 spans differ in length.", nameof(g2));
        }

        int pairs = g1.Length;
        Span<AffinePoint<Fp2>> accumulators = pairs <= 16 ? stackalloc AffinePoint<Fp2>[pairs] : new AffinePoint<Fp2>[pairs];
        Span<Fp2> denominators = pairs <= 16 ? stackalloc Fp2[pairs] : new Fp2[pairs];
        Span<Fp2> prefix = pairs <= 16 ? stackalloc Fp2[pairs] : new Fp2[pairs];
        g2.CopyTo(accumulators);

        Fp12 f = Fp12.One;
        for (int i = LoopDigits.Length - 2; i >= 0; i--)
        {
            f = f.Squared();
            for (int k = 0; k < pairs; k++)
            {
                denominators[k] = accumulators[k].Y.Doubled();
            }

            InvertAll(denominators, prefix);
            for (int k = 0; k < pairs; k++)
            {
                f = DoublingStep(ref accumulators[k], g1[k], denominators[k], f);
            }

            int digit = LoopDigits[i];
            if (digit != 0)
            {
                for (int k = 0; k < pairs; k++)
                {
                    denominators[k] = g2[k].X - accumulators[k].X;
                }

                InvertAll(denominators, prefix);
                for (int k = 0; k < pairs; k++)
                {
                    AffinePoint<Fp2> q = digit > 0 ? g2[k] : new AffinePoint<Fp2>(g2[k].X, -g2[k].Y);
                    f = AdditionStep(ref accumulators[k], q, g1[k], denominators[k], f);
                }
            }
        }

        // The optimal-ate corrections: lines through [6u+2]Q and π(Q), then through that sum and −π²(Q).
        ReadOnlySpan<Fp2> gamma1 = FrobeniusConstants.Power1;
        ReadOnlySpan<Fp2> gamma2 = FrobeniusConstants.Power2;
        for (int k = 0; k < pairs; k++)
        {
            AffinePoint<Fp2> q = g2[k];
            var frobenius = new AffinePoint<Fp2>(q.X.Conjugate() * gamma1[2], q.Y.Conjugate() * gamma1[3]);
            var minusFrobeniusSquared = new AffinePoint<Fp2>(q.X * gamma2[2], -(q.Y * gamma2[3]));
            f = AdditionStep(ref accumulators[k], frobenius, g1[k], Fp2.Inverse(frobenius.X - accumulators[k].X), f);
            f = AdditionStep(ref accumulators[k], minusFrobeniusSquared, g1[k], Fp2.Inverse(minusFrobeniusSquared.X - accumulators[k].X), f);
        }

        return f;
    }

    /// <summary>
    /// Replaces each value by its inverse with one field inversion (Montgomery's trick): the pairs' Miller loops
    /// run in step, so their slope denominators are inverted together.
    /// </summary>
    private static void InvertAll(Span<Fp2> values, Span<Fp2> prefix)
    {
        if (values.IsEmpty)
        {
            return;
        }

        prefix[0] = values[0];
        for (int i = 1; i < values.Length; i++)
        {
            prefix[i] = prefix[i - 1] * values[i];
        }

        Fp2 inverse = Fp2.Inverse(prefix[values.Length - 1]);
        for (int i = values.Length - 1; i > 0; i--)
        {
            Fp2 value = values[i];
            values[i] = inverse * prefix[i - 1];
            inverse *= value;
        }

        values[0] = inverse;
    }

    /// <summary>T ← 2T; returns f · (the tangent line at T, evaluated at P). <paramref name="inverse2Y"/> is 1/(2·y_T).</summary>
    private static Fp12 DoublingStep(ref AffinePoint<Fp2> t, in AffinePoint<Fp> p, in Fp2 inverse2Y, in Fp12 f)
    {
        Fp2 xSquared = t.X.Squared();
        Fp2 slope = (xSquared.Doubled() + xSquared) * inverse2Y;
        Fp2 x3 = slope.Squared() - t.X.Doubled();
        Fp2 y3 = slope * (t.X - x3) - t.Y;
        Fp12 result = f.MultipliedByLine(p.Y, -(slope * p.X), slope * t.X - t.Y);
        t = new AffinePoint<Fp2>(x3, y3);
        return result;
    }

    /// <summary>T ← T + Q; returns f · (the line through T and Q, evaluated at P). <paramref name="inverseDx"/> is 1/(x_Q − x_T).</summary>
    private static Fp12 AdditionStep(ref AffinePoint<Fp2> t, in AffinePoint<Fp2> q, in AffinePoint<Fp> p, in Fp2 inverseDx, in Fp12 f)
    {
        Fp2 slope = (q.Y - t.Y) * inverseDx;
        Fp2 x3 = slope.Squared() - t.X - q.X;
        Fp2 y3 = slope * (t.X - x3) - t.Y;
        Fp12 result = f.MultipliedByLine(p.Y, -(slope * p.X), slope * t.X - t.Y);
        t = new AffinePoint<Fp2>(x3, y3);
        return result;
    }

    /// <summary>
    /// f^((p¹² − 1)/r). Easy part f^((p⁶ − 1)(p² + 1)) by conjugation, one inversion and a Frobenius; the hard part
    /// (p⁴ − p² + 1)/r = λ0 + λ1·p + λ2·p² + p³ with λ2 = 6u² + 1, λ1 = −36u³ − 18u² − 12u + 1,
    /// λ0 = −36u³ − 30u² − 18u − 2 (Scott et al., "On the final exponentiation…", 2009), from f^u, f^u², f^u³.
    /// Inverses in the cyclotomic subgroup are conjugates.
    /// </summary>
    public static Fp12 FinalExponentiation(in Fp12 f)
    {
        Fp12 t = f.Conjugate() * Fp12.Inverse(f);
        t = t.FrobeniusSquared() * t;

        // From here t is in the cyclotomic subgroup, so squarings are cyclotomic.
        Fp12 a = t.CyclotomicPowU();
        Fp12 b = a.CyclotomicPowU();
        Fp12 c = b.CyclotomicPowU();

        Fp12 a2 = a.CyclotomicSquared(), a4 = a2.CyclotomicSquared(), a8 = a4.CyclotomicSquared(), a16 = a8.CyclotomicSquared();
        Fp12 b2 = b.CyclotomicSquared(), b4 = b2.CyclotomicSquared(), b8 = b4.CyclotomicSquared(), b16 = b8.CyclotomicSquared();
        Fp12 c4 = c.CyclotomicSquared().CyclotomicSquared();
        Fp12 c32 = c4.CyclotomicSquared().CyclotomicSquared().CyclotomicSquared();
        Fp12 c36 = c32 * c4;

        Fp12 lambda2 = b4 * b2 * t;                                  // t^(6u² + 1)
        Fp12 lambda1 = (c36 * b16 * b2 * a8 * a4).Conjugate() * t;  // t^(−36u³ − 18u² − 12u + 1)
        Fp12 lambda0 = (c36 * b16 * b8 * b4 * b2 * a16 * a2 * t.CyclotomicSquared()).Conjugate(); // t^(−36u³ − 30u² − 18u − 2)
        return lambda0 * lambda1.Frobenius() * lambda2.FrobeniusSquared() * t.FrobeniusCubed();
    }
}
