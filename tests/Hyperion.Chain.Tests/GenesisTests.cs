using Hyperion.Core;

namespace Hyperion.Chain.Tests;

public sealed class GenesisTests
{
    [Fact]
    public void Parses_geth_genesis_json()
    {
        const string json = """
        {
          "config": { "chainId": 1337, "londonBlock": 0 },
          "gasLimit": "0x1c9c380",
          "baseFeePerGas": "0x3b9aca00",
          "timestamp": "0x10",
          "extraData": "0x1234",
          "alloc": {
            "f39Fd6e51aad88F6F4ce6aB8827279cffFb92266": { "balance": "1000000000000000000" },
            "0x00000000000000000000000000000000000000aa": { "balance": "0x1", "nonce": "0x2", "code": "0x6001", "storage": { "0x01": "0x02" } }
          }
        }
        """;
        Genesis genesis = Genesis.Parse(json);
        Assert.Equal(1337UL, genesis.ChainId);
        Assert.Equal(30_000_000UL, genesis.GasLimit);
        Assert.Equal(16UL, genesis.Timestamp);
        Assert.Equal(2, genesis.Alloc.Count);
        Address contract = Address.Parse("0x00000000000000000000000000000000000000aa");
        Assert.Equal(2UL, genesis.Alloc[contract].Nonce);
        var state = genesis.BuildState();
        Assert.Equal((UInt256)2, state.GetStorage(contract, 1));
        Assert.True(state.TryGetAccount(Address.Parse("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"), out var account));
        Assert.Equal(UInt256.Parse("1000000000000000000"), account.Balance);
    }

    [Theory]
    [InlineData("not json", "invalid JSON")]
    [InlineData("[]", "must be a JSON object")]
    [InlineData("{}", "config.chainId is missing")]
    [InlineData("""{"config":{"chainId":"x"}}""", "config.chainId")]
    [InlineData("""{"config":{"chainId":1},"alloc":{"0x12":{}}}""", "is not an address")]
    [InlineData("""{"config":{"chainId":1},"alloc":{"0x00000000000000000000000000000000000000aa":{"balance":"-5"}}}""", "balance")]
    [InlineData("""{"config":{"chainId":1},"alloc":{"0x00000000000000000000000000000000000000aa":{"code":"0xzz"}}}""", "code")]
    public void Rejects_malformed_genesis_with_the_field_named(string json, string expected)
    {
        GenesisFormatException error = Assert.Throws<GenesisFormatException>(() => Genesis.Parse(json));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }
}
