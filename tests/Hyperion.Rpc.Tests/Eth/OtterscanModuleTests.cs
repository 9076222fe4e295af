using System.Text.Json;
using Hyperion.Chain;
using static Hyperion.Rpc.Tests.Eth.DevChain;

namespace Hyperion.Rpc.Tests.Eth;

/// <summary>Otterscan's ots_* methods.</summary>
public sealed class OtterscanModuleTests : IDisposable
{
    private readonly DevChain _chain = new();

    public void Dispose() => _chain.Dispose();

    private string ProxiedStore(ulong value, string extra = "") =>
        _chain.SendAndMine($$"""{"from":"{{Alice}}","to":"{{Proxy}}","data":"{{Word(value)}}","gas":"0x30000"{{extra}}}""");

    [Fact]
    public void Api_level_code_and_transaction_lookups()
    {
        Assert.Equal(8, _chain.Call("ots_getApiLevel").GetInt32());
        Assert.True(_chain.Call("ots_hasCode", $"""["{Contract}","latest"]""").GetBoolean());
        Assert.False(_chain.Call("ots_hasCode", $"""["{Alice}","latest"]""").GetBoolean());

        string hash = ProxiedStore(1); // the contract reverts inside; the proxy succeeds
        Assert.Equal(hash, _chain.Call("ots_getTransactionBySenderAndNonce", $"""["{Alice}","0x0"]""").GetString());
        Assert.Equal(JsonValueKind.Null, _chain.Call("ots_getTransactionBySenderAndNonce", $"""["{Alice}","0x1"]""").ValueKind);
        Assert.Equal("0x", _chain.Call("ots_getTransactionError", $"""["{hash}"]""").GetString());
        string reverted = _chain.SendAndMine($$"""{"from":"{{Alice}}","to":"{{Contract}}","data":"{{Word(1)}}","gas":"0x30000"}""");
        Assert.Equal("0xdeadbeef", _chain.Call("ots_getTransactionError", $"""["{reverted}"]""").GetString());

        JsonElement[] frames = [.. _chain.Call("ots_traceTransaction", $"""["{hash}"]""").EnumerateArray()];
        Assert.Equal(2, frames.Length);
        Assert.Equal("CALL", frames[1].GetProperty("type").GetString());
        Assert.Equal(1, frames[1].GetProperty("depth").GetInt32());
        Assert.Equal(Contract.ToString(), frames[1].GetProperty("to").GetString());
        Assert.Equal("0xdeadbeef", frames[1].GetProperty("output").GetString());
    }

    [Fact]
    public void Internal_operations_are_the_inner_ether_movements_of_frames_that_succeeded()
    {
        // The proxy forwards no value itself: the top-level value is not an internal operation.
        Assert.Empty(_chain.Call("ots_getInternalOperations", $"""["{ProxiedStore(5, ",\"value\":\"0x7\"")}"]""").EnumerateArray());
        // Init code creating a child with CREATE (value 0): one CREATE operation.
        string create = _chain.SendAndMine($$"""{"from":"{{Alice}}","data":"0x6000600060006000f050600160005360016000f3"}""");
        JsonElement operation = Assert.Single(_chain.Call("ots_getInternalOperations", $"""["{create}"]""").EnumerateArray());
        Assert.Equal(2, operation.GetProperty("type").GetInt32());
    }

    [Theory]
    [MemberData(nameof(AddressIndexTests.Storages), MemberType = typeof(AddressIndexTests))]
    public void Block_details_transactions_and_searches(AddressIndexStorage storage)
    {
        using var chain = new DevChain(addressIndex: storage);
        string first = chain.SendAndMine($$"""{"from":"{{Alice}}","to":"{{Proxy}}","data":"{{Word(5)}}","gas":"0x30000"}""");
        chain.SendAndMine($$"""{"from":"{{Bob}}","to":"{{Contract}}","data":"{{Word(6)}}"}""");
        string deploy = chain.SendAndMine($$"""{"from":"{{Alice}}","data":"0x600160005360016000f3"}""");

        JsonElement details = chain.Call("ots_getBlockDetails", """["0x1"]""");
        Assert.Equal(1, details.GetProperty("block").GetProperty("transactionCount").GetInt32());
        Assert.False(details.GetProperty("block").TryGetProperty("transactions", out _));
        Assert.Equal("0x0", details.GetProperty("issuance").GetProperty("issuance").GetString());
        JsonElement receipt = chain.Call("eth_getTransactionReceipt", $"""["{first}"]""");
        Assert.Equal(Quantity(receipt.GetProperty("gasUsed")) * Quantity(receipt.GetProperty("effectiveGasPrice")), Quantity(details.GetProperty("totalFees")));
        string blockHash = receipt.GetProperty("blockHash").GetString()!;
        Assert.Equal(details.GetRawText(), chain.Call("ots_getBlockDetailsByHash", $"""["{blockHash}"]""").GetRawText());

        JsonElement page = chain.Call("ots_getBlockTransactions", """["0x1","0x0","0xa"]""");
        Assert.Equal(first, page.GetProperty("fullblock").GetProperty("transactions")[0].GetProperty("hash").GetString());
        Assert.Equal(first, page.GetProperty("receipts")[0].GetProperty("transactionHash").GetString());

        JsonElement before = chain.Call("ots_searchTransactionsBefore", $"""["{Alice}","0x0","0xa"]""");
        JsonElement[] txs = [.. before.GetProperty("txs").EnumerateArray()];
        Assert.Equal([deploy, first], txs.Select(t => t.GetProperty("hash").GetString()));
        Assert.True(before.GetProperty("firstPage").GetBoolean());
        Assert.True(before.GetProperty("lastPage").GetBoolean());
        JsonElement after = chain.Call("ots_searchTransactionsAfter", $"""["{Contract}","0x1","0x1"]""");
        // After block 1 with a page of one: block 2's call (not block 3's deployment, which does not involve the contract).
        Assert.Equal("0x2", Assert.Single(after.GetProperty("txs").EnumerateArray()).GetProperty("blockNumber").GetString());

        string created = chain.Call("eth_getTransactionReceipt", $"""["{deploy}"]""").GetProperty("contractAddress").GetString()!;
        JsonElement creator = chain.Call("ots_getContractCreator", $"""["{created}"]""");
        Assert.Equal(deploy, creator.GetProperty("hash").GetString());
        Assert.Equal(Alice.ToString(), creator.GetProperty("creator").GetString());
        Assert.Equal(JsonValueKind.Null, chain.Call("ots_getContractCreator", $"""["{Bob}"]""").ValueKind);
    }

    [Theory]
    [InlineData("ots_searchTransactionsBefore", """["0x000000000000000000000000000000000000c0de","0x0","0x0"]""", "argument 2")]
    [InlineData("ots_getBlockTransactions", """["0x0","0x0","0xffff"]""", "argument 2")]
    [InlineData("ots_hasCode", """["0x12","latest"]""", "argument 0")]
    [InlineData("ots_getTransactionError", """["0x12"]""", "argument 0")]
    public void Bad_params_are_invalid_params(string method, string parameters, string expected)
    {
        JsonElement error = _chain.Error(method, parameters);
        Assert.Equal(-32602, error.GetProperty("code").GetInt32());
        Assert.Contains(expected, error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }
}
