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

    private static byte[] Decode(string text) =>
        text.StartsWith("0x", StringComparison.Ordinal) ? Convert.FromHexString(text[2..]) : Encoding.UTF8.GetBytes(text);
}
