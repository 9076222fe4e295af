using System.Runtime.InteropServices;
using Hyperion.Core;
using Hyperion.Core.Crypto;
using Hyperion.Core.Rlp;

namespace Hyperion.Trie;

/// <summary>Roots of index-keyed lists: transactions, receipts and withdrawals (key = rlp(index)).</summary>
public static class TrieRoot
{
    /// <summary>Root of the trie mapping rlp(i) to <paramref name="encodedItems"/>[i].</summary>
    public static Hash256 OfList(IReadOnlyList<byte[]> encodedItems)
    {
        ArgumentNullException.ThrowIfNull(encodedItems);
        if (encodedItems.Count == 0)
        {
            return Keccak256.EmptyTrieRoot;
        }

        // The keys are distinct and their order is known, so the trie is built from them in order, with none of
        // FromEntries' de-duplication and sorting (which was a quarter of a block's receipts root): rlp(1)…rlp(127)
        // are the bytes 0x01…0x7f, rlp(0) is 0x80, and from 128 on rlp(i) is 0x80 + its length then i big-endian,
        // so longer keys sort after shorter ones and keys of one length sort as their indices.
        var sorted = new List<(byte[] Path, byte[] Value)>(encodedItems.Count);
        int belowLongKeys = Math.Min(encodedItems.Count, 128);
        for (int i = 1; i < belowLongKeys; i++)
        {
            Add(sorted, i, encodedItems[i]);
        }

        Add(sorted, 0, encodedItems[0]);
        for (int i = 128; i < encodedItems.Count; i++)
        {
            Add(sorted, i, encodedItems[i]);
        }

        return PatriciaTrie.FromSortedDistinct(CollectionsMarshal.AsSpan(sorted)).RootHash;
    }

    private static void Add(List<(byte[] Path, byte[] Value)> sorted, int index, byte[] item)
    {
        // As FromEntries: an empty value is no entry.
        if (item.Length > 0)
        {
            sorted.Add((Nibbles.FromBytes(Rlp.EncodeUInt64((ulong)index)), item));
        }
    }
}
