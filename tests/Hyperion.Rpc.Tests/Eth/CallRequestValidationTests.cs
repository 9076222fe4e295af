using System.Text.Json;
using static Hyperion.Rpc.Tests.Eth.DevChain;

namespace Hyperion.Rpc.Tests.Eth;

/// <summary>A transaction object with a member of the wrong JSON type or contradictory fees is refused with -32602 naming it.</summary>
public sealed class CallRequestValidationTests : IDisposable
{
    private readonly DevChain _chain = new();

    public void Dispose() => _chain.Dispose();

    [Theory]
    [InlineData("""{"to":"TO","value":true,"gas":{},"data":5}""", "expected a hex string, got")]
    [InlineData("""{"to":"TO","value":true}""", "value: expected a hex string, got true")]
    [InlineData("""{"to":"TO","gas":{}}""", "gas: expected a hex string, got {}")]
    [InlineData("""{"to":"TO","data":5}""", "data: expected a hex string, got 5")]
    [InlineData("""{"to":"TO","from":5}""", "from: expected a hex string, got 5")]
    [InlineData("""{"to":5}""", "to: expected a hex string, got 5")]
    [InlineData("""{"to":"000000000000000000000000000000000000c0de"}""", "to: '000000000000000000000000000000000000c0de' is not a 0x-prefixed 20-byte address")]
    [InlineData("""{"to":"TO","gasPrice":"0x1","maxFeePerGas":"0x2"}""", "both gasPrice and (maxFeePerGas or maxPriorityFeePerGas) specified")]
    [InlineData("""{"to":"TO","maxFeePerGas":"0x1","maxPriorityFeePerGas":"0x2"}""", "maxFeePerGas (1) < maxPriorityFeePerGas (2)")]
    [InlineData("""{"to":"TO","data":"0x01","input":"0x02"}""", "both \"data\" and \"input\" are set and not equal")]
    [InlineData("""{"to":"TO","nonce":[]}""", "nonce: expected a hex string")]
    [InlineData("""{"to":"TO","accessList":"0x"}""", "accessList: expected an array")]
    [InlineData("""{"to":"TO","accessList":[5]}""", "accessList: expected entries")]
    public void Wrong_types_and_contradictions_are_refused_by_call_estimate_and_send(string request, string message)
    {
        string json = request.Replace("TO", Contract.ToString(), StringComparison.Ordinal);
        foreach (string method in new[] { "eth_call", "eth_estimateGas", "eth_sendTransaction" })
        {
            JsonElement error = _chain.Error(method, $"[{json}]");
            Assert.Equal(RpcErrorCodes.InvalidParams, error.GetProperty("code").GetInt32());
            Assert.Contains(message, error.GetProperty("message").GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Equal_data_and_input_and_nulls_are_fine()
    {
        string data = Word(3);
        Assert.Equal("0x", _chain.Call("eth_call", $$"""[{"to":"{{Contract}}","data":"{{data}}","input":"{{data}}","value":null,"gas":null}]""").GetString());
    }
}
