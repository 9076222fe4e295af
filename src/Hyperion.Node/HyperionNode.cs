using Hyperion.Chain;
using Hyperion.Rpc;
using Hyperion.Rpc.Eth;

namespace Hyperion.Node;

/// <summary>A composed node (see <see cref="NodeBuilder"/>): the chain producing blocks and its RPC methods, served by <see cref="StartRpcAsync"/>.</summary>
public sealed class HyperionNode : IDisposable
{
    private readonly IReadOnlyList<IDisposable> _disposables;

    internal HyperionNode(Genesis genesis, LocalChain chain, RpcMethodRegistry methods, EthModule eth, INodeMetrics? metrics, CoalescingWorker background, IReadOnlyList<IDisposable> disposables)
    {
        Background = background;
        Genesis = genesis;
        Chain = chain;
        Methods = methods;
        Eth = eth;
        Metrics = metrics;
        _disposables = disposables;
    }

    public Genesis Genesis { get; }

    public LocalChain Chain { get; }

    public RpcMethodRegistry Methods { get; }

    public EthModule Eth { get; }

    public INodeMetrics? Metrics { get; }

    /// <summary>
    /// The thread that does what the chain's subscribers leave for after a block (the address index's entries; the
    /// CLI's block log joins it), so that a block wakes one thread, not one per subscriber.
    /// </summary>
    public CoalescingWorker Background { get; }

    /// <summary>Serves the node's methods over HTTP and WebSocket (and the metrics on /metrics).</summary>
    public Task<RpcServer> StartRpcAsync(RpcServerOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (Metrics is not null)
        {
            options.Metrics = Metrics.ExportAsync;
            options.OnRequestCompleted = Metrics.ObserveRequest;
            options.OnMethodCompleted = Metrics.ObserveMethod;
        }

        return RpcServer.StartAsync(Methods, options, cancellationToken);
    }

    /// <summary>Stops the modules and the producer, then closes the chain (blocks are already durable).</summary>
    public void Dispose()
    {
        foreach (IDisposable disposable in _disposables)
        {
            disposable.Dispose();
        }

        Chain.Dispose();
    }
}
