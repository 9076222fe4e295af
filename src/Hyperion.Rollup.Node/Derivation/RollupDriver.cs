using System.Diagnostics;
using Hyperion.Core.Blocks;
using Hyperion.Rollup.Node.L1;
using Microsoft.Extensions.Logging;

namespace Hyperion.Rollup.Node.Derivation;

/// <summary>What the node last saw of L1 and how far the derivation has read (for optimism_syncStatus).</summary>
public sealed class L1Status
{
    private volatile Snapshot _current = new(null, null, null, null);

    public Snapshot Current => _current;

    internal void Set(Snapshot snapshot) => _current = snapshot;

    /// <summary>The derivation's L1 block and L1's latest, safe and finalized heads (null: not known yet).</summary>
    public sealed record Snapshot(L1BlockRef? CurrentL1, L1BlockRef? Head, L1BlockRef? Safe, L1BlockRef? Finalized);
}

/// <summary>
/// Runs the derivation pipeline until cancelled: a step whenever there is work, a poll of L1 when there is none, L1's
/// heads followed for finality and status, and a retry after any failure to read L1 (the pipeline's steps are
/// repeatable). Never stops on bad L1 data: that is dropped inside the pipeline.
/// </summary>
public sealed class RollupDriver(DerivationPipeline pipeline, L1Cache l1, L1Status status, ILogger logger)
{
    /// <summary>How long to wait for a new L1 block, and between L1 head checks while deriving.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How long to wait after L1 could not be read.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    public async Task RunAsync(CancellationToken cancellation)
    {
        var sinceHeads = Stopwatch.StartNew();
        bool headsKnown = false;
        string? lastError = null;
        while (!cancellation.IsCancellationRequested)
        {
            try
            {
                if (!headsKnown || sinceHeads.Elapsed >= PollInterval)
                {
                    await UpdateHeadsAsync(cancellation).ConfigureAwait(false);
                    headsKnown = true;
                    sinceHeads.Restart();
                }

                bool progressed = await pipeline.StepAsync(cancellation).ConfigureAwait(false);
                status.Set(status.Current with { CurrentL1 = pipeline.CurrentL1 });
                lastError = null;
                if (!progressed)
                {
                    await UpdateHeadsAsync(cancellation).ConfigureAwait(false);
                    sinceHeads.Restart();
                    await Task.Delay(PollInterval, cancellation).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
            {
                return;
            }
            catch (L1SourceException e)
            {
                if (e.Message != lastError)
                {
                    logger.LogWarning("L1 could not be read, retrying: {Reason}", e.Message);
                    lastError = e.Message;
                }

                await DelayAsync(RetryDelay, cancellation).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A fault of this node, not of L1's data (that is dropped inside the pipeline): start over from the safe chain.
                logger.LogError(e, "derivation failed; resetting the pipeline");
                pipeline.ResetAfterFault();
                await DelayAsync(RetryDelay, cancellation).ConfigureAwait(false);
            }
        }
    }

    private async Task UpdateHeadsAsync(CancellationToken cancellation)
    {
        BlockHeader? head = await l1.Source.HeaderAsync(L1Head.Latest, cancellation).ConfigureAwait(false);
        BlockHeader? safe = await l1.Source.HeaderAsync(L1Head.Safe, cancellation).ConfigureAwait(false);
        BlockHeader? finalized = await l1.Source.HeaderAsync(L1Head.Finalized, cancellation).ConfigureAwait(false);
        status.Set(new L1Status.Snapshot(pipeline.CurrentL1, head?.ToRef(), safe?.ToRef(), finalized?.ToRef()));
        if (finalized is not null)
        {
            pipeline.OnL1Finalized(finalized.ToRef());
        }
    }

    private static async Task DelayAsync(TimeSpan delay, CancellationToken cancellation)
    {
        try
        {
            await Task.Delay(delay, cancellation).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
