using Hyperion.Execution.Parallel;
using Xunit;

namespace Hyperion.Evm.Tests.Execution.Parallel;

public class ChainBackoffTests
{
    /// <summary>The choices of <paramref name="blocks"/> blocks, each recorded as a chain when <paramref name="chain"/> and it tried Block-STM.</summary>
    private static string Run(ChainBackoff backoff, int blocks, bool chain)
    {
        var picks = new System.Text.StringBuilder();
        for (int i = 0; i < blocks; i++)
        {
            bool parallel = backoff.TryParallel();
            picks.Append(parallel ? 'P' : 's');
            if (parallel)
            {
                backoff.Record(stoppedForChain: chain);
            }
        }

        return picks.ToString();
    }

    [Fact]
    public void Chains_in_a_row_double_the_sequential_blocks_up_to_the_most()
    {
        var backoff = new ChainBackoff();
        Assert.Equal("PsPssPssssPssssssssPssssssss", Run(backoff, 28, chain: true));
        Assert.Equal(8, ChainBackoff.MaxSkipped);
    }

    [Fact]
    public void A_completed_block_returns_every_block_to_Block_STM()
    {
        var backoff = new ChainBackoff();
        Assert.Equal("PsPss", Run(backoff, 5, chain: true));
        Assert.Equal("PPPPPP", Run(backoff, 6, chain: false));

        // A chain after independent work starts the backoff anew, from one block.
        Assert.Equal("PsPss", Run(backoff, 5, chain: true));
    }
}
