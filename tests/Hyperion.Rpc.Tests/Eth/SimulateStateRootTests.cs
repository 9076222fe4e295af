using System.Text;
using System.Text.Json;
using Hyperion.Core;
using static Hyperion.Rpc.Tests.Eth.DevChain;

namespace Hyperion.Rpc.Tests.Eth;

/// <summary>
/// eth_simulateV1's blocks carry the real state root: the root of the same block when its transactions are actually
/// mined, on the in-memory state and on MetisDB, with state overrides standing in for the dev edits made before a block.
/// </summary>
public sealed class SimulateStateRootTests : IDisposable
{
    private static readonly Address Stranger = Address.Parse("0x1234567890123456789012345678901234567890");

    // Init code: SSTORE(1, 7), then deploys the 11-byte runtime 0x60005460005260206000f3 (returns slot 0).
    private const string InitCode = "0x6007600155" + "6a60005460005260206000f3" + "600052" + "600b6015f3";

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "hyperion-simroot-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Simulated_blocks_have_the_state_roots_of_the_same_blocks_mined(bool metis)
    {
        using var chain = new DevChain(dataDirectory: metis ? _directory : null);
        chain.Call("eth_sendTransaction", $$"""[{"from":"{{Alice}}","to":"{{Contract}}","data":"{{Word(5)}}"}]""");
        chain.Call("eth_sendTransaction", $$"""[{"from":"{{Alice}}","to":"{{Stranger}}","value":"0x64"}]""");
        chain.Call("eth_sendTransaction", $$"""[{"from":"{{Bob}}","data":"{{InitCode}}"}]""");
        chain.Call("evm_mine");
        const string balance = "0x123456";
        string slot = Word(3);
        chain.Call("anvil_setBalance", $"""["{Stranger}","{balance}"]""");
        chain.Call("anvil_setStorageAt", $"""["{Contract}","{slot}","{Word(0x77)}"]""");
        chain.Call("eth_sendTransaction", $$"""[{"from":"{{Alice}}","to":"{{Contract}}","data":"{{Word(9)}}"}]""");
        chain.Call("evm_mine");

        JsonElement first = chain.Call("eth_getBlockByNumber", """["0x1",true]""");
        JsonElement second = chain.Call("eth_getBlockByNumber", """["0x2",true]""");
        Assert.Equal(3, first.GetProperty("transactions").GetArrayLength());
        Assert.NotEqual(first.GetProperty("stateRoot").GetString(), second.GetProperty("stateRoot").GetString());
        string overrides = $$"""{"{{Stranger}}":{"balance":"{{balance}}"},"{{Contract}}":{"stateDiff":{"{{slot}}":"{{Word(0x77)}}" """ + "}}}";
        JsonElement simulated = chain.Call("eth_simulateV1", $$"""
            [{"blockStateCalls":[{{SameBlock(first, null)}},{{SameBlock(second, overrides)}}],"validation":true},"0x0"]
            """);

        Assert.Equal(2, simulated.GetArrayLength());
        Assert.All(simulated.EnumerateArray(), block => Assert.All(block.GetProperty("calls").EnumerateArray(), call => Assert.Equal("0x1", call.GetProperty("status").GetString())));
        Assert.Equal(first.GetProperty("stateRoot").GetString(), simulated[0].GetProperty("stateRoot").GetString());
        Assert.Equal(second.GetProperty("stateRoot").GetString(), simulated[1].GetProperty("stateRoot").GetString());
        Assert.Equal(second.GetProperty("stateRoot").GetString(), chain.Call("eth_getBlockByNumber", """["latest",false]""").GetProperty("stateRoot").GetString()); // nothing written
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_block_simulated_on_the_head_includes_the_dev_edits_made_since(bool metis)
    {
        using var chain = new DevChain(dataDirectory: metis ? _directory : null);
        chain.Call("anvil_setNonce", $"""["{Bob}","0x32"]""");
        chain.Call("anvil_setCode", $"""["{Stranger}","0x60005460005260206000f3"]""");
        string root = chain.Call("eth_simulateV1", """[{"blockStateCalls":[{}]},"latest"]""")[0].GetProperty("stateRoot").GetString()!;

        chain.Call("evm_mine");
        Assert.Equal(chain.Call("eth_getBlockByNumber", """["latest",false]""").GetProperty("stateRoot").GetString(), root);
        Assert.NotEqual(chain.Call("eth_getBlockByNumber", """["0x0",false]""").GetProperty("stateRoot").GetString(), root);
    }

    /// <summary>A simulated block with <paramref name="mined"/>'s header fields and transactions (as calls).</summary>
    private static string SameBlock(JsonElement mined, string? stateOverrides)
    {
        var calls = new StringBuilder();
        foreach (JsonElement tx in mined.GetProperty("transactions").EnumerateArray())
        {
            calls.Append(calls.Length == 0 ? "" : ",").Append('{');
            foreach (string field in new[] { "from", "to", "value", "gas", "maxFeePerGas", "maxPriorityFeePerGas", "nonce" })
            {
                if (tx.TryGetProperty(field, out JsonElement value) && value.ValueKind == JsonValueKind.String)
                {
                    calls.Append($"\"{field}\":\"{value.GetString()}\",");
                }
            }

            calls.Append($"\"data\":\"{tx.GetProperty("input").GetString()}\"}}");
        }

        string header = $$"""
            "blockOverrides":{"number":"{{Field(mined, "number")}}","time":"{{Field(mined, "timestamp")}}","gasLimit":"{{Field(mined, "gasLimit")}}",
              "feeRecipient":"{{Field(mined, "miner")}}","prevRandao":"{{Field(mined, "mixHash")}}","baseFeePerGas":"{{Field(mined, "baseFeePerGas")}}"}
            """;
        return "{" + header + (stateOverrides is null ? "" : ",\"stateOverrides\":" + stateOverrides) + ",\"calls\":[" + calls + "]}";
    }

    private static string Field(JsonElement block, string name) => block.GetProperty(name).GetString()!;
}
