using System.Numerics;
using CsCheck;
using Hyperion.Core;
using Hyperion.Core.Transactions;
using Hyperion.Core.Wallet;
using Hyperion.State;
using Hyperion.State.World;

namespace Hyperion.Chain.Tests;

public sealed class TxPoolTests
{
    private static readonly Address Bob = TestChain.Accounts[1].Address;

    private static TxPool NewPool(TxPoolOptions? options = null, TimeProvider? clock = null) =>
        new(options ?? new TxPoolOptions(), TransactionRules.Cancun(TestChain.ChainId), TestChain.CrowdState(), 1_000_000_000UL, 30_000_000, clock);

    [Fact]
    public void Accepts_a_valid_transfer_once()
    {
        TxPool pool = NewPool();
        Transaction tx = TestChain.Transfer(0, Bob, 1, nonce: 0);
        Assert.Null(pool.Add(tx));
        Assert.Equal("already known", pool.Add(tx));
        Assert.Equal(1, pool.Count);
        Assert.Equal(1UL, pool.NextNonce(TestChain.Accounts[0].Address));
    }

    [Fact]
    public void Rejects_with_geths_messages()
    {
        TxPool pool = NewPool();
        Assert.StartsWith("intrinsic gas too low", pool.Add(TestChain.Transfer(0, Bob, 1, nonce: 0, gas: 20_000)));
        Assert.StartsWith("insufficient funds for gas * price + value", pool.Add(TestChain.Transfer(0, Bob, TestChain.Ether * 1000, nonce: 0)));
        Assert.StartsWith("invalid chain id for signer", pool.Add(TestChain.Transfer(0, Bob, 1, nonce: 0, chainId: 1)));
        Assert.StartsWith("transaction underpriced", pool.Add(TestChain.Transfer(0, Bob, 1, nonce: 0, maxFee: 1_000, tip: 1)));
        Assert.Equal("exceeds block gas limit", pool.Add(TestChain.Transfer(0, Bob, 1, nonce: 0, gas: 30_000_001)));

        Transaction unsigned = TestChain.Transfer(0, Bob, 1, nonce: 0) with { R = 0 };
        Assert.Equal("invalid sender", pool.Add(unsigned));

        var huge = new Transaction
        {
            Type = TransactionType.DynamicFee, ChainId = TestChain.ChainId, Nonce = 0, MaxFeePerGas = 10_000_000_000UL,
            MaxPriorityFeePerGas = 1, GasLimit = 10_000_000, To = Bob, Data = new byte[200_000],
        };
        Assert.StartsWith("oversized data", pool.Add(TestChain.Sign(huge, 0)));
        Assert.Equal(0, pool.Count);
    }

    [Fact]
    public void Nonce_too_low_after_the_account_moved_on()
    {
        var state = TestChain.Genesis().BuildState();
        state.SetAccount(TestChain.Accounts[0].Address, 5, TestChain.Ether, []);
        var pool = new TxPool(new TxPoolOptions(), TransactionRules.Cancun(TestChain.ChainId), state, 1, 30_000_000);
        Assert.Equal("nonce too low: next nonce 5, tx nonce 4", pool.Add(TestChain.Transfer(0, Bob, 1, nonce: 4)));
    }

    [Fact]
    public void Replacement_needs_a_ten_percent_bump_of_both_fees()
    {
        TxPool pool = NewPool();
        Assert.Null(pool.Add(TestChain.Transfer(0, Bob, 1, nonce: 0, maxFee: 10_000_000_000UL, tip: 1_000_000_000UL)));
        Assert.Equal("replacement transaction underpriced", pool.Add(TestChain.Transfer(0, Bob, 2, nonce: 0, maxFee: 10_900_000_000UL, tip: 1_100_000_000UL)));
        Assert.Equal("replacement transaction underpriced", pool.Add(TestChain.Transfer(0, Bob, 2, nonce: 0, maxFee: 11_000_000_000UL, tip: 1_000_000_000UL)));
        Transaction replacement = TestChain.Transfer(0, Bob, 2, nonce: 0, maxFee: 11_000_000_000UL, tip: 1_100_000_000UL);
        Assert.Null(pool.Add(replacement));
        Assert.Equal(1, pool.Count);
        Assert.True(pool.TryGet(replacement.Hash, out _));
    }

    [Fact]
    public void Gapped_nonces_are_queued_until_the_gap_fills()
    {
        TxPool pool = NewPool();
        var pending = new List<Hash256>();
        pool.TransactionPending += pending.Add;
        Transaction second = TestChain.Transfer(0, Bob, 1, nonce: 1);
        Assert.Null(pool.Add(second));
        Assert.Empty(pending);
        Assert.Empty(pool.SelectForBlock(1_000_000_000UL, 100));
        var (_, queued) = pool.Content();
        Assert.Single(queued);

        Transaction first = TestChain.Transfer(0, Bob, 1, nonce: 0);
        Assert.Null(pool.Add(first));
        Assert.Equal([first.Hash, second.Hash], pending);
        Assert.Equal([first.Hash, second.Hash], pool.SelectForBlock(1_000_000_000UL, 100).Select(s => s.Transaction.Hash));
    }

    [Fact]
    public void Blocks_take_higher_tips_first_and_keep_each_senders_nonce_order()
    {
        TxPool pool = NewPool();
        Transaction cheapFirst = TestChain.Transfer(0, Bob, 1, nonce: 0, tip: 1_000_000_000UL);
        Transaction richSecond = TestChain.Transfer(0, Bob, 1, nonce: 1, tip: 5_000_000_000UL);
        Transaction middle = TestChain.Transfer(2, Bob, 1, nonce: 0, tip: 2_000_000_000UL);
        Assert.Null(pool.Add(cheapFirst));
        Assert.Null(pool.Add(richSecond));
        Assert.Null(pool.Add(middle));
        Assert.Equal([middle.Hash, cheapFirst.Hash, richSecond.Hash], pool.SelectForBlock(1_000_000_000UL, 100).Select(s => s.Transaction.Hash));
    }

    [Fact]
    public void One_sender_may_queue_at_most_64_transactions()
    {
        TxPool pool = NewPool();
        DevAccount sender = TestChain.Crowd[5];
        for (ulong nonce = 1; nonce <= 64; nonce++)
        {
            Assert.Null(pool.Add(TestChain.Transfer(sender, Bob, 1, nonce)));
        }

        Assert.StartsWith("account limit exceeded", pool.Add(TestChain.Transfer(sender, Bob, 1, nonce: 65)));
        Assert.Equal(64, pool.QueuedCount);

        // Filling the gap makes all of them executable; then the sender may go on.
        Assert.Null(pool.Add(TestChain.Transfer(sender, Bob, 1, nonce: 0)));
        Assert.Equal((65, 0), (pool.PendingCount, pool.QueuedCount));
        Assert.Null(pool.Add(TestChain.Transfer(sender, Bob, 1, nonce: 65)));
    }

    [Fact]
    public void A_nonce_gap_flood_does_not_lock_out_normal_senders_and_expires()
    {
        var clock = new ManualClock();
        TxPool pool = NewPool(new TxPoolOptions { GlobalSlots = 8, GlobalQueue = 8, AccountQueue = 4, AccountSlots = 2, Lifetime = TimeSpan.FromHours(1) }, clock);
        var dropped = new List<DroppedTransaction>();
        pool.TransactionDropped += dropped.Add;

        // Four senders fill the whole queued budget with transactions that can never execute.
        var gapped = new List<Transaction>();
        foreach (DevAccount flooder in TestChain.Crowd.Skip(3).Take(4))
        {
            for (ulong nonce = 1; nonce <= 2; nonce++)
            {
                Transaction tx = TestChain.Transfer(flooder, Bob, 1, nonce);
                Assert.Null(pool.Add(tx));
                gapped.Add(tx);
            }
        }

        Assert.StartsWith("txpool is full", pool.Add(TestChain.Transfer(TestChain.Crowd[7], Bob, 1, nonce: 1)));

        // Normal senders are not affected: executable transactions have their own budget…
        for (int i = 10; i < 18; i++)
        {
            Assert.Null(pool.Add(TestChain.Transfer(TestChain.Crowd[i], Bob, 1, nonce: 0)));
        }

        // …and once the pool is full, an executable newcomer evicts queued ones first, observably.
        Transaction newcomer = TestChain.Transfer(TestChain.Crowd[18], Bob, 1, nonce: 0);
        Assert.Null(pool.Add(newcomer));
        DroppedTransaction evicted = Assert.Single(dropped);
        Assert.StartsWith("evicted", evicted.Reason);
        Assert.Contains(gapped, tx => tx.Hash == evicted.Hash);
        Assert.False(pool.TryGet(evicted.Hash, out _));
        Assert.Equal(1, pool.EvictedCount);
        Assert.Equal((9, 7), (pool.PendingCount, pool.QueuedCount));

        // Nothing executable was touched, and after the lifetime every queued transaction is gone and reported.
        clock.Advance(TimeSpan.FromHours(1) + TimeSpan.FromMinutes(2));
        Assert.Null(pool.Add(TestChain.Transfer(TestChain.Crowd[19], Bob, 1, nonce: 0)));
        Assert.Equal((10, 0), (pool.PendingCount, pool.QueuedCount));
        Assert.Equal(7, pool.ExpiredCount);
        Assert.Equal(7, dropped.Count(d => d.Reason.StartsWith("expired", StringComparison.Ordinal)));
        Assert.All(gapped, tx => Assert.False(pool.TryGet(tx.Hash, out _)));
        Assert.Empty(pool.Content().Queued);
    }

    [Fact]
    public void Queued_transactions_of_an_active_sender_do_not_expire()
    {
        var clock = new ManualClock();
        TxPool pool = NewPool(new TxPoolOptions { Lifetime = TimeSpan.FromMinutes(30) }, clock);
        DevAccount sender = TestChain.Crowd[4];
        Assert.Null(pool.Add(TestChain.Transfer(sender, Bob, 1, nonce: 5)));
        clock.Advance(TimeSpan.FromMinutes(20));
        Assert.Null(pool.Add(TestChain.Transfer(sender, Bob, 1, nonce: 6)));
        clock.Advance(TimeSpan.FromMinutes(20));
        pool.OnNewHead(TestChain.CrowdState(), 1_000_000_000UL, []);
        Assert.Equal(2, pool.QueuedCount);
        clock.Advance(TimeSpan.FromMinutes(31));
        pool.OnNewHead(TestChain.CrowdState(), 1_000_000_000UL, []);
        Assert.Equal(0, pool.QueuedCount);
        Assert.Equal(2, pool.ExpiredCount);
    }

    [Fact]
    public void A_head_with_its_changes_moves_the_pool_as_a_full_rescan_does()
    {
        // Four senders: 0 mined two, 1 mined one, 2 mined none, 3 mined its whole run and a nonce the pool never had.
        DevAccount[] senders = [.. TestChain.Crowd.Take(4)];
        TxPool rescanned = NewPool();
        TxPool fromChanges = NewPool();
        var announced = (Rescanned: new List<Hash256>(), FromChanges: new List<Hash256>());
        foreach (DevAccount sender in senders)
        {
            foreach (ulong nonce in new ulong[] { 0, 1, 2, 4 })
            {
                Transaction tx = TestChain.Transfer(sender, Bob, 1, nonce);
                Assert.Null(rescanned.Add(tx));
                Assert.Null(fromChanges.Add(tx));
            }
        }

        rescanned.TransactionPending += announced.Rescanned.Add;
        fromChanges.TransactionPending += announced.FromChanges.Add;
        var head = (InMemoryStateReader)TestChain.CrowdState();
        ulong[] nonces = [2, 1, 0, 4];
        for (int i = 0; i < senders.Length; i++)
        {
            head.SetAccount(senders[i].Address, nonces[i], TestChain.Ether * 100, []);
        }

        // The block changed senders 0, 1 and 3 (and an account that sends nothing); sender 2's account is as it was.
        Address[] changed = [.. new[] { senders[0].Address, senders[1].Address, senders[3].Address, Bob }.Order()];
        var changes = new StateChangeSet([.. changed.Select(a => new AccountChange(a, false, 0, UInt256.Zero, Hash256.Zero, false, []))], []);
        rescanned.OnNewHead(head, 1_000_000_000UL, []);
        fromChanges.OnNewHead(head, 1_000_000_000UL, [], changes);

        Assert.Equal(Summary(rescanned), Summary(fromChanges));
        Assert.Equal(announced.Rescanned.Order(), announced.FromChanges.Order());
        Assert.Equal((7, 3), (fromChanges.PendingCount, fromChanges.QueuedCount)); // 0: {2}, 1: {1, 2}, 2: {0, 1, 2}, 3: {4} executable; 4 queued for 0..2
        Assert.Single(announced.FromChanges); // sender 3's nonce 4, now executable
        Assert.Equal(5UL, fromChanges.NextNonce(senders[3].Address));

        static string Summary(TxPool pool)
        {
            var (pending, queued) = pool.Content();
            return string.Join(";", pending.Select(p => $"{p.Key}:{string.Join(",", p.Value.Select(t => t.Transaction.Nonce))}")) + "|" +
                   string.Join(";", queued.Select(q => $"{q.Key}:{string.Join(",", q.Value.Select(t => t.Transaction.Nonce))}"));
        }
    }

    [Fact]
    public void Selectable_beyond_a_committing_block_agrees_with_the_selection()
    {
        TxPool pool = NewPool();
        DevAccount a = TestChain.Crowd[5];
        DevAccount b = TestChain.Crowd[6];
        Transaction a0 = TestChain.Transfer(a, Bob, 1, nonce: 0, maxFee: 10_000_000_000UL);
        Transaction a1 = TestChain.Transfer(a, Bob, 1, nonce: 1, maxFee: 2_000_000_000UL);
        Transaction b0 = TestChain.Transfer(b, Bob, 1, nonce: 0, maxFee: 10_000_000_000UL);
        Transaction b2 = TestChain.Transfer(b, Bob, 1, nonce: 2, maxFee: 10_000_000_000UL); // queued: never selectable
        foreach (Transaction tx in new[] { a0, a1, b0, b2 })
        {
            Assert.Null(pool.Add(tx));
        }

        HashSet<Hash256>[] excludes = [[], [a0.Hash], [a0.Hash, b0.Hash], [a0.Hash, a1.Hash, b0.Hash], [a1.Hash], [b0.Hash, b2.Hash]];
        UInt256[] baseFees = [1_000_000_000UL, 3_000_000_000UL, 20_000_000_000UL];
        var answers = new List<bool>();
        foreach (UInt256 baseFee in baseFees)
        {
            foreach (HashSet<Hash256> exclude in excludes)
            {
                bool selection = pool.SelectForBlock(baseFee, exclude.Count + 1).Exists(t => !exclude.Contains(t.Transaction.Hash));
                Assert.Equal(selection, pool.HasSelectableBeyond(baseFee, exclude));
                answers.Add(selection);
            }
        }

        // Both answers occur: a1 under a 3 gwei base fee is not selectable, nothing is under 20 gwei.
        Assert.False(pool.HasSelectableBeyond(3_000_000_000UL, new HashSet<Hash256> { a0.Hash, b0.Hash }));
        Assert.True(pool.HasSelectableBeyond(1_000_000_000UL, new HashSet<Hash256> { a0.Hash, b0.Hash }));
        Assert.Contains(true, answers);
        Assert.Contains(false, answers);
    }

    [Fact]
    public void A_random_tip_flood_evicts_observably_and_leaves_no_gap_in_executable_runs()
    {
        TxPool pool = NewPool(new TxPoolOptions { GlobalSlots = 24, GlobalQueue = 8, AccountSlots = 2, AccountQueue = 4 });
        var dropped = new Dictionary<Hash256, DroppedTransaction>();
        pool.TransactionDropped += d => dropped.Add(d.Hash, d);
        var random = new Random(18);
        DevAccount[] senders = [.. TestChain.Crowd.Skip(3).Take(16)];
        var nextNonce = new ulong[senders.Length];
        var accepted = new List<Transaction>();
        for (int i = 0; i < 400; i++)
        {
            int s = random.Next(senders.Length);
            UInt256 tip = (ulong)random.Next(1, 50) * 1_000_000_000UL;
            Transaction tx = TestChain.Transfer(senders[s], Bob, 1, nextNonce[s], maxFee: tip + 10_000_000_000UL, tip: tip);
            string? error = pool.Add(tx);
            if (error is null)
            {
                accepted.Add(tx);
                nextNonce[s]++;
            }
            else
            {
                Assert.True(error.StartsWith("transaction underpriced", StringComparison.Ordinal) || error.StartsWith("txpool is full", StringComparison.Ordinal) ||
                    error.StartsWith("account limit exceeded", StringComparison.Ordinal), error);
            }
        }

        // Every accepted transaction is either still known or was reported dropped — never both, never neither.
        Assert.NotEmpty(dropped);
        Assert.Equal(dropped.Count, pool.EvictedCount);
        Assert.All(accepted, tx => Assert.True(pool.TryGet(tx.Hash, out _) ^ dropped.ContainsKey(tx.Hash)));
        Assert.Equal(accepted.Count - dropped.Count, pool.Count);
        Assert.True(pool.Count <= 32 && pool.QueuedCount <= 8);

        // Executable runs start at the account nonce (0 here) without a gap, and a block can take all of them.
        var (pending, queued) = pool.Content();
        foreach (List<PooledTransaction> run in pending.Values)
        {
            Assert.Equal(Enumerable.Range(0, run.Count).Select(n => (ulong)n), run.Select(p => p.Transaction.Nonce));
        }

        Assert.Equal(pool.PendingCount, pending.Values.Sum(l => l.Count));
        Assert.Equal(pool.QueuedCount, queued.Values.Sum(l => l.Count));
        Assert.Equal(pool.PendingCount, pool.SelectForBlock(1_000_000_000UL, int.MaxValue).Count);
    }

    [Fact]
    public void A_sender_within_its_guaranteed_slots_keeps_them_against_a_richer_crowded_sender()
    {
        TxPool pool = NewPool(new TxPoolOptions { GlobalSlots = 4, GlobalQueue = 0, AccountSlots = 2 });
        DevAccount modest = TestChain.Crowd[3], rich = TestChain.Crowd[4];
        Assert.Null(pool.Add(TestChain.Transfer(modest, Bob, 1, 0, tip: 1_000_000_000UL)));
        Assert.Null(pool.Add(TestChain.Transfer(rich, Bob, 1, 0, tip: 5_000_000_000UL)));
        Assert.Null(pool.Add(TestChain.Transfer(rich, Bob, 1, 1, tip: 5_000_000_000UL)));
        Assert.Null(pool.Add(TestChain.Transfer(rich, Bob, 1, 2, tip: 5_000_000_000UL)));

        // The pool is full; a third sender paying more evicts the rich sender's surplus (above 2 slots), not the modest one.
        Transaction third = TestChain.Transfer(TestChain.Crowd[5], Bob, 1, 0, tip: 2_000_000_000UL);
        Assert.Null(pool.Add(third));
        var (pending, _) = pool.Content();
        Assert.Single(pending[modest.Address]);
        Assert.Equal(2, pending[rich.Address].Count);

        // Nobody is above the guarantee now: a newcomer must outbid the cheapest tail, which goes.
        Assert.StartsWith("transaction underpriced", pool.Add(TestChain.Transfer(TestChain.Crowd[6], Bob, 1, 0, tip: 1_000_000_000UL)));
        Assert.Null(pool.Add(TestChain.Transfer(TestChain.Crowd[6], Bob, 1, 0, tip: 1_500_000_000UL)));
        Assert.False(pool.Content().Pending.ContainsKey(modest.Address));
    }

    [Fact]
    public void A_value_of_2_pow_256_minus_1_is_refused_not_admitted_by_an_overflowing_cost()
    {
        TxPool pool = NewPool();
        string? error = pool.Add(TestChain.Transfer(0, Bob, UInt256.MaxValue, nonce: 0));
        BigInteger cost = (BigInteger.One << 256) - 1 + (21_000 * new BigInteger(10_000_000_000UL));
        Assert.Equal($"insufficient funds for gas * price + value: balance 100000000000000000000, tx cost {cost}, overshot {cost - (TestChain.Ether * 100).ToBigInteger()}", error);
        Assert.Null(pool.Add(TestChain.Transfer(0, Bob, 1, nonce: 0))); // the sender is not blocked
    }

    [Fact]
    public void Admission_matches_the_exact_cost_for_extreme_values()
    {
        IStateReader state = TestChain.Genesis().BuildState();
        BigInteger balance = (TestChain.Ether * 100).ToBigInteger();
        Gen<UInt256> extreme = Gen.OneOf(
            OneOf(UInt256.Zero, UInt256.One, UInt256.MaxValue, UInt256.MaxValue - 1, UInt256.One << 255, TestChain.Ether * 100, TestChain.Ether * 99),
            Gen.ULong.Select(v => new UInt256(v)),
            Gen.ULong.Array[4].Select(l => new UInt256(l[0], l[1], l[2], l[3])));
        Gen<UInt256> fee = Gen.OneOf(
            OneOf(new UInt256(1_000_000_000UL), new UInt256(1_000_000_001UL), UInt256.MaxValue, UInt256.MaxValue / 21_000, (UInt256.MaxValue / 21_000) + 1),
            Gen.ULong[1_000_000_000UL, ulong.MaxValue].Select(v => new UInt256(v)));
        Gen.Select(extreme, fee).Sample((value, maxFee) =>
        {
            var pool = new TxPool(new TxPoolOptions(), TransactionRules.Cancun(TestChain.ChainId), state, 1_000_000_000UL, 30_000_000);
            string? error = pool.Add(TestChain.Transfer(0, Bob, value, nonce: 0, maxFee: maxFee, tip: 1));
            BigInteger cost = (21_000 * maxFee.ToBigInteger()) + value.ToBigInteger();
            if (cost <= balance)
            {
                Assert.Null(error);
            }
            else if (cost - value.ToBigInteger() > (BigInteger.One << 256) - 1)
            {
                Assert.NotNull(error); // gas × fee alone overflows: refused as invalid before any balance check
            }
            else
            {
                Assert.StartsWith($"insufficient funds for gas * price + value: balance {balance}, tx cost {cost}, overshot {cost - balance}", error);
            }
        }, iter: 200);
    }

    private static Gen<UInt256> OneOf(params UInt256[] values) => Gen.Int[0, values.Length - 1].Select(i => values[i]);

    private sealed class ManualClock : TimeProvider
    {
        private DateTimeOffset _now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}
