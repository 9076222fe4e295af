using System.CommandLine;
using Hyperion.Execution.Blocks;
using Hyperion.Execution.Parallel;
using Hyperion.Execution.Specs;

namespace Hyperion.Cli.Commands;

/// <summary><c>--exec-threads N</c>, shared by dev, statetest and blocktest: how many threads execute a block.</summary>
internal static class ExecThreadsOption
{
    /// <param name="detail">What the option means for the command.</param>
    public static Option<int> Create(string detail) => new("--exec-threads")
    {
        Description = $"Threads that execute a block's transactions with Block-STM (0: sequentially, one at a time). {detail} Default: the number of cores.",
        DefaultValueFactory = _ => Environment.ProcessorCount,
    };

    /// <summary>Null (after printing why) when <paramref name="threads"/> is out of range.</summary>
    public static bool Validate(string command, int threads)
    {
        if (threads is >= 0 and <= 256)
        {
            return true;
        }

        Console.Error.WriteLine($"hyperion {command}: --exec-threads must be in 0..256");
        return false;
    }

    /// <summary>
    /// The executor for <paramref name="threads"/>: the sequential one for 0, else the parallel one (with
    /// <paramref name="sequentialBelow"/>: blocks with fewer transactions run sequentially; null for its default;
    /// <paramref name="measured"/>: each block on whichever of the two has been faster lately).
    /// </summary>
    public static IBlockExecutor Executor(int threads, ChainSpec spec, ChainPrecompiles? precompiles, int? sequentialBelow, bool measured = false) =>
        threads == 0 ? new BlockExecutor(spec, precompiles) : new ParallelBlockExecutor(spec, precompiles, threads: threads, sequentialBelow: sequentialBelow, measured: measured);
}
