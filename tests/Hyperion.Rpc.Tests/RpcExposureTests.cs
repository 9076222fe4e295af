using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Hyperion.Core;
using Hyperion.Core.Crypto;
using Hyperion.Core.Transactions;
using Hyperion.Rpc.Tests.Eth;

namespace Hyperion.Rpc.Tests;

/// <summary>Hostile or careless input at the transport: odd strings, browser requests, exposed keys.</summary>
#pragma warning disable CA1001 // fields are disposed by xunit through IAsyncLifetime.DisposeAsync
public sealed class RpcExposureTests : IAsyncLifetime
#pragma warning restore CA1001
{
    private const string Good = "http://good.example";
    private const string Evil = "http://evil.example";
    private RpcServer _server = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        var registry = new RpcMethodRegistry();
        RpcServer.AddBuiltIns(registry, 1337);
        registry.Add("test_echo", p => JsonValue.Create(p.GetString(0)));
        registry.Add("test_sign", _ =>
        {
            RpcCaller.EnsureMayUseUnlockedAccounts();
            return JsonValue.Create("signed");
        });
        _server = await RpcServer.StartAsync(registry, new RpcServerOptions { Port = 0, CorsOrigins = [Good] });
        _http = new HttpClient { BaseAddress = _server.Address, Timeout = TimeSpan.FromSeconds(10) };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    private async Task<(HttpStatusCode Status, string Body, HttpResponseMessage Response)> PostAsync(string body, string contentType = "application/json", string? origin = null)
    {
        var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);
        var request = new HttpRequestMessage(HttpMethod.Post, "/") { Content = content };
        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        HttpResponseMessage response = await _http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), response);
    }

    [Fact]
    public async Task Lone_surrogates_in_ids_methods_and_params_are_answered_per_entry()
    {
        const string Batch = """
            [{"jsonrpc":"2.0","id":"\ud800","method":"net_listening"},
             {"jsonrpc":"2.0","id":2,"method":"\udc00x"},
             {"jsonrpc":"2.0","id":3,"method":"test_echo","params":["a\ud800b"]},
             {"jsonrpc":"2.0","id":"\ud83d\ude00","method":"net_listening"}]
            """;
        var (status, body, _) = await PostAsync(Batch);
        Assert.Equal(HttpStatusCode.OK, status);
        JsonElement[] responses = [.. JsonDocument.Parse(body).RootElement.EnumerateArray()];
        Assert.Equal(4, responses.Length);
        Assert.Equal("\uFFFD", responses[0].GetProperty("id").GetString());
        Assert.True(responses[0].GetProperty("result").GetBoolean());
        Assert.Equal(RpcErrorCodes.MethodNotFound, responses[1].GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal("a\uFFFDb", responses[2].GetProperty("result").GetString());
        Assert.Equal("\U0001F600", responses[3].GetProperty("id").GetString()); // a valid pair stays as it is

        var (singleStatus, single, _) = await PostAsync("""{"jsonrpc":"2.0","id":"\udfff","method":"net_listening"}""");
        Assert.Equal(HttpStatusCode.OK, singleStatus);
        Assert.Equal("\uFFFD", JsonDocument.Parse(single).RootElement.GetProperty("id").GetString());
    }

    [Fact]
    public async Task A_lone_surrogate_does_not_drop_the_websocket()
    {
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri(_server.Address.ToString().Replace("http", "ws", StringComparison.Ordinal)), CancellationToken.None);
        JsonElement first = await ExchangeAsync(socket, """{"jsonrpc":"2.0","id":"\ud800","method":"\ud800"}""");
        Assert.Equal(RpcErrorCodes.MethodNotFound, first.GetProperty("error").GetProperty("code").GetInt32());
        JsonElement second = await ExchangeAsync(socket, """{"jsonrpc":"2.0","id":2,"method":"net_listening"}""");
        Assert.True(second.GetProperty("result").GetBoolean());
    }

    [Fact]
    public async Task Non_json_content_types_get_415()
    {
        const string Request = """{"jsonrpc":"2.0","id":1,"method":"net_listening"}""";
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await PostAsync(Request, "text/plain")).Status);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await PostAsync(Request, "application/x-www-form-urlencoded")).Status);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await PostAsync(Request, "multipart/form-data; boundary=x")).Status);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(Request, "application/json; charset=utf-8")).Status);
    }

    [Fact]
    public async Task Requests_from_origins_outside_cors_cannot_use_unlocked_keys()
    {
        const string Sign = """{"jsonrpc":"2.0","id":1,"method":"test_sign"}""";
        var (_, evil, evilResponse) = await PostAsync(Sign, origin: Evil);
        Assert.Contains("not named by --cors", evil, StringComparison.Ordinal);
        Assert.False(evilResponse.Headers.Contains("Access-Control-Allow-Origin"));

        var (_, good, goodResponse) = await PostAsync(Sign, origin: Good);
        Assert.Equal("signed", JsonDocument.Parse(good).RootElement.GetProperty("result").GetString());
        Assert.Equal(Good, Assert.Single(goodResponse.Headers.GetValues("Access-Control-Allow-Origin")));

        var (_, local, _) = await PostAsync(Sign);
        Assert.Equal("signed", JsonDocument.Parse(local).RootElement.GetProperty("result").GetString());

        // Reads stay open to any origin.
        var (_, read, _) = await PostAsync("""{"jsonrpc":"2.0","id":1,"method":"net_listening"}""", origin: Evil);
        Assert.True(JsonDocument.Parse(read).RootElement.GetProperty("result").GetBoolean());

        // A WebSocket carries the Origin of the page that opened it.
        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Origin", Evil);
        await socket.ConnectAsync(new Uri(_server.Address.ToString().Replace("http", "ws", StringComparison.Ordinal)), CancellationToken.None);
        JsonElement viaSocket = await ExchangeAsync(socket, Sign);
        Assert.Contains("not named by --cors", viaSocket.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_wildcard_cors_grants_reads_but_no_keys_and_the_nodes_own_pages_keep_them()
    {
        Assert.Equal(Evil, RpcCaller.Untrusted(Evil, "http://127.0.0.1:8545", ["*"]));
        Assert.Null(RpcCaller.Untrusted(Good, "http://127.0.0.1:8545", ["*", Good]));
        Assert.Null(RpcCaller.Untrusted("http://127.0.0.1:8545", "http://127.0.0.1:8545", []));
        Assert.Null(RpcCaller.Untrusted(null, "http://127.0.0.1:8545", []));
    }

    [Fact]
    public void Unlocked_keys_are_not_served_on_a_reachable_host_without_allow_insecure_unlock()
    {
        Assert.Contains("--allow-insecure-unlock", RpcCaller.RefusalToListen("0.0.0.0", hasUnlockedAccounts: true, allowInsecureUnlock: false));
        Assert.NotNull(RpcCaller.RefusalToListen("192.168.1.5", true, false));
        Assert.NotNull(RpcCaller.RefusalToListen("::", true, false));
        Assert.Null(RpcCaller.RefusalToListen("0.0.0.0", true, allowInsecureUnlock: true));
        Assert.Null(RpcCaller.RefusalToListen("0.0.0.0", hasUnlockedAccounts: false, false));
        Assert.Null(RpcCaller.RefusalToListen("127.0.0.1", true, false));
        Assert.Null(RpcCaller.RefusalToListen("localhost", true, false));
        Assert.Null(RpcCaller.RefusalToListen("[::1]", true, false));
    }

    [Fact]
    public void The_dev_accounts_refuse_an_untrusted_origin_but_raw_transactions_pass()
    {
        using var chain = new DevChain();
        RpcCaller.UntrustedOrigin = Evil;
        try
        {
            JsonElement refused = chain.Error("eth_sendTransaction", $$"""[{"from":"{{DevChain.Alice}}","to":"{{DevChain.Bob}}","value":"0x1"}]""");
            Assert.Contains("not named by --cors", refused.GetProperty("message").GetString(), StringComparison.Ordinal);
            Assert.Contains("not named by --cors", chain.Error("personal_sign", $"""["0x01","{DevChain.Alice}"]""").GetProperty("message").GetString(), StringComparison.Ordinal);

            var unsigned = new Transaction
            {
                Type = TransactionType.DynamicFee, ChainId = DevChain.ChainId, Nonce = 0, MaxFeePerGas = 10_000_000_000UL,
                MaxPriorityFeePerGas = 1_000_000_000UL, GasLimit = 21_000, To = DevChain.Bob, Value = 1,
            };
            EcdsaSignature signature = Secp256k1.Sign(unsigned.SigningHash().Bytes, DevChain.Accounts[0].PrivateKey.Span);
            Transaction tx = unsigned.WithSignature(signature.R, signature.S, signature.RecoveryId);
            Assert.Equal(tx.Hash.ToString(), chain.Call("eth_sendRawTransaction", $"""["{Hex.Encode(tx.Envelope.Span)}"]""").GetString());
        }
        finally
        {
            RpcCaller.UntrustedOrigin = null;
        }
    }

    /// <summary>Sends one request over <paramref name="socket"/> and reads the answer.</summary>
    internal static async Task<JsonElement> ExchangeAsync(ClientWebSocket socket, string request)
    {
        await socket.SendAsync(Encoding.UTF8.GetBytes(request), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
        var buffer = new byte[64 * 1024];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        WebSocketReceiveResult received = await socket.ReceiveAsync(buffer, timeout.Token);
        return JsonDocument.Parse(buffer.AsMemory(0, received.Count)).RootElement.Clone();
    }
}
