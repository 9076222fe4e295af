using Hyperion.Core;
using Hyperion.Core.Crypto;
using Hyperion.Core.Rlp;

namespace Hyperion.Trie;

/// <summary>
/// An immutable trie node. Updates build new nodes along the changed path and reuse untouched subtrees,
/// so each node's encoding and hash are computed at most once and only dirty paths are rehashed.
/// </summary>
internal abstract class TrieNode
{
    private byte[]? _encoded;
    private byte[]? _reference;
    private Hash256 _hash;
    private bool _hashed;

    /// <summary>The node's RLP encoding.</summary>
    public byte[] Encoded => _encoded ??= Encode();

    public Hash256 Hash
    {
        get
        {
            // Two threads may hash a node at once (a block's end finishes the leaves a helper claimed and has not
            // hashed): both write the same hash, and the flag is published after it.
            if (!Volatile.Read(ref _hashed))
            {
                _hash = Keccak256.Hash(Encoded);
                Volatile.Write(ref _hashed, true);
            }

            return _hash;
        }
    }

    /// <summary>True if the parent embeds this node's encoding instead of its hash (encodings under 32 bytes).</summary>
    public bool IsEmbedded => Encoded.Length < 32;

    /// <summary>What a parent writes for this child: the raw encoding if embedded, else RLP of the 32-byte hash.</summary>
    public byte[] Reference
    {
        get
        {
            if (_reference is null)
            {
                if (IsEmbedded)
                {
                    _reference = Encoded;
                }
                else
                {
                    Hash256 hash = Hash;
                    _reference = Rlp.EncodeBytes(hash.Bytes);
                }
            }

            return _reference;
        }
    }

    protected abstract byte[] Encode();

    /// <summary>
    /// Encodes a two-item node: the hex-prefixed path, then a leaf's value as an RLP string or an extension's child
    /// reference written raw. (The value is written straight into the node's encoding: encoding it apart first cost
    /// a copy of every receipt and transaction in a block's tries.)
    /// </summary>
    protected static byte[] EncodePathNode(byte[] path, bool isLeaf, ReadOnlySpan<byte> valueOrReference)
    {
        Span<byte> prefixed = stackalloc byte[Nibbles.HexPrefixLength(path.Length)];
        Nibbles.WriteHexPrefix(path, isLeaf, prefixed);
        int content = Rlp.LengthOfBytes(prefixed) + (isLeaf ? Rlp.LengthOfBytes(valueOrReference) : valueOrReference.Length);
        var encoded = new byte[Rlp.LengthOfList(content)];
        var writer = new RlpWriter(encoded);
        writer.WriteListHeader(content);
        writer.WriteBytes(prefixed);
        if (isLeaf)
        {
            writer.WriteBytes(valueOrReference);
        }
        else
        {
            writer.WriteRaw(valueOrReference);
        }

        return encoded;
    }
}

internal sealed class LeafNode(byte[] path, byte[] value) : TrieNode
{
    public byte[] Path { get; } = path;

    public byte[] Value { get; } = value;

    protected override byte[] Encode() => EncodePathNode(Path, isLeaf: true, Value);
}

internal sealed class ExtensionNode(byte[] path, TrieNode child) : TrieNode
{
    public byte[] Path { get; } = path;

    public TrieNode Child { get; } = child;

    protected override byte[] Encode() => EncodePathNode(Path, isLeaf: false, Child.Reference);
}

internal sealed class BranchNode : TrieNode
{
    public const int Width = 16;

    public BranchNode(TrieNode?[] children, byte[]? value)
    {
        Children = children;
        Value = value;
    }

    /// <summary>Sixteen slots; not mutated after construction (updates copy the array).</summary>
    public TrieNode?[] Children { get; }

    public byte[]? Value { get; }

    public int ChildCount
    {
        get
        {
            int count = 0;
            foreach (TrieNode? child in Children)
            {
                if (child is not null)
                {
                    count++;
                }
            }

            return count;
        }
    }

    public BranchNode WithChild(int index, TrieNode? child)
    {
        var children = (TrieNode?[])Children.Clone();
        children[index] = child;
        return new BranchNode(children, Value);
    }

    public BranchNode WithValue(byte[]? value) => new(Children, value);

    protected override byte[] Encode()
    {
        ReadOnlySpan<byte> value = Value ?? [];
        int content = Rlp.LengthOfBytes(value);
        foreach (TrieNode? child in Children)
        {
            content += child?.Reference.Length ?? 1;
        }

        var encoded = new byte[Rlp.LengthOfList(content)];
        var writer = new RlpWriter(encoded);
        writer.WriteListHeader(content);
        foreach (TrieNode? child in Children)
        {
            if (child is null)
            {
                writer.WriteBytes([]);
            }
            else
            {
                writer.WriteRaw(child.Reference);
            }
        }

        writer.WriteBytes(value);
        return encoded;
    }
}
