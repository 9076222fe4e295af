using System.Text.Json;
using Hyperion.Core.Rlp;
using Hyperion.Core.Transactions;
using Xunit.Abstractions;

namespace Hyperion.Core.Tests.Transactions;

/// <summary>
/// Every case of ethereum-tests/TransactionTests (all files, recursive), one theory case each, against the Cancun
/// expectation on chain id 1: a valid case must decode, validate and recover to the expected hash and sender; an
/// invalid one must be rejected (any reason; the reason is logged). 61 cases (59 in ttWrongRLP, 2 in ttSignature)
/// carry no Cancun entry because the filler stopped at Shanghai or London; they run against their latest fork's
/// expectation and rules, so none is skipped.
/// </summary>
public class TransactionFixtureTests(ITestOutputHelper output)
{
    private const ulong MainnetChainId = 1;

    /// <summary>Forks newest first: the first with an entry in a case's "result" supplies the expectation.</summary>
    private static readonly string[] ForksNewestFirst = ["Cancun", "Shanghai", "Paris", "London", "Berlin"];

    private static readonly Lazy<SortedDictionary<string, JsonElement>> Cases = new(LoadCases);

    public static TheoryData<string> CaseNames()
    {
        var data = new TheoryData<string>();
        foreach (string name in Cases.Value.Keys)
        {
            data.Add(name);
        }

        return data;
    }

    [Fact]
    public void AllFixtureFilesAreLoaded() =>
        Assert.True(Cases.Value.Count >= 210, $"only {Cases.Value.Count} transaction cases found under {Fixtures.Root}");

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Case(string name)
    {
        JsonElement test = Cases.Value[name];
        JsonElement results = test.GetProperty("result");
        string fork = ForksNewestFirst.First(f => results.TryGetProperty(f, out _));
        JsonElement expected = results.GetProperty(fork);
        TransactionRules rules = RulesFor(fork);

        (Transaction? transaction, Address sender, string? rejection) = Process(test.GetProperty("txbytes").GetString()!, rules);

        if (expected.TryGetProperty("exception", out JsonElement exception))
        {
            output.WriteLine($"{fork}: expected {exception.GetString()}; rejected: {rejection ?? "(accepted)"}");
            Assert.True(rejection is not null, $"expected {exception.GetString()} but the transaction was accepted");
            return;
        }

        Assert.True(rejection is null, $"expected a valid transaction but it was rejected: {rejection}");
        Assert.Equal(Hash256.Parse(expected.GetProperty("hash").GetString()!), transaction!.Hash);
        Assert.Equal(Address.Parse(expected.GetProperty("sender").GetString()!), sender);
        long intrinsic = Convert.ToInt64(expected.GetProperty("intrinsicGas").GetString(), 16);
        Assert.Equal(intrinsic, IntrinsicGas.Calculate(transaction, rules));
        Assert.Equal(transaction.Envelope.ToArray(), Hex.Decode(test.GetProperty("txbytes").GetString()!));
        Assert.Equal(transaction.Envelope.ToArray(), (transaction with { }).Envelope.ToArray());
        output.WriteLine($"{fork}: valid, hash {transaction.Hash}, sender {sender}");
    }

    /// <summary>Decode, validate, recover: the first failure is the rejection reason.</summary>
    private static (Transaction? Transaction, Address Sender, string? Rejection) Process(string txbytes, TransactionRules rules)
    {
        byte[] bytes;
        try
        {
            bytes = Hex.Decode(txbytes);
        }
        catch (FormatException e)
        {
            return (null, default, $"not hex: {e.Message}");
        }

        if (!Transaction.TryDecode(bytes, out Transaction? transaction, out string? decodeError))
        {
            return (null, default, $"decode: {decodeError}");
        }

        string? invalid = TransactionValidator.Validate(transaction!, rules);
        if (invalid is not null)
        {
            return (transaction, default, $"validation: {invalid}");
        }

        return transaction!.TryRecoverSender(out Address sender)
            ? (transaction, sender, null)
            : (transaction, default, "sender recovery failed");
    }

    private static TransactionRules RulesFor(string fork) => fork switch
    {
        "Cancun" => TransactionRules.Cancun(MainnetChainId),
        "Shanghai" => TransactionRules.Shanghai(MainnetChainId),
        "Paris" or "London" => TransactionRules.London(MainnetChainId),
        "Berlin" => TransactionRules.Berlin(MainnetChainId),
        _ => throw new InvalidOperationException($"no rules for fork {fork}"),
    };

    private static SortedDictionary<string, JsonElement> LoadCases()
    {
        string root = Fixtures.EthereumTests("TransactionTests");
        var cases = new SortedDictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (string file in Directory.EnumerateFiles(root, "*.json", SearchOption.AllDirectories))
        {
            using JsonDocument document = JsonDocument.Parse(File.ReadAllBytes(file));
            string relative = Path.GetRelativePath(root, file);
            foreach (JsonProperty test in document.RootElement.EnumerateObject())
            {
                cases.Add($"{relative}:{test.Name}", test.Value.Clone());
            }
        }

        return cases;
    }
}
