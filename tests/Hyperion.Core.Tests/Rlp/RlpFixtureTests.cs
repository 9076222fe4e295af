using System.Numerics;
using System.Text.Json;
using Hyperion.Core.Rlp;

namespace Hyperion.Core.Tests.Rlp;

/// <summary>Every case of ethereum-tests/RLPTests, one theory case per JSON entry.</summary>
public class RlpFixtureTests
{
    private static readonly Lazy<Dictionary<string, JsonElement>> Cases = new(LoadCases);

    public static TheoryData<string> CaseNames()
    {
        var data = new TheoryData<string>();
        foreach (string name in Cases.Value.Keys.Order(StringComparer.Ordinal))
        {
            data.Add(name);
        }

        return data;
    }

    [Fact]
    public void FixturesArePresent() => Assert.True(Cases.Value.Count >= 50, $"only {Cases.Value.Count} RLP cases found under {Fixtures.Root}");

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Case(string name)
    {
        JsonElement test = Cases.Value[name];
        byte[] encoded = Hex.Decode(test.GetProperty("out").GetString()!);
        JsonElement input = test.GetProperty("in");

        if (input.ValueKind == JsonValueKind.String && input.GetString() == "INVALID")
        {
            Assert.Throws<RlpException>(() => global::Hyperion.Core.Rlp.Rlp.Decode(encoded));
            return;
        }

        RlpItem decoded = global::Hyperion.Core.Rlp.Rlp.Decode(encoded);
        Assert.Equal(encoded, global::Hyperion.Core.Rlp.Rlp.Encode(decoded));
        if (input.ValueKind == JsonValueKind.String && input.GetString() == "VALID")
        {
            return;
        }

        RlpItem expected = ToItem(input);
        Assert.Equal(encoded, global::Hyperion.Core.Rlp.Rlp.Encode(expected));
        Assert.Equal(expected, decoded);
    }

    /// <summary>Fixture "in" values: strings are byte strings (one char per byte), numbers and "#n" big integers are minimal big-endian, arrays are lists.</summary>
    private static RlpItem ToItem(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Array => RlpItem.List([.. element.EnumerateArray().Select(ToItem)]),
        JsonValueKind.Number => BigIntegerItem(BigInteger.Parse(element.GetRawText())),
        JsonValueKind.String when element.GetString()!.StartsWith('#') => BigIntegerItem(BigInteger.Parse(element.GetString()![1..])),
        JsonValueKind.String => new RlpString(element.GetString()!.Select(c => checked((byte)c)).ToArray()),
        _ => throw new InvalidDataException($"unexpected fixture value {element}"),
    };

    private static RlpString BigIntegerItem(BigInteger value) =>
        new(value.IsZero ? [] : value.ToByteArray(isUnsigned: true, isBigEndian: true));

    private static Dictionary<string, JsonElement> LoadCases()
    {
        string dir = Fixtures.EthereumTests("RLPTests");
        var cases = new Dictionary<string, JsonElement>();
        foreach (string file in Directory.EnumerateFiles(dir, "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            string prefix = Path.GetRelativePath(dir, file);
            using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(file));
            foreach (JsonProperty property in doc.RootElement.EnumerateObject())
            {
                cases.Add($"{prefix}:{property.Name}", property.Value.Clone());
            }
        }

        return cases;
    }
}
