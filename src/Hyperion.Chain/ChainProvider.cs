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

    public IStateReader? StateAt(ulong number) => _states.At(number);

    public ulong OldestState => _states.Oldest;

    public IStateReader LatestState => _states.Latest;

    /// <summary>Replaces the state after a rewind (the caller holds <see cref="WriteLock"/>).</summary>
    public void ReplaceStates(IChainState states)
    {
        ArgumentNullException.ThrowIfNull(states);
        _states = states;
    }

    /// <summary>
    /// Adds a block a producer built and sealed (the caller holds <see cref="WriteLock"/>): durable in the log, then its
    /// state published, then visible; the pool moves to the new head without what the block included or the executor
    /// found permanently invalid; subscribers are told. Returns those invalid transactions.
    /// </summary>
    public SkippedTransaction[] AddBuilt(StoredBlock block, BlockExecution execution, ITransactionPool pool, TimeSpan buildTime)
    {
        ArgumentNullException.ThrowIfNull(block);
        ArgumentNullException.ThrowIfNull(execution);
        ArgumentNullException.ThrowIfNull(pool);
        IChainState states = _states;
        try
        {
            // The log is durable before the state is published (the state store never gets ahead of the log), and the
            // state is published before the block is visible (a reader that finds the block finds its state).
            Store.Append(block, () => states.Publish(block.Number));
        }
        catch
        {
            states.Abort(block.Number);
            throw;
        }

        SkippedTransaction[] dropped = [.. execution.Skipped.Where(s => s.Permanent)];
        pool.OnNewHead(states.Latest, this.NextBaseFee(block.Header), dropped.Select(s => s.Transaction.Hash));
        OnBlockAdded(new BlockAddedEvent(block, buildTime) { Dropped = dropped });
        return dropped;
    }

    /// <summary>Tells subscribers that <paramref name="added"/>'s block is durable and visible.</summary>
    public void OnBlockAdded(BlockAddedEvent added) => BlockAdded?.Invoke(added);

    public void Dispose()
    {
        lock (WriteLock)
        {
            Store.Dispose();
            _states.Dispose();
        }
    }
}
