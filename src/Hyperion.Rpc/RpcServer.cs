using System.Buffers;
using System.IO.Pipelines;
using System.Net.WebSockets;
using System.Text.Json.Nodes;
using Hyperion.Core;
using Hyperion.Core.Crypto;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;

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

    /// <summary>The host's configuration (for tests: which sources it reads, and whether any reloads on change).</summary>
    internal IConfiguration Configuration => _app.Configuration;

    /// <summary>The web host's services (tests).</summary>
    internal IServiceProvider Services => _app.Services;

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
            })
            .RunInline("web3_clientVersion", "net_version", "net_listening", "net_peerCount");
    }

    /// <summary>
    /// The host setting that turns off appsettings.json's reload on change (and with it the file watcher); every
    /// ASP.NET host of the node (this server, <c>hyperion mcp --http</c>) starts with it.
    /// </summary>
    public const string NoConfigReload = "--hostBuilder:reloadConfigOnChange=false";

    public static async Task<RpcServer> StartAsync(RpcMethodRegistry registry, RpcServerOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(options);
        // No reload of appsettings.json on change: that watches the working directory recursively (inotify), so a node
        // whose data directory lies under it woke its file-watcher thread ~10 times a block, beside each answer.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [NoConfigReload] });
        builder.Logging.ClearProviders();
        if (options.LoggerFactory is { } loggers)
        {
            builder.Services.AddSingleton<ILoggerFactory>(new WithoutRequestDiagnostics(loggers));
        }
        else
        {
            builder.Logging.AddSimpleConsole();
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            builder.Logging.AddFilter(WithoutRequestDiagnostics.Category, LogLevel.None);
        }

        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes;
            // No "Server: Kestrel" line: 17 of a short read's ~180 response bytes, and nothing a client reads (anvil sends none).
            k.AddServerHeader = false;
            if (options.MaxConnectionsPerClient > 0)
            {
                var connections = new ConnectionsPerClient(options.MaxConnectionsPerClient);
                k.ConfigureEndpointDefaults(listen => listen.Use(connections.Middleware));
            }
        });
        if (options.InlineScheduling)
        {
            builder.WebHost.UseSockets(sockets =>
            {
                sockets.UnsafePreferInlineScheduling = true;
                // Each receive straight into a buffer, without a zero-byte receive first to wait for data: a 41 KB
                // eth_call with override code took 22 receive calls, then 11 (docs/benchmarks.md, s30rpc); the price is
                // a block held by each idle connection.
                sockets.WaitForDataBeforeAllocatingBuffer = false;
            });
            // Blocks of 64 KB instead of Kestrel's 4 KB: that 41 KB request now arrives in about one receive and is
            // parsed in place (LargeBlockMemoryPool; s33rpc); an idle connection holds 64 KB.
            builder.Services.Replace(ServiceDescriptor.Singleton<IMemoryPoolFactory<byte>>(new LargeBlockMemoryPool.Factory()));
        }

        builder.WebHost.UseUrls($"http://{options.Host}:{options.Port}");
        CorsPolicy? cors = options.CorsOrigins.Count > 0 ? CorsPolicyOf(options.CorsOrigins) : null;
        builder.Services.AddCors(o =>
        {
            if (cors is not null)
            {
                o.AddDefaultPolicy(cors);
            }
        });
        var app = builder.Build();
        var dispatcher = new RpcDispatcher(registry, options, options.LoggerFactory?.CreateLogger("Hyperion.Rpc") ?? app.Logger);

        // JSON-RPC over HTTP first, ahead of every other middleware and of routing: a POST to / is most of what the
        // node serves, and it needs none of them. It applies the CORS policy itself (HttpRpc); the CORS middleware
        // still answers the preflight OPTIONS and serves the other routes.
        var http = new HttpRpc(dispatcher, options, cors, cors is null ? null : app.Services.GetRequiredService<ICorsService>());
        app.Use(next => context => HttpMethods.IsPost(context.Request.Method) && context.Request.Path.Value == "/"
            ? http.ServeAsync(context)
            : OffSocketThreadAsync(next, context));
        if (cors is not null)
        {
            // Answers preflight OPTIONS itself and adds Access-Control-Allow-Origin to the answers (anvil's --cors default is "*").
            app.UseCors();
        }

        app.UseWebSockets();
        app.UseRouting(); // here, after the JSON-RPC POSTs, rather than first in the pipeline where WebApplication puts it otherwise
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
            RpcCaller.Set(RpcCaller.Untrusted(context.Request, options.CorsOrigins), RpcCaller.NewWebSocketClient());
            using WebSocket socket = await context.WebSockets.AcceptWebSocketAsync().ConfigureAwait(false);
            await ServeWebSocketAsync(socket, dispatcher, options, context.RequestAborted).ConfigureAwait(false);
        });

        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var server = new RpcServer(app);
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        server.Address = new Uri(addresses.First());
        return server;
    }

    /// <summary>
    /// Every route but a JSON-RPC POST (the explorer's files, /metrics, a WebSocket's upgrade and CORS preflights) runs
    /// on the thread pool: under inline scheduling only the dispatcher decides what may stay on the socket's thread.
    /// </summary>
    private static async Task OffSocketThreadAsync(RequestDelegate next, HttpContext context)
    {
        await ThreadPoolHop.FromSocketThread;
        await next(context).ConfigureAwait(false);
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

    /// <summary>The --cors policy: any origin for "*", else the listed ones; GET and POST with any header; preflight answers cached for an hour.</summary>
    private static CorsPolicy CorsPolicyOf(IReadOnlyList<string> origins)
    {
        var policy = new CorsPolicyBuilder();
        (origins.Contains("*") ? policy.AllowAnyOrigin() : policy.WithOrigins([.. origins]))
            .AllowAnyHeader().WithMethods("GET", "POST").SetPreflightMaxAge(TimeSpan.FromHours(1));
        return policy.Build();
    }

    /// <summary>JSON-RPC by HTTP POST to /: a request (or a batch) in the body, its response in the answer's.</summary>
    private sealed class HttpRpc(RpcDispatcher dispatcher, RpcServerOptions options, CorsPolicy? cors, ICorsService? corsService)
    {
        public async Task ServeAsync(HttpContext context)
        {
            HttpRequest request = context.Request;
            if (cors is not null && request.Headers.ContainsKey(HeaderNames.Origin))
            {
                // What the CORS middleware does for a request that is not a preflight: the headers that let the page read the answer.
                corsService!.ApplyResult(corsService.EvaluatePolicy(context, cors), context.Response);
            }

            if (!IsJsonContentType(request.ContentType))
            {
                // A browser sends text/plain, form or multipart bodies cross-origin without a CORS preflight: only
                // JSON (which needs one) may reach the methods.
                context.Response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
                await WriteJsonAsync(context, """{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"invalid content type, only application/json is supported"}}"""u8.ToArray()).ConfigureAwait(false);
                return;
            }

            if (request.ContentLength > options.MaxRequestBodyBytes)
            {
                await BodyTooLargeAsync(context).ConfigureAwait(false);
                return;
            }

            PipeReader reader = request.BodyReader;
            ReadResult read;
            try
            {
                read = await ReadBodyAsync(reader, request.ContentLength, context.RequestAborted).ConfigureAwait(false);
            }
            catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
            {
                // Kestrel enforces the limit (MaxRequestBodySize) on a body without a Content-Length as it is read.
                await BodyTooLargeAsync(context).ConfigureAwait(false);
                return;
            }

            try
            {
                RpcCaller.Set(RpcCaller.Untrusted(request, options.CorsOrigins), RpcCaller.HttpClient(context.Connection.RemoteIpAddress));
                using var response = new PooledBufferWriter(256);
                long started = System.Diagnostics.Stopwatch.GetTimestamp();
                bool answered;
                if (read.Buffer.IsSingleSegment)
                {
                    // Parsed where Kestrel received it: the body is consumed only once the dispatch is done with it.
                    answered = await dispatcher.DispatchAsync(read.Buffer.First, response, context.RequestAborted).ConfigureAwait(false);
                }
                else
                {
                    using var body = new PooledBufferWriter((int)read.Buffer.Length);
                    int length = (int)read.Buffer.Length;
                    read.Buffer.CopyTo(body.GetSpan(length));
                    body.Advance(length);
                    answered = await dispatcher.DispatchAsync(body.WrittenMemory, response, context.RequestAborted).ConfigureAwait(false);
                }

                options.OnRequestCompleted?.Invoke(System.Diagnostics.Stopwatch.GetElapsedTime(started));
                if (!answered)
                {
                    context.Response.StatusCode = StatusCodes.Status200OK;
                    return;
                }

                await WriteJsonAsync(context, response.WrittenMemory).ConfigureAwait(false);
            }
            finally
            {
                reader.AdvanceTo(read.Buffer.End);
            }
        }

        private static Task BodyTooLargeAsync(HttpContext context)
        {
            context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
            return WriteJsonAsync(context, """{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"request body too large"}}"""u8.ToArray());
        }

        /// <summary>
        /// Waits until the whole body is buffered (its Content-Length, or the end of a body without one) and consumes
        /// none of it: the caller advances the reader past it once done with it.
        /// </summary>
        private static async ValueTask<ReadResult> ReadBodyAsync(PipeReader reader, long? contentLength, CancellationToken cancellationToken)
        {
            while (true)
            {
                ReadResult read = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                if (read.IsCompleted || read.IsCanceled || (contentLength is long length && read.Buffer.Length >= length))
                {
                    return read;
                }

                reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
            }
        }
    }

    private static async Task WriteJsonAsync(HttpContext context, ReadOnlyMemory<byte> json)
    {
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = json.Length;
        await context.Response.BodyWriter.WriteAsync(json, context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>
    /// The node's loggers without ASP.NET Core's request diagnostics (its "request starting/finished" lines): while
    /// that logger is on at any level, the host opens a log scope and starts an <see cref="System.Diagnostics.Activity"/>
    /// for every request, which is a large part of the server's own cost for a small request. Errors of the
    /// application still reach the log through Kestrel's logger, and a failure to start is thrown to the caller.
    /// </summary>
    private sealed class WithoutRequestDiagnostics(ILoggerFactory loggers) : ILoggerFactory
    {
        public const string Category = "Microsoft.AspNetCore.Hosting.Diagnostics";

        public ILogger CreateLogger(string categoryName) =>
            categoryName == Category ? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance : loggers.CreateLogger(categoryName);

        public void AddProvider(ILoggerProvider provider) => loggers.AddProvider(provider);

        /// <summary>Nothing: the factory is the node's, which disposes of it.</summary>
        public void Dispose()
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
