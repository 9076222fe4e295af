using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Hyperion.Core.Diagnostics;
using Hyperion.Evm;
using Hyperion.Evm.Compiled;
using Hyperion.Execution.StateTests;

namespace Hyperion.Cli.Commands;

/// <summary>
/// <c>hyperion bench evm</c>: MetisVM on the ipsilon evm-benchmarks in process (no RPC), timed with a stopwatch per
/// call: warm-up calls, then the median of the timed ones. Quick to run and to attach a profiler to
/// (<c>dotnet-trace collect -- hyperion bench evm --filter weierstrudel --runs 500</c>); BenchmarkDotNet's
/// <c>EvmBenchmarks</c> suite measures the same calls with more rigour. Besides wall time it reports the thread's CPU
/// time per call (Linux), which time slicing on a loaded machine does not inflate.
/// </summary>
internal static class EvmBenchmark
{
    public static Command CreateCommand()
    {
        var fixtures = new Option<DirectoryInfo?>("--fixtures") { Description = "The shared fixtures directory holding evm-benchmarks/ (default: ../shared/fixtures beside the checkout, or $HYPERION_FIXTURES)." };
        var filter = new Option<string?>("--filter") { Description = "Only cases whose name (e.g. main/snailtracer) contains this text." };
        var runs = new Option<int>("--runs") { Description = "Timed calls per case.", DefaultValueFactory = _ => 10 };
        var warmup = new Option<int>("--warmup") { Description = "Untimed calls per case first (and at least one second of them).", DefaultValueFactory = _ => 3 };
        var vm = VmOption.Create();
        var command = new Command("evm", "Time MetisVM on the ipsilon evm-benchmarks in process (median per call, Mgas/s).") { fixtures, filter, runs, warmup, vm };
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

            if (!VmTiers.TryParse(parse.GetValue(vm), out VmTier tier))
            {
                Console.Error.WriteLine($"hyperion bench evm: --vm must be one of {string.Join(", ", VmTiers.Names)}");
                return 1;
            }

            return Run(root, parse.GetValue(filter), timed, untimed, tier, Console.Out);
        });
        return command;
    }

    private static int Run(string fixturesRoot, string? filter, int runs, int warmup, VmTier tier, TextWriter output)
    {
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"# {Environment.ProcessorCount} cores; --vm {VmTiers.Names[(int)tier]}; median of {runs} calls after at least {warmup} warm-up calls and 1 s"));
        output.WriteLine("| case | gas used | median ms | min ms | median CPU ms | Mgas/s (CPU) | compile ms | IL bytes | blocks | cold blocks | IL methods | blocks over budget | compile alloc KB |");
        output.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        var times = new double[runs];
        var cpuTimes = new double[runs];
        foreach (string name in EvmBenchmarkCase.Names(fixturesRoot).Where(n => filter is null || n.Contains(filter, StringComparison.Ordinal)))
        {
            EvmBenchmarkCase benchmark = EvmBenchmarkCase.Load(fixturesRoot, name, tier);
            CompileStatistics? compile = benchmark.MeasureCompile();
            // Warm up for a number of calls and at least a second, so the JIT's tier-1 code is what gets timed.
            ExecutionResult first = benchmark.Run();
            long warmupStart = Stopwatch.GetTimestamp();
            for (int i = 1; i < warmup || Stopwatch.GetElapsedTime(warmupStart).TotalSeconds < 1; i++)
            {
                benchmark.Run();
            }

            for (int i = 0; i < runs; i++)
            {
                double cpuStart = ThreadCpuClock.Milliseconds();
                long start = Stopwatch.GetTimestamp();
                benchmark.Run();
                times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                cpuTimes[i] = ThreadCpuClock.Milliseconds() - cpuStart;
            }

            double median = Median(times);
            double cpuMedian = Median(cpuTimes);
            long gasUsed = benchmark.GasLimit - first.GasLeft;
            string status = first.Success ? "" : " (failed)";
            string compileColumns = compile is { } c ? string.Create(CultureInfo.InvariantCulture, $"{c.Time.TotalMilliseconds:F1} | {c.IlBytes:N0} | {c.Blocks} | {c.ColdBlocks} | {c.Regions} | {c.InterpretedBlocks} | {c.AllocatedBytes / 1024:N0}") : "too large | | | | | | ";
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name}{status} | {gasUsed:N0} | {median:F3} | {times.Min():F3} | {cpuMedian:F3} | {gasUsed / cpuMedian / 1000:F0} | {compileColumns} |"));
        }

        return 0;
    }

    private static double Median(double[] values)
    {
        double[] sorted = [.. values.Order()];
        int n = sorted.Length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[(n / 2) - 1] + sorted[n / 2]) / 2;
    }
}
