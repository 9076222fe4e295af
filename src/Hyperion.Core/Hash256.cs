using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Hyperion.Core;

/// <summary>A 32-byte hash held by value (four machine words, bytes in memory order).</summary>
[StructLayout(LayoutKind.Sequential)]
public readonly struct Hash256 : IEquatable<Hash256>, IComparable<Hash256>
{
    public const int Size = 32;

    public static readonly Hash256 Zero;

    private readonly ulong _u0;
    private readonly ulong _u1;
    private readonly ulong _u2;
    private readonly ulong _u3;

    public Hash256(ReadOnlySpan<byte> bytes32)
    {
        if (bytes32.Length != Size)
        {
            throw new ArgumentException($"A Hash256 needs exactly {Size} bytes, got {bytes32.Length}.", nameof(bytes32));
        }

        _u0 = MemoryMarshal.Read<ulong>(bytes32);
        _u1 = MemoryMarshal.Read<ulong>(bytes32[8..]);
        _u2 = MemoryMarshal.Read<ulong>(bytes32[16..]);
        _u3 = MemoryMarshal.Read<ulong>(bytes32[24..]);
    }

    /// <summary>
    /// Zero-copy view of the 32 bytes. The span points into this value's storage: use it while the
    /// value lives (a local, field or array element), not on a temporary returned from a call.
    /// </summary>
    public ReadOnlySpan<byte> Bytes =>
        MemoryMarshal.CreateReadOnlySpan(ref Unsafe.As<ulong, byte>(ref Unsafe.AsRef(in _u0)), Size);

    public bool IsZero => (_u0 | _u1 | _u2 | _u3) == 0;

    public void CopyTo(Span<byte> destination) => Bytes.CopyTo(destination);

    public byte[] ToArray() => Bytes.ToArray();

    public static Hash256 Parse(string hex)
    {
        ArgumentNullException.ThrowIfNull(hex);
        ReadOnlySpan<char> digits = Hex.StripPrefix(hex);
        if (digits.Length != Size * 2)
        {
            throw new FormatException($"A Hash256 needs {Size * 2} hex digits (after an optional 0x), got {digits.Length}.");
        }

        return new Hash256(Hex.Decode(hex));
    }

    public static bool TryParse(string? hex, out Hash256 value)
    {
        value = default;
        if (hex is null)
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[Size];
        if (Hex.StripPrefix(hex).Length != Size * 2 || !Hex.TryDecode(hex, bytes, out _))
        {
            return false;
        }

        value = new Hash256(bytes);
        return true;
    }

    public override string ToString() => Hex.Encode(Bytes);

    public bool Equals(Hash256 other) =>
        _u0 == other._u0 && _u1 == other._u1 && _u2 == other._u2 && _u3 == other._u3;

    public override bool Equals(object? obj) => obj is Hash256 other && Equals(other);

    /// <summary>Hashes are uniformly distributed, so folding the words is enough.</summary>
    public override int GetHashCode()
    {
        ulong folded = _u0 ^ _u1 ^ _u2 ^ _u3;
        return (int)folded ^ (int)(folded >> 32);
    }

    /// <summary>Lexicographic byte order (the order of big-endian numbers).</summary>
    public int CompareTo(Hash256 other) => Bytes.SequenceCompareTo(other.Bytes);

    public static bool operator ==(Hash256 left, Hash256 right) => left.Equals(right);

    public static bool operator !=(Hash256 left, Hash256 right) => !left.Equals(right);

    public static bool operator <(Hash256 left, Hash256 right) => left.CompareTo(right) < 0;

    public static bool operator >(Hash256 left, Hash256 right) => left.CompareTo(right) > 0;

    public static bool operator <=(Hash256 left, Hash256 right) => left.CompareTo(right) <= 0;

    public static bool operator >=(Hash256 left, Hash256 right) => left.CompareTo(right) >= 0;
}
