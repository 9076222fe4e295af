using Hyperion.Execution.Blocks;
using Hyperion.Execution.Specs;
using Hyperion.Rollup.Config;

namespace Hyperion.Rollup.Node.Execution;

/// <summary>How a rollup node executes L2 blocks: Ethereum's block executor with the rollup's handler and precompiles.</summary>
public static class RollupExecution
{
    /// <summary>
    /// The block executor of the L2 chain: <see cref="BlockExecutor"/> with <see cref="RollupTransactionHandler"/>,
    /// and, when the config activates them (from genesis, <see cref="RollupChainSpec.From"/>), Fjord's P256VERIFY and
    /// Granite's cap on the pairing input.
    /// </summary>
    /// <param name="spec">The L2 chain spec (<see cref="RollupChainSpec.From"/>).</param>
    /// <param name="precompiles">The chain's other precompiles (default: Ethereum's).</param>
    /// <param name="config">The rollup config.</param>
    public static IBlockExecutor CreateExecutor(ChainSpec spec, ChainPrecompiles? precompiles, RollupConfig config)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(config);
        ChainPrecompiles table = precompiles ?? ChainPrecompiles.Standard;
        if (config.FjordTime is not null)
        {
            table = table.With(RollupPrecompiles.P256VerifyAddress, RollupPrecompiles.P256Verify);
        }

        if (config.GraniteTime is not null)
        {
            table = table.Replacing(RollupPrecompiles.Bn254PairingAddress, RollupPrecompiles.GranitePairing);
        }

        return new BlockExecutor(spec, table, new RollupTransactionHandler(config));
    }
}
