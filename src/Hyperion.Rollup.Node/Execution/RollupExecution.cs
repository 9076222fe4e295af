using Hyperion.Execution.Blocks;
using Hyperion.Execution.Parallel;
using Hyperion.Execution.Specs;
using Hyperion.Rollup.Config;

namespace Hyperion.Rollup.Node.Execution;

/// <summary>How a rollup node executes L2 blocks: Ethereum's block executor with the rollup's handler and precompiles.</summary>
public static class RollupExecution
{
    /// <summary>
    /// The block executor of the L2 chain with <see cref="RollupTransactionHandler"/>, and, when the config activates
    /// them (from genesis, <see cref="RollupChainSpec.From"/>), Fjord's P256VERIFY and Granite's cap on the pairing
    /// input: the sequential <see cref="BlockExecutor"/> for <paramref name="threads"/> 0, else the parallel one
    /// (Block-STM), which runs the blocks executed whole (derived blocks, re-execution); the sequencer's open block
    /// runs one transaction at a time either way.
    /// </summary>
    /// <param name="spec">The L2 chain spec (<see cref="RollupChainSpec.From"/>).</param>
    /// <param name="precompiles">The chain's other precompiles (default: Ethereum's).</param>
    /// <param name="config">The rollup config.</param>
    /// <param name="threads">Block-STM's threads (<c>--exec-threads</c>); 0: sequential.</param>
    /// <param name="sequentialBelow">Blocks with fewer transactions run sequentially (null: the parallel executor's default).</param>
    /// <param name="measured">Each block on whichever of Block-STM and the sequential executor has been faster lately (a node's choice; off, every block goes through Block-STM).</param>
    public static IBlockExecutor CreateExecutor(ChainSpec spec, ChainPrecompiles? precompiles, RollupConfig config, int threads = 0, int? sequentialBelow = null, bool measured = true)
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

        return ExecutorThreads.Executor(threads, spec, table, new RollupTransactionHandler(config), sequentialBelow, measured);
    }
}
