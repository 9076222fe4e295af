using System.Diagnostics;
using Hyperion.Core;
using Hyperion.Core.Blocks;
using Hyperion.Core.Crypto;
using Hyperion.Core.Transactions;
using Hyperion.Execution.Blocks;
using Hyperion.Execution.Specs;
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

    /// <summary>Directory for the durable chain (block log, and the state in MetisDB under <c>state/</c>); null keeps everything in memory.</summary>
    public string? DataDirectory { get; init; }

    /// <summary>Receives what the operator should know about: a state store rebuilt at start, transactions the pool dropped.</summary>
    public Action<string>? Warning { get; init; }

    /// <summary>The chain's precompiles (default: Ethereum's at each fork); the dev chain adds the inference precompile.</summary>
    public ChainPrecompiles Precompiles { get; init; } = ChainPrecompiles.Standard;
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
    /// <summary>The block log in a data directory.</summary>
    public const string ChainFileName = "chain.log";

    /// <summary>Subdirectory of the data directory holding the MetisDB state store.</summary>
    public const string StateDirectoryName = "state";

    private readonly Genesis _genesis;
    private readonly SequencerOptions _options;
    private readonly TransactionRules _rules;
    private readonly object _produceLock = new();
    private readonly SemaphoreSlim _wake = new(0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Dictionary<ulong, ulong> _snapshots = [];
    private readonly Thread _producer;
    private IChainState _states;
    private ulong _nextSnapshotId = 1;
    private long _timeOffsetSeconds;
    private ulong? _nextTimestamp;

    private Sequencer(Genesis genesis, SequencerOptions options, ChainStore store, IChainState states)
    {
        _genesis = genesis;
        _options = options;
        Executor = new BlockExecutor(genesis.Spec, options.Precompiles);
        BlockHeader head = store.Head.Header;
        _rules = genesis.Spec.TransactionRulesAt(head.Number + 1, head.Timestamp + 1);
        Store = store;
        _states = states;
        Pool = new TxPool(options.Pool, _rules, states.Latest, NextBaseFee(head), head.GasLimit);
        Pool.TransactionPending += _ => _wake.Release();
        Pool.TransactionDropped += dropped => options.Warning?.Invoke(
            $"txpool: dropped transaction {dropped.Hash} (sender {dropped.Sender}, nonce {dropped.Nonce}), {dropped.Reason}");
        _producer = new Thread(ProduceLoop) { IsBackground = true, Name = "hyperion-sequencer" };
    }

    public ulong ChainId => _genesis.ChainId;

    public ChainStore Store { get; }

    public TxPool Pool { get; }

    public TransactionRules Rules => _rules;

    /// <summary>Blocks re-executed at start because the state store did not have them yet (0 for a clean restart).</summary>
    public int ReplayedBlocks { get; private set; }

    /// <summary>Why the state store was rebuilt from genesis at start, or null when it was not.</summary>
    public string? StateRebuildReason { get; private set; }

    /// <summary>Executes this chain's blocks, calls and traces (under its spec, with its precompiles).</summary>
    public IBlockExecutor Executor { get; }

    /// <summary>Raised after each block is durable and visible, on the producing thread.</summary>
    public event Action<BlockAddedEvent>? BlockAdded;

    /// <summary>
    /// Opens the chain or creates it from <paramref name="genesis"/>, then starts producing blocks. In memory the state
    /// is rebuilt by re-executing every stored block; with a data directory the MetisDB state continues from its head
    /// and only the blocks after it are re-executed (checking every root).
    /// </summary>
    public static Sequencer Start(Genesis genesis, SequencerOptions options)
    {
        ArgumentNullException.ThrowIfNull(genesis);
        ArgumentNullException.ThrowIfNull(options);
        if (!genesis.Spec.IsActive(Hardfork.Paris, 0, genesis.Timestamp))
        {
            throw new ArgumentException("the sequencer builds post-merge blocks: the chain must be merged at genesis (config.terminalTotalDifficulty 0)", nameof(genesis));
        }

        genesis.Spec.ForkAt(1, genesis.Timestamp); // a chain whose first block MetisVM cannot run fails here, not in the producer
        Hash256 genesisRoot = genesis.BuildState().ComputeStateRoot();
        Block genesisBlock = new(genesis.BuildHeader(genesisRoot), new BlockBody([], [], []));
        ChainStore store;
        IChainState states;
        IReadOnlyList<StoredBlock> stored = [];
        string? rebuildReason = null;
        if (options.DataDirectory is null)
        {
            store = ChainStore.InMemory(genesisBlock);
            states = new StateHistory(genesis.BuildState);
        }
        else
        {
            Directory.CreateDirectory(options.DataDirectory);
            CheckChainId(options.DataDirectory, genesis.ChainId);
            store = ChainStore.Open(Path.Combine(options.DataDirectory, ChainFileName), genesisBlock, out stored);
            try
            {
                states = OpenStateStore(Path.Combine(options.DataDirectory, StateDirectoryName), genesis, genesisBlock, stored, out rebuildReason);
            }
            catch
            {
                store.Dispose();
                throw;
            }

            if (rebuildReason is not null)
            {
                options.Warning?.Invoke($"state store {Path.Combine(options.DataDirectory, StateDirectoryName)}: {rebuildReason}; rebuilding it from genesis");
            }
        }

        var sequencer = new Sequencer(genesis, options, store, states) { StateRebuildReason = rebuildReason };
        try
        {
            ulong stateHead = states.Head;
            foreach (StoredBlock block in stored)
            {
                if (block.Number > stateHead)
                {
                    sequencer.Reexecute(block);
                    sequencer.ReplayedBlocks++;
                }

                store.AppendReplayed(block);
            }

            sequencer.Pool.OnNewHead(states.Latest, sequencer.NextBaseFee(store.Head.Header), []);
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
    /// Opens the MetisDB state of a data directory, ready to continue from its head. The block log is made durable
    /// before the state of a block is, so the store's head is at or behind the log's; a store ahead of the log, or
    /// whose root disagrees with the block header, cannot be trusted and is rebuilt from genesis (reported in
    /// <paramref name="rebuildReason"/>) rather than served.
    /// </summary>
    private static MetisChainState OpenStateStore(string directory, Genesis genesis, Block genesisBlock, IReadOnlyList<StoredBlock> stored, out string? rebuildReason)
    {
        rebuildReason = null;
        MetisChainState state;
        try
        {
            state = MetisChainState.Open(directory);
        }
        catch (InvalidDataException exception)
        {
            rebuildReason = exception.Message;
            MetisChainState.Delete(directory);
            state = MetisChainState.Open(directory);
        }

        if (state.StoredHead is ulong head)
        {
            ulong logHead = (ulong)stored.Count;
            if (head > logHead)
            {
                rebuildReason = $"it holds block {head} but the block log ends at block {logHead}";
            }
            else
            {
                Hash256 expected = head == 0 ? genesisBlock.Header.StateRoot : stored[(int)head - 1].Header.StateRoot;
                Hash256 actual = state.StateRoot(head);
                if (actual != expected)
                {
                    rebuildReason = $"its state root of block {head} is {actual} but the block header says {expected}";
                }
            }

            if (rebuildReason is not null)
            {
                state.Dispose();
                MetisChainState.Delete(directory);
                state = MetisChainState.Open(directory);
            }
        }

        if (state.StoredHead is null)
        {
            try
            {
                Hash256 root = state.CommitGenesis(genesis.BuildState());
                if (root != genesisBlock.Header.StateRoot)
                {
                    throw new InvalidOperationException($"MetisDB computes genesis state root {root}, not {genesisBlock.Header.StateRoot}");
                }
            }
            catch
            {
                state.Dispose();
                throw;
            }
        }

        return state;
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

    /// <summary>
    /// EIP-1186 proof of <paramref name="address"/> and <paramref name="slots"/> against block
    /// <paramref name="number"/>'s state root; null when that state is no longer (or not yet) kept.
    /// </summary>
    public AccountProof? GetProof(ulong number, Address address, IReadOnlyList<UInt256> slots)
    {
        ArgumentNullException.ThrowIfNull(slots);
        StoredBlock? block = Store.GetByNumber(number);
        if (block is null)
        {
            return null;
        }

        AccountProof? proof = null;
        Hash256 root = block.Header.StateRoot;
        return _states.TryWalk(number, state => proof = StateProofs.Build(state, root, address, slots)) ? proof : null;
    }

    /// <summary>The latest state, whatever the head is at the moment of each read.</summary>
    public IStateReader LatestState => _states.Latest;

    /// <summary>The oldest block whose state can be read.</summary>
    public ulong OldestState => _states.Oldest;

    /// <summary>Submits a signed transaction (a blob transaction with its sidecar); null when accepted, else geth's error message.</summary>
    public string? Submit(Transaction tx, BlobSidecar? sidecar = null) => Pool.Add(tx, sidecar);

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

            // Rebuild the state by re-executing the kept blocks: simple, and the same path as a restart. (MetisDB keeps
            // no versions to roll back to beyond the window, so its store is recreated the same way.)
            Store.TruncateAfter(number);
            IChainState old = _states;
            old.Dispose();
            if (old is MetisChainState metis)
            {
                MetisChainState.Delete(metis.Directory);
                var fresh = MetisChainState.Open(metis.Directory);
                fresh.CommitGenesis(_genesis.BuildState());
                _states = fresh;
            }
            else
            {
                _states = new StateHistory(_genesis.BuildState);
            }

            for (ulong i = 1; i <= number; i++)
            {
                Reexecute(Store.GetByNumber(i)!);
            }

            Pool.Clear(_states.Latest, NextBaseFee(Store.Head.Header));
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
                    while (!stop.IsCancellationRequested && Pool.SelectForBlock(NextBaseFee(Store.Head.Header), 1).Count > 0)
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
        List<(Transaction, Address)> candidates = Pool.SelectForBlock(draft.BaseFeePerGas ?? UInt256.Zero, _options.MaxTransactionsPerBlock);
        BlockExecution execution = Executor.Execute(new BlockInput(draft, candidates) { BlockHashes = Store }, _states.LatestForExecution, BlockExecutionMode.Build);
        StoredBlock block = Seal(draft, execution);
        try
        {
            // The log is durable before the state is published (the state store never gets ahead of the log), and the
            // state is published before the block is visible (a reader that finds the block finds its state).
            Store.Append(block, () => _states.Publish(block.Number));
        }
        catch
        {
            _states.Abort(block.Number);
            throw;
        }

        SkippedTransaction[] dropped = [.. execution.Skipped.Where(s => s.Permanent)];
        Pool.OnNewHead(_states.Latest, NextBaseFee(block.Header), dropped.Select(s => s.Transaction.Hash));
        BlockAdded?.Invoke(new BlockAddedEvent(block, stopwatch.Elapsed) { Dropped = dropped });
        return block;
    }

    /// <summary>Stages the execution's state (to be published or aborted) and completes the header with the roots.</summary>
    private StoredBlock Seal(BlockHeader draft, BlockExecution execution)
    {
        Hash256 stateRoot = _states.Stage(draft.Number, execution.Changes);
        BlockHeader header = new()
        {
            ParentHash = draft.ParentHash,
            Beneficiary = draft.Beneficiary,
            StateRoot = stateRoot,
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
            WithdrawalsRoot = execution.WithdrawalsRoot,
            BlobGasUsed = draft.ExcessBlobGas is null ? null : execution.BlobGasUsed,
            ExcessBlobGas = draft.ExcessBlobGas,
            ParentBeaconBlockRoot = draft.ParentBeaconBlockRoot,
        };
        var block = new Block(header, new BlockBody([.. execution.Transactions.Select(t => t.Transaction)], [], execution.WithdrawalsRoot is null ? null : []));
        return new StoredBlock(block, [.. execution.Transactions.Select(t => t.Receipt)], [.. execution.Transactions.Select(t => t.Sender)]);
    }

    /// <summary>Re-executes a stored block on the current state and checks that it reproduces its header.</summary>
    private void Reexecute(StoredBlock stored)
    {
        BlockHeader header = stored.Header;
        BlockExecution execution = Executor.Execute(BlockInput.Of(stored.Block, stored.Senders, Store), _states.LatestForExecution, BlockExecutionMode.Import);
        StoredBlock rebuilt = Seal(header, execution);
        if (rebuilt.Hash != stored.Hash)
        {
            _states.Abort(header.Number);
            throw new InvalidDataException(
                $"block {header.Number} does not re-execute to its stored header (state root {rebuilt.Header.StateRoot} vs {header.StateRoot}, " +
                $"receipts root {rebuilt.Header.ReceiptsRoot} vs {header.ReceiptsRoot})");
        }

        _states.Publish(header.Number);
    }

    /// <summary>The base fee of the block after <paramref name="parent"/> (at the earliest timestamp it can have), for the pool.</summary>
    private UInt256 NextBaseFee(BlockHeader parent) =>
        _genesis.Spec.NextBaseFee(parent, parent.Number + 1, parent.Timestamp + 1) ?? UInt256.Zero;

    private BlockHeader NextHeaderDraft(BlockHeader parent)
    {
        ulong now = (ulong)Math.Max(0, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + _timeOffsetSeconds);
        ulong timestamp = _nextTimestamp ?? Math.Max(now, parent.Timestamp + 1);
        _nextTimestamp = null;
        ulong number = parent.Number + 1;
        ChainSpec spec = _genesis.Spec;
        ulong? excessBlobGas = spec.NextExcessBlobGas(parent, number, timestamp);
        return new BlockHeader
        {
            ParentHash = parent.Hash,
            Beneficiary = _options.Coinbase,
            Number = number,
            GasLimit = parent.GasLimit,
            Timestamp = timestamp,
            // PREVRANDAO: without a beacon chain, derive it from the parent so every replay sees the same value.
            MixHash = Keccak256.Hash(parent.Hash.Bytes),
            BaseFeePerGas = spec.NextBaseFee(parent, number, timestamp),
            ExcessBlobGas = excessBlobGas,
            // No beacon chain: the EIP-4788 contract records a zero root, as geth's dev mode does.
            ParentBeaconBlockRoot = excessBlobGas is null ? null : Hash256.Zero,
        };
    }
}
