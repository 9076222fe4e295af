using Hyperion.Core;
using Hyperion.Core.Blocks;
using Hyperion.State.World;

namespace Hyperion.Chain;

/// <summary>
/// Where a chain keeps its state: in memory (<see cref="InMemoryStateStore"/>) or in MetisDB
/// (<see cref="MetisStateStore"/>). It opens the chain's <see cref="IChainState"/> at start and recreates it at
/// genesis when the chain is rewound.
/// </summary>
public interface IStateStore
{
    /// <summary>Where the state is kept, for messages.</summary>
    string Location { get; }

    /// <summary>Whether the store already holds a chain's state (a chain was started on it).</summary>
    bool HoldsState { get; }

    /// <summary>
    /// Opens the state at its head, which is at or behind the head of <paramref name="blocks"/> (the block log); the
    /// caller re-executes the blocks after that head. A store that cannot be trusted is rebuilt from
    /// <paramref name="genesis"/>, with the reason in <paramref name="rebuildReason"/>.
    /// </summary>
    IChainState Open(Func<InMemoryStateReader> genesis, BlockHeader genesisHeader, IBlockReader blocks, out string? rebuildReason);

    /// <summary>Disposes <paramref name="current"/> and returns the state at genesis (before re-executing kept blocks).</summary>
    IChainState Recreate(IChainState current, Func<InMemoryStateReader> genesis);
}

/// <summary>The state of an ephemeral chain: the kept window in memory (<see cref="StateHistory"/>).</summary>
public sealed class InMemoryStateStore : IStateStore
{
    public string Location => "(in memory)";

    public bool HoldsState => false;

    public IChainState Open(Func<InMemoryStateReader> genesis, BlockHeader genesisHeader, IBlockReader blocks, out string? rebuildReason)
    {
        rebuildReason = null;
        return new StateHistory(genesis);
    }

    public IChainState Recreate(IChainState current, Func<InMemoryStateReader> genesis)
    {
        ArgumentNullException.ThrowIfNull(current);
        current.Dispose();
        return new StateHistory(genesis);
    }
}

/// <summary>The state of a durable chain, in MetisDB under <see cref="Directory"/>.</summary>
public sealed class MetisStateStore(string directory) : IStateStore
{
    public string Directory { get; } = directory;

    public string Location => Directory;

    public bool HoldsState => File.Exists(Path.Combine(Directory, "data.mdb"));

    /// <summary>
    /// The block log is made durable before the state of a block is, so the store's head is at or behind the log's; a
    /// store ahead of the log, or whose root disagrees with the block header, cannot be trusted and is rebuilt from
    /// genesis rather than served.
    /// </summary>
    public IChainState Open(Func<InMemoryStateReader> genesis, BlockHeader genesisHeader, IBlockReader blocks, out string? rebuildReason)
    {
        ArgumentNullException.ThrowIfNull(genesis);
        ArgumentNullException.ThrowIfNull(genesisHeader);
        ArgumentNullException.ThrowIfNull(blocks);
        rebuildReason = null;
        MetisChainState state;
        try
        {
            state = MetisChainState.Open(Directory);
        }
        catch (InvalidDataException exception)
        {
            rebuildReason = exception.Message;
            MetisChainState.Delete(Directory);
            state = MetisChainState.Open(Directory);
        }

        if (state.StoredHead is ulong head)
        {
            ulong logHead = blocks.Head.Number;
            if (head > logHead)
            {
                rebuildReason = $"it holds block {head} but the block log ends at block {logHead}";
            }
            else
            {
                Hash256 expected = head == 0 ? genesisHeader.StateRoot : blocks.GetByNumber(head)!.Header.StateRoot;
                Hash256 actual = state.StateRoot(head);
                if (actual != expected)
                {
                    rebuildReason = $"its state root of block {head} is {actual} but the block header says {expected}";
                }
            }

            if (rebuildReason is not null)
            {
                state.Dispose();
                MetisChainState.Delete(Directory);
                state = MetisChainState.Open(Directory);
            }
        }

        if (state.StoredHead is null)
        {
            try
            {
                Hash256 root = state.CommitGenesis(genesis());
                if (root != genesisHeader.StateRoot)
                {
                    throw new InvalidOperationException($"MetisDB computes genesis state root {root}, not {genesisHeader.StateRoot}");
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

    /// <summary>MetisDB keeps no versions to roll back to beyond the window, so the store is deleted and recreated.</summary>
    public IChainState Recreate(IChainState current, Func<InMemoryStateReader> genesis)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(genesis);
        current.Dispose();
        MetisChainState.Delete(Directory);
        MetisChainState fresh = MetisChainState.Open(Directory);
        fresh.CommitGenesis(genesis());
        return fresh;
    }
}
