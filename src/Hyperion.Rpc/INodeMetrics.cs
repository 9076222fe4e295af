namespace Hyperion.Rpc;

/// <summary>A node's metrics: observes each RPC request and method call and writes everything for /metrics (Prometheus text format).</summary>
public interface INodeMetrics
{
    /// <summary>One HTTP request or WebSocket message (a batch counts once).</summary>
    void ObserveRequest(TimeSpan duration);

    /// <summary>One method call, with its JSON-RPC error code when it failed.</summary>
    void ObserveMethod(string method, TimeSpan duration, int? errorCode);

    /// <summary>Writes the Prometheus text exposition of every metric.</summary>
    Task ExportAsync(Stream destination, CancellationToken cancellationToken);
}
