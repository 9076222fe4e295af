using BenchmarkDotNet.Attributes;
using Hyperion.Core;
using Hyperion.Evm;
using Hyperion.Evm.Precompiles;
using Hyperion.Evm.Transactions;
using Hyperion.Execution.StateTests;
using Hyperion.State.World;

namespace Hyperion.Benchmarks;

/// <summary>
/// MetisVM on the ipsilon/evm-benchmarks contracts (shared fixtures, London rules): one message call of the
/// fixture's transaction per operation, state reverted afterwards so every operation does the same work. Setup
/// prints the gas each call uses, so Mgas/s = gas used / median time.
/// </summary>
[MemoryDiagnoser]
public class EvmBenchmarks
{
    private MetisVm _vm = null!;
    private WorldState _state = null!;
    private Address _sender;
    private Address _to;
    private byte[] _data = [];
    private long _gas;

    /// <summary>Every case of the fixture suite (main and micro), e.g. "main/snailtracer".</summary>
    public static IEnumerable<string> Cases()
    {
        string directory = Path.Combine(FixturesRoot(), "evm-benchmarks", "benchmarks");
        return Directory.EnumerateFiles(directory, "*.json", SearchOption.AllDirectories)
            .Select(path => Path.GetRelativePath(directory, path)[..^".json".Length].Replace('\\', '/'))
            .Order(StringComparer.Ordinal);
    }

    [ParamsSource(nameof(Cases))]
    public string Case { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        string path = Path.Combine(FixturesRoot(), "evm-benchmarks", "benchmarks", Case + ".json");
        StateTest test = StateTestParser.ParseFile(path)[0];
        var reader = new InMemoryStateReader();
        foreach ((Address address, StateTestAccount account) in test.Pre)
        {
            reader.SetAccount(address, account.Nonce, UInt256.FromBigEndian(account.Balance), account.Code);
            foreach (StateTestStorageEntry slot in account.Storage)
            {
                reader.SetStorage(address, UInt256.FromBigEndian(slot.Key), UInt256.FromBigEndian(slot.Value));
            }
        }

        const Fork fork = Fork.London;
        StateTestEnvironment env = test.Environment;
        var block = new BlockEnvironment
        {
            Fork = fork,
            ChainId = 1,
            Coinbase = env.Coinbase,
            Number = env.Number,
            Timestamp = env.Timestamp,
            GasLimit = env.GasLimit,
            BaseFee = env.BaseFee is null ? UInt256.Zero : UInt256.FromBigEndian(env.BaseFee),
            Difficulty = UInt256.FromBigEndian(env.Difficulty),
        };
        StateTestTransaction tx = test.Transaction;
        _sender = tx.Sender;
        _to = tx.To ?? throw new InvalidOperationException($"{Case}: benchmark transactions are calls");
        _data = tx.Data[0];
        _gas = (long)tx.GasLimit[0] - IntrinsicGas.Calculate(fork, _data, isCreate: false, 0, 0);
        PrecompileTable precompiles = PrecompileTable.ForFork(fork);
        _state = new WorldState(reader);
        _state.WarmAccount(_sender);
        _state.WarmAccount(_to);
        foreach (Address p in precompiles.Addresses)
        {
            _state.WarmAccount(p);
        }

        _vm = new MetisVm(_state, block, new TransactionEnvironment { Origin = _sender, GasPrice = block.BaseFee }, precompiles);
        ExecutionResult r = CallOnce();
        Console.WriteLine($"// {Case}: success={r.Success} gasUsed={_gas - r.GasLeft}");
    }

    [Benchmark]
    public long Call() => CallOnce().GasLeft;

    private ExecutionResult CallOnce()
    {
        int snapshot = _state.TakeSnapshot();
        ExecutionResult r = _vm.Call(_sender, _to, UInt256.Zero, _data, _gas);
        _state.RevertToSnapshot(snapshot);
        return r;
    }

    private static string FixturesRoot()
    {
        string? fromEnv = Environment.GetEnvironmentVariable("HYPERION_FIXTURES");
        if (!string.IsNullOrEmpty(fromEnv))
        {
            return fromEnv;
        }

        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            foreach (string candidate in new[] { Path.Combine(dir.FullName, "shared", "fixtures"), Path.Combine(dir.FullName, "..", "shared", "fixtures") })
            {
                if (Directory.Exists(candidate))
                {
                    return Path.GetFullPath(candidate);
                }
            }
        }

        return "/work/shared/fixtures";
    }
}
