using System.Buffers.Binary;

namespace Hyperion.State.MetisDb;

/// <summary>A 32-byte key (an address hash, a slot hash, a code hash) as four words: cheap to compare and hash.</summary>
public readonly struct Key32 : IEquatable<Key32>, IComparable<Key32>
{
    private readonly ulong _w0, _w1, _w2, _w3;

    public Key32(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != 32)
        {
            throw new ArgumentException($"A 32-byte key is required (got {bytes.Length} bytes).", nameof(bytes));
        }

        _w0 = BinaryPrimitives.ReadUInt64BigEndian(bytes);
        _w1 = BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]);
        _w2 = BinaryPrimitives.ReadUInt64BigEndian(bytes[16..]);
        _w3 = BinaryPrimitives.ReadUInt64BigEndian(bytes[24..]);
    }

    public void CopyTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, _w0);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], _w1);
        BinaryPrimitives.WriteUInt64BigEndian(destination[16..], _w2);
        BinaryPrimitives.WriteUInt64BigEndian(destination[24..], _w3);
    }

    public byte[] ToArray()
    {
        var bytes = new byte[32];
        CopyTo(bytes);
        return bytes;
    }

    /// <summary>The first <paramref name="count"/> nibbles (at most 15) as a number: the key's subtree at that depth.</summary>
    internal int TopNibbles(int count) => (int)(_w0 >> (64 - 4 * count));

    public bool Equals(Key32 other) => _w0 == other._w0 && _w1 == other._w1 && _w2 == other._w2 && _w3 == other._w3;

    public override bool Equals(object? obj) => obj is Key32 other && Equals(other);

    public override int GetHashCode() => (int)(_w0 ^ (_w0 >> 32) ^ _w1 ^ (_w3 >> 17));

    public int CompareTo(Key32 other)
    {
        int c = _w0.CompareTo(other._w0);
        if (c != 0) return c;
        c = _w1.CompareTo(other._w1);
        if (c != 0) return c;
        c = _w2.CompareTo(other._w2);
        return c != 0 ? c : _w3.CompareTo(other._w3);
    }

    public static bool operator ==(Key32 left, Key32 right) => left.Equals(right);

    public static bool operator !=(Key32 left, Key32 right) => !left.Equals(right);

    public static bool operator <(Key32 left, Key32 right) => left.CompareTo(right) < 0;

    public static bool operator >(Key32 left, Key32 right) => left.CompareTo(right) > 0;

    public static bool operator <=(Key32 left, Key32 right) => left.CompareTo(right) <= 0;

    public static bool operator >=(Key32 left, Key32 right) => left.CompareTo(right) >= 0;

    public override string ToString() => Convert.ToHexStringLower(ToArray());
}
