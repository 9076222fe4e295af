using System.Text.Json;
using static Hyperion.Rpc.Tests.Eth.DevChain;

namespace Hyperion.Rpc.Tests.Eth;

/// <summary>geth's prestateTracer (with diffMode) and 4byteTracer through debug_traceTransaction, debug_traceCall and debug_traceBlockByNumber.</summary>
public sealed class TracerTests : IDisposable
{
    private readonly DevChain _chain = new();

    public void Dispose() => _chain.Dispose();

    // An explicit gas limit: an estimate would be the least gas with which the proxy succeeds, even if its inner call then runs out.
    private string ProxiedStore(ulong value) => _chain.SendAndMine($$"""{"from":"{{Alice}}","to":"{{Proxy}}","data":"{{Word(value)}}","gas":"0x30000"}""");

    [Fact]
    public void FourByte_counts_each_call_with_a_selector_and_its_argument_length()
    {
        string hash = ProxiedStore(5);
        JsonElement trace = _chain.Call("debug_traceTransaction", $$"""["{{hash}}",{"tracer":"4byteTracer"}]""");
        // The transaction's call into the proxy and the proxy's call into the contract, both with a 32-byte calldata.
        Assert.Equal("""{"0x00000000-28":2}""", trace.GetRawText());
        JsonElement block = _chain.Call("debug_traceBlockByNumber", """["latest",{"tracer":"4byteTracer"}]""");
        Assert.Equal(trace.GetRawText(), block[0].GetProperty("result").GetRawText());
        Assert.Equal("{}", _chain.Call("debug_traceCall", $$"""[{"from":"{{Alice}}","to":"{{Bob}}","data":"0x010203"},"latest",{"tracer":"4byteTracer"}]""").GetRawText());
    }

    [Fact]
    public void Prestate_shows_the_touched_accounts_and_slots_as_they_were_before()
    {
        ProxiedStore(9);
        ulong aliceNonce = Quantity(_chain.Call("eth_getTransactionCount", $"""["{Alice}","latest"]"""));
        string aliceBalance = _chain.Call("eth_getBalance", $"""["{Alice}","latest"]""").GetString()!;
        string hash = ProxiedStore(5);

        JsonElement pre = _chain.Call("debug_traceTransaction", $$"""["{{hash}}",{"tracer":"prestateTracer"}]""");
        JsonElement alice = pre.GetProperty(Alice.ToString());
        Assert.Equal(aliceBalance, alice.GetProperty("balance").GetString());
        Assert.Equal(aliceNonce, alice.GetProperty("nonce").GetUInt64());
        JsonElement contract = pre.GetProperty(Contract.ToString());
        Assert.Equal(Word(9), contract.GetProperty("storage").GetProperty(Word(0)).GetString());
        Assert.Equal(_chain.Call("eth_getCode", $"""["{Contract}","latest"]""").GetString(), contract.GetProperty("code").GetString());
        Assert.True(pre.TryGetProperty(Proxy.ToString(), out _));

        JsonElement diff = _chain.Call("debug_traceTransaction", $$"""["{{hash}}",{"tracer":"prestateTracer","tracerConfig":{"diffMode":true} }]""");
        Assert.Equal(Word(9), diff.GetProperty("pre").GetProperty(Contract.ToString()).GetProperty("storage").GetProperty(Word(0)).GetString());
        JsonElement post = diff.GetProperty("post");
        Assert.Equal(Word(5), post.GetProperty(Contract.ToString()).GetProperty("storage").GetProperty(Word(0)).GetString());
        Assert.False(post.GetProperty(Contract.ToString()).TryGetProperty("code", out _)); // unchanged fields are left out
        Assert.Equal(aliceNonce + 1, post.GetProperty(Alice.ToString()).GetProperty("nonce").GetUInt64());
        Assert.False(post.TryGetProperty(Proxy.ToString(), out _)); // the proxy did not change

        JsonElement call = _chain.Call("debug_traceCall", $$"""[{"from":"{{Alice}}","to":"{{Contract}}","data":"{{Word(7)}}"},"latest",{"tracer":"prestateTracer","tracerConfig":{"diffMode":true} }]""");
        Assert.Equal(Word(7), call.GetProperty("post").GetProperty(Contract.ToString()).GetProperty("storage").GetProperty(Word(0)).GetString());
        Assert.Equal(Word(5), call.GetProperty("pre").GetProperty(Contract.ToString()).GetProperty("storage").GetProperty(Word(0)).GetString());
        JsonElement transfer = _chain.Call("debug_traceCall", $$"""[{"from":"{{Alice}}","to":"0x00000000000000000000000000000000000000aa","value":"0x1"},"latest",{"tracer":"prestateTracer"}]""");
        Assert.Equal("""{"balance":"0x0"}""", transfer.GetProperty("0x00000000000000000000000000000000000000aa").GetRawText()); // touched, not existing: empty, as geth and anvil
        JsonElement noCode = _chain.Call("debug_traceCall", $$"""[{"from":"{{Alice}}","to":"{{Contract}}","data":"{{Word(7)}}"},"latest",{"tracer":"prestateTracer","tracerConfig":{"disableCode":true,"disableStorage":true} }]""");
        Assert.False(noCode.GetProperty(Contract.ToString()).TryGetProperty("code", out _));
        Assert.False(noCode.GetProperty(Contract.ToString()).TryGetProperty("storage", out _));
    }

    [Theory]
    [InlineData("""{"tracer":"prestateTracer","tracerConfig":7}""", "tracerConfig")]
    [InlineData("""{"tracer":"opcodeTracer"}""", "not supported")]
    public void Bad_tracer_options_are_invalid_params(string options, string expected)
    {
        JsonElement error = _chain.Error("debug_traceCall", $$"""[{"to":"{{Bob}}"},"latest",{{options}}]""");
        Assert.Equal(-32602, error.GetProperty("code").GetInt32());
        Assert.Contains(expected, error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }
}
