namespace Hyperion.Evm.Precompiles.Bn254;

/// <summary>
/// The optimal ate pairing on bn254 (EIP-197's e: G1 × G2 → GT), computed for a product of pairs at once:
/// one shared Miller loop over 6u + 2 in signed binary (NAF), the two Frobenius correction lines, and one final
/// exponentiation to the power (p¹² − 1)/r.
/// <para>
/// The Miller loop keeps the running multiple T of each Q in homogeneous projective coordinates on the twist
/// (x = X/Z, y = Y/Z; Costello, Lange and Naehrig, "Faster pairing computations on curves with high-degree twists",
/// PKC 2010), so no step inverts anything. The twist point Q = (x, y) maps to E(Fp12) as (x·w², y·w³); the line
/// through T (tangent, or through T and Q) evaluated at P is, up to a factor in Fp2, c0 + c1·w + c3·w³ with c0 a
/// multiple of y_P and c1 a multiple of x_P. Factors in Fp2 (and vertical-line denominators, in Fp6) are sent to 1 by
/// the final exponentiation, so they are dropped. With Q of prime order r, every intermediate multiple [k]Q,
/// 1 &lt; k &lt; 6u + 2, is neither O nor ±Q, so no step degenerates (decoding guarantees Q is in G2).
/// </para>
/// </summary>
internal static class Pairing
{
    /// <summary>u, the BN parameter: p = 36u⁴ + 36u³ + 24u² + 6u + 1, r = 36u⁴ + 36u³ + 18u² + 6u + 1.</summary>
    public const ulong U = 4965661367192848881;

    /// <summary>Signed binary (NAF) digits of 6u + 2, least significant first (65 bits, so computed in 128 bits).</summary>
    private static readonly sbyte[] LoopDigits = Naf((UInt128)U * 6 + 2);

    /// <summary>3b' for the twist y² = x³ + b'.</summary>
    private static readonly Fp2 ThreeTwistB = G2.TwistB + G2.TwistB + G2.TwistB;

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
        Span<ProjectivePoint> accumulators = pairs <= 16 ? stackalloc ProjectivePoint[pairs] : new ProjectivePoint[pairs];
        for (int k = 0; k < pairs; k++)
        {
            accumulators[k] = new ProjectivePoint(g2[k].X, g2[k].Y, Fp2.One);
        }

        Fp12 f = Fp12.One;
        Fp2 c0, c1, c3;
        for (int i = LoopDigits.Length - 2; i >= 0; i--)
        {
            if (i != LoopDigits.Length - 2)
            {
                f = f.Squared();
            }

            for (int k = 0; k < pairs; k++)
            {
                DoublingStep(ref accumulators[k], g1[k], out c0, out c1, out c3);
                f = f.MultipliedByLine(c0, c1, c3);
            }

            int digit = LoopDigits[i];
            if (digit != 0)
            {
                for (int k = 0; k < pairs; k++)
                {
                    AffinePoint<Fp2> q = digit > 0 ? g2[k] : new AffinePoint<Fp2>(g2[k].X, -g2[k].Y);
                    AdditionStep(ref accumulators[k], q, g1[k], out c0, out c1, out c3);
                    f = f.MultipliedByLine(c0, c1, c3);
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
            AdditionStep(ref accumulators[k], frobenius, g1[k], out c0, out c1, out c3);
            f = f.MultipliedByLine(c0, c1, c3);
            AdditionStep(ref accumulators[k], minusFrobeniusSquared, g1[k], out c0, out c1, out c3);
            f = f.MultipliedByLine(c0, c1, c3);
        }

        return f;
    }

    /// <summary>
    /// T ← 2T, and the tangent line at T evaluated at P, scaled by 2·Y·Z:
    /// 2YZ·y_P − 3X²·x_P·w + (Y² − 3b'Z²)·w³ (the w³ term simplified with the curve equation Y²Z = X³ + b'Z³).
    /// Point formulas: X' = XY/2·(Y² − 9b'Z²), Y' = ((Y² + 9b'Z²)/2)² − 27b'²Z⁴, Z' = 2Y³Z.
    /// </summary>
    internal static void DoublingStep(ref ProjectivePoint t, in AffinePoint<Fp> p, out Fp2 c0, out Fp2 c1, out Fp2 c3)
    {
        Fp2 ySquared = t.Y.Squared();
        Fp2 zSquared = t.Z.Squared();
        Fp2 e = ThreeTwistB * zSquared;                       // 3b'Z²
        Fp2 f = e.Doubled() + e;                               // 9b'Z²
        Fp2 h = (t.Y + t.Z).Squared() - ySquared - zSquared;   // 2YZ
        Fp2 xSquared = t.X.Squared();
        Fp2 halfXY = (t.X * t.Y).Halved();
        Fp2 g = (ySquared + f).Halved();
        Fp2 eSquared = e.Squared();

        c0 = h * p.Y;
        c1 = -((xSquared.Doubled() + xSquared) * p.X);
        c3 = ySquared - e;
        t = new ProjectivePoint(halfXY * (ySquared - f), g.Squared() - (eSquared.Doubled() + eSquared), ySquared * h);
    }

    /// <summary>
    /// T ← T + Q (Q affine), and the line through T and Q evaluated at P, scaled by λ = X − x_Q·Z:
    /// λ·y_P − θ·x_P·w + (θ·x_Q − λ·y_Q)·w³ with θ = Y − y_Q·Z (the slope is θ/λ).
    /// </summary>
    internal static void AdditionStep(ref ProjectivePoint t, in AffinePoint<Fp2> q, in AffinePoint<Fp> p, out Fp2 c0, out Fp2 c1, out Fp2 c3)
    {
        Fp2 theta = t.Y - q.Y * t.Z;
        Fp2 lambda = t.X - q.X * t.Z;
        Fp2 thetaSquared = theta.Squared();
        Fp2 lambdaSquared = lambda.Squared();
        Fp2 lambdaCubed = lambda * lambdaSquared;
        Fp2 xLambdaSquared = t.X * lambdaSquared;
        Fp2 h = lambdaCubed + t.Z * thetaSquared - xLambdaSquared.Doubled();

        c0 = lambda * p.Y;
        c1 = -(theta * p.X);
        c3 = theta * q.X - lambda * q.Y;
        t = new ProjectivePoint(lambda * h, theta * (xLambdaSquared - h) - t.Y * lambdaCubed, t.Z * lambdaCubed);
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

/// <summary>A twist point in homogeneous projective coordinates (x = X/Z, y = Y/Z), the Miller loop's accumulator.</summary>
internal readonly struct ProjectivePoint
{
    public readonly Fp2 X, Y, Z;

    public ProjectivePoint(in Fp2 x, in Fp2 y, in Fp2 z)
    {
        X = x;
        Y = y;
        Z = z;
    }

    /// <summary>Affine (x, y); Z is never zero for the multiples the Miller loop meets.</summary>
    public AffinePoint<Fp2> ToAffine()
    {
        Fp2 zInverse = Fp2.Inverse(Z);
        return new AffinePoint<Fp2>(X * zInverse, Y * zInverse);
    }
}
