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

    /// <summary>ORs a receipt's <paramref name="logs"/> bloom into this one (a block's bloom).</summary>
    public void Accumulate(in LogsBloom logs) => logs.AddTo(_bits);

    /// <summary>ORs <paramref name="other"/> into this bloom (block bloom = OR of receipt blooms).</summary>
    public void Accumulate(Bloom other)
    {
        ArgumentNullException.ThrowIfNull(other);
        new LogsBloom(other).AddTo(_bits); // word-wide, not byte by byte
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

/// <summary>
/// A receipt's logs bloom as the bits its logs set when they are few, else the whole <see cref="Bloom"/>: a token
/// transfer's log (an address and three topics) sets at most 12 of the 2,048 bits, kept as 24 bytes instead of a
/// 256-byte bloom for every receipt (a quarter of what a block of 1,000 token transfers allocated). The 256 bytes are
/// written where the receipt is encoded, and a <see cref="Bloom"/> is made only when one is read.
/// </summary>
public readonly struct LogsBloom
{
    /// <summary>The most bits kept one by one (2 bytes each, below the 256 of a whole bloom); more make a whole bloom.</summary>
    public const int MaxBits = 96;

    // Null: no bits (no logs); ushort[]: each bit as its byte's index << 8 | its mask; Bloom: the whole bloom.
    private readonly object? _value;

    private LogsBloom(object? value) => _value = value;

    /// <summary>A whole bloom (null: none, all zeros).</summary>
    public LogsBloom(Bloom? bloom) => _value = bloom;

    /// <summary>True when no bit is set this way (a receipt without logs).</summary>
    public bool IsNone => _value is null;

    /// <summary>The whole bloom when this holds one, else null.</summary>
    public Bloom? Whole => _value as Bloom;

    /// <summary>The bloom of <paramref name="bits"/> (each address's and topic's), one by one when there are at most <see cref="MaxBits"/>.</summary>
    public static LogsBloom Of(ReadOnlySpan<BloomBits> bits)
    {
        if (bits.IsEmpty)
        {
            return default;
        }

        if (3 * bits.Length > MaxBits)
        {
            var whole = new Bloom();
            foreach (BloomBits value in bits)
            {
                whole.Add(value);
            }

            return new LogsBloom(whole);
        }

        var each = new ushort[3 * bits.Length];
        for (int i = 0; i < bits.Length; i++)
        {
            BloomBits value = bits[i];
            each[3 * i] = (ushort)((value.Index0 << 8) | value.Mask0);
            each[(3 * i) + 1] = (ushort)((value.Index1 << 8) | value.Mask1);
            each[(3 * i) + 2] = (ushort)((value.Index2 << 8) | value.Mask2);
        }

        return new LogsBloom(each);
    }

    /// <summary>ORs these bits into a bloom's 256 bytes.</summary>
    public void AddTo(Span<byte> bloom256)
    {
        if (_value is ushort[] each)
        {
            foreach (ushort bit in each)
            {
                bloom256[bit >> 8] |= (byte)bit;
            }
        }
        else if (_value is Bloom whole)
        {
            Span<ulong> words = MemoryMarshal.Cast<byte, ulong>(bloom256);
            ReadOnlySpan<ulong> others = MemoryMarshal.Cast<byte, ulong>(whole.Bytes);
            for (int i = 0; i < words.Length; i++)
            {
                words[i] |= others[i];
            }
        }
    }

    /// <summary>A bloom of these bits (this one's own when it holds a whole one).</summary>
    public Bloom ToBloom()
    {
        if (_value is Bloom whole)
        {
            return whole;
        }

        var made = new Bloom();
        made.Accumulate(this);
        return made;
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
