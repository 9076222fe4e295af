using System.CommandLine;

namespace Hyperion.Cli.Commands;

/// <summary><c>--exec-threads N</c>, shared by dev, node, sequencer, devnet, statetest and blocktest: how many threads execute a block.</summary>
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
}
