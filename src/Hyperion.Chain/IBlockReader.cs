using Hyperion.Core;
using Hyperion.Evm;

namespace Hyperion.Chain;

/// <summary>The canonical chain's blocks, receipts and transaction index, read-only (what RPC and the EVM's BLOCKHASH see).</summary>
public interface IBlockReader : IBlockHashProvider
{
    StoredBlock Genesis { get; }

    StoredBlock Head { get; }

    /// <summary>The safe and finalized blocks, when something other than the head (a rollup's derivation) decides them.</summary>
    IChainHeads? Heads => null;

    StoredBlock? GetByNumber(ulong number);

    StoredBlock? GetByHash(in Hash256 hash);

    /// <summary>The block and index of a mined transaction.</summary>
    bool TryFindTransaction(in Hash256 hash, out StoredBlock block, out int index);
}
