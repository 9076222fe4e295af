using System.Text;
using System.Text.Json;
using Hyperion.Chain;
using Hyperion.Core;
using Hyperion.Core.Wallet;
using Hyperion.Rpc.Eth;
using Microsoft.Extensions.Logging.Abstractions;

namespace Hyperion.Rpc.Tests.Eth;

/// <summary>
/// An in-memory dev chain with the eth/event modules behind a dispatcher, called with JSON as a client would (no
/// HTTP). Blocks are only produced by evm_mine (the interval is an hour), so tests control the chain's shape.
/// </summary>
internal sealed class DevChain : IDisposable
{
    public const ulong ChainId = 1337;

    /// <summary>
    /// Runtime code at <see cref="Contract"/>: x = calldata word 0; x == 1 reverts with 0xdeadbeef; otherwise stores
    /// x in slot 0 and emits LOG2(topic0 = <see cref="EventTopic"/>, topic1 = x).
    /// </summary>
    public static readonly byte[] ContractCode = Hex.Decode(
        "600035" + "80600114" + "603657" + "80600055" + "80" +
        "7f" + "aa00000000000000000000000000000000000000000000000000000000000001" +
        "60006000a2" + "00" +
        "5b" + "63deadbeef" + "600052" + "6004601cfd");

    /// <summary>Runtime code at <see cref="Proxy"/>: CALLs <see cref="Contract"/> with its own calldata, ignores the outcome, stops.</summary>
    public static readonly byte[] ProxyCode = Hex.Decode(
        "366000600037" + "60006000366000600073" + "000000000000000000000000000000000000c0de" + "5af1" + "5000");

    public static readonly Address Proxy = Address.Parse("0x000000000000000000000000000000000000beef");

    public static readonly Address Contract = Address.Parse("0x000000000000000000000000000000000000c0de");
    public static readonly Hash256 EventTopic = Hash256.Parse("0xaa00000000000000000000000000000000000000000000000000000000000001");

    private static readonly Lazy<IReadOnlyList<DevAccount>> LazyAccounts = new(() => DevAccounts.Derive(DevAccounts.DefaultMnemonic, 3));

    private readonly EventModule _events;
    private readonly RpcDispatcher _dispatcher;
    private long _id;

    /// <param name="pool">Pool limits (default: the node's).</param>
    /// <param name="limits">Bounds on the EVM methods (default: the node's).</param>
    /// <param name="logLimits">Bounds on log queries (default: the node's).</param>
    /// <param name="maxTraceBytes">Bound on struct-log traces (default: the node's).</param>
    /// <param name="automine">Mine on demand, as the dev node without --block-time (default: a block an hour, so tests mine with evm_mine).</param>
    /// <param name="dataDirectory">Keep the chain there (block log and MetisDB state), to test a restart; default: in memory.</param>
    /// <param name="preconfirm">Preconfirm transactions on the open block as they arrive (default: off, so a send changes nothing before evm_mine).</param>
    /// <param name="addressIndex">Where the address index is kept (default: as the node keeps it: LMDB tables in the data directory, memory without one).</param>
    public DevChain(ulong rpcGasCap = EthModule.DefaultRpcGasCap, TxPoolOptions? pool = null, RpcExecutionLimits? limits = null,
        LogQueryLimits? logLimits = null, long maxTraceBytes = StructLogTracer.DefaultMaxBytes, int maxFiltersPerClient = EventModule.DefaultMaxFiltersPerClient,
        bool automine = false, string? dataDirectory = null, bool preconfirm = false, AddressIndexStorage? addressIndex = null)
    {
        var alloc = new SortedDictionary<Address, GenesisAccount>();
        foreach (DevAccount account in Accounts)
        {
            alloc[account.Address] = new GenesisAccount(UInt256.Parse("10000000000000000000")); // 10 ether: balances fit a ulong
        }

        alloc[Contract] = new GenesisAccount(UInt256.Zero, 1, ContractCode);
        alloc[Proxy] = new GenesisAccount(UInt256.Zero, 1, ProxyCode);
        Local = LocalChain.Start(
            new Genesis { Spec = Hyperion.Execution.Specs.ChainSpec.Dev(ChainId), Alloc = alloc },
            new ChainOptions { Sequencer = new() { BlockTime = automine ? null : TimeSpan.FromHours(1), Preconfirm = preconfirm }, Pool = pool ?? new TxPoolOptions(), DataDirectory = dataDirectory });
        var registry = new RpcMethodRegistry { ExecutionLimits = limits ?? new RpcExecutionLimits() };
        RpcServer.AddBuiltIns(registry, ChainId, RpcServer.DevClientVersion);
        Eth = new EthModule(Local.Chain, Local.Pool, Local.Proofs, Accounts)
        {
            RpcGasCap = rpcGasCap, Producer = Local.Producer, LogLimits = logLimits ?? LogQueryLimits.Default, IsImpersonated = a => Local.Dev.IsImpersonated(a),
        };
        Eth.Register(registry);
        var debug = new DebugModule(Local.Chain, Eth) { MaxTraceBytes = maxTraceBytes };
        debug.Register(registry);
        new TraceModule(Local.Chain, debug, Eth).Register(registry);
        new SimulateModule(Local.Chain, Eth).Register(registry);
        var history = new AccountHistoryModule(Local.Chain);
        history.Register(registry);
        Addresses = addressIndex is { } storage ? new AddressIndex(Local.Chain, dataDirectory, storage, Warnings.Enqueue) : new AddressIndex(Local.Chain, dataDirectory, Warnings.Enqueue);
        new OtterscanModule(Local.Chain, Eth, debug, history, Addresses).Register(registry);
        _events = new EventModule(Local.Chain, Local.Pool, Local.Producer.Preconfirmations) { LogLimits = logLimits ?? LogQueryLimits.Default, MaxFiltersPerClient = maxFiltersPerClient };
        _events.Register(registry);
        new DevModule(Local.Dev, Local.Chain).Register(registry);
        _dispatcher = new RpcDispatcher(registry, new RpcServerOptions(), NullLogger.Instance);
        Methods = [.. registry.Names.Order(StringComparer.Ordinal)];
    }

    public static IReadOnlyList<DevAccount> Accounts => LazyAccounts.Value;

    public static Address Alice => Accounts[0].Address;

    public static Address Bob => Accounts[1].Address;

    public LocalChain Local { get; }

    public EthModule Eth { get; }

    public AddressIndex Addresses { get; }

    /// <summary>The address index's warnings (a rebuilt or cut index).</summary>
    public System.Collections.Concurrent.ConcurrentQueue<string> Warnings { get; } = new();

    /// <summary>Every registered method, in ordinal order.</summary>
    public IReadOnlyList<string> Methods { get; }

    /// <summary>The whole response object for <paramref name="method"/> with <paramref name="paramsJson"/> (a JSON array).</summary>
    public JsonElement Request(string method, string paramsJson = "[]") => Send(RequestJson(method, paramsJson));

    /// <summary>The JSON of one request (for batches).</summary>
    public string RequestJson(string method, string paramsJson = "[]") =>
        $$"""{"jsonrpc":"2.0","id":{{Interlocked.Increment(ref _id)}},"method":"{{method}}","params":{{paramsJson}}}""";

    /// <summary>Dispatches <paramref name="payload"/> (a request or a batch) and gives the response.</summary>
    public JsonElement Send(string payload) => SendAsync(payload).GetAwaiter().GetResult();

    /// <summary>Dispatches <paramref name="payload"/> as the server does, without holding a thread while it runs.</summary>
    public async Task<JsonElement> SendAsync(string payload)
    {
        byte[] response = (await _dispatcher.DispatchAsync(Encoding.UTF8.GetBytes(payload), CancellationToken.None).ConfigureAwait(false))!;
        return JsonDocument.Parse(response).RootElement.Clone();
    }

    /// <summary>The result; fails the test with the error when there is one.</summary>
    public JsonElement Call(string method, string paramsJson = "[]")
    {
        JsonElement response = Request(method, paramsJson);
        Assert.False(response.TryGetProperty("error", out JsonElement error), $"{method} failed: {error}");
        return response.GetProperty("result");
    }

    /// <summary>The error object; fails the test when the call succeeded.</summary>
    public JsonElement Error(string method, string paramsJson = "[]")
    {
        JsonElement response = Request(method, paramsJson);
        Assert.True(response.TryGetProperty("error", out JsonElement error), $"{method} unexpectedly succeeded: {response}");
        return error;
    }

    /// <summary>Sends a transaction from a dev account and mines it; returns the transaction hash.</summary>
    public string SendAndMine(string txJson)
    {
        string hash = Call("eth_sendTransaction", $"[{txJson}]").GetString()!;
        Call("evm_mine");
        return hash;
    }

    /// <summary>Calldata for the test contract: one 32-byte word holding <paramref name="x"/>.</summary>
    public static string Word(ulong x) => "0x" + x.ToString("x64", System.Globalization.CultureInfo.InvariantCulture);

    public static ulong Quantity(JsonElement e) => EthJson.ParseQuantity(e.GetString()!);

    public void Dispose()
    {
        Addresses.Dispose();
        _events.Dispose();
        Local.Dispose();
    }
}
