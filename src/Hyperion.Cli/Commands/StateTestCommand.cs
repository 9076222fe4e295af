using System.CommandLine;
using System.Text.RegularExpressions;
using Hyperion.Evm;
using Hyperion.Execution.StateTests;

namespace Hyperion.Cli.Commands;

/// <summary>
/// <c>hyperion statetest PATH... [--fork NAME] [--run REGEX] [--json] [--trace] [--exec-threads N] [--vm TIER]</c>: runs Ethereum GeneralStateTests
/// fixtures (files, or directories searched recursively for *.json) and reports failing cases and totals.
/// </summary>
internal static class StateTestCommand
{
    public static Command Create()
    {
        var paths = new Argument<string[]>("PATH") { Description = "State-test JSON files or directories (searched recursively).", Arity = ArgumentArity.OneOrMore };
        var fork = new Option<string?>("--fork") { Description = "Run only this fork (Berlin, London, Paris/Merge, Shanghai, Cancun)." };
        var run = new Option<string?>("--run") { Description = "Run only tests whose name matches this regular expression." };
        var json = new Option<bool>("--json") { Description = "Print every case as a JSON line, then a summary line." };
        var trace = new Option<bool>("--trace") { Description = "Write EIP-3155 traces of every transaction to stderr (runs sequentially)." };
        var threads = ExecThreadsOption.Create("A case's one transaction then runs through the parallel executor's multi-version state; --trace runs it directly.");
        var vm = VmOption.Create();
        var command = new Command("statetest", "Run Ethereum state tests against MetisVM; exits non-zero when any case fails.") { paths, fork, run, json, trace, threads, vm };
        command.SetAction(parse =>
        {
            VmOption.Apply(parse.GetValue(vm));
            return Run(parse.GetValue(paths)!, parse.GetValue(fork), parse.GetValue(run), parse.GetValue(json), parse.GetValue(trace), parse.GetValue(threads));
        });
        return command;
    }

    private static int Run(string[] paths, string? forkName, string? pattern, bool json, bool trace, int threads)
    {
        if (!ExecThreadsOption.Validate("statetest", threads) ||
            !FixtureCommands.TryParseOptions("statetest", forkName, pattern, out Fork? fork, out Regex? filter) ||
            FixtureCommands.Collect(paths, "statetest") is not { } files)
        {
            return 2;
        }

        var options = new StateTestRunOptions { Fork = fork, NameFilter = filter, Trace = trace ? Console.Error : null, ExecutionThreads = threads == 0 ? null : threads };
        var results = new IReadOnlyList<StateTestCaseResult>[files.Count];
        if (trace)
        {
            for (int i = 0; i < files.Count; i++)
            {
                results[i] = StateTestRunner.RunFile(files[i], options);
            }
        }
        else
        {
            Parallel.For(0, files.Count, i => results[i] = StateTestRunner.RunFile(files[i], options));
        }

        return FixtureCommands.Report(
            results.SelectMany(r => r).Select(r => new FixtureCommands.Row(
                r.Status,
                $"FAIL {r.File} {r.Test} {r.Fork} d={r.Indexes.Data} g={r.Indexes.Gas} v={r.Indexes.Value}: {r.Detail}",
                new
                {
                    file = r.File,
                    test = r.Test,
                    fork = r.Fork,
                    d = r.Indexes.Data,
                    g = r.Indexes.Gas,
                    v = r.Indexes.Value,
                    status = r.Status.ToString().ToLowerInvariant(),
                    detail = r.Detail,
                })),
            json);
    }
}
