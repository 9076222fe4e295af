using Hyperion.Core;
using Hyperion.Core.Crypto;
using Hyperion.Core.Rlp;

namespace Hyperion.Trie;

/// <summary>Verification of Merkle proofs produced by <see cref="PatriciaTrie.GetProof"/> (or eth_getProof).</summary>
public static class TrieProof
{
    /// <summary>
    /// Walks <paramref name="proof"/> from <paramref name="root"/> along <paramref name="key"/>.
    /// Returns the proven value, or null if the proof shows the key is absent.
    /// Throws <see cref="TrieException"/> if the proof is incomplete, malformed or does not match the root.
    /// </summary>
    public static byte[]? Verify(in Hash256 root, ReadOnlySpan<byte> key, IEnumerable<byte[]> proof)
    {
        ArgumentNullException.ThrowIfNull(proof);
        if (root == Keccak256.EmptyTrieRoot)
        {
            return null;
        }

        var nodes = new Dictionary<Hash256, byte[]>();
        foreach (byte[] node in proof)
        {
            nodes[Keccak256.Hash(node)] = node;
        }

        byte[] path = Nibbles.FromBytes(key);
        int offset = 0;
        byte[] current = Lookup(nodes, root);
        try
        {
            while (true)
            {
                var reader = new RlpReader(current);
                RlpReader items = reader.EnterList();
                reader.EnsureEnd();
                int count = CountItems(items);
                ReadOnlySpan<byte> rest = path.AsSpan(offset);
                ReadOnlySpan<byte> next;
                if (count == 17)
                {
                    if (rest.IsEmpty)
                    {
                        for (int i = 0; i < 16; i++)
                        {
                            items.Skip();
                        }

                        ReadOnlySpan<byte> value = items.ReadBytes();
                        return value.IsEmpty ? null : value.ToArray();
                    }

                    for (int i = 0; i < rest[0]; i++)
                    {
                        items.Skip();
                    }

                    next = items.ReadRawItem();
                    offset++;
                }
                else if (count == 2)
                {
                    byte[] nodePath = Nibbles.ReadHexPrefix(items.ReadBytes(), out bool isLeaf);
                    if (isLeaf)
                    {
                        return rest.SequenceEqual(nodePath) ? items.ReadBytes().ToArray() : null;
                    }

                    if (!rest.StartsWith(nodePath))
                    {
                        return null;
                    }

                    offset += nodePath.Length;
                    next = items.ReadRawItem();
                }
                else
                {
                    throw new TrieException($"Trie node with {count} items (expected 2 or 17).");
                }

                if (next[0] >= 0xc0)
                {
                    current = next.ToArray(); // embedded node
                    continue;
                }

                ReadOnlySpan<byte> reference = new RlpReader(next).ReadBytes();
                if (reference.IsEmpty)
                {
                    return null;
                }

                if (reference.Length != Hash256.Size)
                {
                    throw new TrieException($"Child reference of {reference.Length} bytes (expected a 32-byte hash or an embedded node).");
                }

                current = Lookup(nodes, new Hash256(reference));
            }
        }
        catch (RlpException e)
        {
            throw new TrieException($"Malformed trie node in proof: {e.Message}", e);
        }
    }

    private static byte[] Lookup(Dictionary<Hash256, byte[]> nodes, in Hash256 hash) =>
        nodes.TryGetValue(hash, out byte[]? node)
            ? node
            : throw new TrieException($"Proof is missing the node with hash {hash}.");

    private static int CountItems(RlpReader items)
    {
        int count = 0;
        while (!items.IsEmpty)
        {
            items.Skip();
            count++;
        }

        return count;
    }
}
