using System.CommandLine;
using System.Globalization;
using Hyperion.Node;
using Hyperion.Rpc;
using Hyperion.Rpc.Eth;

namespace Hyperion.Cli.Commands;

/// <summary>The options bounding what one RPC request may cost (docs/operating.md, "RPC resource limits").</summary>
internal sealed class RpcLimitOptions
{
    private readonly Option<string> _evmTimeout = new("--rpc-evm-timeout")
    {
        Description = "Longest an eth_call, eth_estimateGas, eth_createAccessList or debug_trace* may run the EVM (e.g. 5s, 500ms; 0: no limit).",
        DefaultValueFactory = _ => RpcExecutionLimits.GoDuration(RpcExecutionLimits.DefaultEvmTimeout),
    };

    private readonly Option<string> _batchBudget = new("--rpc-batch-evm-budget")
    {
        Description = "Most EVM time the entries of one batch may use together (0: no limit).",
        DefaultValueFactory = _ => RpcExecutionLimits.GoDuration(RpcExecutionLimits.DefaultBatchExecutionBudget),
    };

    private readonly Option<int> _concurrency = new("--rpc-max-concurrent-calls")
    {
        Description = "EVM-running requests served at once; more wait for a slot (default: one per core, at least 2).",
        DefaultValueFactory = _ => RpcExecutionLimits.DefaultMaxConcurrentExecutions,
    };

    private readonly Option<int> _logsMaxResults = new("--rpc-logs-max-results")
    {
        Description = "Most logs one eth_getLogs or eth_getFilterLogs may return.",
        DefaultValueFactory = _ => LogQueryLimits.Default.MaxResults,
    };

    private readonly Option<ulong> _logsMaxRange = new("--rpc-logs-max-range")
    {
        Description = "Most blocks one eth_getLogs or eth_getFilterLogs may scan.",
        DefaultValueFactory = _ => LogQueryLimits.Default.MaxBlockRange,
    };

    private readonly Option<long> _traceMaxBytes = new("--rpc-trace-max-bytes")
    {
        Description = "Largest struct-log trace (debug_traceTransaction/debug_traceCall) in bytes of JSON.",
        DefaultValueFactory = _ => StructLogTracer.DefaultMaxBytes,
    };

    private readonly Option<int> _filtersPerClient = new("--rpc-filters-per-client")
    {
        Description = "Filters (eth_new*Filter) one client, an HTTP remote address or a WebSocket connection, may have installed at once.",
        DefaultValueFactory = _ => EventModule.DefaultMaxFiltersPerClient,
    };

    private readonly Option<int> _connectionsPerClient = new("--rpc-connections-per-client")
    {
        Description = "Connections (HTTP keep-alive and WebSocket) one remote address may hold open at once (0: no limit).",
        DefaultValueFactory = _ => RpcServerOptions.DefaultMaxConnectionsPerClient,
    };

    /// <summary>Most connections one remote address may be given (a sanity bound on the option, far above any real need).</summary>
    private const int MaxConnectionsPerClient = 65_536;

    public IEnumerable<Option> All => [_evmTimeout, _batchBudget, _concurrency, _logsMaxResults, _logsMaxRange, _traceMaxBytes, _filtersPerClient, _connectionsPerClient];

    /// <summary>The server's limit of connections per remote address (<see cref="RpcServerOptions.MaxConnectionsPerClient"/>).</summary>
    /// <exception cref="ArgumentException">The value is out of range.</exception>
    public int ConnectionsPerClient(ParseResult parse)
    {
        int connections = parse.GetValue(_connectionsPerClient);
        return connections is >= 0 and <= MaxConnectionsPerClient
            ? connections
            : throw new ArgumentException($"--rpc-connections-per-client must be in 0..{MaxConnectionsPerClient} (0: no limit)");
    }

    /// <summary>Applies the parsed values to <paramref name="builder"/>.</summary>
    /// <exception cref="ArgumentException">A value is out of range or not a duration.</exception>
    public Func<NodeBuilder, NodeBuilder> From(ParseResult parse)
    {
        int concurrency = parse.GetValue(_concurrency);
        if (concurrency is < 1 or > 1024)
        {
            throw new ArgumentException("--rpc-max-concurrent-calls must be in 1..1024");
        }

        var limits = new RpcExecutionLimits(
            Duration("--rpc-evm-timeout", parse.GetValue(_evmTimeout)!), concurrency, Duration("--rpc-batch-evm-budget", parse.GetValue(_batchBudget)!));
        int logsMaxResults = parse.GetValue(_logsMaxResults);
        ulong logsMaxRange = parse.GetValue(_logsMaxRange);
        long traceMaxBytes = parse.GetValue(_traceMaxBytes);
        if (logsMaxResults < 1 || logsMaxRange < 1 || traceMaxBytes < 1)
        {
            throw new ArgumentException("--rpc-logs-max-results, --rpc-logs-max-range and --rpc-trace-max-bytes must be positive");
        }

        int filtersPerClient = parse.GetValue(_filtersPerClient);
        if (filtersPerClient is < 1 or > EventModule.MaxFilters)
        {
            throw new ArgumentException($"--rpc-filters-per-client must be in 1..{EventModule.MaxFilters}");
        }

        var logs = new LogQueryLimits(logsMaxRange, logsMaxResults);
        return builder => builder.WithRpcExecutionLimits(limits).WithRpcResultLimits(logs, traceMaxBytes).WithMaxFiltersPerClient(filtersPerClient);
    }

    /// <summary>"0", a number of seconds, or a number followed by ms, s or m.</summary>
    internal static TimeSpan Duration(string option, string text)
    {
        (string number, double unitMs) = text.Trim() switch
        {
            var t when t.EndsWith("ms", StringComparison.Ordinal) => (t[..^2], 1.0),
            var t when t.EndsWith('s') => (t[..^1], 1000.0),
            var t when t.EndsWith('m') => (t[..^1], 60_000.0),
            var t => (t, 1000.0),
        };
        if (!long.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out long value) || value > 86_400_000)
        {
            throw new ArgumentException($"{option} must be a duration such as 5s, 500ms or 0 (got \"{text}\")");
        }

        return TimeSpan.FromMilliseconds(value * unitMs);
    }
}
