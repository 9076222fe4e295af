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

    /// <summary>The bits in the object itself, not in an array beside it: a receipt's bloom is one allocation, not two.</summary>
    private Bits256 _bits;

    public Bloom()
    {
    }

    /// <summary>Wraps a copy of a 256-byte bloom.</summary>
    public Bloom(ReadOnlySpan<byte> bytes256)
    {
        if (bytes256.Length != Size)
        {
            throw new ArgumentException($"A bloom needs exactly {Size} bytes, got {bytes256.Length}.", nameof(bytes256));
        }

        bytes256.CopyTo(_bits);
    }

    /// <summary>The 256-byte form (as stored in headers and receipts).</summary>
    public ReadOnlySpan<byte> Bytes => _bits;

    public bool IsEmpty => !Bytes.ContainsAnyExcept((byte)0);

    public byte[] ToArray() => Bytes.ToArray();

    public void Add(in Address address) => Add(address.Bytes);

    public void Add(in Hash256 topic) => Add(topic.Bytes);

    /// <summary>Adds arbitrary bytes (an address or a topic in their raw form).</summary>
    public void Add(ReadOnlySpan<byte> data) => Add(BloomBits.Of(data));

    /// <summary>Adds the three bits of an address or topic hashed before.</summary>
    public void Add(in BloomBits bits)
    {
        _bits[bits.Index0] |= bits.Mask0;
        _bits[bits.Index1] |= bits.Mask1;
        _bits[bits.Index2] |= bits.Mask2;
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
        Span<ulong> bits = MemoryMarshal.Cast<byte, ulong>((Span<byte>)_bits);
        ReadOnlySpan<ulong> others = MemoryMarshal.Cast<byte, ulong>(other.Bytes);
        for (int i = 0; i < bits.Length; i++)
        {
            bits[i] |= others[i];
        }
    }

    public bool Equals(Bloom? other) => other is not null && Bytes.SequenceEqual(other.Bytes);

    public override bool Equals(object? obj) => Equals(obj as Bloom);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(Bytes);
        return hash.ToHashCode();
    }

    public override string ToString() => Hex.Encode(Bytes);

    /// <summary>Bit k (0..2047, counted from the least significant end of the big-endian 2048-bit number).</summary>
    internal static (int Index, byte Mask) BitOf(ReadOnlySpan<byte> hash, int pair)
    {
        int bit = ((hash[pair] << 8) | hash[pair + 1]) & 2047;
        return (Size - 1 - bit / 8, (byte)(1 << (bit % 8)));
    }
}

/// <summary>A bloom's 256 bytes, inline in its object.</summary>
[System.Runtime.CompilerServices.InlineArray(Bloom.Size)]
internal struct Bits256
{
    private byte _element0;
}

/// <summary>
/// The three bits one address or topic sets in a <see cref="Bloom"/>: its hash taken once, for a value that recurs (a
/// token's address in every one of its logs) to be added without hashing it again.
/// </summary>
public readonly struct BloomBits
{
    private BloomBits(int index0, byte mask0, int index1, byte mask1, int index2, byte mask2)
    {
        Index0 = (ushort)index0;
        Index1 = (ushort)index1;
        Index2 = (ushort)index2;
        Mask0 = mask0;
        Mask1 = mask1;
        Mask2 = mask2;
    }

    internal ushort Index0 { get; }

    internal ushort Index1 { get; }

    internal ushort Index2 { get; }

    internal byte Mask0 { get; }

    internal byte Mask1 { get; }

    internal byte Mask2 { get; }

    /// <summary>The bits of <paramref name="data"/> (an address or a topic in its raw form).</summary>
    public static BloomBits Of(ReadOnlySpan<byte> data)
    {
        Span<byte> hash = stackalloc byte[Hash256.Size];
        Keccak256.Hash(data, hash);
        (int index0, byte mask0) = Bloom.BitOf(hash, 0);
        (int index1, byte mask1) = Bloom.BitOf(hash, 2);
        (int index2, byte mask2) = Bloom.BitOf(hash, 4);
        return new BloomBits(index0, mask0, index1, mask1, index2, mask2);
    }
}
