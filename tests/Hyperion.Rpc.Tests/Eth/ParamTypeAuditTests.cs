using System.Text.Json;
using static Hyperion.Rpc.Tests.Eth.DevChain;

namespace Hyperion.Rpc.Tests.Eth;

/// <summary>
/// Parameters a read of every method's parsing found accepted with the wrong JSON type and turned into a default
/// (issue 18): each is now -32602 naming the parameter, and the right type still works.
/// </summary>
public sealed class ParamTypeAuditTests : IDisposable
{
    private readonly DevChain _chain = new();

    public void Dispose() => _chain.Dispose();

    [Theory]
    [InlineData("eth_getBlockByNumber", """["latest","true"]""", "invalid argument 1: expected a boolean (full transactions), got \"true\"")]
    [InlineData("eth_getBlockByNumber", """["latest",1]""", "invalid argument 1: expected a boolean (full transactions), got 1")]
    [InlineData("eth_getBlockByHash", """["GENESIS",{}]""", "invalid argument 1: expected a boolean (full transactions), got {}")]
    [InlineData("debug_traceCall", """[{"to":"CONTRACT"},"latest",{"disableStack":"yes"}]""", "disableStack: expected a boolean, got \"yes\"")]
    [InlineData("debug_traceCall", """[{"to":"CONTRACT"},"latest",{"disableStorage":1}]""", "disableStorage: expected a boolean, got 1")]
    [InlineData("debug_traceCall", """[{"to":"CONTRACT"},"latest",{"tracer":"prestateTracer","tracerConfig":{"diffMode":"true"}}]""", "diffMode: expected a boolean, got \"true\"")]
    [InlineData("eth_call", """[{"to":"CONTRACT"},"latest",{"CONTRACT":{"balance":5}}]""", "balance: expected a hex string, got 5")]
    [InlineData("eth_call", """[{"to":"CONTRACT"},"latest",{"CONTRACT":{"nonce":true}}]""", "nonce: expected a hex string, got true")]
    [InlineData("eth_call", """[{"to":"CONTRACT"},"latest",{"CONTRACT":{"code":[]}}]""", "code: expected a hex string, got []")]
    [InlineData("evm_mine", """[{"timestamp":5}]""", "invalid argument 0: expected string")]
    [InlineData("evm_mine", """[true]""", "invalid argument 0: expected string")]
    public void A_wrong_json_type_is_refused_naming_the_parameter(string method, string parameters, string message)
    {
        string json = parameters.Replace("CONTRACT", Contract.ToString(), StringComparison.Ordinal)
            .Replace("GENESIS", _chain.Call("eth_getBlockByNumber", """["0x0",false]""").GetProperty("hash").GetString(), StringComparison.Ordinal);
        JsonElement error = _chain.Error(method, json);
        Assert.Equal(RpcErrorCodes.InvalidParams, error.GetProperty("code").GetInt32());
        Assert.Contains(message, error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_right_types_still_work()
    {
        Assert.Equal(JsonValueKind.Array, _chain.Call("eth_getBlockByNumber", """["latest",true]""").GetProperty("transactions").ValueKind);
        Assert.Equal(JsonValueKind.Object, _chain.Call("eth_getBlockByNumber", """["latest",null]""").ValueKind);
        Assert.Equal(JsonValueKind.Object, _chain.Call("debug_traceCall", $$"""[{"to":"{{Contract}}"},"latest",{"disableStack":true,"disableStorage":null}]""").ValueKind);
        Assert.Equal("0x", _chain.Call("eth_call", $$$"""[{"to":"{{{Contract}}}"},"latest",{"{{{Contract}}}":{"balance":"0x1","nonce":"0x2","code":"0x","state":null}}]""").GetString());

        ulong head = Convert.ToUInt64(_chain.Call("eth_blockNumber", "[]").GetString(), 16);
        ulong timestamp = Convert.ToUInt64(_chain.Call("eth_getBlockByNumber", """["latest",false]""").GetProperty("timestamp").GetString(), 16) + 1000;
        _chain.Call("evm_mine", $"[{timestamp}]"); // a JSON number, as Hardhat sends it: used, no longer ignored
        JsonElement mined = _chain.Call("eth_getBlockByNumber", """["latest",false]""");
        Assert.Equal(head + 1, Convert.ToUInt64(mined.GetProperty("number").GetString(), 16));
        Assert.Equal(timestamp, Convert.ToUInt64(mined.GetProperty("timestamp").GetString(), 16));
    }
}
