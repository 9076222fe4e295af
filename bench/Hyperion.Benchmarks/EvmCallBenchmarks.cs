using BenchmarkDotNet.Attributes;
using Hyperion.Core;
using Hyperion.Evm;
using Hyperion.Evm.Precompiles;
using Hyperion.State.World;

namespace Hyperion.Benchmarks;

/// <summary>
/// MetisVM frame cost: a contract loops <see cref="CallsPerOperation"/> times doing CALL to a second contract whose
/// code is <see cref="Callee"/> ("stop": one STOP; "return32": MSTORE and RETURN of 32 bytes). Time and allocation
/// reported per CALL (BenchmarkDotNet divides by <see cref="CallsPerOperation"/>).
/// </summary>
[MemoryDiagnoser]
public class EvmCallBenchmarks
{
    public const int CallsPerOperation = 1000;

    private static readonly Address Sender = Address.Parse("0x1000000000000000000000000000000000000001");
    private static readonly Address Caller = Address.Parse("0x2000000000000000000000000000000000000002");
    private static readonly Address Callee = Address.Parse("0x3000000000000000000000000000000000000003");

    private MetisVm _vm = null!;
    private WorldState _state = null!;

    [Params("stop", "return32")]
    public string CalleeCode { get; set; } = "stop";

    [GlobalSetup]
    public void Setup()
    {
        byte[] callee = CalleeCode == "stop" ? [0x00] : [0x60, 0x2a, 0x5f, 0x52, 0x60, 0x20, 0x5f, 0xf3];
        var reader = new InMemoryStateReader();
        reader.SetAccount(Sender, 0, UInt256.Parse("1000000000000000000"), []);
        reader.SetAccount(Caller, 1, UInt256.Zero, CallerCode());
        reader.SetAccount(Callee, 1, UInt256.Zero, callee);
        var block = new BlockEnvironment
        {
            Fork = Fork.Cancun,
            ChainId = 1,
            Coinbase = Address.Zero,
            Number = 1,
            Timestamp = 1,
            GasLimit = 30_000_000,
        };
        PrecompileTable precompiles = PrecompileTable.ForFork(Fork.Cancun);
        _state = new WorldState(reader);
        _state.WarmAccount(Sender);
        _state.WarmAccount(Caller);
        _state.WarmAccount(Callee);
        _vm = new MetisVm(_state, block, new TransactionEnvironment { Origin = Sender, GasPrice = UInt256.Zero }, precompiles);
        ExecutionResult r = CallOnce();
        if (!r.Success)
        {
            throw new InvalidOperationException($"benchmark call failed: {r.Error}");
        }

        Console.WriteLine($"// {CalleeCode}: gasUsed={10_000_000 - r.GasLeft}");
    }

    [Benchmark(OperationsPerInvoke = CallsPerOperation)]
    public long Calls() => CallOnce().GasLeft;

    private ExecutionResult CallOnce()
    {
        int snapshot = _state.TakeSnapshot();
        ExecutionResult r = _vm.Call(Sender, Caller, UInt256.Zero, ReadOnlyMemory<byte>.Empty, 10_000_000);
        _state.RevertToSnapshot(snapshot);
        return r;
    }

    /// <summary>counter = 1000; do { CALL(gas, callee, 0, 0, 0, 0, 0); counter-- } while (counter != 0).</summary>
    private static byte[] CallerCode()
    {
        var code = new List<byte> { 0x61, CallsPerOperation >> 8, CallsPerOperation & 0xff, 0x5b, 0x5f, 0x5f, 0x5f, 0x5f, 0x5f, 0x73 };
        code.AddRange(Callee.ToArray());
        code.AddRange([0x5a, 0xf1, 0x50, 0x60, 0x01, 0x90, 0x03, 0x80, 0x60, 0x03, 0x57, 0x00]);
        return [.. code];
    }
}
