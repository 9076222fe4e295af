using System.Buffers.Binary;
using Hyperion.Chain;
using Hyperion.Core;
using Hyperion.Core.Transactions;
using Hyperion.Rollup.Config;
using Hyperion.Rollup.Derivation;
using Hyperion.Rollup.Node.L1;
using Hyperion.State;

namespace Hyperion.Rollup.Node.Tests;

public sealed class DerivationTests
{
    private static readonly Address Recipient = Address.Parse("0x00000000000000000000000000000000000000aa");
    private const ulong Ether = 1_000_000_000_000_000_000UL;

    [Theory]
    [InlineData(BatchMode.Calldata, false)]
    [InlineData(BatchMode.Calldata, true)]
    [InlineData(BatchMode.Blobs, false)]
    [InlineData(BatchMode.Blobs, true)]
    internal async Task A_verifier_derives_the_blocks_the_sequencer_built(BatchMode mode, bool span)
    {
        await using var net = new RollupTestNet();
        RollupNode sequencer = net.Start(sequencer: true);
        RollupNode verifier = net.Start(sequencer: false);
        ulong head = await SequenceWithDepositAndTransferAsync(net, sequencer);

        (List<Transaction> txs, List<byte[]> blobs) = net.Channel(RollupTestNet.Batches(sequencer, 1, head), mode, span, firstSequenceNumber: sequencer.Engine.RefAt(1)!.Value.SequenceNumber);
        await net.MineL1Async(null, txs, blobs: blobs);
        await RollupTestNet.DeriveAsync(verifier);

        Assert.Equal(head, verifier.Engine.Safe.Number);
        AssertSameChain(sequencer, verifier, head);
        Assert.Equal(new UInt256(5 * Ether + 1000), Balance(verifier, Recipient));

        // The sequencer derives its own batches: the safe head catches up without touching the unsafe chain.
        await RollupTestNet.DeriveAsync(sequencer);
        Assert.Equal(head, sequencer.Engine.Safe.Number);
        Assert.Equal(head, sequencer.Engine.Unsafe.Number);
        Assert.DoesNotContain(net.Log, m => m.Contains("reorganizing", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Garbage_wrong_senders_and_bad_compression_change_nothing()
    {
        await using var net = new RollupTestNet();
        RollupNode sequencer = net.Start(sequencer: true);
        RollupNode verifier = net.Start(sequencer: false);
        ulong head = await SequenceWithDepositAndTransferAsync(net, sequencer);
        List<SingularBatch> batches = RollupTestNet.Batches(sequencer, 1, head);

        Frame badCompression = new(new ChannelId(77), 0, new byte[] { 0x78, 0x9c, 1, 2, 3, 4, 5 }, IsLast: true);
        List<Transaction> hostile =
        [
            net.BatcherTransaction([0x00, 0x01, 0x02], []), // truncated frame
            net.BatcherTransaction([0x05, .. new byte[40]], []), // unknown derivation version
            net.BatcherTransaction(Frame.EncodeBatcherData([badCompression]), []),
            .. net.Channel(batches, BatchMode.Calldata, signer: RollupTestNet.Stranger).Transactions, // right data, wrong sender
        ];
        await net.MineL1Async(null, hostile);
        await RollupTestNet.DeriveAsync(verifier);
        Assert.Equal(0ul, verifier.Engine.Safe.Number);
        Assert.Contains(net.Log, m => m.Contains("batcher data dropped", StringComparison.Ordinal));
        Assert.Contains(net.Log, m => m.Contains("channel 0x", StringComparison.Ordinal) && m.Contains("stopped", StringComparison.Ordinal));

        await net.MineL1Async(null, net.Channel(batches, BatchMode.Calldata).Transactions);
        await RollupTestNet.DeriveAsync(verifier);
        Assert.Equal(head, verifier.Engine.Safe.Number);
        AssertSameChain(sequencer, verifier, head);
    }

    [Fact]
    public async Task A_batch_with_an_invalid_transaction_is_dropped_and_derivation_goes_on()
    {
        await using var net = new RollupTestNet();
        RollupNode sequencer = net.Start(sequencer: true);
        RollupNode verifier = net.Start(sequencer: false);
        ulong head = await SequenceWithDepositAndTransferAsync(net, sequencer);
        List<SingularBatch> good = RollupTestNet.Batches(sequencer, 1, head);

        // The first batch carries a transaction signed for another chain's nonce: the block cannot be built, the batch is dropped.
        SingularBatch first = good[0];
        SingularBatch forged = new(first.ParentHash, first.EpochNumber, first.EpochHash, first.Timestamp, [RollupTestNet.Transfer(7, Recipient, 1).Envelope]);
        await net.MineL1Async(null, net.Channel([forged], BatchMode.Calldata).Transactions);
        await RollupTestNet.DeriveAsync(verifier);
        Assert.Equal(0ul, verifier.Engine.Safe.Number);
        Assert.Contains(net.Log, m => m.Contains("dropping the batch", StringComparison.Ordinal));

        await net.MineL1Async(null, net.Channel(good, BatchMode.Calldata).Transactions);
        await RollupTestNet.DeriveAsync(verifier);
        AssertSameChain(sequencer, verifier, head);
    }

    [Fact]
    public async Task An_L1_reorg_that_drops_a_batch_rewinds_the_safe_head_and_derivation_recovers()
    {
        await using var net = new RollupTestNet();
        RollupNode sequencer = net.Start(sequencer: true);
        RollupNode verifier = net.Start(sequencer: false);
        ulong head = await SequenceWithDepositAndTransferAsync(net, sequencer);
        List<SingularBatch> batches = RollupTestNet.Batches(sequencer, 1, head);
        ulong beforeBatch = net.L1.Head.Number;
        await net.MineL1Async(null, net.Channel(batches, BatchMode.Calldata).Transactions);
        await RollupTestNet.DeriveAsync(verifier);
        Assert.Equal(head, verifier.Engine.Safe.Number);

        net.L1.Reorg(beforeBatch); // the block with the batch is gone
        await net.MineL1Async(null);
        await RollupTestNet.DeriveAsync(verifier);
        Assert.True(verifier.Engine.Safe.Number < head, $"safe head {verifier.Engine.Safe.Number} should have rewound below {head}");
        Assert.Contains(net.Log, m => m.Contains("L1 reorg", StringComparison.Ordinal));

        await net.MineL1Async(null, net.Channel(batches, BatchMode.Calldata).Transactions);
        await RollupTestNet.DeriveAsync(verifier);
        Assert.Equal(head, verifier.Engine.Safe.Number);
        AssertSameChain(sequencer, verifier, head);
    }

    [Fact]
    public async Task A_silent_sequencer_yields_deposit_only_blocks_once_the_sequencing_window_expires()
    {
        await using var net = new RollupTestNet(seqWindowSize: 4);
        RollupNode verifier = net.Start(sequencer: false);
        await net.MineL1Async(null, logs: [RollupTestNet.Deposit(Recipient, 3 * Ether)]);
        await RollupTestNet.DeriveAsync(verifier);
        Assert.Equal(0ul, verifier.Engine.Safe.Number); // within the window a batch may still come

        for (int i = 0; i < 6; i++)
        {
            await net.MineL1Async(null);
        }

        await RollupTestNet.DeriveAsync(verifier);
        ulong safe = verifier.Engine.Safe.Number;
        Assert.True(safe >= 4, $"safe head {safe}");
        ChainStore store = verifier.Node.Chain.Chain.Store;
        for (ulong n = 1; n <= safe; n++)
        {
            Assert.All(store.GetByNumber(n)!.Block.Transactions, t => Assert.Equal(TransactionType.Deposit, t.Type));
        }

        // The first block of epoch 1 carries the deposit.
        ulong firstOfEpoch1 = Enumerable.Range(1, (int)safe).Select(n => (ulong)n).First(n => verifier.Engine.RefAt(n)!.Value.L1Origin.Number == 1);
        Assert.Equal(2, store.GetByNumber(firstOfEpoch1)!.Block.Transactions.Length);
        Assert.Equal(new UInt256(3 * Ether), Balance(verifier, Recipient));
    }

    [Fact]
    public async Task A_SystemConfig_gas_limit_change_applies_from_the_first_block_of_its_L1_epoch()
    {
        await using var net = new RollupTestNet();
        RollupNode sequencer = net.Start(sequencer: true);
        RollupNode verifier = net.Start(sequencer: false);
        await net.MineL1Async(sequencer);
        byte[] gas = new byte[32];
        BinaryPrimitives.WriteUInt64BigEndian(gas.AsSpan(24), 40_000_000);
        var update = SystemConfig.EncodeUpdate(RollupTestNet.SystemConfigContract, SystemConfig.UpdateGasLimit, gas);
        ulong updateBlock = (await net.MineL1Async(sequencer, logs: [update])).Number;
        await net.MineL1Async(sequencer);
        ulong head = sequencer.Engine.Unsafe.Number;

        for (ulong n = 1; n <= head; n++)
        {
            L2BlockRef reference = sequencer.Engine.RefAt(n)!.Value;
            ulong expected = reference.L1Origin.Number >= updateBlock ? 40_000_000ul : 30_000_000ul;
            Assert.Equal(expected, sequencer.Node.Chain.Chain.Store.GetByNumber(n)!.Header.GasLimit);
        }

        await net.MineL1Async(null, net.Channel(RollupTestNet.Batches(sequencer, 1, head), BatchMode.Calldata).Transactions);
        await RollupTestNet.DeriveAsync(verifier);
        AssertSameChain(sequencer, verifier, head);
    }

    [Fact]
    public async Task A_restarted_node_keeps_its_heads_and_finalizes_from_L1_finality()
    {
        string directory = Directory.CreateTempSubdirectory("hyperion-rollup-").FullName;
        try
        {
            await using var net = new RollupTestNet();
            RollupNode sequencer = net.Start(sequencer: true);
            RollupNode verifier = net.Start(sequencer: false, directory);
            ulong head = await SequenceWithDepositAndTransferAsync(net, sequencer);
            L1BlockRef batchBlock = (await net.MineL1Async(null, net.Channel(RollupTestNet.Batches(sequencer, 1, head), BatchMode.Calldata).Transactions)).ToRef();
            await RollupTestNet.DeriveAsync(verifier);
            await net.MineL1Async(null);
            await RollupTestNet.DeriveAsync(verifier);

            verifier.Pipeline.OnL1Finalized(batchBlock with { Number = batchBlock.Number - 1 });
            Assert.Equal(0ul, verifier.Engine.Finalized.Number); // nothing was derived from data up to there
            verifier.Pipeline.OnL1Finalized(batchBlock);
            Assert.Equal(head, verifier.Engine.Finalized.Number);
            Engine.RollupHeads before = verifier.Engine.Heads;

            await net.StopAsync(verifier);
            RollupNode restarted = net.Start(sequencer: false, directory);
            Assert.Equal(before, restarted.Engine.Heads);
            await RollupTestNet.DeriveAsync(restarted);
            Assert.Equal(before, restarted.Engine.Heads);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task The_driver_retries_when_L1_cannot_be_read()
    {
        await using var net = new RollupTestNet();
        RollupNode sequencer = net.Start(sequencer: true);
        RollupNode verifier = net.Start(sequencer: false);
        ulong head = await SequenceWithDepositAndTransferAsync(net, sequencer);
        await net.MineL1Async(null, net.Channel(RollupTestNet.Batches(sequencer, 1, head), BatchMode.Calldata).Transactions);
        net.L1.FailingReads = 3;
        verifier.Run();
        for (int i = 0; i < 200 && verifier.Engine.Safe.Number < head; i++)
        {
            await Task.Delay(100);
        }

        Assert.Equal(head, verifier.Engine.Safe.Number);
        Assert.Contains(net.Log, m => m.Contains("injected L1 read failure", StringComparison.Ordinal));
    }

    /// <summary>L1 blocks 1-3 (a deposit in 1) and the sequencer's blocks over them, with one transfer; returns the L2 head.</summary>
    private static async Task<ulong> SequenceWithDepositAndTransferAsync(RollupTestNet net, RollupNode sequencer)
    {
        await net.MineL1Async(sequencer, logs: [RollupTestNet.Deposit(Recipient, 5 * Ether)]);
        Assert.Null(sequencer.Node.Chain.Pool.Add(RollupTestNet.Transfer(0, Recipient, 1000)));
        await net.MineL1Async(sequencer);
        await net.MineL1Async(sequencer);
        Assert.Equal(new UInt256(5 * Ether + 1000), Balance(sequencer, Recipient));
        return sequencer.Engine.Unsafe.Number;
    }

    private static void AssertSameChain(RollupNode expected, RollupNode actual, ulong head)
    {
        for (ulong n = 0; n <= head; n++)
        {
            Assert.Equal(expected.Node.Chain.Chain.Store.GetByNumber(n)!.Hash, actual.Node.Chain.Chain.Store.GetByNumber(n)?.Hash);
        }
    }

    private static UInt256 Balance(RollupNode node, Address address) =>
        node.Node.Chain.Chain.LatestState.TryGetAccount(address, out Account account) ? account.Balance : UInt256.Zero;
}
