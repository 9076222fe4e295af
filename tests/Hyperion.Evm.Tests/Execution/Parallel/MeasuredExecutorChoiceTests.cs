using Hyperion.Execution.Parallel;
using Xunit;

namespace Hyperion.Evm.Tests.Execution.Parallel;

public class MeasuredExecutorChoiceTests
{
    [Fact]
    public void Measures_both_then_prefers_the_faster_and_re_measures_the_other_every_sixteenth_block()
    {
        var choice = new MeasuredExecutorChoice();
        Assert.True(choice.ChooseParallel());          // nothing measured: Block-STM first
        choice.Record(parallel: true, elapsedTicks: 3_000, gasUsed: 1_000_000);
        Assert.False(choice.ChooseParallel());         // then the sequential executor once
        choice.Record(parallel: false, elapsedTicks: 1_000, gasUsed: 1_000_000);

        var picks = new List<bool>();
        for (int i = 0; i < 3 * MeasuredExecutorChoice.ExploreEvery; i++)
        {
            bool parallel = choice.ChooseParallel();
            picks.Add(parallel);
            choice.Record(parallel, parallel ? 3_000 : 1_000, 1_000_000);
        }

        // Sequential is faster: all but one block in sixteen run sequentially.
        Assert.Equal(3, picks.Count(p => p));
        Assert.Equal((1_000L, 3_000L), choice.Costs);
    }

    [Fact]
    public void Switches_when_the_other_executor_becomes_faster()
    {
        var choice = new MeasuredExecutorChoice();
        choice.ChooseParallel();
        choice.Record(parallel: true, elapsedTicks: 3_000, gasUsed: 1_000);
        choice.ChooseParallel();
        choice.Record(parallel: false, elapsedTicks: 1_000, gasUsed: 1_000);

        // Block-STM now measures 10× faster each time it is explored: within a few explorations it is preferred.
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
        choice.Record(parallel: true, elapsedTicks: long.MaxValue, gasUsed: 0);
        choice.Record(parallel: false, elapsedTicks: -5, gasUsed: ulong.MaxValue);
        (long sequential, long parallel) = choice.Costs;
        Assert.Equal(1, sequential);
        Assert.Equal(long.MaxValue / 2, parallel);
    }
}
