using System.Diagnostics;
using Hyperion.Chain;
using Hyperion.Core;
using Hyperion.Core.Blocks;
using Hyperion.Core.Transactions;
using Hyperion.Execution.Blocks;
using Hyperion.Execution.Parallel;
using Hyperion.Execution.Specs;
using Hyperion.Rollup.Config;
using Hyperion.State;
using Hyperion.Rollup.Derivation;
using Microsoft.Extensions.Logging;

namespace Hyperion.Rollup.Node.Engine;

/// <summary>The three heads of a rollup node: the chain's head (unsafe), the newest block derived from L1 (safe), and the newest derived from finalized L1 data.</summary>
public readonly record struct RollupHeads(L2BlockRef Unsafe, L2BlockRef Safe, L2BlockRef Finalized);

/// <summary>
/// The rollup's engine (op-node's engine controller, on this project's chain seams): builds L2 blocks from payload
/// attributes with the chain's block executor (the attributes' transactions forced first, then, for the sequencer,
/// pool transactions up to the gas limit), inserts derived attributes as the safe chain (consolidating with the unsafe
/// block at that height when it matches, reorganizing the unsafe chain when it does not), keeps the unsafe, safe and
/// finalized heads (safe and finalized persisted in the data directory), and rewinds the chain on an L1 reorg.
/// It is the node's block producer: blocks come only from the derivation and the sequencer, never from evm_mine.
/// A sequencer's block is opened from its attributes (<see cref="OpenUnsafe"/>), takes pool transactions as they
/// arrive (<see cref="PreconfirmPending"/>, each sub-block published as a preconfirmation when the engine preconfirms)
/// and is sealed at its time (<see cref="SealUnsafe"/>) with exactly those transactions.
/// </summary>
/// <remarks>
/// Every write holds the chain's <see cref="ChainProvider.WriteLock"/>. The derivation's cursor
/// (<see cref="PendingSafe"/>) may be behind the safe head after a restart: it re-derives blocks the node already
/// has, which consolidate without executing.
/// </remarks>
public sealed class RollupEngine : IBlockProducer, IChainHeads, ISafeL2Chain
{
    /// <summary>Most pool transactions one sequenced block considers.</summary>
    public const int MaxPoolTransactionsPerBlock = 10_000;

    private readonly ChainProvider _chain;
    private readonly ITransactionPool _pool;
    private readonly IStateStore _stateStore;
    private readonly RollupConfig _config;
    private readonly string? _dataDirectory;
    private readonly ILogger _logger;
    private readonly PreconfirmationFeed _feed;
    private readonly bool _preconfirm;
    private readonly SemaphoreSlim _arrived = new(0);
    private readonly InclusionWaits _waits;
    private volatile bool _stopped;
    private bool _openTakesPool; // whether the open block takes pool transactions (not past the sequencer drift)
    private volatile HeadPair _heads;

    /// <param name="preconfirm">A sequencer's engine that publishes its open block's transactions as they are executed (<see cref="Preconfirmations"/>).</param>
    public RollupEngine(ChainProvider chain, ITransactionPool pool, IStateStore stateStore, RollupConfig config, string? dataDirectory, ILogger logger, bool preconfirm = false)
    {
        _chain = chain ?? throw new ArgumentNullException(nameof(chain));
        _pool = pool ?? throw new ArgumentNullException(nameof(pool));
        _stateStore = stateStore ?? throw new ArgumentNullException(nameof(stateStore));
        _config = config ?? throw new ArgumentNullException(nameof(config));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _dataDirectory = dataDirectory;
        _preconfirm = preconfirm;
        _feed = new PreconfirmationFeed(chain.Store);
        // A preconfirming sequencer answers a send once the transaction is preconfirmed, as the dev chain does.
        _waits = new InclusionWaits(pool, waiting: () => _preconfirm && !_stopped, include: _ => PreconfirmPending());
        if (preconfirm)
        {
            pool.TransactionPending += _ => _arrived.Release(); // only a preconfirming sequencer waits for arrivals
        }
        StoredBlock genesis = chain.Store.Genesis;
        if (genesis.Hash != config.GenesisL2.Hash || genesis.Number != config.GenesisL2.Number)
        {
            throw new RollupConfigException([
                $"genesis.l2 is {config.GenesisL2.Number} {config.GenesisL2.Hash}, but the L2 genesis this node builds from the rollup config is {genesis.Number} {genesis.Hash}",
            ]);
        }

        L2BlockRef genesisRef = RefOf(genesis);
        L2BlockRef safe = genesisRef;
        L2BlockRef finalized = genesisRef;
        if (dataDirectory is not null && HeadsFile.Read(dataDirectory) is (BlockId storedSafe, BlockId storedFinalized))
        {
            safe = Canonical(storedSafe) ?? genesisRef;
            finalized = Canonical(storedFinalized) ?? genesisRef;
            if (safe.Hash != storedSafe.Hash || finalized.Hash != storedFinalized.Hash)
            {
                _logger.LogWarning("stored heads (safe {Safe}, finalized {Finalized}) are not in the chain; starting from genesis", storedSafe.Number, storedFinalized.Number);
            }
        }

        _heads = new HeadPair(safe, finalized);
        PendingSafe = safe;
        chain.Store.Heads = this;
    }

    public RollupConfig Config => _config;

    public ChainProvider Chain => _chain;

    /// <summary>The chain's head.</summary>
    public L2BlockRef Unsafe => RefOf(_chain.Store.Head);

    public L2BlockRef Safe => _heads.Safe;

    public L2BlockRef Finalized => _heads.Finalized;

    public RollupHeads Heads
    {
        get
        {
            HeadPair heads = _heads;
            return new RollupHeads(Unsafe, heads.Safe, heads.Finalized);
        }
    }

    /// <summary>The derivation's cursor: the last block it derived (or consolidated); the next derived block goes on it.</summary>
    public L2BlockRef PendingSafe { get; private set; }

    ulong IChainHeads.Safe => Safe.Number;

    ulong IChainHeads.Finalized => Finalized.Number;

    public L2BlockRef RefOf(StoredBlock block)
    {
        ArgumentNullException.ThrowIfNull(block);
        return L2Blocks.ToRef(block.Block, _config);
    }

    /// <summary>The canonical block at <paramref name="number"/>, if any.</summary>
    public L2BlockRef? RefAt(ulong number) => _chain.Store.GetByNumber(number) is { } block ? RefOf(block) : null;

    /// <summary>The system config the block after <paramref name="parent"/> starts from.</summary>
    public SystemConfig SystemConfigAfter(L2BlockRef parent)
    {
        StoredBlock block = _chain.Store.GetByHash(parent.Hash) ?? throw new InvalidOperationException($"L2 block {parent.Number} {parent.Hash} is not in the chain");
        return L2Blocks.SystemConfigOf(block.Block, _config);
    }

    /// <summary>
    /// Opens the next unsafe block on <paramref name="parent"/>, the chain's head, from <paramref name="attributes"/>
    /// (the sequencer): their transactions are executed at once (and published as the first sub-block when the engine
    /// preconfirms); pool transactions follow as they arrive when <paramref name="includePool"/>. A block opened before
    /// is dropped (its pool transactions stay in the pool). The reason when an attributes transaction cannot be
    /// included or the head moved meanwhile; null when the block is open.
    /// </summary>
    public string? OpenUnsafe(L2BlockRef parent, PayloadAttributes attributes, bool includePool)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        lock (_chain.WriteLock)
        {
            // A round: what the pool has is preconfirmed now or, when it cannot be (no pool transactions past the
            // drift, or the block could not be opened), its senders return.
            long round = _waits.BeginRound();
            try
            {
                _feed.End();
                if (_chain.Store.Head.Hash != parent.Hash)
                {
                    return $"the chain's head moved from block {parent.Number} while the attributes were prepared";
                }

                if (Prepare(attributes, out string? failure) is not { } prepared || Open(prepared, out failure) is not { } open)
                {
                    return failure;
                }

                _feed.Begin(open);
                _openTakesPool = includePool;
                if (includePool)
                {
                    open.AddFromPool(_pool, MaxPoolTransactionsPerBlock);
                }

                Publish();
                return null;
            }
            finally
            {
                _waits.EndRound(round);
            }
        }
    }

    /// <summary>Publishes what the open block included since its last sub-block when the engine preconfirms; the senders waiting for those return.</summary>
    private void Publish()
    {
        if (_preconfirm && _feed.Publish() is { } subBlock)
        {
            _waits.Complete(subBlock.Transactions.Skip(subBlock.FirstNew).Select(t => t.Transaction.Hash));
        }
    }

    /// <summary>A block could not be opened (L1 could not be read, or its attributes failed): the senders waiting for a preconfirmation return.</summary>
    public void ReleaseWaits() => _waits.EndRound(_waits.BeginRound());

    /// <summary>Whether a block is open on <paramref name="parent"/> (and <paramref name="parent"/> is still the head).</summary>
    public bool IsOpenOn(L2BlockRef parent)
    {
        lock (_chain.WriteLock)
        {
            return OpenOnHead() is { } open && open.Header.ParentHash == parent.Hash;
        }
    }

    /// <summary>Executes on the open block the pool transactions it has not tried, and publishes them as a sub-block when the engine preconfirms.</summary>
    public void PreconfirmPending()
    {
        lock (_chain.WriteLock)
        {
            // No open block: the sequencer opens the next one soon and takes what the pool has then (that round ends the waits).
            if (OpenOnHead() is { } open && _openTakesPool)
            {
                long round = _waits.BeginRound();
                try
                {
                    open.AddFromPool(_pool, MaxPoolTransactionsPerBlock);
                    Publish();
                }
                finally
                {
                    _waits.EndRound(round);
                }
            }
        }
    }

    /// <summary>Waits until the pool has announced a transaction as executable since the last wait (the sequencer preconfirms it then).</summary>
    public async Task WaitForTransactionsAsync(TimeSpan timeout, CancellationToken cancellation)
    {
        if (await _arrived.WaitAsync(timeout, cancellation).ConfigureAwait(false))
        {
            while (_arrived.Wait(0, CancellationToken.None))
            {
            }
        }
    }

    /// <summary>
    /// Seals the block open on <paramref name="parent"/> with the transactions added so far and what else the pool
    /// has that fits, and adds it to the chain. Null with the reason when no block is open on the head.
    /// </summary>
    public StoredBlock? SealUnsafe(L2BlockRef parent, out string? failure)
    {
        lock (_chain.WriteLock)
        {
            if (OpenOnHead() is not { } open || open.Header.ParentHash != parent.Hash)
            {
                _feed.End();
                failure = $"no block is open on the head {parent.Number}";
                return null;
            }

            return Seal(open, _openTakesPool, out failure);
        }
    }

    /// <summary>The open block when it is on the chain's head (the caller holds the write lock); one the chain moved away from is dropped.</summary>
    private OpenBlock? OpenOnHead()
    {
        if (_feed.Open is { } open && open.Header.ParentHash != _chain.Store.Head.Hash)
        {
            _feed.End();
        }

        return _feed.Open;
    }

    /// <summary>Cuts the unsafe chain after <paramref name="number"/> (the sequencer's L1 origin was reorganized away); never below the safe head.</summary>
    public void RewindUnsafe(ulong number)
    {
        lock (_chain.WriteLock)
        {
            RewindTo(Math.Max(number, Math.Max(Safe.Number, PendingSafe.Number)));
        }
    }

    /// <summary>
    /// Inserts derived attributes on <see cref="PendingSafe"/>: when the chain already has a block at that height that
    /// matches them, the cursor just advances to it; otherwise the chain is cut back to the cursor and the block built
    /// from the attributes. The safe head follows the cursor forward. False with the reason when the attributes
    /// cannot be built (the batch is dropped: nothing changes).
    /// </summary>
    public bool InsertDerived(PayloadAttributes attributes, out string? failure)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        lock (_chain.WriteLock)
        {
            L2BlockRef parent = PendingSafe;
            if (_chain.Store.GetByNumber(parent.Number + 1) is { } existing)
            {
                string? mismatch = Mismatch(existing, attributes, parent);
                if (mismatch is null)
                {
                    AdvanceCursor(RefOf(existing));
                    failure = null;
                    return true;
                }

                _logger.LogWarning("unsafe block {Number} does not match the derived attributes ({Reason}): reorganizing the unsafe chain to the derived block", existing.Number, mismatch);
                RewindTo(parent.Number);
            }

            StoredBlock? built = BuildDerived(attributes, out failure);
            if (built is null)
            {
                return false;
            }

            AdvanceCursor(RefOf(built));
            return true;
        }
    }

    /// <summary>
    /// Moves the derivation cursor to <paramref name="cursor"/> (a pipeline reset). With <paramref name="rewindSafe"/>
    /// (an L1 reorg) the safe head goes back to it too; <paramref name="unsafeHead"/>, when given, cuts the chain after that block.
    /// </summary>
    public void Reset(L2BlockRef cursor, bool rewindSafe, L2BlockRef? unsafeHead)
    {
        lock (_chain.WriteLock)
        {
            if (unsafeHead is { } head && Canonical(head.Id()) is not null)
            {
                RewindTo(head.Number);
            }

            PendingSafe = cursor;
            HeadPair heads = _heads;
            if (rewindSafe && heads.Safe.Number > cursor.Number)
            {
                SetHeads(cursor, heads.Finalized);
            }
        }
    }

    /// <summary>Marks <paramref name="block"/> finalized when it is canonical, after the current finalized block and not past the safe head.</summary>
    public void Finalize(L2BlockRef block)
    {
        lock (_chain.WriteLock)
        {
            HeadPair heads = _heads;
            if (block.Number > heads.Finalized.Number && block.Number <= heads.Safe.Number && Canonical(block.Id()) is not null)
            {
                SetHeads(heads.Safe, block);
            }
        }
    }

    // ISafeL2Chain: the safe chain as the batch queue sees it (up to the derivation's cursor).
    public bool TryGetBlock(ulong number, out L2BlockRef block)
    {
        if (number <= PendingSafe.Number && RefAt(number) is { } found)
        {
            block = found;
            return true;
        }

        block = default;
        return false;
    }

    public bool TryGetTransactions(ulong number, out IReadOnlyList<ReadOnlyMemory<byte>> transactions)
    {
        if (number <= PendingSafe.Number && _chain.Store.GetByNumber(number) is { } stored)
        {
            transactions = [.. stored.Block.Transactions.Select(t => t.Envelope)];
            return true;
        }

        transactions = [];
        return false;
    }

    // IBlockProducer: the derivation and the sequencer drive the engine; nothing runs on its own schedule.
    public void Start()
    {
    }

    public StoredBlock Mine() => throw new InvalidOperationException("a rollup's blocks come from L1 derivation and the sequencer, not from evm_mine");

    public MiningMode Mode
    {
        get => MiningMode.Manual;
        set => throw new InvalidOperationException("a rollup's block production follows its block time and L1; it has no mining mode");
    }

    public PendingInclusion? ExpectInclusion(in Hash256 hash) => _waits.Expect(hash);

    public IPreconfirmations? Preconfirmations => _preconfirm ? _feed : null;

    public void Dispose()
    {
        lock (_waits.Lock)
        {
            _stopped = true;
        }

        _waits.CompleteAll();
        _arrived.Dispose();
    }

    /// <summary>Why <paramref name="block"/> is not the block <paramref name="attributes"/> build on <paramref name="parent"/>; null when it is (op-node's AttributesMatchBlock).</summary>
    public static string? Mismatch(StoredBlock block, PayloadAttributes attributes, L2BlockRef parent)
    {
        ArgumentNullException.ThrowIfNull(block);
        ArgumentNullException.ThrowIfNull(attributes);
        BlockHeader header = block.Header;
        if (header.ParentHash != parent.Hash)
        {
            return $"parent {header.ParentHash}, expected {parent.Hash}";
        }

        if (header.Timestamp != attributes.Timestamp)
        {
            return $"timestamp {header.Timestamp}, expected {attributes.Timestamp}";
        }

        if (header.MixHash != attributes.PrevRandao)
        {
            return "prevrandao differs";
        }

        if (header.GasLimit != attributes.GasLimit)
        {
            return $"gas limit {header.GasLimit}, expected {attributes.GasLimit}";
        }

        if (header.Beneficiary != attributes.SuggestedFeeRecipient)
        {
            return "fee recipient differs";
        }

        if (header.ParentBeaconBlockRoot is { } root && attributes.ParentBeaconBlockRoot is { } expectedRoot && root != expectedRoot)
        {
            return "parent beacon block root differs";
        }

        if ((block.Block.Body.Withdrawals is not null) != attributes.HasWithdrawals)
        {
            return "withdrawals presence differs";
        }

        Transaction[] transactions = block.Block.Transactions;
        if (transactions.Length != attributes.Transactions.Count)
        {
            return $"{transactions.Length} transactions, expected {attributes.Transactions.Count}";
        }

        for (int i = 0; i < transactions.Length; i++)
        {
            if (!transactions[i].Envelope.Span.SequenceEqual(attributes.Transactions[i].Span))
            {
                return $"transaction {i} differs";
            }
        }

        return null;
    }

    /// <summary>
    /// Builds the derived block of <paramref name="attributes"/> on the head (the caller holds the write lock). Its
    /// transaction list is fixed, so when the chain's executor may run it on Block-STM (the parallel one, and enough
    /// transactions) it is executed whole, as a block is imported; otherwise it goes through the open block. Either way
    /// the address index's entries are collected as it executes (executed whole: from the execution of each
    /// transaction the block keeps, Block-STM's committed incarnation), so the index does not execute it again.
    /// Null with the reason when a transaction cannot be included: the first one in block order,
    /// with the reason the open block gives (the batch is dropped, pre-Holocene).
    /// </summary>
    private StoredBlock? BuildDerived(PayloadAttributes attributes, out string? failure)
    {
        _feed.End(); // the chain changes under a block the sequencer had open
        var stopwatch = Stopwatch.StartNew();
        if (Prepare(attributes, out failure) is not { } prepared)
        {
            return null;
        }

        // A block executed whole does not check for a repeated transaction (a deposit has no nonce to stop it): the
        // open block does, and fails at the repeat or at an earlier transaction that cannot be included.
        if (prepared.HasRepeated || _chain.Executor is not ParallelBlockExecutor parallel || prepared.Transactions.Length < parallel.SequentialBelow)
        {
            return Open(prepared, out failure) is { } open ? Seal(open, includePool: false, out failure) : null;
        }

        BlockInput input = new(prepared.Draft, prepared.Transactions) { BlockHashes = _chain.Store, Withdrawals = [], CollectAddresses = true };
        BlockExecution execution = _chain.Executor.Execute(input, _chain.States.LatestForExecution, BlockExecutionMode.Build);
        if (execution.Skipped.Count > 0)
        {
            // Skips are recorded in block order; everything before the first executed as in a block built one by one.
            SkippedTransaction first = execution.Skipped[0];
            failure = CannotInclude(first.Transaction, first.Reason);
            return null;
        }

        StoredBlock block = BlockImporter.Seal(_chain.States, prepared.Draft, execution);
        return Add(block, execution, stopwatch, execution.Addresses);
    }

    /// <summary>
    /// Opens the block of <paramref name="prepared"/> attributes on the head with their transactions executed one by
    /// one (the caller holds the write lock); null with the reason when one cannot be included.
    /// </summary>
    private OpenBlock? Open(PreparedAttributes prepared, out string? failure)
    {
        IStateReader readState = _chain.StateAt(prepared.Draft.Number - 1) ?? throw new InvalidOperationException($"the state of the head {prepared.Draft.Number - 1} is missing");
        var open = OpenBlock.Start(_chain.Executor, new BlockInput(prepared.Draft, []) { BlockHashes = _chain.Store, Withdrawals = [] }, _chain.States.LatestForExecution, readState);
        foreach ((Transaction tx, Address sender) in prepared.Transactions)
        {
            int skipped = open.Builder.Skipped.Count;
            if (!open.Add(tx, sender))
            {
                failure = CannotInclude(tx, open.Builder.Skipped.Count > skipped ? open.Builder.Skipped[^1].Reason : "it is repeated in the block");
                return null;
            }
        }

        failure = null;
        return open;
    }

    private static string CannotInclude(Transaction tx, string reason) => $"transaction {tx.Hash} cannot be included: {reason}";

    /// <summary>Payload attributes ready to execute: the header draft on the head, the transactions with their senders, and whether one repeats an earlier one.</summary>
    private sealed record PreparedAttributes(BlockHeader Draft, (Transaction Transaction, Address Sender)[] Transactions, bool HasRepeated);

    /// <summary>
    /// The attributes' transactions decoded and their senders recovered, and the header draft on the head; null with
    /// the reason when a transaction does not decode or has an invalid signature, or the rollup has no withdrawals
    /// where the chain spec has them.
    /// </summary>
    private PreparedAttributes? Prepare(PayloadAttributes attributes, out string? failure)
    {
        // Decoded up to the first that does not decode, their senders recovered in parallel, then checked in order:
        // the first bad transaction by index is reported, whichever way it is bad.
        var decoded = new List<Transaction>(attributes.Transactions.Count);
        string? decodeError = null;
        for (int i = 0; i < attributes.Transactions.Count && decodeError is null; i++)
        {
            if (Transaction.TryDecode(attributes.Transactions[i], out Transaction? tx, out string? error))
            {
                decoded.Add(tx!);
            }
            else
            {
                decodeError = $"transaction {i} does not decode: {error}";
            }
        }

        SenderRecovery.Prefetch(decoded);
        var transactions = new (Transaction, Address)[decoded.Count];
        var seen = new HashSet<Hash256>(decoded.Count);
        bool repeated = false;
        for (int i = 0; i < decoded.Count; i++)
        {
            if (!decoded[i].TryRecoverSender(out Address sender))
            {
                failure = $"transaction {i} has an invalid signature";
                return null;
            }

            transactions[i] = (decoded[i], sender);
            repeated |= !seen.Add(decoded[i].Hash);
        }

        if (decodeError is not null)
        {
            failure = decodeError;
            return null;
        }

        BlockHeader parent = _chain.Store.Head.Header;
        BlockHeader draft = HeaderDraft(parent, attributes);
        if (!attributes.HasWithdrawals && _chain.Executor.Spec.IsActive(Hardfork.Shanghai, draft.Number, draft.Timestamp))
        {
            failure = "the chain spec has withdrawals (Shanghai) where the rollup has not reached Canyon";
            return null;
        }

        failure = null;
        return new PreparedAttributes(draft, transactions, repeated);
    }

    /// <summary>Closes <paramref name="open"/> (after what the pool has that fits, when <paramref name="includePool"/>), seals it and adds it to the chain.</summary>
    private StoredBlock? Seal(OpenBlock open, bool includePool, out string? failure)
    {
        var stopwatch = Stopwatch.StartNew();
        try
        {
            if (includePool)
            {
                open.AddFromPool(_pool, MaxPoolTransactionsPerBlock);
            }

            BlockExecution execution = open.Close();
            StoredBlock block = BlockImporter.Seal(_chain.States, open.Header, execution);
            failure = null;
            return Add(block, execution, stopwatch, open.Addresses);
        }
        finally
        {
            _feed.End();
        }
    }

    /// <summary>Adds the sealed <paramref name="block"/> to the chain; the senders waiting for its transactions (and those it dropped) return.</summary>
    private StoredBlock Add(StoredBlock block, BlockExecution execution, Stopwatch buildTime, BlockAddresses? addresses)
    {
        SkippedTransaction[] dropped = _chain.AddBuilt(block, execution, _pool, buildTime.Elapsed, addresses);
        _waits.Complete(block.Block.Transactions.Select(t => t.Hash).Concat(dropped.Select(d => d.Transaction.Hash)));
        return block;
    }

    private BlockHeader HeaderDraft(BlockHeader parent, PayloadAttributes attributes)
    {
        ulong number = parent.Number + 1;
        ulong timestamp = attributes.Timestamp;
        ChainSpec spec = _chain.Executor.Spec;
        ulong? excessBlobGas = spec.NextExcessBlobGas(parent, number, timestamp);
        return new BlockHeader
        {
            ParentHash = parent.Hash,
            Beneficiary = attributes.SuggestedFeeRecipient,
            Number = number,
            GasLimit = attributes.GasLimit,
            Timestamp = timestamp,
            MixHash = attributes.PrevRandao,
            BaseFeePerGas = spec.NextBaseFee(parent, number, timestamp),
            ExcessBlobGas = excessBlobGas,
            ParentBeaconBlockRoot = excessBlobGas is null ? null : attributes.ParentBeaconBlockRoot ?? Hash256.Zero,
        };
    }

    private void AdvanceCursor(L2BlockRef cursor)
    {
        PendingSafe = cursor;
        HeadPair heads = _heads;
        bool safeGone = Canonical(heads.Safe.Id()) is null;
        if (cursor.Number > heads.Safe.Number || safeGone)
        {
            bool finalizedGone = Canonical(heads.Finalized.Id()) is null;
            SetHeads(cursor, finalizedGone ? cursor : heads.Finalized);
        }
    }

    /// <summary>Cuts the chain after block <paramref name="number"/> and rebuilds the state by re-executing the kept blocks (the restart path).</summary>
    private void RewindTo(ulong number)
    {
        ChainStore store = _chain.Store;
        ulong head = store.Head.Number;
        if (number >= head)
        {
            return;
        }

        _logger.LogWarning("rewinding the L2 chain from block {Head} to {Number}", head, number);
        _feed.End();
        store.TruncateAfter(number);
        _chain.ReplaceStates(_stateStore.Recreate(_chain.States, _chain.GenesisState));
        var importer = new BlockImporter(_chain);
        for (ulong i = 1; i <= number; i++)
        {
            importer.Import(store.GetByNumber(i)!);
        }

        _pool.Clear(_chain.LatestState, _chain.NextBaseFee(store.Head.Header));
        if (PendingSafe.Number > number)
        {
            PendingSafe = RefOf(store.Head);
        }

        HeadPair heads = _heads;
        if (heads.Safe.Number > number)
        {
            L2BlockRef newHead = RefOf(store.Head);
            SetHeads(newHead, heads.Finalized.Number > number ? newHead : heads.Finalized);
        }
    }

    private L2BlockRef? Canonical(BlockId id) =>
        _chain.Store.GetByNumber(id.Number) is { } block && block.Hash == id.Hash ? RefOf(block) : null;

    private void SetHeads(L2BlockRef safe, L2BlockRef finalized)
    {
        _heads = new HeadPair(safe, finalized);
        if (_dataDirectory is not null)
        {
            HeadsFile.Write(_dataDirectory, safe.Id(), finalized.Id());
        }
    }

    private sealed record HeadPair(L2BlockRef Safe, L2BlockRef Finalized);
}

internal static class L2BlockRefExtensions
{
    public static BlockId Id(this L2BlockRef block) => new(block.Hash, block.Number);
}
