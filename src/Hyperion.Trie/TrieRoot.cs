using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
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
/// <remarks>
/// No node objects: a leaf is an index into the trie's arrays (its item, the nibble its path starts at, its encoding's
/// length and hash), and the ~n/14 branches and extensions above are structs whose children are leaf or node indices;
/// the arrays are pooled and go back to the pool once the root is known and no thread hashes leaves any more.
/// A leaf's encoding (its path's hex prefix and the item, which the leaf writes in place) is only ever hashed, from a
/// pooled buffer, or written into its parent's when under 32 bytes. The nodes above the leaves are hashed height by
/// height, all of a height at once in vector lanes (<see cref="Keccak256Batch"/>): a node's children are of lower
/// heights. (A leaf and a branch were objects, a 16-slot array each branch, and the branches were hashed depth by
/// depth: two thirds of a sequential block's end were its two list roots, issue 14.)
/// </remarks>
[SkipLocalsInit]
public sealed class ListTrie
{
    /// <summary>A branch's child slot without a child.</summary>
    private const int NoChild = int.MinValue;

    /// <summary>An encoding shorter than this is embedded in its parent's instead of hashed (the root's is hashed anyway).</summary>
    private const int HashedLength = Hash256.Size;

    private readonly IListItems _items;

    private readonly int _leafCount;

    /// <summary>Leaf → its item, in key order (null: every item has a leaf, in <see cref="ItemOfLeaf"/>'s order).</summary>
    private readonly int[]? _itemOfLeaf;

    // The pooled arrays, longer than used: the first LeafCount of the leaves', _innerCount of the nodes'.

    /// <summary>Leaf → the nibble of its key its path starts at (its parent branch's depth + 1; 0 for a lone leaf).</summary>
    private readonly byte[] _leafPathStart;

    /// <summary>Leaf → its encoding's length once hashed or found embedded (0: not yet); published after its hash.</summary>
    private readonly int[] _leafLength;

    private readonly Hash256[] _leafHash;

    /// <summary>The branches and extensions above the leaves, each after its children.</summary>
    private readonly InnerNode[] _inner;

    private int _innerCount;

    /// <summary>Every branch's sixteen child slots, <see cref="InnerNode.Children"/> onwards: a leaf's index, ~ a node's, or <see cref="NoChild"/>.</summary>
    private readonly int[] _children;

    private readonly int _root;

    private readonly int _height;

    /// <summary>
    /// Holders of the pooled arrays: the trie until its root is known, and each thread inside <see cref="HashLeaves"/>;
    /// the last to let go returns them (0: returned, and a late <see cref="HashLeaves"/> does nothing).
    /// </summary>
    private int _holders = 1;

    private Hash256? _rootHash;

    public ListTrie(IReadOnlyList<byte[]> encodedItems)
        : this(new ArrayItems(encodedItems ?? throw new ArgumentNullException(nameof(encodedItems))))
    {
    }

    /// <summary>The trie of <paramref name="items"/>, whose leaves write them into their own encodings (see <see cref="IListItems"/>).</summary>
    public ListTrie(IListItems items)
        : this(items ?? throw new ArgumentNullException(nameof(items)), items.Count, PresentItems(items))
    {
    }

    /// <param name="itemOfLeaf">The items with a leaf, in key order (null: all <paramref name="count"/>).</param>
    private ListTrie(IListItems items, int count, int[]? itemOfLeaf)
    {
        _items = items;
        _itemOfLeaf = itemOfLeaf;
        int leaves = _leafCount = itemOfLeaf?.Length ?? count;
        _leafPathStart = ArrayPool<byte>.Shared.Rent(leaves);
        _leafLength = ArrayPool<int>.Shared.Rent(leaves);
        Array.Clear(_leafLength, 0, leaves);
        _leafHash = ArrayPool<Hash256>.Shared.Rent(leaves);

        // n leaves have n − 1 branches at the most (each joins two subtrees or more), and an extension above each at the most.
        int branches = Math.Max(leaves - 1, 0);
        _inner = ArrayPool<InnerNode>.Shared.Rent(2 * branches);
        _children = ArrayPool<int>.Shared.Rent(BranchNode.Width * branches);
        int slots = 0;
        _root = leaves == 0 ? NoChild : Build(0, leaves, 0, ref slots, out _height);
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
        return new ListTrie(items, count, itemOfLeaf: null);
    }

    /// <summary>The trie's leaves: one per non-empty item.</summary>
    public int LeafCount => _leafCount;

    /// <summary>
    /// In a trie of every item (<see cref="Ahead"/>'s): how many leaves, from the first in key order, are those of items
    /// before item <paramref name="items"/> — the leaves <see cref="HashLeaves"/> may hash once those items exist.
    /// Item 0's key, rlp(0) = 0x80, sorts after rlp(1)…rlp(127), so below 128 items it is the one left out.
    /// </summary>
    public int LeavesBefore(int items)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(items);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(items, LeafCount);
        return items >= 128 || items == LeafCount ? items : Math.Max(0, items - 1);
    }

    /// <summary>
    /// Hashes the leaves from <paramref name="from"/> up to <paramref name="to"/> (in key order), several per call of
    /// <see cref="Keccak256Batch"/>. Threads may hash disjoint ranges at once, and <see cref="Root"/> hashes a leaf no
    /// thread has finished: a leaf two threads hash gets the same hash and length from both, the length published after
    /// the hash. Once the root is known, it does nothing.
    /// </summary>
    public void HashLeaves(int from, int to)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(from);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(to, LeafCount);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(from, to);
        if (!TryHold())
        {
            return;
        }

        try
        {
            HashLeavesHeld(from, to);
        }
        finally
        {
            LetGo();
        }
    }

    /// <summary>Takes a hold on the pooled arrays; false once they are returned.</summary>
    private bool TryHold()
    {
        int holders = Volatile.Read(ref _holders);
        while (holders > 0)
        {
            int seen = Interlocked.CompareExchange(ref _holders, holders + 1, holders);
            if (seen == holders)
            {
                return true;
            }

            holders = seen;
        }

        return false;
    }

    private void LetGo()
    {
        if (Interlocked.Decrement(ref _holders) == 0)
        {
            ArrayPool<byte>.Shared.Return(_leafPathStart);
            ArrayPool<int>.Shared.Return(_leafLength);
            ArrayPool<Hash256>.Shared.Return(_leafHash);
            ArrayPool<InnerNode>.Shared.Return(_inner);
            ArrayPool<int>.Shared.Return(_children);
        }
    }

    private void HashLeavesHeld(int from, int to)
    {
        var batch = new EncodingBatch(stackalloc int[EncodingBatch.MaxCount], stackalloc int[EncodingBatch.MaxCount]);
        int leaf = from;
        while (leaf < to)
        {
            // The next leaves to hash, up to a batch's count or bytes; an embedded one is only measured.
            batch.Clear();
            for (; leaf < to; leaf++)
            {
                if (Volatile.Read(ref _leafLength[leaf]) != 0)
                {
                    continue;
                }

                int length = LeafLength(leaf);
                if (length < HashedLength)
                {
                    Volatile.Write(ref _leafLength[leaf], length);
                }
                else if (!batch.TryAdd(leaf, length))
                {
                    break;
                }
            }

            HashBatch(ref batch);
        }
    }

    /// <summary>
    /// Serializes <see cref="Root"/>: a block's caller and its helper may both ask for it; one hashes, the other waits for
    /// that root. Two hashing at once would both let go of the trie's own hold, returning the arrays to the pool while the
    /// other still wrote into them.
    /// </summary>
    private readonly Lock _rootLock = new();

    /// <summary>The list's root: the leaves no thread hashed are hashed first, then the nodes above them height by height.</summary>
    public Hash256 Root
    {
        get
        {
            lock (_rootLock)
            {
                return _rootHash ??= HashRoot();
            }
        }
    }

    /// <summary>The root, hashed once (under <see cref="_rootLock"/>); then lets go of the trie's own hold on the arrays.</summary>
    private Hash256 HashRoot()
    {
        if (_root == NoChild)
        {
            return Keccak256.EmptyTrieRoot;
        }

        HashLeavesHeld(0, LeafCount);
        var batch = new EncodingBatch(stackalloc int[EncodingBatch.MaxCount], stackalloc int[EncodingBatch.MaxCount]);
        for (int height = 1; height <= _height; height++)
        {
            // A height's nodes are each other's neither parents nor children: hashed together.
            batch.Clear();
            for (int node = 0; node < _innerCount; node++)
            {
                ref InnerNode inner = ref _inner[node];
                if (inner.Height != height)
                {
                    continue;
                }

                int length = inner.Length = InnerLength(in inner);
                if (length >= HashedLength || ~node == _root)
                {
                    while (!batch.TryAdd(~node, length))
                    {
                        HashBatch(ref batch);
                    }
                }
            }

            HashBatch(ref batch);
        }

        if (_root >= 0 && _leafLength[_root] < HashedLength)
        {
            // A lone leaf under 32 bytes: the root is its encoding's hash all the same.
            var lone = new EncodingBatch(stackalloc int[1], stackalloc int[1]);
            lone.TryAdd(_root, _leafLength[_root]);
            HashBatch(ref lone);
        }

        Hash256 root = HashOf(_root);
        LetGo(); // the trie's own hold: helpers still in HashLeaves return the arrays when they leave
        return root;
    }

    /// <summary>Builds the subtree of the leaves from <paramref name="first"/> up to <paramref name="end"/>, whose keys share their first <paramref name="depth"/> nibbles: its root's reference.</summary>
    private int Build(int first, int end, int depth, ref int slots, out int height)
    {
        if (end - first == 1)
        {
            _leafPathStart[first] = (byte)depth;
            height = 0;
            return first;
        }

        // Key order: the range's shared prefix is its first and last keys'; the keys are prefix-free (a key of one
        // length has a first byte of its own), so none ends at the branch.
        int firstItem = ItemOfLeaf(first);
        ulong firstKey = Key(firstItem, out int firstNibbles);
        ulong lastKey = Key(ItemOfLeaf(end - 1), out int lastNibbles);
        int branchDepth = depth;
        while (Nibble(firstKey, firstNibbles, branchDepth) == Nibble(lastKey, lastNibbles, branchDepth))
        {
            branchDepth++;
        }

        int branchSlots = slots;
        slots += BranchNode.Width;
        _children.AsSpan(branchSlots, BranchNode.Width).Fill(NoChild);
        height = 0;
        int start = first;
        while (start < end)
        {
            int nibble = LeafNibble(start, branchDepth);
            int stop = start + 1;
            while (stop < end && LeafNibble(stop, branchDepth) == nibble)
            {
                stop++;
            }

            _children[branchSlots + nibble] = Build(start, stop, branchDepth + 1, ref slots, out int childHeight);
            height = Math.Max(height, childHeight + 1);
            start = stop;
        }

        int branch = AddInner(new InnerNode { Children = branchSlots, Height = height });
        if (branchDepth == depth)
        {
            return branch;
        }

        height++;
        return AddInner(new InnerNode { Children = -1, Child = branch, PathItem = firstItem, PathStart = (byte)depth, PathEnd = (byte)branchDepth, Height = height });
    }

    private int AddInner(InnerNode node)
    {
        _inner[_innerCount] = node;
        return ~_innerCount++;
    }

    /// <summary>The item of leaf <paramref name="leaf"/>: keys rlp(1)…rlp(127) (the bytes 0x01…0x7f), rlp(0) (0x80), then rlp(128…) (0x81 + one byte, 0x82 + two, …: longer keys sort later, keys of a length as their indices).</summary>
    private int ItemOfLeaf(int leaf)
    {
        if (_itemOfLeaf is not null)
        {
            return _itemOfLeaf[leaf];
        }

        int belowLongKeys = Math.Min(LeafCount, 128);
        return leaf < belowLongKeys - 1 ? leaf + 1 : leaf == belowLongKeys - 1 ? 0 : leaf;
    }

    /// <summary>The items with a leaf (a non-empty item), in key order; null when every item has one.</summary>
    private static int[]? PresentItems(IListItems items)
    {
        int count = items.Count;
        int present = 0;
        for (int i = 0; i < count; i++)
        {
            present += items.LengthOf(i) > 0 ? 1 : 0;
        }

        if (present == count)
        {
            return null;
        }

        var itemOfLeaf = new int[present];
        int leaf = 0;
        for (int i = 1; i < Math.Min(count, 128); i++)
        {
            AddIfPresent(i);
        }

        if (count > 0)
        {
            AddIfPresent(0);
        }

        for (int i = 128; i < count; i++)
        {
            AddIfPresent(i);
        }

        return itemOfLeaf;

        void AddIfPresent(int item)
        {
            if (items.LengthOf(item) > 0)
            {
                itemOfLeaf[leaf++] = item;
            }
        }
    }

    /// <summary>
    /// rlp(<paramref name="item"/>) as its <paramref name="nibbles"/> nibbles, the first the highest: one byte below
    /// 128 (rlp(0) = 0x80), else 0x80 + the length, then the big-endian bytes.
    /// </summary>
    private static ulong Key(int item, out int nibbles)
    {
        if (item < 128)
        {
            nibbles = 2;
            return item == 0 ? 0x80UL : (ulong)item;
        }

        int length = Rlp.ByteLength((ulong)item);
        nibbles = 2 * (length + 1);
        return ((ulong)(0x80 + length) << (8 * length)) | (uint)item;
    }

    /// <summary>The nibble at <paramref name="position"/> of a key (<see cref="Key"/>), or 16 past its end.</summary>
    private static int Nibble(ulong key, int nibbles, int position) =>
        position < nibbles ? (int)(key >> (4 * (nibbles - 1 - position))) & 0xf : 16;

    private int LeafNibble(int leaf, int position)
    {
        ulong key = Key(ItemOfLeaf(leaf), out int nibbles);
        return Nibble(key, nibbles, position);
    }

    /// <summary>A leaf's encoding, [hex-prefix(path), item]: its length, reading the item's length (and a one-byte item).</summary>
    private int LeafLength(int leaf)
    {
        int item = ItemOfLeaf(leaf);
        Key(item, out int nibbles);
        return Rlp.LengthOfList(HexPrefixStringLength(nibbles - _leafPathStart[leaf]) + ItemStringLength(item, _items.LengthOf(item)));
    }

    /// <summary>The RLP string of a path's hex prefix: one byte (below 0x80: its own encoding) or a short string.</summary>
    private static int HexPrefixStringLength(int pathLength)
    {
        int prefixed = Nibbles.HexPrefixLength(pathLength);
        return prefixed == 1 ? 1 : 1 + prefixed;
    }

    /// <summary>The RLP string of an item of <paramref name="length"/> bytes (a single byte below 0x80 is its own).</summary>
    private int ItemStringLength(int item, int length) => length == 1 && OneByte(item) < 0x80 ? 1 : Rlp.HeaderLength(length) + length;

    private byte OneByte(int item)
    {
        Span<byte> value = stackalloc byte[1];
        _items.Write(item, value);
        return value[0];
    }

    /// <summary>
    /// Writes the RLP string of the hex prefix of a key's (<see cref="Key"/>) nibbles from <paramref name="from"/> to
    /// <paramref name="to"/>: the flag nibble (2 a leaf, +1 an odd length), a zero nibble when even, then the path, as
    /// one big-endian number of <see cref="Nibbles.HexPrefixLength"/> bytes (a key has ten nibbles at the most).
    /// </summary>
    private static void WriteHexPrefixString(ulong key, int nibbles, int from, int to, bool isLeaf, ref RlpWriter writer)
    {
        int length = to - from;
        ulong path = (key >> (4 * (nibbles - to))) & ((1UL << (4 * length)) - 1);
        ulong flag = (isLeaf ? 2UL : 0UL) + (ulong)(length & 1);
        ulong prefixed = (length & 1) == 1 ? (flag << (4 * length)) | path : (flag << (4 * length + 4)) | path;
        ulong bigEndian = BinaryPrimitives.ReverseEndianness(prefixed);
        writer.WriteBytes(MemoryMarshal.AsBytes(new ReadOnlySpan<ulong>(in bigEndian))[^Nibbles.HexPrefixLength(length)..]);
    }

    private void WriteLeaf(int leaf, Span<byte> destination)
    {
        int item = ItemOfLeaf(leaf);
        ulong key = Key(item, out int nibbles);
        int pathStart = _leafPathStart[leaf];
        int length = _items.LengthOf(item);
        var writer = new RlpWriter(destination);
        writer.WriteListHeader(HexPrefixStringLength(nibbles - pathStart) + ItemStringLength(item, length));
        WriteHexPrefixString(key, nibbles, pathStart, nibbles, isLeaf: true, ref writer);
        if (length == 1)
        {
            // A single byte below 0x80 is its own encoding: the writer decides.
            Span<byte> one = [OneByte(item)];
            writer.WriteBytes(one);
            return;
        }

        writer.WriteBytesHeader(length);
        _items.Write(item, destination.Slice(writer.Position, length));
    }

    /// <summary>The length of a node's encoding, from its children's (all of lower heights, so known).</summary>
    private int InnerLength(in InnerNode node) => Rlp.LengthOfList(node.Children < 0
        ? HexPrefixStringLength(node.PathEnd - node.PathStart) + ReferenceLength(node.Child)
        : BranchContentLength(in node));

    private int BranchContentLength(in InnerNode branch)
    {
        int content = 1; // the branch's empty value
        for (int slot = 0; slot < BranchNode.Width; slot++)
        {
            int child = _children[branch.Children + slot];
            content += child == NoChild ? 1 : ReferenceLength(child);
        }

        return content;
    }

    private void WriteInner(in InnerNode node, Span<byte> destination)
    {
        var writer = new RlpWriter(destination);
        if (node.Children < 0)
        {
            ulong key = Key(node.PathItem, out int nibbles);
            writer.WriteListHeader(HexPrefixStringLength(node.PathEnd - node.PathStart) + ReferenceLength(node.Child));
            WriteHexPrefixString(key, nibbles, node.PathStart, node.PathEnd, isLeaf: false, ref writer);
            WriteReference(node.Child, ref writer);
            return;
        }

        writer.WriteListHeader(BranchContentLength(in node));
        for (int slot = 0; slot < BranchNode.Width; slot++)
        {
            int child = _children[node.Children + slot];
            if (child == NoChild)
            {
                writer.WriteBytes([]);
            }
            else
            {
                WriteReference(child, ref writer);
            }
        }

        writer.WriteBytes([]);
    }

    private int EncodingLength(int node) => node >= 0 ? _leafLength[node] : _inner[~node].Length;

    /// <summary>What a parent holds for a child: its encoding when under 32 bytes, else the RLP of its hash.</summary>
    private int ReferenceLength(int node)
    {
        int length = EncodingLength(node);
        return length < HashedLength ? length : 1 + Hash256.Size;
    }

    private void WriteReference(int node, ref RlpWriter writer)
    {
        int length = EncodingLength(node);
        if (length >= HashedLength)
        {
            writer.WriteHash(in HashOf(node));
            return;
        }

        Span<byte> embedded = stackalloc byte[HashedLength];
        WriteEncoding(node, embedded[..length]);
        writer.WriteRaw(embedded[..length]);
    }

    private void WriteEncoding(int node, Span<byte> destination)
    {
        if (node >= 0)
        {
            WriteLeaf(node, destination);
        }
        else
        {
            WriteInner(in _inner[~node], destination);
        }
    }

    private ref readonly Hash256 HashOf(int node) => ref node >= 0 ? ref _leafHash[node] : ref _inner[~node].Hash;

    /// <summary>
    /// Hashes the <paramref name="batch"/>'s members (leaves or ~nodes), their encodings written side by side into a
    /// pooled buffer, keeps each hash (a leaf's length published after its hash) and empties the batch.
    /// </summary>
    private void HashBatch(ref EncodingBatch batch)
    {
        if (batch.Count == 0)
        {
            return;
        }

        ReadOnlySpan<int> nodes = batch.Members;
        ReadOnlySpan<int> lengths = batch.Lengths;
        Span<Hash256> hashes = stackalloc Hash256[EncodingBatch.MaxCount];
        hashes = hashes[..nodes.Length];
        byte[] buffer = ArrayPool<byte>.Shared.Rent(batch.Bytes);
        try
        {
            int offset = 0;
            for (int i = 0; i < nodes.Length; i++)
            {
                WriteEncoding(nodes[i], buffer.AsSpan(offset, lengths[i]));
                offset += lengths[i];
            }

            Keccak256Batch.Hash(buffer.AsSpan(0, batch.Bytes), lengths, hashes);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        for (int i = 0; i < nodes.Length; i++)
        {
            int node = nodes[i];
            if (node >= 0)
            {
                _leafHash[node] = hashes[i];
                Volatile.Write(ref _leafLength[node], lengths[i]);
            }
            else
            {
                _inner[~node].Hash = hashes[i];
            }
        }

        batch.Clear();
    }

    /// <summary>A branch (<see cref="Children"/>: its slots' start) or an extension (<see cref="Children"/> −1: its path is rlp(<see cref="PathItem"/>)'s nibbles <see cref="PathStart"/>…<see cref="PathEnd"/>).</summary>
    private struct InnerNode
    {
        public int Children;
        public int Child;
        public int PathItem;
        public byte PathStart;
        public byte PathEnd;
        public int Height;

        /// <summary>The encoding's length, set when its height is hashed.</summary>
        public int Length;

        public Hash256 Hash;
    }

    /// <summary>Encoded items in arrays (an empty one: no entry).</summary>
    private sealed class ArrayItems(IReadOnlyList<byte[]> items) : IListItems
    {
        public int Count => items.Count;

        public int LengthOf(int index) => items[index].Length;

        public void Write(int index, Span<byte> destination) => items[index].CopyTo(destination);
    }
}
