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

    public static bool IsInSubgroup(in Fp2 x, in Fp2 y) =>
        JacobianPoint<Fp2>.Multiply(JacobianPoint<Fp2>.FromAffine(x, y), Order).IsInfinity;
}
