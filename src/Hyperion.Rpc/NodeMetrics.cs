using System.Globalization;
using System.Text;
using Hyperion.Chain;

namespace Hyperion.Rpc;

/// <summary>
/// The node's Prometheus metrics: blocks, transactions, gas (and gas/s over the last blocks), pool size and the RPC
/// latency histogram, rendered in the text exposition format for /metrics.
/// </summary>
public sealed class NodeMetrics : INodeMetrics
{
    private static readonly double[] LatencyBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

    private readonly IChainReader _chain;
    private readonly ITransactionPool _pool;
    private readonly long[] _latencyCounts = new long[LatencyBuckets.Length + 1];
    private readonly object _lock = new();
    private readonly Queue<(DateTime At, ulong Gas)> _recentGas = new();
    private long _blocks;
    private long _transactions;
    private ulong _gas;
    private double _latencySum;
    private long _requests;

    public NodeMetrics(IChainReader chain, ITransactionPool pool)
    {
        ArgumentNullException.ThrowIfNull(chain);
        ArgumentNullException.ThrowIfNull(pool);
        _chain = chain;
        _pool = pool;
        chain.BlockAdded += OnBlock;
    }

    public void ObserveRequest(TimeSpan duration)
    {
        double seconds = duration.TotalSeconds;
        int bucket = Array.FindIndex(LatencyBuckets, b => seconds <= b);
        lock (_lock)
        {
            _latencyCounts[bucket < 0 ? LatencyBuckets.Length : bucket]++;
            _latencySum += seconds;
            _requests++;
        }
    }

    private void OnBlock(BlockAddedEvent added)
    {
        lock (_lock)
        {
            _blocks++;
            _transactions += added.Block.Block.Transactions.Length;
            _gas += added.Block.Header.GasUsed;
            DateTime now = DateTime.UtcNow;
            _recentGas.Enqueue((now, added.Block.Header.GasUsed));
            while (_recentGas.Count > 0 && now - _recentGas.Peek().At > TimeSpan.FromSeconds(10))
            {
                _recentGas.Dequeue();
            }
        }
    }

    public string Render()
    {
        var text = new StringBuilder();
        lock (_lock)
        {
            Metric(text, "hyperion_chain_head", "gauge", "Number of the head block.", _chain.Blocks.Head.Number);
            Metric(text, "hyperion_blocks_total", "counter", "Blocks produced since start.", _blocks);
            Metric(text, "hyperion_transactions_total", "counter", "Transactions included since start.", _transactions);
            Metric(text, "hyperion_gas_total", "counter", "Gas used by included transactions since start.", _gas);
            double window = _recentGas.Count > 1 ? Math.Max(1, (_recentGas.Last().At - _recentGas.Peek().At).TotalSeconds) : 10;
            Metric(text, "hyperion_gas_per_second", "gauge", "Gas per second over the last 10 seconds.", _recentGas.Sum(g => (double)g.Gas) / window);
            Metric(text, "hyperion_txpool_transactions", "gauge", "Transactions waiting in the pool.", _pool.Count);
            Metric(text, "hyperion_txpool_pending", "gauge", "Executable transactions in the pool.", _pool.PendingCount);
            Metric(text, "hyperion_txpool_queued", "gauge", "Queued (nonce-gapped) transactions in the pool.", _pool.QueuedCount);
            Metric(text, "hyperion_txpool_evicted_total", "counter", "Admitted transactions evicted from the full pool for better-paying ones.", _pool.EvictedCount);
            Metric(text, "hyperion_txpool_expired_total", "counter", "Queued transactions dropped after the pool's lifetime.", _pool.ExpiredCount);
            text.Append("# HELP hyperion_rpc_request_duration_seconds JSON-RPC request latency.\n# TYPE hyperion_rpc_request_duration_seconds histogram\n");
            long cumulative = 0;
            for (int i = 0; i < LatencyBuckets.Length; i++)
            {
                cumulative += _latencyCounts[i];
                text.Append(CultureInfo.InvariantCulture, $"hyperion_rpc_request_duration_seconds_bucket{{le=\"{LatencyBuckets[i]}\"}} {cumulative}\n");
            }

            text.Append(CultureInfo.InvariantCulture, $"hyperion_rpc_request_duration_seconds_bucket{{le=\"+Inf\"}} {_requests}\n");
            text.Append(CultureInfo.InvariantCulture, $"hyperion_rpc_request_duration_seconds_sum {_latencySum}\n");
            text.Append(CultureInfo.InvariantCulture, $"hyperion_rpc_request_duration_seconds_count {_requests}\n");
        }

        return text.ToString();
    }

    private static void Metric(StringBuilder text, string name, string type, string help, double value) =>
        text.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} {type}\n{name} {value}\n");
}
