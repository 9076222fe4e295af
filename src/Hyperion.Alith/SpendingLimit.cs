using System.Numerics;

namespace Hyperion.Alith;

/// <summary>Thrown before a transaction is signed when it could cost more than the key may still spend.</summary>
public sealed class SpendingLimitExceededException(string message) : InvalidOperationException(message);

/// <summary>
/// What a key may spend: a total and an optional cap per transaction, in wei. Each transaction reserves its worst
/// case — value + gas limit × gas price — before it is signed, so the limit holds even if every transaction uses all
/// its gas (unused gas is not given back to the allowance).
/// </summary>
public sealed class SpendingLimit
{
    private readonly Lock _lock = new();

    public SpendingLimit(BigInteger totalWei, BigInteger? perTransactionWei = null)
    {
        if (totalWei < 0) throw new ArgumentOutOfRangeException(nameof(totalWei), "the total limit is negative");
        if (perTransactionWei < 0) throw new ArgumentOutOfRangeException(nameof(perTransactionWei), "the per-transaction limit is negative");
        TotalWei = totalWei;
        PerTransactionWei = perTransactionWei;
    }

    public BigInteger TotalWei { get; }

    public BigInteger? PerTransactionWei { get; }

    public BigInteger SpentWei { get; private set; }

    public BigInteger RemainingWei => TotalWei - SpentWei;

    /// <summary>Reserves <paramref name="maxCostWei"/> for <paramref name="what"/>, or throws without reserving.</summary>
    public void Reserve(BigInteger maxCostWei, string what)
    {
        lock (_lock)
        {
            if (PerTransactionWei is { } cap && maxCostWei > cap)
            {
                throw new SpendingLimitExceededException($"{what} could cost {maxCostWei} wei, over the per-transaction limit of {cap} wei");
            }

            if (SpentWei + maxCostWei > TotalWei)
            {
                throw new SpendingLimitExceededException($"{what} could cost {maxCostWei} wei; only {TotalWei - SpentWei} wei of the {TotalWei} wei limit is left");
            }

            SpentWei += maxCostWei;
        }
    }
}
