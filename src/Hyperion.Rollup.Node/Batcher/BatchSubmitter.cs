using Hyperion.Rollup.Config;
using Hyperion.Rollup.Derivation;
using Hyperion.Rollup.Node.L1;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Hyperion.Rollup.Node.Batcher;

public sealed record BatcherOptions
{
    public DataAvailability DataAvailability { get; init; } = DataAvailability.Calldata;

    public CompressionAlgorithm Compression { get; init; } = CompressionAlgorithm.Zlib;

    public BatchKind BatchKind { get; init; } = BatchKind.Singular;

    public int MaxCalldataSize { get; init; } = ChannelBuilder.DefaultMaxCalldataSize;

    /// <summary>Blobs per transaction (Cancun allows 6 per block).</summary>
    public int BlobsPerTransaction { get; init; } = 6;

    /// <summary>A channel that is not full is posted once L1 has advanced this many blocks since it was opened.</summary>
    public ulong MaxChannelDuration { get; init; } = 1;

    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// At start, how many L1 blocks to wait for transactions this key sent before (a previous run's, still in L1's
    /// pool) to be included before going on without them (one stuck for good must not stop the batcher).
    /// </summary>
    public ulong StartupPendingWait { get; init; } = 25;
}

/// <summary>What one posted channel was: its L2 blocks, the mode chosen, and the L1 transactions that carried it.</summary>
public sealed record PostedChannel(ChannelId Id, ulong FirstBlock, ulong LastBlock, DataAvailability Mode, int CompressedSize, IReadOnlyList<TxInclusion> Transactions);

/// <summary>
/// The batcher: follows the L2 node's unsafe head, fills channels with the blocks after what L1 already has (the safe
/// head), and posts each channel to the batch inbox through the <see cref="TxManager"/>. It starts from the safe head
/// once that head accounts for everything L1 holds (op-batcher's wait for node sync): its own transactions from a
/// previous run are included, and the L2 node's derivation has read L1 past the head of that moment. So a restart
/// posts no block twice, even when the node restarted too and is re-deriving. An L2 reorg below what it holds, or
/// posted data that L1 never turned into safe blocks within a channel timeout (an L1 reorg dropped it), sends it back
/// to the safe head.
/// </summary>
public sealed class BatchSubmitter
{
    private readonly RollupConfig _config;
    private readonly RollupNodeClient _l2;
    private readonly TxManager _tx;
    private readonly BatcherOptions _options;
    private readonly ILogger _log;
    private ChannelBuilder? _channel;
    private ulong _channelOpenedAtL1;
    private ulong? _next;
    private ulong? _lastSafe;

    /// <summary>At start: the L1 block the L2 node must derive past before the batcher reads its safe head.</summary>
    private ulong? _startAfterL1;

    /// <summary>At start: the L1 head when this key's pending transactions were first seen.</summary>
    private ulong? _pendingSeenAtL1;

    /// <summary>Channels posted whose blocks L1 has not made safe yet, oldest first.</summary>
    private readonly Queue<PostedChannel> _unsafePosted = new();

    public BatchSubmitter(RollupConfig config, RollupNodeClient l2, TxManager tx, BatcherOptions? options = null, ILogger? log = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        _config = config;
        _l2 = l2;
        _tx = tx;
        _options = options ?? new BatcherOptions();
        _log = log ?? NullLogger.Instance;
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.BlobsPerTransaction, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.MaxCalldataSize, Frame.Overhead + 2);
    }

    /// <summary>The next L2 block to batch (null before the first step).</summary>
    public ulong? NextBlock => _next;

    /// <summary>Posts channels until cancelled; L1 or L2 trouble is logged and retried.</summary>
    public async Task RunAsync(CancellationToken cancellation)
    {
        while (!cancellation.IsCancellationRequested)
        {
            try
            {
                await StepAsync(force: false, cancellation).ConfigureAwait(false);
            }
            catch (Exception e) when (e is JsonRpcCallException or FormatException or L1SourceException)
            {
                _log.LogWarning("batcher: {Reason}; retrying", e.Message);
            }
            catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
            {
                break; // stopped in the middle of a round: the next start reads from L1 what was included
            }

            try
            {
                await Task.Delay(_options.PollInterval, cancellation).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    /// <summary>
    /// One round: read the heads, add new unsafe blocks to the open channel, and post it when full, when L1 has moved
    /// on by the channel duration, or when <paramref name="force"/> asks. Returns the channel posted, if any.
    /// </summary>
    public async Task<PostedChannel?> StepAsync(bool force, CancellationToken cancellation)
    {
        L2SyncStatus status = await _l2.SyncStatusAsync(cancellation).ConfigureAwait(false);
        ulong safe = status.Safe.Number;
        if (_next is null)
        {
            if (!await SyncedToL1Async(status, cancellation).ConfigureAwait(false))
            {
                return null;
            }

            if (_log.IsEnabled(LogLevel.Information))
            {
                _log.LogInformation("batcher: starting after the L2 safe head {Safe}", safe);
            }

            Reset(safe);
        }
        else if (safe + 1 > _next)
        {
            Reset(safe); // L1 already holds these blocks
        }
        else if (_channel is { IsEmpty: false } open && status.Unsafe.Number < open.Blocks[^1].Ref.Number)
        {
            _log.LogWarning("batcher: the L2 unsafe head went back below the open channel; rebuilding from the safe head {Safe}", safe);
            Reset(safe);
        }
        else if (safe < _lastSafe)
        {
            _log.LogWarning("batcher: the L2 safe head went back from {Before} to {Safe} (an L1 reorg); re-posting from there", _lastSafe, safe);
            Reset(safe);
        }
        else if (await OldestPostedLostAsync(safe, status.HeadL1, cancellation).ConfigureAwait(false) is string lost)
        {
            _log.LogWarning("batcher: {Lost}; re-posting from the safe head {Safe}", lost, safe);
            Reset(safe);
        }

        _lastSafe = safe;
        bool full = false;
        while (_next <= status.Unsafe.Number && !full)
        {
            L2Block? block = await _l2.BlockAsync(_next.Value, cancellation).ConfigureAwait(false);
            if (block is null)
            {
                break;
            }

            if (_channel is null)
            {
                int target = ChannelBuilder.TargetSize(_options.DataAvailability, _options.MaxCalldataSize, _options.BlobsPerTransaction);
                _channel = new ChannelBuilder(_config, _options.Compression, _options.BatchKind, target, block.Ref.Time);
                _channelOpenedAtL1 = status.HeadL1;
            }

            if (!_channel.IsEmpty && block.Ref.ParentHash != _channel.Blocks[^1].Ref.Hash)
            {
                _log.LogWarning("batcher: L2 block {Number} does not extend the channel's last block (L2 reorg); rebuilding from the safe head {Safe}", block.Ref.Number, safe);
                Reset(safe);
                return null;
            }

            if (_channel.TryAdd(block))
            {
                _next++;
            }
            else
            {
                full = true;
            }
        }

        if (_channel is not { IsEmpty: false } channel || !(full || force || status.HeadL1 >= _channelOpenedAtL1 + _options.MaxChannelDuration))
        {
            return null;
        }

        _channel = null;
        try
        {
            return await PostAsync(channel, cancellation).ConfigureAwait(false);
        }
        catch (Exception e) when (e is JsonRpcCallException or FormatException)
        {
            // Part of the channel may be on L1 or not: rebuild from what L1 has made safe (a duplicate is harmless).
            Reset(safe);
            throw;
        }
    }

    private async Task<PostedChannel> PostAsync(ChannelBuilder channel, CancellationToken cancellation)
    {
        DataAvailability mode = _options.DataAvailability;
        IReadOnlyList<TxCandidate> transactions;
        if (mode == DataAvailability.Auto)
        {
            IReadOnlyList<TxCandidate> calldata = channel.CalldataTransactions(_options.MaxCalldataSize);
            IReadOnlyList<TxCandidate> blobs = channel.BlobTransactions(_options.BlobsPerTransaction);
            TxFees market = await _tx.MarketFeesAsync(cancellation).ConfigureAwait(false);
            (Core.UInt256 baseFee, Core.UInt256 blobBaseFee) = await _tx.L1PricesAsync(cancellation).ConfigureAwait(false);
            mode = DataAvailabilityChoice.Cheaper(calldata, blobs, baseFee, market.Tip, blobBaseFee);
            transactions = mode == DataAvailability.Blobs ? blobs : calldata;
        }
        else
        {
            transactions = mode == DataAvailability.Blobs ? channel.BlobTransactions(_options.BlobsPerTransaction) : channel.CalldataTransactions(_options.MaxCalldataSize);
        }

        var included = new List<TxInclusion>();
        foreach (TxCandidate tx in transactions)
        {
            included.Add(await _tx.SendAsync(tx, cancellation).ConfigureAwait(false));
        }

        var posted = new PostedChannel(channel.Id, channel.Blocks[0].Ref.Number, channel.Blocks[^1].Ref.Number, mode, channel.Compressed.Length, included);
        _unsafePosted.Enqueue(posted);
        if (_log.IsEnabled(LogLevel.Information))
        {
            _log.LogInformation(
            "batcher: channel {Channel} with L2 blocks {First}–{Last} ({Size} bytes compressed) posted as {Mode} in {Count} L1 transaction(s), last in L1 block {L1}",
            posted.Id, posted.FirstBlock, posted.LastBlock, posted.CompressedSize, mode, included.Count, included[^1].BlockNumber);
        }

        return posted;
    }

    /// <summary>
    /// Why the oldest posted channel that is not yet safe will not become safe — an L1 reorg dropped one of its
    /// transactions, or it has waited a channel timeout — or null. Later channels cannot be derived before it.
    /// </summary>
    private async Task<string?> OldestPostedLostAsync(ulong safe, ulong headL1, CancellationToken cancellation)
    {
        while (_unsafePosted.TryPeek(out PostedChannel? done) && done.LastBlock <= safe)
        {
            _unsafePosted.Dequeue();
        }

        if (!_unsafePosted.TryPeek(out PostedChannel? oldest))
        {
            return null;
        }

        foreach (TxInclusion tx in oldest.Transactions)
        {
            if (!await _tx.IsIncludedAsync(tx.Hash, cancellation).ConfigureAwait(false))
            {
                return $"L1 no longer includes batcher transaction {tx.Hash} (blocks {oldest.FirstBlock}–{oldest.LastBlock}; an L1 reorg)";
            }
        }

        ulong includedAt = oldest.Transactions[^1].BlockNumber;
        return headL1 > includedAt + _config.ChannelTimeoutBedrock
            ? $"blocks up to {oldest.LastBlock} were posted at L1 block {includedAt} but L1 has them safe only up to {safe}"
            : null;
    }

    /// <summary>
    /// Whether the L2 node's safe head now covers every batch of this key on L1: none of its transactions is still in
    /// L1's pool (or the wait for them has passed <see cref="BatcherOptions.StartupPendingWait"/> L1 blocks), and the
    /// node's derivation has read past the L1 head of that moment. Without this a batcher restarted beside a node
    /// that is still re-deriving (or before its last transaction landed) would post the same blocks again.
    /// </summary>
    private async Task<bool> SyncedToL1Async(L2SyncStatus status, CancellationToken cancellation)
    {
        if (_startAfterL1 is null)
        {
            ulong head = await _tx.L1HeadAsync(cancellation).ConfigureAwait(false);
            ulong pending = await _tx.PendingCountAsync(cancellation).ConfigureAwait(false);
            if (pending > 0)
            {
                _pendingSeenAtL1 ??= head;
                if (head < _pendingSeenAtL1 + _options.StartupPendingWait)
                {
                    if (head == _pendingSeenAtL1 && _log.IsEnabled(LogLevel.Information))
                    {
                        _log.LogInformation("batcher: {Count} transaction(s) of {Sender} from before are in L1's pool; waiting for them before resuming", pending, _tx.Sender);
                    }

                    return false;
                }

                _log.LogWarning("batcher: {Count} transaction(s) of {Sender} still pending after {Blocks} L1 blocks; resuming without them", pending, _tx.Sender, _options.StartupPendingWait);
            }

            // Read after the pending count: every transaction of ours that L1 holds is in a block at or below it.
            _startAfterL1 = await _tx.L1HeadAsync(cancellation).ConfigureAwait(false);
            if (status.CurrentL1 <= _startAfterL1 && _log.IsEnabled(LogLevel.Information))
            {
                _log.LogInformation("batcher: waiting for the L2 node to derive L1 past block {Head} (it reads block {Current})", _startAfterL1, status.CurrentL1);
            }
        }

        return status.CurrentL1 > _startAfterL1;
    }

    private void Reset(ulong safe)
    {
        _next = safe + 1;
        _channel = null;
        _unsafePosted.Clear();
    }
}
