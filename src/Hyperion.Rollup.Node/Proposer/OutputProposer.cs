using Hyperion.Core;
using Hyperion.Rollup.Node.Batcher;
using Hyperion.Rollup.Node.L1;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Hyperion.Rollup.Node.Proposer;

/// <summary>An output the proposer posted: its L2 block, root, and the L1 transaction that carried it.</summary>
public sealed record PostedOutput(ulong L2BlockNumber, Hash256 OutputRoot, BlockId L1Block, TxInclusion Inclusion);

/// <summary>
/// The proposer (op-proposer's L2OutputOracle mode): whenever the oracle's <c>nextBlockNumber()</c> is at or below
/// the rollup node's safe head, and its L2 time has passed on L1, posts the node's output root of that block with the
/// L1 block the node had read (so an L1 reorg under it makes the proposal revert rather than stand). Everything it
/// needs to know is read from the oracle each round, so a restart neither skips nor repeats an output; a refused or
/// reverted proposal, or L1/L2 trouble, is logged and retried on the next round.
/// </summary>
public sealed class OutputProposer(L2OutputOracle oracle, RollupNodeClient node, OutputSource outputs, TxManager transactions, IJsonRpc l1, ILogger? log = null)
{
    private readonly ILogger _log = log ?? NullLogger.Instance;

    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Posts outputs until cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellation)
    {
        while (!cancellation.IsCancellationRequested)
        {
            PostedOutput? posted = null;
            try
            {
                posted = await StepAsync(cancellation).ConfigureAwait(false);
            }
            catch (Exception e) when (e is JsonRpcCallException or FormatException)
            {
                _log.LogWarning("proposer: {Reason}; retrying", e.Message);
            }
            catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
            {
                break; // stopped in the middle of a round: what was sent is on L1 or not, and the next start reads which
            }

            if (posted is not null)
            {
                continue; // there may be another output due already
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

    /// <summary>
    /// One round: the output that is due, if the node's safe chain has it and L1's time is past it, posted and
    /// waited for. Returns null when nothing was due or the proposal was refused or reverted (logged).
    /// </summary>
    /// <exception cref="JsonRpcCallException">L1 or the rollup node could not be read.</exception>
    public async Task<PostedOutput?> StepAsync(CancellationToken cancellation)
    {
        ulong next = await oracle.NextBlockNumberAsync(cancellation).ConfigureAwait(false);
        L2SyncStatus status = await node.SyncStatusAsync(cancellation).ConfigureAwait(false);
        if (next > status.Safe.Number)
        {
            return null;
        }

        // The oracle wants the block's L2 time strictly before the proposing L1 block's time.
        ulong l2Time = await oracle.ComputeL2TimestampAsync(next, cancellation).ConfigureAwait(false);
        if (l2Time >= await L1Contract.LatestTimeAsync(l1, cancellation).ConfigureAwait(false))
        {
            return null;
        }

        L2Output output = await outputs.OutputAtBlockAsync(next, cancellation).ConfigureAwait(false);
        TxCandidate proposal = oracle.ProposeL2Output(output.OutputRoot, next, output.CurrentL1.Hash, output.CurrentL1.Number);
        TxInclusion included;
        try
        {
            included = await transactions.SendAsync(proposal, cancellation).ConfigureAwait(false);
        }
        catch (JsonRpcCallException e) when (e.Code is not null)
        {
            // Refused before sending (the estimate reverted: another proposal landed first, or we are not the PROPOSER).
            _log.LogWarning("proposer: the output of L2 block {Block} was refused by L1: {Reason}", next, e.Message);
            return null;
        }

        if (!included.Succeeded)
        {
            _log.LogWarning("proposer: the proposal of L2 block {Block} ({Tx}) reverted in L1 block {L1}", next, included.Hash, included.BlockNumber);
            return null;
        }

        if (_log.IsEnabled(LogLevel.Information))
        {
            _log.LogInformation(
                "proposer: output {Root} of L2 block {Block} posted in L1 block {L1} ({Tx}, {Gas} gas; L1 origin read up to {CurrentL1})",
                output.OutputRoot, next, included.BlockNumber, included.Hash, included.GasUsed, output.CurrentL1.Number);
        }

        return new PostedOutput(next, output.OutputRoot, output.CurrentL1, included);
    }
}
