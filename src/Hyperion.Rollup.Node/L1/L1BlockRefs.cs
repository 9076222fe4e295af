using Hyperion.Core.Blocks;

namespace Hyperion.Rollup.Node.L1;

public static class L1BlockRefs
{
    /// <summary>The derivation's view of an L1 header: hash, number, parent and timestamp.</summary>
    public static L1BlockRef ToRef(this BlockHeader header)
    {
        ArgumentNullException.ThrowIfNull(header);
        return new L1BlockRef(header.Hash, header.Number, header.ParentHash, header.Timestamp);
    }
}
