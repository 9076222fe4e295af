using Hyperion.Core;
using Hyperion.Execution.Blocks;
using Hyperion.State;

namespace Hyperion.Chain;

/// <summary>A transaction's place in the chain.</summary>
public readonly record struct TransactionPosition(ulong Block, int Index);

/// <summary>Who deployed a contract: the account that ran the creation (a transaction's sender or a factory contract).</summary>
public readonly record struct ContractCreation(TransactionPosition Transaction, Address Creator);

/// <summary>
/// Erigon's call-trace index, as Otterscan expects it: for each address the transactions that touched it as the
/// sender, the recipient or the creation of the transaction, or as the caller, callee (for DELEGATECALL and CALLCODE:
/// the account whose code runs, as Erigon indexes them), created contract or self-destruct beneficiary of any internal
/// frame (reverted frames included, as Erigon's); and for each contract its
/// creator. Blocks are indexed off the block producer's path, on a background thread; a query first indexes the blocks
/// the thread has not reached, so answers are never behind the head. A block this node built comes with what its
/// frames touched, collected as the producer executed it (<see cref="BlockAddedEvent.Addresses"/>); any other (an
/// imported block, a block of an earlier run) is executed again with the same frames-only collector (the VM runs its
/// untraced loop between frames). A block whose state is no longer kept (one the index did not reach before it left
/// the state window) is indexed from its transactions only (no internal frames).
/// The entries are kept by an <see cref="IAddressIndexStore"/>: with a data directory in LMDB tables
/// (<see cref="DirectoryName"/>, <see cref="LmdbAddressIndexStore"/>), read on demand, so opening it takes the same
/// time at any chain length; without one in memory (<see cref="MemoryAddressIndexStore"/>: an ephemeral node's index
/// outlives nothing, so writing it to files only costs). The blocks of a catch-up are indexed in one atomic batch that
/// also moves a checkpoint (last block, its hash); blocks after the checkpoint are indexed again, blocks the chain no
/// longer has (a crash, a rewind, a reset) are dropped, and damaged tables are rebuilt from the chain.
/// </summary>
public sealed class AddressIndex : IDisposable
{
    public const string DirectoryName = "address-index";

    private readonly IChainReader _chain;
    private readonly Action<string>? _warning;
    private readonly IAddressIndexStore _store;
    private const int MaxBuiltWaiting = 4096; // blocks whose collected entries wait for the worker; more are executed again

    private readonly object _lock = new();
    private readonly Dictionary<ulong, (Hash256 Hash, BlockAddresses Addresses)> _built = []; // under its own lock: the producer adds, the worker takes
    private readonly CoalescingWorker? _ownWorker; // when no shared one was given
    private readonly CoalescingWorker.Lane _worker;
    private long _executedAgain;
    private ulong _announced; // the last block added (or the head at start): the worker indexes no further, so as not to execute again a block whose collected entries are on their way

    /// <summary>An index kept in <paramref name="dataDirectory"/>'s LMDB tables, or in memory without a data directory.</summary>
    /// <param name="background">The thread that indexes added blocks, shared with the chain's other subscribers (null: one of its own).</param>
    public AddressIndex(IChainReader chain, string? dataDirectory, Action<string>? warning = null, CoalescingWorker? background = null)
        : this(chain, dataDirectory, dataDirectory is null ? AddressIndexStorage.Memory : AddressIndexStorage.Lmdb, warning, background)
    {
    }

    /// <summary>
    /// An index kept as <paramref name="storage"/> says: LMDB tables in <paramref name="dataDirectory"/> (none: in a
    /// temporary directory deleted on dispose), or memory (with no data directory).
    /// </summary>
    /// <param name="background">The thread that indexes added blocks, shared with the chain's other subscribers (null: one of its own).</param>
    public AddressIndex(IChainReader chain, string? dataDirectory, AddressIndexStorage storage, Action<string>? warning = null, CoalescingWorker? background = null)
    {
        _chain = chain ?? throw new ArgumentNullException(nameof(chain));
        _warning = warning;
        _store = storage switch
        {
            AddressIndexStorage.Memory when dataDirectory is not null => throw new ArgumentException("an index kept in memory has no data directory", nameof(dataDirectory)),
            AddressIndexStorage.Memory => new MemoryAddressIndexStore(),
            AddressIndexStorage.Lmdb => dataDirectory is null
                ? new LmdbAddressIndexStore(Path.Combine(Path.GetTempPath(), "hyperion-address-index-" + Guid.NewGuid().ToString("N")), temporary: true, warning)
                : new LmdbAddressIndexStore(Path.Combine(dataDirectory, DirectoryName), temporary: false, warning),
            _ => throw new ArgumentOutOfRangeException(nameof(storage)),
        };

        AddressIndexCheckpoint checkpoint = _store.Checkpoint;
        if (checkpoint.Block > 0 && _chain.Blocks.GetBlockHash(checkpoint.Block) != checkpoint.Hash)
        {
            _warning?.Invoke($"address index: block {checkpoint.Block} is not the chain's (the chain was cut or reset); dropping the blocks the chain no longer has");
        }

        _announced = _chain.Blocks.Head.Number;
        _chain.BlockAdded += OnBlockAdded;
        if (background is null)
        {
            _ownWorker = new CoalescingWorker("hyperion-address-index", CatchUpInterval);
            background = _ownWorker;
        }

        _worker = background.Join(CatchUpInBackground);
        _worker.Signal(); // index what the chain already has
    }

    /// <summary>The least time between two background catch-ups: the blocks added meanwhile are indexed together, without a thread wake-up per block.</summary>
    public static TimeSpan CatchUpInterval { get; } = TimeSpan.FromMilliseconds(10);

    /// <summary>The last block indexed (0: none).</summary>
    public ulong Indexed
    {
        get { lock (_lock) { return _store.Checkpoint.Block; } }
    }

    /// <summary>Blocks indexed from their transactions only, because their state was no longer kept.</summary>
    public long UntracedBlocks
    {
        get { lock (_lock) { return _store.Checkpoint.Untraced; } }
    }

    /// <summary>Blocks indexed since the index opened by executing them again (the others came with what their producer collected).</summary>
    public long ExecutedAgain
    {
        get { lock (_lock) { return _executedAgain; } }
    }

    /// <summary>
    /// Up to <paramref name="limit"/> transactions of <paramref name="address"/>, whole blocks at a time (a block's
    /// transactions are never split, so more may come back): before block <paramref name="block"/> newest first, or
    /// after it oldest first. <paramref name="exhausted"/> says whether the search reached the end of the chain.
    /// </summary>
    public List<TransactionPosition> Search(Address address, ulong block, bool before, int limit, out bool exhausted)
    {
        lock (_lock)
        {
            CatchUp();
            (List<TransactionPosition> found, bool reachedEnd) = Read(() => Page(address, block, before, limit));
            exhausted = reachedEnd;
            return found;
        }
    }

    /// <summary>The creation of <paramref name="contract"/> (the latest, should it have been created again); null when none is known.</summary>
    public ContractCreation? Creator(Address contract)
    {
        lock (_lock)
        {
            CatchUp();
            return Read(() => _store.Creator(contract));
        }
    }

    /// <summary>Indexes the chain's blocks up to its head (after dropping those the chain no longer has).</summary>
    public void CatchUp() => CatchUp(ulong.MaxValue);

    /// <summary>Indexes the chain's blocks up to its head or <paramref name="upTo"/>, whichever is lower.</summary>
    private void CatchUp(ulong upTo)
    {
        lock (_lock)
        {
            try
            {
                CatchUpStore(upTo);
            }
            catch (InvalidDataException damaged)
            {
                Rebuild(damaged.Message);
                CatchUpStore(upTo);
            }
        }
    }

    public void Dispose()
    {
        _chain.BlockAdded -= OnBlockAdded;
        _worker.Dispose();
        _ownWorker?.Dispose();
        _store.Dispose();
    }

    private void OnBlockAdded(BlockAddedEvent added)
    {
        if (added.Addresses is { } addresses)
        {
            lock (_built)
            {
                if (_built.Count < MaxBuiltWaiting)
                {
                    _built[added.Block.Number] = (added.Block.Hash, addresses);
                }
            }
        }

        Volatile.Write(ref _announced, added.Block.Number); // after its entries: the worker indexes it with them
        _worker.Signal();
    }

    /// <summary>What the producer collected for <paramref name="block"/> as it executed it (taken: used once); null when nothing was.</summary>
    private BlockEntries? TakeBuilt(StoredBlock block)
    {
        lock (_built)
        {
            if (!_built.Remove(block.Number, out (Hash256 Hash, BlockAddresses Addresses) built))
            {
                return null;
            }

            if (_built.Count > 0)
            {
                // Entries for blocks below this one can no longer be used (a rewind replaced them, or they were indexed).
                foreach (ulong stale in _built.Keys.Where(n => n < block.Number).ToList())
                {
                    _built.Remove(stale);
                }
            }

            return built.Hash == block.Hash ? new BlockEntries(built.Addresses.Touched, built.Addresses.Created, Traced: true) : null;
        }
    }

    private void CatchUpInBackground()
    {
        try
        {
            CatchUp(Volatile.Read(ref _announced));
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or StateUnavailableException or InvalidBlockException)
        {
            // A block that cannot be indexed now (e.g. the chain rewound under the worker) is retried by the next query or block.
        }
    }

    /// <summary>Forgets damaged entries and starts again from block 1.</summary>
    private void Rebuild(string reason)
    {
        _warning?.Invoke($"address index: {reason}; rebuilding it from the chain");
        _store.Clear();
    }

    /// <summary>Runs a read; on damage rebuilds the entries from the chain and runs it again.</summary>
    private T Read<T>(Func<T> read)
    {
        try
        {
            return read();
        }
        catch (InvalidDataException damaged)
        {
            Rebuild(damaged.Message);
            CatchUpStore(ulong.MaxValue);
            return read();
        }
    }

    private void CatchUpStore(ulong upTo)
    {
        while (_store.Checkpoint is { Block: > 0 } held && _chain.Blocks.GetBlockHash(held.Block) != held.Hash)
        {
            _store.DropLast();
        }

        // The blocks caught up with are indexed in one batch (one LMDB commit, whose pages they share), up to
        // MaxBlocksPerBatch; a failure while collecting a block's entries keeps the blocks before it (damaged tables
        // keep nothing: they are rebuilt).
        while (_store.Checkpoint.Block < upTo && _chain.Blocks.GetByNumber(_store.Checkpoint.Block + 1) is { } first)
        {
            using IAddressIndexBatch batch = _store.Write();
            AddressIndexCheckpoint start = _store.Checkpoint;
            AddressIndexCheckpoint at = start;
            try
            {
                for (StoredBlock? next = first; next is not null; next = at.Block < upTo && at.Block - start.Block < MaxBlocksPerBatch ? _chain.Blocks.GetByNumber(at.Block + 1) : null)
                {
                    BlockEntries entries = TakeBuilt(next) ?? Entries(next);
                    batch.Add(next.Number, next.Hash, entries);
                    at = new AddressIndexCheckpoint(next.Number, next.Hash, at.Untraced + (entries.Traced ? 0 : 1));
                }
            }
            catch (Exception e) when (e is not InvalidDataException)
            {
                Commit(batch, start, at);
                throw;
            }

            Commit(batch, start, at);
        }
    }

    /// <summary>Moves the checkpoint to <paramref name="last"/> and commits the blocks <paramref name="batch"/> indexed after <paramref name="start"/> (none: nothing to commit).</summary>
    private static void Commit(IAddressIndexBatch batch, AddressIndexCheckpoint start, AddressIndexCheckpoint last)
    {
        if (last.Block != start.Block)
        {
            batch.Commit(last);
        }
    }

    /// <summary>The most blocks one catch-up batch indexes (a bound on one LMDB transaction's dirty pages).</summary>
    private const int MaxBlocksPerBatch = 256;

    /// <summary>A page of <see cref="Search"/>: positions in scan order until <paramref name="limit"/> is reached at a block boundary.</summary>
    private (List<TransactionPosition> Found, bool Exhausted) Page(Address address, ulong block, bool before, int limit)
    {
        var found = new List<TransactionPosition>();
        bool exhausted = true;
        _store.Scan(address, block, before, position =>
        {
            if (found.Count >= limit && position.Block != found[^1].Block)
            {
                exhausted = false;
                return false;
            }

            found.Add(position);
            return true;
        });
        return (found, exhausted);
    }

    /// <summary>Per transaction, the addresses it touched, and the contracts it created with their creators, from executing the block again.</summary>
    private BlockEntries Entries(StoredBlock block)
    {
        int count = block.Block.Transactions.Length;
        IStateReader? parent = count == 0 ? null : _chain.StateBefore(block.Number);
        if (parent is not null)
        {
            var collector = new BlockAddressCollector();
            BlockExecution execution = _chain.Executor.Simulate(
                new BlockInput(block.Header, []) { BlockHashes = _chain.Blocks }, parent, count,
                (i, _, _) => (block.Block.Transactions[i], block.Senders[i]),
                (i, _) =>
                {
                    collector.Begin(i);
                    return collector;
                },
                out _);
            _executedAgain++;
            if (execution.Transactions.Count == count && execution.Skipped.Count == 0)
            {
                return new BlockEntries(collector.Addresses.Touched, collector.Addresses.Created, Traced: true);
            }
        }

        var touched = new List<(int, Address)>();
        var created = new List<(int, Address, Address)>();

        for (int i = 0; i < count; i++)
        {
            var seen = new HashSet<Address>();
            foreach (Address? address in new[] { block.Senders[i], block.Block.Transactions[i].To, block.ContractAddress(i) })
            {
                if (address is { } a && seen.Add(a))
                {
                    touched.Add((i, a));
                }
            }

            if (block.ContractAddress(i) is { } contract && block.Receipts[i].Success)
            {
                created.Add((i, contract, block.Senders[i]));
            }
        }

        return new BlockEntries(touched, created, Traced: count == 0);
    }
}
