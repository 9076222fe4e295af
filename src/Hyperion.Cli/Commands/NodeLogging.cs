using System.CommandLine;
using Hyperion.Node;
using Hyperion.Rpc;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Hyperion.Cli.Commands;

/// <summary>
/// The log of the node commands (dev, node, sequencer): <c>--log-level</c>, one console format with UTC timestamps,
/// and the RPC server started with it.
/// </summary>
internal static class NodeLogging
{
    private static readonly string[] Levels = ["trace", "debug", "info", "warn", "error"];

    public static Option<string> CreateLevelOption()
    {
        var option = new Option<string>("--log-level")
        {
            Description = "trace, debug, info, warn or error. debug adds a line per RPC method call; warn and error leave out the per-block lines.",
            DefaultValueFactory = _ => "info",
        };
        option.AcceptOnlyFromAmong(Levels);
        return option;
    }

    public static LogLevel Level(string name) => name switch
    {
        "trace" => LogLevel.Trace,
        "debug" => LogLevel.Debug,
        "info" => LogLevel.Information,
        "warn" => LogLevel.Warning,
        "error" => LogLevel.Error,
        _ => throw new ArgumentException($"--log-level must be one of {string.Join(", ", Levels)}, not '{name}'"),
    };

    /// <summary>
    /// One line per entry on stdout, with a UTC timestamp. ASP.NET Core's own categories log from warnings up (its
    /// start-up chatter repeats the banner), unless everything is asked for with trace. The host's "failed to start"
    /// is left out: the exception it logs with its stack trace reaches the command, which says what went wrong in one line.
    /// </summary>
    public static ILoggerFactory CreateFactory(LogLevel level) => LoggerFactory.Create(builder => builder
        .AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.UseUtcTimestamp = true;
            o.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z' ";
            o.ColorBehavior = LoggerColorBehavior.Disabled;
        })
        .SetMinimumLevel(level)
        .AddFilter("Microsoft", level == LogLevel.Trace ? LogLevel.Trace : (LogLevel)Math.Max((int)level, (int)LogLevel.Warning))
        .AddFilter("Microsoft.Extensions.Hosting", LogLevel.None));

    /// <summary>Starts the RPC server; a port out of range is an <see cref="ArgumentException"/> (Kestrel's own answer to one is a stack trace).</summary>
    public static Task<RpcServer> StartServerAsync(HyperionNode node, RpcServerOptions options, CancellationToken cancellation) =>
        options.Port is < 0 or > 65535
            ? throw new ArgumentException($"--port must be in 0..65535 (got {options.Port})")
            : node.StartRpcAsync(options, cancellation);
}
