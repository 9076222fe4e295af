using Hyperion.Core;
using Hyperion.Core.Transactions;

namespace Hyperion.Chain.Tests;

public sealed class TxPoolTests
{
    private static readonly Address Bob = TestChain.Accounts[1].Address;

    private static TxPool NewPool(TxPoolOptions? options = null) =>
        new(options ?? new TxPoolOptions(), TransactionRules.Cancun(TestChain.ChainId), TestChain.Genesis().BuildState(), 1_000_000_000UL, 30_000_000);

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
    public void Limits_per_sender_and_eviction_of_the_cheapest_when_full()
    {
        TxPool perSender = NewPool(new TxPoolOptions { MaxPerSender = 2 });
        Assert.Null(perSender.Add(TestChain.Transfer(0, Bob, 1, nonce: 0)));
        Assert.Null(perSender.Add(TestChain.Transfer(0, Bob, 1, nonce: 1)));
        Assert.StartsWith("txpool is full", perSender.Add(TestChain.Transfer(0, Bob, 1, nonce: 2)));

        TxPool full = NewPool(new TxPoolOptions { MaxTotal = 1 });
        Transaction cheap = TestChain.Transfer(0, Bob, 1, nonce: 0, tip: 1_000_000_000UL);
        Assert.Null(full.Add(cheap));
        Assert.StartsWith("transaction underpriced", full.Add(TestChain.Transfer(2, Bob, 1, nonce: 0, tip: 1_000_000_000UL)));
        Transaction rich = TestChain.Transfer(2, Bob, 1, nonce: 0, tip: 3_000_000_000UL);
        Assert.Null(full.Add(rich));
        Assert.False(full.TryGet(cheap.Hash, out _));
        Assert.True(full.TryGet(rich.Hash, out _));
    }
}
