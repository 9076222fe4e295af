using System.Text.Json;
using Hyperion.Core;
using Hyperion.Rpc.Eth;
using static Hyperion.Rpc.Tests.Eth.DevChain;

namespace Hyperion.Rpc.Tests.Eth;

/// <summary>eth_simulateV1 as geth answers it (and viem's simulateBlocks/simulateCalls send it).</summary>
public sealed class SimulateTests : IDisposable
{
    private static readonly Address Stranger = Address.Parse("0x1234567890123456789012345678901234567890");
    private readonly DevChain _chain = new();

    public void Dispose() => _chain.Dispose();

    private JsonElement Simulate(string options, string block = "latest") => _chain.Call("eth_simulateV1", $"[{options},\"{block}\"]");

    [Fact]
    public void Calls_see_the_calls_before_them_across_blocks_and_nothing_is_kept()
    {
        JsonElement blocks = Simulate($$"""
            {"blockStateCalls":[
              {"calls":[{"from":"{{Alice}}","to":"{{Contract}}","data":"{{Word(5)}}"},{"from":"{{Alice}}","to":"{{Stranger}}","value":"0x64"}]},
              {"stateOverrides":{"{{Stranger}}":{"code":"0x60005460005260206000f3"} },"calls":[{"from":"{{Bob}}","to":"{{Contract}}","data":"{{Word(1)}}"}]},
              {"calls":[{"to":"{{Stranger}}"}]}
            ]}
            """);
        Assert.Equal(3, blocks.GetArrayLength());
        JsonElement first = blocks[0];
        Assert.Equal(1UL, Quantity(first.GetProperty("number")));
        Assert.Equal(Quantity(_chain.Call("eth_getBlockByNumber", """["latest",false]""").GetProperty("timestamp")) + 12, Quantity(first.GetProperty("timestamp")));
        Assert.Equal("0x0", first.GetProperty("baseFeePerGas").GetString()); // no validation: no base fee
        JsonElement store = first.GetProperty("calls")[0];
        Assert.Equal("0x1", store.GetProperty("status").GetString());
        JsonElement log = Assert.Single(store.GetProperty("logs").EnumerateArray());
        Assert.Equal(EventTopic.ToString(), log.GetProperty("topics")[0].GetString());
        Assert.Equal(first.GetProperty("hash").GetString(), log.GetProperty("blockHash").GetString());
        Assert.Equal(first.GetProperty("transactions")[0].GetString(), log.GetProperty("transactionHash").GetString());
        Assert.Equal(2, first.GetProperty("transactions").GetArrayLength());
        Assert.Equal(Quantity(first.GetProperty("gasUsed")),
            Quantity(store.GetProperty("gasUsed")) + Quantity(first.GetProperty("calls")[1].GetProperty("gasUsed")));

        JsonElement revert = blocks[1].GetProperty("calls")[0];
        Assert.Equal("0x0", revert.GetProperty("status").GetString());
        Assert.Equal(3, revert.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal("0xdeadbeef", revert.GetProperty("error").GetProperty("data").GetString());
        Assert.Equal(first.GetProperty("hash").GetString(), blocks[1].GetProperty("parentHash").GetString());

        // The override of block 2 stays for block 3; slot 0 of the stranger's code reads its own (empty) storage.
        Assert.Equal(Word(0), blocks[2].GetProperty("calls")[0].GetProperty("returnData").GetString());
        Assert.Equal(0UL, Quantity(_chain.Call("eth_blockNumber")));
        Assert.Equal("0x0", _chain.Call("eth_getBalance", $"""["{Stranger}","latest"]""").GetString());
    }

    [Fact]
    public void Later_blocks_read_the_balances_and_nonces_the_earlier_ones_left()
    {
        JsonElement blocks = Simulate($$"""
            {"blockStateCalls":[
              {"calls":[{"from":"{{Alice}}","to":"{{Stranger}}","value":"0x64"}]},
              {"calls":[{"from":"{{Stranger}}","to":"{{Bob}}","value":"0x64"},{"from":"{{Alice}}","to":"{{Alice}}","nonce":"0x0"}]}
            ],"returnFullTransactions":true}
            """);
        JsonElement second = blocks[1];
        Assert.Equal("0x1", second.GetProperty("calls")[0].GetProperty("status").GetString()); // spends what block 1 gave it
        JsonElement tx = second.GetProperty("transactions")[1];
        Assert.Equal(Alice.ToString(), tx.GetProperty("from").GetString());
        Assert.Equal(1UL, Quantity(tx.GetProperty("nonce"))); // without validation: the sender's nonce after block 1
        Assert.Equal(-38014, _chain.Error("eth_simulateV1", $$"""[{"blockStateCalls":[{"calls":[{"from":"{{Stranger}}","to":"{{Bob}}","value":"0x64"}]}]},"latest"]""").GetProperty("code").GetInt32());
    }

    [Fact]
    public void Block_overrides_set_the_header_and_number_gaps_are_filled_with_empty_blocks()
    {
        ulong head = Quantity(_chain.Call("eth_getBlockByNumber", """["latest",false]""").GetProperty("timestamp"));
        JsonElement blocks = Simulate($$"""
            {"blockStateCalls":[{"blockOverrides":{"number":"0x3","time":"{{EthJson.Quantity(head + 100)}}","gasLimit":"0x1000000","feeRecipient":"{{Stranger}}","baseFeePerGas":"0x7"},
              "calls":[{"from":"{{Alice}}","to":"{{Contract}}","data":"{{Word(5)}}","maxFeePerGas":"0x7"}]}],"validation":true}
            """);
        Assert.Equal(3, blocks.GetArrayLength());
        Assert.Empty(blocks[0].GetProperty("calls").EnumerateArray());
        Assert.Equal(head + 12, Quantity(blocks[0].GetProperty("timestamp")));
        Assert.Equal(head + 24, Quantity(blocks[1].GetProperty("timestamp")));
        JsonElement last = blocks[2];
        Assert.Equal(3UL, Quantity(last.GetProperty("number")));
        Assert.Equal(head + 100, Quantity(last.GetProperty("timestamp")));
        Assert.Equal(0x1000000UL, Quantity(last.GetProperty("gasLimit")));
        Assert.Equal(Stranger.ToString(), last.GetProperty("miner").GetString());
        Assert.Equal("0x7", last.GetProperty("baseFeePerGas").GetString());
        Assert.Equal("0x1", last.GetProperty("calls")[0].GetProperty("status").GetString());
    }

    [Fact]
    public void Trace_transfers_adds_transfer_logs_in_execution_order()
    {
        JsonElement call = Simulate($$"""{"blockStateCalls":[{"calls":[{"from":"{{Alice}}","to":"{{Stranger}}","value":"0x64"}]}],"traceTransfers":true}""")[0].GetProperty("calls")[0];
        JsonElement log = Assert.Single(call.GetProperty("logs").EnumerateArray());
        Assert.Equal(SimulateModule.TransferLogAddress.ToString(), log.GetProperty("address").GetString());
        Assert.Equal(SimulateModule.TransferTopic.ToString(), log.GetProperty("topics")[0].GetString());
        Assert.EndsWith(Alice.ToString()[2..], log.GetProperty("topics")[1].GetString(), StringComparison.Ordinal);
        Assert.EndsWith(Stranger.ToString()[2..], log.GetProperty("topics")[2].GetString(), StringComparison.Ordinal);
        Assert.Equal(Word(0x64), log.GetProperty("data").GetString());

        // A value call through the proxy: the transfer into the proxy, then the contract's own log.
        JsonElement proxied = Simulate($$"""{"blockStateCalls":[{"calls":[{"from":"{{Alice}}","to":"{{Proxy}}","value":"0x5","data":"{{Word(5)}}"}]}],"traceTransfers":true}""")[0].GetProperty("calls")[0];
        JsonElement[] logs = [.. proxied.GetProperty("logs").EnumerateArray()];
        Assert.Equal(2, logs.Length);
        Assert.Equal(SimulateModule.TransferLogAddress.ToString(), logs[0].GetProperty("address").GetString());
        Assert.Equal(Contract.ToString(), logs[1].GetProperty("address").GetString());
        Assert.Equal("0x1", logs[1].GetProperty("logIndex").GetString());
    }

    [Fact]
    public void With_validation_invalid_calls_fail_the_request_with_gets_codes()
    {
        Assert.Equal(-38014, _chain.Error("eth_simulateV1", $$"""[{"blockStateCalls":[{"calls":[{"from":"{{Stranger}}","to":"{{Alice}}","value":"0x1"}]}]},"latest"]""").GetProperty("code").GetInt32());
        Assert.Equal(-38011, _chain.Error("eth_simulateV1", $$"""[{"blockStateCalls":[{"calls":[{"from":"{{Alice}}","to":"{{Bob}}","nonce":"0x5","maxFeePerGas":"0x3b9aca00"}]}],"validation":true},"latest"]""").GetProperty("code").GetInt32());
        Assert.Equal(-38012, _chain.Error("eth_simulateV1", $$"""[{"blockStateCalls":[{"calls":[{"from":"{{Alice}}","to":"{{Bob}}"}]}],"validation":true},"latest"]""").GetProperty("code").GetInt32());
        Assert.Equal(-38015, _chain.Error("eth_simulateV1", $$"""[{"blockStateCalls":[{"calls":[{"from":"{{Alice}}","to":"{{Bob}}","gas":"0xffffffffff"}]}]},"latest"]""").GetProperty("code").GetInt32());
        Assert.Equal(-38020, _chain.Error("eth_simulateV1", """[{"blockStateCalls":[{"blockOverrides":{"number":"0x0"}}]},"latest"]""").GetProperty("code").GetInt32());
        Assert.Equal(-38021, _chain.Error("eth_simulateV1", """[{"blockStateCalls":[{"blockOverrides":{"time":"0x0"}}]},"latest"]""").GetProperty("code").GetInt32());
        Assert.Equal(-38026, _chain.Error("eth_simulateV1", """[{"blockStateCalls":[{"blockOverrides":{"number":"0x200"}}]},"latest"]""").GetProperty("code").GetInt32());
    }

    [Theory]
    [InlineData("""[{}]""", "blockStateCalls")]
    [InlineData("""[{"blockStateCalls":[]}]""", "empty input")]
    [InlineData("""[{"blockStateCalls":[{"calls":[{"to":"0x12"}]}]}]""", "blockStateCalls[0].calls[0]")]
    [InlineData("""[{"blockStateCalls":[{},{"stateOverrides":{"0x1":{}}}]}]""", "blockStateCalls[1].stateOverrides")]
    [InlineData("""[{"blockStateCalls":[{"blockOverrides":{"time":7}}]}]""", "blockStateCalls[0].blockOverrides")]
    [InlineData("""[{"blockStateCalls":[{"blockOverrides":{"withdrawals":[]}}]}]""", "withdrawals: not supported")]
    [InlineData("""[{"blockStateCalls":[{}],"validation":"yes"}]""", "validation")]
    [InlineData("""["0x1"]""", "argument 0")]
    public void Bad_params_are_invalid_params_naming_the_place(string parameters, string expected)
    {
        JsonElement error = _chain.Error("eth_simulateV1", parameters);
        Assert.Equal(-32602, error.GetProperty("code").GetInt32());
        Assert.Contains(expected, error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }
}
