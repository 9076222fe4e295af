using Hyperion.Core;
using Hyperion.State;
using Hyperion.State.World;

namespace Hyperion.Chain;

/// <summary>
/// The chain's state: the latest state for execution, the states of the last <see cref="Window"/> blocks for RPC
/// reads at older block tags, and the commit of each block's changes. Implemented in memory
/// (<see cref="StateHistory"/>, for an ephemeral chain) and on MetisDB (<see cref="MetisChainState"/>, for a chain
/// kept in a data directory).
/// </summary>
/// <remarks>
/// One writer (the block producer) stages, publishes and reads <see cref="LatestForExecution"/>; any number of RPC
/// threads read through <see cref="Latest"/> and <see cref="At"/>, which never show half a block and never block the
/// writer for longer than an in-memory update. A block commits in two steps so that the block log can be made
/// durable in between: <see cref="Stage"/> computes the state root the header needs, <see cref="Publish"/> makes it
/// the head (after the log's fsync), <see cref="Abort"/> undoes a staged block whose log write failed.
/// </remarks>
public interface IChainState : IDisposable
{
    /// <summary>Blocks before the head whose state stays readable (the head's is always).</summary>
    const int Window = 128;

    /// <summary>The block whose state is the latest.</summary>
    ulong Head { get; }

    /// <summary>The oldest block whose state can still be read.</summary>
    ulong Oldest { get; }

    /// <summary>The latest state whatever the head is at the moment of each read (the pool, pending-tag reads).</summary>
    IStateReader Latest { get; }

    /// <summary>The latest state, for the block producer only.</summary>
    IStateReader LatestForExecution { get; }

    /// <summary>The state after block <paramref name="number"/>; null when it is outside the window or in the future.</summary>
    IStateReader? At(ulong number);

    /// <summary>The state root after block <paramref name="number"/> (within the window).</summary>
    Hash256 StateRoot(ulong number);

    /// <summary>
    /// The state root after block <paramref name="number"/> (within the window) with <paramref name="spans"/> applied in
    /// order, computed without changing the state (for simulated blocks).
    /// </summary>
    Hash256 StateRootAfter(ulong number, IReadOnlyList<StateChangeSet> spans);

    /// <summary>Applies block <paramref name="number"/>'s changes (built on the latest state) and returns its state root.</summary>
    Hash256 Stage(ulong number, StateChangeSet changes);

    /// <summary>Makes the staged block the head.</summary>
    void Publish(ulong number);

    /// <summary>Drops the staged block: the latest state is again the one before it.</summary>
    void Abort(ulong number);

    /// <summary>
    /// Runs <paramref name="walk"/> on a walkable view of the state after block <paramref name="number"/> (for
    /// Merkle proofs); false when that state is outside the window.
    /// </summary>
    bool TryWalk(ulong number, Action<IStateEnumerator> walk);
}
