using System.Buffers;
using System.Runtime.CompilerServices;
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
                _hash = HashEncoding();
                Volatile.Write(ref _hashed, true);
            }

            return _hash;
        }
    }

    /// <summary>True once <see cref="Hash"/> is computed.</summary>
    public bool IsHashed => Volatile.Read(ref _hashed);

    /// <summary>True if the parent embeds this node's encoding instead of its hash (encodings under 32 bytes).</summary>
    public bool IsEmbedded => EncodedLength < 32;

    /// <summary>The length of <see cref="Encoded"/>.</summary>
    protected virtual int EncodedLength => Encoded.Length;

    /// <summary>The hash of <see cref="Encoded"/>.</summary>
    protected virtual Hash256 HashEncoding() => Keccak256.Hash(Encoded);

    /// <summary>The length of what a parent writes for this child (<see cref="WriteReference"/>).</summary>
    public int ReferenceLength => IsEmbedded ? EncodedLength : HashReferenceLength;

    /// <summary>
    /// Writes what a parent holds for this child: the raw encoding if embedded, else RLP of the 32-byte hash, written
    /// from the kept hash (an array of the 33 bytes per node was a twentieth of a token-transfer block's bytes).
    /// </summary>
    public void WriteReference(ref RlpWriter writer)
    {
        if (IsEmbedded)
        {
            writer.WriteRaw(Encoded);
        }
        else
        {
            writer.WriteHash(Hash);
        }
    }

    /// <summary>
    /// Hashes now every one of <paramref name="nodes"/> (null: none) that is neither hashed yet nor embedded by its
    /// parent, their encodings written side by side into a pooled buffer and hashed together (<see cref="Keccak256Batch"/>:
    /// several at once in vector lanes); a node two threads hash gets the same hash from both, published after it (see <see cref="Hash"/>).
    /// </summary>
    [SkipLocalsInit]
    public static void HashUnlessEmbedded(ReadOnlySpan<TrieNode?> nodes)
    {
        var batch = new EncodingBatch(stackalloc int[EncodingBatch.MaxCount], stackalloc int[EncodingBatch.MaxCount]);
        Span<Hash256> hashes = stackalloc Hash256[EncodingBatch.MaxCount];
        int start = 0;
        while (start < nodes.Length)
        {
            // The next nodes to hash, up to a batch's count or bytes.
            batch.Clear();
            for (; start < nodes.Length; start++)
            {
                TrieNode? node = nodes[start];
                if (node is null || node.IsHashed || node.IsEmbedded)
                {
                    continue;
                }

                if (!batch.TryAdd(start, node.EncodedLength))
                {
                    break;
                }
            }

            int count = batch.Count;
            if (count == 0)
            {
                return;
            }

            ReadOnlySpan<int> members = batch.Members;
            ReadOnlySpan<int> lengths = batch.Lengths;
            byte[] buffer = ArrayPool<byte>.Shared.Rent(batch.Bytes);
            try
            {
                int offset = 0;
                for (int i = 0; i < count; i++)
                {
                    nodes[members[i]]!.WriteEncoding(buffer.AsSpan(offset, lengths[i]));
                    offset += lengths[i];
                }

                Keccak256Batch.Hash(buffer.AsSpan(0, batch.Bytes), lengths, hashes);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }

            for (int i = 0; i < count; i++)
            {
                TrieNode node = nodes[members[i]]!;
                node._hash = hashes[i];
                Volatile.Write(ref node._hashed, true);
            }
        }
    }

    /// <summary>The RLP of a 32-byte hash: a parent's reference to a hashed child.</summary>
    protected const int HashReferenceLength = 1 + Hash256.Size;

    /// <summary>
    /// The hash of an encoding that is written (<see cref="WriteEncoding"/>, <see cref="EncodedLength"/> bytes) into a
    /// pooled buffer and not kept: for leaves whose encoding is only ever hashed.
    /// </summary>
    protected Hash256 HashOfUnkeptEncoding()
    {
        int length = EncodedLength;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            Span<byte> encoding = buffer.AsSpan(0, length);
            WriteEncoding(encoding);
            return Keccak256.Hash(encoding);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Writes the node's encoding (<see cref="EncodedLength"/> bytes); for nodes that use <see cref="HashOfUnkeptEncoding"/>.</summary>
    protected virtual void WriteEncoding(Span<byte> destination) => Encoded.CopyTo(destination);

    protected abstract byte[] Encode();

    /// <summary>
    /// Encodes a two-item node: the hex-prefixed path, then a leaf's value as an RLP string or an extension's child
    /// reference written raw. (The value is written straight into the node's encoding: encoding it apart first cost
    /// a copy of every receipt and transaction in a block's tries.)
    /// </summary>
    protected static byte[] EncodePathNode(ReadOnlySpan<byte> path, bool isLeaf, ReadOnlySpan<byte> valueOrReference)
    {
        var encoded = new byte[PathNodeLength(path, isLeaf, valueOrReference)];
        WritePathNode(path, isLeaf, valueOrReference, encoded);
        return encoded;
    }

    /// <summary>The length of <see cref="EncodePathNode"/>'s encoding.</summary>
    protected static int PathNodeLength(ReadOnlySpan<byte> path, bool isLeaf, ReadOnlySpan<byte> valueOrReference) =>
        Rlp.LengthOfList(PathNodeContentLength(path, isLeaf, valueOrReference));

    /// <summary>Writes <see cref="EncodePathNode"/>'s encoding to <paramref name="destination"/> (<see cref="PathNodeLength"/> bytes).</summary>
    protected static void WritePathNode(ReadOnlySpan<byte> path, bool isLeaf, ReadOnlySpan<byte> valueOrReference, Span<byte> destination)
    {
        Span<byte> prefixed = stackalloc byte[Nibbles.HexPrefixLength(path.Length)];
        Nibbles.WriteHexPrefix(path, isLeaf, prefixed);
        int content = PathNodeContentLength(path, isLeaf, valueOrReference);
        var writer = new RlpWriter(destination);
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
    }

    private static int PathNodeContentLength(ReadOnlySpan<byte> path, bool isLeaf, ReadOnlySpan<byte> valueOrReference)
    {
        int prefixed = Nibbles.HexPrefixLength(path.Length);
        // The hex prefix is one byte (an RLP string of itself when below 0x80) or a string of a few.
        int prefixLength = prefixed == 1 ? 1 : Rlp.HeaderLength(prefixed) + prefixed;
        return prefixLength + (isLeaf ? Rlp.LengthOfBytes(valueOrReference) : valueOrReference.Length);
    }
}

/// <summary>
/// A leaf, whose encoding is only ever hashed (and embedded by its parent when under 32 bytes): its hash is taken from
/// a pooled buffer and its encoding, a copy of the whole value, is not kept (in a block's transactions and receipts
/// tries it was a tenth of a token-transfer block's bytes; in the in-memory state's tries every changed account and
/// slot made one, alive until a later block replaced the leaf). <see cref="TrieNode.Encoded"/> still encodes it on demand.
/// </summary>
internal sealed class LeafNode(byte[] path, byte[] value) : TrieNode
{
    public byte[] Path { get; } = path;

    public byte[] Value { get; } = value;

    protected override byte[] Encode() => EncodePathNode(Path, isLeaf: true, Value);

    protected override int EncodedLength => PathNodeLength(Path, isLeaf: true, Value);

    protected override Hash256 HashEncoding() => HashOfUnkeptEncoding();

    protected override void WriteEncoding(Span<byte> destination) => WritePathNode(Path, isLeaf: true, Value, destination);
}

internal sealed class ExtensionNode(byte[] path, TrieNode child) : TrieNode
{
    public byte[] Path { get; } = path;

    public TrieNode Child { get; } = child;

    protected override byte[] Encode()
    {
        // An embedded child is shorter than a hash's reference, so either fits.
        Span<byte> reference = stackalloc byte[HashReferenceLength];
        var writer = new RlpWriter(reference);
        Child.WriteReference(ref writer);
        return EncodePathNode(Path, isLeaf: false, reference[..writer.Position]);
    }
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

    // The encoding's length, taken from the children's references: a branch's encoding (up to 532 bytes) is only
    // hashed on the root's path, so it is written into a pooled buffer and not kept (kept, it was the largest
    // allocation of a state root: every branch on a changed path, alive until the next block replaced it).
    private int _length = -1;

    protected override int EncodedLength
    {
        get
        {
            if (_length < 0)
            {
                _length = Rlp.LengthOfList(ContentLength());
            }

            return _length;
        }
    }

    protected override Hash256 HashEncoding() => HashOfUnkeptEncoding();

    protected override byte[] Encode()
    {
        var encoded = new byte[EncodedLength];
        WriteEncoding(encoded);
        return encoded;
    }

    protected override void WriteEncoding(Span<byte> destination)
    {
        ReadOnlySpan<byte> value = Value ?? [];
        var writer = new RlpWriter(destination);
        writer.WriteListHeader(ContentLength());
        foreach (TrieNode? child in Children)
        {
            if (child is null)
            {
                writer.WriteBytes([]);
            }
            else
            {
                child.WriteReference(ref writer);
            }
        }

        writer.WriteBytes(value);
    }

    private int ContentLength()
    {
        int content = Rlp.LengthOfBytes(Value ?? []);
        foreach (TrieNode? child in Children)
        {
            content += child?.ReferenceLength ?? 1;
        }

        return content;
    }
}
