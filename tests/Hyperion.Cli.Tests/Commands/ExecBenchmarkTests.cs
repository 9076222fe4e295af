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
    /// sequential executor by its measured choice — the first timed block is sequential (the reference check ran the
    /// parallel path once, so only the sequential executor is still unmeasured), the second as the timings say.
    /// </summary>
    [Fact]
    public void Measured_parallelN_counts_the_blocks_it_ran_sequentially_by_choice()
    {
        var output = new StringWriter();
        ExecBenchmark.Run(count: 8, rounds: 2, warmupRounds: 0, threads: 2, only: "raw", onlyExecutor: null, handler: null, output, measured: true);

        string last = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1];
        System.Text.RegularExpressions.Match counts = System.Text.RegularExpressions.Regex.Match(
            last, @"parallel×2 sequential (\d+) blocks by choice and 0 after chains, as chunks (\d+) blocks \(0 conflicted\), Block-STM 0 blocks");
        Assert.True(counts.Success, last);
        int byChoice = int.Parse(counts.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        int chunked = int.Parse(counts.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(byChoice, 1, 2);
        Assert.Equal(2, byChoice + chunked);
        Assert.Contains("parallel×1 as chunks 2 blocks (0 conflicted)", last); // parallel×1 is not a node's
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("1001")]
    public void A_warm_up_out_of_range_is_refused(string warmup)
    {
        Assert.Equal(1, ExecBenchmark.CreateCommand().Parse(["--txs", "8", "--rounds", "1", "--warmup", warmup]).Invoke());
    }
}
