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

        var trie = new PatriciaTrie();
        Span<byte> key = stackalloc byte[9];
        for (int i = 0; i < encodedItems.Count; i++)
        {
            var writer = new RlpWriter(key);
            writer.WriteUInt64((ulong)i);
            trie.Set(key[..writer.Position], encodedItems[i]);
        }

        return trie.RootHash;
    }
}
