using System.CommandLine;

namespace Hyperion.Cli.Commands;

/// <summary><c>hyperion bench state|exec|evm|rollup</c>: benchmarks run from the CLI (a large on-disk setup, sequential vs parallel execution, quick in-process EVM timing to profile, the rollup batcher's L1 cost).</summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var command = new Command("bench", "Run end-to-end benchmarks.");
        command.Subcommands.Add(DbBenchmark.CreateCommand("state"));
        command.Subcommands.Add(ExecBenchmark.CreateCommand());
        command.Subcommands.Add(EvmBenchmark.CreateCommand());
        command.Subcommands.Add(RollupBenchmark.CreateCommand());
        return command;
    }
}
