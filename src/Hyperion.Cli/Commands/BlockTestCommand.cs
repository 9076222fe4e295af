using System.CommandLine;
using System.Text.RegularExpressions;
using Hyperion.Evm;
using Hyperion.Execution.BlockTests;
using Hyperion.Execution.Parallel;

namespace Hyperion.Cli.Commands;

/// <summary>
/// <c>hyperion blocktest PATH... [--fork NAME] [--run REGEX] [--json] [--exec-threads N] [--vm TIER]</c>: runs Ethereum BlockchainTests fixtures
/// (files, or directories searched recursively for *.json) and reports failing tests and totals.
/// </summary>
internal static class BlockTestCommand
{
    public static Command Create()
    {
        var paths = new Argument<string[]>("PATH") { Description = "Blockchain-test JSON files or directories (searched recursively).", Arity = ArgumentArity.OneOrMore };
        var fork = new Option<string?>("--fork") { Description = "Run only tests of this network (only Cancun is supported)." };
        var run = new Option<string?>("--run") { Description = "Run only tests whose name matches this regular expression." };
        var json = new Option<bool>("--json") { Description = "Print every test as a JSON line, then a summary line." };
        var threads = ExecThreadsOption.Create("Every block goes through Block-STM, however small, so the tests check it.");
        var vm = VmOption.Create();
        var command = new Command("blocktest", "Run Ethereum blockchain tests; exits non-zero when any test fails.") { paths, fork, run, json, threads, vm };
        command.SetAction(parse =>
        {
            VmOption.Apply(parse.GetValue(vm));
            return Run(parse.GetValue(paths)!, parse.GetValue(fork), parse.GetValue(run), parse.GetValue(json), parse.GetValue(threads));
        });
        return command;
    }

    private static int Run(string[] paths, string? forkName, string? pattern, bool json, int threads)
    {
        if (!ExecThreadsOption.Validate("blocktest", threads) ||
            !FixtureCommands.TryParseOptions("blocktest", forkName, pattern, out Fork? fork, out Regex? filter) ||
            FixtureCommands.Collect(paths, "blocktest") is not { } files)
        {
            return 2;
        }

        var results = new IReadOnlyList<BlockTestResult>[files.Count];
        Parallel.For(0, files.Count, i => results[i] = BlockTestRunner.RunFile(files[i], fork, filter, spec => ExecutorThreads.Executor(threads, spec, null, sequentialBelow: 0)));
        return FixtureCommands.Report(
            results.SelectMany(r => r).Select(r => new FixtureCommands.Row(
                r.Status,
                $"FAIL {r.File} {r.Test} {r.Network}: {r.Detail}",
                new { file = r.File, test = r.Test, network = r.Network, status = r.Status.ToString().ToLowerInvariant(), detail = r.Detail })),
            json);
    }
}
