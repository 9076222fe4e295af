using System.Buffers;
using Hyperion.Core;
using Hyperion.Core.Crypto;
using Hyperion.Core.Rlp;

namespace Hyperion.MetisDb;

/// <summary>One leaf of a trie being hashed: a 32-byte hashed key and its RLP-ready value (non-empty).</summary>
internal readonly record struct MerkleLeaf(byte[] Key, byte[] Value);

internal enum MerkleNodeKind : byte
{
    Empty,
    Leaf,
    Extension,
    Branch,
}

/// <summary>
/// The node that roots the set of keys under some nibble prefix. Leaves and extensions keep their path so a parent
/// with a single child can absorb one more nibble; a branch is only needed by reference, which it holds inline (one
/// 56-byte object per recomputed branch instead of a node and an array, 104 bytes: issue 14, bytes per commit).
/// </summary>
internal abstract class MerkleNode
{
    public static readonly MerkleNode Empty = new ShortNode(MerkleNodeKind.Empty, [], []);

    private MerkleNode(MerkleNodeKind kind) => Kind = kind;

    public MerkleNodeKind Kind { get; }

    /// <summary>Nibbles of a leaf or extension path (empty for a branch).</summary>
    public abstract byte[] Path { get; }

    /// <summary>Leaf: the value. Extension: the child reference. Branch: the branch reference.</summary>
    public abstract ReadOnlySpan<byte> Payload { get; }

    /// <summary>How a parent refers to this node: its RLP when shorter than 32 bytes, else its Keccak hash.</summary>
    public abstract ReadOnlySpan<byte> Reference();

    public static MerkleNode Leaf(byte[] path, byte[] value) => new ShortNode(MerkleNodeKind.Leaf, path, value);

    public static MerkleNode Extension(byte[] path, byte[] childReference) => new ShortNode(MerkleNodeKind.Extension, path, childReference);

    public static MerkleNode BranchReference(ReadOnlySpan<byte> reference) => new BranchNode(reference);

    /// <summary>An empty node, a leaf or an extension.</summary>
    private sealed class ShortNode(MerkleNodeKind kind, byte[] path, byte[] payload) : MerkleNode(kind)
    {
        // Memoized: a cached child is referenced again each time its parent branch is rehashed.
        private byte[]? _reference;

        public override byte[] Path => path;

        public override ReadOnlySpan<byte> Payload => payload;

        public byte[] PayloadArray => payload;

        public override ReadOnlySpan<byte> Reference() => _reference ??= ComputeReference();

        private byte[] ComputeReference()
        {
            if (Kind == MerkleNodeKind.Empty)
            {
                return [Rlp.EmptyString];
            }

            // Encoded and hashed on the stack: only the reference itself is allocated.
            Span<byte> reference = stackalloc byte[32];
            return reference[..WriteShortNodeReference(path, payload, Kind == MerkleNodeKind.Leaf, reference)].ToArray();
        }
    }

    /// <summary>A branch, by its reference (a hash, or its RLP when shorter than 32 bytes), held inline.</summary>
    private sealed class BranchNode : MerkleNode
    {
        private readonly Bytes32 _reference;
        private readonly byte _length;

        public BranchNode(ReadOnlySpan<byte> reference) : base(MerkleNodeKind.Branch)
        {
            reference.CopyTo(_reference);
            _length = (byte)reference.Length;
        }

        public override byte[] Path => [];

        public override ReadOnlySpan<byte> Payload => ((ReadOnlySpan<byte>)_reference)[.._length];

        public override ReadOnlySpan<byte> Reference() => Payload;
    }

    [System.Runtime.CompilerServices.InlineArray(32)]
    private struct Bytes32
    {
        private byte _first;
    }

    /// <summary>Whether this is the leaf of <paramref name="key"/> seen from nibble <paramref name="depth"/> (its path is the key's nibbles from there).</summary>
    public bool IsLeafOf(ReadOnlySpan<byte> key, int depth)
    {
        if (Kind != MerkleNodeKind.Leaf || Path.Length != 2 * key.Length - depth)
        {
            return false;
        }

        for (int i = 0; i < Path.Length; i++)
        {
            if (Path[i] != Nibble(key, depth + i))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>This node seen from one level up through a parent nibble (the parent had only this child).</summary>
    public MerkleNode Prepend(byte nibble)
    {
        switch (Kind)
        {
            case MerkleNodeKind.Leaf:
            case MerkleNodeKind.Extension:
                var path = new byte[Path.Length + 1];
                path[0] = nibble;
                Path.CopyTo(path, 1);
                return new ShortNode(Kind, path, ((ShortNode)this).PayloadArray);
            case MerkleNodeKind.Branch:
                return Extension([nibble], Payload.ToArray());
            default:
                return this;
        }
    }

    /// <summary>The length of the persisted form.</summary>
    public int SerializedLength => 2 + Path.Length + Payload.Length;

    /// <summary>Persisted form: kind, path length, path nibbles, payload. Returns the length written.</summary>
    public int Serialize(Span<byte> destination)
    {
        destination[0] = (byte)Kind;
        destination[1] = (byte)Path.Length;
        Path.CopyTo(destination[2..]);
        Payload.CopyTo(destination[(2 + Path.Length)..]);
        return 2 + Path.Length + Payload.Length;
    }

    public static MerkleNode Deserialize(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 2 || bytes[0] > (byte)MerkleNodeKind.Branch || bytes.Length < 2 + bytes[1])
        {
            throw new InvalidDataException("MetisDB: corrupt persisted trie node.");
        }

        var kind = (MerkleNodeKind)bytes[0];
        ReadOnlySpan<byte> payload = bytes[(2 + bytes[1])..];
        return kind switch
        {
            MerkleNodeKind.Empty => Empty,
            MerkleNodeKind.Branch when bytes[1] == 0 && payload.Length <= 32 => BranchReference(payload),
            MerkleNodeKind.Branch => throw new InvalidDataException("MetisDB: corrupt persisted trie node."),
            _ => new ShortNode(kind, bytes.Slice(2, bytes[1]).ToArray(), payload.ToArray()),
        };
    }

    /// <summary>The trie root hash when this node is the root (the root is always hashed).</summary>
    public Hash256 RootHash()
    {
        switch (Kind)
        {
            case MerkleNodeKind.Empty:
                return Keccak256.EmptyTrieRoot;
            case MerkleNodeKind.Branch:
                return Payload.Length == 32 ? new Hash256(Payload) : Keccak256.Hash(Payload);
            default:
                bool isLeaf = Kind == MerkleNodeKind.Leaf;
                byte[] rlp = new byte[ShortNodeLength(Path.Length, isLeaf, Payload)];
                WriteShortNode(Path, isLeaf, Payload, rlp);
                return Keccak256.Hash(rlp);
        }
    }

    private static int ShortNodeLength(int pathNibbles, bool isLeaf, ReadOnlySpan<byte> payload)
    {
        int compact = Hyperion.Trie.Nibbles.HexPrefixLength(pathNibbles);
        int content = (compact == 1 ? 1 : 1 + compact) + (!isLeaf && payload.Length < 32 ? payload.Length : Rlp.LengthOfBytes(payload));
        return Rlp.LengthOfList(content);
    }

    /// <summary>
    /// RLP of a leaf or extension over <paramref name="path"/> (nibbles). A leaf value is an RLP string; an extension
    /// child is a hash (string) or an embedded node (raw).
    /// </summary>
    private static void WriteShortNode(ReadOnlySpan<byte> path, bool isLeaf, ReadOnlySpan<byte> payload, Span<byte> destination)
    {
        Span<byte> compact = stackalloc byte[Hyperion.Trie.Nibbles.HexPrefixLength(path.Length)];
        Hyperion.Trie.Nibbles.WriteHexPrefix(path, isLeaf, compact);
        bool embedded = !isLeaf && payload.Length < 32;
        var writer = new RlpWriter(destination);
        writer.WriteListHeader(Rlp.LengthOfBytes(compact) + (embedded ? payload.Length : Rlp.LengthOfBytes(payload)));
        writer.WriteBytes(compact);
        if (embedded)
        {
            writer.WriteRaw(payload);
        }
        else
        {
            writer.WriteBytes(payload);
        }
    }

    /// <summary>A branch over 16 children (each referenced by hash, as an embedded node, or as the empty string).</summary>
    public static MerkleNode Branch(ReadOnlySpan<MerkleNode> children)
    {
        int payloadLength = 1; // the empty value slot
        for (int i = 0; i < 16; i++)
        {
            int length = children[i].Reference().Length;
            payloadLength += length == 32 ? 33 : length;
        }

        Span<byte> rlp = stackalloc byte[MaxBranchLength];
        var writer = new RlpWriter(rlp);
        writer.WriteListHeader(payloadLength);
        for (int i = 0; i < 16; i++)
        {
            ReadOnlySpan<byte> child = children[i].Reference();
            if (child.Length == 32)
            {
                writer.WriteBytes(child);
            }
            else
            {
                writer.WriteRaw(child);
            }
        }

        writer.WriteRaw([Rlp.EmptyString]);
        Span<byte> reference = stackalloc byte[32];
        return BranchReference(reference[..Finish(rlp[..writer.Position], reference)]);
    }

    /// <summary>Builds the node rooting sorted <paramref name="leaves"/> whose first <paramref name="depth"/> nibbles are shared.</summary>
    public static MerkleNode Build(ReadOnlySpan<MerkleLeaf> leaves, int depth)
    {
        MerkleLeafBuffer buffer = MerkleLeafBuffer.Rent();
        try
        {
            foreach (MerkleLeaf leaf in leaves)
            {
                buffer.Add(leaf.Key, leaf.Value);
            }

            return Build(buffer, depth);
        }
        finally
        {
            MerkleLeafBuffer.Return(buffer);
        }
    }

    /// <summary>
    /// As above, over a leaf buffer. Only the returned node is allocated: every node below it is encoded and hashed in
    /// stack buffers, so rehashing a subtree costs no garbage per leaf. With <paramref name="capture"/> (made by
    /// <see cref="MerkleLeafReferences.For"/> from these leaves, at least two) each leaf node's hash and depth are kept
    /// for <see cref="Build(MerkleLeafReferences, int)"/>.
    /// </summary>
    public static MerkleNode Build(MerkleLeafBuffer leaves, int depth, MerkleLeafReferences? capture = null)
    {
        if (leaves.Count == 0)
        {
            return Empty;
        }

        if (leaves.Count == 1)
        {
            return Leaf(Nibbles(leaves.Key(0), depth, 64), leaves.Value(0).ToArray());
        }

        return BuildBranch(new BufferLeaves(leaves, capture), depth);
    }

    /// <summary>
    /// The node rooting a subtree (at least two leaves) from its kept leaf hashes: only the branches and extensions
    /// above the leaves are encoded and hashed.
    /// </summary>
    public static MerkleNode Build(MerkleLeafReferences leaves, int depth) => BuildBranch(new KeptLeaves(leaves), depth);

    /// <summary>The hash of the leaf node over <paramref name="key"/>'s nibbles from <paramref name="depth"/> holding <paramref name="value"/> (longer than 32 bytes as RLP).</summary>
    public static void WriteLeafHash(ReadOnlySpan<byte> key, int depth, ReadOnlySpan<byte> value, Span<byte> destination)
    {
        if (WriteShortNodeReference(key, depth, 64, value, isLeaf: true, destination) != 32)
        {
            throw new InvalidOperationException("MetisDB: an embedded leaf node cannot be kept by hash.");
        }
    }

    private static MerkleNode BuildBranch<TLeaves>(TLeaves leaves, int depth)
        where TLeaves : struct, ILeafSource
    {
        int common = CommonNibbles(leaves, 0, leaves.Count, depth);
        MerkleLeafReferences? kept = leaves.Kept;
        kept?.PrepareGroups(common);
        Span<byte> branch = stackalloc byte[32];
        int length = WriteBranchReference(leaves, 0, leaves.Count, common, branch, kept);
        kept?.ClearStaleGroups();
        return common == depth ? BranchReference(branch[..length]) : Extension(Nibbles(leaves.Key(0), depth, common), branch[..length].ToArray());
    }

    /// <summary>Sorted leaves as the subtree recursion sees them: keys, and the reference of one leaf's node at a depth.</summary>
    private interface ILeafSource
    {
        int Count { get; }

        ReadOnlySpan<byte> Key(int index);

        int WriteLeafReference(int index, int depth, Span<byte> destination);

        /// <summary>The kept leaf hashes (and group references) this build reads or fills, if any.</summary>
        MerkleLeafReferences? Kept { get; }
    }

    /// <summary>Leaves with their values: each leaf node is encoded and hashed (and its hash kept in <c>capture</c>, when given).</summary>
    private readonly struct BufferLeaves(MerkleLeafBuffer leaves, MerkleLeafReferences? capture) : ILeafSource
    {
        public int Count => leaves.Count;

        public ReadOnlySpan<byte> Key(int index) => leaves.Key(index);

        public MerkleLeafReferences? Kept => capture;

        public int WriteLeafReference(int index, int depth, Span<byte> destination)
        {
            if (capture is null)
            {
                return WriteShortNodeReference(leaves.Key(index), depth, 64, leaves.Value(index), isLeaf: true, destination);
            }

            WriteLeafHash(leaves.Key(index), depth, leaves.Value(index), destination);
            destination[..32].CopyTo(capture.Hashes.AsSpan(32 * index));
            capture.Depths[index] = (byte)depth;
            return 32;
        }
    }

    /// <summary>Leaves by their kept hashes (the key set, hence every leaf's depth, is the one they were captured for).</summary>
    private readonly struct KeptLeaves(MerkleLeafReferences leaves) : ILeafSource
    {
        public int Count => leaves.Count;

        public ReadOnlySpan<byte> Key(int index) => leaves.Key(index);

        public MerkleLeafReferences? Kept => leaves;

        public int WriteLeafReference(int index, int depth, Span<byte> destination)
        {
            if (leaves.Depths[index] != depth)
            {
                throw new InvalidOperationException("MetisDB: a kept leaf hash belongs to another depth.");
            }

            leaves.Hashes.AsSpan(32 * index, 32).CopyTo(destination);
            return 32;
        }
    }

    /// <summary>How many leading nibbles the keys of leaves [start, end) (at least two, sorted) share; at least <paramref name="depth"/>.</summary>
    private static int CommonNibbles<TLeaves>(TLeaves leaves, int start, int end, int depth)
        where TLeaves : struct, ILeafSource
    {
        ReadOnlySpan<byte> first = leaves.Key(start);
        ReadOnlySpan<byte> last = leaves.Key(end - 1);
        int common = depth;
        while (common < 64 && Nibble(first, common) == Nibble(last, common))
        {
            common++;
        }

        return common < 64 ? common : throw new InvalidOperationException("Duplicate key in trie leaves.");
    }

    /// <summary>Writes the reference of the node rooting leaves [start, end) below nibble <paramref name="depth"/>; returns its length (at most 32).</summary>
    private static int WriteReference<TLeaves>(TLeaves leaves, int start, int end, int depth, Span<byte> destination)
        where TLeaves : struct, ILeafSource
    {
        if (end - start == 1)
        {
            return leaves.WriteLeafReference(start, depth, destination);
        }

        int common = CommonNibbles(leaves, start, end, depth);
        if (common == depth)
        {
            return WriteBranchReference(leaves, start, end, depth, destination);
        }

        Span<byte> branch = stackalloc byte[32];
        int length = WriteBranchReference(leaves, start, end, common, branch);
        return WriteShortNodeReference(leaves.Key(start), depth, common, branch[..length], isLeaf: false, destination);
    }

    /// <summary>Header room, 16 children of at most 33 bytes, and the empty value slot.</summary>
    private const int MaxBranchLength = 3 + 16 * 33 + 1;

    /// <summary>
    /// With <paramref name="kept"/> (a subtree's top branch, its groups prepared at <paramref name="depth"/>): a child of
    /// two or more leaves whose group is not stale is copied from its slot, a stale one is hashed into it.
    /// </summary>
    private static int WriteBranchReference<TLeaves>(TLeaves leaves, int start, int end, int depth, Span<byte> destination, MerkleLeafReferences? kept = null)
        where TLeaves : struct, ILeafSource
    {
        // The content is written after room for the longest header, which is then put right in front of it.
        Span<byte> rlp = stackalloc byte[MaxBranchLength];
        int position = 3;
        for (int nibble = 0, next = start; nibble < 16; nibble++)
        {
            int from = next;
            while (next < end && Nibble(leaves.Key(next), depth) == nibble)
            {
                next++;
            }

            if (next == from)
            {
                rlp[position++] = Rlp.EmptyString;
                continue;
            }

            // A hash is written as a 32-byte string; an embedded node (shorter) as it is.
            int length;
            if (kept is not null && next - from >= 2)
            {
                Span<byte> slot = kept.GroupSlot(nibble);
                if (kept.IsGroupStale(nibble))
                {
                    slot[0] = (byte)WriteReference(leaves, from, next, depth + 1, slot[1..]);
                }

                length = slot[0];
                slot.Slice(1, length).CopyTo(rlp[(position + 1)..]);
            }
            else
            {
                length = WriteReference(leaves, from, next, depth + 1, rlp[(position + 1)..]);
            }
            if (length == 32)
            {
                rlp[position++] = Rlp.EmptyString + 32;
            }
            else
            {
                rlp[(position + 1)..(position + 1 + length)].CopyTo(rlp[position..]);
            }

            position += length;
        }

        rlp[position++] = Rlp.EmptyString;
        int content = position - 3;
        int header = Rlp.HeaderLength(content);
        var writer = new RlpWriter(rlp[(3 - header)..]);
        writer.WriteListHeader(content);
        return Finish(rlp[(3 - header)..position], destination);
    }

    /// <summary>A leaf (value: an RLP string) or extension (child: a hash, or an embedded node) over key nibbles [from, to).</summary>
    private static int WriteShortNodeReference(ReadOnlySpan<byte> key, int from, int to, ReadOnlySpan<byte> payload, bool isLeaf, Span<byte> destination)
    {
        Span<byte> path = stackalloc byte[64];
        for (int i = from; i < to; i++)
        {
            path[i - from] = (byte)Nibble(key, i);
        }

        return WriteShortNodeReference(path[..(to - from)], payload, isLeaf, destination);
    }

    /// <summary>As above over <paramref name="path"/> (nibbles).</summary>
    private static int WriteShortNodeReference(ReadOnlySpan<byte> path, ReadOnlySpan<byte> payload, bool isLeaf, Span<byte> destination)
    {
        int length = ShortNodeLength(path.Length, isLeaf, payload);
        byte[]? rented = length > 256 ? ArrayPool<byte>.Shared.Rent(length) : null;
        Span<byte> rlp = rented is null ? stackalloc byte[256] : rented;
        WriteShortNode(path, isLeaf, payload, rlp);
        int written = Finish(rlp[..length], destination);
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }

        return written;
    }

    /// <summary>A node's reference from its RLP: the RLP itself when shorter than 32 bytes, else its Keccak hash.</summary>
    private static int Finish(ReadOnlySpan<byte> rlp, Span<byte> destination)
    {
        if (rlp.Length < 32)
        {
            rlp.CopyTo(destination);
            return rlp.Length;
        }

        Keccak256.Hash(rlp, destination);
        return 32;
    }

    public static int Nibble(ReadOnlySpan<byte> key, int index) => (index & 1) == 0 ? key[index >> 1] >> 4 : key[index >> 1] & 0x0f;

    public static byte[] Nibbles(ReadOnlySpan<byte> key, int from, int to)
    {
        var nibbles = new byte[to - from];
        for (int i = from; i < to; i++)
        {
            nibbles[i - from] = (byte)Nibble(key, i);
        }

        return nibbles;
    }
}
