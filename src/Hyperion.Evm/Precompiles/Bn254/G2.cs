using Hyperion.Core;

namespace Hyperion.Evm.Precompiles.Bn254;

/// <summary>An affine point (X, Y); the curve and field are given by the caller.</summary>
internal readonly struct AffinePoint<T> where T : unmanaged, IField<T>
{
    public readonly T X, Y;

    public AffinePoint(in T x, in T y)
    {
        X = x;
        Y = y;
    }
}

/// <summary>
/// The alt_bn128 group G2 (EIP-197): the order-r subgroup of the sextic twist y² = x³ + 3/(9 + u) over Fp2. The
/// twist has a large cofactor, so decoding checks subgroup membership ([r]Q = O) as well as the curve equation.
/// Encoding is 128 bytes: x = (imaginary, real), y = (imaginary, real), each 32 bytes big-endian; all zeros is the
/// point at infinity.
/// </summary>
internal static class G2
{
    public const int EncodedLength = 128;

    /// <summary>The group order r.</summary>
    public static UInt256 Order => new(0x43e1f593f0000001, 0x2833e84879b97091, 0xb85045b68181585d, 0x30644e72e131a029);

    /// <summary>b' = 3/ξ, the twist's constant.</summary>
    public static readonly Fp2 TwistB = new Fp2(Fp.FromUInt64(3), Fp.Zero) * Fp2.Inverse(new Fp2(Fp.FromUInt64(9), Fp.One));

    public enum DecodeResult
    {
        Point,
        Infinity,
        Invalid,
    }

    public static DecodeResult Decode(ReadOnlySpan<byte> encoded, out AffinePoint<Fp2> point)
    {
        point = default;
        if (!Fp.TryReadBigEndian(encoded[..32], out Fp xImaginary) ||
            !Fp.TryReadBigEndian(encoded.Slice(32, 32), out Fp xReal) ||
            !Fp.TryReadBigEndian(encoded.Slice(64, 32), out Fp yImaginary) ||
            !Fp.TryReadBigEndian(encoded.Slice(96, 32), out Fp yReal))
        {
            return DecodeResult.Invalid;
        }

        Fp2 x = new(xReal, xImaginary);
        Fp2 y = new(yReal, yImaginary);
        if (x.IsZero && y.IsZero)
        {
            return DecodeResult.Infinity;
        }

        if (!IsOnCurve(x, y) || !IsInSubgroup(x, y))
        {
            return DecodeResult.Invalid;
        }

        point = new AffinePoint<Fp2>(x, y);
        return DecodeResult.Point;
    }

    public static bool IsOnCurve(in Fp2 x, in Fp2 y) => y.Squared() == x.Squared() * x + TwistB;

    /// <summary>
    /// Subgroup membership by the endomorphism ψ = twist ∘ Frobenius ∘ untwist (Dai, Lin, Zhao, Zhou, "Fast subgroup
    /// membership testing for G1, G2 and GT on pairing-friendly curves", ePrint 2022/348, §5.1): Q is in G2 iff
    /// [u + 1]Q + ψ([u]Q) + ψ²([u]Q) = ψ³([2u]Q). The left minus the right is an endomorphism φ that vanishes on
    /// G2; the twist group is cyclic of order r·h with h = 10069 · 5864401 · 1875725156269 · (a 177-bit prime), and φ
    /// kills no point of order dividing h (checked on a point of each prime order in the tests), so its kernel is
    /// exactly G2. Costs one 63-bit scalar multiplication instead of the 254-bit [r]Q.
    /// </summary>
    public static bool IsInSubgroup(in Fp2 x, in Fp2 y)
    {
        JacobianPoint<Fp2> q = JacobianPoint<Fp2>.FromAffine(x, y);
        JacobianPoint<Fp2> uQ = JacobianPoint<Fp2>.Multiply(q, Pairing.U);
        JacobianPoint<Fp2> left = JacobianPoint<Fp2>.Add(JacobianPoint<Fp2>.Add(uQ, q), Psi(uQ));
        left = JacobianPoint<Fp2>.Add(left, PsiSquared(uQ));
        JacobianPoint<Fp2> right = PsiCubed(JacobianPoint<Fp2>.Double(uQ));
        return JacobianPoint<Fp2>.AreEqual(left, right);
    }

    /// <summary>The definition, [r]Q = O: the reference the endomorphism check is tested against.</summary>
    public static bool IsInSubgroupByOrder(in Fp2 x, in Fp2 y) =>
        JacobianPoint<Fp2>.Multiply(JacobianPoint<Fp2>.FromAffine(x, y), Order).IsInfinity;

    /// <summary>
    /// ψ(x, y) = (x̄·γ₂, ȳ·γ₃) with γ_k = ξ^(k(p−1)/6): the p-power Frobenius of E(Fp12) carried to the twist. In
    /// Jacobian coordinates Z is conjugated as well.
    /// </summary>
    public static JacobianPoint<Fp2> Psi(in JacobianPoint<Fp2> q)
    {
        ReadOnlySpan<Fp2> gamma = FrobeniusConstants.Power1;
        return new JacobianPoint<Fp2>(q.X.Conjugate() * gamma[2], q.Y.Conjugate() * gamma[3], q.Z.Conjugate());
    }

    /// <summary>ψ², (x·γ₂, y·γ₃) with the p² constants.</summary>
    public static JacobianPoint<Fp2> PsiSquared(in JacobianPoint<Fp2> q)
    {
        ReadOnlySpan<Fp2> gamma = FrobeniusConstants.Power2;
        return new JacobianPoint<Fp2>(q.X * gamma[2], q.Y * gamma[3], q.Z);
    }

    /// <summary>ψ³, (x̄·γ₂, ȳ·γ₃) with the p³ constants.</summary>
    public static JacobianPoint<Fp2> PsiCubed(in JacobianPoint<Fp2> q)
    {
        ReadOnlySpan<Fp2> gamma = FrobeniusConstants.Power3;
        return new JacobianPoint<Fp2>(q.X.Conjugate() * gamma[2], q.Y.Conjugate() * gamma[3], q.Z.Conjugate());
    }
}
