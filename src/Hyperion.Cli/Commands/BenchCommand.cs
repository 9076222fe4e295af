using System.CommandLine;

namespace Hyperion.Cli.Commands;

/// <summary><c>hyperion bench state</c>, <c>hyperion bench exec</c>: end-to-end benchmarks that need a large on-disk setup (not BenchmarkDotNet-sized).</summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var command = new Command("bench", "Run end-to-end benchmarks.");
        command.Subcommands.Add(DbBenchmark.CreateCommand("state"));
        command.Subcommands.Add(ExecBenchmark.CreateCommand());
        return command;
    }
}
