using Hyperion.Core;
using Hyperion.Core.Blocks;
using Hyperion.Rollup.Config;
using Hyperion.Rollup.Derivation;
using Hyperion.Rollup.Node.Derivation;
using Hyperion.Rollup.Node.Engine;
using Hyperion.Rollup.Node.L1;
using Microsoft.Extensions.Logging;

namespace Hyperion.Rollup.Node.Sequencing;

/// <summary>How the sequencer chooses L1 origins.</summary>
public sealed record RollupSequencerOptions
{
    /// <summary>L1 blocks that must follow a block before it is adopted as an L1 origin (op-node's sequencer L1 confirmations).</summary>
    public ulong L1ConfirmationDepth { get; init; }

    /// <summary>How long to wait after L1 could not be read.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Open each block as soon as the previous one is sealed and execute pool transactions as they arrive, serving their
    /// receipts and flashblocks before the block seals at its time; off: the block is built at its time.
    /// </summary>
    public bool Preconfirm { get; init; } = true;
}

/// <summary>
/// The sequencer's driver (op-node's sequencer): at each L2 block time builds the next unsafe block. Its L1 origin is
/// the parent's, or the next L1 block once that block's time is at or before the new L2 timestamp and it has the
/// required confirmations; its first transactions are the L1 attributes deposit and, in a new epoch, the epoch's
/// deposits; then pool transactions, except past the max sequencer drift where the block must stay empty. With
/// <see cref="RollupSequencerOptions.Preconfirm"/> the block is opened (its attributes chosen and executed) as soon as
/// its parent is sealed, takes pool transactions as they arrive until its time, and is sealed then.
/// </summary>
public sealed class RollupSequencer(RollupConfig config, L1Cache l1, RollupEngine engine, AttributesSource attributes, RollupSequencerOptions options, TimeProvider time, ILogger logger)
{
    private PreparedOrigin? _prepared; // the next block's L1 origin, chosen while the block before it is open

    public async Task RunAsync(CancellationToken cancellation)
    {
        string? lastProblem = null;
        while (!cancellation.IsCancellationRequested)
        {
            try
            {
                L2BlockRef head = engine.Unsafe;
                TimeSpan wait = DateTimeOffset.FromUnixTimeSeconds((long)(head.Time + config.BlockTime)) - time.GetUtcNow();
                string? problem;
                if (options.Preconfirm)
                {
                    if (!engine.IsOpenOn(head))
                    {
                        (problem, BlockHeader? origin) = await OpenNextAsync(head, TakePrepared(head), cancellation).ConfigureAwait(false);
                        if (problem is null && origin is not null)
                        {
                            _ = PrepareNext(new BlockId(origin.Hash, origin.Number), head.Time + config.BlockTime, cancellation);
                        }
                    }
                    else if (wait > TimeSpan.Zero)
                    {
                        // Until the block's time: each transaction the pool announces is executed and preconfirmed.
                        await engine.WaitForTransactionsAsync(wait < MaxWait ? wait : MaxWait, cancellation).ConfigureAwait(false);
                        engine.PreconfirmPending();
                        continue;
                    }
                    else
                    {
                        problem = engine.SealUnsafe(head, out string? failure) is null ? failure : null;
                    }
                }
                else if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait < MaxWait ? wait : MaxWait, time, cancellation).ConfigureAwait(false);
                    continue;
                }
                else
                {
                    problem = await BuildNextAsync(head, cancellation).ConfigureAwait(false);
                }

                if (problem is not null && problem != lastProblem)
                {
                    logger.LogWarning("sequencer: block {Number} not built: {Reason}", head.Number + 1, problem);
                }

                lastProblem = problem;
                if (problem is not null)
                {
                    engine.ReleaseWaits(); // no block to preconfirm on now: senders waiting for one return
                    await Task.Delay(options.RetryDelay, time, cancellation).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
            {
                return;
            }
            catch (L1SourceException e)
            {
                engine.ReleaseWaits();
                if (e.Message != lastProblem)
                {
                    logger.LogWarning("sequencer: L1 could not be read, retrying: {Reason}", e.Message);
                    lastProblem = e.Message;
                }

                try
                {
                    await Task.Delay(options.RetryDelay, time, cancellation).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>Longest single wait, so a clock that jumps (or a time far ahead) is noticed.</summary>
    private static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(1);

    /// <summary>Builds the block after <paramref name="head"/> at once; the reason when it could not.</summary>
    public async Task<string?> BuildNextAsync(L2BlockRef head, CancellationToken cancellation)
    {
        string? problem = await OpenNextAsync(head, cancellation).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        return engine.SealUnsafe(head, out string? failure) is null ? failure : null;
    }

    /// <summary>Opens the block after <paramref name="head"/> with its attributes executed; the reason when it could not.</summary>
    public async Task<string?> OpenNextAsync(L2BlockRef head, CancellationToken cancellation) =>
        (await OpenNextAsync(head, TakePrepared(head), cancellation).ConfigureAwait(false)).Problem;

    /// <summary>
    /// Chooses, while a block is open, the L1 origin of the block after it (the open block's origin
    /// <paramref name="origin"/>, its timestamp <paramref name="timestamp"/>) and reads that origin's receipts, so the
    /// next block opens right after the seal without waiting for L1. The choice is taken by the next
    /// <see cref="OpenNextAsync(L2BlockRef, CancellationToken)"/> on a head with that origin and time unless it would put
    /// the block past the sequencer drift (an empty block whose validity depends on the L1 head: chosen afresh then).
    /// L1 read at most one block time earlier only delays adopting an L1 block by a block: every choice follows the
    /// same rules (the next origin only when its time is at or before the L2 time and it is confirmed; the parent hash
    /// checked), so the batches stay valid and a verifier derives the same chain.
    /// </summary>
    public Task PrepareNext(BlockId origin, ulong timestamp, CancellationToken cancellation)
    {
        Task<OriginChoice> choice = ChooseOriginAsync(origin.Hash, timestamp + config.BlockTime, cancellation);
        // A choice dropped unused (or taken after a failure, which the fresh read then reports) leaves no unobserved failure.
        _ = choice.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        _prepared = new PreparedOrigin(origin.Hash, timestamp, choice);
        return choice;
    }

    private async Task<(string? Problem, BlockHeader? Origin)> OpenNextAsync(L2BlockRef head, Task<OriginChoice>? prepared, CancellationToken cancellation)
    {
        ulong timestamp = head.Time + config.BlockTime;
        OriginChoice choice = await UsableAsync(prepared, timestamp).ConfigureAwait(false)
            ?? await ChooseOriginAsync(head.L1Origin.Hash, timestamp, cancellation).ConfigureAwait(false);
        if (choice.Origin is not { } origin)
        {
            await RewindToCanonicalOriginAsync(head, cancellation).ConfigureAwait(false);
            return ($"L1 origin {head.L1Origin.Number} was reorganized away", null);
        }

        // Past the drift the block may carry no sequencer transactions (and must adopt the next origin when it can).
        bool pastDrift = timestamp > origin.Timestamp + config.MaxSequencerDriftAt(origin.Timestamp);
        PayloadAttributes payload;
        try
        {
            payload = await attributes.BuildAsync(head, origin, [], cancellation).ConfigureAwait(false);
        }
        catch (InvalidOperationException e)
        {
            return (e.Message, null);
        }

        return (engine.OpenUnsafe(head, payload, includePool: !pastDrift), origin);
    }

    /// <summary>
    /// The L1 origin of an L2 block at <paramref name="timestamp"/> whose parent has the origin <paramref name="current"/>:
    /// that origin, or the next L1 block once that block's time is at or before <paramref name="timestamp"/> and it has
    /// the required confirmations (past the drift, confirmed or not, as op-node does); a null origin when the current
    /// one was reorganized away. The next origin's receipts (its deposits and config updates) are read here too.
    /// </summary>
    private async Task<OriginChoice> ChooseOriginAsync(Hash256 current, ulong timestamp, CancellationToken cancellation)
    {
        BlockHeader currentHeader = await l1.HeaderByHashAsync(current, cancellation).ConfigureAwait(false);
        BlockHeader? next = await l1.HeaderByNumberAsync(currentHeader.Number + 1, cancellation).ConfigureAwait(false);
        if (next is not null && next.ParentHash != currentHeader.Hash)
        {
            return new OriginChoice(null);
        }

        BlockHeader origin = currentHeader;
        if (next is not null && next.Timestamp <= timestamp)
        {
            bool mustAdvance = timestamp > currentHeader.Timestamp + config.MaxSequencerDriftAt(currentHeader.Timestamp);
            BlockHeader? l1Head = mustAdvance ? null : await l1.Source.HeaderAsync(L1Head.Latest, cancellation).ConfigureAwait(false);
            if (mustAdvance || (l1Head is not null && next.Number + options.L1ConfirmationDepth <= l1Head.Number))
            {
                origin = next;
                await l1.ReceiptsAsync(next, cancellation).ConfigureAwait(false); // kept by the cache for the attributes
            }
        }

        return new OriginChoice(origin);
    }

    /// <summary>The prepared choice for the block after <paramref name="head"/>, if one was prepared for its origin and time.</summary>
    private Task<OriginChoice>? TakePrepared(L2BlockRef head)
    {
        PreparedOrigin? prepared = Interlocked.Exchange(ref _prepared, null);
        return prepared is not null && prepared.ParentOrigin == head.L1Origin.Hash && prepared.ParentTime == head.Time ? prepared.Choice : null;
    }

    /// <summary>The prepared choice when it was made, names an origin, and keeps the block within the drift; otherwise null (chosen afresh).</summary>
    private async Task<OriginChoice?> UsableAsync(Task<OriginChoice>? prepared, ulong timestamp)
    {
        if (prepared is null)
        {
            return null;
        }

        try
        {
            OriginChoice choice = await prepared.ConfigureAwait(false);
            return choice.Origin is { } origin && timestamp <= origin.Timestamp + config.MaxSequencerDriftAt(origin.Timestamp) ? choice : null;
        }
        catch (Exception e) when (e is L1SourceException or OperationCanceledException)
        {
            return null; // read afresh: that read reports a lasting problem
        }
    }

    /// <summary>The L1 origin chosen for an L2 block; null when the parent's origin was reorganized away.</summary>
    private sealed record OriginChoice(BlockHeader? Origin);

    /// <summary>A choice prepared for the block after the one with L1 origin <see cref="ParentOrigin"/> and time <see cref="ParentTime"/>.</summary>
    private sealed record PreparedOrigin(Hash256 ParentOrigin, ulong ParentTime, Task<OriginChoice> Choice);

    private async Task RewindToCanonicalOriginAsync(L2BlockRef head, CancellationToken cancellation)
    {
        L2BlockRef block = head;
        while (block.Number > engine.Safe.Number && !await l1.IsCanonicalAsync(block.L1Origin, cancellation).ConfigureAwait(false))
        {
            block = engine.RefAt(block.Number - 1) ?? throw new InvalidOperationException($"L2 block {block.Number - 1} is missing");
        }

        engine.RewindUnsafe(block.Number);
    }
}
