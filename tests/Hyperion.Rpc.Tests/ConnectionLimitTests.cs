using System.Net.Sockets;
using System.Text;

namespace Hyperion.Rpc.Tests;

/// <summary>One remote address cannot hold more than its share of connections (HTTP keep-alive or WebSocket).</summary>
public sealed class ConnectionLimitTests
{
    private const string Body = """{"jsonrpc":"2.0","id":1,"method":"net_version","params":[]}""";

    private static readonly string Request =
        $"POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {Body.Length}\r\n\r\n{Body}";

    [Fact]
    public async Task A_client_over_its_connection_limit_is_answered_429_naming_the_limit_and_served_again_after_closing_one()
    {
        var registry = new RpcMethodRegistry();
        RpcServer.AddBuiltIns(registry, 1337);
        await using RpcServer server = await RpcServer.StartAsync(registry, new RpcServerOptions { Port = 0, MaxConnectionsPerClient = 2 });

        using TcpClient first = await ConnectAsync(server);
        using TcpClient second = await ConnectAsync(server);
        Assert.StartsWith("HTTP/1.1 200", await ExchangeAsync(first), StringComparison.Ordinal);
        Assert.StartsWith("HTTP/1.1 200", await ExchangeAsync(second), StringComparison.Ordinal); // both kept alive

        using (TcpClient third = await ConnectAsync(server))
        {
            string refused = await ExchangeAsync(third);
            Assert.StartsWith("HTTP/1.1 429", refused, StringComparison.Ordinal);
            Assert.Contains("too many connections from this address (limit 2)", refused, StringComparison.Ordinal);
        }

        first.Dispose();
        string served = "";
        for (int attempt = 0; attempt < 50 && !served.StartsWith("HTTP/1.1 200", StringComparison.Ordinal); attempt++)
        {
            await Task.Delay(50); // the server notices the close asynchronously
            using TcpClient again = await ConnectAsync(server);
            served = await ExchangeAsync(again);
        }

        Assert.StartsWith("HTTP/1.1 200", served, StringComparison.Ordinal);
    }

    private static async Task<TcpClient> ConnectAsync(RpcServer server)
    {
        var client = new TcpClient();
        await client.ConnectAsync(server.Address.Host, server.Address.Port);
        return client;
    }

    /// <summary>Sends one request and reads what the server answers until it has a whole response or closes.</summary>
    private static async Task<string> ExchangeAsync(TcpClient client)
    {
        NetworkStream stream = client.GetStream();
        try
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes(Request));
        }
        catch (IOException)
        {
            // refused connections may be closed before the request is written; the answer is still readable
        }

        var received = new StringBuilder();
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (true)
        {
            int read;
            try
            {
                read = await stream.ReadAsync(buffer, timeout.Token);
            }
            catch (IOException)
            {
                break;
            }

            if (read == 0)
            {
                break;
            }

            received.Append(Encoding.ASCII.GetString(buffer, 0, read));
            string text = received.ToString();
            if (text.Contains("\r\n\r\n", StringComparison.Ordinal) && text.TrimEnd().EndsWith('}'))
            {
                break;
            }
        }

        return received.ToString();
    }
}
