using Hyperion.Core;
using Hyperion.Rollup.Config;
using Hyperion.Rollup.Derivation;

namespace Hyperion.Rollup.Tests;

public class BatchQueueTests
{
    private static readonly RollupConfig Config = TestConfig.Default with { FjordTime = null, MaxSequencerDrift = 600 };

    private static Hash256 H(int kind, ulong n) => new([(byte)kind, .. new byte[23], .. BitConverter.GetBytes(n)]);

    // L1 block n at time 1000 + 12·(n − 100).
    private static L1BlockRef L1(ulong n) => new(H(1, n), n, H(1, n - 1), 1000 + (12 * (n - 100)));

    private sealed class Chain : ISafeL2Chain
    {
        private readonly List<L2BlockRef> _blocks = [new(H(2, 10), 10, H(2, 9), 1000, L1(100).Id, 0)];

        public L2BlockRef Head => _blocks[^1];

        public void Apply(SingularBatch batch)
        {
            Assert.Equal(Head.Hash, batch.ParentHash);
            Assert.Equal(Head.Time + Config.BlockTime, batch.Timestamp);
            ulong seq = batch.EpochNumber == Head.L1Origin.Number ? Head.SequenceNumber + 1 : 0;
            _blocks.Add(new L2BlockRef(H(2, Head.Number + 1), Head.Number + 1, Head.Hash, batch.Timestamp, new BlockId(batch.EpochHash, batch.EpochNumber), seq));
        }

        public bool TryGetBlock(ulong number, out L2BlockRef block)
        {
            block = _blocks.FirstOrDefault(b => b.Number == number);
            return _blocks.Any(b => b.Number == number);
        }

        public bool TryGetTransactions(ulong number, out IReadOnlyList<ReadOnlyMemory<byte>> transactions)
        {
            transactions = [];
            return TryGetBlock(number, out _);
        }
    }

    [Fact]
    public void Singular_and_span_batches_are_handed_out_block_by_block()
    {
        var chain = new Chain();
        var queue = new BatchQueue(Config, chain);
        queue.Reset(L1(100));
        ReadOnlyMemory<byte> tx = new byte[] { 2, 0xc0 };

        var first = new SingularBatch(chain.Head.Hash, 100, L1(100).Hash, 1002, [tx]);
        (BatchQueueStatus status, SingularBatch? batch, bool last) = queue.Next(chain.Head, L1(100), first);
        Assert.Equal((BatchQueueStatus.Batch, true), (status, last));
        chain.Apply(batch!);

        // A span of two blocks: handed out one at a time, the parent hash set from the safe head each time.
        var span = new SpanBatch(chain.Head.Hash.Bytes[..20].ToArray(), L1(100).Hash.Bytes[..20].ToArray(), false,
            [new SpanBatchElement(1004, 100, []), new SpanBatchElement(1006, 100, [tx])]);
        (status, batch, last) = queue.Next(chain.Head, L1(100), span);
        Assert.Equal((BatchQueueStatus.Batch, false), (status, last));
        chain.Apply(batch!);
        (status, batch, last) = queue.Next(chain.Head, L1(100), null);
        Assert.Equal((BatchQueueStatus.Batch, true, 1), (status, last, batch!.Transactions.Count));
        chain.Apply(batch);
        Assert.Equal(BatchQueueStatus.EndOfData, queue.Next(chain.Head, L1(100), null).Status);
        Assert.Equal(0, queue.BufferedCount);
    }

    [Fact]
    public void Invalid_batches_are_dropped_and_future_ones_kept()
    {
        var chain = new Chain();
        var queue = new BatchQueue(Config, chain);
        queue.Reset(L1(100));
        var future = new SingularBatch(H(9, 9), 100, L1(100).Hash, 1004, []);
        var wrongParent = new SingularBatch(H(9, 9), 100, L1(100).Hash, 1002, []);
        Assert.Equal(BatchQueueStatus.NeedMoreData, queue.Next(chain.Head, L1(100), future).Status);
        Assert.Equal(BatchQueueStatus.NeedMoreData, queue.Next(chain.Head, L1(100), wrongParent).Status);
        Assert.Single(queue.Dropped);
        Assert.Equal(1, queue.BufferedCount);
    }

    [Fact]
    public void A_silent_sequencer_gets_deposit_only_blocks_once_the_window_expires()
    {
        var chain = new Chain();
        var queue = new BatchQueue(Config, chain);
        queue.Reset(L1(100));
        var produced = new List<SingularBatch>();
        for (ulong n = 100; n <= 112; n++)
        {
            // Drain what L1 block n allows, then move on.
            for (int guard = 0; guard < 50; guard++)
            {
                (BatchQueueStatus status, SingularBatch? batch, _) = queue.Next(chain.Head, L1(n), null);
                if (status != BatchQueueStatus.Batch)
                {
                    if (status == BatchQueueStatus.EndOfData)
                    {
                        break;
                    }

                    continue;
                }

                Assert.Empty(batch!.Transactions);
                chain.Apply(batch);
                produced.Add(batch);
            }
        }

        // Nothing before the window of epoch 100 expires at L1 block 110; then epoch 100 fills L2 times 1002..1010
        // (before L1 block 101 at 1012), epoch 101 starts at 1012, and so on as windows expire.
        Assert.True(produced.Count >= 6);
        Assert.Equal(Enumerable.Range(0, produced.Count).Select(i => 1002UL + (2 * (ulong)i)), produced.Select(b => b.Timestamp));
        Assert.All(produced.Take(5), b => Assert.Equal(100UL, b.EpochNumber));
        Assert.Equal(101UL, produced[5].EpochNumber);
        Assert.All(produced, b => Assert.True(b.Timestamp >= L1(b.EpochNumber).Time));
    }
}
