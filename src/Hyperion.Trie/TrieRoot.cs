using System.Buffers;
using Hyperion.Core;
using Hyperion.Core.Crypto;
using Hyperion.Core.Rlp;

namespace Hyperion.Trie;

/// <summary>Roots of index-keyed lists: transactions, receipts and withdrawals (key = rlp(index)).</summary>
public static class TrieRoot
{
    /// <summary>Root of the trie mapping rlp(i) to <paramref name="encodedItems"/>[i].</summary>
    public static Hash256 OfList(IReadOnlyList<byte[]> encodedItems) => new ListTrie(encodedItems).Root;
}

/// <summary>
/// The trie mapping rlp(i) to the i-th of a list's encoded items, built but not yet hashed: its leaves (most of the
/// hashing: one per item, each over the whole item) can be hashed in ranges on several threads at once
/// (<see cref="HashLeaves"/>) before <see cref="Root"/> hashes the nodes above them on one.
/// </summary>
public sealed class ListTrie
{
    private readonly PatriciaTrie _trie;
    private readonly TrieNode[] _leaves;

    public ListTrie(IReadOnlyList<byte[]> encodedItems)
    {
        ArgumentNullException.ThrowIfNull(encodedItems);
        (byte[] Path, byte[] Value)[] sorted = SortedEntries(encodedItems.Count, i => encodedItems[i].Length > 0, i => encodedItems[i], out int[] indices, out int entries);
        _leaves = new TrieNode[entries];
        _trie = PatriciaTrie.FromSortedDistinct(sorted.AsSpan(0, entries), _leaves);
        Return(sorted, indices);
    }

    /// <summary>The trie of <paramref name="items"/>, whose leaves write them into their own encodings (see <see cref="IListItems"/>).</summary>
    public ListTrie(IListItems items)
        : this(items, items?.Count ?? throw new ArgumentNullException(nameof(items)), i => items.LengthOf(i) > 0)
    {
    }

    private ListTrie(IListItems items, int count, Func<int, bool> present)
    {
        (byte[] Path, byte[] Value)[] sorted = SortedEntries(count, present, _ => [], out int[] indices, out int entries);
        _leaves = new TrieNode[entries];
        _trie = PatriciaTrie.FromSortedDistinct(sorted.AsSpan(0, entries), _leaves, (key, pathStart, entry) => new ItemLeafNode(key, pathStart, items, indices[entry]));
        Return(sorted, indices);
    }

    /// <summary>
    /// The trie of <paramref name="count"/> items of <paramref name="items"/>, every one of them non-empty, made before
    /// they exist (its shape depends on their number alone): an item is read only when its leaf is hashed, so each must
    /// be there, and stay as it is, before <see cref="HashLeaves"/> or <see cref="Root"/> reaches its leaf.
    /// </summary>
    public static ListTrie Ahead(IListItems items, int count)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        return new ListTrie(items, count, _ => true);
    }

    /// <summary>
    /// The entries rlp(i) → <paramref name="itemOf"/>(i) in key order, of the items <paramref name="present"/> (as
    /// FromEntries: an empty value is no entry), and the item index of each: the first <paramref name="entries"/> of
    /// two pooled arrays, which only the trie's construction reads (then <see cref="Return"/>: two arrays as long as the
    /// list, a transaction and a receipt trie's each a block, were garbage as soon as the trie was made).
    /// </summary>
    private static (byte[] Path, byte[] Value)[] SortedEntries(int count, Func<int, bool> present, Func<int, byte[]> itemOf, out int[] indices, out int entries)
    {
        // The keys are distinct and their order is known, so the trie is built from them in order, with none of
        // FromEntries' de-duplication and sorting (which was a quarter of a block's receipts root): rlp(1)…rlp(127)
        // are the bytes 0x01…0x7f, rlp(0) is 0x80, and from 128 on rlp(i) is 0x80 + its length then i big-endian,
        // so longer keys sort after shorter ones and keys of one length sort as their indices.
        (byte[] Path, byte[] Value)[] sorted = ArrayPool<(byte[] Path, byte[] Value)>.Shared.Rent(Math.Max(count, 1));
        indices = ArrayPool<int>.Shared.Rent(Math.Max(count, 1));
        entries = 0;
        int belowLongKeys = Math.Min(count, 128);
        for (int i = 1; i < belowLongKeys; i++)
        {
            Add(sorted, indices, ref entries, i, present, itemOf);
        }

        if (count > 0)
        {
            Add(sorted, indices, ref entries, 0, present, itemOf);
        }

        for (int i = 128; i < count; i++)
        {
            Add(sorted, indices, ref entries, i, present, itemOf);
        }

        return sorted;
    }

    private static void Return((byte[] Path, byte[] Value)[] sorted, int[] indices)
    {
        ArrayPool<(byte[] Path, byte[] Value)>.Shared.Return(sorted, clearArray: true); // no item kept alive by the pool
        ArrayPool<int>.Shared.Return(indices);
    }

    /// <summary>The trie's leaves: one per non-empty item.</summary>
    public int LeafCount => _leaves.Length;

    /// <summary>
    /// In a trie of every item (<see cref="Ahead"/>'s): how many leaves, from the first in key order, are those of items
    /// before item <paramref name="items"/> — the leaves <see cref="HashLeaves"/> may hash once those items exist.
    /// Item 0's key, rlp(0) = 0x80, sorts after rlp(1)…rlp(127), so below 128 items it is the one left out.
    /// </summary>
    public int LeavesBefore(int items)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(items);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(items, _leaves.Length);
        return items >= 128 || items == _leaves.Length ? items : Math.Max(0, items - 1);
    }

    /// <summary>
    /// Hashes the leaves from <paramref name="from"/> up to <paramref name="to"/> (in key order). Threads may hash
    /// disjoint ranges at once; <see cref="Root"/> is to be read after they are all done (a join orders their writes
    /// before it). A leaf not hashed here is hashed by <see cref="Root"/>.
    /// </summary>
    public void HashLeaves(int from, int to)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(from);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(to, _leaves.Length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(from, to);

        // Together: several leaves per permutation (null: a key that ends at a branch, none in a list, is its value).
        TrieNode.HashUnlessEmbedded(_leaves.AsSpan(from, to - from));
    }

    /// <summary>The list's root: the leaves no thread hashed are hashed together first, then the nodes above them depth by depth.</summary>
    public Hash256 Root
    {
        get
        {
            HashLeaves(0, _leaves.Length);
            return _trie.RootHash; // the nodes above the leaves depth by depth
        }
    }

    /// <summary>
    /// The nibble paths of the keys rlp(0)…rlp(<see cref="KeptKeyPaths"/> − 1), made once: every block's transactions
    /// and receipts tries use the same keys, and the trie only reads a path (an item's leaf reads its part in place,
    /// a <see cref="LeafNode"/> copies the part it keeps).
    /// </summary>
    private static readonly byte[][] KeyPaths = [.. Enumerable.Range(0, KeptKeyPaths).Select(KeyPath)];

    private const int KeptKeyPaths = 1024;

    private static byte[] KeyPath(int index) => Nibbles.FromBytes(Rlp.EncodeUInt64((ulong)index));

    private static void Add((byte[] Path, byte[] Value)[] sorted, int[] indices, ref int entries, int index, Func<int, bool> present, Func<int, byte[]> itemOf)
    {
        if (present(index))
        {
            sorted[entries] = (index < KeptKeyPaths ? KeyPaths[index] : KeyPath(index), itemOf(index));
            indices[entries] = index;
            entries++;
        }
    }
}
