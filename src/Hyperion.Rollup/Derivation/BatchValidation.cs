using Hyperion.Rollup.Config;

namespace Hyperion.Rollup.Derivation;

/// <summary>The four outcomes of checking a batch (derivation.md "Batch Queue").</summary>
public enum BatchValidity
{
    /// <summary>Invalid, now and later (unless L1 reorgs): remove it.</summary>
    Drop,

    /// <summary>Valid: apply it.</summary>
    Accept,

    /// <summary>More L1 data is needed to decide.</summary>
    Undecided,

    /// <summary>May be valid, but not yet: keep it for later.</summary>
    Future,
}

/// <summary>A validity verdict and, for anything but accept, the rule that decided it.</summary>
public readonly record struct BatchCheck(BatchValidity Validity, string? Reason)
{
    public static readonly BatchCheck Accepted = new(BatchValidity.Accept, null);

    public static BatchCheck Drop(string reason) => new(BatchValidity.Drop, reason);

    public static BatchCheck Undecided(string reason) => new(BatchValidity.Undecided, reason);

    public static BatchCheck Future(string reason) => new(BatchValidity.Future, reason);
}

/// <summary>The current safe L2 chain, as far as span-batch checks need to look back into it.</summary>
public interface ISafeL2Chain
{
    /// <summary>The safe block at <paramref name="number"/>; false if unknown (the check is then undecided).</summary>
    bool TryGetBlock(ulong number, out L2BlockRef block);

    /// <summary>All transactions (deposits included) of the safe block at <paramref name="number"/>, as EIP-2718 encodings.</summary>
    bool TryGetTransactions(ulong number, out IReadOnlyList<ReadOnlyMemory<byte>> transactions);
}

/// <summary>What the batch queue does when no buffered batch is accepted.</summary>
public enum EmptyBatchAction
{
    /// <summary>Wait for more L1 data.</summary>
    NeedMoreData,

    /// <summary>Apply the deposit-only batch returned with it.</summary>
    UseEmptyBatch,

    /// <summary>Every empty block of the current epoch exists: drop the first L1 block of the window and try again.</summary>
    AdvanceEpoch,
}

/// <summary>
/// The batch queue's validity rules as pure functions of their inputs (derivation.md "Batch Queue" and
/// delta/span-batches.md "Batch Queue", pre-Holocene, as op-node's <c>checkSingularBatch</c>, <c>checkSpanBatch</c>
/// and <c>deriveNextBatch</c> apply them). <c>l1Blocks</c> is the batch queue's window of L1 blocks: index 0 is the
/// current epoch (the safe head's L1 origin), index 1 the next epoch if known.
/// </summary>
public static class BatchValidation
{
    private const byte AccessListType = 0x01;
    private const byte DynamicFeeType = 0x02;
    private const byte SetCodeType = 0x04;
    private const byte DepositType = 0x7e;

    public static BatchCheck Check(RollupConfig config, IReadOnlyList<L1BlockRef> l1Blocks, L2BlockRef safeHead, Batch batch, L1BlockRef inclusionBlock, ISafeL2Chain safeChain) =>
        batch switch
        {
            SingularBatch singular => CheckSingular(config, l1Blocks, safeHead, singular, inclusionBlock),
            SpanBatch span => CheckSpan(config, l1Blocks, safeHead, span, inclusionBlock, safeChain),
            _ => throw new ArgumentException("unknown batch type", nameof(batch)),
        };

    public static BatchCheck CheckSingular(RollupConfig config, IReadOnlyList<L1BlockRef> l1Blocks, L2BlockRef safeHead, SingularBatch batch, L1BlockRef inclusionBlock)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(l1Blocks);
        ArgumentNullException.ThrowIfNull(batch);
        if (l1Blocks.Count == 0)
        {
            return BatchCheck.Undecided("no L1 origins known");
        }

        L1BlockRef epoch = l1Blocks[0];
        ulong nextTimestamp = safeHead.Time + config.BlockTime;
        if (batch.Timestamp > nextTimestamp)
        {
            return BatchCheck.Future("batch timestamp is after the next L2 timestamp");
        }

        if (batch.Timestamp < nextTimestamp)
        {
            return BatchCheck.Drop("batch timestamp is before the next L2 timestamp");
        }

        if (batch.ParentHash != safeHead.Hash)
        {
            return BatchCheck.Drop("parent hash is not the safe head");
        }

        if (batch.EpochNumber + config.SeqWindowSize < inclusionBlock.Number)
        {
            return BatchCheck.Drop("batch was included after its sequencing window");
        }

        L1BlockRef batchOrigin;
        if (batch.EpochNumber < epoch.Number)
        {
            return BatchCheck.Drop("batch epoch is older than the safe head's");
        }
        else if (batch.EpochNumber == epoch.Number)
        {
            batchOrigin = epoch;
        }
        else if (batch.EpochNumber == epoch.Number + 1)
        {
            if (l1Blocks.Count < 2)
            {
                return BatchCheck.Undecided("the next L1 origin is not known yet");
            }

            batchOrigin = l1Blocks[1];
        }
        else
        {
            return BatchCheck.Drop("batch epoch advances by more than one L1 block");
        }

        if (batch.EpochHash != batchOrigin.Hash)
        {
            return BatchCheck.Drop("batch epoch hash is not the canonical L1 block");
        }

        if (batch.Timestamp < batchOrigin.Time)
        {
            return BatchCheck.Drop("batch timestamp is before its L1 origin");
        }

        if (batch.Timestamp > batchOrigin.Time + config.MaxSequencerDriftAt(batchOrigin.Time))
        {
            if (batch.Transactions.Count > 0)
            {
                return BatchCheck.Drop("batch exceeds the max sequencer drift with transactions");
            }

            // An empty batch past the drift is allowed only if it could not have adopted the next origin.
            if (epoch.Number == batch.EpochNumber)
            {
                if (l1Blocks.Count < 2)
                {
                    return BatchCheck.Undecided("the next L1 origin is needed to judge the sequencer drift");
                }

                if (batch.Timestamp >= l1Blocks[1].Time)
                {
                    return BatchCheck.Drop("batch exceeds the sequencer drift and should have adopted the next L1 origin");
                }
            }
        }

        string? invalidTx = CheckTransactions(config, batch.Timestamp, batch.Transactions, singular: true);
        return invalidTx is null ? BatchCheck.Accepted : BatchCheck.Drop(invalidTx);
    }

    public static BatchCheck CheckSpan(RollupConfig config, IReadOnlyList<L1BlockRef> l1Blocks, L2BlockRef safeHead, SpanBatch batch, L1BlockRef inclusionBlock, ISafeL2Chain safeChain)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(l1Blocks);
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(safeChain);
        if (l1Blocks.Count == 0)
        {
            return BatchCheck.Undecided("no L1 origins known");
        }

        L1BlockRef epoch = l1Blocks[0];
        ulong startEpoch = batch.StartEpochNumber;
        L1BlockRef batchOrigin = epoch;
        if (startEpoch == epoch.Number + 1)
        {
            if (l1Blocks.Count < 2)
            {
                return BatchCheck.Undecided("the next L1 origin is not known yet");
            }

            batchOrigin = l1Blocks[1];
        }

        if (!config.IsDelta(batchOrigin.Time))
        {
            return BatchCheck.Drop("span batch before Delta");
        }

        ulong nextTimestamp = safeHead.Time + config.BlockTime;
        if (batch.Timestamp > nextTimestamp)
        {
            return BatchCheck.Future("span batch starts after the next L2 timestamp");
        }

        if (batch.Blocks[^1].Timestamp < nextTimestamp)
        {
            return BatchCheck.Drop("span batch has no new blocks");
        }

        // The parent: the safe head, or an older safe block when the span overlaps the safe chain.
        ulong parentNumber = safeHead.Number;
        L2BlockRef parent = safeHead;
        if (batch.Timestamp < nextTimestamp)
        {
            if (batch.Timestamp > safeHead.Time)
            {
                return BatchCheck.Drop("span batch timestamp is misaligned");
            }

            if ((safeHead.Time - batch.Timestamp) % config.BlockTime != 0)
            {
                return BatchCheck.Drop("span batch timestamp is misaligned");
            }

            ulong back = ((safeHead.Time - batch.Timestamp) / config.BlockTime) + 1;
            if (back > safeHead.Number)
            {
                return BatchCheck.Drop("span batch starts before L2 genesis");
            }

            parentNumber = safeHead.Number - back;
            if (!safeChain.TryGetBlock(parentNumber, out parent))
            {
                return BatchCheck.Undecided($"safe block {parentNumber} is not available");
            }
        }

        if (!batch.CheckParentHash(parent.Hash))
        {
            return BatchCheck.Drop("parent check does not match the parent block");
        }

        if (startEpoch + config.SeqWindowSize < inclusionBlock.Number)
        {
            return BatchCheck.Drop("span batch was included after its sequencing window");
        }

        if (startEpoch > parent.L1Origin.Number + 1)
        {
            return BatchCheck.Drop("span batch epoch advances by more than one L1 block");
        }

        ulong endEpoch = batch.EndEpochNumber;
        bool originChecked = false;
        foreach (L1BlockRef l1Block in l1Blocks)
        {
            if (l1Block.Number == endEpoch)
            {
                if (!batch.CheckOriginHash(l1Block.Hash))
                {
                    return BatchCheck.Drop("L1 origin check does not match the canonical L1 block");
                }

                originChecked = true;
                break;
            }
        }

        if (!originChecked)
        {
            return BatchCheck.Undecided("the L1 origins of the whole span are not known yet");
        }

        if (startEpoch < parent.L1Origin.Number)
        {
            return BatchCheck.Drop("span batch epoch is older than its parent's");
        }

        int originIndex = 0;
        bool originAdvanced = startEpoch == parent.L1Origin.Number + 1;
        for (int i = 0; i < batch.Blocks.Count; i++)
        {
            SpanBatchElement block = batch.Blocks[i];
            if (block.Timestamp <= safeHead.Time)
            {
                continue;
            }

            // As op-node: an origin not in the window leaves a zero origin (and the time checks then decide).
            L1BlockRef l1Origin = default;
            for (int j = originIndex; j < l1Blocks.Count; j++)
            {
                if (block.EpochNumber == l1Blocks[j].Number)
                {
                    l1Origin = l1Blocks[j];
                    originIndex = j;
                    break;
                }
            }

            if (i > 0)
            {
                originAdvanced = block.EpochNumber > batch.Blocks[i - 1].EpochNumber;
            }

            if (block.Timestamp < l1Origin.Time)
            {
                return BatchCheck.Drop($"block {i} of the span is before its L1 origin");
            }

            if (block.Timestamp > l1Origin.Time + config.MaxSequencerDriftAt(l1Origin.Time))
            {
                if (block.Transactions.Count > 0)
                {
                    return BatchCheck.Drop($"block {i} of the span exceeds the max sequencer drift with transactions");
                }

                if (!originAdvanced)
                {
                    if (originIndex + 1 >= l1Blocks.Count)
                    {
                        return BatchCheck.Undecided("the next L1 origin is needed to judge the sequencer drift");
                    }

                    if (block.Timestamp >= l1Blocks[originIndex + 1].Time)
                    {
                        return BatchCheck.Drop($"block {i} of the span exceeds the sequencer drift and should have adopted the next L1 origin");
                    }
                }
            }

            string? invalidTx = CheckTransactions(config, block.Timestamp, block.Transactions, singular: false);
            if (invalidTx is not null)
            {
                return BatchCheck.Drop($"block {i} of the span: {invalidTx}");
            }
        }

        // Blocks that overlap the safe chain must match it exactly (transactions compared without deposits).
        if (batch.Timestamp < nextTimestamp)
        {
            for (ulong i = 0; i < safeHead.Number - parentNumber; i++)
            {
                ulong number = parentNumber + i + 1;
                if (!safeChain.TryGetBlock(number, out L2BlockRef safeBlock) || !safeChain.TryGetTransactions(number, out IReadOnlyList<ReadOnlyMemory<byte>> safeTxs))
                {
                    return BatchCheck.Undecided($"safe block {number} is not available");
                }

                SpanBatchElement block = batch.Blocks[(int)i];
                int deposits = safeTxs.Count(t => !t.IsEmpty && t.Span[0] == DepositType);
                if (safeTxs.Count - deposits != block.Transactions.Count)
                {
                    return BatchCheck.Drop($"overlapped block {number} has different transactions");
                }

                for (int j = 0; j < block.Transactions.Count; j++)
                {
                    if (!safeTxs[j + deposits].Span.SequenceEqual(block.Transactions[j].Span))
                    {
                        return BatchCheck.Drop($"overlapped block {number} has different transactions");
                    }
                }

                if (safeBlock.L1Origin.Number != block.EpochNumber)
                {
                    return BatchCheck.Drop($"overlapped block {number} has a different L1 origin");
                }
            }
        }

        return BatchCheck.Accepted;
    }

    /// <summary>
    /// The deposit-only batch the queue derives when no batch is accepted and the sequencing window of the current
    /// epoch has expired (derivation.md "Batch Queue", last part): same epoch while the next L1 origin is still in the
    /// future of the next L2 timestamp, or if the epoch has no L2 block yet; otherwise advance the epoch.
    /// </summary>
    /// <param name="l1Blocks">The batch queue's L1 window (index 0: current epoch, possibly one ahead of the parent's origin).</param>
    /// <param name="parent">The safe head.</param>
    /// <param name="currentL1Number">Number of the L1 block the queue has read up to.</param>
    /// <param name="outOfData">True when every batch from that L1 block has been read.</param>
    public static (EmptyBatchAction Action, SingularBatch? Batch) DeriveEmptyBatch(RollupConfig config, IReadOnlyList<L1BlockRef> l1Blocks, L2BlockRef parent, ulong currentL1Number, bool outOfData)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(l1Blocks);
        if (l1Blocks.Count == 0)
        {
            return (EmptyBatchAction.NeedMoreData, null);
        }

        L1BlockRef epoch = l1Blocks[0];
        ulong expiryEpoch = epoch.Number + config.SeqWindowSize;
        bool forceEmptyBatches = (expiryEpoch == currentL1Number && outOfData) || expiryEpoch < currentL1Number;
        bool firstOfEpoch = epoch.Number == parent.L1Origin.Number + 1;
        if (!forceEmptyBatches || l1Blocks.Count < 2)
        {
            return (EmptyBatchAction.NeedMoreData, null);
        }

        ulong nextTimestamp = parent.Time + config.BlockTime;
        if (nextTimestamp < l1Blocks[1].Time || firstOfEpoch)
        {
            return (EmptyBatchAction.UseEmptyBatch, new SingularBatch(parent.Hash, epoch.Number, epoch.Hash, nextTimestamp, []));
        }

        return (EmptyBatchAction.AdvanceEpoch, null);
    }

    /// <summary>
    /// A batch may carry only sequencer transactions: non-empty, not deposits, and (singular batches, whose
    /// transactions are opaque) no typed transaction other than 1 and 2; SetCode (4) only from Isthmus.
    /// </summary>
    private static string? CheckTransactions(RollupConfig config, ulong timestamp, IReadOnlyList<ReadOnlyMemory<byte>> transactions, bool singular)
    {
        bool isthmus = config.IsIsthmus(timestamp);
        for (int i = 0; i < transactions.Count; i++)
        {
            ReadOnlySpan<byte> tx = transactions[i].Span;
            if (tx.IsEmpty)
            {
                return $"transaction {i} is empty";
            }

            byte type = tx[0];
            if (type == DepositType)
            {
                return $"transaction {i} is a deposit";
            }

            if (type == SetCodeType && !isthmus)
            {
                return $"transaction {i} is a SetCode transaction before Isthmus";
            }

            if (singular && type < 0x80 && type is not (AccessListType or DynamicFeeType or SetCodeType))
            {
                return $"transaction {i} has unsupported type {type}";
            }
        }

        return null;
    }
}
