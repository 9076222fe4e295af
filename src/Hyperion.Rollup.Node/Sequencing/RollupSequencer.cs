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
                        problem = await OpenNextAsync(head, cancellation).ConfigureAwait(false);
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
    public async Task<string?> OpenNextAsync(L2BlockRef head, CancellationToken cancellation)
    {
        ulong timestamp = head.Time + config.BlockTime;
        BlockHeader current = await l1.HeaderByHashAsync(head.L1Origin.Hash, cancellation).ConfigureAwait(false);
        BlockHeader? next = await l1.HeaderByNumberAsync(current.Number + 1, cancellation).ConfigureAwait(false);
        if (next is not null && next.ParentHash != current.Hash)
        {
            await RewindToCanonicalOriginAsync(head, cancellation).ConfigureAwait(false);
            return $"L1 origin {current.Number} was reorganized away";
        }

        BlockHeader origin = current;
        if (next is not null && next.Timestamp <= timestamp)
        {
            // Past the drift on the current origin the next one must be adopted, confirmed or not (op-node does the same).
            bool mustAdvance = timestamp > current.Timestamp + config.MaxSequencerDriftAt(current.Timestamp);
            BlockHeader? l1Head = mustAdvance ? null : await l1.Source.HeaderAsync(L1Head.Latest, cancellation).ConfigureAwait(false);
            if (mustAdvance || (l1Head is not null && next.Number + options.L1ConfirmationDepth <= l1Head.Number))
            {
                origin = next;
            }
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
            return e.Message;
        }

        return engine.OpenUnsafe(head, payload, includePool: !pastDrift);
    }

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
