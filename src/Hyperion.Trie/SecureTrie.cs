using Hyperion.Core;
using Hyperion.Core.Crypto;

namespace Hyperion.Trie;

/// <summary>A trie keyed by keccak256(key), as used for the account and storage tries.</summary>
public sealed class SecureTrie
{
    private readonly PatriciaTrie _trie = new();

    public int Count => _trie.Count;

    public Hash256 RootHash => _trie.RootHash;

    public byte[]? Get(ReadOnlySpan<byte> key) => _trie.Get(HashKey(key));

    /// <summary>Stores <paramref name="value"/>; an empty value deletes the key.</summary>
    public void Set(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value) => _trie.Set(HashKey(key), value);

    public bool Delete(ReadOnlySpan<byte> key) => _trie.Delete(HashKey(key));

    public IReadOnlyList<byte[]> GetProof(ReadOnlySpan<byte> key) => _trie.GetProof(HashKey(key));

    /// <summary>Verifies a proof for the unhashed <paramref name="key"/>.</summary>
    public static byte[]? VerifyProof(in Hash256 root, ReadOnlySpan<byte> key, IEnumerable<byte[]> proof) =>
        TrieProof.Verify(root, HashKey(key), proof);

    private static ReadOnlySpan<byte> HashKey(ReadOnlySpan<byte> key) => Keccak256.Hash(key).ToArray();
}
