using Hyperion.Core;
using Hyperion.Core.Diagnostics;
using Hyperion.State;
using Hyperion.State.World;

namespace Hyperion.Chain;

/// <summary>
/// The chain's state in memory (an ephemeral chain): the latest state for execution, and the states of the last
/// <see cref="Window"/> blocks for RPC reads at older block tags. Each block's changes are kept as a layer over a base
/// state that trails the head by the window; reads at block k walk the layers from k down to the base.
/// </summary>
/// <remarks>
/// One writer (the block producer) stages blocks; any number of RPC threads read. The producer reads
/// <see cref="LatestForExecution"/> without locking (nobody else writes); other readers go through a read lock so a
/// commit never shows them half a block. A staged block is visible at once (nothing durable has to come first).
/// </remarks>
public sealed class StateHistory : IChainState
{
    public const int Window = IChainState.Window;

    private InMemoryStateReader _latest;
    private readonly InMemoryStateReader _base;
    private readonly List<BlockStateLayer> _layers = [];
    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.SupportsRecursion);
    private ulong _baseNumber;
    private ulong _head;

    /// <summary>Starts from the genesis state (block <paramref name="genesisNumber"/>), built twice from the same allocation.</summary>
    public StateHistory(Func<InMemoryStateReader> genesisState, ulong genesisNumber = 0)
    {
        ArgumentNullException.ThrowIfNull(genesisState);
        _latest = genesisState();
        _base = genesisState();
        _baseNumber = genesisNumber;
        _head = genesisNumber;
    }

    public ulong Head => _head;

    /// <summary>The oldest block whose state can still be read.</summary>
    public ulong Oldest
    {
        get
        {
            _lock.EnterReadLock();
            try { return _baseNumber; }
            finally { _lock.ExitReadLock(); }
        }
    }

    /// <summary>The latest state whatever the head is when it is read (the pool, pending-tag reads), behind the read lock.</summary>
    public IStateReader Latest => new LatestReader(this);

    /// <summary>The latest state, for the block producer only (no locking).</summary>
    public IStateReader LatestForExecution => _latest;

    /// <summary>The state root of the latest state.</summary>
    public Hash256 ComputeLatestRoot()
    {
        _lock.EnterReadLock();
        try { return _latest.ComputeStateRoot(); }
        finally { _lock.ExitReadLock(); }
    }

    /// <summary>The state after block <paramref name="number"/>; null when it is outside the window or in the future.</summary>
    public IStateReader? At(ulong number)
    {
        _lock.EnterReadLock();
        try
        {
            if (number > _head || number < _baseNumber)
            {
                return null;
            }

            return number == _head ? new LockedReader(this, number) : new HistoricalReader(this, number);
        }
        finally { _lock.ExitReadLock(); }
    }

    /// <summary>Applies block <paramref name="number"/>'s changes (built on the latest state) and records them as a layer.</summary>
    public void Commit(ulong number, StateChangeSet changes) => Stage(number, changes);

    public Hash256 Stage(ulong number, StateChangeSet changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        if (number != _head + 1)
        {
            throw new InvalidOperationException($"state commit for block {number} but the head is {_head}");
        }

        _lock.EnterWriteLock();
        try
        {
            long cpu = BlockCpuProbe.Start();
            _latest.Apply(changes);
            BlockCpuProbe.Stop(BlockCpuPhase.StateApply, cpu);
            cpu = BlockCpuProbe.Start();
            _layers.Add(BlockStateLayer.Capture(changes, _latest));
            BlockCpuProbe.Stop(BlockCpuPhase.StateCapture, cpu);
            _head = number;
            cpu = BlockCpuProbe.Start();
            while (_layers.Count > Window)
            {
                _base.Apply(_layers[0].Changes);
                _layers.RemoveAt(0);
                _baseNumber++;
            }

            BlockCpuProbe.Stop(BlockCpuPhase.StateBaseApply, cpu);
        }
        finally { _lock.ExitWriteLock(); }

        long hash = BlockCpuProbe.Start();
        Hash256 root = ComputeLatestRoot();
        BlockCpuProbe.Stop(BlockCpuPhase.StateHash, hash);
        return root;
    }

    /// <summary>Nothing to do: a staged block is already the head.</summary>
    public void Publish(ulong number)
    {
        if (number != _head)
        {
            throw new InvalidOperationException($"block {number} is not the staged head {_head}");
        }
    }

    /// <summary>Rebuilds the latest state without the last layer (rare: the block's durable write failed).</summary>
    public void Abort(ulong number)
    {
        _lock.EnterWriteLock();
        try
        {
            if (number != _head || _layers.Count == 0)
            {
                throw new InvalidOperationException($"block {number} is not the staged head {_head}");
            }

            _layers.RemoveAt(_layers.Count - 1);
            _latest = CopyAt(_baseNumber + (ulong)_layers.Count);
            _head = number - 1;
        }
        finally { _lock.ExitWriteLock(); }
    }

    public Hash256 StateRoot(ulong number)
    {
        if (number == Head)
        {
            return ComputeLatestRoot();
        }

        return (CopyAtOrNull(number) ?? throw new StateUnavailableException(number, Oldest, Head)).ComputeStateRoot();
    }

    public Hash256 StateRootAfter(ulong number, IReadOnlyList<StateChangeSet> spans)
    {
        ArgumentNullException.ThrowIfNull(spans);
        InMemoryStateReader copy = CopyAtOrNull(number) ?? throw new StateUnavailableException(number, Oldest, Head);
        foreach (StateChangeSet span in spans)
        {
            copy.Apply(span);
        }

        return copy.ComputeStateRoot();
    }

    /// <summary>Walks a copy of the state (taken under the read lock, walked outside it, so the writer waits only for the copy).</summary>
    public bool TryWalk(ulong number, Action<IStateEnumerator> walk)
    {
        ArgumentNullException.ThrowIfNull(walk);
        InMemoryStateReader? copy = CopyAtOrNull(number);
        if (copy is null)
        {
            return false;
        }

        walk(copy);
        return true;
    }

    private InMemoryStateReader? CopyAtOrNull(ulong number)
    {
        _lock.EnterReadLock();
        try
        {
            return number < _baseNumber || number > _head ? null : number == _head ? _latest.Clone() : CopyAt(number);
        }
        finally { _lock.ExitReadLock(); }
    }

    /// <summary>The base with the layers up to <paramref name="number"/> applied; caller holds a lock.</summary>
    private InMemoryStateReader CopyAt(ulong number)
    {
        InMemoryStateReader copy = _base.Clone();
        for (int i = 0; i <= LayerIndex(number); i++)
        {
            copy.Apply(_layers[i].Changes);
        }

        return copy;
    }

    public void Dispose() => _lock.Dispose();

    private sealed class BlockStateLayer
    {
        public required StateChangeSet Changes { get; init; }
        public required Dictionary<Address, Account?> Accounts { get; init; }
        public required HashSet<Address> StorageCleared { get; init; }
        public required Dictionary<(Address, UInt256), UInt256> Storage { get; init; }
        public required Dictionary<Hash256, byte[]> Code { get; init; }

        /// <summary>Records the changes with each changed account's full record (storage root included) after the block.</summary>
        public static BlockStateLayer Capture(StateChangeSet changes, InMemoryStateReader after)
        {
            var accounts = new Dictionary<Address, Account?>(changes.Accounts.Count);
            var cleared = new HashSet<Address>();
            // Sized by the block's slots, not grown through every prime size; the slots indexed, not enumerated
            // through the interface (an enumerator per account).
            IReadOnlyList<AccountChange> changed = changes.Accounts;
            int slots = 0;
            for (int i = 0; i < changed.Count; i++)
            {
                slots += changed[i].Storage.Count;
            }

            var storage = new Dictionary<(Address, UInt256), UInt256>(slots);
            for (int i = 0; i < changed.Count; i++)
            {
                AccountChange change = changed[i];
                accounts[change.Address] = after.TryGetAccount(change.Address, out Account account) ? account : null;
                if (change.Deleted || change.StorageCleared)
                {
                    cleared.Add(change.Address);
                }

                IReadOnlyList<KeyValuePair<UInt256, UInt256>> slotsOf = change.Storage;
                for (int s = 0; s < slotsOf.Count; s++)
                {
                    storage[(change.Address, slotsOf[s].Key)] = slotsOf[s].Value;
                }
            }

            var code = new Dictionary<Hash256, byte[]>(changes.Code.Count);
            foreach ((Hash256 hash, byte[] bytes) in changes.Code)
            {
                code[hash] = bytes;
            }

            return new BlockStateLayer { Changes = changes, Accounts = accounts, StorageCleared = cleared, Storage = storage, Code = code };
        }
    }

    /// <summary>The latest state behind the read lock.</summary>
    private sealed class LockedReader(StateHistory owner, ulong number) : IStateReader
    {
        public bool TryGetAccount(in Address address, out Account account)
        {
            owner._lock.EnterReadLock();
            try
            {
                owner.EnsureAvailable(number);
                return owner._head == number ? owner._latest.TryGetAccount(address, out account) : new HistoricalReader(owner, number).TryGetAccount(address, out account);
            }
            finally { owner._lock.ExitReadLock(); }
        }

        public UInt256 GetStorage(in Address address, in UInt256 key)
        {
            owner._lock.EnterReadLock();
            try
            {
                owner.EnsureAvailable(number);
                return owner._head == number ? owner._latest.GetStorage(address, key) : new HistoricalReader(owner, number).GetStorage(address, key);
            }
            finally { owner._lock.ExitReadLock(); }
        }

        public byte[] GetCode(in Hash256 codeHash) => owner.GetCode(codeHash);
    }

    private sealed class LatestReader(StateHistory owner) : IStateReader
    {
        public bool TryGetAccount(in Address address, out Account account)
        {
            owner._lock.EnterReadLock();
            try { return owner._latest.TryGetAccount(address, out account); }
            finally { owner._lock.ExitReadLock(); }
        }

        public UInt256 GetStorage(in Address address, in UInt256 key)
        {
            owner._lock.EnterReadLock();
            try { return owner._latest.GetStorage(address, key); }
            finally { owner._lock.ExitReadLock(); }
        }

        public byte[] GetCode(in Hash256 codeHash) => owner.GetCode(codeHash);
    }

    /// <summary>The state after an older block: its layer and those below it, then the base.</summary>
    private sealed class HistoricalReader(StateHistory owner, ulong number) : IStateReader
    {
        public bool TryGetAccount(in Address address, out Account account)
        {
            owner._lock.EnterReadLock();
            try
            {
                owner.EnsureAvailable(number);
                for (int i = owner.LayerIndex(number); i >= 0; i--)
                {
                    if (owner._layers[i].Accounts.TryGetValue(address, out Account? changed))
                    {
                        account = changed ?? default;
                        return changed is not null;
                    }
                }

                return owner._base.TryGetAccount(address, out account);
            }
            finally { owner._lock.ExitReadLock(); }
        }

        public UInt256 GetStorage(in Address address, in UInt256 key)
        {
            owner._lock.EnterReadLock();
            try
            {
                owner.EnsureAvailable(number);
                for (int i = owner.LayerIndex(number); i >= 0; i--)
                {
                    BlockStateLayer layer = owner._layers[i];
                    if (layer.Storage.TryGetValue((address, key), out UInt256 value))
                    {
                        return value;
                    }

                    if (layer.StorageCleared.Contains(address))
                    {
                        return UInt256.Zero;
                    }
                }

                return owner._base.GetStorage(address, key);
            }
            finally { owner._lock.ExitReadLock(); }
        }

        public byte[] GetCode(in Hash256 codeHash) => owner.GetCode(codeHash);
    }

    /// <summary>Code is content-addressed and never removed, so the latest state knows every code ever deployed.</summary>
    private byte[] GetCode(in Hash256 codeHash)
    {
        _lock.EnterReadLock();
        try { return _latest.GetCode(codeHash); }
        finally { _lock.ExitReadLock(); }
    }

    private int LayerIndex(ulong number) => (int)(number - _baseNumber) - 1;

    private void EnsureAvailable(ulong number)
    {
        if (number < _baseNumber || number > _head)
        {
            throw new StateUnavailableException(number, _baseNumber, _head);
        }
    }
}

/// <summary>The state of a block was asked for after it left the history window.</summary>
public sealed class StateUnavailableException(ulong number, ulong oldest, ulong head)
    : InvalidOperationException($"state of block {number} is not available (kept: blocks {oldest}..{head})");
