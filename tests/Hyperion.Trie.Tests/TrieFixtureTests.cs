using System.Text;
using System.Text.Json;
using Hyperion.Core;
using Hyperion.Core.Tests;

namespace Hyperion.Trie.Tests;

/// <summary>Every case of ethereum-tests/TrieTests, one theory case per JSON entry.</summary>
public class TrieFixtureTests
{
    private static readonly string[] RootFiles =
    [
        "trietest.json", "trieanyorder.json", "trietest_secureTrie.json",
        "trieanyorder_secureTrie.json", "hex_encoded_securetrie_test.json",
    ];

    public static TheoryData<string, string> RootCases()
    {
        var data = new TheoryData<string, string>();
        foreach (string file in RootFiles)
        {
            foreach (JsonProperty test in Load(file).EnumerateObject())
            {
                data.Add(file, test.Name);
            }
        }

        return data;
    }

    public static TheoryData<string> NextPrevCases()
    {
        var data = new TheoryData<string>();
        foreach (JsonProperty test in Load("trietestnextprev.json").EnumerateObject())
        {
            data.Add(test.Name);
        }

        return data;
    }

    [Fact]
    public void AllFixtureFilesPresent()
    {
        Assert.Equal(25, RootCases().Count);
        Assert.NotEmpty(NextPrevCases());
    }

    [Theory]
    [MemberData(nameof(RootCases))]
    public void Root(string file, string name)
    {
        JsonElement test = Load(file).GetProperty(name);
        bool secure = file.Contains("secure", StringComparison.OrdinalIgnoreCase);
        var updates = new List<(byte[] Key, byte[] Value)>();
        JsonElement input = test.GetProperty("in");
        if (input.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement pair in input.EnumerateArray())
            {
                updates.Add((Bytes(pair[0]), Bytes(pair[1])));
            }
        }
        else
        {
            foreach (JsonProperty pair in input.EnumerateObject())
            {
                updates.Add((FromText(pair.Name), Bytes(pair.Value)));
            }
        }

        var plain = new PatriciaTrie();
        var hashed = new SecureTrie();
        foreach ((byte[] key, byte[] value) in updates)
        {
            if (secure)
            {
                hashed.Set(key, value);
            }
            else
            {
                plain.Set(key, value);
            }
        }

        Hash256 expected = Hash256.Parse(test.GetProperty("root").GetString()!);
        Assert.Equal(expected, secure ? hashed.RootHash : plain.RootHash);

        // Every final entry must be readable and provable against the root.
        var final = new Dictionary<string, byte[]>();
        foreach ((byte[] key, byte[] value) in updates)
        {
            final[Hex.Encode(key)] = value;
        }

        foreach ((string keyHex, byte[] value) in final)
        {
            byte[] key = Hex.Decode(keyHex);
            byte[]? expectedValue = value.Length == 0 ? null : value;
            if (secure)
            {
                Assert.Equal(expectedValue, hashed.Get(key));
                Assert.Equal(expectedValue, SecureTrie.VerifyProof(expected, key, hashed.GetProof(key)));
            }
            else
            {
                Assert.Equal(expectedValue, plain.Get(key));
                Assert.Equal(expectedValue, TrieProof.Verify(expected, key, plain.GetProof(key)));
            }
        }
    }

    /// <summary>trietestnextprev: for each probe key, the previous and next stored keys in order ("" = none).</summary>
    [Theory]
    [MemberData(nameof(NextPrevCases))]
    public void NextPrev(string name)
    {
        JsonElement test = Load("trietestnextprev.json").GetProperty(name);
        var trie = new PatriciaTrie();
        foreach (JsonElement key in test.GetProperty("in").EnumerateArray())
        {
            trie.Set(Bytes(key), Bytes(key));
        }

        List<byte[]> ordered = trie.Entries().Select(e => e.Key).ToList();
        foreach (JsonElement probe in test.GetProperty("tests").EnumerateArray())
        {
            byte[] key = Bytes(probe[0]);
            byte[]? previous = ordered.LastOrDefault(k => k.AsSpan().SequenceCompareTo(key) < 0);
            byte[]? next = ordered.FirstOrDefault(k => k.AsSpan().SequenceCompareTo(key) > 0);
            Assert.Equal(Bytes(probe[1]), previous ?? []);
            Assert.Equal(Bytes(probe[2]), next ?? []);
        }
    }

    private static byte[] Bytes(JsonElement element) =>
        element.ValueKind == JsonValueKind.Null ? [] : FromText(element.GetString()!);

    /// <summary>Fixture strings starting with 0x are hex; others are their UTF-8 bytes.</summary>
    private static byte[] FromText(string text) =>
        text.StartsWith("0x", StringComparison.Ordinal) ? Hex.Decode(text) : Encoding.UTF8.GetBytes(text);

    private static readonly Dictionary<string, JsonElement> Files = [];

    private static JsonElement Load(string file)
    {
        lock (Files)
        {
            if (!Files.TryGetValue(file, out JsonElement root))
            {
                using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(Fixtures.EthereumTests("TrieTests", file)));
                root = doc.RootElement.Clone();
                Files[file] = root;
            }

            return root;
        }
    }
}
