using Hyperion.Core;
using Hyperion.Core.Blocks;
using Hyperion.Execution.Blocks;
using Hyperion.State;
using Hyperion.State.World;

namespace Hyperion.Chain;

/// <summary>
/// What RPC reads of a chain: its id, blocks and receipts, the state at a block in the kept window, the executor
/// (spec and precompiles) calls and traces run with, and a notification per added block. Implemented by <see cref="ChainProvider"/>.
/// </summary>
public interface IChainReader
{
    ulong ChainId { get; }

    IBlockReader Blocks { get; }

    /// <summary>Executes the chain's blocks, calls and traces (under its spec, with its precompiles).</summary>
    IBlockExecutor Executor { get; }

    /// <summary>The state after block <paramref name="number"/>, or null when it is no longer (or not yet) kept.</summary>
    IStateReader? StateAt(ulong number);

    /// <summary>
    /// The state block <paramref name="number"/>'s transactions start from (for re-executing them in a trace): the
    /// state after its parent with the dev chain's state edits made before the block applied; null when not kept.
    /// </summary>
    IStateReader? StateBefore(ulong number);

    /// <summary>
    /// The state root of <see cref="StateAt"/>(<paramref name="number"/>) with <paramref name="spans"/> applied in order,
    /// computed without changing the chain (the roots of eth_simulateV1's blocks).
    /// </summary>
    Hash256 StateRootAfter(ulong number, IReadOnlyList<StateChangeSet> spans);

    /// <summary>The oldest block whose state can be read.</summary>
    ulong OldestState { get; }

    /// <summary>The latest state, whatever the head is at the moment of each read.</summary>
    IStateReader LatestState { get; }

    /// <summary>
    /// An object replaced whenever the latest state changes: the head block, or the dev chain's state edits made since
    /// it (each edit replaces them). For remembering, by reference, what was true of the latest state.
    /// </summary>
    object LatestStateVersion { get; }

    /// <summary>Raised after each block is durable and visible, on the producing thread.</summary>
    event Action<BlockAddedEvent>? BlockAdded;
}

public static class ChainReaderExtensions
{
    /// <summary>The base fee of the block after <paramref name="parent"/> under the chain's spec (zero before London), at the earliest timestamp it can have.</summary>
    public static UInt256 NextBaseFee(this IChainReader chain, BlockHeader parent)
    {
        ArgumentNullException.ThrowIfNull(chain);
        ArgumentNullException.ThrowIfNull(parent);
        return chain.Executor.Spec.NextBaseFee(parent, parent.Number + 1, parent.Timestamp + 1) ?? UInt256.Zero;
    }
}
