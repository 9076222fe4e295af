using Hyperion.Core;

namespace Hyperion.Rollup;

/// <summary>A block identified by hash and number (op-node's <c>eth.BlockID</c>).</summary>
public readonly record struct BlockId(Hash256 Hash, ulong Number);

/// <summary>An L1 block as the derivation sees it: identity, parent and timestamp.</summary>
public readonly record struct L1BlockRef(Hash256 Hash, ulong Number, Hash256 ParentHash, ulong Time)
{
    public BlockId Id => new(Hash, Number);
}

/// <summary>An L2 block as the derivation sees it: identity, parent, timestamp, L1 origin and position in its epoch.</summary>
public readonly record struct L2BlockRef(Hash256 Hash, ulong Number, Hash256 ParentHash, ulong Time, BlockId L1Origin, ulong SequenceNumber);
