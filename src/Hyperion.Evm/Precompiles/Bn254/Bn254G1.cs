using System.Numerics;

namespace Hyperion.Evm.Precompiles.Bn254;

/// <summary>
/// The alt_bn128 G1 group y² = x³ + 3 over Fp (EIP-196), in Jacobian coordinates so a scalar multiplication needs a
/// single field inversion. Arithmetic is on <see cref="BigInteger"/>: correct, not yet tuned.
/// </summary>
internal static class Bn254G1
{
    public static readonly BigInteger P = BigInteger.Parse(
        "21888242871839275222246405745257275088696311157297823662689037894645226208583",
        System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A point in Jacobian coordinates; Z = 0 is the point at infinity.</summary>
    public readonly record struct Jacobian(BigInteger X, BigInteger Y, BigInteger Z)
    {
        public static Jacobian Infinity => new(BigInteger.One, BigInteger.One, BigInteger.Zero);

        public bool IsInfinity => Z.IsZero;
    }

    private static BigInteger Mod(BigInteger value)
    {
        BigInteger r = value % P;
        return r.Sign < 0 ? r + P : r;
    }

    /// <summary>Parses a 64-byte big-endian (x, y); false if a coordinate is ≥ p or the point is off the curve. (0, 0) is infinity.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> encoded, out Jacobian point)
    {
        var x = new BigInteger(encoded[..32], isUnsigned: true, isBigEndian: true);
        var y = new BigInteger(encoded.Slice(32, 32), isUnsigned: true, isBigEndian: true);
        point = Jacobian.Infinity;
        if (x >= P || y >= P)
        {
            return false;
        }

        if (x.IsZero && y.IsZero)
        {
            return true;
        }

        if (Mod(y * y) != Mod(x * x * x + 3))
        {
            return false;
        }

        point = new Jacobian(x, y, BigInteger.One);
        return true;
    }

    /// <summary>Writes the affine (x, y) as 64 big-endian bytes; infinity is all zeros.</summary>
    public static void Encode(in Jacobian point, Span<byte> destination)
    {
        destination[..64].Clear();
        if (point.IsInfinity)
        {
            return;
        }

        BigInteger zInverse = BigInteger.ModPow(point.Z, P - 2, P);
        BigInteger zInverse2 = Mod(zInverse * zInverse);
        BigInteger x = Mod(point.X * zInverse2);
        BigInteger y = Mod(point.Y * zInverse2 * zInverse);
        WriteWord(x, destination[..32]);
        WriteWord(y, destination.Slice(32, 32));
    }

    private static void WriteWord(BigInteger value, Span<byte> word)
    {
        int size = value.GetByteCount(isUnsigned: true);
        value.TryWriteBytes(word[(32 - size)..], out _, isUnsigned: true, isBigEndian: true);
    }

    public static Jacobian Double(in Jacobian p)
    {
        if (p.IsInfinity || p.Y.IsZero)
        {
            return Jacobian.Infinity;
        }

        BigInteger a = Mod(p.X * p.X);
        BigInteger b = Mod(p.Y * p.Y);
        BigInteger c = Mod(b * b);
        BigInteger xb = p.X + b;
        BigInteger d = Mod(2 * (xb * xb - a - c));
        BigInteger e = 3 * a;
        BigInteger f = Mod(e * e);
        BigInteger x3 = Mod(f - 2 * d);
        BigInteger y3 = Mod(e * (d - x3) - 8 * c);
        BigInteger z3 = Mod(2 * p.Y * p.Z);
        return new Jacobian(x3, y3, z3);
    }

    public static Jacobian Add(in Jacobian p, in Jacobian q)
    {
        if (p.IsInfinity)
        {
            return q;
        }

        if (q.IsInfinity)
        {
            return p;
        }

        BigInteger z1z1 = Mod(p.Z * p.Z);
        BigInteger z2z2 = Mod(q.Z * q.Z);
        BigInteger u1 = Mod(p.X * z2z2);
        BigInteger u2 = Mod(q.X * z1z1);
        BigInteger s1 = Mod(p.Y * z2z2 * q.Z);
        BigInteger s2 = Mod(q.Y * z1z1 * p.Z);
        if (u1 == u2)
        {
            return s1 == s2 ? Double(p) : Jacobian.Infinity;
        }

        BigInteger h = Mod(u2 - u1);
        BigInteger r = Mod(s2 - s1);
        BigInteger h2 = Mod(h * h);
        BigInteger h3 = Mod(h2 * h);
        BigInteger u1h2 = Mod(u1 * h2);
        BigInteger x3 = Mod(r * r - h3 - 2 * u1h2);
        BigInteger y3 = Mod(r * (u1h2 - x3) - s1 * h3);
        BigInteger z3 = Mod(h * p.Z * q.Z);
        return new Jacobian(x3, y3, z3);
    }

    /// <summary>Double-and-add over the full 256-bit scalar (EIP-196 does not reduce it by the group order).</summary>
    public static Jacobian Multiply(in Jacobian p, ReadOnlySpan<byte> scalarBigEndian)
    {
        Jacobian result = Jacobian.Infinity;
        foreach (byte b in scalarBigEndian)
        {
            for (int bit = 7; bit >= 0; bit--)
            {
                result = Double(result);
                if (((b >> bit) & 1) != 0)
                {
                    result = Add(result, p);
                }
            }
        }

        return result;
    }
}
