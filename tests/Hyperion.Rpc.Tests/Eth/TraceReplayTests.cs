using System.Text.Json;
using Hyperion.Core;
using static Hyperion.Rpc.Tests.Eth.DevChain;

namespace Hyperion.Rpc.Tests.Eth;

/// <summary>Parity-style trace_call, trace_callMany, trace_replayTransaction and trace_replayBlockTransactions.</summary>
public sealed class TraceReplayTests : IDisposable
{
    private static readonly Address Stranger = Address.Parse("0x1234567890123456789012345678901234567890");
    private readonly DevChain _chain = new();

    public void Dispose() => _chain.Dispose();

    [Fact]
    public void Replaying_a_mined_transaction_gives_its_traces_and_state_diff()
    {
        string hash = _chain.SendAndMine($$"""{"from":"{{Alice}}","to":"{{Proxy}}","data":"{{Word(5)}}","gas":"0x30000"}""");
        JsonElement replayed = _chain.Call("trace_replayTransaction", $"""["{hash}",["trace","stateDiff"]]""");
        Assert.Equal("0x", replayed.GetProperty("output").GetString());
        Assert.Equal(JsonValueKind.Null, replayed.GetProperty("vmTrace").ValueKind);

        // The same frames as trace_transaction, without the block and transaction fields.
        JsonElement[] frames = [.. replayed.GetProperty("trace").EnumerateArray()];
        JsonElement[] mined = [.. _chain.Call("trace_transaction", $"""["{hash}"]""").EnumerateArray()];
        Assert.Equal(mined.Length, frames.Length);
        for (int i = 0; i < frames.Length; i++)
        {
            Assert.Equal(mined[i].GetProperty("action").GetRawText(), frames[i].GetProperty("action").GetRawText());
            Assert.Equal(mined[i].GetProperty("result").GetRawText(), frames[i].GetProperty("result").GetRawText());
            Assert.False(frames[i].TryGetProperty("transactionHash", out _));
        }

        JsonElement diff = replayed.GetProperty("stateDiff");
        JsonElement slot = diff.GetProperty(Contract.ToString()).GetProperty("storage").GetProperty(Word(0));
        Assert.Equal(Word(0), slot.GetProperty("*").GetProperty("from").GetString());
        Assert.Equal(Word(5), slot.GetProperty("*").GetProperty("to").GetString());
        JsonElement sender = diff.GetProperty(Alice.ToString());
        Assert.Equal("0x0", sender.GetProperty("nonce").GetProperty("*").GetProperty("from").GetString());
        Assert.Equal("0x1", sender.GetProperty("nonce").GetProperty("*").GetProperty("to").GetString());
        Assert.Equal("=", sender.GetProperty("code").GetString());
        Assert.True(diff.TryGetProperty(Contract.ToString(), out JsonElement contract));
        Assert.Equal("=", contract.GetProperty("balance").GetString());
        Assert.False(diff.TryGetProperty(Proxy.ToString(), out _)); // called, but nothing of it changed

        JsonElement block = Assert.Single(_chain.Call("trace_replayBlockTransactions", """["latest",["trace"]]""").EnumerateArray());
        Assert.Equal(hash, block.GetProperty("transactionHash").GetString());
        Assert.Equal(JsonValueKind.Null, block.GetProperty("stateDiff").ValueKind);
        Assert.Equal(frames.Length, block.GetProperty("trace").GetArrayLength());
    }

    [Fact]
    public void A_traced_call_changes_nothing_and_call_many_sees_the_calls_before()
    {
        JsonElement call = _chain.Call("trace_call", $$"""[{"from":"{{Alice}}","to":"{{Stranger}}","value":"0x64"},["trace","stateDiff"],"latest"]""");
        JsonElement born = call.GetProperty("stateDiff").GetProperty(Stranger.ToString());
        Assert.Equal("0x64", born.GetProperty("balance").GetProperty("+").GetString());
        Assert.Equal("0x0", born.GetProperty("nonce").GetProperty("+").GetString());
        JsonElement top = Assert.Single(call.GetProperty("trace").EnumerateArray());
        Assert.Equal("call", top.GetProperty("type").GetString());
        Assert.Equal("0x64", top.GetProperty("action").GetProperty("value").GetString());
        Assert.Equal("0x0", _chain.Call("eth_getBalance", $"""["{Stranger}","latest"]""").GetString());

        JsonElement[] many = [.. _chain.Call("trace_callMany", $$"""
            [[[{"from":"{{Alice}}","to":"{{Contract}}","data":"{{Word(7)}}"},["stateDiff"]],
              [{"to":"{{Proxy}}","data":"{{Word(8)}}"},["trace","stateDiff"]]],"latest"]
            """).EnumerateArray()];
        Assert.Equal(2, many.Length);
        Assert.Empty(many[0].GetProperty("trace").EnumerateArray());
        Assert.Equal(Word(7), many[0].GetProperty("stateDiff").GetProperty(Contract.ToString()).GetProperty("storage").GetProperty(Word(0)).GetProperty("*").GetProperty("to").GetString());
        JsonElement second = many[1].GetProperty("stateDiff").GetProperty(Contract.ToString()).GetProperty("storage").GetProperty(Word(0)).GetProperty("*");
        Assert.Equal(Word(7), second.GetProperty("from").GetString()); // what the first call left
        Assert.Equal(Word(8), second.GetProperty("to").GetString());
        Assert.Equal(2, many[1].GetProperty("trace").GetArrayLength());
    }

    [Fact]
    public void A_traced_call_runs_on_the_state_overrides()
    {
        // The stranger has no ETH; with a balance override it can send 0x64, and the diff starts from the override.
        string call = $$"""{"from":"{{Stranger}}","to":"{{Alice}}","value":"0x64","gasPrice":"0x0"}""";
        JsonElement error = _chain.Error("trace_call", "[" + call + """,["stateDiff"],"latest"]""");
        Assert.Contains("insufficient", error.GetProperty("message").GetString(), StringComparison.OrdinalIgnoreCase);

        JsonElement traced = _chain.Call("trace_call", $$$"""[{{{call}}},["stateDiff"],"latest",{"{{{Stranger}}}":{"balance":"0x1000"}}]""");
        JsonElement balance = traced.GetProperty("stateDiff").GetProperty(Stranger.ToString()).GetProperty("balance").GetProperty("*");
        Assert.Equal("0x1000", balance.GetProperty("from").GetString());
        Assert.Equal("0xf9c", balance.GetProperty("to").GetString());
        Assert.Equal("0x0", _chain.Call("eth_getBalance", $"""["{Stranger}","latest"]""").GetString());

        // A null overrides argument is no overrides; block overrides are refused, not ignored.
        Assert.Equal(error.GetProperty("message").GetString(), _chain.Error("trace_call", "[" + call + """,["stateDiff"],"latest",null]""").GetProperty("message").GetString());
        JsonElement refused = _chain.Error("trace_call", $$"""[{{call}},["stateDiff"],"latest",null,{"number":"0x1"}]""");
        Assert.Equal(-32602, refused.GetProperty("code").GetInt32());
        Assert.Contains("block overrides", refused.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("trace_call", """[{"to":"0x000000000000000000000000000000000000c0de"},["vmTrace"],"latest"]""", "vmTrace")]
    [InlineData("trace_call", """[{"to":"0x000000000000000000000000000000000000c0de"},["trace"],"latest",{"0x1":{}}]""", "argument 3")]
    [InlineData("trace_call", """[{"to":"0x000000000000000000000000000000000000c0de"},["stateDif"],"latest"]""", "unknown trace type")]
    [InlineData("trace_call", """[{"to":"0x000000000000000000000000000000000000c0de"},"trace","latest"]""", "argument 1")]
    [InlineData("trace_callMany", """[[{"to":"0x000000000000000000000000000000000000c0de"}],"latest"]""", "pair")]
    [InlineData("trace_replayBlockTransactions", """["latest",["vmTrace"]]""", "vmTrace")]
    public void Bad_params_are_invalid_params(string method, string parameters, string expected)
    {
        JsonElement error = _chain.Error(method, parameters);
        Assert.Equal(-32602, error.GetProperty("code").GetInt32());
        Assert.Contains(expected, error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }
}
