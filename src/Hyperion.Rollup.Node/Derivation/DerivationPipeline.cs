using Hyperion.Chain;
using Hyperion.Core;
using Hyperion.Core.Blocks;
using Hyperion.Core.Transactions;
using Hyperion.Rollup.Blobs;
using Hyperion.Rollup.Config;
using Hyperion.Rollup.Derivation;
using Hyperion.Rollup.Node.Engine;
using Hyperion.Rollup.Node.L1;
using Microsoft.Extensions.Logging;

namespace Hyperion.Rollup.Node.Derivation;

/// <summary>
/// The derivation pipeline (derivation.md, pre-Holocene, op-node's pipeline) driven one L1 block at a time: L1
/// traversal with parent-hash checks and the system config followed from ConfigUpdate logs → batcher data (calldata
/// and blobs) → frames → channel bank → channel reader → batch queue → payload attributes → the engine. Bad L1 data
/// is dropped by the spec's rules and logged with its reason; it never throws out of a step. An L1 reorg resets the
/// pipeline (op-node's reset): the safe chain is walked back to a block whose L1 origin is canonical and a
/// sequencing window behind, the channel bank and batch queue are cleared, and derivation starts again from there.
/// </summary>
public sealed class DerivationPipeline
{
    private readonly RollupConfig _config;
    private readonly L1Cache _l1;
    private readonly RollupEngine _engine;
    private readonly AttributesSource _attributes;
    private readonly ILogger _logger;
    private readonly ChannelBank _channelBank;
    private readonly BatchQueue _batchQueue;
    private readonly Queue<Batch> _batches = new();
    private readonly List<(L1BlockRef L1, L2BlockRef Safe)> _derivedFrom = [];
    private BlockHeader? _origin;
    private SystemConfig _l1SystemConfig;
    private bool _resetNeeded = true;
    private bool _reorg;
    private bool _spanInProgress;

    public DerivationPipeline(RollupConfig config, L1Cache l1, RollupEngine engine, AttributesSource attributes, ILogger logger)
    {
        _config = config ?? throw new ArgumentNullException(nameof(config));
        _l1 = l1 ?? throw new ArgumentNullException(nameof(l1));
        _engine = engine ?? throw new ArgumentNullException(nameof(engine));
        _attributes = attributes ?? throw new ArgumentNullException(nameof(attributes));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _channelBank = new ChannelBank(config);
        _batchQueue = new BatchQueue(config, engine);
        _l1SystemConfig = config.GenesisSystemConfig;
    }

    /// <summary>The L1 block the pipeline is reading (null before the first reset).</summary>
    public L1BlockRef? CurrentL1 => _origin?.ToRef();

    /// <summary>The system config as of <see cref="CurrentL1"/> (batcher filtering).</summary>
    public SystemConfig L1SystemConfig => _l1SystemConfig;

    /// <summary>
    /// Derives what the current L1 block allows, then moves to the next L1 block. True when it made progress (call
    /// again), false when L1 has no next block yet.
    /// </summary>
    /// <exception cref="L1SourceException">L1 could not be read: the caller retries (the step is repeatable).</exception>
    public async Task<bool> StepAsync(CancellationToken cancellation)
    {
        if (_resetNeeded)
        {
            await ResetAsync(cancellation).ConfigureAwait(false);
            return true;
        }

        if (!await DeriveFromCurrentAsync(cancellation).ConfigureAwait(false))
        {
            return true;
        }

        BlockHeader current = _origin!;
        if (_derivedFrom.Count > 0 && _derivedFrom[^1].L1 == current.ToRef())
        {
            _derivedFrom[^1] = (current.ToRef(), _engine.PendingSafe);
        }
        else
        {
            _derivedFrom.Add((current.ToRef(), _engine.PendingSafe));
        }

        BlockHeader? next = await _l1.HeaderByNumberAsync(current.Number + 1, cancellation).ConfigureAwait(false);
        if (next is null)
        {
            if (!await _l1.IsCanonicalAsync(new BlockId(current.Hash, current.Number), cancellation).ConfigureAwait(false))
            {
                RequestReset($"L1 block {current.Number} {current.Hash} is no longer canonical");
                return true;
            }

            return false;
        }

        if (next.ParentHash != current.Hash)
        {
            RequestReset($"L1 block {next.Number}'s parent is {next.ParentHash}, not {current.Hash}");
            return true;
        }

        await LoadAsync(next, applySystemConfig: true, cancellation).ConfigureAwait(false);
        return true;
    }

    /// <summary>Marks the newest safe block derived only from L1 data at or below <paramref name="l1Finalized"/> finalized.</summary>
    public void OnL1Finalized(L1BlockRef l1Finalized)
    {
        L2BlockRef? finalized = null;
        int keep = 0;
        for (int i = 0; i < _derivedFrom.Count; i++)
        {
            if (_derivedFrom[i].L1.Number <= l1Finalized.Number)
            {
                finalized = _derivedFrom[i].Safe;
                keep = i;
            }
        }

        if (finalized is { } block)
        {
            _engine.Finalize(block);
            _derivedFrom.RemoveRange(0, keep); // the newest finalized entry stays: later entries build on it
        }
    }

    /// <summary>Starts over from the safe chain at the next step (after a fault of this node), keeping the safe head.</summary>
    public void ResetAfterFault() => _resetNeeded = true;

    private void RequestReset(string reason)
    {
        _logger.LogWarning("L1 reorg: {Reason}; resetting the derivation", reason);
        _resetNeeded = true;
        _reorg = true;
    }

    /// <summary>Runs the batch queue on the current L1 block until it needs the next one; false if interrupted by a reset request.</summary>
    private async Task<bool> DeriveFromCurrentAsync(CancellationToken cancellation)
    {
        L1BlockRef origin = _origin!.ToRef();
        while (true)
        {
            cancellation.ThrowIfCancellationRequested();
            Batch? input = !_spanInProgress && _batches.Count > 0 ? _batches.Dequeue() : null;
            (BatchQueueStatus status, SingularBatch? batch, bool lastInSpan) next;
            try
            {
                next = _batchQueue.Next(_engine.PendingSafe, origin, input);
            }
            catch (InvalidOperationException e)
            {
                RequestReset(e.Message);
                return false;
            }

            foreach (string reason in _batchQueue.Dropped)
            {
                _logger.LogWarning("batch dropped (L1 block {Number}): {Reason}", origin.Number, reason);
            }

            if (next.status == BatchQueueStatus.Batch)
            {
                _spanInProgress = !next.lastInSpan;
                if (!await ApplyAsync(next.batch!, cancellation).ConfigureAwait(false))
                {
                    return false;
                }

                continue;
            }

            _spanInProgress = false;
            if (next.status == BatchQueueStatus.EndOfData && _batches.Count == 0)
            {
                return true;
            }
        }
    }

    private async Task<bool> ApplyAsync(SingularBatch batch, CancellationToken cancellation)
    {
        L2BlockRef parent = _engine.PendingSafe;
        BlockHeader epoch;
        try
        {
            epoch = await _l1.HeaderByHashAsync(batch.EpochHash, cancellation).ConfigureAwait(false);
        }
        catch (L1SourceException)
        {
            if (await _l1.IsCanonicalAsync(new BlockId(batch.EpochHash, batch.EpochNumber), cancellation).ConfigureAwait(false))
            {
                throw;
            }

            RequestReset($"the epoch {batch.EpochNumber} {batch.EpochHash} of the next batch is not on L1");
            return false;
        }

        PayloadAttributes attributes;
        try
        {
            attributes = await _attributes.BuildAsync(parent, epoch, batch.Transactions, cancellation).ConfigureAwait(false);
        }
        catch (InvalidOperationException e)
        {
            RequestReset(e.Message);
            return false;
        }

        if (!_engine.InsertDerived(attributes, out string? failure))
        {
            _logger.LogWarning("L2 block {Number} from L1 data cannot be built, dropping the batch: {Reason}", parent.Number + 1, failure);
            _spanInProgress = false;
        }

        return true;
    }

    /// <summary>Reads an L1 block's batcher data into the channel bank and the channels it completes into batches.</summary>
    private async Task LoadAsync(BlockHeader block, bool applySystemConfig, CancellationToken cancellation)
    {
        IReadOnlyList<Transaction> transactions = await _l1.Source.TransactionsAsync(block, cancellation).ConfigureAwait(false);
        SystemConfig systemConfig = _l1SystemConfig;
        if (applySystemConfig)
        {
            IReadOnlyList<Receipt> receipts = await _l1.ReceiptsAsync(block, cancellation).ConfigureAwait(false);
            (systemConfig, IReadOnlyList<string> skipped) = PayloadAttributesBuilder.ApplySystemConfigUpdates(systemConfig, receipts, _config, block.Timestamp);
            foreach (string reason in skipped)
            {
                _logger.LogWarning("L1 block {Number}: ConfigUpdate skipped: {Reason}", block.Number, reason);
            }
        }

        IReadOnlyList<BatcherData> data = L1Retrieval.Select(transactions, _config, systemConfig);
        Hash256[] blobHashes = [.. data.Where(d => d.IsBlob).Select(d => d.BlobHash!.Value)];
        IReadOnlyList<byte[]> blobs = blobHashes.Length == 0 ? [] : await _l1.Source.BlobsAsync(block, blobHashes, cancellation).ConfigureAwait(false);

        // Everything fetched: from here the block's state changes can no longer be interrupted by an L1 error.
        _origin = block;
        _l1SystemConfig = systemConfig;
        L1BlockRef origin = block.ToRef();
        int blobIndex = 0;
        foreach (BatcherData item in data)
        {
            ReadOnlyMemory<byte> bytes = item.Calldata;
            if (item.IsBlob)
            {
                try
                {
                    bytes = BlobCodec.Decode(blobs[blobIndex++]);
                }
                catch (RollupDecodeException e)
                {
                    _logger.LogWarning("L1 block {Number}: blob {Index} dropped: {Reason}", block.Number, item.BlobIndex, e.Message);
                    continue;
                }
            }

            Frame[] frames;
            try
            {
                frames = Frame.ParseBatcherData(bytes);
            }
            catch (RollupDecodeException e)
            {
                _logger.LogWarning("L1 block {Number}: batcher data dropped: {Reason}", block.Number, e.Message);
                continue;
            }

            foreach (Frame frame in frames)
            {
                ReadChannels(origin);
                if (!_channelBank.IngestFrame(frame, origin, out string? dropReason))
                {
                    _logger.LogWarning("L1 block {Number}: frame {Frame} of channel {Channel} dropped: {Reason}", block.Number, frame.Number, frame.ChannelId, dropReason);
                }
            }
        }

        ReadChannels(origin);
    }

    private void ReadChannels(L1BlockRef origin)
    {
        while (_channelBank.TryReadChannel(origin, out Channel? channel))
        {
            ChannelReader.Result result = ChannelReader.Read(channel!.ReadData(), _config, origin.Time);
            if (result.StopReason is not null)
            {
                _logger.LogWarning("L1 block {Number}: channel {Channel} read {Count} batches, then stopped: {Reason}", origin.Number, channel.Id, result.Batches.Count, result.StopReason);
            }

            foreach (Batch batch in result.Batches)
            {
                _batches.Enqueue(batch);
            }
        }
    }

    /// <summary>
    /// op-node's pipeline reset: the derivation restarts from an L2 block whose L1 origin is canonical and a sequencing
    /// window behind the newest such block (so every batch of the blocks after it is re-read from canonical L1), the
    /// L1 read position a channel timeout before its origin (so channels open there are re-read whole).
    /// </summary>
    private async Task ResetAsync(CancellationToken cancellation)
    {
        ChainStore store = _engine.Chain.Store;
        L2BlockRef floor = _engine.Finalized;
        var canonicalOrigins = new Dictionary<BlockId, bool>();

        // The unsafe chain keeps only blocks whose L1 origin is canonical (a sequencer that built on a dropped L1 block).
        L2BlockRef initialUnsafe = _engine.Unsafe;
        L2BlockRef unsafeHead = initialUnsafe;
        while (unsafeHead.Number > floor.Number && !await IsCanonicalOriginAsync(unsafeHead, canonicalOrigins, cancellation).ConfigureAwait(false))
        {
            unsafeHead = Parent(store, unsafeHead);
        }

        L2BlockRef cursor = _engine.Safe.Number < unsafeHead.Number ? _engine.Safe : unsafeHead;
        while (cursor.Number > floor.Number && !await IsCanonicalOriginAsync(cursor, canonicalOrigins, cancellation).ConfigureAwait(false))
        {
            cursor = Parent(store, cursor);
        }

        ulong highestOrigin = cursor.L1Origin.Number;
        while (cursor.Number > floor.Number && cursor.L1Origin.Number + _config.SeqWindowSize > highestOrigin && cursor.L1Origin.Number > _config.GenesisL1.Number)
        {
            cursor = Parent(store, cursor);
        }

        L2BlockRef pipelineL2 = cursor;
        BlockHeader pipelineOrigin = await _l1.HeaderByHashAsync(pipelineL2.L1Origin.Hash, cancellation).ConfigureAwait(false);
        while (pipelineL2.Number > _config.GenesisL2.Number && pipelineL2.L1Origin.Number > _config.GenesisL1.Number
            && pipelineL2.L1Origin.Number + _config.ChannelTimeout(pipelineOrigin.Timestamp) > cursor.L1Origin.Number)
        {
            pipelineL2 = Parent(store, pipelineL2);
            if (pipelineL2.L1Origin.Hash != pipelineOrigin.Hash)
            {
                pipelineOrigin = await _l1.HeaderByHashAsync(pipelineL2.L1Origin.Hash, cancellation).ConfigureAwait(false);
            }
        }

        if (_logger.IsEnabled(LogLevel.Information))
        {
            _logger.LogInformation(
                "derivation reset: from L2 block {Cursor} (L1 origin {Origin}), reading L1 from block {L1}; unsafe head {Unsafe}",
                cursor.Number, cursor.L1Origin.Number, pipelineOrigin.Number, unsafeHead.Number);
        }

        // Only a walk over non-canonical blocks cuts the chain; blocks a sequencer added meanwhile stay.
        _engine.Reset(cursor, rewindSafe: _reorg, unsafeHead.Hash != initialUnsafe.Hash ? unsafeHead : null);
        _channelBank.Clear();
        _batches.Clear();
        _spanInProgress = false;
        _batchQueue.Reset(pipelineOrigin.ToRef());
        _derivedFrom.RemoveAll(d => d.L1.Number >= pipelineOrigin.Number);
        _l1SystemConfig = _engine.SystemConfigAfter(pipelineL2);
        await LoadAsync(pipelineOrigin, applySystemConfig: false, cancellation).ConfigureAwait(false);
        _resetNeeded = false;
        _reorg = false;
    }

    private async Task<bool> IsCanonicalOriginAsync(L2BlockRef block, Dictionary<BlockId, bool> known, CancellationToken cancellation)
    {
        if (!known.TryGetValue(block.L1Origin, out bool canonical))
        {
            canonical = await _l1.IsCanonicalAsync(block.L1Origin, cancellation).ConfigureAwait(false);
            known[block.L1Origin] = canonical;
        }

        return canonical;
    }

    private L2BlockRef Parent(ChainStore store, L2BlockRef block) =>
        _engine.RefOf(store.GetByHash(block.ParentHash) ?? throw new InvalidOperationException($"L2 block {block.Number}'s parent is not in the chain"));
}
