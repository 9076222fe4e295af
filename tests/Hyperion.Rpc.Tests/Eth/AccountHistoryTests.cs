using System.Text.Json;
using static Hyperion.Rpc.Tests.Eth.DevChain;

namespace Hyperion.Rpc.Tests.Eth;

/// <summary>eth_getTransactionBySenderAndNonce as anvil answers it.</summary>
public sealed class AccountHistoryTests : IDisposable
{
    private readonly DevChain _chain = new();

    public void Dispose() => _chain.Dispose();

    [Fact]
    public void Finds_the_mined_transaction_of_a_sender_and_nonce_else_null()
    {
        string first = _chain.SendAndMine($$"""{"from":"{{Alice}}","to":"{{Contract}}","data":"{{Word(5)}}"}""");
        _chain.SendAndMine($$"""{"from":"{{Bob}}","to":"{{Alice}}","value":"0x1"}""");
        string second = _chain.SendAndMine($$"""{"from":"{{Alice}}","to":"{{Bob}}","value":"0x1"}""");

        JsonElement tx = _chain.Call("eth_getTransactionBySenderAndNonce", $"""["{Alice}","0x0"]""");
        Assert.Equal(first, tx.GetProperty("hash").GetString());
        Assert.Equal("0x1", tx.GetProperty("blockNumber").GetString());
        Assert.Equal(_chain.Call("eth_getTransactionByHash", $"""["{first}"]""").GetRawText(), tx.GetRawText());
        Assert.Equal(second, _chain.Call("eth_getTransactionBySenderAndNonce", $"""["{Alice}","0x1"]""").GetProperty("hash").GetString());
        Assert.Equal(JsonValueKind.Null, _chain.Call("eth_getTransactionBySenderAndNonce", $"""["{Alice}","0x2"]""").ValueKind);
        Assert.Equal(JsonValueKind.Null, _chain.Call("eth_getTransactionBySenderAndNonce", $"""["{Contract}","0x0"]""").ValueKind);
    }

    [Theory]
    [InlineData("""["0x12","0x0"]""", "argument 0")]
    [InlineData("""["0x000000000000000000000000000000000000c0de","x"]""", "argument 1")]
    [InlineData("""["0x000000000000000000000000000000000000c0de"]""", "argument 1")]
    public void Bad_params_are_invalid_params(string parameters, string expected)
    {
        JsonElement error = _chain.Error("eth_getTransactionBySenderAndNonce", parameters);
        Assert.Equal(-32602, error.GetProperty("code").GetInt32());
        Assert.Contains(expected, error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }
}
