using System.Buffers.Binary;
using Hyperion.Core;

namespace Hyperion.MetisDb;

/// <summary>
/// Key layouts of the flat versioned tables. The block number is stored inverted and big-endian so that, for one
/// account or slot, newer versions sort first: "the version visible at block N" is one seek to key || ~N.
/// </summary>
internal static class MetisKeys
{
    public const int AccountKeyLength = 32 + 8;
    public const int StorageKeyLength = 32 + 8 + 32 + 8;
    public const int StoragePrefixLength = 32 + 8;

    public static void Account(Span<byte> key, in Hash256 addressHash, ulong block)
    {
        addressHash.CopyTo(key);
        BinaryPrimitives.WriteUInt64BigEndian(key[32..], ~block);
    }

    public static void StoragePrefix(Span<byte> key, in Hash256 addressHash, ulong incarnation)
    {
        addressHash.CopyTo(key);
        BinaryPrimitives.WriteUInt64BigEndian(key[32..], incarnation);
    }

    public static void Storage(Span<byte> key, in Hash256 addressHash, ulong incarnation, in Hash256 slotHash, ulong block)
    {
        StoragePrefix(key, addressHash, incarnation);
        slotHash.CopyTo(key[40..]);
        BinaryPrimitives.WriteUInt64BigEndian(key[72..], ~block);
    }

    public static ulong VersionOf(ReadOnlySpan<byte> key) => ~BinaryPrimitives.ReadUInt64BigEndian(key[^8..]);

    /// <summary>The first <paramref name="count"/> nibbles (at most 15) of a hashed key as a number: its subtree at that depth.</summary>
    public static int TopNibbles(in Hash256 key, int count) => (int)(BinaryPrimitives.ReadUInt64BigEndian(key.Bytes) >> (64 - 4 * count));

    public static void BlockKey(Span<byte> key, byte tag, ulong block)
    {
        key[0] = tag;
        BinaryPrimitives.WriteUInt64BigEndian(key[1..], block);
    }

    public const byte RootTag = (byte)'r';
    public static ReadOnlySpan<byte> Head => "head"u8;
    public static ReadOnlySpan<byte> Oldest => "oldest"u8;
    public static ReadOnlySpan<byte> Pending => "pending"u8;
    public static ReadOnlySpan<byte> TrieDepth => "trie-depth"u8;
    public static ReadOnlySpan<byte> TrieBlock => "trie-block"u8;
    public static ReadOnlySpan<byte> TrieFormat => "trie-format"u8;
    public static ReadOnlySpan<byte> Format => "format"u8;

    public const byte AccountTable = 1;
    public const byte StorageTable = 2;
}
