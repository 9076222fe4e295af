using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using Hyperion.Chain;
using Hyperion.Core;
using Hyperion.Core.Blocks;
using Hyperion.Core.Crypto;

namespace Hyperion.Rpc.Eth;

/// <summary>
/// Chain events for clients: polling filters (eth_newFilter, eth_newBlockFilter, eth_newPendingTransactionFilter,
/// eth_getFilterChanges, eth_getFilterLogs, eth_uninstallFilter) and WebSocket subscriptions (eth_subscribe /
/// eth_unsubscribe for newHeads, logs, newPendingTransactions and, when the sequencer preconfirms, flashblocks).
/// </summary>
public sealed class EventModule : IRpcModule, IDisposable
{
    /// <summary>Filters one client (an HTTP remote address, a WebSocket connection) may have installed at once.</summary>
    public const int DefaultMaxFiltersPerClient = 100;

    /// <summary>Filters of all clients together: a bound on memory, far above what one client may hold.</summary>
    public const int MaxFilters = 10_000;

    public const int MaxSubscriptionsPerConnection = 100;

    /// <summary>Changes a filter keeps between polls; the oldest are dropped beyond it.</summary>
    public const int MaxQueuedChanges = 10_000;

    /// <summary>Filters nobody polled for this long are removed (geth: 5 minutes).</summary>
    public static readonly TimeSpan FilterTimeout = TimeSpan.FromMinutes(5);

    private readonly IChainReader _chain;
    private readonly ITransactionPool _pool;
    private readonly ConcurrentDictionary<string, Filter> _filters = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Subscription> _subscriptions = new(StringComparer.Ordinal);
    private readonly IPreconfirmations? _preconfirmations;
    private long _nextId;

    /// <param name="preconfirmations">The sequencer's preconfirmations, streamed to <c>flashblocks</c> subscribers; null: none.</param>
    public EventModule(IChainReader chain, ITransactionPool pool, IPreconfirmations? preconfirmations = null)
    {
        ArgumentNullException.ThrowIfNull(chain);
        ArgumentNullException.ThrowIfNull(pool);
        _chain = chain;
        _pool = pool;
        _preconfirmations = preconfirmations;
        _chain.BlockAdded += OnBlockAdded;
        _pool.TransactionPending += OnTransactionPending;
        if (preconfirmations is not null)
        {
            preconfirmations.Preconfirmed += OnPreconfirmed;
        }
    }

    public int SubscriptionCount => _subscriptions.Count;

    /// <summary>Filters one client may have installed at once (see <see cref="RpcCaller.Client"/>).</summary>
    public int MaxFiltersPerClient { get; init; } = DefaultMaxFiltersPerClient;

    /// <summary>Bounds on eth_getFilterLogs.</summary>
    public LogQueryLimits LogLimits { get; init; } = LogQueryLimits.Default;

    public void Register(RpcMethodRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        registry
            .Add("eth_newFilter", p => Install(FilterKind.Logs, LogFilter.Parse(p, 0, _chain.Blocks)))
            .Add("eth_newBlockFilter", _ => Install(FilterKind.Blocks, null))
            .Add("eth_newPendingTransactionFilter", _ => Install(FilterKind.PendingTransactions, null))
            .Add("eth_uninstallFilter", p => JsonValue.Create(Uninstall(p.GetString(0))))
            .Add("eth_getFilterChanges", p => GetFilter(p.GetString(0)).TakeChanges())
            .Add("eth_getFilterLogs", p =>
            {
                Filter filter = GetFilter(p.GetString(0));
                return filter.Kind == FilterKind.Logs
                    ? new JsonArray([.. filter.Logs!.Query(_chain.Blocks, LogLimits)])
                    : throw new RpcException("filter not found");
            })
            .Add("eth_subscribe", p => Subscribe(p))
            .Add("eth_unsubscribe", p => JsonValue.Create(_subscriptions.TryRemove(p.GetString(0), out _)));
    }

    public void Dispose()
    {
        _chain.BlockAdded -= OnBlockAdded;
        _pool.TransactionPending -= OnTransactionPending;
        if (_preconfirmations is not null)
        {
            _preconfirmations.Preconfirmed -= OnPreconfirmed;
        }
    }

    private string NewId() => "0x" + Keccak256.Hash(Encoding.ASCII.GetBytes($"hyperion-{Interlocked.Increment(ref _nextId)}-{Environment.TickCount64}")).ToString()[2..34];

    private JsonNode Install(FilterKind kind, LogFilter? logs)
    {
        ExpireIdleFilters();
        string client = RpcCaller.Client ?? "in-process";
        if (_filters.Values.Count(f => f.Client == client) >= MaxFiltersPerClient)
        {
            throw new RpcException(RpcErrorCodes.LimitExceeded, $"too many filters for this client (limit {MaxFiltersPerClient}); uninstall some first");
        }

        if (_filters.Count >= MaxFilters)
        {
            throw new RpcException(RpcErrorCodes.LimitExceeded, $"too many filters on the node (limit {MaxFilters}); uninstall some first");
        }

        string id = NewId();
        var filter = new Filter(kind, logs, client);
        _filters[id] = filter;
        // A WebSocket client's filters go with its connection, freeing its budget.
        if (RpcConnection.Current is { } connection)
        {
            filter.OnConnectionClosed = connection.Closed.Register(() => Uninstall(id));
        }

        return id;
    }

    private bool Uninstall(string id)
    {
        if (!_filters.TryRemove(id, out Filter? filter))
        {
            return false;
        }

        filter.OnConnectionClosed.Dispose();
        return true;
    }

    private Filter GetFilter(string id)
    {
        ExpireIdleFilters();
        return _filters.TryGetValue(id, out Filter? filter) ? filter : throw new RpcException("filter not found");
    }

    private void ExpireIdleFilters()
    {
        DateTime cutoff = DateTime.UtcNow - FilterTimeout;
        foreach ((string id, Filter filter) in _filters)
        {
            if (filter.LastPolled < cutoff)
            {
                Uninstall(id);
            }
        }
    }

    private JsonNode Subscribe(RpcParams p)
    {
        RpcConnection connection = RpcConnection.Current ?? throw new RpcException("notifications not supported: subscribe over a WebSocket connection");
        string kind = p.GetString(0);
        LogFilter? logs = kind switch
        {
            "newHeads" or "newPendingTransactions" => null,
            "logs" => LogFilter.Parse(p, 1, _chain.Blocks),
            "flashblocks" when _preconfirmations is not null => null,
            "flashblocks" => throw RpcException.InvalidParams("flashblocks: this node's sequencer does not preconfirm (started with --no-preconfirm, or a dev chain without --block-time)"),
            _ => throw RpcException.InvalidParams($"unsupported subscription type '{kind}' (newHeads, logs, newPendingTransactions, flashblocks)"),
        };
        if (_subscriptions.Values.Count(s => s.Connection == connection) >= MaxSubscriptionsPerConnection)
        {
            throw new RpcException($"too many subscriptions on this connection (limit {MaxSubscriptionsPerConnection})");
        }

        string id = NewId();
        _subscriptions[id] = new Subscription(id, kind, logs, connection);
        connection.Closed.Register(() => _subscriptions.TryRemove(id, out _));
        return id;
    }

    private void OnBlockAdded(BlockAddedEvent added)
    {
        StoredBlock block = added.Block;
        foreach (Filter filter in _filters.Values)
        {
            switch (filter.Kind)
            {
                case FilterKind.Blocks:
                    filter.Add(JsonValue.Create(block.Hash.ToString()));
                    break;
                case FilterKind.Logs:
                    foreach (JsonObject log in filter.Logs!.Matching(block))
                    {
                        filter.Add(log);
                    }

                    break;
            }
        }

        JsonObject? header = null;
        foreach (Subscription subscription in _subscriptions.Values)
        {
            if (subscription.Kind == "newHeads")
            {
                header ??= HeadOf(block);
                subscription.Notify(header);
            }
            else if (subscription.Kind == "logs")
            {
                foreach (JsonObject log in subscription.Logs!.Matching(block))
                {
                    subscription.Notify(log);
                }
            }
        }
    }

    private void OnTransactionPending(Hash256 hash)
    {
        foreach (Filter filter in _filters.Values)
        {
            if (filter.Kind == FilterKind.PendingTransactions)
            {
                filter.Add(JsonValue.Create(hash.ToString()));
            }
        }

        foreach (Subscription subscription in _subscriptions.Values)
        {
            if (subscription.Kind == "newPendingTransactions")
            {
                subscription.Notify(JsonValue.Create(hash.ToString()));
            }
        }
    }

    private void OnPreconfirmed(PreconfirmedBlock subBlock)
    {
        JsonObject? message = null;
        foreach (Subscription subscription in _subscriptions.Values)
        {
            if (subscription.Kind == "flashblocks")
            {
                message ??= FlashblockOf(subBlock, _chain.Executor.Spec);
                subscription.Notify(message);
            }
        }
    }

    /// <summary>
    /// A flashblocks notification: the sub-block's index in its block, the block's number and parent, on index 0 the
    /// block's fixed fields, then the transactions this sub-block added (raw) with their receipts, and the gas used so far.
    /// </summary>
    private static JsonObject FlashblockOf(PreconfirmedBlock subBlock, Execution.Specs.ChainSpec spec)
    {
        BlockHeader draft = subBlock.Draft;
        var message = new JsonObject
        {
            ["index"] = EthFormat.Quantity((ulong)subBlock.Index),
            ["blockNumber"] = EthFormat.Quantity(draft.Number),
            ["parentHash"] = draft.ParentHash.ToString(),
        };
        if (subBlock.Index == 0)
        {
            message["base"] = new JsonObject
            {
                ["timestamp"] = EthFormat.Quantity(draft.Timestamp),
                ["gasLimit"] = EthFormat.Quantity(draft.GasLimit),
                ["baseFeePerGas"] = draft.BaseFeePerGas is { } baseFee ? EthFormat.Quantity(baseFee) : null,
                ["feeRecipient"] = draft.Beneficiary.ToString(),
                ["prevRandao"] = draft.MixHash.ToString(),
            };
        }

        StoredBlock block = subBlock.Block;
        var transactions = new JsonArray();
        var receipts = new JsonArray();
        for (int i = subBlock.FirstNew; i < subBlock.Transactions.Count; i++)
        {
            transactions.Add(Hex.Encode(subBlock.Transactions[i].Transaction.Envelope.Span));
            receipts.Add(EthFormat.Receipt(block, i, spec));
        }

        message["transactions"] = transactions;
        message["receipts"] = receipts;
        message["gasUsed"] = EthFormat.Quantity(subBlock.GasUsed);
        return message;
    }

    /// <summary>A newHeads notification: the block without its transactions.</summary>
    private static JsonObject HeadOf(StoredBlock block)
    {
        JsonObject json = EthFormat.Block(block, fullTransactions: false);
        json.Remove("transactions");
        json.Remove("uncles");
        json.Remove("withdrawals");
        json.Remove("size");
        json.Remove("totalDifficulty");
        return json;
    }

    private enum FilterKind
    {
        Logs,
        Blocks,
        PendingTransactions,
    }

    private sealed class Filter(FilterKind kind, LogFilter? logs, string client)
    {
        private readonly Queue<JsonNode> _changes = new();

        /// <summary>The <see cref="RpcCaller.Client"/> that installed it, whose budget it counts against.</summary>
        public string Client { get; } = client;

        /// <summary>Uninstalls it when its WebSocket connection closes; disposed when it is uninstalled first.</summary>
        public CancellationTokenRegistration OnConnectionClosed { get; set; }

        public FilterKind Kind { get; } = kind;
        public LogFilter? Logs { get; } = logs;
        public DateTime LastPolled { get; private set; } = DateTime.UtcNow;

        public void Add(JsonNode change)
        {
            lock (_changes)
            {
                if (_changes.Count >= MaxQueuedChanges)
                {
                    _changes.Dequeue();
                }

                _changes.Enqueue(change);
            }
        }

        public JsonArray TakeChanges()
        {
            lock (_changes)
            {
                LastPolled = DateTime.UtcNow;
                var result = new JsonArray([.. _changes.Select(c => c.DeepClone())]);
                _changes.Clear();
                return result;
            }
        }
    }

    private sealed record Subscription(string Id, string Kind, LogFilter? Logs, RpcConnection Connection)
    {
        public void Notify(JsonNode result)
        {
            var message = new JsonObject
            {
                ["jsonrpc"] = "2.0",
                ["method"] = "eth_subscription",
                ["params"] = new JsonObject { ["subscription"] = Id, ["result"] = result.DeepClone() },
            };
            Connection.TrySend(Encoding.UTF8.GetBytes(message.ToJsonString()));
        }
    }
}
