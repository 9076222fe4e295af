using System.Text.Json;
using static Hyperion.Rpc.Tests.Eth.DevChain;

namespace Hyperion.Rpc.Tests.Eth;

/// <summary>A log filter with a malformed member is refused with -32602 naming it, instead of matching every log.</summary>
public sealed class LogFilterValidationTests : IDisposable
{
    private readonly DevChain _chain = new();

    public void Dispose() => _chain.Dispose();

    [Theory]
    [InlineData("""{"address":5}""", "invalid address 5")]
    [InlineData("""{"address":[5]}""", "invalid address 5")]
    [InlineData("""{"address":{}}""", "invalid address {}")]
    [InlineData("""{"address":"000000000000000000000000000000000000c0de"}""", "invalid address")]
    [InlineData("""{"topics":"0x1234"}""", "invalid topics \"0x1234\"")]
    [InlineData("""{"topics":{"a":1}}""", "invalid topics")]
    [InlineData("""{"topics":[5]}""", "invalid topic 5")]
    [InlineData("""{"topics":[[["0xaa00000000000000000000000000000000000000000000000000000000000001"]]]}""", "invalid topic [")]
    [InlineData("""{"topics":["0x1234"]}""", "invalid topic \"0x1234\"")]
    [InlineData("""{"topics":["aa00000000000000000000000000000000000000000000000000000000000001"]}""", "invalid topic")]
    [InlineData("""{"fromBlock":5}""", "invalid fromBlock 5")]
    [InlineData("""{"toBlock":{}}""", "invalid toBlock {}")]
    [InlineData("""{"fromBlock":true,"toBlock":"latest"}""", "invalid fromBlock true")]
    [InlineData("""{"blockHash":7}""", "invalid blockHash 7")]
    public void Malformed_members_are_refused_by_getLogs_and_newFilter(string filter, string message)
    {
        _chain.SendAndMine($$"""{"from":"{{Alice}}","to":"{{Contract}}","data":"{{Word(5)}}","gas":"0x30000"}"""); // one log exists
        foreach (string method in new[] { "eth_getLogs", "eth_newFilter" })
        {
            JsonElement error = _chain.Error(method, $"[{filter}]");
            Assert.Equal(RpcErrorCodes.InvalidParams, error.GetProperty("code").GetInt32());
            Assert.Contains(message, error.GetProperty("message").GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Well_formed_filters_still_match()
    {
        _chain.SendAndMine($$"""{"from":"{{Alice}}","to":"{{Contract}}","data":"{{Word(5)}}","gas":"0x30000"}""");
        Assert.Single(_chain.Call("eth_getLogs", $$"""[{"fromBlock":"0x0","address":"{{Contract}}","topics":["{{EventTopic}}",null,[null]]}]""").EnumerateArray());
        Assert.Single(_chain.Call("eth_getLogs", $$"""[{"fromBlock":"0x0","address":null,"topics":null,"toBlock":null}]""").EnumerateArray());
        Assert.Empty(_chain.Call("eth_getLogs", """[{"fromBlock":"0x0","address":"0x00000000000000000000000000000000000000aa"}]""").EnumerateArray());
    }
}
