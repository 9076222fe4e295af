using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Hyperion.Evm;
using Hyperion.Execution.StateTests;

namespace Hyperion.Cli.Commands;

/// <summary>
/// <c>hyperion bench evm</c>: MetisVM on the ipsilon evm-benchmarks in process (no RPC), timed with a stopwatch per
/// call: warm-up calls, then the median of the timed ones. Quick to run and to attach a profiler to
/// (<c>dotnet-trace collect -- hyperion bench evm --filter weierstrudel --runs 500</c>); BenchmarkDotNet's
/// <c>EvmBenchmarks</c> suite measures the same calls with more rigour.
/// </summary>
internal static class EvmBenchmark
{
    public static Command CreateCommand()
    {
        var fixtures = new Option<DirectoryInfo?>("--fixtures") { Description = "The shared fixtures directory holding evm-benchmarks/ (default: ../shared/fixtures beside the checkout, or $HYPERION_FIXTURES)." };
        var filter = new Option<string?>("--filter") { Description = "Only cases whose name (e.g. main/snailtracer) contains this text." };
        var runs = new Option<int>("--runs") { Description = "Timed calls per case.", DefaultValueFactory = _ => 10 };
        var warmup = new Option<int>("--warmup") { Description = "Untimed calls per case first.", DefaultValueFactory = _ => 3 };
        var command = new Command("evm", "Time MetisVM on the ipsilon evm-benchmarks in process (median per call, Mgas/s).") { fixtures, filter, runs, warmup };
        command.SetAction(parse =>
        {
            int timed = parse.GetValue(runs);
            int untimed = parse.GetValue(warmup);
            if (timed < 1 || untimed < 0)
            {
                Console.Error.WriteLine("hyperion bench evm: --runs must be at least 1 and --warmup not negative");
                return 1;
            }

            string? root = parse.GetValue(fixtures)?.FullName ?? EvmBenchmarkCase.FindFixturesRoot(Directory.GetCurrentDirectory());
            if (root is null || !Directory.Exists(EvmBenchmarkCase.SuiteDirectory(root)))
            {
                Console.Error.WriteLine("hyperion bench evm: evm-benchmarks fixtures not found; pass --fixtures <dir holding evm-benchmarks/>");
                return 1;
            }

            return Run(root, parse.GetValue(filter), timed, untimed, Console.Out);
        });
        return command;
    }

    private static int Run(string fixturesRoot, string? filter, int runs, int warmup, TextWriter output)
    {
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"# {Environment.ProcessorCount} cores; median of {runs} calls after {warmup} warm-up calls"));
        output.WriteLine("| case | gas used | median ms | min ms | Mgas/s |");
        output.WriteLine("|---|---:|---:|---:|---:|");
        var times = new double[runs];
        foreach (string name in EvmBenchmarkCase.Names(fixturesRoot).Where(n => filter is null || n.Contains(filter, StringComparison.Ordinal)))
        {
            EvmBenchmarkCase benchmark = EvmBenchmarkCase.Load(fixturesRoot, name);
            ExecutionResult first = benchmark.Run();
            for (int i = 1; i < warmup; i++)
            {
                benchmark.Run();
            }

            for (int i = 0; i < runs; i++)
            {
                long start = Stopwatch.GetTimestamp();
                benchmark.Run();
                times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }

            Array.Sort(times);
            double median = runs % 2 == 1 ? times[runs / 2] : (times[(runs / 2) - 1] + times[runs / 2]) / 2;
            long gasUsed = benchmark.GasLimit - first.GasLeft;
            string status = first.Success ? "" : " (failed)";
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name}{status} | {gasUsed:N0} | {median:F3} | {times[0]:F3} | {gasUsed / median / 1000:F0} |"));
        }

        return 0;
    }
}
