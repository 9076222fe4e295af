using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Hyperion.Core;
using Hyperion.Core.Blocks;
using Hyperion.Core.Crypto;
using Hyperion.Core.Transactions;
using Hyperion.Evm;
using Hyperion.Evm.Tracing;
using Hyperion.Execution.Parallel;
using Hyperion.Execution.Specs;
using Hyperion.Execution.Transactions;
using Hyperion.State.World;

namespace Hyperion.Execution.StateTests;

public enum StateTestStatus
{
    Passed,
    Failed,
    Skipped,
}

/// <summary>The result of one (test, fork, data/gas/value) case, or of a file that could not be read.</summary>
public sealed record StateTestCaseResult(string File, string Test, string Fork, StateTestIndexes Indexes, StateTestStatus Status, string? Detail);

/// <summary>What to run: one fork only, tests whose name matches a pattern, and an EIP-3155 trace sink.</summary>
public sealed record StateTestRunOptions
{
    /// <summary>Only this fork (other forks are not reported); null runs every fork and skips unsupported ones.</summary>
    public Fork? Fork { get; init; }

    /// <summary>Only tests whose name matches.</summary>
    public Regex? NameFilter { get; init; }

    /// <summary>When set, every executed transaction is traced (EIP-3155 JSON lines) to this writer.</summary>
    public TextWriter? Trace { get; init; }

    /// <summary>
    /// When set, each transaction runs through the parallel executor's Block-STM machinery with this many workers
    /// (multi-version reads, deferred credits, the change set it assembles) instead of directly on a world state.
    /// </summary>
    public int? ExecutionThreads { get; init; }
}

/// <summary>
/// Runs Ethereum GeneralStateTests: for each post entry, builds the pre-state, executes the selected transaction with
/// the <see cref="TransactionProcessor"/>, and compares the post-state root, the logs hash and the expected
/// rejection.
/// </summary>
public static class StateTestRunner
{
    /// <summary>Runs every case of one fixture file; a file that cannot be parsed yields one failed result.</summary>
    public static IReadOnlyList<StateTestCaseResult> RunFile(string path, StateTestRunOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        IReadOnlyList<StateTest> tests;
        try
        {
            tests = StateTestParser.ParseFile(path);
        }
        catch (Exception e) when (e is FormatException or IOException or UnauthorizedAccessException)
        {
            return [new StateTestCaseResult(path, "(file)", "-", default, StateTestStatus.Failed, e.Message)];
        }

        var results = new List<StateTestCaseResult>();
        foreach (StateTest test in tests)
        {
            if (options.NameFilter is { } filter && !filter.IsMatch(test.Name))
            {
                continue;
            }

            foreach ((string forkName, IReadOnlyList<StateTestExpectation> expectations) in test.Post)
            {
                Fork fork = default;
                bool supported = FixtureNetworks.TryParse(forkName, out ChainSpec spec) &&
                    spec.TryForkAt(test.Environment.Number, test.Environment.Timestamp, out fork);
                if (options.Fork is { } only && (!supported || fork != only))
                {
                    continue;
                }

                foreach (StateTestExpectation expectation in expectations)
                {
                    results.Add(supported
                        ? RunCase(path, test, spec, forkName, expectation, options.Trace, options.ExecutionThreads)
                        : new StateTestCaseResult(path, test.Name, forkName, expectation.Indexes, StateTestStatus.Skipped, "fork not supported"));
                }
            }
        }

        return results;
    }

    /// <summary>Runs one case on the network <paramref name="spec"/> named <paramref name="forkName"/>; any failure (including an exception) is reported, never thrown.</summary>
    /// <param name="executionThreads">When set, the transaction runs through the parallel executor with this many workers (not when traced).</param>
    public static StateTestCaseResult RunCase(string file, StateTest test, ChainSpec spec, string forkName, StateTestExpectation expectation, TextWriter? trace = null, int? executionThreads = null)
    {
        ArgumentNullException.ThrowIfNull(test);
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(expectation);
        StateTestCaseResult Result(StateTestStatus status, string? detail) =>
            new(file, test.Name, forkName, expectation.Indexes, status, detail);

        try
        {
            string? failure = Execute(test, spec, expectation, trace, executionThreads);
            return failure is null ? Result(StateTestStatus.Passed, null) : Result(StateTestStatus.Failed, failure);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return Result(StateTestStatus.Failed, $"{e.GetType().Name}: {e.Message}");
        }
    }

    /// <summary>Null when the case passes, otherwise what differed.</summary>
    private static string? Execute(StateTest test, ChainSpec spec, StateTestExpectation expectation, TextWriter? trace, int? executionThreads)
    {
        InMemoryStateReader reader = BuildPreState(test);
        BlockEnvironment block = BuildBlock(test.Environment, spec);
        Transaction? request = BuildTransaction(test.Transaction, expectation.Indexes, out string? malformed);
        if (request is null)
        {
            // An unencodable transaction is invalid: the state must stay the pre-state.
            Hash256 preRoot = reader.ComputeStateRoot();
            return expectation.ExpectException is null ? $"transaction is malformed: {malformed}"
                : preRoot != expectation.StateRoot ? $"root: expected {expectation.StateRoot}, got the pre-state root {preRoot}"
                : null;
        }

        TransactionResult result;
        StateChangeSet changes;
        if (executionThreads is int threads && trace is null)
        {
            (IReadOnlyList<TransactionResult> results, changes) = new ParallelBlockExecutor(spec, threads: threads, sequentialBelow: 0)
                .ExecuteTransactions(block, reader, [(request, test.Transaction.Sender)]);
            result = results[0];
        }
        else
        {
            var world = new WorldState(reader);
            JsonLinesTracer? tracer = trace is null ? null : new JsonLinesTracer(trace);
            BlobSchedule? blobs = spec.BlobScheduleAt(test.Environment.Number, test.Environment.Timestamp);
            result = new TransactionProcessor(block, blobs).Execute(world, request, test.Transaction.Sender, tracer);
            if (tracer is not null)
            {
                tracer.OnTransactionEnd(result.Output.Span, result.GasUsed, result.Error);
                tracer.Flush();
            }

            changes = world.CollectChanges();
        }

        var failures = new StringBuilder();
        if (expectation.ExpectException is { } expected && result.IsValid)
        {
            failures.Append($"expected exception {expected}, but the transaction was valid; ");
        }
        else if (expectation.ExpectException is null && result.Rejection is { } rejection)
        {
            failures.Append($"unexpected rejection {rejection}; ");
        }

        reader.Apply(changes);
        Hash256 root = reader.ComputeStateRoot();
        if (root != expectation.StateRoot)
        {
            failures.Append($"root: expected {expectation.StateRoot}, got {root}; ");
        }

        Hash256 logsHash = LogsHash(result.Logs);
        if (logsHash != expectation.LogsHash)
        {
            failures.Append($"logs: expected {expectation.LogsHash}, got {logsHash} ({result.Logs.Count} logs); ");
        }

        return failures.Length == 0 ? null : failures.ToString(0, failures.Length - 2);
    }

    /// <summary>keccak256 of the RLP list of logs, each [address, [topics…], data] (the fixtures' "logs" field).</summary>
    public static Hash256 LogsHash(IReadOnlyList<Log> logs) => Keccak256.Hash(Receipt.EncodeLogs(logs));

    private static InMemoryStateReader BuildPreState(StateTest test)
    {
        var reader = new InMemoryStateReader();
        foreach ((Address address, StateTestAccount account) in test.Pre)
        {
            reader.SetAccount(address, account.Nonce, UInt256.FromBigEndian(account.Balance), account.Code);
            foreach (StateTestStorageEntry slot in account.Storage)
            {
                reader.SetStorage(address, UInt256.FromBigEndian(slot.Key), UInt256.FromBigEndian(slot.Value));
            }
        }

        return reader;
    }

    private static BlockEnvironment BuildBlock(StateTestEnvironment env, ChainSpec spec)
    {
        UInt256 difficulty = UInt256.FromBigEndian(env.Difficulty);
        Fork fork = spec.ForkAt(env.Number, env.Timestamp);
        BlobSchedule? blobs = spec.BlobScheduleAt(env.Number, env.Timestamp);
        return new BlockEnvironment
        {
            Fork = fork,
            ChainId = spec.ChainId,
            Coinbase = env.Coinbase,
            Number = env.Number,
            Timestamp = env.Timestamp,
            GasLimit = env.GasLimit,
            BaseFee = fork >= Fork.London && env.BaseFee is { } baseFee ? UInt256.FromBigEndian(baseFee) : UInt256.Zero,
            Difficulty = difficulty,
            PrevRandao = env.Random ?? new Hash256(difficulty.ToBigEndian()),
            BlobBaseFee = blobs is null ? UInt256.Zero : BlobBaseFee(ExcessBlobGas(env), blobs),
            BlockHashes = NumberStringBlockHashes.Instance,
        };
    }

    /// <summary>The blob base fee; saturates for an excess so large that the fee exceeds 256 bits.</summary>
    private static UInt256 BlobBaseFee(ulong excessBlobGas, BlobSchedule schedule) =>
        BlobGas.TryFakeExponential(BlobGas.MinBaseFeePerBlobGas, excessBlobGas, schedule.BaseFeeUpdateFraction, out UInt256 fee)
            ? fee
            : UInt256.MaxValue;

    private static ulong ExcessBlobGas(StateTestEnvironment env)
    {
        if (env.ExcessBlobGas is not { } bytes)
        {
            return 0;
        }

        UInt256 excess = UInt256.FromBigEndian(bytes);
        return excess.IsUInt64 ? (ulong)excess : ulong.MaxValue;
    }

    /// <summary>The transaction a post entry selects; null (with the reason) when its fields cannot form one.</summary>
    private static Transaction? BuildTransaction(StateTestTransaction tx, StateTestIndexes indexes, out string? malformed)
    {
        malformed = null;
        if ((uint)indexes.Data >= (uint)tx.Data.Count || (uint)indexes.Gas >= (uint)tx.GasLimit.Count || (uint)indexes.Value >= (uint)tx.Value.Count)
        {
            malformed = $"indexes {indexes} are out of range";
            return null;
        }

        if (tx.Value[indexes.Value].Length > 32)
        {
            malformed = "value exceeds 256 bits";
            return null;
        }

        IReadOnlyList<StateTestAccessListEntry>? accessList =
            tx.AccessLists is { } lists && indexes.Data < lists.Count ? lists[indexes.Data] : null;
        TransactionType type =
            tx.BlobVersionedHashes is not null ? TransactionType.Blob
            : tx.MaxFeePerGas is not null ? TransactionType.DynamicFee
            : accessList is not null ? TransactionType.AccessList
            : TransactionType.Legacy;

        return new Transaction
        {
            Type = type,
            ChainId = FixtureNetworks.ChainId,
            To = tx.To,
            Nonce = tx.Nonce,
            GasLimit = tx.GasLimit[indexes.Gas],
            Value = UInt256.FromBigEndian(tx.Value[indexes.Value]),
            Data = tx.Data[indexes.Data],
            GasPrice = tx.GasPrice is { } gasPrice ? UInt256.FromBigEndian(gasPrice) : UInt256.Zero,
            MaxFeePerGas = tx.MaxFeePerGas is { } maxFee ? UInt256.FromBigEndian(maxFee) : UInt256.Zero,
            MaxPriorityFeePerGas = tx.MaxPriorityFeePerGas is { } priority ? UInt256.FromBigEndian(priority) : UInt256.Zero,
            AccessList = accessList is null ? [] : [.. accessList.Select(e => new AccessListEntry(e.Address, [.. e.StorageKeys]))],
            MaxFeePerBlobGas = tx.MaxFeePerBlobGas is { } maxBlobFee ? UInt256.FromBigEndian(maxBlobFee) : UInt256.Zero,
            BlobVersionedHashes = tx.BlobVersionedHashes is { } hashes ? [.. hashes] : [],
        };
    }

    /// <summary>
    /// BLOCKHASH in state tests: keccak256 of the block number's decimal string (the convention the reference
    /// clients fill the fixtures with; state tests have no chain).
    /// </summary>
    private sealed class NumberStringBlockHashes : IBlockHashProvider
    {
        public static readonly NumberStringBlockHashes Instance = new();

        public Hash256 GetBlockHash(ulong number) =>
            Keccak256.Hash(Encoding.ASCII.GetBytes(number.ToString(CultureInfo.InvariantCulture)));
    }
}
