using Hyperion.Core;
using Hyperion.Evm;
using Hyperion.Evm.Compiled;
using Hyperion.Evm.Precompiles;
using Hyperion.Evm.Transactions;
using Hyperion.State.World;

namespace Hyperion.Execution.StateTests;

/// <summary>
/// One case of the ipsilon evm-benchmarks suite (state-test JSON, London rules) set up to be run repeatedly in
/// process: the fixture's transaction (one of its call data) as one <see cref="MetisVm.Call"/> on a world state over the
/// pre-state, reverted after each run so every run does the same work. Shared by the BenchmarkDotNet suite and
/// <c>hyperion bench evm</c>.
/// </summary>
public sealed class EvmBenchmarkCase
{
    private const Fork BenchmarkFork = Fork.London;

    private readonly MetisVm _vm;
    private readonly WorldState _state;
    private readonly Address _sender;
    private readonly Address _to;
    private readonly byte[] _data;

    private EvmBenchmarkCase(string name, StateTest test, int dataIndex, VmTier tier)
    {
        Name = name;
        var reader = new InMemoryStateReader();
        foreach ((Address address, StateTestAccount account) in test.Pre)
        {
            reader.SetAccount(address, account.Nonce, UInt256.FromBigEndian(account.Balance), account.Code);
            foreach (StateTestStorageEntry slot in account.Storage)
            {
                reader.SetStorage(address, UInt256.FromBigEndian(slot.Key), UInt256.FromBigEndian(slot.Value));
            }
        }

        StateTestEnvironment env = test.Environment;
        var block = new BlockEnvironment
        {
            Fork = BenchmarkFork,
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
        _to = tx.To ?? throw new InvalidDataException($"{name}: benchmark transactions are calls");
        _data = tx.Data[dataIndex];
        GasLimit = (long)tx.GasLimit[0] - IntrinsicGas.Calculate(BenchmarkFork, _data, isCreate: false, 0, 0);
        PrecompileTable precompiles = PrecompileTable.ForFork(BenchmarkFork);
        _state = new WorldState(reader);
        _state.WarmAccount(_sender);
        _state.WarmAccount(_to);
        foreach (Address p in precompiles.Addresses)
        {
            _state.WarmAccount(p);
        }

        _vm = new MetisVm(_state, block, new TransactionEnvironment { Origin = _sender, GasPrice = block.BaseFee }, precompiles) { Tier = tier };
    }

    /// <summary>Compiles the called contract's code as the compiled tier would (statistics: time, IL, memory), or null when it does not fit.</summary>
    public CompileStatistics? MeasureCompile() => EvmCompiler.Measure(_state.GetCode(_to), BenchmarkFork);

    /// <summary>"set/name", e.g. "main/snailtracer", with "#i" for call data i when the fixture has several ("main/sha1_divs#1").</summary>
    public string Name { get; }

    /// <summary>Gas the call starts with (the transaction's gas limit less intrinsic gas).</summary>
    public long GasLimit { get; }

    /// <summary>The directory holding the suite's <c>main</c> and <c>micro</c> sets under a fixtures root.</summary>
    public static string SuiteDirectory(string fixturesRoot) => Path.Combine(fixturesRoot, "evm-benchmarks", "benchmarks");

    /// <summary>
    /// The shared fixtures directory: $HYPERION_FIXTURES, else the first <c>shared/fixtures</c> found walking up
    /// from <paramref name="startDirectory"/> (the checkout's sibling <c>../shared</c>, or a worktree's <c>../../shared</c>).
    /// </summary>
    public static string? FindFixturesRoot(string startDirectory)
    {
        string? fromEnv = Environment.GetEnvironmentVariable("HYPERION_FIXTURES");
        if (!string.IsNullOrEmpty(fromEnv))
        {
            return fromEnv;
        }

        for (DirectoryInfo? dir = new(startDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "shared", "fixtures");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>Every case of the suite under <paramref name="fixturesRoot"/> (see <see cref="Name"/>), in ordinal order.</summary>
    public static IEnumerable<string> Names(string fixturesRoot)
    {
        string directory = SuiteDirectory(fixturesRoot);
        foreach (string path in Directory.EnumerateFiles(directory, "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            string name = Path.GetRelativePath(directory, path)[..^".json".Length].Replace('\\', '/');
            int dataCount = StateTestParser.ParseFile(path)[0].Transaction.Data.Count;
            for (int i = 0; i < dataCount; i++)
            {
                yield return dataCount == 1 ? name : $"{name}#{i}";
            }
        }
    }

    /// <summary>Loads case <paramref name="name"/> (as <see cref="Names"/> gives it) of the suite under <paramref name="fixturesRoot"/>.</summary>
    public static EvmBenchmarkCase Load(string fixturesRoot, string name, VmTier tier = VmTier.Interpreter)
    {
        int hash = name.IndexOf('#', StringComparison.Ordinal);
        string file = hash < 0 ? name : name[..hash];
        int dataIndex = hash < 0 ? 0 : int.Parse(name.AsSpan(hash + 1), System.Globalization.CultureInfo.InvariantCulture);
        StateTest test = StateTestParser.ParseFile(Path.Combine(SuiteDirectory(fixturesRoot), file + ".json"))[0];
        if (dataIndex >= test.Transaction.Data.Count)
        {
            throw new ArgumentException($"{file} has {test.Transaction.Data.Count} call data, not {dataIndex + 1}", nameof(name));
        }

        return new EvmBenchmarkCase(name, test, dataIndex, tier);
    }

    /// <summary>Runs the call once and reverts its state changes.</summary>
    public ExecutionResult Run()
    {
        int snapshot = _state.TakeSnapshot();
        ExecutionResult result = _vm.Call(_sender, _to, UInt256.Zero, _data, GasLimit);
        _state.RevertToSnapshot(snapshot);
        return result;
    }
}
