using System.Globalization;
using Hyperion.Chain;
using Prometheus;

namespace Hyperion.Rpc;

/// <summary>
/// The node's Prometheus metrics (prometheus-net, one registry per node): blocks, transactions and gas as counters
/// (rates come from <c>rate()</c>), the head and the pool as gauges, RPC latency per request and per method, RPC
/// errors per method and code, <c>hyperion_build_info</c>, and the .NET runtime and process metrics
/// (<c>process_*</c>, <c>dotnet_*</c>). docs/operating.md lists them.
/// </summary>
public sealed class NodeMetrics : INodeMetrics
{
    private static readonly double[] LatencyBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

    private readonly CollectorRegistry _registry = Metrics.NewCustomRegistry();
    private readonly Counter _blocks;
    private readonly Counter _transactions;
    private readonly Counter _failedTransactions;
    private readonly Counter _gas;
    private readonly Histogram _requests;
    private readonly Histogram _methods;
    private readonly Counter _methodErrors;

    public NodeMetrics(IChainReader chain, ITransactionPool pool)
    {
        ArgumentNullException.ThrowIfNull(chain);
        ArgumentNullException.ThrowIfNull(pool);
        MetricFactory metrics = Metrics.WithCustomRegistry(_registry);
        _blocks = metrics.CreateCounter("hyperion_blocks_total", "Blocks added to the chain since start.");
        _transactions = metrics.CreateCounter("hyperion_transactions_total", "Transactions included since start.");
        _failedTransactions = metrics.CreateCounter("hyperion_transactions_failed_total", "Included transactions that failed (receipt status 0) since start.");
        _gas = metrics.CreateCounter("hyperion_gas_total", "Gas used by included transactions since start.");
        _requests = metrics.CreateHistogram("hyperion_rpc_request_duration_seconds", "JSON-RPC request latency: an HTTP request or a WebSocket message, a batch counting once.",
            new HistogramConfiguration { Buckets = LatencyBuckets });
        _methods = metrics.CreateHistogram("hyperion_rpc_method_duration_seconds", "JSON-RPC method call latency, by method.",
            new HistogramConfiguration { Buckets = LatencyBuckets, LabelNames = ["method"] });
        _methodErrors = metrics.CreateCounter("hyperion_rpc_method_errors_total", "JSON-RPC method calls answered with an error, by method and error code.",
            new CounterConfiguration { LabelNames = ["method", "code"] });
        metrics.CreateGauge("hyperion_build_info", "The client version (always 1).", new GaugeConfiguration { LabelNames = ["version", "dotnet"] })
            .WithLabels(RpcServer.ClientVersion, Environment.Version.ToString()).Set(1);

        Gauge head = metrics.CreateGauge("hyperion_chain_head", "Number of the head block.");
        Gauge poolSize = metrics.CreateGauge("hyperion_txpool_transactions", "Transactions waiting in the pool.");
        Gauge pending = metrics.CreateGauge("hyperion_txpool_pending", "Executable transactions in the pool.");
        Gauge queued = metrics.CreateGauge("hyperion_txpool_queued", "Queued (nonce-gapped) transactions in the pool.");
        Gauge evicted = metrics.CreateGauge("hyperion_txpool_evicted_total", "Admitted transactions evicted from the full pool for better-paying ones (a counter kept by the pool).");
        Gauge expired = metrics.CreateGauge("hyperion_txpool_expired_total", "Queued transactions dropped after the pool's lifetime (a counter kept by the pool).");
        Gauge allocated = metrics.CreateGauge("hyperion_allocated_bytes_total", "Bytes allocated on the managed heap since start, all threads (GC.GetTotalAllocatedBytes; a counter kept by the runtime).");
        _registry.AddBeforeCollectCallback(() =>
        {
            head.Set(chain.Blocks.Head.Number);
            poolSize.Set(pool.Count);
            pending.Set(pool.PendingCount);
            queued.Set(pool.QueuedCount);
            evicted.Set(pool.EvictedCount);
            expired.Set(pool.ExpiredCount);
            allocated.Set(GC.GetTotalAllocatedBytes(precise: true));
        });
        DotNetStats.Register(_registry);
        chain.BlockAdded += OnBlock;
    }

    public void ObserveRequest(TimeSpan duration) => _requests.Observe(duration.TotalSeconds);

    public void ObserveMethod(string method, TimeSpan duration, int? errorCode)
    {
        ArgumentNullException.ThrowIfNull(method);
        _methods.WithLabels(method).Observe(duration.TotalSeconds);
        if (errorCode is int code)
        {
            _methodErrors.WithLabels(method, code.ToString(CultureInfo.InvariantCulture)).Inc();
        }
    }

    public Task ExportAsync(Stream destination, CancellationToken cancellationToken) => _registry.CollectAndExportAsTextAsync(destination, cancellationToken);

    private void OnBlock(BlockAddedEvent added)
    {
        StoredBlock block = added.Block;
        _blocks.Inc();
        _transactions.Inc(block.Block.Transactions.Length);
        _failedTransactions.Inc(block.Receipts.Count(r => !r.Success));
        _gas.Inc(block.Header.GasUsed);
    }
}
