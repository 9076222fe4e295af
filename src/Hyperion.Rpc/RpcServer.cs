using System.Net.WebSockets;
using System.Text.Json.Nodes;
using Hyperion.Core;
using Hyperion.Core.Crypto;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Hyperion.Rpc;

/// <summary>JSON-RPC 2.0 over HTTP POST and WebSocket (same port) on Kestrel, plus /health, /metrics and the block explorer (GET /).</summary>
public sealed class RpcServer : IAsyncDisposable
{
    public const string ClientVersion = "Hyperion/v0.1.0";

    /// <summary>
    /// web3_clientVersion of a chain with dev controls (<c>hyperion dev</c>): it leads with the dialect it speaks, so
    /// tools that gate their dev-chain helpers on the version (Hardhat's network helpers accept "hardhat", "zksync"
    /// and "anvil"; Foundry looks for "anvil") use them, and then names what it is.
    /// </summary>
    public const string DevClientVersion = "anvil-compatible/" + ClientVersion;

    private readonly WebApplication _app;

    private RpcServer(WebApplication app) => _app = app;

    /// <summary>Actual listening address (useful with port 0).</summary>
    public Uri Address { get; private set; } = null!;

    /// <summary>The built-in methods that need no chain: web3_*, net_*, rpc_modules.</summary>
    /// <param name="clientVersion">What web3_clientVersion answers: <see cref="ClientVersion"/>, or <see cref="DevClientVersion"/> on a dev chain.</param>
    public static void AddBuiltIns(RpcMethodRegistry registry, ulong chainId, string clientVersion = ClientVersion)
    {
        ArgumentNullException.ThrowIfNull(registry);
        registry
            .Add("web3_clientVersion", _ => JsonValue.Create(clientVersion))
            .Add("web3_sha3", p => JsonValue.Create(Keccak256.Hash(p.GetData(0)).ToString()))
            .Add("net_version", _ => JsonValue.Create(chainId.ToString(System.Globalization.CultureInfo.InvariantCulture)))
            .Add("net_listening", _ => JsonValue.Create(true))
            .Add("net_peerCount", _ => JsonValue.Create(EthJson.Quantity(0)))
            .Add("rpc_modules", _ =>
            {
                var modules = new JsonObject();
                foreach (var ns in registry.Names.Select(n => n.Split('_')[0]).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
                {
                    modules[ns] = "1.0";
                }

                return modules;
            });
    }

    public static async Task<RpcServer> StartAsync(RpcMethodRegistry registry, RpcServerOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(options);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        if (options.LoggerFactory is { } loggers)
        {
            builder.Services.AddSingleton(loggers);
        }
        else
        {
            builder.Logging.AddSimpleConsole();
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
        }

        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes;
            if (options.MaxConnectionsPerClient > 0)
            {
                var connections = new ConnectionsPerClient(options.MaxConnectionsPerClient);
                k.ConfigureEndpointDefaults(listen => listen.Use(connections.Middleware));
            }
        });
        builder.WebHost.UseUrls($"http://{options.Host}:{options.Port}");
        builder.Services.AddCors();
        var app = builder.Build();
        var dispatcher = new RpcDispatcher(registry, options, options.LoggerFactory?.CreateLogger("Hyperion.Rpc") ?? app.Logger);

        if (options.CorsOrigins.Count > 0)
        {
            // Answers preflight OPTIONS itself and adds Access-Control-Allow-Origin to the answers (anvil's --cors default is "*").
            app.UseCors(policy => (options.CorsOrigins.Contains("*") ? policy.AllowAnyOrigin() : policy.WithOrigins([.. options.CorsOrigins]))
                .AllowAnyHeader().WithMethods("GET", "POST").SetPreflightMaxAge(TimeSpan.FromHours(1)));
        }

        app.UseWebSockets();
        app.MapGet("/health", () => Results.Text("ok"));
        if (options.Metrics is { } metrics)
        {
            app.MapGet("/metrics", async (HttpContext context) =>
            {
                context.Response.ContentType = "text/plain; version=0.0.4";
                await metrics(context.Response.Body, context.RequestAborted).ConfigureAwait(false);
            });
        }

        app.MapGet("/explorer/{**file}", (HttpContext context, string file) => Explorer.ExplorerSite.ServeAsync(context, file));
        app.MapGet("/", async (HttpContext context) =>
        {
            if (!context.WebSockets.IsWebSocketRequest)
            {
                await Explorer.ExplorerSite.ServeIndexAsync(context).ConfigureAwait(false);
                return;
            }

            // A browser sends its Origin on the upgrade and nothing stops a foreign page from connecting.
            RpcCaller.UntrustedOrigin = RpcCaller.Untrusted(context.Request, options.CorsOrigins);
            RpcCaller.Client = RpcCaller.NewWebSocketClient();
            using WebSocket socket = await context.WebSockets.AcceptWebSocketAsync().ConfigureAwait(false);
            await ServeWebSocketAsync(socket, dispatcher, options, context.RequestAborted).ConfigureAwait(false);
        });
        app.MapPost("/", async (HttpContext context) =>
        {
            if (!IsJsonContentType(context.Request.ContentType))
            {
                // A browser sends text/plain, form or multipart bodies cross-origin without a CORS preflight: only
                // JSON (which needs one) may reach the methods.
                context.Response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
                await WriteJsonAsync(context, """{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"invalid content type, only application/json is supported"}}"""u8.ToArray()).ConfigureAwait(false);
                return;
            }

            using var body = new PooledBufferWriter((int)Math.Min(context.Request.ContentLength ?? 0, options.MaxRequestBodyBytes));
            try
            {
                await ReadBodyAsync(context.Request, body, options.MaxRequestBodyBytes, context.RequestAborted).ConfigureAwait(false);
            }
            catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
            {
                context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
                await WriteJsonAsync(context, """{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"request body too large"}}"""u8.ToArray()).ConfigureAwait(false);
                return;
            }

            RpcCaller.UntrustedOrigin = RpcCaller.Untrusted(context.Request, options.CorsOrigins);
            RpcCaller.Client = RpcCaller.HttpClient(context.Connection.RemoteIpAddress);

            long started = System.Diagnostics.Stopwatch.GetTimestamp();
            using var response = new PooledBufferWriter(256);
            bool answered = await dispatcher.DispatchAsync(body.WrittenMemory, response, context.RequestAborted).ConfigureAwait(false);
            options.OnRequestCompleted?.Invoke(System.Diagnostics.Stopwatch.GetElapsedTime(started));
            if (!answered)
            {
                context.Response.StatusCode = StatusCodes.Status200OK;
                return;
            }

            await WriteJsonAsync(context, response.WrittenMemory).ConfigureAwait(false);
        });

        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var server = new RpcServer(app);
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        server.Address = new Uri(addresses.First());
        return server;
    }

    /// <summary>One WebSocket client: requests are dispatched in order; responses and notifications share one writer.</summary>
    private static async Task ServeWebSocketAsync(WebSocket socket, RpcDispatcher dispatcher, RpcServerOptions options, CancellationToken aborted)
    {
        using var connection = new RpcConnection();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        Task writer = Task.Run(async () =>
        {
            try
            {
                await foreach (byte[] message in connection.Outgoing.ReadAllAsync(linked.Token).ConfigureAwait(false))
                {
                    await socket.SendAsync(message, WebSocketMessageType.Text, endOfMessage: true, linked.Token).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or WebSocketException)
            {
                // the client went away
            }
        }, CancellationToken.None);

        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        try
        {
            while (socket.State == WebSocketState.Open)
            {
                WebSocketReceiveResult received = await socket.ReceiveAsync(buffer, linked.Token).ConfigureAwait(false);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }

                message.Write(buffer, 0, received.Count);
                if (message.Length > options.MaxRequestBodyBytes)
                {
                    await socket.CloseAsync(WebSocketCloseStatus.MessageTooBig, "request too large", CancellationToken.None).ConfigureAwait(false);
                    break;
                }

                if (!received.EndOfMessage)
                {
                    continue;
                }

                byte[] payload = message.ToArray();
                message.SetLength(0);
                RpcConnection.Current = connection;
                long started = System.Diagnostics.Stopwatch.GetTimestamp();
                byte[]? response = await dispatcher.DispatchAsync(payload, linked.Token).ConfigureAwait(false);
                options.OnRequestCompleted?.Invoke(System.Diagnostics.Stopwatch.GetElapsedTime(started));
                if (response is not null && !connection.TrySend(response))
                {
                    break; // the client does not read its responses
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException)
        {
            // disconnected
        }
        finally
        {
            connection.Close();
            await linked.CancelAsync().ConfigureAwait(false);
            await writer.ConfigureAwait(false);
        }
    }

    /// <summary>application/json (geth also accepts application/json-rpc and application/jsonrequest), or no content type at all (curl).</summary>
    internal static bool IsJsonContentType(string? contentType)
    {
        if (string.IsNullOrEmpty(contentType))
        {
            return true;
        }

        string mediaType = contentType.Split(';', 2)[0].Trim();
        return mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase) ||
               mediaType.Equals("application/json-rpc", StringComparison.OrdinalIgnoreCase) ||
               mediaType.Equals("application/jsonrequest", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Reads the whole body into <paramref name="body"/> (sized by Content-Length when it is given).</summary>
    private static async ValueTask ReadBodyAsync(HttpRequest request, PooledBufferWriter body, long limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limit)
        {
            throw new BadHttpRequestException("request body too large", StatusCodes.Status413PayloadTooLarge);
        }

        // Kestrel enforces the limit on a body without a Content-Length (MaxRequestBodySize) as it is read. With one,
        // the buffer was rented for it and the read stops at its end (no read for the end of the stream, which would
        // need room past it).
        long? expected = request.ContentLength;
        while (expected is null || body.WrittenCount < expected)
        {
            int read = await request.Body.ReadAsync(body.GetMemory(expected is null ? 4096 : 1), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return;
            }

            body.Advance(read);
        }
    }

    private static Task WriteJsonAsync(HttpContext context, ReadOnlyMemory<byte> json)
    {
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = json.Length;
        return context.Response.Body.WriteAsync(json, context.RequestAborted).AsTask();
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
