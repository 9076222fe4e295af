using System.Runtime.InteropServices;
using Hyperion.Core;
using Hyperion.Core.Crypto;

namespace Hyperion.Trie;

/// <summary>
/// In-memory Merkle Patricia Trie (Yellow Paper appendix D) over byte-string keys and values.
/// Setting an empty value deletes the key. Nodes are immutable and cache their encoding and hash,
/// so <see cref="RootHash"/> after a batch of updates rehashes only the changed paths.
/// </summary>
public sealed class PatriciaTrie
{
    private TrieNode? _root;

    /// <summary>Number of entries.</summary>
    public int Count { get; private set; }

    /// <summary>
    /// The root's hash. The nodes not hashed yet (a batch of updates' changed paths, or a trie just built) are hashed
    /// first depth by depth, deepest first, a depth's nodes together (<see cref="TrieNode.HashUnlessEmbedded(ReadOnlySpan{TrieNode})"/>:
    /// several per permutation in vector lanes) — a depth's nodes are each other's neither children nor parents. One at
    /// a time from the root down, a block's state tries (its changed slots' and accounts' leaves and the branches above
    /// them) were hashed a node per permutation (issue 14: a block's fixed cost).
    /// </summary>
    public Hash256 RootHash
    {
        get
        {
            if (_root is null)
            {
                return Keccak256.EmptyTrieRoot;
            }

            HashUnhashedNodesByDepth(_root);
            return _root.Hash;
        }
    }

    private static void HashUnhashedNodesByDepth(TrieNode root)
    {
        if (root.IsHashed)
        {
            return;
        }

        var byDepth = new List<List<TrieNode>>();
        CollectUnhashedNodes(root, 0, byDepth);
        for (int depth = byDepth.Count - 1; depth >= 0; depth--)
        {
            TrieNode.HashUnlessEmbedded(CollectionsMarshal.AsSpan(byDepth[depth]));
        }
    }

    /// <summary>Adds <paramref name="node"/> (not hashed) and its descendants not hashed to <paramref name="byDepth"/> (an embedded one too: hashing skips it).</summary>
    private static void CollectUnhashedNodes(TrieNode node, int depth, List<List<TrieNode>> byDepth)
    {
        switch (node)
        {
            case BranchNode branch:
                foreach (TrieNode? child in branch.Children)
                {
                    if (child is not null && !child.IsHashed)
                    {
                        CollectUnhashedNodes(child, depth + 1, byDepth);
                    }
                }

                break;
            case ExtensionNode extension when !extension.Child.IsHashed:
                CollectUnhashedNodes(extension.Child, depth + 1, byDepth);
                break;
        }

        while (byDepth.Count <= depth)
        {
            byDepth.Add([]);
        }

        byDepth[depth].Add(node);
    }

    /// <summary>
    /// Builds a trie in one pass: entries are sorted by key and every node is created exactly once
    /// (no path copying), which is much cheaper than repeated <see cref="Set"/> for bulk loads.
    /// A later duplicate key wins; empty values are skipped.
    /// </summary>
    public static PatriciaTrie FromEntries(IEnumerable<KeyValuePair<byte[], byte[]>> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var latest = new Dictionary<string, (byte[] Path, byte[] Value)>(StringComparer.Ordinal);
        foreach ((byte[] key, byte[] value) in entries)
        {
            latest[Convert.ToHexString(key)] = (Nibbles.FromBytes(key), value);
        }

        (byte[] Path, byte[] Value)[] sorted = [.. latest.Values.Where(e => e.Value.Length > 0)];
        Array.Sort(sorted, static (a, b) => a.Path.AsSpan().SequenceCompareTo(b.Path));
        return FromSortedDistinct(sorted);
    }

    /// <summary>A trie of entries already sorted by nibble path, with distinct paths and no empty value.</summary>
    internal static PatriciaTrie FromSortedDistinct(ReadOnlySpan<(byte[] Path, byte[] Value)> sorted) => new()
    {
        _root = sorted.Length == 0 ? null : BuildSorted(sorted, 0),
        Count = sorted.Length,
    };

    /// <summary>Builds the subtree for <paramref name="sorted"/> entries that all share their first <paramref name="depth"/> nibbles.</summary>
    private static TrieNode BuildSorted(ReadOnlySpan<(byte[] Path, byte[] Value)> sorted, int depth)
    {
        if (sorted.Length == 1)
        {
            return new LeafNode(sorted[0].Path[depth..], sorted[0].Value);
        }

        // Sorted order: the shared prefix of the whole range is the shared prefix of its first and last keys.
        int common = sorted[0].Path.AsSpan(depth).CommonPrefixLength(sorted[^1].Path.AsSpan(depth));
        int branchDepth = depth + common;
        byte[]? branchValue = null;
        int start = 0;
        if (sorted[0].Path.Length == branchDepth)
        {
            branchValue = sorted[0].Value; // the key that ends here sorts first
            start = 1;
        }

        var children = new TrieNode?[BranchNode.Width];
        while (start < sorted.Length)
        {
            byte nibble = sorted[start].Path[branchDepth];
            int end = start + 1;
            while (end < sorted.Length && sorted[end].Path[branchDepth] == nibble)
            {
                end++;
            }

            children[nibble] = BuildSorted(sorted[start..end], branchDepth + 1);
            start = end;
        }

        var branch = new BranchNode(children, branchValue);
        return common == 0 ? branch : new ExtensionNode(sorted[0].Path[depth..branchDepth], branch);
    }

    /// <summary>An independent trie with the same entries, in O(1): the nodes are immutable and shared; each trie path-copies on change.</summary>
    public PatriciaTrie Copy() => new() { _root = _root, Count = Count };

    /// <summary>The value stored under <paramref name="key"/>, or null if absent.</summary>
    public byte[]? Get(ReadOnlySpan<byte> key) => Walk(Nibbles.FromBytes(key), proof: null);

    /// <summary>Stores a copy of <paramref name="value"/> under <paramref name="key"/>; an empty value deletes the key.</summary>
    public void Set(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        if (value.IsEmpty)
        {
            Delete(key);
            return;
        }

        byte[] path = Nibbles.FromBytes(key);
        bool added = false;
        _root = Insert(_root, path, 0, value.ToArray(), ref added);
        if (added)
        {
            Count++;
        }
    }

    /// <summary>Removes <paramref name="key"/>; returns false if it was absent.</summary>
    public bool Delete(ReadOnlySpan<byte> key)
    {
        byte[] path = Nibbles.FromBytes(key);
        TrieNode? updated = Remove(_root, path, 0, out bool removed);
        if (removed)
        {
            _root = updated;
            Count--;
        }

        return removed;
    }

    /// <summary>
    /// The nodes on the path to <paramref name="key"/>, root first, in RLP, as eth_getProof returns them:
    /// every node referenced by hash (nodes embedded in their parent travel inside it). Proves absence too.
    /// </summary>
    public IReadOnlyList<byte[]> GetProof(ReadOnlySpan<byte> key)
    {
        var proof = new List<byte[]>();
        Walk(Nibbles.FromBytes(key), proof);
        return proof;
    }

    /// <summary>Follows <paramref name="path"/> from the root; optionally records the hash-referenced nodes passed.</summary>
    private byte[]? Walk(ReadOnlySpan<byte> path, List<byte[]>? proof)
    {
        TrieNode? node = _root;
        int offset = 0;
        while (node is not null)
        {
            if (proof is not null && (ReferenceEquals(node, _root) || !node.IsEmbedded))
            {
                proof.Add(node.Encoded);
            }

            ReadOnlySpan<byte> rest = path[offset..];
            switch (node)
            {
                case LeafNode leaf:
                    return rest.SequenceEqual(leaf.Path) ? leaf.Value : null;
                case ExtensionNode extension:
                    if (!rest.StartsWith(extension.Path))
                    {
                        return null;
                    }

                    offset += extension.Path.Length;
                    node = extension.Child;
                    break;
                case BranchNode branch:
                    if (rest.IsEmpty)
                    {
                        return branch.Value;
                    }

                    node = branch.Children[rest[0]];
                    offset++;
                    break;
            }
        }

        return null;
    }

    /// <summary>All entries in ascending key order.</summary>
    public IEnumerable<KeyValuePair<byte[], byte[]>> Entries()
    {
        if (_root is null)
        {
            yield break;
        }

        var stack = new Stack<(TrieNode Node, byte[] Prefix)>();
        stack.Push((_root, []));
        while (stack.Count > 0)
        {
            (TrieNode node, byte[] prefix) = stack.Pop();
            switch (node)
            {
                case LeafNode leaf:
                    yield return new(Nibbles.ToBytes(Nibbles.Concat(prefix, leaf.Path)), leaf.Value);
                    break;
                case ExtensionNode extension:
                    stack.Push((extension.Child, Nibbles.Concat(prefix, extension.Path)));
                    break;
                case BranchNode branch:
                    // Push children in reverse so nibble 0 is visited first; the branch's own value sorts before them.
                    for (int i = BranchNode.Width - 1; i >= 0; i--)
                    {
                        if (branch.Children[i] is { } child)
                        {
                            stack.Push((child, Nibbles.Concat(prefix, [(byte)i])));
                        }
                    }

                    if (branch.Value is not null)
                    {
                        yield return new(Nibbles.ToBytes(prefix), branch.Value);
                    }

                    break;
            }
        }
    }

    private static TrieNode Insert(TrieNode? node, byte[] path, int offset, byte[] value, ref bool added)
    {
        ReadOnlySpan<byte> rest = path.AsSpan(offset);
        switch (node)
        {
            case null:
                added = true;
                return new LeafNode(rest.ToArray(), value);

            case LeafNode leaf:
            {
                int common = Nibbles.CommonPrefixLength(leaf.Path, rest);
                if (common == leaf.Path.Length && common == rest.Length)
                {
                    return leaf.Value.AsSpan().SequenceEqual(value) ? leaf : new LeafNode(leaf.Path, value);
                }

                added = true;
                var children = new TrieNode?[BranchNode.Width];
                byte[]? branchValue = null;
                if (common == leaf.Path.Length)
                {
                    branchValue = leaf.Value;
                }
                else
                {
                    children[leaf.Path[common]] = new LeafNode(leaf.Path[(common + 1)..], leaf.Value);
                }

                return SplitAt(rest, common, value, children, branchValue);
            }

            case ExtensionNode extension:
            {
                int common = Nibbles.CommonPrefixLength(extension.Path, rest);
                if (common == extension.Path.Length)
                {
                    TrieNode child = Insert(extension.Child, path, offset + common, value, ref added);
                    return ReferenceEquals(child, extension.Child) ? extension : new ExtensionNode(extension.Path, child);
                }

                added = true;
                var children = new TrieNode?[BranchNode.Width];
                byte[] extensionRest = extension.Path[(common + 1)..];
                children[extension.Path[common]] = extensionRest.Length == 0
                    ? extension.Child
                    : new ExtensionNode(extensionRest, extension.Child);
                byte[]? branchValue = null;
                return SplitAt(rest, common, value, children, branchValue);
            }

            case BranchNode branch:
            {
                if (rest.IsEmpty)
                {
                    added = branch.Value is null;
                    return branch.Value is not null && branch.Value.AsSpan().SequenceEqual(value) ? branch : branch.WithValue(value);
                }

                TrieNode? existing = branch.Children[rest[0]];
                TrieNode child = Insert(existing, path, offset + 1, value, ref added);
                return ReferenceEquals(child, existing) ? branch : branch.WithChild(rest[0], child);
            }

            default:
                throw new InvalidOperationException($"Unknown trie node type {node.GetType().Name}.");
        }
    }

    private static TrieNode? Remove(TrieNode? node, byte[] path, int offset, out bool removed)
    {
        removed = false;
        ReadOnlySpan<byte> rest = path.AsSpan(offset);
        switch (node)
        {
            case null:
                return null;

            case LeafNode leaf:
                removed = rest.SequenceEqual(leaf.Path);
                return removed ? null : leaf;

            case ExtensionNode extension:
            {
                if (!rest.StartsWith(extension.Path))
                {
                    return extension;
                }

                TrieNode? child = Remove(extension.Child, path, offset + extension.Path.Length, out removed);
                if (!removed)
                {
                    return extension;
                }

                // A branch that lost an entry never disappears entirely (it held at least two), but it may
                // have collapsed into a leaf or extension whose path now joins ours.
                return child is null ? null : JoinPath(extension.Path, child);
            }

            case BranchNode branch:
            {
                BranchNode updated;
                if (rest.IsEmpty)
                {
                    if (branch.Value is null)
                    {
                        return branch;
                    }

                    removed = true;
                    updated = branch.WithValue(null);
                }
                else
                {
                    TrieNode? existing = branch.Children[rest[0]];
                    TrieNode? child = Remove(existing, path, offset + 1, out removed);
                    if (!removed)
                    {
                        return branch;
                    }

                    updated = branch.WithChild(rest[0], child);
                }

                return Collapse(updated);
            }

            default:
                throw new InvalidOperationException($"Unknown trie node type {node.GetType().Name}.");
        }
    }

    /// <summary>Restores canonical shape after a removal: a branch needs at least two of (children, value).</summary>
    private static TrieNode Collapse(BranchNode branch)
    {
        int children = branch.ChildCount;
        if (children == 0 && branch.Value is not null)
        {
            return new LeafNode([], branch.Value);
        }

        if (children == 1 && branch.Value is null)
        {
            int index = Array.FindIndex(branch.Children, c => c is not null);
            return JoinPath([(byte)index], branch.Children[index]!);
        }

        return branch;
    }

    /// <summary>Prepends <paramref name="prefix"/> to <paramref name="node"/>, merging with a leaf or extension path.</summary>
    private static TrieNode JoinPath(ReadOnlySpan<byte> prefix, TrieNode node) => node switch
    {
        LeafNode leaf => new LeafNode(Nibbles.Concat(prefix, leaf.Path), leaf.Value),
        ExtensionNode extension => new ExtensionNode(Nibbles.Concat(prefix, extension.Path), extension.Child),
        _ => new ExtensionNode(prefix.ToArray(), node),
    };

    /// <summary>
    /// Finishes a split where an existing node and the new key diverge after <paramref name="common"/> nibbles:
    /// places the new value in the branch (as its value or a new leaf) and puts the shared prefix above it.
    /// </summary>
    private static TrieNode SplitAt(ReadOnlySpan<byte> rest, int common, byte[] value, TrieNode?[] children, byte[]? branchValue)
    {
        if (common == rest.Length)
        {
            branchValue = value;
        }
        else
        {
            children[rest[common]] = new LeafNode(rest[(common + 1)..].ToArray(), value);
        }

        return WithPrefix(rest[..common], new BranchNode(children, branchValue));
    }

    private static TrieNode WithPrefix(ReadOnlySpan<byte> prefix, BranchNode branch) =>
        prefix.IsEmpty ? branch : new ExtensionNode(prefix.ToArray(), branch);
}
