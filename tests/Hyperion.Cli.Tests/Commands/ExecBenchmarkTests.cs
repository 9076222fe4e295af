using Hyperion.Cli.Commands;

namespace Hyperion.Cli.Tests.Commands;

public sealed class ExecBenchmarkTests
{
    [Fact]
    public void Untimed_warm_up_rounds_run_before_the_timed_ones_and_are_named_in_the_header()
    {
        var output = new StringWriter();
        ExecBenchmark.Run(count: 8, rounds: 2, warmupRounds: 3, threads: 2, only: "raw", onlyExecutor: null, handler: null, output);

        string[] lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("8 transactions per block, 2 rounds after 3 untimed, ", lines[0]);
        Assert.StartsWith("raw transfers", lines[1]);

        // Wall medians to 0.01 ms: at ×2's ~2.7 ms per block a 0.1 ms step would be 4 %.
        Assert.Matches(@"sequential +\d+\.\d\d ms  parallel×1 +\d+\.\d\d ms  parallel×2 +\d+\.\d\d ms", lines[1]);

        // The counts are of the timed blocks only: independent transfers, so both took the contiguous-chunk path without
        // a conflict, and Block-STM ran none of them.
        Assert.Contains("parallel×1 as chunks 2 blocks (0 conflicted), Block-STM 0 blocks", lines[^1]);
        Assert.Contains("parallel×2 as chunks 2 blocks (0 conflicted), Block-STM 0 blocks", lines[^1]);
    }

    /// <summary>--parallel1 blockstm: parallel×1 on Block-STM (the order of runs before contiguous chunks), parallel×2 as by default.</summary>
    [Fact]
    public void Parallel1_on_Block_STM_runs_no_block_as_chunks()
    {
        var output = new StringWriter();
        ExecBenchmark.Run(count: 8, rounds: 2, warmupRounds: 0, threads: 2, only: "raw", onlyExecutor: null, handler: null, output, blockStmAtOne: true);

        string[] lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("parallel×1 as chunks 0 blocks (0 conflicted), Block-STM 2 blocks", lines[^1]);
        Assert.Contains("parallel×2 as chunks 2 blocks (0 conflicted), Block-STM 0 blocks", lines[^1]);
    }

    /// <summary>
    /// --measured: parallel×2 is a node's executor, so the timed blocks are split between the parallel path and the
    /// sequential executor by its measured choice — the parallel path until it measured two warm blocks (the reference
    /// check ran it once, cold), so the first two timed blocks; then the sequential executor is explored, a cold block
    /// (the third) and a warm one (the fourth) unless the cold one was more than twice as slow.
    /// </summary>
    [Fact]
    public void Measured_parallelN_counts_the_blocks_it_ran_sequentially_by_choice()
    {
        var output = new StringWriter();
        ExecBenchmark.Run(count: 8, rounds: 4, warmupRounds: 0, threads: 2, only: "raw", onlyExecutor: null, handler: null, output, measured: true);

        string last = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1];
        System.Text.RegularExpressions.Match counts = System.Text.RegularExpressions.Regex.Match(
            last, @"parallel×2 sequential (\d+) blocks by choice and 0 after chains, as chunks (\d+) blocks \(0 conflicted\), Block-STM 0 blocks");
        Assert.True(counts.Success, last);
        int byChoice = int.Parse(counts.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        int chunked = int.Parse(counts.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(byChoice, 1, 2);
        Assert.Equal(4, byChoice + chunked);
        Assert.Contains("parallel×1 as chunks 4 blocks (0 conflicted)", last); // parallel×1 is not a node's
    }

    /// <summary>
    /// --alternate: segments of blocks back to back, sequential and parallel×2 alternating in one process; every segment
    /// printed with the host probe before it, then the segments' medians, the ratio per adjacent pair and what parallel×2 ran.
    /// </summary>
    [Fact]
    public void Alternating_segments_are_printed_each_with_a_probe_and_compared_pair_by_pair()
    {
        var output = new StringWriter();
        ExecBenchmark.Run(count: 8, rounds: 6, warmupRounds: 2, threads: 2, only: "raw", onlyExecutor: null, handler: null, output, alternate: 3);

        string[] lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("8 transactions per block, segments of 3 blocks back to back alternating sequential and parallel×2, 2 each after 2 untimed blocks each, ", lines[0]);
        Assert.Equal(1 + 4 + 3, lines.Length);
        string[] executors = ["sequential", "parallel×2", "sequential", "parallel×2"];
        for (int s = 0; s < 4; s++)
        {
            Assert.Matches($@"^ +segment +{(s / 2) + 1} {executors[s]} +\d+\.\d\d ms, first block \d+\.\d\d ms, CPU ms/block \d+\.\d\d \(caller \d+\.\d\d\), gen0 GCs \d+ \(gen1 \d+, paused \d+\.\d\d ms\), JIT \d+ methods in \d+\.\d ms; probe before it: 1 thread \d+\.\d{{3}} ms, 2 threads \d+\.\d{{3}} ms; steal \d+ jiffies$", lines[1 + s]);
        }

        Assert.Matches(@"^raw transfers +alternating 3: sequential \d+\.\d\d ms \[\d+\.\d\d–\d+\.\d\d\], parallel×2 \d+\.\d\d ms \[\d+\.\d\d–\d+\.\d\d\] \(segments' medians\); sequential ÷ parallel×2 over 3 adjacent pairs of segments: median \d+\.\d\d \[\d+\.\d\d–\d+\.\d\d\]$", lines[5]);
        Assert.Matches(@"first block of a segment \(median\): sequential \d+\.\d\d ms, parallel×2 \d+\.\d\d ms; host probe 1 thread \d+\.\d{3} ms \[.*\], 2 threads ÷ 1 thread \d+\.\d\d \[.*\]; steal \d+ of \d+ jiffies", lines[6]);

        // The counts are of the timed blocks only (2 segments of 3): independent transfers, all as chunks.
        Assert.EndsWith("parallel×2 as chunks 6 blocks (0 conflicted), Block-STM 0 blocks", lines[7]);
    }

    [Fact]
    public void Alternating_with_the_measured_executor_counts_its_sequential_blocks()
    {
        var output = new StringWriter();
        ExecBenchmark.Run(count: 8, rounds: 4, warmupRounds: 0, threads: 2, only: "dependent", onlyExecutor: null, handler: null, output, measured: true, alternate: 2);

        string[] lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("alternating sequential and parallel×2 (measured), 2 each after 0 untimed", lines[0]);
        Assert.Matches(@"parallel×2 sequential \d+ blocks by choice and \d+ after chains, as chunks \d+ blocks", lines[^1]);

        // Its blocks by path: 2 segments of 2, each segment's first left out, so 2 blocks in all.
        System.Text.RegularExpressions.Match paths = System.Text.RegularExpressions.Regex.Match(
            lines[^2], @"by path \(median ms, blocks\): sequential after sequential \S+ \((\d+)\), after parallel \S+ \((\d+)\); parallel after parallel \S+ \((\d+)\), after sequential \S+ \((\d+)\)$");
        Assert.True(paths.Success, lines[^2]);
        Assert.Equal(2, Enumerable.Range(1, 4).Sum(g => int.Parse(paths.Groups[g].Value, System.Globalization.CultureInfo.InvariantCulture)));
    }

    /// <summary>Each adjacent pair's ratio is the first executor's segment over the second's, whichever came first.</summary>
    [Fact]
    public void Adjacent_ratios_put_the_first_executor_over_the_second_in_either_order()
    {
        Assert.Equal([2.0, 2.0, 4.0], ExecBenchmark.AdjacentRatios([4.0, 2.0, 4.0, 1.0]));
        Assert.Equal([0.5], ExecBenchmark.AdjacentRatios([1.0, 2.0]));
    }

    [Fact]
    public void Alternating_is_refused_with_one_executor()
    {
        Assert.Equal(1, ExecBenchmark.CreateCommand().Parse(["--txs", "8", "--rounds", "1", "--alternate", "2", "--executor", "sequential"]).Invoke());
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("1001")]
    public void A_warm_up_out_of_range_is_refused(string warmup)
    {
        Assert.Equal(1, ExecBenchmark.CreateCommand().Parse(["--txs", "8", "--rounds", "1", "--warmup", warmup]).Invoke());
    }
}
