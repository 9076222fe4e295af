using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Hyperion.Core;
using static Hyperion.Rpc.Tests.Eth.DevChain;

namespace Hyperion.Rpc.Tests.Eth;

/// <summary>anvil_dumpState / anvil_loadState (anvil's hex of gzipped JSON) and anvil_reset / hardhat_reset.</summary>
public sealed class StateDumpTests : IDisposable
{
    private static readonly Address Stranger = Address.Parse("0x1234567890123456789012345678901234567890");
    private readonly DevChain _chain = new();

    public void Dispose() => _chain.Dispose();

    private static JsonDocument Inflate(string hex)
    {
        using var input = new GZipStream(new MemoryStream(Hex.Decode(hex)), CompressionMode.Decompress);
        return JsonDocument.Parse(input);
    }

    private string Balance(Address address) => _chain.Call("eth_getBalance", $"""["{address}","latest"]""").GetString()!;

    [Fact]
    public void A_dump_holds_every_account_by_address_with_storage_and_code_including_edits_and_mined_changes()
    {
        _chain.SendAndMine($$"""{"from":"{{Alice}}","to":"{{Contract}}","data":"{{Word(9)}}"}""");
        _chain.Call("anvil_setBalance", $"""["{Stranger}","0x1234"]""");
        _chain.Call("anvil_setStorageAt", $"""["{Stranger}","0x5","{Word(7)}"]""");

        using JsonDocument dump = Inflate(_chain.Call("anvil_dumpState").GetString()!);
        JsonElement accounts = dump.RootElement.GetProperty("accounts");
        JsonElement stranger = accounts.GetProperty(Stranger.ToString());
        Assert.Equal("0x1234", stranger.GetProperty("balance").GetString());
        Assert.Equal(Word(7), stranger.GetProperty("storage").GetProperty(Word(5)).GetString());
        JsonElement contract = accounts.GetProperty(Contract.ToString());
        Assert.Equal(Word(9), contract.GetProperty("storage").GetProperty(Word(0)).GetString());
        Assert.Equal(_chain.Call("eth_getCode", $"""["{Contract}","latest"]""").GetString(), contract.GetProperty("code").GetString());
        Assert.Equal(1, accounts.GetProperty(Alice.ToString()).GetProperty("nonce").GetInt32());
        Assert.Equal(1, dump.RootElement.GetProperty("best_block_number").GetInt32());
    }

    [Fact]
    public void Dump_reset_load_round_trips_the_state_and_reset_returns_to_genesis()
    {
        string genesisBalance = Balance(Alice);
        _chain.SendAndMine($$"""{"from":"{{Alice}}","to":"{{Contract}}","data":"{{Word(9)}}"}""");
        _chain.Call("anvil_setCode", $"""["{Stranger}","0x6001"]""");
        string dump = _chain.Call("anvil_dumpState").GetString()!;
        string spent = Balance(Alice);

        Assert.Equal(JsonValueKind.Null, _chain.Call("anvil_reset").ValueKind);
        Assert.Equal(0UL, Quantity(_chain.Call("eth_blockNumber")));
        Assert.Equal(genesisBalance, Balance(Alice));
        Assert.Equal("0x", _chain.Call("eth_getCode", $"""["{Stranger}","latest"]""").GetString());
        Assert.Equal(Word(0), _chain.Call("eth_getStorageAt", $"""["{Contract}","0x0","latest"]""").GetString());

        Assert.True(_chain.Call("anvil_loadState", $"""["{dump}"]""").GetBoolean());
        Assert.Equal(spent, Balance(Alice));
        Assert.Equal("0x6001", _chain.Call("eth_getCode", $"""["{Stranger}","latest"]""").GetString());
        Assert.Equal(Word(9), _chain.Call("eth_getStorageAt", $"""["{Contract}","0x0","latest"]""").GetString());
        Assert.Equal(1UL, Quantity(_chain.Call("eth_getTransactionCount", $"""["{Alice}","latest"]""")));
        // The loaded state is the chain's: a block after it commits it, and the chain goes on from it.
        _chain.SendAndMine($$"""{"from":"{{Alice}}","to":"{{Contract}}","data":"{{Word(3)}}"}""");
        Assert.Equal(Word(3), _chain.Call("eth_getStorageAt", $"""["{Contract}","0x0","latest"]""").GetString());
        Assert.StartsWith("0x1f8b", _chain.Call("anvil_dumpState").GetString()!, StringComparison.Ordinal); // gzip's magic
    }

    [Fact]
    public void Load_takes_anvil_plain_json_with_short_slot_keys_and_hardhat_reset_answers_true()
    {
        string json = $$$$"""{"block":null,"accounts":{"{{{{Stranger}}}}":{"nonce":3,"balance":"0x10","code":"0x","storage":{"0x01":"0x02"}}},"best_block_number":null,"blocks":[],"transactions":[]}""";
        Assert.True(_chain.Call("anvil_loadState", $"""["{Hex.Encode(Encoding.UTF8.GetBytes(json))}"]""").GetBoolean());
        Assert.Equal(3UL, Quantity(_chain.Call("eth_getTransactionCount", $"""["{Stranger}","latest"]""")));
        Assert.Equal("0x10", Balance(Stranger));
        Assert.Equal(Word(2), _chain.Call("eth_getStorageAt", $"""["{Stranger}","0x1","latest"]""").GetString());

        Assert.True(_chain.Call("hardhat_reset", "[{}]").GetBoolean());
        Assert.Equal(JsonValueKind.Null, _chain.Call("anvil_reset", """[{"forking":{"blockNumber":null}}]""").ValueKind); // viem's testClient.reset()
        Assert.Equal("0x0", Balance(Stranger));
    }

    [Theory]
    [InlineData("anvil_loadState", """["0x00"]""", "argument 0")]
    [InlineData("anvil_loadState", """["0x7b7d"]""", "accounts")]
    [InlineData("anvil_loadState", """[{}]""", "argument 0")]
    [InlineData("anvil_dumpState", """["yes"]""", "argument 0")]
    [InlineData("anvil_reset", """[{"forking":{"jsonRpcUrl":"http://127.0.0.1:1"}}]""", "forking is not supported")]
    [InlineData("hardhat_reset", """["0x1"]""", "argument 0")]
    [InlineData("hardhat_reset", """[{"forking":"http://127.0.0.1:1"}]""", "forking: expected an object")]
    public void Bad_input_is_invalid_params_naming_it(string method, string parameters, string expected)
    {
        JsonElement error = _chain.Error(method, parameters);
        Assert.Equal(-32602, error.GetProperty("code").GetInt32());
        Assert.Contains(expected, error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_account_in_a_dump_applies_none_of_it()
    {
        string json = $$$$"""{"accounts":{"{{{{Stranger}}}}":{"nonce":1,"balance":"0x10","code":"0x","storage":{}},"0x01":{"nonce":1,"balance":"0x1","code":"0x"}}}""";
        JsonElement error = _chain.Error("anvil_loadState", $"""["{Hex.Encode(Encoding.UTF8.GetBytes(json))}"]""");
        Assert.Contains("'0x01' is not an address", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("0x0", Balance(Stranger));
    }
}
