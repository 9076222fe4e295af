using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;

namespace Hyperion.Benchmarks;

public static class Program
{
    // The median column on every suite: on the shared, noisy machine it is the figure docs/benchmarks.md quotes.
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly)
        .Run(args, DefaultConfig.Instance.AddColumn(StatisticColumn.Median));
}
