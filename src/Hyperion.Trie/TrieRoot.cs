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

        var entries = new KeyValuePair<byte[], byte[]>[encodedItems.Count];
        for (int i = 0; i < entries.Length; i++)
        {
            entries[i] = new(Rlp.EncodeUInt64((ulong)i), encodedItems[i]);
        }

        PatriciaTrie trie = PatriciaTrie.FromEntries(entries);
        return trie.RootHash;
    }
}
