using System.Diagnostics;
using Hyperion.Core;
using Hyperion.Core.Blocks;
using Hyperion.Core.Crypto;
using Hyperion.Core.Diagnostics;
using Hyperion.Core.Transactions;
using Hyperion.Execution.Blocks;
using Hyperion.Execution.Specs;
using Hyperion.State;
using Hyperion.State.World;

namespace Hyperion.Chain;

/// <summary>How the single sequencer produces blocks.</summary>
public sealed record SequencerOptions
{
    /// <summary>
    /// Fixed block interval; null: a block as soon as transactions are pending — built by the sender of each one on its
    /// own thread (those that arrive while a block is built go into the next one together), or by the sequencer's
    /// thread for transactions that became executable otherwise (coalescing those that arrive within a millisecond).
    /// </summary>
    public TimeSpan? BlockTime { get; init; }

    /// <summary>Receives the priority fees.</summary>
    public Address Coinbase { get; init; }

    public int MaxTransactionsPerBlock { get; init; } = 20_000;

    /// <summary>
    /// With a block interval: execute each transaction as it arrives on the open block and serve its receipt at once
    /// (<see cref="IPreconfirmations"/>); the block closes at the interval with exactly those transactions.
    /// </summary>
    public bool Preconfirm { get; init; } = true;
}

/// <summary>
/// A block was added: the block, how long it took to build (execution, roots and the durable write), and the
/// transactions dropped from the pool while building it, with the reason.
/// </summary>
public sealed record BlockAddedEvent(StoredBlock Block, TimeSpan BuildTime)
{
    public IReadOnlyList<SkippedTransaction> Dropped { get; init; } = [];

    /// <summary>What the block's transactions touched, as its producer executed them; null when not collected (the address index executes the block again).</summary>
    public BlockAddresses? Addresses { get; init; }
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

    /// <summary>The producer's preconfirmations of its open block; null for a producer that gives none.</summary>
    IPreconfirmations? Preconfirmations => null;
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
    private long _version;

    /// <summary>Changes whenever a setting is set (a block opened before that is built again).</summary>
    public long Version
    {
        get { lock (_lock) { return _version; } }
    }

    public Address Coinbase
    {
        get { lock (_lock) { return _coinbase; } }
        set { lock (_lock) { _coinbase = value; _version++; } }
    }

    /// <summary>The gas limit of the blocks to come; null: the parent's.</summary>
    public ulong? GasLimit
    {
        get { lock (_lock) { return _gasLimit; } }
        set { lock (_lock) { _gasLimit = value; _version++; } }
    }

    public void SetNextBaseFee(UInt256 baseFee)
    {
        lock (_lock)
        {
            _nextBaseFee = baseFee;
            _version++;
        }
    }

    public void SetNextPrevRandao(Hash256 prevRandao)
    {
        lock (_lock)
        {
            _nextPrevRandao = prevRandao;
            _version++;
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
/// once the transaction is in a block that is durable and announced (or, with preconfirmations, preconfirmed), or was
/// dropped, or cannot be mined now (queued behind a nonce gap, or left over by a round of production). Dispose it when done (or when the pool refused).
/// </summary>
/// <remarks>
/// The wait is its own task's source, and the sender's cancellation is registered on it directly: a send allocates one
/// object for its wait, not a source, its task and a <c>WaitAsync</c> promise beside it.
/// </remarks>
public sealed class PendingInclusion : TaskCompletionSource, IDisposable
{
    private readonly InclusionWaits _waits;
    private CancellationTokenRegistration _cancellation;

    internal PendingInclusion(Hash256 hash, InclusionWaits waits)
        : base(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        Hash = hash;
        _waits = waits;
    }

    public Hash256 Hash { get; }

    /// <summary>The pool announced the transaction as executable (not queued).</summary>
    internal bool BecamePending { get; set; }

    /// <summary>The first production round that started after the pool accepted the transaction.</summary>
    internal long FirstRound { get; set; } = long.MaxValue;

    /// <summary>The next wait for the same transaction (sent again before this one ended); guarded by <see cref="InclusionWaits.Lock"/>.</summary>
    internal PendingInclusion? Next { get; set; }

    /// <summary>
    /// The pool accepted the transaction; completes when it is mined, dropped, or cannot be mined now, or is canceled
    /// when <paramref name="cancel"/> is (the sender went away; the transaction stays in the pool).
    /// </summary>
    public Task Submitted(CancellationToken cancel = default)
    {
        Task done = _waits.OnSubmitted(this);
        if (!done.IsCompleted && cancel.CanBeCanceled)
        {
            _cancellation = cancel.UnsafeRegister(static (wait, token) => ((PendingInclusion)wait!).TrySetCanceled(token), this);
        }

        return done;
    }

    public void Dispose()
    {
        _cancellation.Dispose();
        _waits.Remove(this);
    }
}

/// <summary>
/// The single sequencer: takes transactions from the pool and produces blocks on the chain — on demand (a block as
/// soon as transactions are pending) or at a fixed interval. Blocks become visible only after they are durable.
/// </summary>
/// <remarks>
/// Every block is built incrementally on an open block (<see cref="BlockBuilder"/>). At an interval, with
/// <see cref="SequencerOptions.Preconfirm"/>, transactions are added as they arrive and each round is published as a
/// preconfirmed sub-block; closing the block seals exactly what was added, so a preconfirmed receipt is the canonical
/// one. The open block is built again (and its preconfirmations withdrawn) only when the chain moved under it: a
/// rewind, a state edit, or a dev control that changes the next block's header (timestamp, coinbase, fees).
/// Preconfirmations are not persisted: a crash loses them with the pool.
/// </remarks>
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
    private readonly InclusionWaits _waits;
    private readonly BlockSettings _settings;
    private MiningMode _mode;
    private readonly PreconfirmationFeed _feed;
    private readonly BlockCommitPipeline _commits;
    private readonly Action<string>? _warning;
    private OpenedOn? _openedOn; // what the feed's open block was opened on (under the write lock)
    private int _includeRequests; // senders that asked for a round since the includer last looked
    private int _including; // 1 while a sender's thread is the includer

    /// <summary>What the open block was opened on: a block opened on another head, edits, clock or settings is stale.</summary>
    private sealed record OpenedOn(OpenBlock Block, Hash256 Parent, EditedState Edits, long ClockVersion, long SettingsVersion);

    /// <param name="warning">Receives what the operator should know about: a block the sequencer's own thread could not build or make durable.</param>
    public Sequencer(ChainProvider chain, ITransactionPool pool, IBlockClock clock, SequencerOptions options, Action<string>? warning = null)
    {
        ArgumentNullException.ThrowIfNull(chain);
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentNullException.ThrowIfNull(options);
        _chain = chain;
        _pool = pool;
        _clock = clock;
        _options = options;
        _warning = warning;
        _mode = options.BlockTime is TimeSpan interval ? MiningMode.Every(interval) : MiningMode.OnDemand;
        _settings = new BlockSettings(options.Coinbase);
        _feed = new PreconfirmationFeed(chain.Store);
        _commits = new BlockCommitPipeline(chain);
        _waits = new InclusionWaits(pool,
            waiting: () => (_mode.Automine || Preconfirming(_mode)) && !_stop.IsCancellationRequested,
            include: IncludeOnSendersThread);
        _pool.TransactionPending += hash =>
        {
            if (!_waits.SenderIncludes(hash))
            {
                _wake.Release(); // a sender that waits mines or preconfirms its transaction itself: no wake
            }
        };
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
            lock (_waits.Lock)
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

            lock (_waits.Lock)
            {
                _mode = value;
                if (!value.Automine && !Preconfirming(value))
                {
                    _waits.CompleteAll(); // no block or preconfirmation is coming on demand: the senders return
                }
            }

            _modeChanged.Set();
            _wake.Release();
        }
    }

    public BlockSettings? Settings => _settings;

    public bool AppliesStateEdits => true;

    public IPreconfirmations? Preconfirmations => _options.Preconfirm ? _feed : null;

    /// <summary>Whether transactions are preconfirmed now: interval mining with preconfirmations on.</summary>
    private bool Preconfirming(MiningMode mode) => _options.Preconfirm && mode.Interval is not null;

    public PendingInclusion? ExpectInclusion(in Hash256 hash) => _waits.Expect(hash);

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

            _waits.CompleteAll();
            lock (_chain.WriteLock)
            {
                _commits.Dispose();
            }

            _modeChanged.Dispose();
        }
    }

    private void ProduceLoop()
    {
        CancellationToken stop = _stop.Token;
        WaitHandle[] stopOrModeChange = [stop.WaitHandle, _modeChanged];
        WaitHandle[] stopModeChangeOrWake = [stop.WaitHandle, _modeChanged, _wake.AvailableWaitHandle];
        TimeSpan retryDelay = FirstRetryDelay;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                MiningMode mode = Mode;
                if (mode.Interval is TimeSpan interval)
                {
                    ProduceAtInterval(interval, Preconfirming(mode) ? stopModeChangeOrWake : stopOrModeChange);
                    retryDelay = FirstRetryDelay;
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
                    ProduceWhilePending(stop);
                }

                retryDelay = FirstRetryDelay;
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception e)
            {
                // A block this thread could not build or make durable (a full disk, a failed store) was aborted: the
                // chain stays at its parent and the transactions stay pending. Reported and retried after a pause
                // (doubling up to half a minute while it keeps failing) rather than ending the process.
                _warning?.Invoke($"sequencer: {e.Message}; trying again in {retryDelay.TotalSeconds:0} s");
                if (stop.WaitHandle.WaitOne(retryDelay))
                {
                    return;
                }

                retryDelay = TimeSpan.FromTicks(Math.Min(retryDelay.Ticks * 2, MaxRetryDelay.Ticks));
                _wake.Release();
            }
        }
    }

    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(30);

    /// <summary>
    /// A sender's transaction was submitted: it is mined (automine) or preconfirmed (interval) on the sender's thread.
    /// One sender's thread at a time is the includer: it runs rounds, each a block (or sub-block) of everything
    /// pending, until no sender asked for one since its last round began. A sender that finds an includer at work
    /// leaves its transaction (already in the pool) to the includer's next round and returns at once, its wait done
    /// when the block is announced: the senders that arrive while a block is built go into the next one together (a
    /// group commit), and their threads are not held on the write lock meanwhile — on two cores, blocked request
    /// threads left too few to admit the next sends, and concurrent single sends made blocks of about 1.5 transactions.
    /// </summary>
    private void IncludeOnSendersThread(Task done)
    {
        if (done.IsCompletedSuccessfully)
        {
            return; // included (or cannot be now); one whose sender went away (canceled) is still pending and included
        }

        Interlocked.Increment(ref _includeRequests);
        while (Interlocked.CompareExchange(ref _including, 1, 0) == 0)
        {
            try
            {
                // A request counted before the exchange is seen by the round after it (its transaction is in the pool).
                while (Interlocked.Exchange(ref _includeRequests, 0) > 0)
                {
                    lock (_chain.WriteLock)
                    {
                        MiningMode mode = Mode;
                        if (Preconfirming(mode))
                        {
                            Preconfirm();
                        }
                        else if (mode.Automine)
                        {
                            ProduceWhilePending(_stop.Token);
                        }
                    }
                }
            }
            catch
            {
                _wake.Release(); // the sequencer's thread takes over what other senders left to this round
                throw;
            }
            finally
            {
                Volatile.Write(ref _including, 0);
            }

            if (Volatile.Read(ref _includeRequests) == 0)
            {
                return; // otherwise a sender asked between the last exchange and the release: include again (unless another took over)
            }
        }
    }

    /// <summary>
    /// One automine round: blocks until nothing executable is left (the caller holds the write lock). Each block's
    /// commit runs beside the next one's execution (<see cref="BlockCommitPipeline"/>); the last is settled before the
    /// round ends, so the lock is never let go with a commit in flight.
    /// </summary>
    private void ProduceWhilePending(CancellationToken stop)
    {
        long round = _waits.BeginRound();
        try
        {
            // A full block leaves the rest for the next.
            while (!stop.IsCancellationRequested && PendingBeyondParent())
            {
                if (ProduceOverlapped().Block.Transactions.Length == 0)
                {
                    break; // only transactions the builder could not include yet
                }
            }
        }
        finally
        {
            try
            {
                _commits.Settle();
            }
            finally
            {
                _waits.EndRound(round);
            }
        }
    }

    /// <summary>Whether the pool has an executable transaction that the block being committed (if any) does not include.</summary>
    private bool PendingBeyondParent()
    {
        return _pool.HasSelectableBeyond(_chain.NextBaseFee(_commits.Parent.Header), _commits.CommittingTransactions);
    }

    /// <summary>
    /// One interval: the block closes when it ends; until then, with preconfirmations, each wake from the pool
    /// preconfirms what arrived. Returns early when the mode changes or the sequencer stops.
    /// </summary>
    private void ProduceAtInterval(TimeSpan interval, WaitHandle[] handles)
    {
        long deadline = Environment.TickCount64 + (long)interval.TotalMilliseconds;
        while (true)
        {
            long remaining = deadline - Environment.TickCount64;
            if (remaining <= 0)
            {
                lock (_chain.WriteLock) { Produce(); }
                return;
            }

            int signalled = WaitHandle.WaitAny(handles, TimeSpan.FromMilliseconds(remaining));
            if (signalled == WaitHandle.WaitTimeout)
            {
                continue;
            }

            if (signalled != 2)
            {
                return; // stopped, or the mode changed
            }

            while (_wake.Wait(0))
            {
            }

            Preconfirm();
        }
    }

    /// <summary>Executes what the pool has that the open block has not tried, and publishes it as a sub-block.</summary>
    private void Preconfirm()
    {
        lock (_chain.WriteLock)
        {
            long round = _waits.BeginRound();
            try
            {
                EnsureOpen().AddFromPool(_pool, _options.MaxTransactionsPerBlock);
                Publish();
            }
            finally
            {
                _waits.EndRound(round);
            }
        }
    }

    /// <summary>The open block, opened now on the head (or built again when the chain moved under it); the caller holds the write lock.</summary>
    private OpenBlock EnsureOpen()
    {
        StoredBlock parent = _commits.Parent;
        // On a block still being committed, no state edit can follow it (edits wait for the write lock, which its producer holds).
        EditedState edits = _commits.Committing ? EditedState.None(parent.Number) : _chain.Edits;
        if (_openedOn is { } opened && ReferenceEquals(_feed.Open, opened.Block) && opened.Parent == parent.Hash && SameEdits(opened.Edits, edits)
            && opened.ClockVersion == _clock.Version && opened.SettingsVersion == _settings.Version)
        {
            return opened.Block;
        }

        // Stale (or none): its preconfirmations are withdrawn; its transactions are still in the pool and are tried again.
        _feed.End();
        long clockVersion = _clock.Version;
        long settingsVersion = _settings.Version;
        BlockHeader draft = NextHeaderDraft(parent.Header);
        OpenBlock open;
        if (_commits.ParentState() is { } committing)
        {
            // Executed on the parent's post-state held in memory while its commit runs; its hash is known (it is sealed).
            open = OpenBlock.Start(_chain.Executor, new BlockInput(draft, []) { BlockHashes = _commits.BlockHashes() }, committing, committing);
            open.IncludedInParent(_commits.CommittingTransactions);
        }
        else
        {
            IStateReader readState = _chain.StateAt(parent.Number) ?? throw new InvalidOperationException($"the state of the head {parent.Number} is missing");
            open = OpenBlock.Start(_chain.Executor, new BlockInput(draft, []) { BlockHashes = Store }, edits.Over(_chain.States.LatestForExecution), readState);
        }

        _openedOn = new OpenedOn(open, parent.Hash, edits, clockVersion, settingsVersion);
        _feed.Begin(open);
        return open;
    }

    private static bool SameEdits(EditedState a, EditedState b) => ReferenceEquals(a, b) || (a.IsEmpty && b.IsEmpty && a.Head == b.Head);

    /// <summary>Publishes what the open block included since the last sub-block; the senders waiting for those return.</summary>
    private void Publish()
    {
        if (_feed.Publish() is { } subBlock)
        {
            _waits.Complete(subBlock.Transactions.Skip(subBlock.FirstNew).Select(t => t.Transaction.Hash));
        }
    }

    /// <summary>Closes the open block (opening one if none) with it and whatever else is pending, and adds it to the chain: durable and visible when it returns.</summary>
    private StoredBlock Produce()
    {
        StoredBlock block = ProduceOverlapped();
        _commits.Settle();
        return block;
    }

    /// <summary>
    /// Closes the open block with whatever else is pending and seals it once the previous block's commit is settled;
    /// its own commit is left in flight (<see cref="BlockCommitPipeline"/>), to be settled by the caller before it lets
    /// the write lock go.
    /// </summary>
    private StoredBlock ProduceOverlapped()
    {
        var stopwatch = Stopwatch.StartNew();
        long cpuBlock = BlockCpuProbe.Start();
        IChainState states = _chain.States;
        long cpu = cpuBlock;
        OpenBlock open = EnsureOpen();
        BlockCpuProbe.Stop(BlockCpuPhase.Open, cpu);
        EditedState edits = _openedOn!.Edits;
        StoredBlock block;
        BlockExecution execution;
        StateChangeSet changes;
        BlockAddresses addresses;
        try
        {
            cpu = BlockCpuProbe.Start();
            open.AddFromPool(_pool, _options.MaxTransactionsPerBlock);
            BlockCpuProbe.Stop(BlockCpuPhase.Transactions, cpu);
            cpu = BlockCpuProbe.Start();
            execution = open.Close();
            BlockCpuProbe.Stop(BlockCpuPhase.Close, cpu);
            addresses = open.Addresses;

            // The parent's commit ran beside this execution; this block's root builds on the parent's stored state.
            cpu = BlockCpuProbe.Start();
            _commits.Settle();
            BlockCpuProbe.Stop(BlockCpuPhase.ParentCommitWait, cpu);
            changes = edits.Merge(execution.Changes);
            block = BlockImporter.Seal(states, open.Header, execution, changes);
        }
        finally
        {
            // Closed (or failed): the next round opens a new block; the pending view falls back to the new head.
            _feed.End();
            _openedOn = null;
        }

        BlockCpuProbe.Stop(BlockCpuPhase.IncluderBlock, cpuBlock); // the hand-off is timed by the pipeline, which takes the sample
        _commits.Begin(block, changes, execution, _pool, stopwatch.Elapsed, addresses, dropped =>
        {
            // Durable and announced: the senders waiting for these transactions return (a dropped one is logged by the node, as anvil does).
            _waits.Complete(block.Block.Transactions.Select(t => t.Hash).Concat(dropped.Select(d => d.Transaction.Hash)));
            if (Preconfirming(Mode) && _pool.PendingCount > 0)
            {
                _wake.Release(); // what waited for this block (it did not fit) is preconfirmed on the next one now
            }
        });
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
