using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Numerics;
using Hyperion.Alith;
using Hyperion.Alith.Mcp;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Server;

namespace Hyperion.Cli.Commands;

/// <summary>
/// <c>hyperion mcp --rpc URL</c>: a Model Context Protocol server exposing a node to AI clients (tools in
/// Hyperion.Alith's ChainMcpTools), on stdin/stdout or, with <c>--http PORT</c>, over Streamable HTTP at /mcp.
/// Logs go to stderr so stdout stays the protocol's.
/// </summary>
internal static class McpCommand
{
    public static Command Create()
    {
        var rpc = new Option<string>("--rpc") { Description = "JSON-RPC URL of the node.", DefaultValueFactory = _ => "http://127.0.0.1:8545" };
        var keyFile = new Option<FileInfo?>("--key-file") { Description = "File holding the hex private key send_transaction signs with (or set HYPERION_MCP_KEY); without one the server is read-only." };
        var limit = new Option<string>("--spend-limit-wei") { Description = "Most the key may spend in total (value + gas limit × price per transaction).", DefaultValueFactory = _ => "1000000000000000000" };
        var perTx = new Option<string?>("--tx-limit-wei") { Description = "Most one transaction may cost." };
        var http = new Option<int?>("--http") { Description = "Serve Streamable HTTP on 127.0.0.1:PORT at /mcp instead of stdio." };
        var command = new Command("mcp", "Serve the chain to AI clients over the Model Context Protocol (stdio, or HTTP with --http).")
        {
            rpc, keyFile, limit, perTx, http,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(parse.GetValue(rpc)!, parse.GetValue(keyFile), parse.GetValue(limit)!, parse.GetValue(perTx), parse.GetValue(http), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(string rpcUrl, FileInfo? keyFile, string limitText, string? perTxText, int? httpPort, CancellationToken cancellationToken)
    {
        HyperionChain chain;
        try
        {
            string? key = keyFile is not null ? (await File.ReadAllTextAsync(keyFile.FullName, cancellationToken).ConfigureAwait(false)).Trim() : Environment.GetEnvironmentVariable("HYPERION_MCP_KEY");
            var spending = new SpendingLimit(ParseWei(limitText, "--spend-limit-wei"), perTxText is null ? null : ParseWei(perTxText, "--tx-limit-wei"));
            chain = await HyperionChain.ConnectAsync(rpcUrl, string.IsNullOrEmpty(key) ? null : key, spending).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ArgumentException or FormatException or UnauthorizedAccessException or HttpRequestException or Nethereum.JsonRpc.Client.RpcClientUnknownException)
        {
            await Console.Error.WriteLineAsync($"hyperion mcp: {e.Message}").ConfigureAwait(false);
            return 1;
        }

        using ILoggerFactory loggers = LoggerFactory.Create(b => b.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace).SetMinimumLevel(LogLevel.Warning));
        if (httpPort is not { } port)
        {
            await ChainMcpTools.RunStdioAsync(chain, loggers, cancellationToken).ConfigureAwait(false);
            return 0;
        }

        WebApplicationBuilder builder = CreateHttpHost(port);
        McpServerOptions options = ChainMcpTools.ServerOptions(chain);
        builder.Services.AddMcpServer(o =>
        {
            o.ServerInfo = options.ServerInfo;
            o.ServerInstructions = options.ServerInstructions;
        }).WithHttpTransport().WithTools(options.ToolCollection!);
        await using WebApplication app = builder.Build();
        app.MapMcp("/mcp");
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        await Console.Error.WriteLineAsync($"hyperion mcp: Streamable HTTP on http://127.0.0.1:{port}/mcp for {rpcUrl}").ConfigureAwait(false);
        await app.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
        return 0;
    }

    /// <summary>
    /// The Streamable HTTP host on 127.0.0.1:<paramref name="port"/>, logging to stderr. Its appsettings.json is not
    /// reloaded on change: that would watch the working directory recursively (inotify), and a node's data directory
    /// beside it would wake the watcher on every block (RpcServer's host is built the same way).
    /// </summary>
    internal static WebApplicationBuilder CreateHttpHost(int port)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [Rpc.RpcServer.NoConfigReload] });
        builder.Logging.ClearProviders().AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace).SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
        return builder;
    }

    private static BigInteger ParseWei(string text, string option) =>
        BigInteger.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out BigInteger value) ? value : throw new ArgumentException($"{option}: '{text}' is not a non-negative decimal integer");
}
