using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Hyperion.Core;

/// <summary>
/// A 256-bit unsigned integer (an EVM word) as four 64-bit limbs, <see cref="U0"/> least significant.
/// Arithmetic wraps modulo 2^256 and follows EVM semantics (division and modulo by zero give zero);
/// signed operations read the value as two's complement. No operation allocates.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public readonly partial struct UInt256 : IEquatable<UInt256>, IComparable<UInt256>, IComparable
{
    /// <summary>Limb 0: bits 0..63 (least significant).</summary>
    public readonly ulong U0;
    /// <summary>Limb 1: bits 64..127.</summary>
    public readonly ulong U1;
    /// <summary>Limb 2: bits 128..191.</summary>
    public readonly ulong U2;
    /// <summary>Limb 3: bits 192..255 (most significant).</summary>
    public readonly ulong U3;

    public static readonly UInt256 Zero;
    public static readonly UInt256 One = new(1);
    public static readonly UInt256 MaxValue = new(ulong.MaxValue, ulong.MaxValue, ulong.MaxValue, ulong.MaxValue);

    public UInt256(ulong u0, ulong u1 = 0, ulong u2 = 0, ulong u3 = 0)
    {
        U0 = u0;
        U1 = u1;
        U2 = u2;
        U3 = u3;
    }

    public bool IsZero => (U0 | U1 | U2 | U3) == 0;

    public bool IsOne => U0 == 1 && (U1 | U2 | U3) == 0;

    /// <summary>True when the value fits in a <see cref="ulong"/>.</summary>
    public bool IsUInt64 => (U1 | U2 | U3) == 0;

    /// <summary>True when bit 255 is set (negative in the two's complement view).</summary>
    public bool IsNegative => (long)U3 < 0;

    /// <summary>Number of significant bits; 0 for zero.</summary>
    public int BitLength =>
        U3 != 0 ? 256 - BitOperations.LeadingZeroCount(U3)
        : U2 != 0 ? 192 - BitOperations.LeadingZeroCount(U2)
        : U1 != 0 ? 128 - BitOperations.LeadingZeroCount(U1)
        : 64 - BitOperations.LeadingZeroCount(U0);

    /// <summary>Length of the minimal big-endian encoding; 0 for zero.</summary>
    public int ByteLength => (BitLength + 7) >> 3;

    // ---- big-endian bytes ----

    /// <summary>Reads 0..32 big-endian bytes (shorter input is left-padded with zeros).</summary>
    /// <exception cref="ArgumentException">More than 32 bytes.</exception>
    [SkipLocalsInit]
    public static UInt256 FromBigEndian(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length == 32)
        {
            return Read32(bytes);
        }
        if (bytes.Length > 32)
        {
            throw new ArgumentException($"A 256-bit value has at most 32 bytes, got {bytes.Length}.", nameof(bytes));
        }
        Span<byte> padded = stackalloc byte[32];
        padded[..(32 - bytes.Length)].Clear();
        bytes.CopyTo(padded[(32 - bytes.Length)..]);
        return Read32(padded);
    }

    private static UInt256 Read32(ReadOnlySpan<byte> bytes) => new(
        BinaryPrimitives.ReadUInt64BigEndian(bytes[24..]),
        BinaryPrimitives.ReadUInt64BigEndian(bytes[16..]),
        BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]),
        BinaryPrimitives.ReadUInt64BigEndian(bytes));

    /// <summary>Writes the value as exactly 32 big-endian bytes.</summary>
    /// <exception cref="ArgumentException"><paramref name="destination32"/> is not 32 bytes long.</exception>
    public void WriteBigEndian(Span<byte> destination32)
    {
        if (destination32.Length != 32)
        {
            throw new ArgumentException($"Destination must be exactly 32 bytes, got {destination32.Length}.", nameof(destination32));
        }
        BinaryPrimitives.WriteUInt64BigEndian(destination32, U3);
        BinaryPrimitives.WriteUInt64BigEndian(destination32[8..], U2);
        BinaryPrimitives.WriteUInt64BigEndian(destination32[16..], U1);
        BinaryPrimitives.WriteUInt64BigEndian(destination32[24..], U0);
    }

    /// <summary>The value as a new 32-byte big-endian array.</summary>
    public byte[] ToBigEndian()
    {
        var bytes = new byte[32];
        WriteBigEndian(bytes);
        return bytes;
    }

    /// <summary>Writes the minimal big-endian encoding (no leading zero bytes; nothing for zero).</summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> length is not <see cref="ByteLength"/>.</exception>
    [SkipLocalsInit]
    public void WriteBigEndianTrimmed(Span<byte> destination)
    {
        int length = ByteLength;
        if (destination.Length != length)
        {
            throw new ArgumentException($"Destination must be exactly {length} bytes (ByteLength), got {destination.Length}.", nameof(destination));
        }
        Span<byte> full = stackalloc byte[32];
        WriteBigEndian(full);
        full[(32 - length)..].CopyTo(destination);
    }

    // ---- equality and ordering ----

    public bool Equals(UInt256 other) => ((U0 ^ other.U0) | (U1 ^ other.U1) | (U2 ^ other.U2) | (U3 ^ other.U3)) == 0;

    public override bool Equals(object? obj) => obj is UInt256 other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(U0, U1, U2, U3);

    public int CompareTo(UInt256 other) => Compare(in this, in other);

    public int CompareTo(object? obj) => obj switch
    {
        null => 1,
        UInt256 other => Compare(in this, in other),
        _ => throw new ArgumentException($"Object must be of type {nameof(UInt256)}.", nameof(obj)),
    };

    /// <summary>Unsigned comparison: negative, zero or positive as <paramref name="a"/> is below, equal to or above <paramref name="b"/>.</summary>
    public static int Compare(in UInt256 a, in UInt256 b)
    {
        if (a.U3 != b.U3) return a.U3 < b.U3 ? -1 : 1;
        if (a.U2 != b.U2) return a.U2 < b.U2 ? -1 : 1;
        if (a.U1 != b.U1) return a.U1 < b.U1 ? -1 : 1;
        if (a.U0 != b.U0) return a.U0 < b.U0 ? -1 : 1;
        return 0;
    }

    public static bool LessThan(in UInt256 a, in UInt256 b)
    {
        if (a.U3 != b.U3) return a.U3 < b.U3;
        if (a.U2 != b.U2) return a.U2 < b.U2;
        if (a.U1 != b.U1) return a.U1 < b.U1;
        return a.U0 < b.U0;
    }

    public static bool GreaterThan(in UInt256 a, in UInt256 b) => LessThan(in b, in a);

    /// <summary>Two's complement comparison (EVM SLT).</summary>
    public static bool SignedLessThan(in UInt256 a, in UInt256 b)
    {
        bool aNegative = a.IsNegative;
        return aNegative != b.IsNegative ? aNegative : LessThan(in a, in b);
    }

    /// <summary>Two's complement comparison (EVM SGT).</summary>
    public static bool SignedGreaterThan(in UInt256 a, in UInt256 b) => SignedLessThan(in b, in a);

    public static bool operator ==(UInt256 a, UInt256 b) => a.Equals(b);
    public static bool operator !=(UInt256 a, UInt256 b) => !a.Equals(b);
    public static bool operator <(UInt256 a, UInt256 b) => LessThan(in a, in b);
    public static bool operator >(UInt256 a, UInt256 b) => LessThan(in b, in a);
    public static bool operator <=(UInt256 a, UInt256 b) => !LessThan(in b, in a);
    public static bool operator >=(UInt256 a, UInt256 b) => !LessThan(in a, in b);

    // ---- conversions ----

    public static implicit operator UInt256(ulong value) => new(value);
    public static implicit operator UInt256(uint value) => new(value);
    public static implicit operator UInt256(ushort value) => new(value);
    public static implicit operator UInt256(byte value) => new(value);

    /// <exception cref="OverflowException"><paramref name="value"/> is negative.</exception>
    public static implicit operator UInt256(int value) =>
        value >= 0 ? new((ulong)value) : throw new OverflowException($"A UInt256 cannot be negative ({value}).");

    /// <exception cref="OverflowException"><paramref name="value"/> is negative.</exception>
    public static explicit operator UInt256(long value) =>
        value >= 0 ? new((ulong)value) : throw new OverflowException($"A UInt256 cannot be negative ({value}).");

    /// <summary>Truncating: keeps the low 64 bits.</summary>
    public static explicit operator ulong(UInt256 value) => value.U0;

    /// <summary>Truncating: keeps the low 32 bits.</summary>
    public static explicit operator uint(UInt256 value) => (uint)value.U0;

    /// <exception cref="OverflowException"><paramref name="value"/> is negative or not below 2^256.</exception>
    [SkipLocalsInit]
    public static explicit operator UInt256(BigInteger value)
    {
        if (value.Sign < 0 || value.GetByteCount(isUnsigned: true) > 32)
        {
            throw new OverflowException("Value is outside the UInt256 range [0, 2^256).");
        }
        Span<byte> bytes = stackalloc byte[32];
        bytes.Clear();
        value.TryWriteBytes(bytes, out _, isUnsigned: true, isBigEndian: true);
        int written = value.GetByteCount(isUnsigned: true);
        // TryWriteBytes writes at the start of the span; shift the big-endian bytes to the right edge.
        return FromBigEndian(bytes[..written]);
    }

    [SkipLocalsInit]
    public BigInteger ToBigInteger()
    {
        Span<byte> bytes = stackalloc byte[32];
        WriteBigEndian(bytes);
        return new BigInteger(bytes, isUnsigned: true, isBigEndian: true);
    }

    /// <summary>Limb <paramref name="index"/> (0..3).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ulong Limb(int index) => Unsafe.Add(ref Unsafe.AsRef(in U0), index);
}
