using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Hyperion.Chain;
using Hyperion.Execution.Blocks;
using Hyperion.Rpc;
using Microsoft.Extensions.Logging;

namespace Hyperion.Cli.Commands;

/// <summary>
/// The node's log of its chain: a line per block (info), a warning per transaction dropped from a block, and a
/// warning per included transaction that failed, with its revert reason. Receipts do not keep return data, so the
/// reason comes from replaying the failed transaction with the callTracer (debug_traceTransaction), off the
/// sequencer's thread and only when warnings are logged. The lines are written in block order by a background thread
/// (a lane of the node's <see cref="CoalescingWorker"/>, which the address index shares: one wake-up a block for both)
/// within milliseconds: formatting them and handing them to the console logger, whose thread each line wakes, cost the
/// producer's thread more than the rest of a small block's bookkeeping.
/// </summary>
internal sealed partial class BlockLog : IDisposable
{
    private readonly ILogger _log;
    private readonly RpcMethodRegistry _methods;
    private readonly ConcurrentQueue<BlockAddedEvent> _added = new();
    private readonly CoalescingWorker.Lane _writer;

    /// <param name="background">The thread that writes the lines (the node's <see cref="Hyperion.Node.HyperionNode.Background"/>).</param>
    public BlockLog(ILogger log, RpcMethodRegistry methods, CoalescingWorker background)
    {
        _log = log;
        _methods = methods;
        _writer = background.Join(Write);
    }

    /// <summary>Queues the block's lines (the producer's thread, under the chain's write lock: nothing is formatted here).</summary>
    public void OnBlockAdded(BlockAddedEvent added)
    {
        if (_log.IsEnabled(LogLevel.Warning)) // below that, none of its lines is written
        {
            _added.Enqueue(added);
            _writer.Signal();
        }
    }

    /// <summary>Takes the writer off the thread (after a run under way) and writes what is left.</summary>
    public void Dispose()
    {
        _writer.Dispose();
        Write();
    }

    /// <summary>Writes the lines of the blocks queued so far, in order.</summary>
    private void Write()
    {
        while (_added.TryDequeue(out BlockAddedEvent? added))
        {
            Write(added);
        }
    }

    private void Write(BlockAddedEvent added)
    {
        ILogger log = _log;
        StoredBlock b = added.Block;
        LogBlock(log, b.Number, b.Block.Transactions.Length, b.Header.GasUsed, added.BuildTime.TotalMilliseconds, b.Hash.ToString());
        foreach (SkippedTransaction dropped in added.Dropped)
        {
            LogDropped(log, dropped.Transaction.Hash.ToString(), dropped.Sender.ToString(), dropped.Reason);
        }

        if (!log.IsEnabled(LogLevel.Warning))
        {
            return;
        }

        for (int i = 0; i < b.Receipts.Count; i++)
        {
            if (!b.Receipts[i].Success)
            {
                string hash = b.Block.Transactions[i].Hash.ToString();
                string sender = b.Senders[i].ToString();
                ulong number = b.Number;
                _ = Task.Run(async () => LogFailed(log, hash, number, sender, await WhyFailedAsync(hash).ConfigureAwait(false)));
            }
        }
    }

    /// <summary>"execution reverted: reason", the EVM's error (out of gas, invalid opcode …), or why it could not be found.</summary>
    internal async Task<string> WhyFailedAsync(string hash)
    {
        if (!_methods.TryGet("debug_traceTransaction", out RpcHandler trace))
        {
            return "reason unknown (no debug_traceTransaction)";
        }

        try
        {
            using JsonDocument request = JsonDocument.Parse($$"""["{{hash}}",{"tracer":"callTracer"}]""");
            JsonNode? frame = await trace(new RpcParams(request.RootElement), CancellationToken.None).ConfigureAwait(false);
            string error = frame?["error"]?.GetValue<string>() ?? "failed";
            return frame?["revertReason"]?.GetValue<string>() is string reason ? $"{error}: {reason}" : error;
        }
        catch (RpcException e)
        {
            return $"reason unknown ({e.Message})";
        }
    }

    [LoggerMessage(1, LogLevel.Information, "block {Number} txs {Count} gas {Gas} built in {Milliseconds:0.0} ms {Hash}")]
    private static partial void LogBlock(ILogger log, ulong number, int count, ulong gas, double milliseconds, string hash);

    [LoggerMessage(2, LogLevel.Warning, "dropped transaction {Hash} from {Sender}: {Reason}")]
    private static partial void LogDropped(ILogger log, string hash, string sender, string reason);

    [LoggerMessage(3, LogLevel.Warning, "failed transaction {Hash} in block {Number} from {Sender}: {Reason}")]
    private static partial void LogFailed(ILogger log, string hash, ulong number, string sender, string reason);
}
