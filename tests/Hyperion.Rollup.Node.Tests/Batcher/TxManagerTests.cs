using CsCheck;
using Hyperion.Core;
using Hyperion.Core.Transactions;
using Hyperion.Rollup.Blobs;
using Hyperion.Rollup.Node.Batcher;
using Hyperion.Rollup.Node.L1;

namespace Hyperion.Rollup.Node.Tests.Batcher;

public sealed class TxManagerTests
{
    private static readonly Address Inbox = TestL2Chain.Config.BatchInboxAddress;
    private static readonly Lazy<KzgSetup> Setup = new(() => TrustedSetupFile.Load());

    private static TxManager Manager(FakeL1 l1) => new(l1, 900, Anvil.DevKey, Inbox, () => Setup.Value,
        new TxManagerOptions { ResubmissionTimeout = TimeSpan.FromMilliseconds(30), PollInterval = TimeSpan.FromMilliseconds(5) });

    private static TxCandidate Calldata(int length) => new(Enumerable.Range(0, length).Select(i => (byte)(i | 1)).ToArray(), []);

    [Fact]
    public void Bumped_fees_replace_what_is_pending_and_never_go_below_the_market()
    {
        Gen.Select(Gen.ULong[0, 1UL << 50], Gen.ULong[0, 1UL << 50], Gen.ULong[0, 1UL << 50], Gen.ULong[0, 1UL << 50], Gen.Bool)
            .Sample((tip, extra, blobFee, market, blob) =>
            {
                var pending = new TxFees(tip, tip + extra, blobFee);
                var now = TxFees.AtMarket(market, market / 3, market / 5);
                TxFees bumped = pending.BumpedFor(now, blob);
                Assert.True(bumped.CanReplace(pending, blob));
                Assert.True(bumped.Tip >= now.Tip && bumped.FeeCap >= now.FeeCap && bumped.FeeCap >= bumped.Tip);
                Assert.True(!blob || bumped.BlobFeeCap >= now.BlobFeeCap);
            });
    }

    [Fact]
    public void A_bump_is_ten_percent_rounded_up_and_blob_transactions_double()
    {
        var pending = new TxFees(100, 1001, 8);
        var market = new TxFees(1, 2, 1);
        Assert.Equal(new TxFees(110, 1102, 8), pending.BumpedFor(market, blob: false));
        Assert.Equal(new TxFees(200, 2002, 16), pending.BumpedFor(market, blob: true));
        Assert.False(new TxFees(109, 1102, 8).CanReplace(pending, blob: false));
        Assert.False(new TxFees(199, 2002, 16).CanReplace(pending, blob: true));
        Assert.Equal(new TxFees(1, 2, 1), new TxFees(0, 1, 0).BumpedFor(new TxFees(0, 0, 0), blob: true));
    }

    [Fact]
    public async Task The_nonce_comes_from_L1s_pending_count_and_then_counts_up()
    {
        var l1 = new FakeL1 { Nonce = 41 };
        TxManager manager = Manager(l1);
        await manager.SendAsync(Calldata(100), CancellationToken.None);
        await manager.SendAsync(Calldata(200), CancellationToken.None);
        Assert.Equal([41UL, 42UL], l1.Accepted.Select(t => t.Nonce));
        Assert.Equal(43UL, manager.NextNonce);
        Assert.All(l1.Accepted, t => Assert.Equal(TransactionType.DynamicFee, t.Type));
        Assert.All(l1.Accepted, t => Assert.Equal(Inbox, t.To));
        Assert.Equal(DataAvailabilityChoice.CalldataGas(Calldata(100).Calldata.Span), l1.Accepted[0].GasLimit);

        // A new manager (a restarted batcher) continues at L1's pending nonce: no gap, no reuse.
        await Manager(l1).SendAsync(Calldata(10), CancellationToken.None);
        Assert.Equal(43UL, l1.Accepted[^1].Nonce);
    }

    [Fact]
    public async Task A_stuck_transaction_is_replaced_at_the_same_nonce_with_bumped_fees()
    {
        var l1 = new FakeL1 { Include = (_, n) => n >= 2 };
        TxInclusion inclusion = await Manager(l1).SendAsync(Calldata(500), CancellationToken.None);
        Assert.Equal(3, l1.Accepted.Count);
        Assert.All(l1.Accepted, t => Assert.Equal(7UL, t.Nonce));
        for (int i = 1; i < 3; i++)
        {
            Assert.True(l1.Accepted[i].MaxPriorityFeePerGas >= l1.Accepted[i - 1].MaxPriorityFeePerGas * 11 / 10);
            Assert.True(l1.Accepted[i].MaxFeePerGas >= l1.Accepted[i - 1].MaxFeePerGas * 11 / 10);
        }

        Assert.Equal(l1.Accepted[2].Hash, inclusion.Hash);
        Assert.Equal(3, inclusion.Attempts);
    }

    [Fact]
    public async Task A_replaced_version_that_L1_includes_after_all_still_counts()
    {
        // L1 includes the first version after the replacement was sent (it was already in a block being built).
        var l1 = new FakeL1 { Include = (_, _) => false };
        Task<TxInclusion> sending = Manager(l1).SendAsync(Calldata(50), CancellationToken.None);
        while (l1.Accepted.Count < 2)
        {
            await Task.Delay(5);
        }

        Transaction first = l1.Accepted[0];
        l1.IncludeNow(first);
        TxInclusion inclusion = await sending;
        Assert.Equal(first.Hash, inclusion.Hash);
    }

    [Fact]
    public async Task A_send_whose_answer_is_lost_is_watched_not_resent_at_a_new_nonce()
    {
        var l1 = new FakeL1 { LoseNextAnswer = true };
        TxManager manager = Manager(l1);
        TxInclusion inclusion = await manager.SendAsync(Calldata(10), CancellationToken.None);
        Assert.Equal(l1.Accepted[0].Hash, inclusion.Hash);
        Assert.Single(l1.Accepted);
        Assert.Equal(8UL, manager.NextNonce);
    }

    [Fact]
    public async Task Nonce_too_low_for_none_of_ours_rereads_the_nonce()
    {
        var l1 = new FakeL1 { Nonce = 3 };
        TxManager manager = Manager(l1);
        await manager.SendAsync(Calldata(10), CancellationToken.None);
        l1.Nonce = 9; // another sender (or an older batcher) used nonces 4..8
        await manager.SendAsync(Calldata(10), CancellationToken.None);
        Assert.Equal([3UL, 9UL], l1.Accepted.Select(t => t.Nonce));
    }

    [Fact]
    public async Task A_transaction_behind_a_gap_left_by_an_L1_reorg_is_resent_at_L1s_nonce()
    {
        var l1 = new FakeL1 { Nonce = 5 };
        TxManager manager = Manager(l1);
        await manager.SendAsync(Calldata(10), CancellationToken.None);
        await manager.SendAsync(Calldata(20), CancellationToken.None);
        l1.Drop(l1.Accepted[1]); // the reorg drops nonce 6; our next transaction would wait behind the gap forever
        TxInclusion inclusion = await manager.SendAsync(Calldata(30), CancellationToken.None);
        Assert.Equal([5UL, 6UL, 7UL, 6UL], l1.Accepted.Select(t => t.Nonce));
        Assert.Equal(l1.Accepted[3].Hash, inclusion.Hash);
        Assert.Equal(7UL, manager.NextNonce);
    }

    [TrustedSetupFact]
    public async Task Blob_transactions_carry_commitments_and_proofs_and_double_all_fees_on_replacement()
    {
        var l1 = new FakeL1 { Include = (_, n) => n >= 1, BlobBaseFee = 5 };
        byte[] blob = BlobCodec.Encode("frames"u8);
        await Manager(l1).SendAsync(new TxCandidate(ReadOnlyMemory<byte>.Empty, [blob]), CancellationToken.None);
        Assert.Equal(2, l1.Accepted.Count);
        Transaction first = l1.Accepted[0], second = l1.Accepted[1];
        Assert.Equal(TransactionType.Blob, first.Type);
        Assert.Equal(10UL, (ulong)first.MaxFeePerBlobGas);
        Assert.Equal(first.MaxFeePerBlobGas * 2, second.MaxFeePerBlobGas);
        Assert.True(second.MaxPriorityFeePerGas >= first.MaxPriorityFeePerGas * 2 && second.MaxFeePerGas >= first.MaxFeePerGas * 2);
        BlobSidecar sidecar = l1.Sidecars[0]!;
        Assert.Equal(Kzg.VersionedHash(sidecar.Commitments[0]), first.BlobVersionedHashes[0]);
        Assert.Equal(Kzg.ComputeBlobProof(blob, sidecar.Commitments[0], Setup.Value), sidecar.Proofs[0]);
    }
}

/// <summary>A fact that needs Ethereum's KZG trusted setup (c-kzg in e2e/node_modules).</summary>
public sealed class TrustedSetupFactAttribute : FactAttribute
{
    public TrustedSetupFactAttribute()
    {
        if (TrustedSetupFile.Find() is null)
        {
            Skip = "trusted setup not found: run `npm ci` in e2e/ (c-kzg ships deps/c-kzg/trusted_setup.txt)";
        }
    }
}
