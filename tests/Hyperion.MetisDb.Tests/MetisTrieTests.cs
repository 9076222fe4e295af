using System.Text;
using System.Text.Json;
using Hyperion.Core;
using Hyperion.Core.Crypto;

namespace Hyperion.MetisDb.Tests;

public class MetisTrieTests
{
    [Fact]
    public void Empty_trie_root_is_the_well_known_constant()
    {
        Assert.Equal(Keccak256.EmptyTrieRoot, MerkleNode.Build([], 0).RootHash());
    }

    [Fact]
    public void Secure_trie_fixtures_give_the_published_roots()
    {
        string path = Path.Combine(Fixtures.Root, "ethereum-tests", "TrieTests", "trieanyorder_secureTrie.json");
        using JsonDocument document = JsonDocument.Parse(File.ReadAllText(path));
        int checkedCases = 0;
        foreach (JsonProperty testCase in document.RootElement.EnumerateObject())
        {
            var leaves = new List<MerkleLeaf>();
            foreach (JsonProperty pair in testCase.Value.GetProperty("in").EnumerateObject())
            {
                byte[] key = Decode(pair.Name);
                byte[] value = Decode(pair.Value.GetString()!);
                leaves.Add(new MerkleLeaf(Keccak256.Hash(key).ToArray(), value));
            }

            leaves.Sort((a, b) => a.Key.AsSpan().SequenceCompareTo(b.Key));
            Hash256 expected = Hash256.Parse(testCase.Value.GetProperty("root").GetString()!);
            Assert.Equal(expected, MerkleNode.Build(leaves.ToArray(), 0).RootHash());
            checkedCases++;
        }

        Assert.True(checkedCases >= 5, $"only {checkedCases} cases");
    }

    [Theory]
    [InlineData(2, 1)]
    [InlineData(200, 1)]
    [InlineData(200, 40)]
    [InlineData(3000, 3)]
    public void Build_matches_the_patricia_trie_with_embedded_nodes_and_long_shared_paths(int count, int valueLength)
    {
        // Keys that share 29 bytes and small values make leaves and branches shorter than 32 bytes, which a parent
        // embeds instead of hashing; the long shared prefix makes an extension above the first branch.
        var random = new Random(count * 31 + valueLength);
        var entries = new SortedDictionary<Hash256, byte[]>();
        byte[] key = new byte[32];
        random.NextBytes(key);
        while (entries.Count < count)
        {
            random.NextBytes(key.AsSpan(29));
            byte[] value = new byte[valueLength];
            random.NextBytes(value);
            value[0] |= 1; // a leaf value is never empty
            entries[new Hash256(key)] = value;
        }

        var trie = new Hyperion.Trie.PatriciaTrie();
        var leaves = new List<MerkleLeaf>();
        foreach ((Hash256 leafKey, byte[] value) in entries)
        {
            trie.Set(leafKey.Bytes, value);
            leaves.Add(new MerkleLeaf(leafKey.ToArray(), value));
        }

        Assert.Equal(trie.RootHash, MerkleNode.Build(leaves.ToArray(), 0).RootHash());
    }

    [Fact]
    public void Leaf_buffer_is_reused_on_its_thread_unless_it_grew_huge()
    {
        MerkleLeafBuffer small = MerkleLeafBuffer.Rent();
        small.Add(new byte[32], [1]);
        MerkleLeafBuffer.Return(small);
        MerkleLeafBuffer reused = MerkleLeafBuffer.Rent();
        Assert.Same(small, reused);
        Assert.Equal(0, reused.Count);

        byte[] key = new byte[32];
        for (int i = 0; i < 20_000; i++)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(key, i);
            reused.Add(key, [1]);
        }

        Assert.Equal(19_999, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(reused.Key(19_999)));
        MerkleLeafBuffer.Return(reused);
        MerkleLeafBuffer next = MerkleLeafBuffer.Rent();
        Assert.NotSame(reused, next); // the grown one was dropped, not kept for the thread's lifetime
        MerkleLeafBuffer.Return(next);
    }

    private static byte[] Decode(string text) =>
        text.StartsWith("0x", StringComparison.Ordinal) ? Convert.FromHexString(text[2..]) : Encoding.UTF8.GetBytes(text);
}
