using Hyperion.Execution.Specs;
using Hyperion.Rollup.Config;

namespace Hyperion.Rollup.Node.Execution;

/// <summary>
/// The L2 chain spec of a rollup config: Ethereum's forks to Paris from block 0, Shanghai at Canyon and Cancun at
/// Ecotone (as op-geth maps them), the OP upgrades by L2 timestamp, the L2 gas limit of the genesis system config, and
/// the EIP-1559 parameters of the config's <c>hyperion</c> section (Canyon's denominator from Canyon).
/// </summary>
public static class RollupChainSpec
{
    /// <summary>The chain spec of <paramref name="config"/>.</summary>
    /// <exception cref="RollupConfigException">
    /// The config schedules an upgrade after genesis that needs network-upgrade transactions or execution changes this
    /// node applies only from genesis: Regolith, Canyon, Delta and Ecotone must be active at genesis, Fjord and Granite
    /// at genesis or never.
    /// </exception>
    public static ChainSpec From(RollupConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        EnsureSupportedSchedule(config);
        HyperionRollupSettings settings = config.Hyperion;
        List<ForkActivation> forks =
        [
            .. Hardforks.Ethereum.Where(f => f <= Hardfork.Paris).Select(f => new ForkActivation(f, ForkCondition.Block(0))),
            new(Hardfork.Shanghai, ForkCondition.Timestamp(config.CanyonTime!.Value)),
            new(Hardfork.Cancun, ForkCondition.Timestamp(config.EcotoneTime!.Value)),
            new(Hardfork.Bedrock, ForkCondition.Block(0)),
            new(Hardfork.Regolith, ForkCondition.Timestamp(config.RegolithTime!.Value)),
            new(Hardfork.Canyon, ForkCondition.Timestamp(config.CanyonTime.Value)),
            new(Hardfork.Delta, ForkCondition.Timestamp(config.DeltaTime!.Value)),
            new(Hardfork.Ecotone, ForkCondition.Timestamp(config.EcotoneTime.Value)),
        ];
        if (config.FjordTime is ulong fjord)
        {
            forks.Add(new ForkActivation(Hardfork.Fjord, ForkCondition.Timestamp(fjord)));
        }

        if (config.GraniteTime is ulong granite)
        {
            forks.Add(new ForkActivation(Hardfork.Granite, ForkCondition.Timestamp(granite)));
        }

        return new ChainSpec
        {
            ChainId = config.L2ChainId,
            Forks = forks,
            GasLimit = config.GenesisSystemConfig.GasLimit,
            BaseFeeSchedule =
            [
                (Hardfork.London, new BaseFeeParameters(settings.Eip1559Elasticity, settings.Eip1559Denominator)),
                (Hardfork.Canyon, new BaseFeeParameters(settings.Eip1559Elasticity, settings.Eip1559DenominatorCanyon)),
            ],
            Rollup = new RollupParameters { ReceiptFields = (block, index) => RollupReceiptFields.For(config, block, index) },
        };
    }

    private static void EnsureSupportedSchedule(RollupConfig config)
    {
        List<string> errors = [];
        ulong genesis = config.GenesisL2Time;
        foreach ((string name, ulong? time) in new[]
        {
            ("regolith_time", config.RegolithTime), ("canyon_time", config.CanyonTime), ("delta_time", config.DeltaTime), ("ecotone_time", config.EcotoneTime),
        })
        {
            if (time is not ulong t || t > genesis)
            {
                errors.Add($"{name} must be at or before the L2 genesis time {genesis} (this node executes from Ecotone on)");
            }
        }

        foreach ((string name, ulong? time) in new[] { ("fjord_time", config.FjordTime), ("granite_time", config.GraniteTime) })
        {
            if (time is ulong t && t > genesis)
            {
                errors.Add($"{name} must be at or before the L2 genesis time {genesis}, or unset (upgrades after genesis are not supported)");
            }
        }

        if (config.GenesisL2.Number != 0)
        {
            errors.Add($"genesis.l2.number must be 0, not {config.GenesisL2.Number} (the L2 starts at its genesis)");
        }

        if (errors.Count > 0)
        {
            throw new RollupConfigException(errors);
        }
    }
}
