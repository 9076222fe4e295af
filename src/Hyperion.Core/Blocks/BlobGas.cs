namespace Hyperion.Core.Blocks;

/// <summary>A fork's EIP-4844 blob parameters (Cancun; Prague raises them with EIP-7691).</summary>
public sealed record BlobSchedule(int TargetBlobsPerBlock, int MaxBlobsPerBlock, ulong BaseFeeUpdateFraction)
{
    public static BlobSchedule Cancun { get; } = new(3, 6, 3_338_477);

    public static BlobSchedule Prague { get; } = new(6, 9, 5_007_716);

    /// <summary>TARGET_BLOB_GAS_PER_BLOCK.</summary>
    public ulong TargetBlobGasPerBlock => (ulong)TargetBlobsPerBlock * BlobGas.GasPerBlob;

    /// <summary>MAX_BLOB_GAS_PER_BLOCK.</summary>
    public ulong MaxBlobGasPerBlock => (ulong)MaxBlobsPerBlock * BlobGas.GasPerBlob;
}

/// <summary>EIP-4844 blob gas accounting: excess blob gas and the blob base fee, in exact integer arithmetic.</summary>
public static class BlobGas
{
    /// <summary>GAS_PER_BLOB (2^17).</summary>
    public const ulong GasPerBlob = 131_072;

    /// <summary>MIN_BASE_FEE_PER_BLOB_GAS.</summary>
    public const ulong MinBaseFeePerBlobGas = 1;

    /// <summary>The excess blob gas of a block from its parent's excess and usage (calc_excess_blob_gas).</summary>
    public static ulong NextExcessBlobGas(ulong parentExcessBlobGas, ulong parentBlobGasUsed, BlobSchedule schedule)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        ulong target = schedule.TargetBlobGasPerBlock;
        UInt256.AddOverflow(new UInt256(parentExcessBlobGas), new UInt256(parentBlobGasUsed), out UInt256 total);
        return total < target ? 0 : (ulong)(total - target);
    }

    /// <summary>The blob base fee for a block with <paramref name="excessBlobGas"/>: fake_exponential(1, excess, fraction).</summary>
    /// <exception cref="InvalidOperationException">The fee does not fit in 256 bits (unreachable on a valid chain).</exception>
    public static UInt256 BaseFeePerBlobGas(ulong excessBlobGas, BlobSchedule schedule)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        if (!TryFakeExponential(MinBaseFeePerBlobGas, excessBlobGas, schedule.BaseFeeUpdateFraction, out UInt256 fee))
        {
            throw new InvalidOperationException($"Excess blob gas {excessBlobGas} gives a blob base fee beyond 256 bits.");
        }

        return fee;
    }

    /// <summary>
    /// The EIP-4844 approximation of factor · e^(numerator / denominator) by its Taylor series, computed exactly as the
    /// EIP's integer pseudocode does. False when an intermediate exceeds 256 bits (the exact value cannot be computed
    /// here); <paramref name="denominator"/> must be non-zero.
    /// </summary>
    public static bool TryFakeExponential(in UInt256 factor, in UInt256 numerator, in UInt256 denominator, out UInt256 result)
    {
        if (denominator.IsZero)
        {
            throw new ArgumentOutOfRangeException(nameof(denominator), "The denominator must be non-zero.");
        }

        result = UInt256.Zero;
        if (UInt256.MultiplyOverflow(in factor, in denominator, out UInt256 accumulator))
        {
            return false;
        }

        UInt256 output = UInt256.Zero;
        for (ulong i = 1; !accumulator.IsZero; i++)
        {
            if (UInt256.AddOverflow(in output, in accumulator, out output) ||
                UInt256.MultiplyOverflow(in accumulator, in numerator, out UInt256 product) ||
                UInt256.MultiplyOverflow(in denominator, new UInt256(i), out UInt256 divisor))
            {
                return false;
            }

            accumulator = product / divisor;
        }

        result = output / denominator;
        return true;
    }
}
