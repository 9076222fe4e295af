using Hyperion.Execution.BlockTests;
using Hyperion.Execution.Parallel;
using Hyperion.Execution.StateTests;

namespace Hyperion.Evm.Tests.Execution.Parallel;

/// <summary>
/// Blockchain tests imported through the parallel executor (every block, however small; through Block-STM alone and
/// through contiguous chunks first) at 1, 2, 4 and 8 threads:
/// each must pass exactly as through the sequential executor. The whole suite runs in CI through
/// <c>scripts/consensus-tests.sh</c>; this is a subset that covers transactions, fees, blobs, withdrawals and invalid blocks.
/// </summary>
public sealed class ParallelBlockTests
{
    public static TheoryData<string, string, int> Cases()
    {
        var data = new TheoryData<string, string, int>();
        foreach (int threads in new[] { 1, 2, 4, 8 })
        {
            data.Add("ValidBlocks", "bcStateTests", threads);
            data.Add("ValidBlocks", "bcEIP1559", threads);
            data.Add("ValidBlocks", "bcEIP4844-blobtransactions", threads);
            data.Add("InvalidBlocks", "bc4895-withdrawals", threads);
            data.Add("InvalidBlocks", "bcInvalidHeaderTest", threads);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Blockchain_tests_pass_in_parallel_as_sequentially(string kind, string directory, int threads)
    {
        string[] files = [.. Directory.GetFiles(Fixtures.EthereumTests("BlockchainTests", kind, directory), "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal)];
        var sequential = files.SelectMany(file => BlockTestRunner.RunFile(file)).ToList();
        // Every imported block through Block-STM alone, and through contiguous chunks first (Block-STM after a conflict's backoff never).
        foreach (ParallelBlockExecutor.ChunkUse chunks in new[] { ParallelBlockExecutor.ChunkUse.Never, ParallelBlockExecutor.ChunkUse.Always })
        {
            var parallel = files.SelectMany(file => BlockTestRunner.RunFile(file, executor: spec => new ParallelBlockExecutor(spec, threads: threads, sequentialBelow: 0) { Chunks = chunks })).ToList();
            Assert.NotEmpty(parallel);
            Assert.Equal(sequential.Select(r => (r.Test, r.Status, r.Detail)), parallel.Select(r => (r.Test, r.Status, r.Detail)));
            Assert.All(parallel, r => Assert.True(r.Status == StateTestStatus.Passed, $"{r.Test}: {r.Detail}"));
        }
    }

    /// <summary>The node's executor: each block on whichever of the two executors measured faster (here a chain's first
    /// three blocks on the parallel paths, the next one or two sequentially to measure that side, then by time) — the
    /// results never depend on the pick.</summary>
    [Theory]
    [InlineData("ValidBlocks", "bcStateTests")]
    [InlineData("InvalidBlocks", "bcInvalidHeaderTest")]
    public void Blockchain_tests_pass_with_the_measured_choice(string kind, string directory)
    {
        string[] files = [.. Directory.GetFiles(Fixtures.EthereumTests("BlockchainTests", kind, directory), "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal)];
        var results = files.SelectMany(file => BlockTestRunner.RunFile(file, executor: spec => new ParallelBlockExecutor(spec, threads: 2, sequentialBelow: 0, measured: true))).ToList();
        Assert.NotEmpty(results);
        Assert.All(results, r => Assert.True(r.Status == StateTestStatus.Passed, $"{r.Test}: {r.Detail}"));
    }
}
