using Hyperion.Rollup.Config;

namespace Hyperion.Rollup.Tests;

public class RollupConfigTests
{
    [Fact]
    public void Json_round_trips()
    {
        RollupConfig config = TestConfig.Default with { GraniteTime = 10 };
        string json = config.ToJson();
        Assert.Equal(config, RollupConfig.FromJson(json));
        Assert.Contains("\"seq_window_size\": 10", json);
        Assert.Contains("\"batcherAddr\"", json);
    }

    [Fact]
    public void Op_node_rollup_json_loads()
    {
        const string json = """
        {
          "genesis": {
            "l1": { "hash": "0x438335a20d98863a4c0c97999eb2481921ccd28553eac6f913af7c12aec04108", "number": 17422590 },
            "l2": { "hash": "0xdbf6a80fef073de06add9b0d14026d6e5a86c85f6d102c36d3d8e9cf89c2afd3", "number": 105235063 },
            "l2_time": 1686068903,
            "system_config": {
              "batcherAddr": "0x6887246668a3b87f54deb3b94ba47a6f63f32985",
              "overhead": "0x00000000000000000000000000000000000000000000000000000000000000bc",
              "scalar": "0x00000000000000000000000000000000000000000000000000000000000a6fe0",
              "gasLimit": 30000000
            }
          },
          "block_time": 2, "max_sequencer_drift": 600, "seq_window_size": 3600, "channel_timeout": 300,
          "l1_chain_id": 1, "l2_chain_id": 10,
          "regolith_time": 0, "canyon_time": 1704992401, "delta_time": 1708560000, "ecotone_time": 1710374401,
          "fjord_time": 1720627201, "granite_time": 1726070401,
          "batch_inbox_address": "0xff00000000000000000000000000000000000010",
          "deposit_contract_address": "0xbeb5fc579115071764c7423a4f12edde41f106ed",
          "l1_system_config_address": "0x229047fed2591dbec1ef1118d64f7af3db9eb290",
          "protocol_versions_address": "0x8062abc286f5e7d9428a0ccb9abd71e50d93b935",
          "da_challenge_contract_address": null
        }
        """;
        RollupConfig config = RollupConfig.FromJson(json);
        Assert.Equal(10UL, config.L2ChainId);
        Assert.Equal(105235063UL, config.GenesisL2.Number);
        Assert.True(config.IsGranite(1726070401));
        Assert.False(config.IsGranite(1726070400));
        Assert.Equal(50UL, config.ChannelTimeout(1726070401));
        Assert.Equal(300UL, config.ChannelTimeout(1726070400));
        Assert.Equal(1800UL, config.MaxSequencerDriftAt(1720627201));
    }

    [Fact]
    public void Validation_lists_every_problem()
    {
        RollupConfig bad = TestConfig.Default with { BlockTime = 0, SeqWindowSize = 1, L1ChainId = 901, DeltaTime = null, HoloceneTime = 5 };
        IReadOnlyList<string> errors = bad.Validate();
        Assert.Contains(errors, e => e.Contains("block_time"));
        Assert.Contains(errors, e => e.Contains("seq_window_size"));
        Assert.Contains(errors, e => e.Contains("must differ"));
        Assert.Contains(errors, e => e.Contains("ecotone_time"));   // Ecotone scheduled without Delta
        Assert.Contains(errors, e => e.Contains("Holocene"));
        Assert.Empty(TestConfig.Default.Validate());
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{}")]
    [InlineData("""{"genesis": {"l1": 5}}""")]
    public void Malformed_json_is_a_config_error(string json) =>
        Assert.Throws<RollupConfigException>(() => RollupConfig.FromJson(json));
}
