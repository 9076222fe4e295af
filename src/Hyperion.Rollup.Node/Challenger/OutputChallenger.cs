using System.Text.Json.Nodes;
using Hyperion.Core;
using Hyperion.Rollup.Node.Batcher;
using Hyperion.Rollup.Node.L1;
using Hyperion.Rollup.Node.Proposer;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Hyperion.Rollup.Node.Challenger;

/// <summary>What the challenger concluded about one posted output.</summary>
public enum OutputVerdict
{
    /// <summary>The verifier's own output root of the block is the same.</summary>
    Correct,

    /// <summary>Wrong, and removed with <c>deleteL2Outputs</c> inside the window.</summary>
    Deleted,

    /// <summary>Wrong, but its window had already passed when it was seen: it can no longer be removed.</summary>
    WrongPastWindow,
}

/// <summary>One check: the oracle's output, the verifier's root of the same block, the verdict, and the deletion transaction if any.</summary>
public sealed record OutputCheck(ulong Index, ulong L2BlockNumber, Hash256 Proposed, Hash256 Computed, OutputVerdict Verdict, Hash256? DeletionTx);

/// <summary>
/// The challenger: reads every output the L2OutputOracle holds that is still inside its finalization window, compares
/// it with its own verifier's <c>optimism_outputAtBlock</c> of the same L2 block (once the verifier's safe chain has
/// it), and removes a wrong one with <c>deleteL2Outputs</c> (which also removes every later output, as the oracle
/// does). A correct output is never removed: an output is judged only against a root the verifier has derived from
/// L1, and an answer it cannot get is a reason to wait, not to delete. What it checked is kept (the last
/// <see cref="KeptChecks"/>) and served by <see cref="Status"/> (<c>challenger_status</c>).
/// </summary>
public sealed class OutputChallenger(L2OutputOracle oracle, RollupNodeClient verifier, OutputSource outputs, TxManager transactions, IJsonRpc l1, ILogger? log = null)
{
    public const int KeptChecks = 1000;
    private readonly ILogger _log = log ?? NullLogger.Instance;
    private readonly Lock _gate = new();
    private readonly Queue<OutputCheck> _checks = new();
    private ulong? _next;
    private ulong? _period;
    private long _correct;
    private long _deleted;
    private long _wrongPastWindow;

    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The next oracle index to check (null before the first round).</summary>
    public ulong? NextIndex => _next;

    public async Task RunAsync(CancellationToken cancellation)
    {
        while (!cancellation.IsCancellationRequested)
        {
            try
            {
                await StepAsync(cancellation).ConfigureAwait(false);
            }
            catch (Exception e) when (e is JsonRpcCallException or FormatException)
            {
                _log.LogWarning("challenger: {Reason}; retrying", e.Message);
            }
            catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
            {
                break; // stopped in the middle of a round: what was sent is on L1 or not, and the next start reads which
            }

            try
            {
                await Task.Delay(PollInterval, cancellation).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    /// <summary>Checks the outputs posted since the last round; returns the checks made.</summary>
    /// <exception cref="JsonRpcCallException">L1 or the verifier could not be read.</exception>
    public async Task<IReadOnlyList<OutputCheck>> StepAsync(CancellationToken cancellation)
    {
        _period ??= await oracle.FinalizationPeriodSecondsAsync(cancellation).ConfigureAwait(false);
        ulong count = await oracle.NextOutputIndexAsync(cancellation).ConfigureAwait(false);
        ulong now = await L1Contract.LatestTimeAsync(l1, cancellation).ConfigureAwait(false);
        _next ??= await FirstInWindowAsync(count, now, cancellation).ConfigureAwait(false);
        if (_next > count)
        {
            _next = count; // outputs were deleted (by us or another challenger); re-check from there
        }

        var made = new List<OutputCheck>();
        ulong safe = (await verifier.SyncStatusAsync(cancellation).ConfigureAwait(false)).Safe.Number;
        while (_next < count)
        {
            ulong index = _next.Value;
            ProposedOutput proposed = await oracle.OutputAsync(index, cancellation).ConfigureAwait(false);
            if (proposed.L2BlockNumber > safe)
            {
                break; // the verifier has not derived it yet: wait
            }

            L2Output own = await outputs.OutputAtBlockAsync(proposed.L2BlockNumber, cancellation).ConfigureAwait(false);
            bool pastWindow = proposed.Timestamp + _period.Value <= now;
            if (own.OutputRoot == proposed.OutputRoot)
            {
                made.Add(Record(new OutputCheck(index, proposed.L2BlockNumber, proposed.OutputRoot, own.OutputRoot, OutputVerdict.Correct, null)));
                _next = index + 1;
                continue;
            }

            if (pastWindow)
            {
                _log.LogError("challenger: output {Index} (L2 block {Block}) is WRONG ({Proposed}, the verifier has {Own}) but its window has passed", index, proposed.L2BlockNumber, proposed.OutputRoot, own.OutputRoot);
                made.Add(Record(new OutputCheck(index, proposed.L2BlockNumber, proposed.OutputRoot, own.OutputRoot, OutputVerdict.WrongPastWindow, null)));
                _next = index + 1;
                continue;
            }

            _log.LogWarning("challenger: output {Index} (L2 block {Block}) is wrong: proposed {Proposed}, the verifier has {Own}; deleting it", index, proposed.L2BlockNumber, proposed.OutputRoot, own.OutputRoot);
            TxInclusion included;
            try
            {
                included = await transactions.SendAsync(oracle.DeleteL2Outputs(index), cancellation).ConfigureAwait(false);
            }
            catch (JsonRpcCallException e) when (e.Code is not null)
            {
                _log.LogError("challenger: deleteL2Outputs({Index}) was refused by L1: {Reason}", index, e.Message);
                break;
            }

            if (!included.Succeeded)
            {
                _log.LogError("challenger: deleteL2Outputs({Index}) reverted ({Tx})", index, included.Hash);
                break;
            }

            made.Add(Record(new OutputCheck(index, proposed.L2BlockNumber, proposed.OutputRoot, own.OutputRoot, OutputVerdict.Deleted, included.Hash)));
            _log.LogWarning("challenger: outputs from index {Index} deleted in L1 block {L1} ({Tx})", index, included.BlockNumber, included.Hash);
            count = index;
        }

        return made;
    }

    /// <summary>What <c>challenger_status</c> serves: the counts, the next index, and the recent checks (newest last).</summary>
    public JsonObject Status()
    {
        lock (_gate)
        {
            var recent = new JsonArray();
            foreach (OutputCheck check in _checks)
            {
                recent.Add(new JsonObject
                {
                    ["index"] = check.Index,
                    ["l2BlockNumber"] = check.L2BlockNumber,
                    ["proposed"] = check.Proposed.ToString(),
                    ["computed"] = check.Computed.ToString(),
                    ["verdict"] = check.Verdict switch { OutputVerdict.Correct => "correct", OutputVerdict.Deleted => "deleted", _ => "wrong-past-window" },
                    ["deletionTx"] = check.DeletionTx?.ToString(),
                });
            }

            return new JsonObject
            {
                ["oracle"] = oracle.Address.ToString(),
                ["nextIndex"] = _next,
                ["correct"] = _correct,
                ["deleted"] = _deleted,
                ["wrongPastWindow"] = _wrongPastWindow,
                ["checks"] = recent,
            };
        }
    }

    private OutputCheck Record(OutputCheck check)
    {
        lock (_gate)
        {
            _checks.Enqueue(check);
            if (_checks.Count > KeptChecks)
            {
                _checks.Dequeue();
            }

            switch (check.Verdict)
            {
                case OutputVerdict.Correct: _correct++; break;
                case OutputVerdict.Deleted: _deleted++; break;
                default: _wrongPastWindow++; break;
            }
        }

        if (check.Verdict == OutputVerdict.Correct && _log.IsEnabled(LogLevel.Information))
        {
            _log.LogInformation("challenger: output {Index} (L2 block {Block}) is correct ({Root})", check.Index, check.L2BlockNumber, check.Proposed);
        }

        return check;
    }

    /// <summary>The first output whose window has not passed (outputs' timestamps only grow), by bisection.</summary>
    private async Task<ulong> FirstInWindowAsync(ulong count, ulong now, CancellationToken cancellation)
    {
        ulong low = 0;
        ulong high = count;
        while (low < high)
        {
            ulong middle = low + ((high - low) / 2);
            ProposedOutput output = await oracle.OutputAsync(middle, cancellation).ConfigureAwait(false);
            if (output.Timestamp + _period!.Value <= now)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        return low;
    }
}
