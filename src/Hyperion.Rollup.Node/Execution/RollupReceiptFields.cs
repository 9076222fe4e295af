using Hyperion.Core;
using Hyperion.Core.Blocks;
using Hyperion.Core.Transactions;
using Hyperion.Rollup.Config;
using Hyperion.Rollup.Fees;
using Hyperion.Rollup.L1Attributes;

namespace Hyperion.Rollup.Node.Execution;

/// <summary>
/// The L1 fee fields op-geth adds to the receipt of every non-deposit transaction, worked out as op-geth does from
/// the L1 attributes deposit that opens the block (not from state): <c>l1GasPrice</c> (the L1 base fee),
/// <c>l1GasUsed</c>, <c>l1Fee</c>, <c>l1BaseFeeScalar</c>, <c>l1BlobBaseFee</c>, <c>l1BlobBaseFeeScalar</c>, with
/// Fjord's FastLZ-based estimate for <c>l1GasUsed</c> and <c>l1Fee</c> once Fjord is active.
/// </summary>
public static class RollupReceiptFields
{
    /// <summary>The fields of transaction <paramref name="index"/> of <paramref name="block"/>; empty for a deposit or a block without Ecotone L1 attributes.</summary>
    public static IReadOnlyList<KeyValuePair<string, UInt256>> For(RollupConfig config, Block block, int index)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(block);
        Transaction tx = block.Transactions[index];
        if (tx.Type == TransactionType.Deposit || block.Transactions.Length == 0 || block.Transactions[0].Type != TransactionType.Deposit)
        {
            return [];
        }

        L1BlockInfo info;
        try
        {
            info = L1BlockInfo.Decode(block.Transactions[0].Data.Span);
        }
        catch (RollupDecodeException)
        {
            return [];
        }

        var parameters = new L1FeeParameters(info.BaseFee, info.BlobBaseFee, info.BaseFeeScalar, info.BlobBaseFeeScalar);
        L1Cost cost = RollupTransactionHandler.L1CostOf(config, tx.Envelope.Span, block.Header.Timestamp, parameters);
        return
        [
            new("l1GasPrice", info.BaseFee),
            new("l1GasUsed", cost.GasUsed),
            new("l1Fee", cost.Fee),
            new("l1BaseFeeScalar", info.BaseFeeScalar),
            new("l1BlobBaseFee", info.BlobBaseFee),
            new("l1BlobBaseFeeScalar", info.BlobBaseFeeScalar),
        ];
    }
}
