using System.Buffers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;

namespace Hyperion.Rpc.Tests;

/// <summary>
/// The receive buffers of the inline-scheduled server (<c>hyperion dev</c>): blocks of 64 KB, so a request with tens of
/// kilobytes of override code arrives in one or two receives and is parsed in place (docs/benchmarks.md, s33rpc).
/// </summary>
public sealed class LargeBlockMemoryPoolTests
{
    [Fact]
    public void A_block_holds_64_KB_is_reused_once_returned_and_a_larger_request_is_refused()
    {
        using var pool = new LargeBlockMemoryPool();
        IMemoryOwner<byte> first = pool.Rent(4096);
        Assert.Equal(LargeBlockMemoryPool.BlockBytes, first.Memory.Length);
        Assert.Equal(LargeBlockMemoryPool.BlockBytes, pool.Rent().Memory.Length);
        first.Memory.Span[0] = 42;
        first.Dispose();
        first.Dispose(); // a second dispose returns nothing twice
        Assert.Equal(1, pool.FreeCount);
        Assert.Throws<ObjectDisposedException>(() => first.Memory);

        IMemoryOwner<byte> again = pool.Rent(1);
        Assert.Same(first, again);
        Assert.Equal(42, again.Memory.Span[0]);
        Assert.Equal(0, pool.FreeCount);
        Assert.Throws<ArgumentOutOfRangeException>(() => pool.Rent(LargeBlockMemoryPool.BlockBytes + 1));
    }

    [Fact]
    public void At_most_MaxFreeBlocks_are_kept_free()
    {
        using var pool = new LargeBlockMemoryPool();
        var rented = Enumerable.Range(0, LargeBlockMemoryPool.MaxFreeBlocks + 10).Select(_ => pool.Rent()).ToList();
        rented.ForEach(block => block.Dispose());
        Assert.Equal(LargeBlockMemoryPool.MaxFreeBlocks, pool.FreeCount);
    }

    [Fact]
    public async Task The_inline_scheduled_server_receives_into_large_blocks_and_answers_large_and_small_requests()
    {
        var registry = new RpcMethodRegistry();
        RpcServer.AddBuiltIns(registry, 1337);
        registry.Add("test_length", p => JsonValue.Create(p.GetString(0).Length));
        await using RpcServer server = await RpcServer.StartAsync(registry, new RpcServerOptions { Port = 0, InlineScheduling = true });
        var factory = Assert.IsType<LargeBlockMemoryPool.Factory>(server.Services.GetRequiredService<IMemoryPoolFactory<byte>>());

        // One kept-alive connection: a small request, one of ~41 KB (one block), one of ~150 KB (several blocks),
        // then a small one again, each answered with what it asked.
        using var client = new TcpClient();
        await client.ConnectAsync(server.Address.Host, server.Address.Port);
        NetworkStream stream = client.GetStream();
        foreach (int length in new[] { 0, 41_000, 150_000, 3 })
        {
            string body = $$"""{"jsonrpc":"2.0","id":7,"method":"test_length","params":["{{new string('a', length)}}"]}""";
            byte[] request = Encoding.UTF8.GetBytes($"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\n\r\n{body}");
            await stream.WriteAsync(request);
            using JsonDocument answer = JsonDocument.Parse(await ReadResponseBodyAsync(stream));
            Assert.Equal(length, answer.RootElement.GetProperty("result").GetInt32());
        }

        Assert.Contains(factory.Created, pool => pool.Rents > 0);
    }

    private static async Task<string> ReadResponseBodyAsync(NetworkStream stream)
    {
        var received = new List<byte>();
        var buffer = new byte[4096];
        while (true)
        {
            int read = await stream.ReadAsync(buffer);
            Assert.NotEqual(0, read);
            received.AddRange(buffer.AsSpan(0, read));
            string text = Encoding.UTF8.GetString([.. received]);
            int end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (end < 0)
            {
                continue;
            }

            string header = text[..end];
            int at = header.IndexOf("Content-Length: ", StringComparison.OrdinalIgnoreCase);
            int length = int.Parse(header[(at + 16)..].Split("\r\n")[0], System.Globalization.CultureInfo.InvariantCulture);
            if (text.Length >= end + 4 + length)
            {
                return text.Substring(end + 4, length);
            }
        }
    }
}
