using Hyperion.Core;
using Hyperion.State;
using Hyperion.MetisDb;
using Hyperion.State.World;

namespace Hyperion.Chain;

/// <summary>
/// The chain's state on MetisDB (a chain kept in a data directory): versioned flat state in LMDB, so a restart
/// continues from the stored head instead of re-executing the chain, and reads at older blocks are MVCC snapshots.
/// </summary>
/// <remarks>
/// Readers never block the writer: the head is one shared snapshot, reference-counted so that the writer can swap in
/// the next block's and the last reader of the old one closes it; reads at an older block open a snapshot for the read
/// (versions in the window stay until pruned, and a prune never disturbs an open snapshot). Each block is staged
/// (flat writes marked pending, root computed), the caller makes its block log durable, then it is published; a crash
/// in between leaves a pending block that reopening removes, so the stored head never runs ahead of the log.
/// Versions older than the window are pruned every <see cref="PruneInterval"/> blocks.
/// </remarks>
public sealed class MetisChainState : IChainState
{
    /// <summary>Pruning scans the tables, so it runs once per this many blocks (the store then holds up to twice the window).</summary>
    public const int PruneInterval = 128;

    private readonly MetisStore _store;
    private readonly ExecutionReader _execution;
    private SnapshotLease? _head;
    private int _activeReads;
    private int _disposed;

    private MetisChainState(MetisStore store)
    {
        _store = store;
        _execution = new ExecutionReader(this);
        if (store.Head is ulong head)
        {
            _head = new SnapshotLease(store.OpenSnapshot(head));
        }
    }

    /// <summary>Opens (or creates, empty) the store in <paramref name="directory"/>.</summary>
    public static MetisChainState Open(string directory) => new(MetisStore.Open(directory));

    /// <summary>Deletes the store in <paramref name="directory"/> (it must not be open).</summary>
    public static void Delete(string directory)
    {
        if (System.IO.Directory.Exists(directory))
        {
            System.IO.Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>The last published block, or null for an empty store.</summary>
    public ulong? StoredHead => _store.Head;

    /// <summary>True when opening removed a block that was staged but never published (a crash in between).</summary>
    public bool RecoveredPendingBlock => _store.RecoveredPendingBlock;

    public string Directory => _store.Directory;

    public ulong Head => _store.Head ?? throw new InvalidOperationException("MetisDB: the store is empty.");

    public ulong Oldest
    {
        get
        {
            ulong head = Head;
            ulong windowStart = head > IChainState.Window ? head - IChainState.Window : 0;
            return Math.Max(_store.Oldest, windowStart);
        }
    }

    public IStateReader Latest => new BlockReader(this, null);

    public IStateReader LatestForExecution => _execution;

    public IStateReader? At(ulong number)
    {
        ulong? head = _store.Head;
        return head is null || number > head || number < Oldest ? null : new BlockReader(this, number);
    }

    public Hash256 StateRoot(ulong number) => _store.GetStateRoot(number);

    /// <summary>Commits the genesis state as block <paramref name="number"/> of an empty store; returns its root.</summary>
    public Hash256 CommitGenesis(InMemoryStateReader genesis, ulong number = 0)
    {
        ArgumentNullException.ThrowIfNull(genesis);
        if (_store.Head is not null)
        {
            throw new InvalidOperationException("MetisDB: genesis goes into an empty store only.");
        }

        Hash256 root = _store.Stage(number, genesis.ToChangeSet());
        Publish(number);
        return root;
    }

    public Hash256 StateRootAfter(ulong number, IReadOnlyList<StateChangeSet> spans) =>
        _store.SpeculativeRoot(number, MetisBlockChanges.From(spans));

    public Hash256 Stage(ulong number, StateChangeSet changes)
    {
        // Prune before staging, so that a failing prune leaves nothing half-done.
        if (number > 1 && (number - 1) % PruneInterval == 0)
        {
            _store.Prune(IChainState.Window + 1);
        }

        return _store.Stage(number, changes);
    }

    public void Publish(ulong number)
    {
        _store.Publish(number);
        SnapshotLease? previous = Interlocked.Exchange(ref _head, new SnapshotLease(_store.OpenSnapshot(number)));
        previous?.Release();
    }

    /// <summary>Removes the staged block; nothing to do when a failed publish already removed it.</summary>
    public void Abort(ulong number)
    {
        if (_store.StagedBlock == number)
        {
            _store.Abort(number);
        }
    }

    public bool TryWalk(ulong number, Action<IStateEnumerator> walk)
    {
        ArgumentNullException.ThrowIfNull(walk);
        if (At(number) is null)
        {
            return false;
        }

        Enter();
        try
        {
            MetisSnapshot snapshot;
            try
            {
                snapshot = _store.OpenSnapshot(number);
            }
            catch (ArgumentOutOfRangeException)
            {
                return false; // pruned since the check
            }

            using (snapshot)
            {
                walk(snapshot);
            }

            return true;
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>Waits for reads in progress, then closes the store; later reads throw <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        var wait = new SpinWait();
        while (Volatile.Read(ref _activeReads) != 0)
        {
            wait.SpinOnce();
        }

        Interlocked.Exchange(ref _head, null)?.Release();
        _store.Dispose();
    }

    // ---- reads

    private void Enter()
    {
        Interlocked.Increment(ref _activeReads);
        if (Volatile.Read(ref _disposed) != 0)
        {
            Interlocked.Decrement(ref _activeReads);
            throw new ObjectDisposedException(nameof(MetisChainState), "the chain state was closed (node stopping, or evm_revert rebuilt it)");
        }
    }

    private void Exit() => Interlocked.Decrement(ref _activeReads);

    /// <summary>
    /// A snapshot to read block <paramref name="number"/> (null: the head) from, to be given back with
    /// <see cref="Release"/>: the shared head snapshot when it is that block, else one opened for this read.
    /// </summary>
    private SnapshotLease Acquire(ulong? number)
    {
        while (true)
        {
            SnapshotLease head = Volatile.Read(ref _head) ?? throw new InvalidOperationException("MetisDB: the store is empty.");
            if (number is null || number == head.Snapshot.Block)
            {
                if (head.TryAcquire())
                {
                    return head;
                }

                continue; // replaced by the next block between the read and the acquire
            }

            ulong block = number.Value;
            if (block > head.Snapshot.Block || block < Oldest)
            {
                throw new StateUnavailableException(block, Oldest, head.Snapshot.Block);
            }

            try
            {
                return new SnapshotLease(_store.OpenSnapshot(block));
            }
            catch (ArgumentOutOfRangeException)
            {
                throw new StateUnavailableException(block, Oldest, Head); // pruned since the check
            }
        }
    }

    private bool ReadAccount(ulong? number, in Address address, out Account account)
    {
        Enter();
        try
        {
            SnapshotLease lease = Acquire(number);
            try { return lease.Snapshot.TryGetAccount(address, out account); }
            finally { lease.Release(); }
        }
        finally { Exit(); }
    }

    private UInt256 ReadStorage(ulong? number, in Address address, in UInt256 key)
    {
        Enter();
        try
        {
            SnapshotLease lease = Acquire(number);
            try { return lease.Snapshot.GetStorage(address, key); }
            finally { lease.Release(); }
        }
        finally { Exit(); }
    }

    /// <summary>Code is content-addressed and never pruned, so any snapshot serves any block's code.</summary>
    private byte[] ReadCode(in Hash256 codeHash)
    {
        Enter();
        try
        {
            SnapshotLease lease = Acquire(null);
            try { return lease.Snapshot.GetCode(codeHash); }
            finally { lease.Release(); }
        }
        finally { Exit(); }
    }

    /// <summary>A snapshot shared by readers: closed when retired (replaced or disposed) and the last reader is done.</summary>
    private sealed class SnapshotLease(MetisSnapshot snapshot)
    {
        private int _references = 1; // the owner's

        public MetisSnapshot Snapshot { get; } = snapshot;

        public bool TryAcquire()
        {
            while (true)
            {
                int references = Volatile.Read(ref _references);
                if (references == 0)
                {
                    return false;
                }

                if (Interlocked.CompareExchange(ref _references, references + 1, references) == references)
                {
                    return true;
                }
            }
        }

        public void Release()
        {
            if (Interlocked.Decrement(ref _references) == 0)
            {
                Snapshot.Dispose();
            }
        }
    }

    /// <summary>Block <c>number</c>'s state (null: whatever the head is at each read).</summary>
    private sealed class BlockReader(MetisChainState owner, ulong? number) : IStateReader
    {
        public bool TryGetAccount(in Address address, out Account account) => owner.ReadAccount(number, address, out account);

        public UInt256 GetStorage(in Address address, in UInt256 key) => owner.ReadStorage(number, address, key);

        public byte[] GetCode(in Hash256 codeHash) => owner.ReadCode(codeHash);
    }

    /// <summary>The head snapshot without reference counting: only the writer, which alone replaces it, reads through this.</summary>
    private sealed class ExecutionReader(MetisChainState owner) : IStateReader
    {
        private MetisSnapshot Head => (Volatile.Read(ref owner._head) ?? throw new InvalidOperationException("MetisDB: the store is empty.")).Snapshot;

        public bool TryGetAccount(in Address address, out Account account) => Head.TryGetAccount(address, out account);

        public UInt256 GetStorage(in Address address, in UInt256 key) => Head.GetStorage(address, key);

        public byte[] GetCode(in Hash256 codeHash) => Head.GetCode(codeHash);
    }
}
