using System.CommandLine;
using System.Text.Json;
using System.Text.RegularExpressions;
using Hyperion.Evm;
using Hyperion.Execution.StateTests;

namespace Hyperion.Cli.Commands;

/// <summary>
/// <c>hyperion statetest PATH... [--fork NAME] [--run REGEX] [--json] [--trace]</c>: runs Ethereum GeneralStateTests
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
        var command = new Command("statetest", "Run Ethereum state tests against MetisVM; exits non-zero when any case fails.") { paths, fork, run, json, trace };
        command.SetAction(parse => Run(parse.GetValue(paths)!, parse.GetValue(fork), parse.GetValue(run), parse.GetValue(json), parse.GetValue(trace)));
        return command;
    }

    private static int Run(string[] paths, string? forkName, string? pattern, bool json, bool trace)
    {
        Fork? fork = null;
        if (forkName is not null)
        {
            if (!ForkNames.TryParse(forkName, out Fork parsed))
            {
                Console.Error.WriteLine($"hyperion statetest: unsupported fork '{forkName}' (Berlin, London, Paris, Shanghai, Cancun)");
                return 2;
            }

            fork = parsed;
        }

        Regex? filter = null;
        if (pattern is not null)
        {
            try
            {
                filter = new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
            }
            catch (ArgumentException e)
            {
                Console.Error.WriteLine($"hyperion statetest: --run: {e.Message}");
                return 2;
            }
        }

        var files = new List<string>();
        foreach (string path in paths)
        {
            if (File.Exists(path))
            {
                files.Add(path);
            }
            else if (Directory.Exists(path))
            {
                string[] found = Directory.GetFiles(path, "*.json", SearchOption.AllDirectories);
                Array.Sort(found, StringComparer.Ordinal);
                files.AddRange(found);
            }
            else
            {
                Console.Error.WriteLine($"hyperion statetest: {path}: no such file or directory");
                return 2;
            }
        }

        var options = new StateTestRunOptions { Fork = fork, NameFilter = filter, Trace = trace ? Console.Error : null };
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

        int passed = 0, failed = 0, skipped = 0;
        foreach (IReadOnlyList<StateTestCaseResult> fileResults in results)
        {
            foreach (StateTestCaseResult result in fileResults)
            {
                switch (result.Status)
                {
                    case StateTestStatus.Passed: passed++; break;
                    case StateTestStatus.Failed: failed++; break;
                    default: skipped++; break;
                }

                if (json)
                {
                    Console.WriteLine(JsonSerializer.Serialize(new
                    {
                        file = result.File,
                        test = result.Test,
                        fork = result.Fork,
                        d = result.Indexes.Data,
                        g = result.Indexes.Gas,
                        v = result.Indexes.Value,
                        status = result.Status.ToString().ToLowerInvariant(),
                        detail = result.Detail,
                    }));
                }
                else if (result.Status == StateTestStatus.Failed)
                {
                    Console.WriteLine($"FAIL {result.File} {result.Test} {result.Fork} d={result.Indexes.Data} g={result.Indexes.Gas} v={result.Indexes.Value}: {result.Detail}");
                }
            }
        }

        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new { passed, failed, skipped }));
        }
        else
        {
            Console.WriteLine($"{passed} passed, {failed} failed, {skipped} skipped");
        }

        return failed == 0 ? 0 : 1;
    }
}
