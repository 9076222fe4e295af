using Hyperion.Core;
using Hyperion.Core.Blocks;
using Hyperion.Core.Transactions;
using Hyperion.Rollup.Config;
using Hyperion.Rollup.Deposits;
using Hyperion.Rollup.L1Attributes;

namespace Hyperion.Rollup.Derivation;

/// <summary>
/// The inputs of one L2 block as derivation produces them (derivation.md "Building Individual Payload Attributes"):
/// the transactions are used as given (no transaction pool).
/// </summary>
public sealed record PayloadAttributes(
    ulong Timestamp,
    Hash256 PrevRandao,
    Address SuggestedFeeRecipient,
    IReadOnlyList<ReadOnlyMemory<byte>> Transactions,
    ulong GasLimit,
    bool HasWithdrawals,
    Hash256? ParentBeaconBlockRoot,
    L1BlockInfo L1Info);

/// <summary>The user deposits of an L1 block and the deposit logs that could not be decoded.</summary>
public sealed record DerivedDeposits(IReadOnlyList<Transaction> Deposits, IReadOnlyList<string> Errors);

/// <summary>
/// Payload-attributes derivation (derivation.md "Deriving Payload Attributes", op-node <c>PreparePayloadAttributes</c>):
/// the L1 attributes deposit first, then (in the first block of an epoch) the epoch's user deposits, then the batch's
/// transactions. Pure functions of the L1 origin, its receipts, the system config and the parent L2 block.
/// Network-upgrade transactions are not produced: forks must be active from L2 genesis.
/// </summary>
public static class PayloadAttributesBuilder
{
    /// <summary>
    /// The TransactionDeposited logs of the deposit contract in an L1 block's successful receipts, in log order, as
    /// deposit transactions (source hash from the block hash and the block-wide log index).
    /// </summary>
    public static DerivedDeposits DeriveDeposits(IReadOnlyList<Receipt> receipts, in Hash256 l1BlockHash, in Address depositContract)
    {
        ArgumentNullException.ThrowIfNull(receipts);
        List<Transaction> deposits = [];
        List<string> errors = [];
        ulong logIndex = 0;
        foreach (Receipt receipt in receipts)
        {
            foreach (Log log in receipt.Logs)
            {
                ulong index = logIndex++;
                if (!receipt.Success || log.Address != depositContract || log.Topics.Count == 0 || log.Topics[0] != DepositEvent.Topic)
                {
                    continue;
                }

                try
                {
                    deposits.Add(DepositEvent.Decode(log, l1BlockHash, index));
                }
                catch (RollupDecodeException e)
                {
                    errors.Add($"log {index}: {e.Message}");
                }
            }
        }

        return new DerivedDeposits(deposits, errors);
    }

    /// <summary>
    /// The system config after the ConfigUpdate logs of the SystemConfig contract in an L1 block's successful
    /// receipts; updates that cannot be parsed are skipped (and listed).
    /// </summary>
    public static (SystemConfig Config, IReadOnlyList<string> Skipped) ApplySystemConfigUpdates(
        SystemConfig current, IReadOnlyList<Receipt> receipts, RollupConfig config, ulong l1Time)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(receipts);
        ArgumentNullException.ThrowIfNull(config);
        List<string> skipped = [];
        foreach (Receipt receipt in receipts.Where(r => r.Success))
        {
            foreach (Log log in receipt.Logs)
            {
                if (log.Address != config.L1SystemConfigAddress || log.Topics.Count == 0 || log.Topics[0] != SystemConfig.ConfigUpdateTopic)
                {
                    continue;
                }

                try
                {
                    current = current.Apply(log, config, l1Time);
                }
                catch (RollupDecodeException e)
                {
                    skipped.Add(e.Message);
                }
            }
        }

        return (current, skipped);
    }

    /// <summary>
    /// The L1 attributes an L2 block records: the origin header's values, the system config's batcher and scalars,
    /// the sequence number, and the blob base fee from the origin's excess blob gas (1 without blob fields).
    /// </summary>
    public static L1BlockInfo L1Info(BlockHeader origin, SystemConfig systemConfig, ulong sequenceNumber, BlobSchedule l1BlobSchedule)
    {
        ArgumentNullException.ThrowIfNull(origin);
        ArgumentNullException.ThrowIfNull(systemConfig);
        ArgumentNullException.ThrowIfNull(l1BlobSchedule);
        (uint baseFeeScalar, uint blobBaseFeeScalar) = systemConfig.EcotoneScalars();
        return new L1BlockInfo
        {
            Number = origin.Number,
            Time = origin.Timestamp,
            BaseFee = origin.BaseFeePerGas ?? UInt256.Zero,
            BlockHash = origin.Hash,
            SequenceNumber = sequenceNumber,
            BatcherHash = L1BlockInfo.BatcherHashOf(systemConfig.BatcherAddress),
            BlobBaseFee = origin.ExcessBlobGas is ulong excess ? BlobGas.BaseFeePerBlobGas(excess, l1BlobSchedule) : UInt256.One,
            BaseFeeScalar = baseFeeScalar,
            BlobBaseFeeScalar = blobBaseFeeScalar,
        };
    }

    /// <summary>
    /// The payload attributes of the L2 block after <paramref name="parent"/> with L1 origin <paramref name="origin"/>
    /// and the batch's transactions. <paramref name="epochDeposits"/> are the origin's user deposits, included only when
    /// the block starts the epoch; <paramref name="systemConfig"/> is the config as of the origin.
    /// </summary>
    /// <exception cref="InvalidOperationException">
    /// The origin does not follow the parent's origin (a reset is needed), the L2 time would fall before the origin's,
    /// or the fork is not Ecotone.
    /// </exception>
    public static PayloadAttributes Build(
        RollupConfig config,
        SystemConfig systemConfig,
        BlockHeader origin,
        BlobSchedule l1BlobSchedule,
        L2BlockRef parent,
        IReadOnlyList<Transaction> epochDeposits,
        IReadOnlyList<ReadOnlyMemory<byte>> batchTransactions)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(origin);
        ArgumentNullException.ThrowIfNull(epochDeposits);
        ArgumentNullException.ThrowIfNull(batchTransactions);
        bool newEpoch = parent.L1Origin.Number != origin.Number;
        if (newEpoch ? parent.L1Origin.Hash != origin.ParentHash : parent.L1Origin.Hash != origin.Hash)
        {
            throw new InvalidOperationException($"L1 origin {origin.Number} does not follow the parent's origin {parent.L1Origin.Number}");
        }

        ulong timestamp = parent.Time + config.BlockTime;
        if (timestamp < origin.Timestamp)
        {
            throw new InvalidOperationException($"L2 time {timestamp} would be before its L1 origin's time {origin.Timestamp}");
        }

        if (!config.IsEcotone(timestamp) || (timestamp >= config.BlockTime && !config.IsEcotone(timestamp - config.BlockTime)))
        {
            throw new InvalidOperationException("only post-Ecotone blocks are supported (Ecotone must be active before the first derived block)");
        }

        L1BlockInfo info = L1Info(origin, systemConfig, newEpoch ? 0 : parent.SequenceNumber + 1, l1BlobSchedule);
        List<ReadOnlyMemory<byte>> transactions = [info.ToEcotoneDeposit().Envelope];
        if (newEpoch)
        {
            transactions.AddRange(epochDeposits.Select(d => d.Envelope));
        }

        transactions.AddRange(batchTransactions);
        return new PayloadAttributes(
            timestamp,
            origin.MixHash,
            Predeploys.SequencerFeeVault,
            transactions,
            systemConfig.GasLimit,
            HasWithdrawals: config.IsCanyon(timestamp),
            ParentBeaconBlockRoot: origin.ParentBeaconBlockRoot ?? Hash256.Zero,
            info);
    }
}
