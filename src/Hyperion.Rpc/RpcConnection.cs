using System.Threading.Channels;

namespace Hyperion.Rpc;

/// <summary>
/// A WebSocket client connection: lets handlers (eth_subscribe) push notifications to it. Handlers find the connection
/// of the request they serve through <see cref="Current"/> (null over HTTP, which has no push channel).
/// </summary>
public sealed class RpcConnection : IDisposable
{
    private static readonly AsyncLocal<RpcConnection?> CurrentConnection = new();
    private readonly Channel<byte[]> _outgoing;
    private readonly CancellationTokenSource _closed = new();

    public RpcConnection(int maxQueuedMessages = 10_000)
    {
        _outgoing = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(maxQueuedMessages) { SingleReader = true, FullMode = BoundedChannelFullMode.DropWrite });
    }

    /// <summary>The connection of the request being handled on this async flow, if it came over a WebSocket.</summary>
    public static RpcConnection? Current
    {
        get => CurrentConnection.Value;
        internal set => CurrentConnection.Value = value;
    }

    /// <summary>Cancelled when the client disconnects: subscriptions unregister on it.</summary>
    public CancellationToken Closed => _closed.Token;

    /// <summary>Queues a message; false when the client does not keep up (the message is dropped) or has gone.</summary>
    public bool TrySend(byte[] json) => !_closed.IsCancellationRequested && _outgoing.Writer.TryWrite(json);

    internal ChannelReader<byte[]> Outgoing => _outgoing.Reader;

    internal void Close()
    {
        _outgoing.Writer.TryComplete();
        _closed.Cancel();
    }

    public void Dispose() => _closed.Dispose();
}
