using Hyperion.Core;

namespace Hyperion.Rollup.Node.Batcher;

/// <summary>The three prices of an L1 batcher transaction: priority fee (tip), fee cap, and blob fee cap.</summary>
public sealed record TxFees(UInt256 Tip, UInt256 FeeCap, UInt256 BlobFeeCap)
{
    /// <summary>A replacement of a pending transaction must raise tip and fee cap by at least this (geth's legacy pool).</summary>
    public const int PriceBumpPercent = 10;

    /// <summary>geth's blob pool asks a replacement blob transaction to double all three prices.</summary>
    public const int BlobPriceBumpPercent = 100;

    /// <summary>
    /// What to offer at the current L1 prices: the tip, a fee cap that survives the base fee doubling, and twice the
    /// blob base fee (at least 1 wei).
    /// </summary>
    public static TxFees AtMarket(in UInt256 baseFee, in UInt256 tip, in UInt256 blobBaseFee) =>
        new(tip, (baseFee * 2) + tip, Max(blobBaseFee * 2, UInt256.One));

    /// <summary>
    /// The fees of a replacement: each raised by the bump the pools require (rounded up, at least 1 wei), and never
    /// below what the market asks now.
    /// </summary>
    public TxFees BumpedFor(TxFees market, bool blob)
    {
        ArgumentNullException.ThrowIfNull(market);
        int percent = blob ? BlobPriceBumpPercent : PriceBumpPercent;
        UInt256 tip = Max(Bump(Tip, percent), market.Tip);
        UInt256 feeCap = Max(Max(Bump(FeeCap, percent), market.FeeCap), tip);
        UInt256 blobFeeCap = blob ? Max(Bump(BlobFeeCap, BlobPriceBumpPercent), market.BlobFeeCap) : BlobFeeCap;
        return new TxFees(tip, feeCap, blobFeeCap);
    }

    /// <summary>Whether these fees may replace <paramref name="pending"/> in geth's pools.</summary>
    public bool CanReplace(TxFees pending, bool blob)
    {
        ArgumentNullException.ThrowIfNull(pending);
        int percent = blob ? BlobPriceBumpPercent : PriceBumpPercent;
        return Tip >= Threshold(pending.Tip, percent) && FeeCap >= Threshold(pending.FeeCap, percent) &&
            (!blob || BlobFeeCap >= Threshold(pending.BlobFeeCap, percent));
    }

    /// <summary>value × (100 + percent) / 100, rounded up, and more than value.</summary>
    private static UInt256 Bump(in UInt256 value, int percent) => Max(Threshold(value, percent), value + UInt256.One);

    private static UInt256 Max(in UInt256 a, in UInt256 b) => a >= b ? a : b;

    private static UInt256 Threshold(in UInt256 value, int percent)
    {
        UInt256 scaled = value * (ulong)(100 + percent);
        UInt256 quotient = scaled / 100;
        return quotient * 100 == scaled ? quotient : quotient + UInt256.One;
    }
}
