using Hyperion.Chain;
using Hyperion.Core;
using Hyperion.Core.Blocks;
using Hyperion.Execution.Specs;
using Hyperion.Rollup.Config;
using Hyperion.Rollup.Node.Contracts;
using Hyperion.Rollup.Node.Execution;
using Hyperion.Rollup.Node.L2Genesis;

namespace Hyperion.Rollup.Node.Tests.Execution;

public class RollupGenesisTests
{
    [Fact]
    public void Genesis_is_a_pure_function_of_the_config()
    {
        RollupConfig config = TestRollupConfig.Create();
        Hash256 first = RollupGenesis.ComputeHash(config);
        Assert.Equal(first, RollupGenesis.ComputeHash(TestRollupConfig.Create()));

        // The config survives its JSON form, and so does the hash.
        RollupConfig reread = RollupConfig.FromJson(config.ToJson());
        Assert.Equal(config.Hyperion, reread.Hyperion);
        Assert.Equal(first, RollupGenesis.ComputeHash(reread));

        // What genesis is built from changes the hash: funded accounts, the L1 bridge, Fjord; what it is not built from does not.
        Assert.NotEqual(first, RollupGenesis.ComputeHash(config with { Hyperion = config.Hyperion with { FundedAccounts = new SortedDictionary<Address, UInt256>() } }));
        Assert.NotEqual(first, RollupGenesis.ComputeHash(config with { Hyperion = config.Hyperion with { L1StandardBridge = Address.Zero } }));
        Assert.NotEqual(first, RollupGenesis.ComputeHash(config with { Hyperion = config.Hyperion with { L1CrossDomainMessenger = TestRollupConfig.Funded } }));
        Assert.NotEqual(first, RollupGenesis.ComputeHash(TestRollupConfig.Create(fjord: true)));
        Assert.Equal(first, RollupGenesis.ComputeHash(config with { GenesisL2 = new BlockId(first, 0), SeqWindowSize = 7 }));
    }

    [Fact]
    public void Genesis_block_follows_the_config()
    {
        RollupConfig config = TestRollupConfig.Create();
        BlockHeader header = RollupGenesis.BuildBlock(config).Header;
        Assert.Equal(0ul, header.Number);
        Assert.Equal(TestRollupConfig.GenesisTime, header.Timestamp);
        Assert.Equal(30_000_000ul, header.GasLimit);
        Assert.Equal((UInt256)1_000_000_000UL, header.BaseFeePerGas);
        Assert.Equal(0ul, header.BlobGasUsed);
        Assert.Equal(Hash256.Zero, header.ParentBeaconBlockRoot);
    }

    [Fact]
    public void Hash_check_refuses_a_config_for_another_genesis()
    {
        RollupConfig config = TestRollupConfig.Create();
        RollupConfigException e = Assert.Throws<RollupConfigException>(() => RollupGenesis.EnsureHashMatches(config));
        Assert.Contains("genesis.l2.hash", e.Message, StringComparison.Ordinal);
        RollupGenesis.EnsureHashMatches(config with { GenesisL2 = new BlockId(RollupGenesis.ComputeHash(config), 0) });
    }

    [Fact]
    public void Predeploys_hold_the_compiled_code_and_genesis_values()
    {
        RollupConfig config = TestRollupConfig.Create(fjord: true);
        Genesis genesis = RollupGenesis.Build(config);
        Assert.Equal(RollupContracts.Get("L1Block").RuntimeBytecode.ToArray(), genesis.Alloc[Predeploys.L1Block].Code);
        Assert.Equal(UInt256.One, genesis.Alloc[Predeploys.GasPriceOracle].Storage![UInt256.Zero]); // isFjord
        Assert.Equal(TestRollupConfig.L1Bridge, Immutable(genesis, Predeploys.L2StandardBridge, "L2StandardBridge", "OTHER_BRIDGE"));
        Assert.Equal(Predeploys.L2CrossDomainMessenger, Immutable(genesis, Predeploys.L2StandardBridge, "L2StandardBridge", "MESSENGER"));
        Assert.Equal(Predeploys.L2StandardBridge, Immutable(genesis, Predeploys.OptimismMintableErc20Factory, "OptimismMintableERC20Factory", "BRIDGE"));
        Assert.Equal(Address.Zero, Immutable(genesis, Predeploys.L2CrossDomainMessenger, "L2CrossDomainMessenger", "OTHER_MESSENGER"));
        Genesis withMessenger = RollupGenesis.Build(config with { Hyperion = config.Hyperion with { L1CrossDomainMessenger = TestRollupConfig.Funded } });
        Assert.Equal(TestRollupConfig.Funded, Immutable(withMessenger, Predeploys.L2CrossDomainMessenger, "L2CrossDomainMessenger", "OTHER_MESSENGER"));
        byte[] vault = genesis.Alloc[Predeploys.BaseFeeVault].Code!;
        ImmutableReference recipient = RollupContracts.Get("BaseFeeVault").Immutables["RECIPIENT"][0];
        Assert.True(vault.AsSpan(recipient.Start + 12, 20).SequenceEqual(TestRollupConfig.VaultRecipient.Bytes));
        Assert.NotNull(genesis.Alloc[Predeploys.OptimismMintableErc20Factory].Code);
        Assert.Equal(RollupContracts.Get("L2ToL1MessagePasser").RuntimeBytecode.ToArray(), genesis.Alloc[Predeploys.L2ToL1MessagePasser].Code);
        Assert.Null(genesis.Alloc[Predeploys.L2ToL1MessagePasser].Storage); // no withdrawals yet: the output root's storage root is the empty trie's
        Assert.Equal(UInt256.Parse("10000000000000000000000"), genesis.Alloc[TestRollupConfig.Funded].Balance);
    }

    /// <summary>The address an immutable of a predeploy holds in the genesis code (every place it is read agrees).</summary>
    private static Address Immutable(Genesis genesis, Address predeploy, string contract, string name)
    {
        byte[] code = genesis.Alloc[predeploy].Code!;
        Address[] values = [.. RollupContracts.Get(contract).Immutables[name].Select(r => new Address(code.AsSpan(r.Start + 12, 20)))];
        Assert.NotEmpty(values);
        Assert.All(values, v => Assert.Equal(values[0], v));
        return values[0];
    }

    [Fact]
    public void Chain_spec_has_the_OP_upgrades_and_base_fee_parameters()
    {
        ChainSpec spec = RollupChainSpec.From(TestRollupConfig.Create(fjord: true));
        Assert.Equal(901ul, spec.ChainId);
        Assert.True(spec.IsActive(Hardfork.Ecotone, 0, TestRollupConfig.GenesisTime));
        Assert.True(spec.IsActive(Hardfork.Fjord, 0, TestRollupConfig.GenesisTime));
        Assert.False(spec.IsActive(Hardfork.Granite, 0, TestRollupConfig.GenesisTime));
        Assert.Equal(Hyperion.Evm.Fork.Cancun, spec.ForkAt(1, TestRollupConfig.GenesisTime + 2));
        Assert.Equal(new BaseFeeParameters(6, 250), spec.BaseFeeParametersAt(1, TestRollupConfig.GenesisTime));
        Assert.False(spec.TransactionRulesAt(1, TestRollupConfig.GenesisTime).AllowBlobTransactions);
        Assert.False(spec.TransactionRulesAt(1, TestRollupConfig.GenesisTime).AllowDeposits);
    }

    [Fact]
    public void Chain_spec_refuses_upgrades_after_genesis()
    {
        RollupConfig config = TestRollupConfig.Create();
        RollupConfigException e = Assert.Throws<RollupConfigException>(() => RollupChainSpec.From(config with { EcotoneTime = TestRollupConfig.GenesisTime + 10 }));
        Assert.Contains("ecotone_time", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<RollupConfigException>(() => RollupChainSpec.From(config with { FjordTime = TestRollupConfig.GenesisTime + 10 }));
        Assert.Contains("fjord_time", e.Message, StringComparison.Ordinal);
    }
}
