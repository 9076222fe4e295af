using Hyperion.Execution.Blocks;
using Hyperion.Execution.Specs;
using Hyperion.Execution.Transactions;

namespace Hyperion.Execution.Parallel;

/// <summary>The block executor for a thread count (<c>--exec-threads</c>), made the same way by every command and node.</summary>
public static class ExecutorThreads
{
    /// <summary>
    /// The sequential executor for <paramref name="threads"/> 0, else the parallel one on that many threads (with
    /// <paramref name="sequentialBelow"/>: blocks with fewer transactions run sequentially, null for its default;
    /// <paramref name="measured"/>: each block on whichever of the two has been faster lately).
    /// </summary>
    /// <param name="handler">The chain's transaction handler (default: Ethereum's).</param>
    public static IBlockExecutor Executor(int threads, ChainSpec spec, ChainPrecompiles? precompiles, TransactionHandler? handler = null, int? sequentialBelow = null, bool measured = false) =>
        threads == 0
            ? new BlockExecutor(spec, precompiles, handler)
            : new ParallelBlockExecutor(spec, precompiles, handler, threads: threads, sequentialBelow: sequentialBelow, measured: measured);
}
