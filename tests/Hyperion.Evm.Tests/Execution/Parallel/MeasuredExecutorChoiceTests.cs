using Hyperion.Execution.Parallel;
using Xunit;

namespace Hyperion.Evm.Tests.Execution.Parallel;

public class MeasuredExecutorChoiceTests
{
    // Blocks of a million gas, so that a block's ticks are its cost. A block is cold when the block before ran on the
    // other side (the first block too); the sides' costs here are bench exec's ERC20 and swap blocks scaled (ms × 100).
    private sealed class ScriptedBlocks(Func<int, bool, bool, long> ticks)
    {
        private bool? _last;
        private int _block;

        public MeasuredExecutorChoice Choice { get; } = new();

        public long TotalTicks { get; private set; }

        public int Switches { get; private set; }

        public int ChosenParallel { get; private set; }

        /// <summary>Runs <paramref name="blocks"/> blocks; how many ran parallel.</summary>
        public int Run(int blocks) => Run(blocks, _ => true);

        /// <summary>As <see cref="Run(int)"/>, but a block chosen parallel runs sequentially unless <paramref name="parallelRuns"/> allows it (the executor's chain backoff).</summary>
        public int Run(int blocks, Func<int, bool> parallelRuns)
        {
            int parallelBlocks = 0;
            for (int b = 0; b < blocks; b++, _block++)
            {
                bool chosen = Choice.ChooseParallel();
                ChosenParallel += chosen ? 1 : 0;
                bool parallel = chosen && parallelRuns(_block);
                bool warm = _last == parallel;
                Switches += _last is { } last && last != parallel ? 1 : 0;
                _last = parallel;
                long elapsed = ticks(_block, parallel, warm);
                TotalTicks += elapsed;
                Choice.Record(parallel, elapsed, 1_000_000);
                parallelBlocks += parallel ? 1 : 0;
            }

            return parallelBlocks;
        }
    }

    // ERC20's blocks in m43: parallel 2.79 ms warm, 3.17 cold (one exploration in a few 4–6 ms); sequential 3.89 / 4.08.
    private static long Erc20(bool parallel, bool warm) => parallel ? (warm ? 279 : 450) : (warm ? 389 : 408);

    [Fact]
    public void A_cold_first_parallel_block_slower_than_sequential_does_not_keep_the_choice_from_the_parallel_paths()
    {
        var blocks = new ScriptedBlocks((_, parallel, warm) => Erc20(parallel, warm));
        int parallelBlocks = blocks.Run(400);

        // The explorations of the sequential side are a cold block and a warm one every 16, 64 then 128 blocks.
        Assert.True(parallelBlocks >= 390, $"{parallelBlocks} of 400 blocks parallel");
        Assert.Equal((389L, 279L), blocks.Choice.Costs);
    }

    [Fact]
    public void One_slow_block_does_not_move_the_choice()
    {
        // A collection or a moment of the host's in a parallel block, once the choice settled on the parallel paths.
        const int before = 200;
        var blocks = new ScriptedBlocks((b, parallel, warm) => b == before && parallel ? 2_000 : Erc20(parallel, warm));
        blocks.Run(before);
        int parallelAfter = blocks.Run(100);
        Assert.True(parallelAfter >= 97, $"{parallelAfter} of 100 blocks parallel after a slow one");
    }

    [Fact]
    public void A_change_of_workload_is_followed_within_a_few_explorations()
    {
        // The swap mix (Block-STM slower than sequential), then ERC20 transfers: both sides' costs per gas change.
        bool erc20 = false;
        var blocks = new ScriptedBlocks((_, parallel, warm) => erc20
            ? (parallel ? (warm ? 250 : 290) : (warm ? 360 : 380))
            : (parallel ? (warm ? 600 : 690) : (warm ? 480 : 500)));
        int swapParallel = blocks.Run(200);
        Assert.True(swapParallel <= 12, $"{swapParallel} of 200 swap blocks parallel");

        erc20 = true;
        int erc20Parallel = blocks.Run(200);
        int lateParallel = blocks.Run(100);
        Assert.True(erc20Parallel >= 170, $"{erc20Parallel} of the first 200 ERC20 blocks parallel");
        Assert.True(lateParallel >= 97, $"{lateParallel} of the next 100 ERC20 blocks parallel");

        // And back: the preferred parallel side's cost rises by more than a quarter, sequential is explored at once.
        erc20 = false;
        int backParallel = blocks.Run(100);
        Assert.True(backParallel <= 30, $"{backParallel} of 100 swap blocks parallel after ERC20");
    }

    [Fact]
    public void A_faster_other_side_is_noticed_without_a_change_on_the_preferred_side()
    {
        // A load on the host goes away: the parallel side gets faster, the sequential side's cost stays.
        bool loaded = true;
        var blocks = new ScriptedBlocks((_, parallel, warm) => parallel ? (loaded ? (warm ? 600 : 690) : (warm ? 279 : 450)) : (warm ? 389 : 408));
        blocks.Run(300);
        loaded = false;
        blocks.Run(2 * MeasuredExecutorChoice.MaxExploreInterval);
        Assert.True(blocks.Run(100) >= 95);
    }

    [Fact]
    public void Sides_within_a_few_percent_cost_no_more_than_two_percent_over_the_faster()
    {
        // Parallel 300 warm, sequential 306 warm, each block ±4 % (a fixed pseudo-random sequence); cold blocks +15 %
        // parallel, +5 % sequential.
        var blocks = new ScriptedBlocks((b, parallel, warm) =>
        {
            long cost = parallel ? (warm ? 300 : 345) : (warm ? 306 : 321);
            return cost * (96 + (int)((uint)(b * 2_654_435_761u) >> 29)) / 100;
        });
        blocks.Run(1_000);
        long parallelAlone = Enumerable.Range(0, 1_000).Sum(b => 300L * (96 + (int)((uint)(b * 2_654_435_761u) >> 29)) / 100);
        Assert.True(blocks.TotalTicks * 100 <= parallelAlone * 102, $"{blocks.TotalTicks} against {parallelAlone} parallel alone");
        Assert.True(blocks.Switches <= 40, $"{blocks.Switches} switches");
    }

    [Fact]
    public void Blocks_the_executor_ran_sequentially_when_parallel_was_chosen_make_sequential_preferred()
    {
        // ERC20 transfers, then a dependency chain: the executor's chain backoff runs the blocks chosen parallel
        // sequentially but one in eight, whose Block-STM try stops and is redone sequentially (slower, and cold).
        bool chain = false;
        var blocks = new ScriptedBlocks((_, parallel, warm) => chain ? (parallel ? 420 : (warm ? 389 : 408)) : Erc20(parallel, warm));
        blocks.Run(200);
        chain = true;
        int chosenBefore = blocks.ChosenParallel;
        blocks.Run(400, b => b % 8 == 0);
        int chosenParallel = blocks.ChosenParallel - chosenBefore;
        Assert.True(chosenParallel <= 24, $"{chosenParallel} of 400 chain blocks chosen parallel");
    }

    [Fact]
    public void A_switch_on_an_exploration_the_next_blocks_belie_is_undone_at_once()
    {
        // The swap mix, sequential preferred; the next exploration's two warm Block-STM blocks come out fast (a moment of
        // the host's): the choice switches, and goes back once Block-STM has a window of its own.
        int fast = 0;
        var blocks = new ScriptedBlocks((_, parallel, warm) => parallel ? (warm ? (fast-- > 0 ? 400 : 600) : 690) : (warm ? 480 : 500));
        blocks.Run(150);
        fast = 2;
        int parallelBlocks = blocks.Run(MeasuredExecutorChoice.MaxExploreInterval + 40);
        Assert.True(fast < 0, "the exploration ran");
        Assert.True(parallelBlocks <= 12, $"{parallelBlocks} blocks parallel");
    }

    [Fact]
    public void Cost_is_per_gas_and_survives_extreme_inputs()
    {
        var choice = new MeasuredExecutorChoice();
        for (int i = 0; i < 2; i++)
        {
            // The first block on a side is cold, the second is measured.
            choice.Record(parallel: true, elapsedTicks: long.MaxValue, gasUsed: 0);
        }

        for (int i = 0; i < 2; i++)
        {
            choice.Record(parallel: false, elapsedTicks: -5, gasUsed: ulong.MaxValue);
        }

        (long sequential, long parallel) = choice.Costs;
        Assert.Equal(1, sequential);
        Assert.Equal(long.MaxValue / 2, parallel);
    }
}
