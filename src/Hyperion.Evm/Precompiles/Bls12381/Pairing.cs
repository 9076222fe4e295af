namespace Hyperion.Evm.Precompiles.Bls12381;

/// <summary>
/// A G2 point with the Miller-loop lines of the optimal ate pairing precomputed (affine, one inversion per step —
/// fine for points that are fixed, like the KZG setup's). Each line, scaled by w³, evaluates at P = (xP, yP) to
/// (λx_T − y_T) + (−λ·xP)·w² + yP·w³, so only λ and λx_T − y_T are stored.
/// </summary>
internal sealed class PreparedG2
{
    internal readonly Fp2[] Slopes;
    internal readonly Fp2[] Offsets;

    public PreparedG2(in AffinePoint<Fp2> q)
    {
        IsInfinity = q.IsInfinity;
        var slopes = new List<Fp2>(70);
        var offsets = new List<Fp2>(70);
        if (!q.IsInfinity)
        {
            Fp2 tx = q.X, ty = q.Y;
            for (int bit = 62; bit >= 0; bit--)
            {
                // Tangent at T: λ = 3x²/2y.
                Fp2 x2 = Fp2.Square(tx);
                Fp2 lambda = Fp2.Multiply(Fp2.Add(Fp2.Double(x2), x2), Fp2.Invert(Fp2.Double(ty)));
                AppendLine(slopes, offsets, lambda, tx, ty);
                Fp2 nx = Fp2.Subtract(Fp2.Square(lambda), Fp2.Double(tx));
                ty = Fp2.Subtract(Fp2.Multiply(lambda, Fp2.Subtract(tx, nx)), ty);
                tx = nx;
                if (((Bls12381Curves.AbsoluteX >> bit) & 1) != 0)
                {
                    // Chord through T and Q.
                    lambda = Fp2.Multiply(Fp2.Subtract(q.Y, ty), Fp2.Invert(Fp2.Subtract(q.X, tx)));
                    AppendLine(slopes, offsets, lambda, tx, ty);
                    nx = Fp2.Subtract(Fp2.Subtract(Fp2.Square(lambda), tx), q.X);
                    ty = Fp2.Subtract(Fp2.Multiply(lambda, Fp2.Subtract(tx, nx)), ty);
                    tx = nx;
                }
            }
        }

        Slopes = [.. slopes];
        Offsets = [.. offsets];
    }

    public bool IsInfinity { get; }

    private static void AppendLine(List<Fp2> slopes, List<Fp2> offsets, in Fp2 lambda, in Fp2 tx, in Fp2 ty)
    {
        slopes.Add(lambda);
        offsets.Add(Fp2.Subtract(Fp2.Multiply(lambda, tx), ty));
    }
}

/// <summary>
/// The optimal ate pairing on BLS12-381: a Miller loop over |x| (x negative, so the result is conjugated) and the
/// final exponentiation to the power (p¹² − 1)/r — here 3·(p¹² − 1)/r, which is just as good for comparisons since
/// 3 is prime to r.
/// </summary>
internal static class Pairing
{
    /// <summary>e(P, Q) (cubed, see the class remarks).</summary>
    public static Fp12 Pair(in AffinePoint<Fp> p, in AffinePoint<Fp2> q) =>
        FinalExponentiation(MillerLoop([p], [new PreparedG2(q)]));

    /// <summary>True when ∏ e(Pᵢ, Qᵢ) = 1.</summary>
    public static bool ProductIsOne(ReadOnlySpan<AffinePoint<Fp>> ps, ReadOnlySpan<PreparedG2> qs) =>
        FinalExponentiation(MillerLoop(ps, qs)).IsOne;

    /// <summary>The product of the Miller loops f_{x,Qᵢ}(Pᵢ), sharing the squarings. Pairs with an infinity side contribute 1.</summary>
    public static Fp12 MillerLoop(ReadOnlySpan<AffinePoint<Fp>> ps, ReadOnlySpan<PreparedG2> qs)
    {
        if (ps.Length != qs.Length)
        {
            throw new ArgumentException("point lists differ in length");
        }

        Fp12 f = Fp12.One;
        int line = 0;
        for (int bit = 62; bit >= 0; bit--)
        {
            if (bit != 62)
            {
                f = Fp12.Square(f);
            }

            bool add = ((Bls12381Curves.AbsoluteX >> bit) & 1) != 0;
            for (int step = 0; step < (add ? 2 : 1); step++)
            {
                for (int i = 0; i < ps.Length; i++)
                {
                    if (!ps[i].IsInfinity && !qs[i].IsInfinity)
                    {
                        f = MultiplyByLine(f, qs[i], line, ps[i]);
                    }
                }

                line++;
            }
        }

        return Fp12.Conjugate(f);
    }

    private static Fp12 MultiplyByLine(in Fp12 f, PreparedG2 q, int line, in AffinePoint<Fp> p)
    {
        Fp2 c1 = Fp2.Negate(Fp2.MultiplyByFp(q.Slopes[line], p.X));
        var c4 = new Fp2(p.Y, Fp.Zero);
        return Fp12.MultiplyBy014(f, q.Offsets[line], c1, c4);
    }

    /// <summary>
    /// f^(3·(p¹²−1)/r). Easy part f^((p⁶−1)(p²+1)); hard part via 3·(p⁴ − p² + 1)/r = (x−1)²·(x+p)·(x²+p²−1) + 3
    /// (Hayashida–Hayasaka–Teruya), five exponentiations by x.
    /// </summary>
    public static Fp12 FinalExponentiation(in Fp12 f)
    {
        // After the easy part t is in the cyclotomic subgroup, where the inverse is the conjugate.
        Fp12 t = EasyPart(f);
        Fp12 a = Fp12.Multiply(ExpByX(t), Fp12.Conjugate(t));
        a = Fp12.Multiply(ExpByX(a), Fp12.Conjugate(a));
        Fp12 b = Fp12.Multiply(ExpByX(a), Fp12.Frobenius(a, 1));
        Fp12 c = Fp12.Multiply(Fp12.Multiply(ExpByX(ExpByX(b)), Fp12.Frobenius(b, 2)), Fp12.Conjugate(b));
        return Fp12.Multiply(c, Fp12.Multiply(Fp12.CyclotomicSquare(t), t));
    }

    /// <summary>f^((p⁶−1)(p²+1)): maps any nonzero f into the cyclotomic subgroup.</summary>
    internal static Fp12 EasyPart(in Fp12 f)
    {
        Fp12 t = Fp12.Multiply(Fp12.Conjugate(f), Fp12.Invert(f));
        return Fp12.Multiply(Fp12.Frobenius(t, 2), t);
    }

    /// <summary>g^x for the (negative) curve parameter x, for g in the cyclotomic subgroup.</summary>
    private static Fp12 ExpByX(in Fp12 g)
    {
        Fp12 result = g;
        for (int bit = 62; bit >= 0; bit--)
        {
            result = Fp12.CyclotomicSquare(result);
            if (((Bls12381Curves.AbsoluteX >> bit) & 1) != 0)
            {
                result = Fp12.Multiply(result, g);
            }
        }

        return Fp12.Conjugate(result);
    }
}
