using Hyperion.Core;
using Hyperion.Core.Transactions;
using Hyperion.Rollup.Derivation;
using Hyperion.Rollup.Node.Batcher;
using Hyperion.Rollup.Config;
using Hyperion.Rollup.Node.L1;

namespace Hyperion.Rollup.Node.Tests.Batcher;

/// <summary>
/// The batcher between a made-up L2 node and a fake L1: what it posts is read back with the derivation's own stages
/// (frames → channel → reader) and must be the L2 blocks after the safe head, as singular or span batches.
/// </summary>
public sealed class BatchSubmitterTests
{
    private static BatchSubmitter Submitter(TestL2Chain l2, FakeL1 l1, BatcherOptions? options = null) => new(
        TestL2Chain.Config, new RollupNodeClient(l2),
        new TxManager(l1, 900, Anvil.DevKey, TestL2Chain.Config.BatchInboxAddress, () => throw new InvalidOperationException("no blobs here"),
            new TxManagerOptions { ResubmissionTimeout = TimeSpan.FromMilliseconds(30), PollInterval = TimeSpan.FromMilliseconds(5) }),
        options);

    /// <summary>The batches carried by the calldata transactions from <paramref name="first"/> on, as one channel.</summary>
    private static IReadOnlyList<Batch> ReadBack(FakeL1 l1, int first = 0)
    {
        Frame[] frames = [.. l1.Accepted.Skip(first).SelectMany(t => Frame.ParseBatcherData(t.Data))];
        Assert.All(frames, f => Assert.Equal(frames[0].ChannelId, f.ChannelId));
        Assert.Equal(Enumerable.Range(0, frames.Length).Select(i => (ushort)i), frames.Select(f => f.Number));
        Assert.True(frames[^1].IsLast);
        byte[] data = [.. frames.SelectMany(f => f.Data.ToArray())];
        ChannelReader.Result result = ChannelReader.Read(data, TestL2Chain.Config, TestL2Chain.Config.GenesisL2Time + 1000);
        Assert.Null(result.StopReason);
        return result.Batches;
    }

    private static void AssertBatchOf(L2Block block, SingularBatch batch, bool fromSpan = false)
    {
        if (!fromSpan)
        {
            Assert.Equal(block.Ref.ParentHash, batch.ParentHash); // a span batch carries only the first parent's prefix
        }

        Assert.Equal(block.Ref.L1Origin.Number, batch.EpochNumber);
        Assert.Equal(block.Ref.L1Origin.Hash, batch.EpochHash);
        Assert.Equal(block.Ref.Time, batch.Timestamp);
        Assert.Equal(block.Transactions.Where(t => t.Type != TransactionType.Deposit).Select(t => t.Hash),
            batch.Transactions.Select(t => Transaction.Decode(t).Hash));
    }

    [Fact]
    public async Task Posts_the_blocks_after_the_safe_head_and_after_a_restart_only_what_L1_does_not_have()
    {
        TestL2Chain l2 = TestL2Chain.Build(10);
        l2.Safe = 4;
        var l1 = new FakeL1();
        BatchSubmitter batcher = Submitter(l2, l1);
        PostedChannel posted = (await batcher.StepAsync(force: true, CancellationToken.None))!;
        Assert.Equal((5UL, 9UL), (posted.FirstBlock, posted.LastBlock));
        IReadOnlyList<Batch> batches = ReadBack(l1);
        Assert.Equal(5, batches.Count);
        for (int i = 0; i < 5; i++)
        {
            AssertBatchOf(l2.Blocks[5 + i], (SingularBatch)batches[i]);
        }

        // Nothing new: nothing posted, even when L1 moves on.
        l2.HeadL1 += 5;
        Assert.Null(await batcher.StepAsync(force: false, CancellationToken.None));
        Assert.Single(l1.Accepted);

        // A restarted batcher whose L2 node has made 0..7 safe posts 8 and 9 again (L1 has not made them safe yet), not 5..7.
        l2.Safe = 7;
        int before = l1.Accepted.Count;
        PostedChannel again = (await Submitter(l2, l1).StepAsync(force: true, CancellationToken.None))!;
        Assert.Equal((8UL, 9UL), (again.FirstBlock, again.LastBlock));
        Assert.Equal(l1.Accepted[before - 1].Nonce + 1, l1.Accepted[before].Nonce);
    }

    [Fact]
    public async Task A_restarted_batcher_resumes_only_once_its_last_transactions_landed_and_the_node_derived_them()
    {
        // Killed mid-batch: the channel of blocks 5..7 was sent and is still in L1's pool; the node restarted too and
        // re-derives L1 from behind, its safe head still 4.
        TestL2Chain l2 = TestL2Chain.Build(10);
        l2.Safe = 4;
        l2.CurrentL1 = 990;
        var l1 = new FakeL1 { PendingNonce = 8 };
        BatchSubmitter batcher = Submitter(l2, l1);
        Assert.Null(await batcher.StepAsync(force: true, CancellationToken.None));

        // The old transaction is included at L1 block 1001; until the node reads past it, the safe head (4) does not count it.
        l1.PendingNonce = null;
        l1.Nonce = 8;
        l1.BlockNumber = 1001;
        Assert.Null(await batcher.StepAsync(force: true, CancellationToken.None));
        l2.CurrentL1 = 1001;
        Assert.Null(await batcher.StepAsync(force: true, CancellationToken.None));
        Assert.Empty(l1.Accepted);

        // The node has derived L1 past block 1001: blocks 5..7 are safe, and the batcher posts 8 and 9, not 5..7 again.
        l2.Safe = 7;
        l2.CurrentL1 = 1002;
        PostedChannel posted = (await batcher.StepAsync(force: true, CancellationToken.None))!;
        Assert.Equal((8UL, 9UL), (posted.FirstBlock, posted.LastBlock));
        Assert.Equal(8UL, l1.Accepted[0].Nonce);
    }

    [Fact]
    public async Task A_transaction_stuck_in_L1s_pool_from_before_a_restart_stops_the_batcher_only_for_a_while()
    {
        TestL2Chain l2 = TestL2Chain.Build(6);
        l2.Safe = 2;
        var l1 = new FakeL1 { PendingNonce = 9 };
        BatchSubmitter batcher = Submitter(l2, l1, new BatcherOptions { StartupPendingWait = 3 });
        Assert.Null(await batcher.StepAsync(force: true, CancellationToken.None));
        l1.BlockNumber += 2;
        Assert.Null(await batcher.StepAsync(force: true, CancellationToken.None));
        l1.BlockNumber += 1;
        PostedChannel posted = (await batcher.StepAsync(force: true, CancellationToken.None))!;
        Assert.Equal((3UL, 5UL), (posted.FirstBlock, posted.LastBlock));
    }

    [Fact]
    public async Task A_channel_waits_for_L1_to_move_on_unless_it_is_full()
    {
        TestL2Chain l2 = TestL2Chain.Build(4);
        var l1 = new FakeL1();
        BatchSubmitter batcher = Submitter(l2, l1, new BatcherOptions { MaxChannelDuration = 2 });
        Assert.Null(await batcher.StepAsync(force: false, CancellationToken.None));
        l2.HeadL1++;
        Assert.Null(await batcher.StepAsync(force: false, CancellationToken.None));
        l2.HeadL1++;
        PostedChannel posted = (await batcher.StepAsync(force: false, CancellationToken.None))!;
        Assert.Equal((1UL, 3UL), (posted.FirstBlock, posted.LastBlock));
    }

    [Fact]
    public async Task Stopped_in_the_middle_of_a_send_the_loop_ends_without_an_error()
    {
        TestL2Chain l2 = TestL2Chain.Build(4);
        var l1 = new FakeL1();
        using var stop = new CancellationTokenSource();
        stop.CancelAfter(TimeSpan.FromSeconds(60)); // a loop that never sends fails the assertion below instead of hanging
        var batcher = new BatchSubmitter(
            TestL2Chain.Config, new RollupNodeClient(l2),
            new TxManager(new StopOnSend(l1, stop), 900, Anvil.DevKey, TestL2Chain.Config.BatchInboxAddress, () => throw new InvalidOperationException("no blobs here"),
                new TxManagerOptions { PollInterval = TimeSpan.FromMilliseconds(5) }),
            new BatcherOptions { MaxChannelDuration = 1, PollInterval = TimeSpan.FromMilliseconds(5) });
        Task run = batcher.RunAsync(stop.Token);
        while (!run.IsCompleted)
        {
            l2.HeadL1++; // L1 moves on: the open channel reaches its duration and is posted
            await Task.Delay(10);
        }

        await run; // ends, and without an OperationCanceledException
        Assert.Single(l1.Accepted);
    }

    [Fact]
    public async Task A_large_channel_is_cut_into_frames_one_per_calldata_transaction()
    {
        TestL2Chain l2 = TestL2Chain.Build(6, transfersPerBlock: 20);
        var l1 = new FakeL1();
        // The first block alone passes a 700-byte target; a channel always takes its first block, so it needs several frames.
        PostedChannel posted = (await Submitter(l2, l1, new BatcherOptions { MaxCalldataSize = 700 }).StepAsync(force: true, CancellationToken.None))!;
        Assert.True(posted.Transactions.Count > 1);
        Assert.All(l1.Accepted, t => Assert.True(t.Data.Length <= 700));
        Assert.Equal(l1.Accepted.Select((t, i) => (ulong)i + 7), l1.Accepted.Select(t => t.Nonce));
        IReadOnlyList<Batch> batches = ReadBack(l1);
        Assert.Equal((int)(posted.LastBlock - posted.FirstBlock + 1), batches.Count);
    }

    [Theory]
    [InlineData(CompressionAlgorithm.Zlib)]
    [InlineData(CompressionAlgorithm.Brotli)]
    public async Task A_span_batch_carries_the_blocks_of_the_channel(CompressionAlgorithm compression)
    {
        TestL2Chain l2 = TestL2Chain.Build(12);
        l2.Safe = 2;
        var l1 = new FakeL1();
        await Submitter(l2, l1, new BatcherOptions { BatchKind = BatchKind.Span, Compression = compression }).StepAsync(force: true, CancellationToken.None);
        SpanBatch span = Assert.IsType<SpanBatch>(Assert.Single(ReadBack(l1)));
        IReadOnlyList<SingularBatch> singular = span.ToSingularBatches(
            [.. l2.Blocks.Select(b => new L1BlockRef(b.Ref.L1Origin.Hash, b.Ref.L1Origin.Number, Hash256.Zero, 0)).DistinctBy(r => r.Number)],
            l2.Blocks[2].Ref);
        Assert.Equal(9, singular.Count);
        for (int i = 0; i < 9; i++)
        {
            AssertBatchOf(l2.Blocks[3 + i], singular[i], fromSpan: true);
        }
    }

    [Fact]
    public async Task An_L2_reorg_under_the_open_channel_sends_the_batcher_back_to_the_safe_head()
    {
        TestL2Chain l2 = TestL2Chain.Build(6);
        var l1 = new FakeL1();
        BatchSubmitter batcher = Submitter(l2, l1, new BatcherOptions { MaxChannelDuration = 100 });
        Assert.Null(await batcher.StepAsync(force: false, CancellationToken.None));
        Assert.Equal(6UL, batcher.NextBlock);
        TestL2Chain other = TestL2Chain.Build(8);
        for (int n = 4; n < 8; n++)
        {
            other.Blocks[n] = other.Blocks[n] with
            {
                Ref = other.Blocks[n].Ref with { Hash = TestL2Chain.HashOf("fork", (ulong)n), ParentHash = n == 4 ? other.Blocks[3].Ref.Hash : TestL2Chain.HashOf("fork", (ulong)n - 1) },
            };
        }

        l2.Blocks.Clear();
        l2.Blocks.AddRange(other.Blocks);
        Assert.Null(await batcher.StepAsync(force: true, CancellationToken.None));
        Assert.Equal(1UL, batcher.NextBlock);
        PostedChannel posted = (await batcher.StepAsync(force: true, CancellationToken.None))!;
        Assert.Equal((1UL, 7UL), (posted.FirstBlock, posted.LastBlock));
    }

    [Fact]
    public async Task A_posted_channel_that_an_L1_reorg_drops_is_posted_again_even_while_later_ones_land()
    {
        TestL2Chain l2 = TestL2Chain.Build(7);
        List<L2Block> later = l2.Blocks.GetRange(4, 3);
        l2.Blocks.RemoveRange(4, 3);
        var l1 = new FakeL1();
        BatchSubmitter batcher = Submitter(l2, l1);
        PostedChannel first = (await batcher.StepAsync(force: true, CancellationToken.None))!;
        Assert.Equal((1UL, 3UL), (first.FirstBlock, first.LastBlock));
        l2.Blocks.AddRange(later);
        PostedChannel second = (await batcher.StepAsync(force: true, CancellationToken.None))!;
        Assert.Equal((4UL, 6UL), (second.FirstBlock, second.LastBlock));

        // L1 reorgs the first channel's transaction away (the second, at a later nonce, stays) before the L2 node
        // derived either: the batcher notices the oldest unsafe posting is gone and posts from the safe head again.
        l1.Drop(l1.Accepted[0]);
        PostedChannel again = (await batcher.StepAsync(force: true, CancellationToken.None))!;
        Assert.Equal((1UL, 6UL), (again.FirstBlock, again.LastBlock));
    }

    [Fact]
    public async Task A_safe_head_that_goes_back_sends_the_batcher_back_to_it()
    {
        TestL2Chain l2 = TestL2Chain.Build(6);
        l2.Safe = 2;
        var l1 = new FakeL1();
        BatchSubmitter batcher = Submitter(l2, l1);
        Assert.Equal((3UL, 5UL), ((await batcher.StepAsync(force: true, CancellationToken.None))!.FirstBlock, batcher.NextBlock - 1));
        l2.Safe = 4;
        Assert.Null(await batcher.StepAsync(force: false, CancellationToken.None));
        l2.Safe = 1; // the L2 node re-derived after an L1 reorg: L1 no longer holds blocks 2..4
        PostedChannel again = (await batcher.StepAsync(force: true, CancellationToken.None))!;
        Assert.Equal((2UL, 5UL), (again.FirstBlock, again.LastBlock));
    }

    [Fact]
    public void Auto_picks_the_cheaper_of_calldata_and_blobs()
    {
        var calldata = new[] { new TxCandidate(new byte[100_000], []) };
        var blobs = new[] { new TxCandidate(ReadOnlyMemory<byte>.Empty, [new byte[131_072]]) };
        UInt256 gwei = 1_000_000_000UL;
        Assert.Equal(DataAvailability.Blobs, DataAvailabilityChoice.Cheaper(calldata, blobs, gwei * 10, gwei, 1));
        Assert.Equal(DataAvailability.Calldata, DataAvailabilityChoice.Cheaper(calldata, blobs, gwei, 0, gwei * 100));
        Assert.Equal(21_000UL + (4 * 100_000), DataAvailabilityChoice.CalldataGas(new byte[100_000]));
    }

    /// <summary>
    /// A span channel is compressed again only when a bound says it may pass its target: it still takes the blocks an
    /// exact compression of the re-encoded span batch at every addition takes.
    /// </summary>
    [Theory]
    [InlineData(CompressionAlgorithm.Zlib, 900)]
    [InlineData(CompressionAlgorithm.Zlib, 2_000)]
    [InlineData(CompressionAlgorithm.Brotli, 700)]
    [InlineData(CompressionAlgorithm.Brotli, 3_000)]
    public void A_span_channel_takes_the_blocks_an_exact_check_of_every_addition_takes(CompressionAlgorithm compression, int target)
    {
        RollupConfig config = TestL2Chain.Config;
        List<L2Block> blocks = TestL2Chain.Build(80, transfersPerBlock: 4).Blocks.Skip(1).ToList();
        var channel = new ChannelBuilder(config, compression, BatchKind.Span, target, 0);
        int taken = blocks.TakeWhile(channel.TryAdd).Count();

        int expected = 1;
        while (expected < blocks.Count)
        {
            SpanBatch span = SpanBatch.FromSingularBatches([.. blocks.Take(expected + 1).Select(ChannelBuilder.BatchOf)], blocks[0].Ref.SequenceNumber);
            byte[] rlp = Hyperion.Core.Rlp.Rlp.EncodeBytes(span.Encode(config.GenesisL2Time, config.BlockTime, config.L2ChainId));
            if (ChannelCompression.Compress(rlp, compression).Length > target)
            {
                break;
            }

            expected++;
        }

        Assert.InRange(expected, 2, blocks.Count - 1);
        Assert.Equal(expected, taken);
    }

    [Fact]
    public void Brotli_before_Fjord_and_span_batches_before_Delta_are_refused()
    {
        RollupConfig early = TestL2Chain.Config with { FjordTime = null, DeltaTime = 10_000_000_000 };
        Assert.Throws<InvalidOperationException>(() => new ChannelBuilder(early, CompressionAlgorithm.Brotli, BatchKind.Singular, 1000, 0));
        var span = new ChannelBuilder(early, CompressionAlgorithm.Zlib, BatchKind.Span, 100_000, 0);
        Assert.Throws<InvalidOperationException>(() => span.TryAdd(TestL2Chain.Build(2).Blocks[1]));
    }
}
