using Hyperion.Chain;
using Hyperion.Core;
using Hyperion.Core.Blocks;
using Hyperion.Execution.Blocks;
using Hyperion.Rollup.Config;
using Hyperion.Rollup.Node.Contracts;
using Hyperion.Rollup.Node.Execution;
using ChainGenesis = Hyperion.Chain.Genesis;

namespace Hyperion.Rollup.Node.L2Genesis;

/// <summary>
/// The L2 genesis of a rollup, a pure function of its config, so a verifier with only rollup.json rebuilds the same
/// block: the chain spec of <see cref="RollupChainSpec.From"/>, genesis time <c>genesis.l2_time</c>, the base fee of
/// the <c>hyperion</c> section, the EIP-4788 beacon roots contract (as the dev genesis has it), the predeploys at OP's
/// addresses with the compiled runtime code and their immutables filled (L1Block, GasPriceOracle, the three fee vaults
/// with their recipients, L2StandardBridge with the L2 messenger and the L1 bridge, OptimismMintableERC20Factory,
/// L2ToL1MessagePasser, L2CrossDomainMessenger with the L1 messenger), and the funded accounts.
/// </summary>
public static class RollupGenesis
{
    private static readonly UInt256 Slot0 = UInt256.Zero;

    /// <summary>The genesis of the L2 chain of <paramref name="config"/>.</summary>
    /// <exception cref="RollupConfigException">The config's fork schedule is not supported (<see cref="RollupChainSpec.From"/>).</exception>
    public static ChainGenesis Build(RollupConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        HyperionRollupSettings settings = config.Hyperion;
        var alloc = new SortedDictionary<Address, GenesisAccount>();
        foreach ((Address address, UInt256 balance) in settings.FundedAccounts)
        {
            alloc[address] = new GenesisAccount(balance);
        }

        alloc[SystemContracts.BeaconRootsAddress] = new GenesisAccount(UInt256.Zero, Nonce: 1, Code: SystemContracts.BeaconRootsCode.ToArray());
        alloc[Predeploys.L1Block] = Predeploy("L1Block");
        alloc[Predeploys.GasPriceOracle] = Predeploy(
            "GasPriceOracle",
            storage: config.FjordTime is not null ? new Dictionary<UInt256, UInt256> { [Slot0] = UInt256.One } : null); // isFjord
        alloc[Predeploys.SequencerFeeVault] = FeeVault("SequencerFeeVault", settings.SequencerFeeVaultRecipient, settings);
        alloc[Predeploys.BaseFeeVault] = FeeVault("BaseFeeVault", settings.BaseFeeVaultRecipient, settings);
        alloc[Predeploys.L1FeeVault] = FeeVault("L1FeeVault", settings.L1FeeVaultRecipient, settings);
        alloc[Predeploys.L2StandardBridge] = Predeploy("L2StandardBridge", new Dictionary<string, UInt256>
        {
            ["MESSENGER"] = Word(Predeploys.L2CrossDomainMessenger),
            ["OTHER_BRIDGE"] = Word(settings.L1StandardBridge),
        });
        alloc[Predeploys.OptimismMintableErc20Factory] = Predeploy(
            "OptimismMintableERC20Factory", new Dictionary<string, UInt256> { ["BRIDGE"] = Word(Predeploys.L2StandardBridge) });
        alloc[Predeploys.L2ToL1MessagePasser] = Predeploy("L2ToL1MessagePasser");
        alloc[Predeploys.L2CrossDomainMessenger] = Predeploy(
            "L2CrossDomainMessenger", new Dictionary<string, UInt256> { ["OTHER_MESSENGER"] = Word(settings.L1CrossDomainMessenger) });

        return new ChainGenesis
        {
            Spec = RollupChainSpec.From(config),
            BaseFeePerGas = settings.GenesisBaseFee,
            Timestamp = config.GenesisL2Time,
            Alloc = alloc,
        };
    }

    /// <summary>The genesis block of <paramref name="config"/> (header with its state root, empty body).</summary>
    public static Block BuildBlock(RollupConfig config)
    {
        ChainGenesis genesis = Build(config);
        return new Block(genesis.BuildHeader(genesis.BuildState().ComputeStateRoot()), new BlockBody([], [], []));
    }

    /// <summary>The hash of the genesis block of <paramref name="config"/>: what <c>genesis.l2.hash</c> must be.</summary>
    public static Hash256 ComputeHash(RollupConfig config) => BuildBlock(config).Header.Hash;

    /// <summary>Refuses a config whose <c>genesis.l2.hash</c> is not the hash of the genesis it describes.</summary>
    /// <exception cref="RollupConfigException">The hashes differ (the config and the chain would not agree).</exception>
    public static void EnsureHashMatches(RollupConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        Hash256 computed = ComputeHash(config);
        if (computed != config.GenesisL2.Hash)
        {
            throw new RollupConfigException(
                $"genesis.l2.hash {config.GenesisL2.Hash} differs from the hash of the L2 genesis this config describes, {computed} (a different config, contracts or Hyperion version built it)");
        }
    }

    private static GenesisAccount FeeVault(string name, Address recipient, HyperionRollupSettings settings) =>
        new(UInt256.Zero, Code: RollupContracts.Get(name).RuntimeBytecodeWith(new Dictionary<string, UInt256>
        {
            ["RECIPIENT"] = Word(recipient),
            ["MIN_WITHDRAWAL_AMOUNT"] = settings.FeeVaultMinimumWithdrawal,
        }));

    private static GenesisAccount Predeploy(string name, IReadOnlyDictionary<string, UInt256>? immutables = null, IReadOnlyDictionary<UInt256, UInt256>? storage = null) =>
        new(UInt256.Zero, Code: RollupContracts.Get(name).RuntimeBytecodeWith(immutables ?? new Dictionary<string, UInt256>()), Storage: storage);

    private static UInt256 Word(in Address address) => UInt256.FromBigEndian(address.Bytes);
}
