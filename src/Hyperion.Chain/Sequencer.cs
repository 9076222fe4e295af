using System.Diagnostics;
using Hyperion.Core;
using Hyperion.Core.Blocks;
using Hyperion.Core.Crypto;
using Hyperion.Core.Transactions;
using Hyperion.Execution.Blocks;
using Hyperion.Execution.Specs;

namespace Hyperion.Chain;

/// <summary>How the single sequencer produces blocks.</summary>
public sealed record SequencerOptions
{
    /// <summary>Fixed block interval; null: a block as soon as transactions are pending, coalescing those that arrive within a millisecond.</summary>
    public TimeSpan? BlockTime { get; init; }

    /// <summary>Receives the priority fees.</summary>
    public Address Coinbase { get; init; }

    public int MaxTransactionsPerBlock { get; init; } = 20_000;
}

/// <summary>
/// A block was added: the block, how long it took to build (execution, roots and the durable write), and the
/// transactions dropped from the pool while building it, with the reason.
/// </summary>
public sealed record BlockAddedEvent(StoredBlock Block, TimeSpan BuildTime)
{
    public IReadOnlyList<SkippedTransaction> Dropped { get; init; } = [];
}

/// <summary>Builds blocks on a chain (the sequencer of a dev chain or a rollup; another producer for another chain type).</summary>
public interface IBlockProducer : IDisposable
{
    /// <summary>Starts producing blocks on its own schedule.</summary>
    void Start();

    /// <summary>Builds a block now with whatever is pending (possibly none).</summary>
    StoredBlock Mine();

    /// <summary>When blocks are built: on demand (automine), at a fixed interval, or only when asked.</summary>
    MiningMode Mode { get; set; }

    /// <summary>
    /// Header fields of the blocks it builds that the dev controls change (coinbase, gas limit, the next base fee and
    /// PREVRANDAO); null for a producer whose headers follow other rules (a rollup's).
    /// </summary>
    BlockSettings? Settings => null;

    /// <summary>
    /// Whether the blocks it builds start from the chain's state edits (<see cref="ChainProvider.Edits"/>, made by the dev
    /// controls) and include them in their state root; a producer that does not must not be given edits.
    /// </summary>
    bool AppliesStateEdits => false;

    /// <summary>
    /// Begins watching for <paramref name="hash"/>'s inclusion, before it is submitted to the pool (so an inclusion that
    /// follows at once is not missed); null when blocks are not mined on demand (the sender does not wait then).
    /// </summary>
    PendingInclusion? ExpectInclusion(in Hash256 hash);
}

/// <summary>
/// Header fields the dev controls set for the blocks to come: the coinbase and gas limit stay until changed, the base
/// fee and PREVRANDAO apply to the next block only (anvil_setCoinbase, evm_setBlockGasLimit,
/// anvil_setNextBlockBaseFeePerGas, hardhat_setPrevRandao). They end up in the headers, so a replay needs nothing else.
/// </summary>
public sealed class BlockSettings(Address coinbase)
{
    private readonly object _lock = new();
    private Address _coinbase = coinbase;
    private ulong? _gasLimit;
    private UInt256? _nextBaseFee;
    private Hash256? _nextPrevRandao;

    public Address Coinbase
    {
        get { lock (_lock) { return _coinbase; } }
        set { lock (_lock) { _coinbase = value; } }
    }

    /// <summary>The gas limit of the blocks to come; null: the parent's.</summary>
    public ulong? GasLimit
    {
        get { lock (_lock) { return _gasLimit; } }
        set { lock (_lock) { _gasLimit = value; } }
    }

    public void SetNextBaseFee(UInt256 baseFee)
    {
        lock (_lock)
        {
            _nextBaseFee = baseFee;
        }
    }

    public void SetNextPrevRandao(Hash256 prevRandao)
    {
        lock (_lock)
        {
            _nextPrevRandao = prevRandao;
        }
    }

    /// <summary>Takes the one-off settings for the block being built (the next one gets the computed values again).</summary>
    internal (Address Coinbase, ulong? GasLimit, UInt256? BaseFee, Hash256? PrevRandao) TakeForNextBlock()
    {
        lock (_lock)
        {
            var settings = (_coinbase, _gasLimit, _nextBaseFee, _nextPrevRandao);
            _nextBaseFee = null;
            _nextPrevRandao = null;
            return settings;
        }
    }
}

/// <summary>How blocks are mined: automine (a block as soon as transactions are pending), every <see cref="Interval"/>, or neither (only evm_mine).</summary>
public readonly record struct MiningMode(bool Automine, TimeSpan? Interval)
{
    public static MiningMode OnDemand => new(true, null);

    public static MiningMode Manual => new(false, null);

    public static MiningMode Every(TimeSpan interval) => new(false, interval);
}

/// <summary>
/// One sender's wait for its transaction: <see cref="Submitted"/> after the pool accepted it gives a task that completes
/// once the transaction is in a block that is durable and announced, or was dropped, or cannot be mined now (queued
/// behind a nonce gap, or left over by a round of production). Dispose it when done (or when the pool refused).
/// </summary>
public sealed class PendingInclusion : IDisposable
{
    private readonly Action<PendingInclusion> _remove;
    private readonly Func<PendingInclusion, Task> _submitted;

    internal PendingInclusion(Hash256 hash, Func<PendingInclusion, Task> submitted, Action<PendingInclusion> remove)
    {
        Hash = hash;
        _submitted = submitted;
        _remove = remove;
    }

    public Hash256 Hash { get; }

    internal TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The pool announced the transaction as executable (not queued).</summary>
    internal bool BecamePending { get; set; }

    /// <summary>The first production round that started after the pool accepted the transaction.</summary>
    internal long FirstRound { get; set; } = long.MaxValue;

    /// <summary>The pool accepted the transaction; completes when it is mined, dropped, or cannot be mined now.</summary>
    public Task Submitted() => _submitted(this);

    public void Dispose() => _remove(this);
}

/// <summary>
/// The single sequencer: takes transactions from the pool and produces blocks on the chain — on demand (a block as
/// soon as transactions are pending) or at a fixed interval. Blocks become visible only after they are durable.
/// </summary>
public sealed class Sequencer : IBlockProducer
{
    private readonly ChainProvider _chain;
    private readonly ITransactionPool _pool;
    private readonly IBlockClock _clock;
    private readonly SequencerOptions _options;
    private readonly SemaphoreSlim _wake = new(0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _producer;
    private readonly AutoResetEvent _modeChanged = new(false);
    private readonly object _waitLock = new();
    private readonly Dictionary<Hash256, List<PendingInclusion>> _waits = [];
    private long _roundsStarted;
    private readonly BlockSettings _settings;
    private MiningMode _mode;

    public Sequencer(ChainProvider chain, ITransactionPool pool, IBlockClock clock, SequencerOptions options)
    {
        ArgumentNullException.ThrowIfNull(chain);
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentNullException.ThrowIfNull(options);
        _chain = chain;
        _pool = pool;
        _clock = clock;
        _options = options;
        _mode = options.BlockTime is TimeSpan interval ? MiningMode.Every(interval) : MiningMode.OnDemand;
        _settings = new BlockSettings(options.Coinbase);
        _pool.TransactionPending += OnTransactionPending;
        _pool.TransactionDropped += dropped => CompleteWaits([dropped.Hash]);
        _producer = new Thread(ProduceLoop) { IsBackground = true, Name = "hyperion-sequencer" };
    }

    private ChainStore Store => _chain.Store;

    public void Start() => _producer.Start();

    public StoredBlock Mine()
    {
        lock (_chain.WriteLock)
        {
            return Produce();
        }
    }

    public MiningMode Mode
    {
        get
        {
            lock (_waitLock)
            {
                return _mode;
            }
        }

        set
        {
            if (value.Interval is TimeSpan interval && (interval <= TimeSpan.Zero || interval > TimeSpan.FromMilliseconds(int.MaxValue)))
            {
                throw new ArgumentOutOfRangeException(nameof(value), "the mining interval must be positive and at most int.MaxValue ms");
            }

            lock (_waitLock)
            {
                _mode = value;
                if (!value.Automine)
                {
                    CompleteAllWaits(); // no block is coming on demand: the senders return
                }
            }

            _modeChanged.Set();
            _wake.Release();
        }
    }

    public BlockSettings? Settings => _settings;

    public bool AppliesStateEdits => true;

    public PendingInclusion? ExpectInclusion(in Hash256 hash)
    {
        lock (_waitLock)
        {
            if (!_mode.Automine || _stop.IsCancellationRequested)
            {
                return null;
            }

            var wait = new PendingInclusion(hash, OnSubmitted, RemoveWait);
            if (!_waits.TryGetValue(hash, out List<PendingInclusion>? list))
            {
                _waits[hash] = list = [];
            }

            list.Add(wait);
            return wait;
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

            lock (_waitLock)
            {
                CompleteAllWaits();
            }

            _modeChanged.Dispose();
        }
    }

    private void OnTransactionPending(Hash256 hash)
    {
        lock (_waitLock)
        {
            if (_waits.TryGetValue(hash, out List<PendingInclusion>? list))
            {
                list.ForEach(w => w.BecamePending = true);
            }
        }

        _wake.Release();
    }

    private Task OnSubmitted(PendingInclusion wait)
    {
        lock (_waitLock)
        {
            if (!wait.BecamePending)
            {
                wait.Done.TrySetResult(); // queued behind a nonce gap: it cannot be mined yet (anvil returns at once too)
            }

            // A round that starts from now on sees the transaction in the pool: it is included, dropped, or left over.
            wait.FirstRound = _roundsStarted + 1;
            return wait.Done.Task;
        }
    }

    private void RemoveWait(PendingInclusion wait)
    {
        lock (_waitLock)
        {
            if (_waits.TryGetValue(wait.Hash, out List<PendingInclusion>? list) && list.Remove(wait) && list.Count == 0)
            {
                _waits.Remove(wait.Hash);
            }
        }
    }

    private void CompleteWaits(IEnumerable<Hash256> hashes)
    {
        lock (_waitLock)
        {
            foreach (Hash256 hash in hashes)
            {
                if (_waits.TryGetValue(hash, out List<PendingInclusion>? list))
                {
                    list.ForEach(w => w.Done.TrySetResult());
                }
            }
        }
    }

    /// <summary>Completes every wait (the caller holds <see cref="_waitLock"/>).</summary>
    private void CompleteAllWaits()
    {
        foreach (List<PendingInclusion> list in _waits.Values)
        {
            list.ForEach(w => w.Done.TrySetResult());
        }
    }

    private long BeginRound()
    {
        lock (_waitLock)
        {
            return ++_roundsStarted;
        }
    }

    /// <summary>A round ended: what it saw in the pool and left there cannot be mined now (e.g. under the base fee); those senders return.</summary>
    private void EndRound(long round)
    {
        lock (_waitLock)
        {
            foreach (List<PendingInclusion> list in _waits.Values)
            {
                list.Where(w => w.FirstRound <= round).ToList().ForEach(w => w.Done.TrySetResult());
            }
        }
    }

    private void ProduceLoop()
    {
        CancellationToken stop = _stop.Token;
        WaitHandle[] stopOrModeChange = [stop.WaitHandle, _modeChanged];
        while (!stop.IsCancellationRequested)
        {
            try
            {
                MiningMode mode = Mode;
                if (mode.Interval is TimeSpan interval)
                {
                    if (WaitHandle.WaitAny(stopOrModeChange, interval) == WaitHandle.WaitTimeout)
                    {
                        lock (_chain.WriteLock) { Produce(); }
                    }

                    continue;
                }

                if (!mode.Automine)
                {
                    WaitHandle.WaitAny(stopOrModeChange); // only evm_mine builds blocks until the mode changes
                    continue;
                }

                _wake.Wait(stop);
                Thread.Sleep(1); // coalesce what arrives within a millisecond into the same block
                while (_wake.CurrentCount > 0)
                {
                    _wake.Wait(0, CancellationToken.None);
                }

                if (!Mode.Automine)
                {
                    continue;
                }

                lock (_chain.WriteLock)
                {
                    long round = BeginRound();
                    try
                    {
                        // Build until nothing executable is left (a full block leaves the rest for the next).
                        while (!stop.IsCancellationRequested && _pool.SelectForBlock(_chain.NextBaseFee(Store.Head.Header), 1).Count > 0)
                        {
                            if (Produce().Block.Transactions.Length == 0)
                            {
                                break; // only transactions the builder could not include yet
                            }
                        }
                    }
                    finally
                    {
                        EndRound(round);
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
        IChainState states = _chain.States;
        StoredBlock parent = Store.Head;
        BlockHeader draft = NextHeaderDraft(parent.Header);
        List<(Transaction, Address)> candidates = _pool.SelectForBlock(draft.BaseFeePerGas ?? UInt256.Zero, _options.MaxTransactionsPerBlock);
        EditedState edits = _chain.Edits;
        BlockExecution execution = _chain.Executor.Execute(new BlockInput(draft, candidates) { BlockHashes = Store }, edits.Over(states.LatestForExecution), BlockExecutionMode.Build);
        StoredBlock block = BlockImporter.Seal(states, draft, execution, edits);
        SkippedTransaction[] dropped = _chain.AddBuilt(block, execution, _pool, stopwatch.Elapsed);
        // Announced: the senders waiting for these transactions return (a dropped one is logged by the node, as anvil does).
        CompleteWaits(block.Block.Transactions.Select(t => t.Hash).Concat(dropped.Select(d => d.Transaction.Hash)));
        return block;
    }

    private BlockHeader NextHeaderDraft(BlockHeader parent)
    {
        ulong number = parent.Number + 1;
        ulong timestamp = _clock.NextTimestamp(parent);
        ChainSpec spec = _chain.Executor.Spec;
        ulong? excessBlobGas = spec.NextExcessBlobGas(parent, number, timestamp);
        (Address coinbase, ulong? gasLimit, UInt256? baseFee, Hash256? prevRandao) = _settings.TakeForNextBlock();
        UInt256? computedBaseFee = spec.NextBaseFee(parent, number, timestamp);
        return new BlockHeader
        {
            ParentHash = parent.Hash,
            Beneficiary = coinbase,
            Number = number,
            GasLimit = gasLimit ?? parent.GasLimit,
            Timestamp = timestamp,
            // PREVRANDAO: without a beacon chain, derive it from the parent so every replay sees the same value.
            MixHash = prevRandao ?? Keccak256.Hash(parent.Hash.Bytes),
            BaseFeePerGas = computedBaseFee is null ? null : baseFee ?? computedBaseFee,
            ExcessBlobGas = excessBlobGas,
            // No beacon chain: the EIP-4788 contract records a zero root, as geth's dev mode does.
            ParentBeaconBlockRoot = excessBlobGas is null ? null : Hash256.Zero,
        };
    }
}
