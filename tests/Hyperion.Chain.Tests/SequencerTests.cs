using Hyperion.Core;
using Hyperion.Core.Transactions;
using Hyperion.State;

namespace Hyperion.Chain.Tests;

public sealed class SequencerTests : IDisposable
{
    private static readonly Address Bob = TestChain.Accounts[1].Address;
    private readonly string _directory = TestChain.TempDirectory();

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Mines_pending_transfers_with_receipts_and_roots()
    {
        using LocalChain chain = LocalChain.Start(TestChain.Genesis(), new ChainOptions());
        UInt256 before = Balance(chain.Chain.LatestState, Bob);
        Transaction[] transfers = [.. Enumerable.Range(0, 5).Select(i => TestChain.Transfer(0, Bob, 7, nonce: (ulong)i))];
        foreach (Transaction tx in transfers)
        {
            Assert.Null(chain.Pool.Add(tx));
        }

        StoredBlock last = TestChain.WaitForInclusion(chain, transfers[^1].Hash);
        Assert.All(transfers, tx => Assert.True(chain.Chain.Store.TryFindTransaction(tx.Hash, out StoredBlock b, out int i) && b.Receipts[i].Success));
        Assert.Equal(before + 35, Balance(chain.Chain.LatestState, Bob));
        Assert.Equal(21_000UL * (ulong)last.Block.Transactions.Length, last.Header.GasUsed);
        Assert.NotEqual(chain.Chain.Store.Genesis.Header.StateRoot, last.Header.StateRoot);
        Assert.Equal(before, Balance(chain.Chain.StateAt(0)!, Bob)); // the genesis state is still readable
    }

    [Fact]
    public void An_automine_send_is_mined_on_the_senders_thread_before_it_returns()
    {
        using LocalChain chain = LocalChain.Start(TestChain.Genesis(), new ChainOptions());
        for (ulong nonce = 0; nonce < 3; nonce++)
        {
            Transaction tx = TestChain.Transfer(0, Bob, 1, nonce);
            using PendingInclusion? inclusion = chain.Producer.ExpectInclusion(tx.Hash);
            Assert.NotNull(inclusion);
            Assert.Null(chain.Pool.Add(tx));

            // No hand-over to the sequencer's thread: the block is built, durable and visible when Submitted returns.
            Task done = inclusion.Submitted();
            Assert.True(done.IsCompletedSuccessfully);
            Assert.True(chain.Chain.Store.TryFindTransaction(tx.Hash, out StoredBlock block, out int index));
            Assert.True(block.Receipts[index].Success);
            Assert.Equal(nonce + 1, chain.Chain.Store.Head.Number); // one block per send: nothing else was pending
        }
    }

    [Fact]
    public void Automine_sends_of_an_inclusion_batch_are_mined_together_when_it_includes()
    {
        using LocalChain chain = LocalChain.Start(TestChain.Genesis(), new ChainOptions());
        Transaction[] transfers = [.. Enumerable.Range(0, 20).Select(n => TestChain.Transfer(0, Bob, 1, (ulong)n))];
        List<PendingInclusion> inclusions;
        List<Task> done;
        using (InclusionBatch batch = InclusionBatch.Begin())
        {
            (inclusions, done) = SendAll(chain, transfers, CancellationToken.None);

            // Admitted, not mined: the batch includes them when it is told to.
            Assert.All(done, d => Assert.False(d.IsCompleted));
            Assert.Equal(0UL, chain.Chain.Store.Head.Number);
            batch.Include();
            Assert.All(done, d => Assert.True(d.IsCompletedSuccessfully));
        }

        inclusions.ForEach(i => i.Dispose());
        StoredBlock head = chain.Chain.Store.Head;
        Assert.Equal(1UL, head.Number); // one block for the batch, not one per send
        Assert.Equal(transfers.Select(t => t.Hash), head.Block.Transactions.Select(t => t.Hash)); // in nonce order
        Assert.All(head.Receipts, r => Assert.True(r.Success));
    }

    /// <summary>
    /// Batched sends whose client goes away (their token canceled) return canceled at once; their transactions, in the
    /// pool, are still mined when the batch includes (no other send is left to include them).
    /// </summary>
    [Fact]
    public void Canceled_batched_sends_return_at_once_and_their_transactions_are_still_mined_with_the_batch()
    {
        using LocalChain chain = LocalChain.Start(TestChain.Genesis(), new ChainOptions());
        Transaction[] transfers = [.. Enumerable.Range(0, 3).Select(n => TestChain.Transfer(0, Bob, 1, (ulong)n))];
        using var gone = new CancellationTokenSource();
        List<PendingInclusion> inclusions;
        List<Task> done;
        using (InclusionBatch batch = InclusionBatch.Begin())
        {
            (inclusions, done) = SendAll(chain, transfers, gone.Token);

            Assert.All(done, d => Assert.False(d.IsCompleted));
            gone.Cancel();
            Assert.All(done, d => Assert.True(d.IsCanceled));
            batch.Include();
        }

        inclusions.ForEach(i => i.Dispose());
        StoredBlock head = chain.Chain.Store.Head;
        Assert.Equal(1UL, head.Number);
        Assert.Equal(transfers.Select(t => t.Hash), head.Block.Transactions.Select(t => t.Hash));
    }

    /// <summary>Each transfer sent as the RPC sends it: a wait expected, the pool's admission, then the wait submitted.</summary>
    private static (List<PendingInclusion> Inclusions, List<Task> Done) SendAll(LocalChain chain, Transaction[] transfers, CancellationToken cancel)
    {
        var inclusions = new List<PendingInclusion>();
        var done = new List<Task>();
        foreach (Transaction tx in transfers)
        {
            PendingInclusion inclusion = chain.Producer.ExpectInclusion(tx.Hash)!;
            inclusions.Add(inclusion);
            Assert.Null(chain.Pool.Add(tx));
            done.Add(inclusion.Submitted(cancel));
        }

        return (inclusions, done);
    }

    /// <summary>The same transaction sent by several senders at once: each has its own wait, and one that ends early (its send refused) leaves the others waiting.</summary>
    [Fact]
    public void Waits_for_one_transaction_end_apart_and_all_return_once_it_is_mined()
    {
        using LocalChain chain = LocalChain.Start(TestChain.Genesis(), new ChainOptions());
        Transaction tx = TestChain.Transfer(0, Bob, 1, nonce: 0);
        PendingInclusion first = chain.Producer.ExpectInclusion(tx.Hash)!;
        PendingInclusion second = chain.Producer.ExpectInclusion(tx.Hash)!;
        PendingInclusion third = chain.Producer.ExpectInclusion(tx.Hash)!;
        PendingInclusion fourth = chain.Producer.ExpectInclusion(tx.Hash)!;
        second.Dispose(); // one in the middle, then the last one waiting on the hash
        fourth.Dispose();
        using (InclusionBatch batch = InclusionBatch.Begin())
        {
            Assert.Null(chain.Pool.Add(tx));
            Task firstDone = first.Submitted();
            Task thirdDone = third.Submitted();
            Assert.False(firstDone.IsCompleted);
            Assert.False(thirdDone.IsCompleted);
            batch.Include();
            Assert.True(firstDone.IsCompletedSuccessfully);
            Assert.True(thirdDone.IsCompletedSuccessfully);
        }

        first.Dispose();
        third.Dispose();
        Assert.True(chain.Chain.Store.TryFindTransaction(tx.Hash, out _, out _));

        // Every wait has ended: a new one for the next transaction is not completed by the hash's old waits.
        Transaction next = TestChain.Transfer(0, Bob, 1, nonce: 1);
        using PendingInclusion nextWait = chain.Producer.ExpectInclusion(next.Hash)!;
        Assert.Null(chain.Pool.Add(next));
        Assert.True(nextWait.Submitted().IsCompletedSuccessfully);
    }

    /// <summary>
    /// An in-memory chain finds a transaction by hash exactly where its current blocks hold it: after a revert (the
    /// chain truncated) the dropped blocks' transactions are gone, and blocks mined after it are found at their place.
    /// </summary>
    [Fact]
    public void An_in_memory_chain_finds_transactions_only_in_its_current_blocks_after_a_revert()
    {
        using LocalChain chain = LocalChain.Start(TestChain.Genesis(), new ChainOptions());
        chain.Dev.SetAutomine(false);
        var sent = new List<Hash256>();
        void MineTransfer(UInt256 value, ulong nonce)
        {
            Transaction tx = TestChain.Transfer(0, Bob, value, nonce);
            Assert.Null(chain.Pool.Add(tx));
            sent.Add(tx.Hash);
            chain.Dev.Mine();
        }

        MineTransfer(1, 0);
        ulong snapshot = chain.Dev.Snapshot();
        MineTransfer(2, 1);
        MineTransfer(3, 2);
        Assert.True(chain.Dev.Revert(snapshot));
        foreach (Hash256 dropped in sent.Skip(1))
        {
            chain.Dev.DropTransaction(dropped); // whatever the revert left in the pool is not to be mined again
        }

        AssertFoundWhereTheChainHoldsThem(chain, sent);
        MineTransfer(4, 1); // block 2 again, with another transaction
        MineTransfer(5, 2);
        MineTransfer(6, 3); // and a block the chain had not reached before
        AssertFoundWhereTheChainHoldsThem(chain, sent);
        Assert.False(chain.Chain.Store.TryFindTransaction(sent[1], out _, out _));
        Assert.True(chain.Chain.Store.TryFindTransaction(sent[^1], out StoredBlock last, out _));
        Assert.Equal(4UL, last.Number);
    }

    private static void AssertFoundWhereTheChainHoldsThem(LocalChain chain, IEnumerable<Hash256> hashes)
    {
        ChainStore store = chain.Chain.Store;
        foreach (Hash256 hash in hashes)
        {
            (ulong Number, int Index)? held = null;
            for (ulong n = 0; n <= store.Head.Number; n++)
            {
                int at = Array.FindIndex(store.GetByNumber(n)!.Block.Transactions, t => t.Hash == hash);
                if (at >= 0)
                {
                    held = (n, at);
                }
            }

            bool found = store.TryFindTransaction(hash, out StoredBlock block, out int index);
            Assert.Equal(held is not null, found);
            if (held is { } place)
            {
                Assert.Equal(place, (block.Number, index));
            }
        }
    }

    [Fact]
    public void Concurrent_automine_sends_all_return_mined()
    {
        using LocalChain chain = LocalChain.Start(TestChain.Genesis(), new ChainOptions());
        Transaction[] transfers = [.. Enumerable.Range(0, 3).SelectMany(sender => Enumerable.Range(0, 10).Select(n => TestChain.Transfer(sender, Bob, 1, (ulong)n)))];
        Parallel.ForEach(Enumerable.Range(0, 3), new ParallelOptions { MaxDegreeOfParallelism = 3 }, sender =>
        {
            foreach (Transaction tx in transfers.Skip(sender * 10).Take(10))
            {
                using PendingInclusion inclusion = chain.Producer.ExpectInclusion(tx.Hash)!;
                Assert.Null(chain.Pool.Add(tx));
                Assert.True(inclusion.Submitted().Wait(TimeSpan.FromSeconds(30)));
                Assert.True(chain.Chain.Store.TryFindTransaction(tx.Hash, out _, out _)); // answered only once mined
            }
        });
        Assert.Equal(0, chain.Pool.Count);
    }

    [Fact]
    public void Restart_continues_the_chain_and_serves_what_was_mined()
    {
        var options = new ChainOptions { DataDirectory = _directory };
        Hash256 head;
        Transaction tx = TestChain.Transfer(0, Bob, 1234, nonce: 0);
        using (LocalChain chain = LocalChain.Start(TestChain.Genesis(), options))
        {
            Assert.Null(chain.Pool.Add(tx));
            TestChain.WaitForInclusion(chain, tx.Hash);
            chain.Dev.Mine();
            head = chain.Chain.Store.Head.Hash;
        }

        using (LocalChain reopened = LocalChain.Start(TestChain.Genesis(), options))
        {
            Assert.Equal(head, reopened.Chain.Store.Head.Hash);
            Assert.True(reopened.Chain.Store.TryFindTransaction(tx.Hash, out StoredBlock block, out int index));
            Assert.True(block.Receipts[index].Success);
            Assert.Equal(1UL, reopened.Chain.LatestState.TryGetAccount(TestChain.Accounts[0].Address, out Account sender) ? sender.Nonce : 0);

            // And it keeps producing on top.
            Transaction next = TestChain.Transfer(0, Bob, 1, nonce: 1);
            Assert.Null(reopened.Pool.Add(next));
            Assert.Equal(reopened.Chain.Store.GetByNumber(2)!.Hash, TestChain.WaitForInclusion(reopened, next.Hash).Header.ParentHash);
        }
    }

    [Fact]
    public void A_data_directory_of_another_chain_is_refused()
    {
        var options = new ChainOptions { DataDirectory = _directory };
        using (LocalChain.Start(TestChain.Genesis(), options))
        {
        }

        InvalidDataException error = Assert.Throws<InvalidDataException>(() => LocalChain.Start(TestChain.Genesis() with { Spec = Execution.Specs.ChainSpec.Dev(5) }, options));
        Assert.Contains("use another --data-dir", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Snapshot_and_revert_restore_the_head_and_state()
    {
        using LocalChain chain = LocalChain.Start(TestChain.Genesis(), new ChainOptions());
        ulong snapshot = chain.Dev.Snapshot();
        Hash256 genesis = chain.Chain.Store.Head.Hash;
        Transaction tx = TestChain.Transfer(0, Bob, 5, nonce: 0);
        Assert.Null(chain.Pool.Add(tx));
        TestChain.WaitForInclusion(chain, tx.Hash);
        Assert.True(chain.Dev.Revert(snapshot));
        Assert.Equal(genesis, chain.Chain.Store.Head.Hash);
        Assert.False(chain.Chain.Store.TryFindTransaction(tx.Hash, out _, out _));
        Assert.Equal(TestChain.Ether * 100, Balance(chain.Chain.LatestState, Bob));
        Assert.False(chain.Dev.Revert(snapshot)); // used up
    }

    [Fact]
    public void Time_controls_set_block_timestamps()
    {
        using LocalChain chain = LocalChain.Start(TestChain.Genesis(), new ChainOptions());
        ulong target = (ulong)DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1000;
        chain.Dev.SetNextBlockTimestamp(target);
        Assert.Equal(target, chain.Dev.Mine().Header.Timestamp);
        Assert.Throws<ArgumentOutOfRangeException>(() => chain.Dev.SetNextBlockTimestamp(target));
        chain.Dev.IncreaseTime(5000);
        Assert.True(chain.Dev.Mine().Header.Timestamp >= target + 4000);
    }

    [Fact]
    public void The_clock_continues_from_a_block_given_its_timestamp()
    {
        using LocalChain chain = LocalChain.Start(TestChain.Genesis(), new ChainOptions());
        ulong target = (ulong)DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 100_000;
        chain.Dev.SetNextBlockTimestamp(target);
        chain.Dev.Mine();
        // As anvil and Hardhat: a later increase counts from the set timestamp, not from the wall clock.
        Assert.InRange(chain.Dev.IncreaseTime(10), 100_005L, 100_015L);
        ulong next = chain.Dev.Mine().Header.Timestamp;
        Assert.InRange(next, target + 10, target + 15);
    }

    private static UInt256 Balance(IStateReader state, Address address) =>
        state.TryGetAccount(address, out Account account) ? account.Balance : UInt256.Zero;
}
