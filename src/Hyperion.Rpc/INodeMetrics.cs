namespace Hyperion.Rpc;

/// <summary>A node's metrics: observes each RPC request and renders everything for /metrics (Prometheus text format).</summary>
public interface INodeMetrics
{
    void ObserveRequest(TimeSpan duration);

    string Render();
}
