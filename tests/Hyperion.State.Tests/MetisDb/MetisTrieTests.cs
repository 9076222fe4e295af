using System.Text;
using System.Text.Json;
using Hyperion.State.MetisDb;

namespace Hyperion.State.Tests.MetisDb;

public class MetisTrieTests
{
    [Theory]
    [InlineData("", "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470")]
    [InlineData("abc", "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45")]
    public void Keccak_matches_known_vectors(string input, string expected)
    {
        Assert.Equal(expected, Convert.ToHexStringLower(MetisKeccak.Hash(Encoding.ASCII.GetBytes(input))));
    }

    [Fact]
    public void Keccak_of_a_multi_block_input_matches_a_fixture_block_hash()
    {
        // A block hash is Keccak-256 of the header RLP (hundreds of bytes: several 136-byte blocks absorbed).
        string path = Path.Combine(Fixtures.Root, "ethereum-tests", "BlockchainTests", "InvalidBlocks", "bcUncleSpecialTests",
            "futureUncleTimestampDifficultyDrop2.json");
        using JsonDocument document = JsonDocument.Parse(File.ReadAllText(path));
        JsonElement test = document.RootElement.EnumerateObject().First().Value;
        byte[] block = Convert.FromHexString(test.GetProperty("genesisRLP").GetString()![2..]);
        // outer list header (0xf9 + 2 length bytes), then the header list with its own 3-byte prefix
        Assert.Equal(0xf9, block[0]);
        Assert.Equal(0xf9, block[3]);
        int headerLength = 3 + ((block[4] << 8) | block[5]);
        Assert.True(headerLength > 272);
        string expected = test.GetProperty("genesisBlockHeader").GetProperty("hash").GetString()![2..];
        Assert.Equal(expected, Convert.ToHexStringLower(MetisKeccak.Hash(block.AsSpan(3, headerLength))));
    }

    [Fact]
    public void Empty_trie_root_is_the_well_known_constant()
    {
        Assert.Equal(MetisAccount.EmptyStorageRoot, new Key32(MerkleNode.Build([], 0).RootHash()));
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
                leaves.Add(new MerkleLeaf(MetisKeccak.Hash(key), value));
            }

            leaves.Sort((a, b) => new Key32(a.Key).CompareTo(new Key32(b.Key)));
            string expected = testCase.Value.GetProperty("root").GetString()![2..];
            Assert.Equal(expected, Convert.ToHexStringLower(MerkleNode.Build(leaves.ToArray(), 0).RootHash()));
            checkedCases++;
        }

        Assert.True(checkedCases >= 5, $"only {checkedCases} cases");
    }

    private static byte[] Decode(string text) =>
        text.StartsWith("0x", StringComparison.Ordinal) ? Convert.FromHexString(text[2..]) : Encoding.UTF8.GetBytes(text);
}
