using System.Numerics;
using Hyperion.Core;

namespace Hyperion.Rollup.Fees;

/// <summary>The L1 fee parameters an L2 block reads from the L1Block predeploy.</summary>
/// <param name="BaseFee">L1 base fee of the L1 origin.</param>
/// <param name="BlobBaseFee">L1 blob base fee of the L1 origin.</param>
/// <param name="BaseFeeScalar">Ecotone base fee scalar (scaled by 1e6).</param>
/// <param name="BlobBaseFeeScalar">Ecotone blob base fee scalar (scaled by 1e6).</param>
public readonly record struct L1FeeParameters(UInt256 BaseFee, UInt256 BlobBaseFee, uint BaseFeeScalar, uint BlobBaseFeeScalar);

/// <summary>An L1 data fee and the L1 gas figure receipts report with it.</summary>
public readonly record struct L1Cost(UInt256 Fee, UInt256 GasUsed);

/// <summary>
/// The L1 data fee charged to every non-deposit L2 transaction, in integer arithmetic with unlimited precision
/// (results above 2^256-1 saturate; no payable fee reaches them):
/// Ecotone (ecotone/exec-engine.md): <c>calldataGas·(16·baseFeeScalar·baseFee + blobBaseFeeScalar·blobBaseFee) / 16e6</c>
/// with <c>calldataGas = 4·zeroBytes + 16·nonZeroBytes</c> of the signed transaction;
/// Fjord (fjord/exec-engine.md): <c>max(100e6, −42,585,600 + 836,500·fastLzSize)·(16·baseFeeScalar·baseFee + blobBaseFeeScalar·blobBaseFee) / 1e12</c>.
/// The GasPriceOracle variants take an unsigned transaction and add the signature's 68 bytes as the predeploy does.
/// </summary>
public static class L1Fee
{
    public const long FjordIntercept = -42_585_600;
    public const long FjordFastLzCoefficient = 836_500;
    public const long FjordMinTransactionSize = 100;

    /// <summary>Bytes the GasPriceOracle adds to an unsigned transaction for the signature it lacks.</summary>
    public const int UnsignedSignatureBytes = 68;

    /// <summary>4 gas per zero byte, 16 per other byte (EIP-2028).</summary>
    public static ulong CalldataGas(ReadOnlySpan<byte> data)
    {
        ulong zeros = (ulong)System.MemoryExtensions.Count(data, (byte)0);
        return (zeros * 4) + (((ulong)data.Length - zeros) * 16);
    }

    /// <summary>Ecotone L1 cost of a signed transaction envelope; gas used is its calldata gas.</summary>
    public static L1Cost Ecotone(ReadOnlySpan<byte> signedTransaction, in L1FeeParameters parameters) =>
        EcotoneFromGas(CalldataGas(signedTransaction), parameters);

    /// <summary>Fjord L1 cost of a signed transaction envelope; gas used is <c>estimatedSize·16/1e6</c>.</summary>
    public static L1Cost Fjord(ReadOnlySpan<byte> signedTransaction, in L1FeeParameters parameters) =>
        FjordForFastLzSize(FastLz.CompressedLength(signedTransaction), parameters);

    /// <summary>GasPriceOracle.getL1Fee under Ecotone for an unsigned RLP transaction.</summary>
    public static L1Cost EcotoneForUnsigned(ReadOnlySpan<byte> unsignedTransaction, in L1FeeParameters parameters) =>
        EcotoneFromGas(CalldataGas(unsignedTransaction) + (UnsignedSignatureBytes * 16), parameters);

    /// <summary>GasPriceOracle.getL1Fee under Fjord for an unsigned RLP transaction.</summary>
    public static L1Cost FjordForUnsigned(ReadOnlySpan<byte> unsignedTransaction, in L1FeeParameters parameters) =>
        FjordForFastLzSize(FastLz.CompressedLength(unsignedTransaction) + UnsignedSignatureBytes, parameters);

    /// <summary>Fjord's size estimate scaled by 1e6: <c>max(100e6, intercept + coefficient·fastLzSize)</c>.</summary>
    public static BigInteger FjordEstimatedSizeScaled(long fastLzSize) =>
        BigInteger.Max(FjordMinTransactionSize * 1_000_000, FjordIntercept + (FjordFastLzCoefficient * (BigInteger)fastLzSize));

    private static L1Cost EcotoneFromGas(ulong calldataGas, in L1FeeParameters p)
    {
        BigInteger fee = calldataGas * WeightedGasPrice(p) / 16_000_000;
        return new L1Cost(Saturate(fee), calldataGas);
    }

    /// <summary>Fjord L1 cost from a FastLZ size already known (e.g. cached per transaction).</summary>
    public static L1Cost FjordForFastLzSize(long fastLzSize, in L1FeeParameters p)
    {
        BigInteger estimated = FjordEstimatedSizeScaled(fastLzSize);
        BigInteger fee = estimated * WeightedGasPrice(p) / 1_000_000_000_000;
        return new L1Cost(Saturate(fee), Saturate(estimated * 16 / 1_000_000));
    }

    private static BigInteger WeightedGasPrice(in L1FeeParameters p) =>
        (16 * (BigInteger)p.BaseFeeScalar * p.BaseFee.ToBigInteger()) + ((BigInteger)p.BlobBaseFeeScalar * p.BlobBaseFee.ToBigInteger());

    private static UInt256 Saturate(BigInteger value) =>
        value >= UInt256.MaxValue.ToBigInteger() ? UInt256.MaxValue : (UInt256)value;
}
