using Hyperion.Core.Blocks;
using Hyperion.Core.Transactions;
using Hyperion.Rollup.Config;
using Hyperion.Rollup.Derivation;
using Hyperion.Rollup.Node.Engine;
using Microsoft.Extensions.Logging;

namespace Hyperion.Rollup.Node.Derivation;

/// <summary>
/// The payload attributes of the L2 block after a parent with a given L1 origin (op-node's attributes builder): the
/// system config the parent was built with, updated by the origin's ConfigUpdate logs when the block starts a new
/// epoch, and that epoch's deposits. Shared by the derivation (with a batch's transactions) and the sequencer.
/// </summary>
public sealed class AttributesSource(RollupConfig config, L1Cache l1, RollupEngine engine, BlobSchedule l1BlobSchedule, ILogger logger)
{
    /// <exception cref="InvalidOperationException">The origin does not follow the parent's origin (a reset is needed), or the L2 time would precede it.</exception>
    /// <exception cref="Hyperion.Rollup.Node.L1.L1SourceException">L1 could not be read.</exception>
    public async Task<PayloadAttributes> BuildAsync(L2BlockRef parent, BlockHeader origin, IReadOnlyList<ReadOnlyMemory<byte>> transactions, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(origin);
        SystemConfig systemConfig = engine.SystemConfigAfter(parent);
        IReadOnlyList<Transaction> deposits = [];
        if (parent.L1Origin.Number != origin.Number)
        {
            IReadOnlyList<Receipt> receipts = await l1.ReceiptsAsync(origin, cancellation).ConfigureAwait(false);
            (systemConfig, IReadOnlyList<string> skipped) = PayloadAttributesBuilder.ApplySystemConfigUpdates(systemConfig, receipts, config, origin.Timestamp);
            foreach (string reason in skipped)
            {
                logger.LogWarning("L1 block {Number}: ConfigUpdate skipped: {Reason}", origin.Number, reason);
            }

            DerivedDeposits derived = PayloadAttributesBuilder.DeriveDeposits(receipts, origin.Hash, config.DepositContractAddress);
            foreach (string error in derived.Errors)
            {
                logger.LogWarning("L1 block {Number}: deposit skipped: {Reason}", origin.Number, error);
            }

            deposits = derived.Deposits;
        }

        return PayloadAttributesBuilder.Build(config, systemConfig, origin, l1BlobSchedule, parent, deposits, transactions);
    }
}
