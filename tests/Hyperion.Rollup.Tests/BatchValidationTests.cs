using Hyperion.Core;
using Hyperion.Rollup.Config;
using Hyperion.Rollup.Derivation;

namespace Hyperion.Rollup.Tests;

public class BatchValidationTests
{
    private static readonly RollupConfig Config = TestConfig.Default with { FjordTime = null, MaxSequencerDrift = 600 };

    private static Hash256 H(int n) => new([(byte)n, .. new byte[30], (byte)n]);

    // L1 blocks 100.. at 12 s; the safe head is L2 block 10 at time 1000 in epoch 100 (L1 time 990).
    private static readonly L1BlockRef Epoch = new(H(100), 100, H(99), 990);
    private static readonly L1BlockRef NextEpoch = new(H(101), 101, H(100), 1002);
    private static readonly L2BlockRef SafeHead = new(H(200), 10, H(199), 1000, new BlockId(Epoch.Hash, 100), 0);
    private static readonly L1BlockRef Inclusion = new(H(105), 105, default, 1050);
    private static readonly ReadOnlyMemory<byte> Tx = new byte[] { 0x02, 0xc0 };

    private static SingularBatch Batch(ulong timestamp = 1002, ulong epoch = 100, Hash256? epochHash = null, Hash256? parent = null, params ReadOnlyMemory<byte>[] txs) =>
        new(parent ?? SafeHead.Hash, epoch, epochHash ?? (epoch == 100 ? Epoch.Hash : NextEpoch.Hash), timestamp, txs);

    private static BatchValidity Check(SingularBatch batch, L1BlockRef? inclusion = null, params L1BlockRef[] l1) =>
        BatchValidation.CheckSingular(Config, l1.Length == 0 ? [Epoch, NextEpoch] : l1, SafeHead, batch, inclusion ?? Inclusion).Validity;

    [Fact]
    public void Valid_batch_is_accepted() => Assert.Equal(BatchValidity.Accept, Check(Batch(txs: Tx)));

    [Fact]
    public void Timestamp_rules()
    {
        Assert.Equal(BatchValidity.Future, Check(Batch(timestamp: 1004)));
        Assert.Equal(BatchValidity.Drop, Check(Batch(timestamp: 1000)));
    }

    [Fact]
    public void Parent_hash_must_be_the_safe_head() => Assert.Equal(BatchValidity.Drop, Check(Batch(parent: H(1))));

    [Fact]
    public void Sequencing_window()
    {
        Assert.Equal(BatchValidity.Accept, Check(Batch(), new L1BlockRef(default, 110, default, 0)));
        Assert.Equal(BatchValidity.Drop, Check(Batch(), new L1BlockRef(default, 111, default, 0)));
    }

    [Fact]
    public void Epoch_rules()
    {
        Assert.Equal(BatchValidity.Drop, Check(Batch(epoch: 99, epochHash: H(99))));
        Assert.Equal(BatchValidity.Accept, Check(Batch(epoch: 101)));
        Assert.Equal(BatchValidity.Undecided, Check(Batch(epoch: 101), null, Epoch));
        Assert.Equal(BatchValidity.Drop, Check(Batch(epoch: 102, epochHash: H(102))));
        Assert.Equal(BatchValidity.Drop, Check(Batch(epochHash: H(7))));
    }

    [Fact]
    public void Timestamp_before_the_origin_is_dropped()
    {
        var lateEpoch = NextEpoch with { Time = 1003 };
        Assert.Equal(BatchValidity.Drop, BatchValidation.CheckSingular(Config, [Epoch, lateEpoch], SafeHead, Batch(epoch: 101), Inclusion).Validity);
    }

    [Fact]
    public void Sequencer_drift()
    {
        // Epoch 100 at L1 time 400: the drift limit is 1000, so the next L2 block at 1002 exceeds it.
        var oldEpoch = Epoch with { Time = 400 };
        var head = SafeHead;
        BatchValidity Drift(L1BlockRef next, params ReadOnlyMemory<byte>[] txs) =>
            BatchValidation.CheckSingular(Config, [oldEpoch, next], head, Batch(txs: txs), Inclusion).Validity;

        Assert.Equal(BatchValidity.Drop, Drift(NextEpoch with { Time = 2000 }, Tx));          // transactions past the drift
        Assert.Equal(BatchValidity.Accept, Drift(NextEpoch with { Time = 2000 }));            // empty, next origin still ahead
        Assert.Equal(BatchValidity.Drop, Drift(NextEpoch with { Time = 1001 }));              // empty, but could have advanced
        Assert.Equal(BatchValidity.Undecided, BatchValidation.CheckSingular(Config, [oldEpoch], head, Batch(), Inclusion).Validity);
    }

    [Fact]
    public void Fjord_uses_the_constant_drift()
    {
        var oldEpoch = Epoch with { Time = 400 }; // 1002 - 400 = 602 > 600 but < 1800
        RollupConfig fjord = Config with { FjordTime = 0 };
        Assert.Equal(BatchValidity.Accept, BatchValidation.CheckSingular(fjord, [oldEpoch, NextEpoch with { Time = 2000 }], SafeHead, Batch(txs: Tx), Inclusion).Validity);
    }

    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { 0x7e, 0xc0 })]
    [InlineData(new byte[] { 0x03, 0xc0 })]
    [InlineData(new byte[] { 0x04, 0xc0 })]
    public void Invalid_transactions_drop_the_batch(byte[] tx) =>
        Assert.Equal(BatchValidity.Drop, Check(Batch(txs: tx)));

    [Fact]
    public void Empty_batch_after_the_window_expires()
    {
        // Window expired (100 + 10 < 111): same epoch while the next L2 time is before the next origin.
        var (action, batch) = BatchValidation.DeriveEmptyBatch(Config, [Epoch, NextEpoch with { Time = 1010 }], SafeHead, 111, outOfData: false);
        Assert.Equal(EmptyBatchAction.UseEmptyBatch, action);
        Assert.Equal((100UL, 1002UL, SafeHead.Hash), (batch!.EpochNumber, batch.Timestamp, batch.ParentHash));
        Assert.Empty(batch.Transactions);

        // Next L2 time reaches the next origin: advance the epoch.
        Assert.Equal(EmptyBatchAction.AdvanceEpoch, BatchValidation.DeriveEmptyBatch(Config, [Epoch, NextEpoch], SafeHead, 111, false).Action);

        // After advancing, the first block of the new epoch always uses it.
        var (first, firstBatch) = BatchValidation.DeriveEmptyBatch(Config, [NextEpoch, new L1BlockRef(H(102), 102, H(101), 1004)], SafeHead, 112, false);
        Assert.Equal(EmptyBatchAction.UseEmptyBatch, first);
        Assert.Equal(101UL, firstBatch!.EpochNumber);

        // Window not expired, or only at the edge with data left: wait.
        Assert.Equal(EmptyBatchAction.NeedMoreData, BatchValidation.DeriveEmptyBatch(Config, [Epoch, NextEpoch], SafeHead, 109, true).Action);
        Assert.Equal(EmptyBatchAction.NeedMoreData, BatchValidation.DeriveEmptyBatch(Config, [Epoch, NextEpoch], SafeHead, 110, false).Action);
        Assert.Equal(EmptyBatchAction.AdvanceEpoch, BatchValidation.DeriveEmptyBatch(Config, [Epoch, NextEpoch], SafeHead, 110, true).Action);
        Assert.Equal(EmptyBatchAction.NeedMoreData, BatchValidation.DeriveEmptyBatch(Config, [Epoch], SafeHead, 120, true).Action);
    }

    private sealed class SafeChain(params (L2BlockRef Block, ReadOnlyMemory<byte>[] Txs)[] blocks) : ISafeL2Chain
    {
        public bool TryGetBlock(ulong number, out L2BlockRef block)
        {
            block = blocks.FirstOrDefault(b => b.Block.Number == number).Block;
            return blocks.Any(b => b.Block.Number == number);
        }

        public bool TryGetTransactions(ulong number, out IReadOnlyList<ReadOnlyMemory<byte>> transactions)
        {
            transactions = blocks.FirstOrDefault(b => b.Block.Number == number).Txs ?? [];
            return blocks.Any(b => b.Block.Number == number);
        }
    }

    private static SpanBatch Span(ulong firstTimestamp, Hash256 parent, params (ulong Epoch, ReadOnlyMemory<byte>[] Txs)[] blocks) =>
        new(parent.Bytes[..20].ToArray(), (blocks[^1].Epoch == 101 ? NextEpoch.Hash : Epoch.Hash).Bytes[..20].ToArray(), false,
            [.. blocks.Select((b, i) => new SpanBatchElement(firstTimestamp + (2 * (ulong)i), b.Epoch, b.Txs))]);

    private static BatchValidity CheckSpan(SpanBatch batch, ISafeL2Chain? chain = null) =>
        BatchValidation.CheckSpan(Config, [Epoch, NextEpoch], SafeHead, batch, Inclusion, chain ?? new SafeChain()).Validity;

    [Fact]
    public void Span_batch_rules()
    {
        Assert.Equal(BatchValidity.Accept, CheckSpan(Span(1002, SafeHead.Hash, (100, [Tx]), (101, []))));
        Assert.Equal(BatchValidity.Future, CheckSpan(Span(1004, SafeHead.Hash, (100, []))));
        Assert.Equal(BatchValidity.Drop, CheckSpan(Span(1002, H(3), (100, []))));                       // parent check
        Assert.Equal(BatchValidity.Drop, CheckSpan(Span(1002, SafeHead.Hash, (100, [new byte[] { 0x7e }])))); // deposit inside
        Assert.Equal(BatchValidity.Drop, CheckSpan(Span(1002, SafeHead.Hash, (99, []), (100, []))));     // epoch older than parent
        Assert.Equal(BatchValidity.Undecided, CheckSpan(Span(1002, SafeHead.Hash, (99, []))));      // end origin outside the window (op-node: undecided)
        var wrongOrigin = new SpanBatch(SafeHead.Hash.Bytes[..20].ToArray(), new byte[20], false, [new SpanBatchElement(1002, 100, [])]);
        Assert.Equal(BatchValidity.Drop, CheckSpan(wrongOrigin));
        Assert.Equal(BatchValidity.Drop, BatchValidation.CheckSpan(Config with { DeltaTime = null, EcotoneTime = null, FjordTime = null }, [Epoch, NextEpoch], SafeHead, Span(1002, SafeHead.Hash, (100, [])), Inclusion, new SafeChain()).Validity);
    }

    [Fact]
    public void Span_batch_overlapping_the_safe_chain_must_match_it()
    {
        var parent = new L2BlockRef(H(199), 9, H(198), 998, new BlockId(Epoch.Hash, 100), 0);
        ReadOnlyMemory<byte> deposit = new byte[] { 0x7e, 0x01 };
        var chain = new SafeChain((parent, []), (SafeHead, [deposit, Tx]));
        Assert.Equal(BatchValidity.Accept, CheckSpan(Span(1000, parent.Hash, (100, [Tx]), (100, [])), chain));
        Assert.Equal(BatchValidity.Drop, CheckSpan(Span(1000, parent.Hash, (100, []), (100, [])), chain));
        Assert.Equal(BatchValidity.Undecided, CheckSpan(Span(1000, parent.Hash, (100, [Tx]), (100, []))));
        Assert.Equal(BatchValidity.Drop, CheckSpan(Span(999, parent.Hash, (100, [Tx]), (100, [])), chain)); // misaligned
    }
}
