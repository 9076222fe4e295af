using System.Collections.Concurrent;
using Hyperion.Core;
using Hyperion.Core.Transactions;
using Hyperion.Execution.Blocks;
using Hyperion.State;
using Hyperion.State.World;

namespace Hyperion.Chain.Tests;

/// <summary>
/// The sequencer at an interval executes transactions as they arrive on its open block and closes the block with
/// exactly those: a preconfirmed receipt is the canonical one.
/// </summary>
public sealed class PreconfirmationTests
{
    private static readonly Address Bob = TestChain.Accounts[1].Address;

    /// <summary>Init code that stores 42 in slot 0, emits an empty LOG0 and deploys nothing.</summary>
    private static readonly byte[] StoreAndLog = [0x60, 0x2a, 0x60, 0x00, 0x55, 0x60, 0x00, 0x60, 0x00, 0xa0, 0x00];

    /// <summary>Init code that reverts at once.</summary>
    private static readonly byte[] Revert = [0x60, 0x00, 0x60, 0x00, 0xfd];

    [Fact]
    public void Preconfirmed_receipts_are_the_closed_blocks_receipts_in_the_same_order()
    {
        using LocalChain chain = Start(gasLimit: 250_000);
        IPreconfirmations preconfirmations = chain.Producer.Preconfirmations!;
        var subBlocks = new ConcurrentQueue<PreconfirmedBlock>();
        preconfirmations.Preconfirmed += subBlocks.Enqueue;
        Transaction transfer = TestChain.Transfer(0, Bob, 5, nonce: 0);
        Transaction reverting = Create(0, nonce: 1, Revert, gas: 60_000);
        Transaction withLog = Create(2, nonce: 0, StoreAndLog, gas: 100_000);
        Transaction tooBig = Create(1, nonce: 0, StoreAndLog, gas: 120_000); // more than the ~100,000 gas the block has left
        foreach (Transaction tx in new[] { transfer, reverting, withLog, tooBig })
        {
            Assert.Null(chain.Pool.Add(tx));
            if (tx != tooBig)
            {
                WaitForPreconfirmation(chain, tx.Hash);
            }
        }

        Transaction last = TestChain.Transfer(2, Bob, 7, nonce: 1);
        Assert.Null(chain.Pool.Add(last));
        PreconfirmedBlock pending = WaitForPreconfirmation(chain, last.Hash);
        Assert.False(pending.TryFind(tooBig.Hash, out _));
        Assert.Equal([transfer.Hash, reverting.Hash, withLog.Hash, last.Hash], pending.Transactions.Select(t => t.Transaction.Hash));
        Assert.False(pending.Transactions[1].Receipt.Success);
        Assert.Single(pending.Transactions[2].Receipt.Logs);
        Assert.Equal(0UL, chain.Chain.Store.Head.Number); // nothing is canonical yet

        StoredBlock block = chain.Dev.Mine();
        Assert.Equal(pending.Transactions.Select(t => t.Transaction.Hash), block.Block.Transactions.Select(t => t.Hash));
        Assert.Equal(pending.Transactions.Select(t => t.Receipt.EncodeEnvelope()), block.Receipts.Select(r => r.EncodeEnvelope()));
        Assert.Equal(pending.Block.Header.ReceiptsRoot, block.Header.ReceiptsRoot);
        Assert.Equal(pending.Block.Header.TransactionsRoot, block.Header.TransactionsRoot);
        Assert.Equal(pending.Block.Header.LogsBloom, block.Header.LogsBloom);
        Assert.Equal(pending.GasUsed, block.Header.GasUsed);
        Assert.NotEqual(1UL, preconfirmations.Current?.Draft.Number); // block 1's preconfirmations are gone (block 2's may have begun)

        // Sub-blocks came in order, each adding to the one before.
        PreconfirmedBlock[] published = [.. subBlocks.Where(b => b.Draft.Number == 1)];
        Assert.Equal(Enumerable.Range(0, published.Length), published.Select(b => b.Index));
        for (int i = 0; i < published.Length; i++)
        {
            Assert.Equal(1UL, published[i].Draft.Number);
            Assert.Equal(i == 0 ? 0 : published[i - 1].Transactions.Count, published[i].FirstNew);
            Assert.True(published[i].Transactions.Count > published[i].FirstNew);
        }

        // The transaction that did not fit is preconfirmed on the next block, and closes with it.
        PreconfirmedBlock next = WaitForPreconfirmation(chain, tooBig.Hash);
        Assert.Equal(2UL, next.Draft.Number);
        Assert.Equal(0, next.Index);
        StoredBlock second = chain.Dev.Mine();
        Assert.Equal([tooBig.Hash], second.Block.Transactions.Select(t => t.Hash));
        Assert.Equal(next.Transactions[0].Receipt.EncodeEnvelope(), second.Receipts[0].EncodeEnvelope());
    }

    [Fact]
    public void The_pending_state_has_the_preconfirmed_transactions_and_latest_does_not()
    {
        using LocalChain chain = Start();
        IPreconfirmations preconfirmations = chain.Producer.Preconfirmations!;
        UInt256 before = Balance(chain.Chain.LatestState, Bob);
        Assert.Null(preconfirmations.PendingState());

        Transaction tx = TestChain.Transfer(0, Bob, 1000, nonce: 0);
        Assert.Null(chain.Pool.Add(tx));
        WaitForPreconfirmation(chain, tx.Hash);
        IStateReader pending = preconfirmations.PendingState()!;
        Assert.Equal(before + 1000, Balance(pending, Bob));
        Assert.True(pending.TryGetAccount(TestChain.Accounts[0].Address, out Account alice));
        Assert.Equal(1UL, alice.Nonce);
        Assert.Equal(before, Balance(chain.Chain.LatestState, Bob));

        chain.Dev.Mine();
        Assert.Null(preconfirmations.PendingState());
        Assert.Equal(before + 1000, Balance(chain.Chain.LatestState, Bob));
    }

    [Fact]
    public void Without_preconfirmation_nothing_executes_before_the_block()
    {
        using LocalChain chain = LocalChain.Start(TestChain.Genesis(), new ChainOptions { Sequencer = new() { BlockTime = TimeSpan.FromHours(1), Preconfirm = false } });
        Assert.Null(chain.Producer.Preconfirmations);
        Transaction tx = TestChain.Transfer(0, Bob, 1, nonce: 0);
        Assert.Null(chain.Pool.Add(tx));
        Thread.Sleep(50);
        Assert.Equal([tx.Hash], chain.Dev.Mine().Block.Transactions.Select(t => t.Hash));
    }

    [Fact]
    public void A_state_edit_under_the_open_block_builds_it_again_on_the_edited_state()
    {
        using LocalChain chain = Start();
        Transaction tx = TestChain.Transfer(0, Bob, 1, nonce: 0);
        Assert.Null(chain.Pool.Add(tx));
        WaitForPreconfirmation(chain, tx.Hash);
        chain.Dev.EditState(new StateEdit(Bob) { Balance = 12345 });
        StoredBlock block = chain.Dev.Mine();
        Assert.Equal([tx.Hash], block.Block.Transactions.Select(t => t.Hash));
        Assert.Equal(new UInt256(12346), Balance(chain.Chain.LatestState, Bob));
    }

    [Fact]
    public void A_rewind_withdraws_the_preconfirmations_at_once()
    {
        using LocalChain chain = Start();
        ulong snapshot = chain.Dev.Snapshot();
        chain.Dev.Mine();
        Transaction tx = TestChain.Transfer(0, Bob, 1, nonce: 0);
        Assert.Null(chain.Pool.Add(tx));
        WaitForPreconfirmation(chain, tx.Hash);
        Assert.True(chain.Dev.Revert(snapshot));
        Assert.Null(chain.Producer.Preconfirmations!.Current);
        Assert.Null(chain.Producer.Preconfirmations.PendingState());
    }

    /// <summary>
    /// Random transfers (three senders sending to each other with dependent nonces, some spending more than they will
    /// have, some with gas limits that leave the block full) arriving while the sequencer preconfirms, in rounds that
    /// vary: the closed block is the block the executor builds from the same transactions at once.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    public void A_block_closed_from_preconfirmations_equals_the_block_built_at_once(int seed)
    {
        var random = new Random(seed);
        Genesis genesis = TestChain.Genesis();
        using LocalChain chain = LocalChain.Start(genesis, new ChainOptions { Sequencer = new() { BlockTime = TimeSpan.FromHours(1) } });
        chain.Dev.BlockSettings!.GasLimit = 21_000 * 12;
        var nonces = new ulong[TestChain.Accounts.Count];
        var sent = new List<(Transaction Transaction, Address Sender)>();
        for (int i = 0; i < 30; i++)
        {
            int from = random.Next(nonces.Length);
            Address to = TestChain.Accounts[random.Next(nonces.Length)].Address;
            UInt256 value = random.Next(4) == 0 ? TestChain.Ether * (ulong)random.Next(30, 70) : new UInt256((ulong)random.Next(1, 1_000_000));
            Transaction tx = TestChain.Transfer(from, to, value, nonces[from], gas: random.Next(5) == 0 ? 60_000UL : 21_000UL);
            if (chain.Pool.Add(tx) is null)
            {
                sent.Add((tx, TestChain.Accounts[from].Address));
                nonces[from]++;
            }

            if (random.Next(3) == 0)
            {
                Thread.Sleep(random.Next(3));
            }
        }

        StoredBlock block = chain.Dev.Mine();
        var executor = new BlockExecutor(genesis.Spec);
        InMemoryStateReader state = genesis.BuildState();
        BlockExecution atOnce = executor.Execute(new BlockInput(block.Header, sent) { BlockHashes = chain.Chain.Store }, state, BlockExecutionMode.Build);
        Assert.Equal(atOnce.Transactions.Select(t => t.Transaction.Hash), block.Block.Transactions.Select(t => t.Hash));
        Assert.Equal(atOnce.Transactions.Select(t => t.Receipt.EncodeEnvelope()), block.Receipts.Select(r => r.EncodeEnvelope()));
        Assert.Equal(atOnce.GasUsed, block.Header.GasUsed);
        Assert.Equal(atOnce.ReceiptsRoot, block.Header.ReceiptsRoot);
        state.Apply(atOnce.Changes);
        Assert.Equal(state.ComputeStateRoot(), block.Header.StateRoot);
        Assert.True(block.Block.Transactions.Length < sent.Count, "the block gas limit left some out"); // the case is exercised
    }

    private static LocalChain Start(ulong? gasLimit = null)
    {
        LocalChain chain = LocalChain.Start(TestChain.Genesis(), new ChainOptions { Sequencer = new() { BlockTime = TimeSpan.FromHours(1) } });
        if (gasLimit is ulong limit)
        {
            chain.Dev.BlockSettings!.GasLimit = limit;
        }

        return chain;
    }

    private static Transaction Create(int from, ulong nonce, byte[] initCode, ulong gas) => TestChain.Sign(new Transaction
    {
        Type = TransactionType.DynamicFee,
        ChainId = TestChain.ChainId,
        Nonce = nonce,
        MaxFeePerGas = 10_000_000_000UL,
        MaxPriorityFeePerGas = 1_000_000_000UL,
        GasLimit = gas,
        Data = initCode,
    }, from);

    private static UInt256 Balance(IStateReader state, Address address) => state.TryGetAccount(address, out Account account) ? account.Balance : UInt256.Zero;

    private static PreconfirmedBlock WaitForPreconfirmation(LocalChain chain, Hash256 hash)
    {
        for (int i = 0; i < 2000; i++)
        {
            if (chain.Producer.Preconfirmations!.Current is { } current && current.TryFind(hash, out _))
            {
                return current;
            }

            Thread.Sleep(5);
        }

        throw new TimeoutException($"transaction {hash} was not preconfirmed");
    }
}
