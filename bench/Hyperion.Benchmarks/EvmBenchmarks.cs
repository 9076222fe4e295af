using BenchmarkDotNet.Attributes;
using Hyperion.Evm;
using Hyperion.Evm.Compiled;
using Hyperion.Execution.StateTests;

namespace Hyperion.Benchmarks;

/// <summary>
/// MetisVM on the ipsilon/evm-benchmarks contracts (shared fixtures, London rules): one message call of the
/// fixture's transaction per operation, state reverted afterwards so every operation does the same work. Setup
/// prints the gas each call uses, so Mgas/s = gas used / median time.
/// </summary>
[MemoryDiagnoser]
public class EvmBenchmarks
{
    private EvmBenchmarkCase _case = null!;

    /// <summary>Every case of the fixture suite (main and micro), e.g. "main/snailtracer".</summary>
    public static IEnumerable<string> Cases() => EvmBenchmarkCase.Names(FixturesRoot());

    [ParamsSource(nameof(Cases))]
    public string Case { get; set; } = "";

    /// <summary>Interpreter, or every frame compiled (the contract compiled once, in setup).</summary>
    [Params(VmTier.Interpreter, VmTier.CompiledAlways)]
    public VmTier Tier { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _case = EvmBenchmarkCase.Load(FixturesRoot(), Case, Tier);
        ExecutionResult r = _case.Run();
        Console.WriteLine($"// {Case}: success={r.Success} gasUsed={_case.GasLimit - r.GasLeft}");
    }

    [Benchmark]
    public long Call() => _case.Run().GasLeft;

    private static string FixturesRoot() =>
        EvmBenchmarkCase.FindFixturesRoot(AppContext.BaseDirectory) ?? throw new DirectoryNotFoundException("shared/fixtures not found: set HYPERION_FIXTURES");
}
