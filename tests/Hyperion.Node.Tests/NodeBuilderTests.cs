using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Hyperion.Chain;
using Hyperion.Core;
using Hyperion.Core.Transactions;
using Hyperion.Core.Wallet;
using Hyperion.Rpc;
using Hyperion.State;

namespace Hyperion.Node.Tests;

/// <summary>The SDK story: a node is a composition, and any part can be replaced by the caller.</summary>
public sealed class NodeBuilderTests
{
    private const ulong ChainId = 4242;

    private static readonly IReadOnlyList<DevAccount> Accounts = DevAccounts.Derive(DevAccounts.DefaultMnemonic, 2);

    private static Genesis TestGenesis() => Genesis.Dev(ChainId, Accounts, UInt256.Parse("1000000000000000000000"));

    /// <summary>Blocks only on evm_mine, so the tests decide when blocks happen.</summary>
    private static NodeBuilder Builder() => new NodeBuilder(TestGenesis())
        .WithChain(o => o with { Sequencer = new() { BlockTime = TimeSpan.FromHours(1) } })
        .WithDevAccounts(Accounts);

    [Fact]
    public async Task The_default_composition_serves_the_dev_chain_over_http()
    {
        using HyperionNode node = Builder().Build();
        await using RpcServer server = await node.StartRpcAsync(new RpcServerOptions { Port = 0 });
        using var http = new HttpClient { BaseAddress = server.Address };

        Assert.Equal($"0x{ChainId:x}", (await CallAsync(http, "eth_chainId")).GetString());
        await CallAsync(http, "evm_mine");
        Assert.Equal("0x1", (await CallAsync(http, "eth_blockNumber")).GetString());
        string metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Contains("hyperion_chain_head 1", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_count_each_method_call_its_errors_the_blocks_and_the_runtime()
    {
        using HyperionNode node = Builder().Build();
        await using RpcServer server = await node.StartRpcAsync(new RpcServerOptions { Port = 0 });
        using var http = new HttpClient { BaseAddress = server.Address };

        await CallAsync(http, "eth_chainId");
        await CallAsync(http, "eth_chainId");
        await CallAsync(http, "evm_mine");
        JsonElement failed = await RequestAsync(http, "eth_getBalance", """["0x1"]""");
        Assert.Equal(-32602, failed.GetProperty("error").GetProperty("code").GetInt32());
        await RequestAsync(http, "no_such_method");
        string metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));

        Assert.Contains("hyperion_rpc_method_duration_seconds_count{method=\"eth_chainId\"} 2", metrics, StringComparison.Ordinal);
        Assert.Contains("hyperion_rpc_method_duration_seconds_count{method=\"eth_getBalance\"} 1", metrics, StringComparison.Ordinal);
        Assert.Contains("hyperion_rpc_method_errors_total{method=\"eth_getBalance\",code=\"-32602\"} 1", metrics, StringComparison.Ordinal);
        Assert.DoesNotContain("eth_chainId\",code=", metrics, StringComparison.Ordinal);
        Assert.DoesNotContain("no_such_method", metrics, StringComparison.Ordinal); // names clients make up are no labels
        Assert.Contains("hyperion_rpc_request_duration_seconds_count 5", metrics, StringComparison.Ordinal);
        Assert.Contains("hyperion_blocks_total 1", metrics, StringComparison.Ordinal);
        Assert.Contains($"hyperion_build_info{{version=\"{RpcServer.ClientVersion}\"", metrics, StringComparison.Ordinal);
        Assert.Contains("# TYPE hyperion_transactions_total counter", metrics, StringComparison.Ordinal);
        Assert.Contains("# TYPE hyperion_gas_total counter", metrics, StringComparison.Ordinal);
        Assert.Contains("hyperion_txpool_pending 0", metrics, StringComparison.Ordinal);
        Assert.Contains("process_cpu_seconds_total", metrics, StringComparison.Ordinal);
        Assert.Contains("dotnet_collection_count_total", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_node_composed_with_its_own_pool_and_rpc_module_uses_them()
    {
        Address denied = Accounts[1].Address;
        using HyperionNode node = Builder()
            .WithPool(chain => new DenyListPool(LocalChain.DefaultPool(chain, new TxPoolOptions()), denied))
            .AddRpcModule(parts => new HeadModule(parts.Chain))
            .Build();
        await using RpcServer server = await node.StartRpcAsync(new RpcServerOptions { Port = 0 });
        using var http = new HttpClient { BaseAddress = server.Address };

        // The custom module is served beside the default ones and reads the chain through IChainReader.
        Assert.Equal(0UL, (await CallAsync(http, "example_head")).GetProperty("number").GetUInt64());

        // eth_sendTransaction goes through the replaced pool: the denied sender is refused with the pool's message.
        string transfer = $$"""[{"from":"{{Accounts[0].Address}}","to":"{{denied}}","value":"0x1"}]""";
        JsonElement refused = await RequestAsync(http, "eth_sendTransaction", $$"""[{"from":"{{denied}}","to":"{{Accounts[0].Address}}","value":"0x1"}]""");
        Assert.Equal($"sender {denied} is not allowed on this chain", refused.GetProperty("error").GetProperty("message").GetString());
        string hash = (await CallAsync(http, "eth_sendTransaction", transfer)).GetString()!;
        await CallAsync(http, "evm_mine");

        JsonElement receipt = await CallAsync(http, "eth_getTransactionReceipt", $"""["{hash}"]""");
        Assert.Equal("0x1", receipt.GetProperty("status").GetString());
        JsonElement head = await CallAsync(http, "example_head");
        Assert.Equal(1UL, head.GetProperty("number").GetUInt64());
        Assert.Equal(1, head.GetProperty("transactions").GetInt32());
    }

    [Fact]
    public async Task A_node_without_dev_controls_does_not_serve_them()
    {
        using HyperionNode node = Builder().WithoutDevControls().Build();
        await using RpcServer server = await node.StartRpcAsync(new RpcServerOptions { Port = 0 });
        using var http = new HttpClient { BaseAddress = server.Address };
        JsonElement response = await RequestAsync(http, "evm_mine");
        Assert.Equal(RpcErrorCodes.MethodNotFound, response.GetProperty("error").GetProperty("code").GetInt32());
    }

    private static async Task<JsonElement> RequestAsync(HttpClient http, string method, string paramsJson = "[]")
    {
        using var content = new StringContent($$"""{"jsonrpc":"2.0","id":1,"method":"{{method}}","params":{{paramsJson}}}""", System.Text.Encoding.UTF8, "application/json");
        using HttpResponseMessage response = await http.PostAsync(new Uri("/", UriKind.Relative), content);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).Clone();
    }

    private static async Task<JsonElement> CallAsync(HttpClient http, string method, string paramsJson = "[]")
    {
        JsonElement response = await RequestAsync(http, method, paramsJson);
        Assert.False(response.TryGetProperty("error", out JsonElement error), $"{method}: {error}");
        return response.GetProperty("result");
    }

    /// <summary>An RPC module of the caller's own: the head block's number and transaction count.</summary>
    private sealed class HeadModule(IChainReader chain) : IRpcModule
    {
        public void Register(RpcMethodRegistry registry) => registry.Add("example_head", _ => new JsonObject
        {
            ["number"] = chain.Blocks.Head.Number,
            ["transactions"] = chain.Blocks.Head.Block.Transactions.Length,
        });
    }

    /// <summary>A pool of the caller's own: the default pool, refusing one sender.</summary>
    private sealed class DenyListPool(ITransactionPool inner, Address denied) : ITransactionPool
    {
        public event Action<Hash256>? TransactionPending
        {
            add => inner.TransactionPending += value;
            remove => inner.TransactionPending -= value;
        }

        public event Action<DroppedTransaction>? TransactionDropped
        {
            add => inner.TransactionDropped += value;
            remove => inner.TransactionDropped -= value;
        }

        public int Count => inner.Count;

        public int PendingCount => inner.PendingCount;

        public int QueuedCount => inner.QueuedCount;

        public long EvictedCount => inner.EvictedCount;

        public long ExpiredCount => inner.ExpiredCount;

        public string? Add(Transaction tx, BlobSidecar? sidecar = null) =>
            tx.TryRecoverSender(out Address sender) && sender == denied ? $"sender {denied} is not allowed on this chain" : inner.Add(tx, sidecar);

        public bool TryGet(in Hash256 hash, out PooledTransaction pooled) => inner.TryGet(hash, out pooled);

        public ulong NextNonce(in Address sender) => inner.NextNonce(sender);

        public List<(Transaction Transaction, Address Sender)> SelectForBlock(in UInt256 baseFee, int maxCount) => inner.SelectForBlock(baseFee, maxCount);

        public void OnNewHead(IStateReader headState, in UInt256 baseFee, IEnumerable<Hash256> invalid) => inner.OnNewHead(headState, baseFee, invalid);

        public void Clear(IStateReader headState, in UInt256 baseFee) => inner.Clear(headState, baseFee);

        public (SortedDictionary<Address, List<PooledTransaction>> Pending, SortedDictionary<Address, List<PooledTransaction>> Queued) Content() => inner.Content();
    }
}
