using System.Net;
using System.Text;
using Microsoft.AspNetCore.Connections;

namespace Hyperion.Rpc;

/// <summary>
/// Bounds the TCP connections (HTTP keep-alive and WebSocket alike) one remote address may hold open at once, so a
/// single client cannot take every connection the node can serve. A connection over the limit is answered
/// <c>429 Too Many Requests</c> with a JSON-RPC error naming the limit, then closed.
/// </summary>
internal sealed class ConnectionsPerClient(int limit)
{
    private readonly Dictionary<IPAddress, int> _open = [];

    /// <summary>Kestrel connection middleware applying the limit.</summary>
    public ConnectionDelegate Middleware(ConnectionDelegate next) => async connection =>
    {
        if (connection.RemoteEndPoint is not IPEndPoint { Address: var remote })
        {
            await next(connection).ConfigureAwait(false);
            return;
        }

        IPAddress address = Normalize(remote);
        if (!TryEnter(address))
        {
            await RefuseAsync(connection).ConfigureAwait(false);
            return;
        }

        try
        {
            await next(connection).ConfigureAwait(false);
        }
        finally
        {
            Leave(address);
        }
    };

    private static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    private bool TryEnter(IPAddress address)
    {
        lock (_open)
        {
            int open = _open.GetValueOrDefault(address);
            if (open >= limit)
            {
                return false;
            }

            _open[address] = open + 1;
            return true;
        }
    }

    private void Leave(IPAddress address)
    {
        lock (_open)
        {
            int open = _open[address] - 1;
            if (open == 0)
            {
                _open.Remove(address);
            }
            else
            {
                _open[address] = open;
            }
        }
    }

    private async Task RefuseAsync(ConnectionContext connection)
    {
        string body = $$$"""{"jsonrpc":"2.0","id":null,"error":{"code":{{{RpcErrorCodes.LimitExceeded}}},"message":"too many connections from this address (limit {{{limit}}}); close some first"}}""";
        string response = "HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\nConnection: close\r\n" +
            $"Content-Length: {Encoding.UTF8.GetByteCount(body)}\r\n\r\n{body}";
        try
        {
            await connection.Transport.Output.WriteAsync(Encoding.UTF8.GetBytes(response)).ConfigureAwait(false);
            await connection.Transport.Output.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ConnectionResetException or OperationCanceledException or InvalidOperationException)
        {
            // the client is gone already
        }
    }
}
