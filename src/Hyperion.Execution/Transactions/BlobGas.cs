using System.Numerics;
using Hyperion.Core;

namespace Hyperion.Execution.Transactions;

/// <summary>EIP-4844 blob gas constants and the blob base fee.</summary>
public static class BlobGas
{
    public const ulong PerBlob = 1 << 17;

    /// <summary>Cancun's limit of blobs per block (and so per transaction).</summary>
    public const int MaxBlobsPerBlock = 6;

    public const byte VersionedHashVersionKzg = 0x01;

    private const ulong MinBlobBaseFee = 1;
    private const ulong BaseFeeUpdateFraction = 3338477;

    /// <summary>The blob base fee for a block's excess blob gas: fake_exponential(1, excess, 3338477).</summary>
    public static UInt256 BaseFee(ulong excessBlobGas)
    {
        // Exact integer Taylor series as the EIP specifies; BigInteger because intermediate terms exceed 256 bits
        // for large excess values. Runs once per block.
        BigInteger denominator = BaseFeeUpdateFraction;
        BigInteger numerator = excessBlobGas;
        BigInteger output = BigInteger.Zero;
        BigInteger accumulator = MinBlobBaseFee * denominator;
        for (int i = 1; !accumulator.IsZero; i++)
        {
            output += accumulator;
            accumulator = accumulator * numerator / (denominator * i);
        }

        BigInteger fee = output / denominator;
        return fee.GetBitLength() > 256 ? UInt256.MaxValue : (UInt256)fee;
    }
}
