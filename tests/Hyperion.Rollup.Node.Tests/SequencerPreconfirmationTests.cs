using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Hyperion.Chain;
using Hyperion.Core;
using Hyperion.Core.Blocks;
using Hyperion.Core.Transactions;
using Hyperion.Rollup.Derivation;
using Hyperion.Rollup.Node.L1;
using Hyperion.Rpc;

namespace Hyperion.Rollup.Node.Tests;

/// <summary>
/// The rollup sequencer's preconfirmations: the block is opened from its attributes (the L1 info deposit and the
/// epoch's deposits first), pool transactions are executed and published as they arrive, and the sealed block has
/// exactly those transactions with the same receipts, which a verifier derives from L1 unchanged.
/// </summary>
public sealed class SequencerPreconfirmationTests
{
    private static readonly Address Recipient = Address.Parse("0x00000000000000000000000000000000000000bb");
    private const ulong Ether = 1_000_000_000_000_000_000UL;

    [Fact]
    public async Task Preconfirmed_receipts_are_the_sealed_blocks_deposits_first_and_a_verifier_derives_the_same_block()
    {
        await using var net = new RollupTestNet();
        RollupNode sequencer = net.Start(sequencer: true);
        RollupNode verifier = net.Start(sequencer: false);
        IPreconfirmations preconfirmations = sequencer.Node.Chain.Producer.Preconfirmations!;
        var subBlocks = new List<PreconfirmedBlock>();
        preconfirmations.Preconfirmed += subBlocks.Add;

        // L1 block 1 carries a deposit: the first L2 block of its epoch starts with the L1 info deposit and that deposit.
        BlockHeader l1 = net.L1.Mine(null, [RollupTestNet.Deposit(Recipient, Ether)], null);
        while (sequencer.Engine.Unsafe.Time + net.Config.BlockTime < l1.Timestamp)
        {
            await RollupTestNet.SequenceAsync(sequencer, 1);
        }

        L2BlockRef head = sequencer.Engine.Unsafe;
        Assert.Null(await sequencer.Sequencer!.OpenNextAsync(head, CancellationToken.None));
        PreconfirmedBlock opened = Assert.Single(subBlocks, s => s.Draft.Number == head.Number + 1);
        Assert.Equal(0, opened.Index);
        Assert.Equal(2, opened.Transactions.Count);
        Assert.All(opened.Transactions, t => Assert.Equal(TransactionType.Deposit, t.Transaction.Type));

        // Transactions arriving while the block is open are executed and served at once, before it seals.
        for (ulong nonce = 0; nonce < 3; nonce++)
        {
            Assert.Null(sequencer.Node.Chain.Pool.Add(RollupTestNet.Transfer(nonce, Recipient, 1000 + nonce)));
            sequencer.Engine.PreconfirmPending();
        }

        PreconfirmedBlock last = preconfirmations.Current!;
        Assert.Equal(3, last.Index);
        Assert.Equal(5, last.Transactions.Count);
        Assert.Equal(4, last.FirstNew);
        Assert.Equal(head.Number, sequencer.Node.Chain.Chain.Store.Head.Number); // not sealed yet
        Assert.True(last.TryFind(last.Transactions[4].Transaction.Hash, out int found));
        Assert.Equal(4, found);

        StoredBlock sealedBlock = sequencer.Engine.SealUnsafe(head, out string? failure)!;
        Assert.Null(failure);
        Assert.Null(preconfirmations.Current);
        Assert.Equal(last.Transactions.Select(t => t.Transaction.Hash), sealedBlock.Block.Transactions.Select(t => t.Hash));
        Assert.Equal(last.Transactions.Select(t => t.Receipt.EncodeEnvelope()), sealedBlock.Receipts.Select(r => r.EncodeEnvelope()));
        Assert.Equal(last.Block.Header.ReceiptsRoot, sealedBlock.Header.ReceiptsRoot);
        Assert.Equal(last.Block.Header.TransactionsRoot, sealedBlock.Header.TransactionsRoot);

        // The batcher posts the sequencer's blocks; the verifier derives the same chain.
        ulong last2 = sequencer.Engine.Unsafe.Number;
        (List<Transaction> txs, List<byte[]> blobs) = net.Channel(RollupTestNet.Batches(sequencer, 1, last2), BatchMode.Calldata, firstSequenceNumber: sequencer.Engine.RefAt(1)!.Value.SequenceNumber);
        await net.MineL1Async(null, txs, blobs: blobs);
        await RollupTestNet.DeriveAsync(verifier);
        Assert.Equal(last2, verifier.Engine.Safe.Number);
        StoredBlock derived = verifier.Node.Chain.Chain.Store.GetByNumber(sealedBlock.Number)!;
        Assert.Equal(sealedBlock.Hash, derived.Hash);
        Assert.Equal(sealedBlock.Receipts.Select(r => r.EncodeEnvelope()), derived.Receipts.Select(r => r.EncodeEnvelope()));
    }

    [Fact]
    public async Task A_transaction_that_does_not_fit_the_gas_left_is_preconfirmed_in_the_next_block()
    {
        await using var net = new RollupTestNet();
        RollupNode sequencer = net.Start(sequencer: true);
        RollupNode verifier = net.Start(sequencer: false);
        IPreconfirmations preconfirmations = sequencer.Node.Chain.Producer.Preconfirmations!;
        await RollupTestNet.SequenceAsync(sequencer, 1);

        L2BlockRef head = sequencer.Engine.Unsafe;
        Assert.Null(await sequencer.Sequencer!.OpenNextAsync(head, CancellationToken.None));
        // The first uses about 181,000 gas (10,000 bytes of calldata); the second asks for all but 150,000 of the block's
        // gas: it does not fit after the L1 info deposit and the first, and fits a block with only its deposit.
        Transaction first = Sign(0, 200_000, Enumerable.Repeat((byte)0xff, 10_000).ToArray());
        Transaction second = Sign(1, net.Config.GenesisSystemConfig.GasLimit - 150_000, []);
        Assert.Null(sequencer.Node.Chain.Pool.Add(first));
        Assert.Null(sequencer.Node.Chain.Pool.Add(second));
        sequencer.Engine.PreconfirmPending();
        Assert.Equal([TransactionType.Deposit, TransactionType.DynamicFee], preconfirmations.Current!.Transactions.Select(t => t.Transaction.Type));
        Assert.Equal(first.Hash, preconfirmations.Current.Transactions[1].Transaction.Hash);
        Assert.False(preconfirmations.Current.TryFind(second.Hash, out _));

        StoredBlock block = sequencer.Engine.SealUnsafe(head, out string? failure)!;
        Assert.Null(failure);
        Assert.Equal(2, block.Block.Transactions.Length);

        // The next block opens with its deposit and takes the one left over.
        L2BlockRef next = sequencer.Engine.Unsafe;
        Assert.Null(await sequencer.Sequencer.OpenNextAsync(next, CancellationToken.None));
        PreconfirmedBlock preconfirmed = preconfirmations.Current!;
        Assert.Equal(block.Number + 1, preconfirmed.Draft.Number);
        Assert.Equal(TransactionType.Deposit, preconfirmed.Transactions[0].Transaction.Type);
        Assert.Equal(second.Hash, preconfirmed.Transactions[1].Transaction.Hash);
        StoredBlock nextBlock = sequencer.Engine.SealUnsafe(next, out failure)!;
        Assert.Null(failure);
        Assert.Equal(preconfirmed.Transactions.Select(t => t.Receipt.EncodeEnvelope()), nextBlock.Receipts.Select(r => r.EncodeEnvelope()));

        ulong last = sequencer.Engine.Unsafe.Number;
        await net.MineL1Async(null, net.Channel(RollupTestNet.Batches(sequencer, 1, last), BatchMode.Calldata).Transactions);
        await RollupTestNet.DeriveAsync(verifier);
        Assert.Equal(last, verifier.Engine.Safe.Number);
        Assert.Equal(nextBlock.Hash, verifier.Node.Chain.Chain.Store.GetByNumber(nextBlock.Number)!.Hash);
    }

    [Fact]
    public async Task A_block_opened_before_another_block_landed_on_its_parent_is_withdrawn_and_not_sealed()
    {
        await using var net = new RollupTestNet();
        RollupNode sequencer = net.Start(sequencer: true);
        IPreconfirmations preconfirmations = sequencer.Node.Chain.Producer.Preconfirmations!;
        L2BlockRef head = sequencer.Engine.Unsafe;
        Assert.Null(await sequencer.Sequencer!.OpenNextAsync(head, CancellationToken.None));
        Assert.NotNull(preconfirmations.Current);

        // Another block lands on the head meanwhile (here: the sequencer builds one at once).
        await RollupTestNet.SequenceAsync(sequencer, 1);
        Assert.Null(sequencer.Engine.SealUnsafe(head, out string? failure));
        Assert.Contains("no block is open", failure, StringComparison.Ordinal);
        Assert.Equal(head.Number + 1, sequencer.Engine.Unsafe.Number);
    }

    [Fact]
    public async Task While_a_block_is_open_it_is_latest_a_send_answers_once_preconfirmed_and_reads_see_it()
    {
        await using var net = new RollupTestNet();
        RollupNode sequencer = net.Start(sequencer: true);
        await RollupTestNet.SequenceAsync(sequencer, 1);
        L2BlockRef head = sequencer.Engine.Unsafe;
        string user = RollupTestNet.User.Address.ToString();
        string recipient = Recipient.ToString();
        Assert.Null(await sequencer.Sequencer!.OpenNextAsync(head, CancellationToken.None));

        // The send answers once its transaction is preconfirmed: the receipt is there at once, in the open block.
        Transaction tx = RollupTestNet.Transfer(0, Recipient, 1234);
        Assert.Equal(tx.Hash.ToString(), (await CallAsync(sequencer, "eth_sendRawTransaction", Json(Hex.Encode(tx.Envelope.Span))))!.GetValue<string>());
        JsonNode receipt = (await CallAsync(sequencer, "eth_getTransactionReceipt", Json(tx.Hash.ToString())))!;
        string open = Quantity(head.Number + 1);
        Assert.Equal(open, receipt["blockNumber"]!.GetValue<string>());
        Assert.Equal(head.Number, sequencer.Node.Chain.Chain.Store.Head.Number); // not sealed

        // The open block is the head: eth_blockNumber, latest, pending and its number name it (a receipt has one
        // confirmation); reads at those tags see the transaction, reads at the sealed head do not.
        Assert.Equal(open, (await CallAsync(sequencer, "eth_blockNumber"))!.GetValue<string>());
        foreach (string tag in new[] { "\"latest\"", "\"pending\"", Json(open) })
        {
            JsonNode block = (await CallAsync(sequencer, "eth_getBlockByNumber", tag, "false"))!;
            Assert.Equal(open, block["number"]!.GetValue<string>());
            Assert.Contains(tx.Hash.ToString(), block["transactions"]!.AsArray().Select(t => t!.GetValue<string>()));
            Assert.Equal(receipt["blockHash"]!.GetValue<string>(), block["hash"]!.GetValue<string>());
            Assert.Equal(Hash256.Zero.ToString(), block["stateRoot"]!.GetValue<string>()); // provisional until it seals
            Assert.Equal("0x4d2", (await CallAsync(sequencer, "eth_getBalance", Json(recipient), tag))!.GetValue<string>());
            Assert.Equal("0x1", (await CallAsync(sequencer, "eth_getTransactionCount", Json(user), tag))!.GetValue<string>());
        }

        Assert.Equal("0x0", (await CallAsync(sequencer, "eth_getBalance", Json(recipient), Json(Quantity(head.Number))))!.GetValue<string>());
        Assert.Equal("0x0", (await CallAsync(sequencer, "eth_getTransactionCount", Json(user), Json(Quantity(head.Number))))!.GetValue<string>());
        Assert.Equal(open, (await CallAsync(sequencer, "eth_getBlockByHash", Json(receipt["blockHash"]!.GetValue<string>()), "false"))!["number"]!.GetValue<string>());
        Assert.Equal("0x5208", (await CallAsync(sequencer, "eth_estimateGas", $"{{\"from\":\"{user}\",\"to\":\"{recipient}\",\"value\":\"0x1\"}}", "\"pending\""))!.GetValue<string>());

        // Sealed: the same number, now with the canonical hash; the receipt is the same but for the block hash.
        StoredBlock sealedBlock = sequencer.Engine.SealUnsafe(head, out string? failure)!;
        Assert.Null(failure);
        Assert.Equal(open, (await CallAsync(sequencer, "eth_blockNumber"))!.GetValue<string>());
        JsonNode sealedReceipt = (await CallAsync(sequencer, "eth_getTransactionReceipt", Json(tx.Hash.ToString())))!;
        Assert.Equal(sealedBlock.Hash.ToString(), sealedReceipt["blockHash"]!.GetValue<string>());
        foreach (string field in new[] { "blockNumber", "transactionIndex", "status", "gasUsed", "cumulativeGasUsed", "effectiveGasPrice" })
        {
            Assert.Equal(receipt[field]!.GetValue<string>(), sealedReceipt[field]!.GetValue<string>());
        }

        // With no block open, a send waits for the next one to open and preconfirm it.
        Transaction next = RollupTestNet.Transfer(1, Recipient, 1);
        Task<JsonNode?> send = CallAsync(sequencer, "eth_sendRawTransaction", Json(Hex.Encode(next.Envelope.Span)));
        await Task.Delay(50);
        Assert.False(send.IsCompleted, "the send answers once its transaction is preconfirmed");
        Assert.Null(await sequencer.Sequencer.OpenNextAsync(sequencer.Engine.Unsafe, CancellationToken.None));
        await send.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(Quantity(head.Number + 2), (await CallAsync(sequencer, "eth_getTransactionReceipt", Json(next.Hash.ToString())))!["blockNumber"]!.GetValue<string>());
        Assert.Equal("0x2", (await CallAsync(sequencer, "eth_getTransactionCount", Json(user), "\"latest\""))!.GetValue<string>());
    }

    [Fact]
    public async Task The_next_L1_origin_is_chosen_while_the_block_before_it_is_open_so_it_opens_after_the_seal_without_reading_L1()
    {
        await using var net = new RollupTestNet();
        RollupNode sequencer = net.Start(sequencer: true);
        RollupNode verifier = net.Start(sequencer: false);
        IPreconfirmations preconfirmations = sequencer.Node.Chain.Producer.Preconfirmations!;

        // L1 block 1 (with a deposit) is due as the origin of the block after the open one.
        BlockHeader l1 = net.L1.Mine(null, [RollupTestNet.Deposit(Recipient, Ether)], null);
        while (sequencer.Engine.Unsafe.Time + (2 * net.Config.BlockTime) < l1.Timestamp)
        {
            await RollupTestNet.SequenceAsync(sequencer, 1);
        }

        L2BlockRef head = sequencer.Engine.Unsafe;
        Assert.Null(await sequencer.Sequencer!.OpenNextAsync(head, CancellationToken.None));
        ulong openTime = head.Time + net.Config.BlockTime;
        Assert.True(openTime < l1.Timestamp); // the open block keeps its parent's origin
        await sequencer.Sequencer.PrepareNext(head.L1Origin, openTime, CancellationToken.None);
        Assert.Null(sequencer.Node.Chain.Pool.Add(RollupTestNet.Transfer(0, Recipient, 1000)));
        sequencer.Engine.PreconfirmPending();
        Assert.NotNull(sequencer.Engine.SealUnsafe(head, out string? failure));
        Assert.Null(failure);
        L2BlockRef sealedHead = sequencer.Engine.Unsafe;
        Assert.Equal(head.L1Origin, sealedHead.L1Origin);

        // L1 cannot be read now: the next block opens all the same, on the prepared origin, its deposits first.
        int reads = net.L1.Reads;
        net.L1.FailingReads = 1_000;
        Assert.Null(await sequencer.Sequencer.OpenNextAsync(sealedHead, CancellationToken.None));
        Assert.Equal(reads, net.L1.Reads);
        PreconfirmedBlock opened = preconfirmations.Current!;
        Assert.Equal(2, opened.Transactions.Count);
        Assert.All(opened.Transactions, t => Assert.Equal(TransactionType.Deposit, t.Transaction.Type));
        Assert.Null(sequencer.Node.Chain.Pool.Add(RollupTestNet.Transfer(1, Recipient, 1001)));
        sequencer.Engine.PreconfirmPending();
        Assert.Equal(3, preconfirmations.Current!.Transactions.Count);
        Assert.NotNull(sequencer.Engine.SealUnsafe(sealedHead, out failure));
        L2BlockRef epochStart = sequencer.Engine.Unsafe;
        Assert.Equal(new BlockId(l1.Hash, l1.Number), epochStart.L1Origin);

        // A choice prepared for another parent is not taken: the block after it reads L1 (which fails here).
        net.L1.FailingReads = 0;
        await sequencer.Sequencer.PrepareNext(epochStart.L1Origin, epochStart.Time + 1, CancellationToken.None);
        net.L1.FailingReads = 1_000;
        await Assert.ThrowsAsync<L1SourceException>(() => sequencer.Sequencer.OpenNextAsync(epochStart, CancellationToken.None));
        net.L1.FailingReads = 0;

        // The batcher posts the sequencer's blocks; the verifier derives the same chain.
        ulong last = epochStart.Number;
        (List<Transaction> txs, List<byte[]> blobs) = net.Channel(RollupTestNet.Batches(sequencer, 1, last), BatchMode.Calldata, firstSequenceNumber: sequencer.Engine.RefAt(1)!.Value.SequenceNumber);
        await net.MineL1Async(null, txs, blobs: blobs);
        await RollupTestNet.DeriveAsync(verifier);
        Assert.Equal(last, verifier.Engine.Safe.Number);
        Assert.Equal(epochStart.Hash, verifier.Node.Chain.Chain.Store.GetByNumber(last)!.Hash);
    }

    [Fact]
    public async Task A_verifier_preconfirms_nothing()
    {
        await using var net = new RollupTestNet();
        RollupNode verifier = net.Start(sequencer: false);
        Assert.Null(verifier.Node.Chain.Producer.Preconfirmations);
    }

    private static Transaction Sign(ulong nonce, ulong gas, byte[] data) => RollupTestNet.L2Transaction(RollupTestNet.User, nonce, Recipient, 1, data, gas);

    private static string Quantity(ulong value) => "0x" + value.ToString("x", CultureInfo.InvariantCulture);

    private static string Json(string value) => "\"" + value + "\"";

    private static async Task<JsonNode?> CallAsync(RollupNode node, string method, params string[] parameters)
    {
        Assert.True(node.Node.Methods.TryGet(method, out RpcHandler handler), method);
        using JsonDocument document = JsonDocument.Parse("[" + string.Join(",", parameters) + "]");
        return await handler(new RpcParams(document.RootElement), CancellationToken.None);
    }
}
