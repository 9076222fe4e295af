using Hyperion.Core;
using Hyperion.Core.Blocks;
using Hyperion.Core.Crypto;
using Hyperion.Rollup.Node.L1;

namespace Hyperion.Rollup.Node.Tests;

public sealed class L1BlockRefsTests
{
    [Fact]
    public void Ref_carries_the_headers_identity_parent_and_time()
    {
        Hash256 parent = Keccak256.Hash([1, 2, 3]);
        BlockHeader header = new() { ParentHash = parent, Number = 42, Timestamp = 1_700_000_000, GasLimit = 30_000_000 };

        L1BlockRef reference = header.ToRef();

        Assert.Equal(header.Hash, reference.Hash);
        Assert.Equal(42ul, reference.Number);
        Assert.Equal(parent, reference.ParentHash);
        Assert.Equal(1_700_000_000ul, reference.Time);
        Assert.NotEqual(parent, reference.Hash);
    }
}
