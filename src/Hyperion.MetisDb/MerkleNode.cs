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
/// with a single child can absorb one more nibble; a branch is only needed by reference.
/// </summary>
internal sealed class MerkleNode
{
    public static readonly MerkleNode Empty = new(MerkleNodeKind.Empty, [], []);

    private MerkleNode(MerkleNodeKind kind, byte[] path, byte[] payload)
    {
        Kind = kind;
        Path = path;
        Payload = payload;
    }

    public MerkleNodeKind Kind { get; }

    /// <summary>Nibbles of a leaf or extension path.</summary>
    public byte[] Path { get; }

    /// <summary>Leaf: the value. Extension: the child reference. Branch: the branch reference.</summary>
    public byte[] Payload { get; }

    public static MerkleNode Leaf(byte[] path, byte[] value) => new(MerkleNodeKind.Leaf, path, value);

    public static MerkleNode Extension(byte[] path, byte[] childReference) => new(MerkleNodeKind.Extension, path, childReference);

    public static MerkleNode BranchReference(byte[] reference) => new(MerkleNodeKind.Branch, [], reference);

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
                return new MerkleNode(Kind, path, Payload);
            case MerkleNodeKind.Branch:
                return Extension([nibble], Payload);
            default:
                return this;
        }
    }

    /// <summary>Persisted form: kind, path length, path nibbles, payload.</summary>
    public byte[] Serialize()
    {
        var bytes = new byte[2 + Path.Length + Payload.Length];
        bytes[0] = (byte)Kind;
        bytes[1] = (byte)Path.Length;
        Path.CopyTo(bytes, 2);
        Payload.CopyTo(bytes, 2 + Path.Length);
        return bytes;
    }

    public static MerkleNode Deserialize(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 2 || bytes[0] > (byte)MerkleNodeKind.Branch || bytes.Length < 2 + bytes[1])
        {
            throw new InvalidDataException("MetisDB: corrupt persisted trie node.");
        }

        var kind = (MerkleNodeKind)bytes[0];
        byte[] path = bytes.Slice(2, bytes[1]).ToArray();
        byte[] payload = bytes[(2 + path.Length)..].ToArray();
        return kind == MerkleNodeKind.Empty ? Empty : new MerkleNode(kind, path, payload);
    }

    /// <summary>How a parent refers to this node: its RLP when shorter than 32 bytes, else its Keccak hash.</summary>
    /// <remarks>Memoized: a cached child is referenced again each time its parent branch is rehashed.</remarks>
    public byte[] Reference() => _reference ??= ComputeReference();

    private byte[]? _reference;

    private byte[] ComputeReference()
    {
        switch (Kind)
        {
            case MerkleNodeKind.Empty:
                return [Rlp.EmptyString];
            case MerkleNodeKind.Branch:
                return Payload;
            default:
                byte[] rlp = EncodeShortNode();
                return rlp.Length < 32 ? rlp : Keccak256.Hash(rlp).ToArray();
        }
    }

    /// <summary>The trie root hash when this node is the root (the root is always hashed).</summary>
    public Hash256 RootHash() => Kind switch
    {
        MerkleNodeKind.Empty => Keccak256.EmptyTrieRoot,
        MerkleNodeKind.Branch => Payload.Length == 32 ? new Hash256(Payload) : Keccak256.Hash(Payload),
        _ => Keccak256.Hash(EncodeShortNode()),
    };

    private byte[] EncodeShortNode()
    {
        Span<byte> compact = stackalloc byte[Hyperion.Trie.Nibbles.HexPrefixLength(Path.Length)];
        Hyperion.Trie.Nibbles.WriteHexPrefix(Path, Kind == MerkleNodeKind.Leaf, compact);
        // A leaf value is an RLP string; an extension child is a hash (string) or an embedded node (raw).
        bool embedded = Kind == MerkleNodeKind.Extension && Payload.Length < 32;
        int content = Rlp.LengthOfBytes(compact) + (embedded ? Payload.Length : Rlp.LengthOfBytes(Payload));
        var rlp = new byte[Rlp.LengthOfList(content)];
        var writer = new RlpWriter(rlp);
        writer.WriteListHeader(content);
        writer.WriteBytes(compact);
        if (embedded)
        {
            writer.WriteRaw(Payload);
        }
        else
        {
            writer.WriteBytes(Payload);
        }

        return rlp;
    }

    /// <summary>A branch over 16 child references (each already a hash, an embedded node, or the empty string).</summary>
    public static MerkleNode Branch(ReadOnlySpan<byte[]> childReferences)
    {
        int payloadLength = 1; // the empty value slot
        for (int i = 0; i < 16; i++)
        {
            byte[] child = childReferences[i];
            payloadLength += child.Length == 32 ? 33 : child.Length;
        }

        var rlp = new byte[Rlp.LengthOfList(payloadLength)];
        var writer = new RlpWriter(rlp);
        writer.WriteListHeader(payloadLength);
        for (int i = 0; i < 16; i++)
        {
            byte[] child = childReferences[i];
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
        return BranchReference(rlp.Length < 32 ? rlp : Keccak256.Hash(rlp).ToArray());
    }

    /// <summary>Builds the node rooting sorted <paramref name="leaves"/> whose first <paramref name="depth"/> nibbles are shared.</summary>
    public static MerkleNode Build(ReadOnlySpan<MerkleLeaf> leaves, int depth)
    {
        if (leaves.Length == 0)
        {
            return Empty;
        }

        if (leaves.Length == 1)
        {
            return Leaf(Nibbles(leaves[0].Key, depth, 64), leaves[0].Value);
        }

        byte[] first = leaves[0].Key;
        byte[] last = leaves[^1].Key;
        int common = depth;
        while (common < 64 && Nibble(first, common) == Nibble(last, common))
        {
            common++;
        }

        if (common == 64)
        {
            throw new InvalidOperationException("Duplicate key in trie leaves.");
        }

        byte[] branch = BuildBranch(leaves, common);
        return common == depth ? BranchReference(branch) : Extension(Nibbles(first, depth, common), branch);
    }

    private static byte[] BuildBranch(ReadOnlySpan<MerkleLeaf> leaves, int depth)
    {
        var children = new byte[16][];
        int start = 0;
        for (int nibble = 0; nibble < 16; nibble++)
        {
            int end = start;
            while (end < leaves.Length && Nibble(leaves[end].Key, depth) == nibble)
            {
                end++;
            }

            children[nibble] = Build(leaves[start..end], depth + 1).Reference();
            start = end;
        }

        return Branch(children).Payload;
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
