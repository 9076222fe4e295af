using System.Diagnostics;
using Hyperion.Core;
using Hyperion.Core.Blocks;
using Hyperion.Core.Crypto;
using Hyperion.Core.Transactions;
using Hyperion.Evm;
using Hyperion.Evm.Precompiles;
using Hyperion.State;

namespace Hyperion.Chain;

/// <summary>How the single sequencer produces blocks.</summary>
public sealed record SequencerOptions
{
    /// <summary>Fixed block interval; null: a block as soon as transactions are pending, coalescing those that arrive within a millisecond.</summary>
    public TimeSpan? BlockTime { get; init; }

    /// <summary>Receives the priority fees.</summary>
    public Address Coinbase { get; init; }

    public int MaxTransactionsPerBlock { get; init; } = 20_000;

    public TxPoolOptions Pool { get; init; } = new();

    /// <summary>Directory for the durable chain; null keeps everything in memory.</summary>
    public string? DataDirectory { get; init; }

    /// <summary>The chain's precompiles (default: Cancun's); the dev chain adds the inference precompile.</summary>
    public PrecompileTable Precompiles { get; init; } = PrecompileTable.ForFork(Fork.Cancun);
}

/// <summary>
/// A block was added: the block, how long it took to build (execution, roots and the durable write), and the
/// transactions dropped from the pool while building it, with the reason.
/// </summary>
public sealed record BlockAddedEvent(StoredBlock Block, TimeSpan BuildTime)
{
    public IReadOnlyList<SkippedTransaction> Dropped { get; init; } = [];
}

/// <summary>
/// The single sequencer of a dev chain: owns the chain store, the state history and the pool, and produces blocks —
/// on demand (a block as soon as transactions are pending) or at a fixed interval — plus the dev controls (mine,
/// snapshot/revert, time travel). Blocks become visible only after they are durable.
/// </summary>
public sealed class Sequencer : IDisposable
{
    private const string ChainFileName = "chain.log";

    private readonly Genesis _genesis;
    private readonly SequencerOptions _options;
    private readonly TransactionRules _rules;
    private readonly object _produceLock = new();
    private readonly SemaphoreSlim _wake = new(0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Dictionary<ulong, ulong> _snapshots = [];
    private readonly Thread _producer;
    private StateHistory _states;
    private ulong _nextSnapshotId = 1;
    private long _timeOffsetSeconds;
    private ulong? _nextTimestamp;

    private Sequencer(Genesis genesis, SequencerOptions options, ChainStore store, StateHistory states)
    {
        _genesis = genesis;
        _options = options;
        _rules = TransactionRules.Cancun(genesis.ChainId);
        Store = store;
        _states = states;
        Pool = new TxPool(options.Pool, _rules, states.Latest, BaseFee.Next(store.Head.Header), store.Head.Header.GasLimit);
        Pool.TransactionPending += _ => _wake.Release();
        _producer = new Thread(ProduceLoop) { IsBackground = true, Name = "hyperion-sequencer" };
    }

    public ulong ChainId => _genesis.ChainId;

    public ChainStore Store { get; }

    public TxPool Pool { get; }

    public TransactionRules Rules => _rules;

    /// <summary>The precompiles blocks and calls execute with.</summary>
    public PrecompileTable Precompiles => _options.Precompiles;

    /// <summary>Raised after each block is durable and visible, on the producing thread.</summary>
    public event Action<BlockAddedEvent>? BlockAdded;

    /// <summary>
    /// Opens the chain (re-executing stored blocks to rebuild the state and checking every root) or creates it from
    /// <paramref name="genesis"/>, then starts producing blocks.
    /// </summary>
    public static Sequencer Start(Genesis genesis, SequencerOptions options)
    {
        ArgumentNullException.ThrowIfNull(genesis);
        ArgumentNullException.ThrowIfNull(options);
        var states = new StateHistory(genesis.BuildState);
        Block genesisBlock = new(genesis.BuildHeader(states.ComputeLatestRoot()), new BlockBody([], [], []));
        ChainStore store;
        IReadOnlyList<StoredBlock> stored = [];
        if (options.DataDirectory is null)
        {
            store = ChainStore.InMemory(genesisBlock);
        }
        else
        {
            Directory.CreateDirectory(options.DataDirectory);
            CheckChainId(options.DataDirectory, genesis.ChainId);
            store = ChainStore.Open(Path.Combine(options.DataDirectory, ChainFileName), genesisBlock, out stored);
        }

        var sequencer = new Sequencer(genesis, options, store, states);
        try
        {
            foreach (StoredBlock block in stored)
            {
                sequencer.Reexecute(block);
                store.AppendReplayed(block);
            }

            sequencer.Pool.OnNewHead(states.Latest, BaseFee.Next(store.Head.Header), []);
        }
        catch
        {
            sequencer.Dispose();
            throw;
        }

        sequencer._producer.Start();
        return sequencer;
    }

    /// <summary>
    /// The chain id is not part of the genesis block, so it is recorded beside the chain: reopening a data directory
    /// with another chain id would otherwise silently continue the old chain under the new id.
    /// </summary>
    private static void CheckChainId(string directory, ulong chainId)
    {
        string path = Path.Combine(directory, "chain-id");
        string expected = chainId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (File.Exists(path))
        {
            string stored = File.ReadAllText(path).Trim();
            if (stored != expected)
            {
                throw new InvalidDataException($"{directory} holds a chain with chain id {stored}, not {expected}: use another --data-dir");
            }

            return;
        }

        string temporary = path + ".tmp";
        File.WriteAllText(temporary, expected);
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>The state after block <paramref name="number"/>, or null when it is no longer (or not yet) kept.</summary>
    public IStateReader? StateAt(ulong number) => _states.At(number);

    /// <summary>The latest state, whatever the head is at the moment of each read.</summary>
    public IStateReader LatestState => _states.Latest;

    /// <summary>The oldest block whose state can be read.</summary>
    public ulong OldestState => _states.Oldest;

    /// <summary>Submits a signed transaction; null when accepted, else geth's error message.</summary>
    public string? Submit(Transaction tx) => Pool.Add(tx);

    /// <summary>Builds a block now with whatever is pending (possibly none), at <paramref name="timestamp"/> when given.</summary>
    public StoredBlock Mine(ulong? timestamp = null)
    {
        lock (_produceLock)
        {
            if (timestamp is not null)
            {
                _nextTimestamp = timestamp;
            }

            return Produce();
        }
    }

    /// <summary>evm_snapshot: remembers the head; returns the snapshot id.</summary>
    public ulong Snapshot()
    {
        lock (_produceLock)
        {
            ulong id = _nextSnapshotId++;
            _snapshots[id] = Store.Head.Number;
            return id;
        }
    }

    /// <summary>evm_revert: returns the chain to a snapshot's head (dropping later snapshots and pending transactions).</summary>
    public bool Revert(ulong snapshotId)
    {
        lock (_produceLock)
        {
            if (!_snapshots.TryGetValue(snapshotId, out ulong number))
            {
                return false;
            }

            foreach (ulong id in _snapshots.Keys.Where(id => id >= snapshotId).ToArray())
            {
                _snapshots.Remove(id);
            }

            // Rebuild the state by re-executing the kept blocks: simple, and the same path as a restart.
            Store.TruncateAfter(number);
            StateHistory old = _states;
            _states = new StateHistory(_genesis.BuildState);
            old.Dispose();
            for (ulong i = 1; i <= number; i++)
            {
                Reexecute(Store.GetByNumber(i)!);
            }

            Pool.Clear(_states.Latest, BaseFee.Next(Store.Head.Header));
            _nextTimestamp = null;
            return true;
        }
    }

    /// <summary>evm_increaseTime: moves the clock of future blocks forward; returns the total offset in seconds.</summary>
    public long IncreaseTime(long seconds)
    {
        lock (_produceLock)
        {
            _timeOffsetSeconds += seconds;
            return _timeOffsetSeconds;
        }
    }

    /// <summary>evm_setNextBlockTimestamp.</summary>
    public void SetNextBlockTimestamp(ulong timestamp)
    {
        lock (_produceLock)
        {
            if (timestamp <= Store.Head.Header.Timestamp)
            {
                throw new ArgumentOutOfRangeException(nameof(timestamp), $"timestamp {timestamp} is not after the head's {Store.Head.Header.Timestamp}");
            }

            _nextTimestamp = timestamp;
        }
    }

    public void Dispose()
    {
        if (!_stop.IsCancellationRequested)
        {
            _stop.Cancel();
            _wake.Release();
            if (_producer.IsAlive)
            {
                _producer.Join();
            }
        }

        lock (_produceLock)
        {
            Store.Dispose();
            _states.Dispose();
        }
    }

    private void ProduceLoop()
    {
        CancellationToken stop = _stop.Token;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                if (_options.BlockTime is TimeSpan interval)
                {
                    stop.WaitHandle.WaitOne(interval);
                    if (!stop.IsCancellationRequested)
                    {
                        lock (_produceLock) { Produce(); }
                    }

                    continue;
                }

                _wake.Wait(stop);
                Thread.Sleep(1); // coalesce what arrives within a millisecond into the same block
                while (_wake.CurrentCount > 0)
                {
                    _wake.Wait(0, CancellationToken.None);
                }

                lock (_produceLock)
                {
                    // Build until nothing executable is left (a full block leaves the rest for the next).
                    while (!stop.IsCancellationRequested && Pool.SelectForBlock(BaseFee.Next(Store.Head.Header), 1).Count > 0)
                    {
                        if (Produce().Block.Transactions.Length == 0)
                        {
                            break; // only transactions the builder could not include yet
                        }
                    }
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private StoredBlock Produce()
    {
        var stopwatch = Stopwatch.StartNew();
        StoredBlock parent = Store.Head;
        BlockHeader draft = NextHeaderDraft(parent.Header);
        List<(Transaction, Address)> candidates = Pool.SelectForBlock(draft.BaseFeePerGas!.Value, _options.MaxTransactionsPerBlock);
        BlockExecution execution = BlockExecutor.Execute(BlockExecutor.Environment(draft, ChainId, Store), _states.LatestForExecution, candidates, strict: false, _options.Precompiles);
        StoredBlock block = Seal(draft, execution);
        Store.Append(block);
        SkippedTransaction[] dropped = [.. execution.Skipped.Where(s => s.Permanent)];
        Pool.OnNewHead(_states.Latest, BaseFee.Next(block.Header), dropped.Select(s => s.Transaction.Hash));
        BlockAdded?.Invoke(new BlockAddedEvent(block, stopwatch.Elapsed) { Dropped = dropped });
        return block;
    }

    /// <summary>Commits the execution's state and completes the header with the roots.</summary>
    private StoredBlock Seal(BlockHeader draft, BlockExecution execution)
    {
        _states.Commit(draft.Number, execution.Changes);
        BlockHeader header = new()
        {
            ParentHash = draft.ParentHash,
            Beneficiary = draft.Beneficiary,
            StateRoot = _states.ComputeLatestRoot(),
            TransactionsRoot = execution.TransactionsRoot,
            ReceiptsRoot = execution.ReceiptsRoot,
            LogsBloom = execution.Bloom,
            Difficulty = UInt256.Zero,
            Number = draft.Number,
            GasLimit = draft.GasLimit,
            GasUsed = execution.GasUsed,
            Timestamp = draft.Timestamp,
            ExtraData = draft.ExtraData,
            MixHash = draft.MixHash,
            BaseFeePerGas = draft.BaseFeePerGas,
            WithdrawalsRoot = Keccak256.EmptyTrieRoot,
            BlobGasUsed = execution.BlobGasUsed,
            ExcessBlobGas = draft.ExcessBlobGas,
            ParentBeaconBlockRoot = draft.ParentBeaconBlockRoot,
        };
        var block = new Block(header, new BlockBody([.. execution.Transactions.Select(t => t.Transaction)], [], []));
        return new StoredBlock(block, [.. execution.Transactions.Select(t => t.Receipt)], [.. execution.Transactions.Select(t => t.Sender)]);
    }

    /// <summary>Re-executes a stored block on the current state and checks that it reproduces its header.</summary>
    private void Reexecute(StoredBlock stored)
    {
        BlockHeader header = stored.Header;
        var candidates = new List<(Transaction, Address)>(stored.Block.Transactions.Length);
        for (int i = 0; i < stored.Block.Transactions.Length; i++)
        {
            candidates.Add((stored.Block.Transactions[i], stored.Senders[i]));
        }

        BlockExecution execution = BlockExecutor.Execute(BlockExecutor.Environment(header, ChainId, Store), _states.LatestForExecution, candidates, strict: true, _options.Precompiles);
        StoredBlock rebuilt = Seal(header, execution);
        if (rebuilt.Hash != stored.Hash)
        {
            throw new InvalidDataException(
                $"block {header.Number} does not re-execute to its stored header (state root {rebuilt.Header.StateRoot} vs {header.StateRoot}, " +
                $"receipts root {rebuilt.Header.ReceiptsRoot} vs {header.ReceiptsRoot})");
        }
    }

    private BlockHeader NextHeaderDraft(BlockHeader parent)
    {
        ulong now = (ulong)Math.Max(0, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + _timeOffsetSeconds);
        ulong timestamp = _nextTimestamp ?? Math.Max(now, parent.Timestamp + 1);
        _nextTimestamp = null;
        return new BlockHeader
        {
            ParentHash = parent.Hash,
            Beneficiary = _options.Coinbase,
            Number = parent.Number + 1,
            GasLimit = parent.GasLimit,
            Timestamp = timestamp,
            // PREVRANDAO: without a beacon chain, derive it from the parent so every replay sees the same value.
            MixHash = Keccak256.Hash(parent.Hash.Bytes),
            BaseFeePerGas = BaseFee.Next(parent),
            ExcessBlobGas = BlobGas.NextExcessBlobGas(parent.ExcessBlobGas ?? 0, parent.BlobGasUsed ?? 0, BlobSchedule.Cancun),
            ParentBeaconBlockRoot = Hash256.Zero,
        };
    }
}
