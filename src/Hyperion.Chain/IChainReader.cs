using Hyperion.Evm.Precompiles;
using Hyperion.State;

namespace Hyperion.Chain;

/// <summary>
/// What RPC reads of a chain: its id, blocks and receipts, the state at a block in the kept window, the precompiles
/// calls run with, and a notification per added block. Implemented by <see cref="ChainProvider"/>.
/// </summary>
public interface IChainReader
{
    ulong ChainId { get; }

    IBlockReader Blocks { get; }

    /// <summary>The precompiles blocks and calls execute with.</summary>
    PrecompileTable Precompiles { get; }

    /// <summary>The state after block <paramref name="number"/>, or null when it is no longer (or not yet) kept.</summary>
    IStateReader? StateAt(ulong number);

    /// <summary>The oldest block whose state can be read.</summary>
    ulong OldestState { get; }

    /// <summary>The latest state, whatever the head is at the moment of each read.</summary>
    IStateReader LatestState { get; }

    /// <summary>Raised after each block is durable and visible, on the producing thread.</summary>
    event Action<BlockAddedEvent>? BlockAdded;
}
