namespace Hyperion.Core.Blocks;

/// <summary>EIP-1559 base fee: the exact integer rule of the EIP, including the first London block.</summary>
public static class BaseFee
{
    /// <summary>INITIAL_BASE_FEE: the base fee of the first London block.</summary>
    public const ulong InitialBaseFee = 1_000_000_000;

    /// <summary>BASE_FEE_MAX_CHANGE_DENOMINATOR: the fee moves by at most 1/8 per block.</summary>
    public const ulong MaxChangeDenominator = 8;

    /// <summary>ELASTICITY_MULTIPLIER: the gas limit is twice the gas target.</summary>
    public const ulong ElasticityMultiplier = 2;

    /// <summary>The base fee of the block after <paramref name="parent"/>; the first London block (parent without a base fee) gets <see cref="InitialBaseFee"/>.</summary>
    public static UInt256 Next(BlockHeader parent)
    {
        ArgumentNullException.ThrowIfNull(parent);
        return parent.BaseFeePerGas is UInt256 parentBaseFee
            ? Next(parent.GasLimit, parent.GasUsed, parentBaseFee)
            : new UInt256(InitialBaseFee);
    }

    /// <summary>The base fee of a block whose parent (a London-or-later block) had the given gas limit, gas used and base fee.</summary>
    public static UInt256 Next(ulong parentGasLimit, ulong parentGasUsed, in UInt256 parentBaseFee) =>
        Next(parentGasLimit, parentGasUsed, parentBaseFee, ElasticityMultiplier, MaxChangeDenominator);

    /// <summary>The EIP-1559 update with a chain's own elasticity multiplier and max change denominator (e.g. an OP-stack chain's).</summary>
    public static UInt256 Next(ulong parentGasLimit, ulong parentGasUsed, in UInt256 parentBaseFee, ulong elasticityMultiplier, ulong maxChangeDenominator)
    {
        ArgumentOutOfRangeException.ThrowIfZero(elasticityMultiplier);
        ArgumentOutOfRangeException.ThrowIfZero(maxChangeDenominator);
        ulong target = parentGasLimit / elasticityMultiplier;
        if (parentGasUsed == target || target == 0)
        {
            // A zero target only arises from a gas limit below 2, which header validation rejects; keep the fee.
            return parentBaseFee;
        }

        ulong gasUsedDelta = parentGasUsed > target ? parentGasUsed - target : target - parentGasUsed;
        if (UInt256.MultiplyOverflow(in parentBaseFee, new UInt256(gasUsedDelta), out UInt256 product))
        {
            // Needs a base fee above 2^192 wei, which no sender could pay; the EIP's unbounded integers are not emulated.
            throw new InvalidOperationException($"Base fee {parentBaseFee} is too large for the EIP-1559 update.");
        }

        UInt256 delta = product / new UInt256(target) / new UInt256(maxChangeDenominator);
        return parentGasUsed > target
            ? parentBaseFee + (delta.IsZero ? UInt256.One : delta)
            : parentBaseFee - delta;
    }
}
