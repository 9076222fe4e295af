using Hyperion.Rollup.Config;

namespace Hyperion.Rollup.Derivation;

/// <summary>What <see cref="BatchQueue.Next"/> produced.</summary>
public enum BatchQueueStatus
{
    /// <summary>A batch for the block after the safe head.</summary>
    Batch,

    /// <summary>Nothing yet: feed more batches from the current L1 block, or advance L1.</summary>
    NeedMoreData,

    /// <summary>Nothing until the next L1 block (the previous stage is out of data).</summary>
    EndOfData,
}

/// <summary>
/// The batch queue stage (derivation.md "Batch Queue", pre-Holocene, op-node's <c>BatchQueue</c>): buffers batches in
/// L1 inclusion order, keeps the window of L1 blocks from the safe head's origin to the current L1 block, hands out
/// the next valid batch (a span batch is handed out block by block), and derives deposit-only batches when the
/// sequencing window expires. Deterministic; the caller drives it with the safe head and the L1 position.
/// </summary>
public sealed class BatchQueue(RollupConfig config, ISafeL2Chain safeChain)
{
    private readonly RollupConfig _config = config ?? throw new ArgumentNullException(nameof(config));
    private readonly ISafeL2Chain _safeChain = safeChain ?? throw new ArgumentNullException(nameof(safeChain));
    private readonly List<(Batch Batch, L1BlockRef Inclusion)> _batches = [];
    private readonly List<L1BlockRef> _l1Blocks = [];
    private readonly List<SingularBatch> _nextSpan = [];

    /// <summary>The L1 block the stage has read up to.</summary>
    public L1BlockRef Origin { get; private set; }

    /// <summary>The L1 window: the current epoch first.</summary>
    public IReadOnlyList<L1BlockRef> L1Blocks => _l1Blocks;

    /// <summary>Buffered batches, in inclusion order.</summary>
    public int BufferedCount => _batches.Count;

    /// <summary>Why the last dropped batches were dropped (cleared by each <see cref="Next"/>), for logging.</summary>
    public IReadOnlyList<string> Dropped => _dropped;

    private readonly List<string> _dropped = [];

    /// <summary>Starts over from <paramref name="baseOrigin"/>, the L1 origin of the safe head.</summary>
    public void Reset(L1BlockRef baseOrigin)
    {
        Origin = baseOrigin;
        _batches.Clear();
        _l1Blocks.Clear();
        _l1Blocks.Add(baseOrigin);
        _nextSpan.Clear();
    }

    /// <summary>
    /// One step. <paramref name="previousOrigin"/> is the L1 block the channel reader is at; <paramref name="newBatch"/>
    /// the batch it produced (with that block as inclusion block), or null when it is out of data for that block.
    /// Returns the next batch on top of <paramref name="parent"/> (the safe head) when one can be derived;
    /// <c>LastInSpan</c> is false while more blocks of the same span batch follow.
    /// </summary>
    public (BatchQueueStatus Status, SingularBatch? Batch, bool LastInSpan) Next(L2BlockRef parent, L1BlockRef previousOrigin, Batch? newBatch)
    {
        _dropped.Clear();
        if (_nextSpan.Count > 0)
        {
            if (_nextSpan[0].Timestamp == parent.Time + _config.BlockTime)
            {
                SingularBatch cached = PopNext(parent);
                return (BatchQueueStatus.Batch, cached, _nextSpan.Count == 0);
            }

            // The safe head did not take the previous block of the span: the rest of the span is invalid.
            _nextSpan.Clear();
        }

        // Keep the L1 window starting at the safe head's origin (only once a span batch is fully applied).
        if (_l1Blocks.Count > 0 && parent.L1Origin.Number > _l1Blocks[0].Number)
        {
            int index = _l1Blocks.FindIndex(b => b.Number == parent.L1Origin.Number);
            if (index > 0)
            {
                _l1Blocks.RemoveRange(0, index);
            }
        }

        bool originBehind = previousOrigin.Number < parent.L1Origin.Number;
        if (previousOrigin != Origin)
        {
            Origin = previousOrigin;
            if (!originBehind)
            {
                _l1Blocks.Add(Origin);
            }
            else
            {
                _l1Blocks.Clear();
            }
        }

        bool outOfData = newBatch is null;
        if (newBatch is not null && !originBehind)
        {
            Add(newBatch, parent);
        }

        if (originBehind)
        {
            return (outOfData ? BatchQueueStatus.EndOfData : BatchQueueStatus.NeedMoreData, null, false);
        }

        Batch? next = DeriveNext(outOfData, parent);
        if (next is null)
        {
            return (outOfData ? BatchQueueStatus.EndOfData : BatchQueueStatus.NeedMoreData, null, false);
        }

        if (next is SingularBatch singular)
        {
            return (BatchQueueStatus.Batch, singular, true);
        }

        _nextSpan.AddRange(((SpanBatch)next).ToSingularBatches(_l1Blocks, parent));
        SingularBatch first = PopNext(parent);
        return (BatchQueueStatus.Batch, first, _nextSpan.Count == 0);
    }

    private void Add(Batch batch, L2BlockRef parent)
    {
        if (_l1Blocks.Count == 0)
        {
            throw new InvalidOperationException("the batch queue has no L1 origin: call Reset first");
        }

        BatchCheck check = BatchValidation.Check(_config, _l1Blocks, parent, batch, Origin, _safeChain);
        if (check.Validity == BatchValidity.Drop)
        {
            _dropped.Add(check.Reason ?? "dropped");
            return;
        }

        _batches.Add((batch, Origin));
    }

    private Batch? DeriveNext(bool outOfData, L2BlockRef parent)
    {
        L1BlockRef epoch = _l1Blocks[0];
        if (parent.L1Origin != epoch.Id && parent.L1Origin.Number != epoch.Number - 1)
        {
            throw new InvalidOperationException($"the batch queue's epoch {epoch.Number} does not match the safe head's origin {parent.L1Origin.Number}: reset the pipeline");
        }

        for (int i = 0; i < _batches.Count; i++)
        {
            (Batch batch, L1BlockRef inclusion) = _batches[i];
            BatchCheck check = BatchValidation.Check(_config, _l1Blocks, parent, batch, inclusion, _safeChain);
            switch (check.Validity)
            {
                case BatchValidity.Future:
                    continue;
                case BatchValidity.Drop:
                    _dropped.Add(check.Reason ?? "dropped");
                    _batches.RemoveAt(i--);
                    continue;
                case BatchValidity.Accept:
                    _batches.RemoveAt(i);
                    return batch;
                default:
                    return null; // undecided: keep everything from here and wait for L1 data
            }
        }

        (EmptyBatchAction action, SingularBatch? empty) = BatchValidation.DeriveEmptyBatch(_config, _l1Blocks, parent, Origin.Number, outOfData);
        if (action == EmptyBatchAction.AdvanceEpoch)
        {
            _l1Blocks.RemoveAt(0);
        }

        return action == EmptyBatchAction.UseEmptyBatch ? empty : null;
    }

    private SingularBatch PopNext(L2BlockRef parent)
    {
        SingularBatch next = _nextSpan[0];
        _nextSpan.RemoveAt(0);
        return new SingularBatch(parent.Hash, next.EpochNumber, next.EpochHash, next.Timestamp, next.Transactions);
    }
}
