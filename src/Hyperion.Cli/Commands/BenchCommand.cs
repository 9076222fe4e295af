using System.CommandLine;

namespace Hyperion.Cli.Commands;

/// <summary><c>hyperion bench state|exec|evm</c>: benchmarks run from the CLI (a large on-disk setup, sequential vs parallel execution, or quick in-process EVM timing to profile).</summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var command = new Command("bench", "Run end-to-end benchmarks.");
        command.Subcommands.Add(DbBenchmark.CreateCommand("state"));
        command.Subcommands.Add(ExecBenchmark.CreateCommand());
        command.Subcommands.Add(EvmBenchmark.CreateCommand());
        return command;
    }
}
