using Hyperion.Core;

namespace Hyperion.Evm.Precompiles.Bn254;

/// <summary>
/// The alt_bn128 group G1: y² = x³ + 3 over Fp (EIP-196). Its order r is prime (cofactor 1), so every point on the
/// curve is in the group and decoding needs only the curve equation. Encoding is 64 bytes, big-endian (x, y), with
/// (0, 0) standing for the point at infinity.
/// </summary>
internal static class G1
{
    public const int EncodedLength = 64;

    private static Fp B => Fp.FromUInt64(3);

    /// <summary>Parses (x, y); false if a coordinate is ≥ p or the point is not on the curve.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> encoded, out JacobianPoint<Fp> point)
    {
        point = JacobianPoint<Fp>.Infinity;
        if (!Fp.TryReadBigEndian(encoded[..32], out Fp x) || !Fp.TryReadBigEndian(encoded.Slice(32, 32), out Fp y))
        {
            return false;
        }

        if (x.IsZero && y.IsZero)
        {
            return true;
        }

        if (!IsOnCurve(x, y))
        {
            return false;
        }

        point = JacobianPoint<Fp>.FromAffine(x, y);
        return true;
    }

    public static bool IsOnCurve(in Fp x, in Fp y) => y * y == x * x * x + B;

    /// <summary>Writes the affine (x, y) as 64 big-endian bytes; infinity is all zeros.</summary>
    public static void Encode(in JacobianPoint<Fp> point, Span<byte> destination)
    {
        if (!point.TryToAffine(out Fp x, out Fp y))
        {
            destination[..EncodedLength].Clear();
            return;
        }

        x.WriteBigEndian(destination[..32]);
        y.WriteBigEndian(destination.Slice(32, 32));
    }

    /// <summary>P + Q of two decoded points, written encoded (one field inversion in all).</summary>
    public static void AddAndEncode(in JacobianPoint<Fp> p, in JacobianPoint<Fp> q, Span<byte> destination) =>
        Encode(JacobianPoint<Fp>.Add(p, q), destination);

    /// <summary>k·P of a decoded point, written encoded.</summary>
    public static void MultiplyAndEncode(in JacobianPoint<Fp> p, in UInt256 scalar, Span<byte> destination) =>
        Encode(JacobianPoint<Fp>.Multiply(p, scalar), destination);
}
