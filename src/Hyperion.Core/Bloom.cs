using System.Runtime.InteropServices;
using Hyperion.Core.Crypto;

namespace Hyperion.Core;

/// <summary>
/// The 2048-bit log bloom of receipts and block headers (Yellow Paper section 4.3.1, M3:2048):
/// each address or topic sets three bits picked by the low 11 bits of the first three byte pairs of its Keccak hash.
/// </summary>
public sealed class Bloom : IEquatable<Bloom>
{
    public const int Size = 256;

    private readonly byte[] _bits;

    public Bloom()
    {
        _bits = new byte[Size];
    }

    /// <summary>Wraps a copy of a 256-byte bloom.</summary>
    public Bloom(ReadOnlySpan<byte> bytes256)
    {
        if (bytes256.Length != Size)
        {
            throw new ArgumentException($"A bloom needs exactly {Size} bytes, got {bytes256.Length}.", nameof(bytes256));
        }

        _bits = bytes256.ToArray();
    }

    /// <summary>The 256-byte form (as stored in headers and receipts).</summary>
    public ReadOnlySpan<byte> Bytes => _bits;

    public bool IsEmpty => !_bits.AsSpan().ContainsAnyExcept((byte)0);

    public byte[] ToArray() => (byte[])_bits.Clone();

    public void Add(in Address address) => Add(address.Bytes);

    public void Add(in Hash256 topic) => Add(topic.Bytes);

    /// <summary>Adds arbitrary bytes (an address or a topic in their raw form).</summary>
    public void Add(ReadOnlySpan<byte> data)
    {
        Span<byte> hash = stackalloc byte[Hash256.Size];
        Keccak256.Hash(data, hash);
        for (int i = 0; i < 6; i += 2)
        {
            (int index, byte mask) = BitOf(hash, i);
            _bits[index] |= mask;
        }
    }

    public bool Contains(in Address address) => Contains(address.Bytes);

    public bool Contains(in Hash256 topic) => Contains(topic.Bytes);

    /// <summary>True if all three bits of <paramref name="data"/> are set (false positives possible, no false negatives).</summary>
    public bool Contains(ReadOnlySpan<byte> data)
    {
        Span<byte> hash = stackalloc byte[Hash256.Size];
        Keccak256.Hash(data, hash);
        for (int i = 0; i < 6; i += 2)
        {
            (int index, byte mask) = BitOf(hash, i);
            if ((_bits[index] & mask) == 0)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>True if every bit set in <paramref name="other"/> is set here.</summary>
    public bool Contains(Bloom other)
    {
        ArgumentNullException.ThrowIfNull(other);
        for (int i = 0; i < Size; i++)
        {
            if ((_bits[i] & other._bits[i]) != other._bits[i])
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>ORs <paramref name="other"/> into this bloom (block bloom = OR of receipt blooms).</summary>
    public void Accumulate(Bloom other)
    {
        ArgumentNullException.ThrowIfNull(other);

        // A block ORs one receipt's bloom per transaction: word-wide, not byte by byte.
        Span<ulong> bits = MemoryMarshal.Cast<byte, ulong>(_bits.AsSpan());
        ReadOnlySpan<ulong> others = MemoryMarshal.Cast<byte, ulong>(other._bits.AsSpan());
        for (int i = 0; i < bits.Length; i++)
        {
            bits[i] |= others[i];
        }
    }

    public bool Equals(Bloom? other) => other is not null && _bits.AsSpan().SequenceEqual(other._bits);

    public override bool Equals(object? obj) => Equals(obj as Bloom);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(_bits);
        return hash.ToHashCode();
    }

    public override string ToString() => Hex.Encode(_bits);

    /// <summary>Bit k (0..2047, counted from the least significant end of the big-endian 2048-bit number).</summary>
    private static (int Index, byte Mask) BitOf(ReadOnlySpan<byte> hash, int pair)
    {
        int bit = ((hash[pair] << 8) | hash[pair + 1]) & 2047;
        return (Size - 1 - bit / 8, (byte)(1 << (bit % 8)));
    }
}
