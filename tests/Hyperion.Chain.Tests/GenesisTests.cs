using Hyperion.Core;
using Hyperion.Core.Blocks;
using Hyperion.Evm;
using Hyperion.Execution.Blocks;
using Hyperion.Execution.Specs;

namespace Hyperion.Chain.Tests;

public sealed class GenesisTests
{
    [Fact]
    public void Parses_geth_genesis_json()
    {
        const string json = """
        {
          "config": { "chainId": 1337, "homesteadBlock": 0, "eip150Block": 0, "eip155Block": 0, "eip158Block": 0, "byzantiumBlock": 0,
                      "constantinopleBlock": 0, "petersburgBlock": 0, "istanbulBlock": 0, "berlinBlock": 0, "londonBlock": 0 },
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
    [InlineData("{}", "config is missing")]
    [InlineData("""{"config":{}}""", "config.chainId is missing")]
    [InlineData("""{"config":{"chainId":"x"}}""", "config.chainId")]
    [InlineData("""{"config":{"chainId":1},"alloc":{"0x12":{}}}""", "is not an address")]
    [InlineData("""{"config":{"chainId":1},"alloc":{"0x00000000000000000000000000000000000000aa":{"balance":"-5"}}}""", "balance")]
    [InlineData("""{"config":{"chainId":1},"alloc":{"0x00000000000000000000000000000000000000aa":{"code":"0xzz"}}}""", "code")]
    public void Rejects_malformed_genesis_with_the_field_named(string json, string expected)
    {
        GenesisFormatException error = Assert.Throws<GenesisFormatException>(() => Genesis.Parse(json));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    /// <summary>A geth config of a chain that went through every fork: block-numbered ones, the merge by netsplit block, timed ones.</summary>
    private const string MainnetLikeConfig = """
        "chainId": 5, "homesteadBlock": 1, "daoForkBlock": 2, "eip150Block": 3, "eip155Block": 4, "eip158Block": 4,
        "byzantiumBlock": 5, "constantinopleBlock": 6, "petersburgBlock": 6, "istanbulBlock": 7, "muirGlacierBlock": 8,
        "berlinBlock": 9, "londonBlock": 10, "arrowGlacierBlock": 11, "grayGlacierBlock": 12,
        "terminalTotalDifficulty": "0x100", "mergeNetsplitBlock": 13,
        "shanghaiTime": 1000, "cancunTime": 2000, "pragueTime": 3000
        """;

    [Theory]
    [InlineData(0UL, 0UL, Hardfork.Frontier)]
    [InlineData(1UL, 0UL, Hardfork.Homestead)]
    [InlineData(4UL, 0UL, Hardfork.SpuriousDragon)]
    [InlineData(6UL, 0UL, Hardfork.Petersburg)]
    [InlineData(9UL, 0UL, Hardfork.Berlin)]
    [InlineData(12UL, 0UL, Hardfork.GrayGlacier)]
    [InlineData(13UL, 999UL, Hardfork.Paris)]
    [InlineData(14UL, 1000UL, Hardfork.Shanghai)]
    [InlineData(15UL, 2000UL, Hardfork.Cancun)]
    [InlineData(16UL, 3000UL, Hardfork.Prague)]
    public void Geth_fork_fields_map_onto_the_schedule(ulong number, ulong timestamp, Hardfork expected)
    {
        Genesis genesis = Genesis.Parse($$"""{ "config": { {{MainnetLikeConfig}} } }""");
        Assert.Equal(5UL, genesis.ChainId);
        Assert.Equal(expected, genesis.Spec.LatestEthereumFork(number, timestamp));
        Assert.Equal(expected == Hardfork.Prague ? BlobSchedule.Prague : expected == Hardfork.Cancun ? BlobSchedule.Cancun : null,
            genesis.Spec.BlobScheduleAt(number, timestamp));
    }

    [Fact]
    public void Terminal_total_difficulty_zero_is_the_merge_at_genesis_and_the_blob_schedule_is_read()
    {
        Genesis genesis = Genesis.Parse("""
            { "config": { "chainId": 9, "homesteadBlock": 0, "eip150Block": 0, "eip158Block": 0, "byzantiumBlock": 0,
              "constantinopleBlock": 0, "istanbulBlock": 0, "berlinBlock": 0, "londonBlock": 0,
              "terminalTotalDifficulty": 0, "shanghaiTime": 0, "cancunTime": 0,
              "blobSchedule": { "cancun": { "target": 2, "max": 4, "baseFeeUpdateFraction": 1000 } } },
              "gasLimit": "0x2000000" }
            """);
        Assert.Equal(Fork.Cancun, genesis.Spec.ForkAt(0, 0));
        Assert.Equal(new BlobSchedule(2, 4, 1000), genesis.Spec.BlobScheduleAt(0, 0));
        Assert.Equal(0x2000000UL, genesis.GasLimit);
        BlockHeader header = genesis.BuildHeader(Hash256.Zero);
        Assert.Equal(0UL, header.ExcessBlobGas);
        Assert.NotNull(header.WithdrawalsRoot);
        Assert.Equal(Hash256.Zero, header.ParentBeaconBlockRoot);
    }

    [Fact]
    public void A_pre_merge_genesis_header_has_only_the_fields_of_its_forks()
    {
        Genesis genesis = Genesis.Parse("""
            { "config": { "chainId": 9, "homesteadBlock": 0, "eip150Block": 0, "eip158Block": 0, "byzantiumBlock": 0,
              "constantinopleBlock": 0, "istanbulBlock": 0, "berlinBlock": 0, "londonBlock": 0 } }
            """);
        BlockHeader header = genesis.BuildHeader(Hash256.Zero);
        Assert.NotNull(header.BaseFeePerGas);
        Assert.Null(header.WithdrawalsRoot);
        Assert.Null(header.ExcessBlobGas);
        Assert.Null(header.ParentBeaconBlockRoot);
        Assert.Equal(Fork.London, genesis.Spec.ForkAt(0, 0));
    }

    [Theory]
    [InlineData("""{"config":{"chainId":1,"londonBlock":0}}""", "Homestead")]
    [InlineData("""{"config":{"chainId":1,"homesteadBlock":0,"eip150Block":0,"eip158Block":0,"byzantiumBlock":0,"constantinopleBlock":0,"istanbulBlock":0,"berlinBlock":5,"londonBlock":4}}""", "activates before")]
    [InlineData("""{"config":{"chainId":1,"homesteadBlock":0,"eip150Block":0,"eip158Block":0,"byzantiumBlock":0,"constantinopleBlock":0,"istanbulBlock":0,"berlinBlock":0,"londonBlock":0,"terminalTotalDifficulty":"0x10"}}""", "mergeNetsplitBlock")]
    [InlineData("""{"config":{"chainId":1,"homesteadBlock":0,"eip150Block":0,"eip158Block":0,"byzantiumBlock":0,"constantinopleBlock":0,"istanbulBlock":0,"berlinBlock":0,"londonBlock":0,"shanghaiTime":0}}""", "Paris")]
    [InlineData("""{"config":{"chainId":1,"homesteadBlock":"0xq"}}""", "config.homesteadBlock")]
    [InlineData("""{"config":{"chainId":1,"osakaTime":0}}""", "config.osakaTime")]
    [InlineData("""{"config":{"chainId":1,"blobSchedule":{"cancun":{"target":3}}}}""", "config.blobSchedule.cancun.max is missing")]
    [InlineData("""{"config":{"chainId":1,"blobSchedule":{"cancun":{"target":7,"max":6,"baseFeeUpdateFraction":1}}}}""", "target ≤ max")]
    [InlineData("""{"config":{"chainId":1,"blobSchedule":{"osaka":{}}}}""", "config.blobSchedule.osaka")]
    [InlineData("""{"config":"x"}""", "config must be an object")]
    public void Malformed_chain_configs_are_refused_with_the_field_named(string json, string expected)
    {
        GenesisFormatException error = Assert.Throws<GenesisFormatException>(() => Genesis.Parse(json));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_dev_genesis_runs_every_fork_from_block_0_and_holds_the_beacon_roots_contract()
    {
        Genesis genesis = TestChain.Genesis();
        Assert.Equal(Enum.GetValues<Fork>().Max(), genesis.Spec.ForkAt(0, 0));
        var state = genesis.BuildState();
        Assert.True(state.TryGetAccount(SystemContracts.BeaconRootsAddress, out var account));
        Assert.Equal(1UL, account.Nonce);
        Assert.Equal(SystemContracts.BeaconRootsCode.ToArray(), state.GetCode(account.CodeHash));
    }
}
