using System.Buffers;
using System.Runtime.CompilerServices;
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
/// length and hash), and the ~n/14 branches and extensions above are structs whose children are leaf or node indices.
/// A leaf's encoding (its path's hex prefix and the item, which the leaf writes in place) is only ever hashed, from a
/// pooled buffer, or written into its parent's when under 32 bytes. The nodes above the leaves are hashed height by
/// height, all of a height at once in vector lanes (<see cref="Keccak256Batch"/>): a node's children are of lower
/// heights. (A leaf and a branch were objects, a 16-slot array each branch, and the branches were hashed depth by
/// depth: two thirds of a sequential block's end were its two list roots, issue 14.)
/// </remarks>
public sealed class ListTrie
{
    /// <summary>A branch's child slot without a child.</summary>
    private const int NoChild = int.MinValue;

    /// <summary>Nodes hashed by one <see cref="Keccak256Batch"/> call at the most (8 lanes' worth of refills).</summary>
    private const int NodesPerBatch = 64;

    /// <summary>Bytes of encodings one batch writes at the most; a longer encoding is hashed alone.</summary>
    private const int BytesPerBatch = 32 * 1024;

    /// <summary>An encoding shorter than this is embedded in its parent's instead of hashed (the root's is hashed anyway).</summary>
    private const int HashedLength = Hash256.Size;

    /// <summary>The nibbles of rlp(i) for an int i: at most a length byte and four bytes.</summary>
    private const int MaxKeyNibbles = 10;

    private readonly IListItems _items;

    /// <summary>Leaf → its item, in key order (null: every item has a leaf, in <see cref="ItemOfLeaf"/>'s order).</summary>
    private readonly int[]? _itemOfLeaf;

    /// <summary>Leaf → the nibble of its key its path starts at (its parent branch's depth + 1; 0 for a lone leaf).</summary>
    private readonly byte[] _leafPathStart;

    /// <summary>Leaf → its encoding's length once hashed or found embedded (0: not yet); published after its hash.</summary>
    private readonly int[] _leafLength;

    private readonly Hash256[] _leafHash;

    /// <summary>The branches and extensions above the leaves, each after its children.</summary>
    private readonly InnerNode[] _inner;

    /// <summary>Every branch's sixteen child slots, <see cref="InnerNode.Children"/> onwards: a leaf's index, ~ a node's, or <see cref="NoChild"/>.</summary>
    private readonly int[] _children;

    private readonly int _root;

    private readonly int _height;

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
        int leaves = itemOfLeaf?.Length ?? count;
        _leafPathStart = new byte[leaves];
        _leafLength = new int[leaves];
        _leafHash = new Hash256[leaves];

        // A branch per ~14 keys at the most: from 16 keys on, the first 128's branches under the root are full but for
        // the first (rlp(1…15)), and the later keys' are full but for the last of a length.
        var inner = new List<InnerNode>(leaves / 8 + 4);
        var children = new List<int>((leaves / 8 + 4) * BranchNode.Width);
        _root = leaves == 0 ? NoChild : Build(0, leaves, 0, inner, children, out _height);
        _inner = [.. inner];
        _children = [.. children];
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
    public int LeafCount => _leafLength.Length;

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
    /// the hash. <see cref="Root"/> is to be read after the threads' ranges are done or abandoned.
    /// </summary>
    [SkipLocalsInit]
    public void HashLeaves(int from, int to)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(from);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(to, LeafCount);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(from, to);

        Span<int> batch = stackalloc int[NodesPerBatch];
        Span<int> lengths = stackalloc int[NodesPerBatch];
        int leaf = from;
        while (leaf < to)
        {
            // The next leaves to hash, up to a batch's count or bytes; an embedded one is only measured.
            int count = 0;
            int bytes = 0;
            for (; leaf < to && count < NodesPerBatch; leaf++)
            {
                if (Volatile.Read(ref _leafLength[leaf]) != 0)
                {
                    continue;
                }

                int length = LeafLength(leaf);
                if (length < HashedLength)
                {
                    Volatile.Write(ref _leafLength[leaf], length);
                    continue;
                }

                if (count > 0 && bytes + length > BytesPerBatch)
                {
                    break;
                }

                batch[count] = leaf;
                lengths[count] = length;
                bytes += length;
                count++;
            }

            HashBatch(batch[..count], lengths[..count], bytes);
        }
    }

    /// <summary>The list's root: the leaves no thread hashed are hashed first, then the nodes above them height by height.</summary>
    [SkipLocalsInit]
    public Hash256 Root
    {
        get
        {
            if (_rootHash is { } known)
            {
                return known;
            }

            if (_root == NoChild)
            {
                return (_rootHash = Keccak256.EmptyTrieRoot).Value;
            }

            HashLeaves(0, LeafCount);
            Span<int> batch = stackalloc int[NodesPerBatch];
            Span<int> lengths = stackalloc int[NodesPerBatch];
            for (int height = 1; height <= _height; height++)
            {
                // A height's nodes are each other's neither parents nor children: hashed together.
                int count = 0;
                int bytes = 0;
                for (int node = 0; node < _inner.Length; node++)
                {
                    ref InnerNode inner = ref _inner[node];
                    if (inner.Height != height)
                    {
                        continue;
                    }

                    int length = inner.Length = InnerLength(in inner);
                    if (length < HashedLength && ~node != _root)
                    {
                        continue;
                    }

                    if (count == NodesPerBatch || (count > 0 && bytes + length > BytesPerBatch))
                    {
                        HashBatch(batch[..count], lengths[..count], bytes);
                        count = 0;
                        bytes = 0;
                    }

                    batch[count] = ~node;
                    lengths[count] = length;
                    bytes += length;
                    count++;
                }

                HashBatch(batch[..count], lengths[..count], bytes);
            }

            if (_root >= 0 && _leafLength[_root] < HashedLength)
            {
                // A lone leaf under 32 bytes: the root is its encoding's hash all the same.
                Span<int> lone = [_root];
                HashBatch(lone, [_leafLength[_root]], _leafLength[_root]);
            }

            return (_rootHash = HashOf(_root)).Value;
        }
    }

    /// <summary>Builds the subtree of the leaves from <paramref name="first"/> up to <paramref name="end"/>, whose keys share their first <paramref name="depth"/> nibbles: its root's reference.</summary>
    private int Build(int first, int end, int depth, List<InnerNode> inner, List<int> children, out int height)
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
        int lastItem = ItemOfLeaf(end - 1);
        int branchDepth = depth;
        while (KeyNibble(firstItem, branchDepth) == KeyNibble(lastItem, branchDepth))
        {
            branchDepth++;
        }

        int slots = children.Count;
        for (int slot = 0; slot < BranchNode.Width; slot++)
        {
            children.Add(NoChild);
        }

        height = 0;
        int start = first;
        while (start < end)
        {
            int nibble = KeyNibble(ItemOfLeaf(start), branchDepth);
            int stop = start + 1;
            while (stop < end && KeyNibble(ItemOfLeaf(stop), branchDepth) == nibble)
            {
                stop++;
            }

            children[slots + nibble] = Build(start, stop, branchDepth + 1, inner, children, out int childHeight);
            height = Math.Max(height, childHeight + 1);
            start = stop;
        }

        inner.Add(new InnerNode { Children = slots, Height = height });
        int branch = ~(inner.Count - 1);
        if (branchDepth == depth)
        {
            return branch;
        }

        height++;
        inner.Add(new InnerNode { Children = -1, Child = branch, PathItem = firstItem, PathStart = (byte)depth, PathEnd = (byte)branchDepth, Height = height });
        return ~(inner.Count - 1);
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

    /// <summary>The nibble at <paramref name="position"/> of rlp(<paramref name="item"/>), or 16 past its end.</summary>
    private static int KeyNibble(int item, int position)
    {
        int keyByte = position >> 1;
        int length = KeyLength(item);
        if (keyByte >= length)
        {
            return 16;
        }

        int value = keyByte == 0 ? FirstKeyByte(item) : (item >> (8 * (length - 1 - keyByte))) & 0xff;
        return (position & 1) == 0 ? value >> 4 : value & 0xf;
    }

    /// <summary>The bytes of rlp(<paramref name="item"/>): one below 128, else a length byte and the big-endian bytes.</summary>
    private static int KeyLength(int item) => item < 128 ? 1 : 1 + Rlp.ByteLength((ulong)item);

    private static int FirstKeyByte(int item) => item == 0 ? 0x80 : item < 128 ? item : 0x80 + KeyLength(item) - 1;

    /// <summary>Writes rlp(<paramref name="item"/>)'s nibbles from <paramref name="from"/> on: the count written.</summary>
    private static int KeyNibbles(int item, int from, Span<byte> destination)
    {
        int end = 2 * KeyLength(item);
        for (int position = from; position < end; position++)
        {
            destination[position - from] = (byte)KeyNibble(item, position);
        }

        return end - from;
    }

    /// <summary>A leaf's encoding, [hex-prefix(path), item]: its length, reading the item's length (and a one-byte item).</summary>
    private int LeafLength(int leaf)
    {
        int item = ItemOfLeaf(leaf);
        int pathLength = 2 * KeyLength(item) - _leafPathStart[leaf];
        return Rlp.LengthOfList(HexPrefixStringLength(pathLength) + ItemStringLength(item));
    }

    /// <summary>The RLP string of a path's hex prefix: one byte (below 0x80: its own encoding) or a short string.</summary>
    private static int HexPrefixStringLength(int pathLength)
    {
        int prefixed = Nibbles.HexPrefixLength(pathLength);
        return prefixed == 1 ? 1 : 1 + prefixed;
    }

    private int ItemStringLength(int item)
    {
        int length = _items.LengthOf(item);
        return length == 1 && OneByte(item) < 0x80 ? 1 : Rlp.HeaderLength(length) + length;
    }

    private byte OneByte(int item)
    {
        Span<byte> value = stackalloc byte[1];
        _items.Write(item, value);
        return value[0];
    }

    [SkipLocalsInit]
    private void WriteLeaf(int leaf, Span<byte> destination)
    {
        int item = ItemOfLeaf(leaf);
        Span<byte> path = stackalloc byte[MaxKeyNibbles];
        path = path[..KeyNibbles(item, _leafPathStart[leaf], path)];
        Span<byte> prefixed = stackalloc byte[Nibbles.HexPrefixLength(path.Length)];
        Nibbles.WriteHexPrefix(path, isLeaf: true, prefixed);
        int length = _items.LengthOf(item);
        int content = HexPrefixStringLength(path.Length) + ItemStringLength(item);
        var writer = new RlpWriter(destination);
        writer.WriteListHeader(content);
        writer.WriteBytes(prefixed);
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

    [SkipLocalsInit]
    private void WriteInner(in InnerNode node, Span<byte> destination)
    {
        var writer = new RlpWriter(destination);
        if (node.Children < 0)
        {
            Span<byte> path = stackalloc byte[MaxKeyNibbles];
            KeyNibbles(node.PathItem, node.PathStart, path);
            path = path[..(node.PathEnd - node.PathStart)];
            Span<byte> prefixed = stackalloc byte[Nibbles.HexPrefixLength(path.Length)];
            Nibbles.WriteHexPrefix(path, isLeaf: false, prefixed);
            writer.WriteListHeader(HexPrefixStringLength(path.Length) + ReferenceLength(node.Child));
            writer.WriteBytes(prefixed);
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

    [SkipLocalsInit]
    private void WriteReference(int node, ref RlpWriter writer)
    {
        int length = EncodingLength(node);
        if (length >= HashedLength)
        {
            writer.WriteHash(HashOf(node));
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

    private Hash256 HashOf(int node) => node >= 0 ? _leafHash[node] : _inner[~node].Hash;

    /// <summary>
    /// Hashes <paramref name="nodes"/> (leaves or ~nodes), their encodings (<paramref name="lengths"/>, <paramref name="bytes"/>
    /// in all) written side by side into a pooled buffer, and keeps each hash; a leaf's length is published after its hash.
    /// </summary>
    [SkipLocalsInit]
    private void HashBatch(ReadOnlySpan<int> nodes, ReadOnlySpan<int> lengths, int bytes)
    {
        if (nodes.IsEmpty)
        {
            return;
        }

        Span<Hash256> hashes = stackalloc Hash256[NodesPerBatch];
        hashes = hashes[..nodes.Length];
        byte[] buffer = ArrayPool<byte>.Shared.Rent(bytes);
        try
        {
            int offset = 0;
            for (int i = 0; i < nodes.Length; i++)
            {
                WriteEncoding(nodes[i], buffer.AsSpan(offset, lengths[i]));
                offset += lengths[i];
            }

            Keccak256Batch.Hash(buffer.AsSpan(0, bytes), lengths, hashes);
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
