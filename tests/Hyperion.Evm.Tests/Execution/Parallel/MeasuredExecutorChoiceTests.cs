using Hyperion.Execution.Parallel;
using Xunit;

namespace Hyperion.Evm.Tests.Execution.Parallel;

public class MeasuredExecutorChoiceTests
{
    /// <summary>Two blocks on each executor, parallel first: the first of each is cold, the second is averaged.</summary>
    private static MeasuredExecutorChoice Measured(long parallelTicks, long sequentialTicks, ulong gas)
    {
        var choice = new MeasuredExecutorChoice();
        foreach ((bool expected, long ticks) in new[] { (true, parallelTicks), (true, parallelTicks), (false, sequentialTicks), (false, sequentialTicks) })
        {
            Assert.Equal(expected, choice.ChooseParallel());
            choice.Record(expected, ticks, gas);
        }

        return choice;
    }

    [Fact]
    public void Measures_both_then_prefers_the_faster_and_re_measures_the_other_in_runs_of_two_every_sixteen_blocks()
    {
        MeasuredExecutorChoice choice = Measured(parallelTicks: 3_000, sequentialTicks: 1_000, gas: 1_000_000);
        Assert.Equal((1_000L, 3_000L), choice.Costs);

        var picks = new List<bool>();
        for (int i = 0; i < 3 * MeasuredExecutorChoice.ExploreEvery; i++)
        {
            bool parallel = choice.ChooseParallel();
            picks.Add(parallel);
            choice.Record(parallel, parallel ? 3_000 : 1_000, 1_000_000);
        }

        // Sequential is faster: all but a run of two blocks in sixteen run sequentially.
        Assert.Equal(3 * MeasuredExecutorChoice.ExploreRun, picks.Count(p => p));
        for (int i = 1; i < picks.Count; i++)
        {
            Assert.False(picks[i] && !picks[i - 1] && i + 1 < picks.Count && !picks[i + 1], $"a lone exploration at block {i}");
        }

        Assert.Equal((1_000L, 3_000L), choice.Costs);
    }

    [Fact]
    public void A_block_right_after_the_other_executor_ran_is_not_averaged()
    {
        MeasuredExecutorChoice choice = Measured(parallelTicks: 3_000, sequentialTicks: 1_000, gas: 1_000);

        // An exploration whose first, cold block is slow and whose second is fast: only the second counts.
        bool sawParallel = false;
        for (int i = 0; i < 2 * MeasuredExecutorChoice.ExploreEvery && choice.Costs.Parallel == 3_000_000; i++)
        {
            bool parallel = choice.ChooseParallel();
            long ticks = parallel ? (sawParallel ? 2_200 : 1_000_000) : 1_000;
            sawParallel |= parallel;
            choice.Record(parallel, ticks, 1_000);
        }

        // 3,000 → 3,000 − 750 + 550 per gas unit of a million: the cold block's 1,000,000 left no trace.
        Assert.Equal((1_000_000L, 2_800_000L), choice.Costs);
    }

    [Fact]
    public void Switches_when_the_other_executor_becomes_faster()
    {
        MeasuredExecutorChoice choice = Measured(parallelTicks: 3_000, sequentialTicks: 1_000, gas: 1_000);

        // The parallel paths now measure 10× faster each time they are explored: within a few explorations they are preferred.
        bool preferredParallel = false;
        for (int i = 0; i < 8 * MeasuredExecutorChoice.ExploreEvery && !preferredParallel; i++)
        {
            bool parallel = choice.ChooseParallel();
            choice.Record(parallel, parallel ? 100 : 1_000, 1_000);
            preferredParallel = choice.Costs.Parallel < choice.Costs.Sequential;
        }

        Assert.True(preferredParallel);
        Assert.True(choice.ChooseParallel() || choice.ChooseParallel());
    }

    [Fact]
    public void Cost_is_per_gas_and_survives_extreme_inputs()
    {
        var choice = new MeasuredExecutorChoice();
        choice.Record(parallel: true, elapsedTicks: 1, gasUsed: 1);  // cold: the first block
        choice.Record(parallel: true, elapsedTicks: long.MaxValue, gasUsed: 0);
        choice.Record(parallel: false, elapsedTicks: 1, gasUsed: 1); // cold: after the other executor
        choice.Record(parallel: false, elapsedTicks: -5, gasUsed: ulong.MaxValue);
        (long sequential, long parallel) = choice.Costs;
        Assert.Equal(1, sequential);
        Assert.Equal(long.MaxValue / 2, parallel);
    }
}
