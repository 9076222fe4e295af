using System.Text.Json;
using Hyperion.Core;
using static Hyperion.Rpc.Tests.Eth.DevChain;

namespace Hyperion.Rpc.Tests.Eth;

/// <summary>Parity-style trace_transaction, trace_block and trace_filter.</summary>
public sealed class TraceModuleTests : IDisposable
{
    private readonly DevChain _chain = new();

    public void Dispose() => _chain.Dispose();

    [Fact]
    public void A_proxied_call_is_two_flat_traces_with_their_addresses_and_results()
    {
        string hash = _chain.SendAndMine($$"""{"from":"{{Alice}}","to":"{{Proxy}}","data":"{{Word(1)}}","gas":"0x30000"}""");
        JsonElement[] traces = [.. _chain.Call("trace_transaction", $"""["{hash}"]""").EnumerateArray()];
        Assert.Equal(2, traces.Length);
        JsonElement top = traces[0];
        Assert.Equal("call", top.GetProperty("type").GetString());
        Assert.Equal("call", top.GetProperty("action").GetProperty("callType").GetString());
        Assert.Equal(Alice.ToString(), top.GetProperty("action").GetProperty("from").GetString());
        Assert.Equal(Proxy.ToString(), top.GetProperty("action").GetProperty("to").GetString());
        Assert.Equal(1, top.GetProperty("subtraces").GetInt32());
        Assert.Empty(top.GetProperty("traceAddress").EnumerateArray());
        Assert.Equal(hash, top.GetProperty("transactionHash").GetString());
        Assert.Equal(0, top.GetProperty("transactionPosition").GetInt32());
        Assert.Equal(1, top.GetProperty("blockNumber").GetInt32());
        Assert.Equal("0x", top.GetProperty("result").GetProperty("output").GetString());

        JsonElement inner = traces[1];
        Assert.Equal(Contract.ToString(), inner.GetProperty("action").GetProperty("to").GetString());
        Assert.Equal("[0]", inner.GetProperty("traceAddress").GetRawText());
        Assert.Equal("Reverted", inner.GetProperty("error").GetString()); // the contract reverts on 1
        Assert.False(inner.TryGetProperty("result", out _));

        Assert.Equal(traces.Length, _chain.Call("trace_block", """["latest"]""").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, _chain.Call("trace_transaction", $"""["{Hash256.Zero}"]""").ValueKind);
    }

    [Fact]
    public void A_creation_trace_has_the_created_address_and_code()
    {
        // Init code returning the one-byte runtime 0x00.
        string hash = _chain.SendAndMine($$"""{"from":"{{Alice}}","data":"0x600160005360016000f3"}""");
        JsonElement trace = Assert.Single(_chain.Call("trace_transaction", $"""["{hash}"]""").EnumerateArray());
        Assert.Equal("create", trace.GetProperty("type").GetString());
        Assert.Equal("0x600160005360016000f3", trace.GetProperty("action").GetProperty("init").GetString());
        string created = _chain.Call("eth_getTransactionReceipt", $"""["{hash}"]""").GetProperty("contractAddress").GetString()!;
        Assert.Equal(created, trace.GetProperty("result").GetProperty("address").GetString());
        Assert.Equal("0x01", trace.GetProperty("result").GetProperty("code").GetString());
    }

    [Fact]
    public void Filter_selects_by_sender_and_recipient_then_pages()
    {
        _chain.SendAndMine($$"""{"from":"{{Alice}}","to":"{{Proxy}}","data":"{{Word(5)}}","gas":"0x30000"}""");
        _chain.SendAndMine($$"""{"from":"{{Bob}}","to":"{{Contract}}","data":"{{Word(6)}}"}""");
        Assert.Equal(3, _chain.Call("trace_filter", """[{"fromBlock":"0x1","toBlock":"latest"}]""").GetArrayLength());
        JsonElement toContract = _chain.Call("trace_filter", $$"""[{"toAddress":["{{Contract}}"]}]""");
        Assert.Equal(2, toContract.GetArrayLength());
        JsonElement fromBob = Assert.Single(_chain.Call("trace_filter", $$"""[{"fromAddress":["{{Bob}}"],"toAddress":["{{Contract}}"]}]""").EnumerateArray());
        Assert.Equal(2, fromBob.GetProperty("blockNumber").GetInt32());
        JsonElement paged = Assert.Single(_chain.Call("trace_filter", $$"""[{"toAddress":["{{Contract}}"],"after":1,"count":5}]""").EnumerateArray());
        Assert.Equal(fromBob.GetRawText(), paged.GetRawText());
    }

    [Theory]
    [InlineData("trace_filter", """["x"]""", "argument 0")]
    [InlineData("trace_filter", """[{"fromBlock":"0x99"}]""", "fromBlock")]
    [InlineData("trace_filter", """[{"toAddress":"0x1"}]""", "toAddress")]
    [InlineData("trace_filter", """[{"count":-1}]""", "count")]
    [InlineData("trace_transaction", """["0x12"]""", "argument 0")]
    [InlineData("trace_block", """["nope"]""", "argument 0")]
    public void Bad_params_are_invalid_params(string method, string parameters, string expected)
    {
        JsonElement error = _chain.Error(method, parameters);
        Assert.Equal(-32602, error.GetProperty("code").GetInt32());
        Assert.Contains(expected, error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }
}
