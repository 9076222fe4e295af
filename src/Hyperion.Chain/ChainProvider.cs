using Hyperion.Core;
using Hyperion.Core.Diagnostics;
using Hyperion.Execution.Blocks;
using Hyperion.State;
using Hyperion.State.World;

namespace Hyperion.Chain;

/// <summary>
/// A chain's blocks (<see cref="ChainStore"/>) and state (<see cref="IChainState"/>) together: what the block
/// producer writes, the importer replays, the dev controls rewind and RPC reads (through <see cref="IChainReader"/>).
/// </summary>
/// <remarks>
/// Writers — producing, importing, rewinding — hold <see cref="WriteLock"/>; readers never take it.
/// </remarks>
public sealed class ChainProvider : IChainReader, IDisposable
{
    private volatile IChainState _states;
    private volatile EditedState _edits = EditedState.None(0);

    public ChainProvider(ChainStore store, IChainState states, IBlockExecutor executor, Func<InMemoryStateReader> genesisState)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(states);
        ArgumentNullException.ThrowIfNull(executor);
        ArgumentNullException.ThrowIfNull(genesisState);
        Store = store;
        _states = states;
        Executor = executor;
        GenesisState = genesisState;
        LatestState = new LatestView(this);
    }

    public ulong ChainId => Executor.Spec.ChainId;

    public ChainStore Store { get; }

    public IBlockReader Blocks => Store;

    public IBlockExecutor Executor { get; }

    /// <summary>Builds the genesis state (for a rewind to genesis).</summary>
    public Func<InMemoryStateReader> GenesisState { get; }

    /// <summary>The state store of the chain; replaced (under <see cref="WriteLock"/>) when the chain is rewound.</summary>
    public IChainState States => _states;

    /// <summary>Held by whoever adds blocks or rewinds the chain.</summary>
    public object WriteLock { get; } = new();

    public event Action<BlockAddedEvent>? BlockAdded;

    /// <summary>The state after block <paramref name="number"/>; the head's includes the state edits made since it.</summary>
    public IStateReader? StateAt(ulong number)
    {
        EditedState edits = _edits;
        IStateReader? state = _states.At(number);
        return state is not null && edits.Head == number ? edits.Over(state) : state;
    }

    public Hash256 StateRootAfter(ulong number, IReadOnlyList<StateChangeSet> spans)
    {
        ArgumentNullException.ThrowIfNull(spans);
        EditedState edits = _edits;
        return _states.StateRootAfter(number, edits.Head == number && !edits.IsEmpty ? [edits.Merge(new StateChangeSet([], [])), .. spans] : spans);
    }

    public IStateReader? StateBefore(ulong number)
    {
        IStateReader? parent = number == 0 ? null : _states.At(number - 1);
        if (parent is null)
        {
            return null;
        }

        return EditedState.Of(number - 1, Store.EditsBefore(number), parent).Over(parent);
    }

    public ulong OldestState => _states.Oldest;

    /// <summary>The latest state whatever the head is at each read, with the state edits made since the head.</summary>
    public IStateReader LatestState { get; }

    public object LatestStateVersion
    {
        get
        {
            StoredBlock head = Store.Head;
            EditedState edits = _edits;
            return edits.Head == head.Number && !edits.IsEmpty ? edits : head;
        }
    }

    /// <summary>The state edits made since the head (anvil_setBalance and the like), over which the next block executes.</summary>
    public EditedState Edits
    {
        get
        {
            EditedState edits = _edits;
            ulong head = _states.Head;
            return edits.Head == head ? edits : EditedState.None(head);
        }
    }

    /// <summary>
    /// Edits the head's state outside a block (the caller holds <see cref="WriteLock"/>): the edit is durable in the
    /// block log, visible to reads at once and applied by the next block before its transactions.
    /// </summary>
    public void Edit(StateEdit edit)
    {
        ArgumentNullException.ThrowIfNull(edit);
        EditedState next = Edits.With(edit, _states.LatestForExecution);
        Store.AppendEdit(edit);
        _edits = next;
    }

    /// <summary>Rebuilds the edits overlay from the block log's edits after the head (after a restart or a rewind; the caller holds <see cref="WriteLock"/>).</summary>
    public void ReloadEdits()
    {
        _edits = EditedState.Of(_states.Head, Store.PendingEdits, _states.LatestForExecution);
    }

    /// <summary>Replaces the state after a rewind (the caller holds <see cref="WriteLock"/>).</summary>
    public void ReplaceStates(IChainState states)
    {
        ArgumentNullException.ThrowIfNull(states);
        _states = states;
    }

    /// <summary>
    /// Adds a block a producer built and sealed (the caller holds <see cref="WriteLock"/>, or runs it on a
    /// <see cref="BlockCommitPipeline"/>'s thread for a producer that holds it): durable in the log, then its
    /// state published, then visible; the pool moves to the new head without what the block included or the executor
    /// found permanently invalid; subscribers are told (with <paramref name="addresses"/>, what the producer collected
    /// as it executed the block). Returns those invalid transactions.
    /// </summary>
    public SkippedTransaction[] AddBuilt(StoredBlock block, BlockExecution execution, ITransactionPool pool, TimeSpan buildTime, BlockAddresses? addresses = null)
    {
        ArgumentNullException.ThrowIfNull(block);
        ArgumentNullException.ThrowIfNull(execution);
        ArgumentNullException.ThrowIfNull(pool);
        IChainState states = _states;
        try
        {
            // The log is durable before the state is published (the state store never gets ahead of the log), and the
            // state is published before the block is visible (a reader that finds the block finds its state).
            long append = BlockCpuProbe.Start();
            Store.Append(block, () =>
            {
                long publish = BlockCpuProbe.Start();
                states.Publish(block.Number);
                BlockCpuProbe.Stop(BlockCpuPhase.Publish, publish);
            });
            BlockCpuProbe.Stop(BlockCpuPhase.Append, append);
        }
        catch
        {
            states.Abort(block.Number);
            throw;
        }

        long cpu = BlockCpuProbe.Start();
        SkippedTransaction[] dropped = [.. execution.Skipped.Where(s => s.Permanent)];
        pool.OnNewHead(states.Latest, this.NextBaseFee(block.Header), dropped.Select(s => s.Transaction.Hash), execution.Changes);
        BlockCpuProbe.Stop(BlockCpuPhase.PoolMove, cpu);
        cpu = BlockCpuProbe.Start();
        OnBlockAdded(new BlockAddedEvent(block, buildTime) { Dropped = dropped, Addresses = addresses });
        BlockCpuProbe.Stop(BlockCpuPhase.Subscribers, cpu);
        return dropped;
    }

    /// <summary>Tells subscribers that <paramref name="added"/>'s block is durable and visible.</summary>
    public void OnBlockAdded(BlockAddedEvent added) => BlockAdded?.Invoke(added);

    /// <summary>The latest state at each read: the edits apply while they are the head's.</summary>
    private sealed class LatestView(ChainProvider chain) : IStateReader
    {
        private IStateReader Current => chain.Edits.Over(chain._states.Latest);

        public bool TryGetAccount(in Address address, out Account account) => Current.TryGetAccount(address, out account);

        public UInt256 GetStorage(in Address address, in UInt256 key) => Current.GetStorage(address, key);

        public byte[] GetCode(in Hash256 codeHash) => Current.GetCode(codeHash);
    }

    public void Dispose()
    {
        lock (WriteLock)
        {
            Store.Dispose();
            _states.Dispose();
        }
    }
}
