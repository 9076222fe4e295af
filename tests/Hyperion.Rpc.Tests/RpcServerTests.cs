using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Hyperion.Rpc.Tests;

#pragma warning disable CA1001 // fields are disposed by xunit through IAsyncLifetime.DisposeAsync
public sealed class RpcServerTests : IAsyncLifetime
#pragma warning restore CA1001
{
    private RpcServer _server = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        var registry = new RpcMethodRegistry();
        RpcServer.AddBuiltIns(registry, 1337);
        registry.Add("test_echo", p => JsonValue.Create(p.GetString(0)));
        registry.Add("test_quantity", p => JsonValue.Create(EthJson.Quantity(p.GetQuantity(0))));
        registry.Add("test_revert", _ => throw new RpcException(RpcErrorCodes.ExecutionReverted, "execution reverted", "0x08c379a0"));
        registry.Add("test_crash", _ => throw new InvalidOperationException("secret detail"));
        _server = await RpcServer.StartAsync(registry, new RpcServerOptions { Port = 0, MaxRequestBodyBytes = 64 * 1024, MaxBatchSize = 10 });
        _http = new HttpClient { BaseAddress = _server.Address, Timeout = TimeSpan.FromSeconds(10) };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    private async Task<(HttpStatusCode Status, string Body)> PostAsync(string body)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await _http.PostAsync("/", content);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private async Task<JsonElement> CallAsync(string body)
    {
        var (_, text) = await PostAsync(body);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static int ErrorCode(JsonElement response) => response.GetProperty("error").GetProperty("code").GetInt32();

    [Fact]
    public async Task An_answer_carries_its_type_and_length_and_no_server_line()
    {
        using var content = new StringContent("""{"jsonrpc":"2.0","id":1,"method":"net_version"}""", Encoding.UTF8, "application/json");
        using var response = await _http.PostAsync("/", content);
        string body = await response.Content.ReadAsStringAsync();
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(Encoding.UTF8.GetByteCount(body), response.Content.Headers.ContentLength);
        Assert.False(response.Headers.Contains("Server"), "the answer names its server");
        Assert.True(response.Headers.Date.HasValue);
    }

    [Fact]
    public async Task Builtins_answer()
    {
        var version = await CallAsync("""{"jsonrpc":"2.0","id":1,"method":"web3_clientVersion"}""");
        Assert.Equal(RpcServer.ClientVersion, version.GetProperty("result").GetString());
        Assert.Equal(1, version.GetProperty("id").GetInt32());

        var sha = await CallAsync("""{"jsonrpc":"2.0","id":"a","method":"web3_sha3","params":["0x68656c6c6f20776f726c64"]}""");
        Assert.Equal("0x47173285a8d7341e5e972fc677286384f802f8ef42a5ec5f03bbfa254cb01fad", sha.GetProperty("result").GetString());
        Assert.Equal("a", sha.GetProperty("id").GetString());

        var net = await CallAsync("""{"jsonrpc":"2.0","id":2,"method":"net_version","params":[]}""");
        Assert.Equal("1337", net.GetProperty("result").GetString());
        var modules = await CallAsync("""{"jsonrpc":"2.0","id":3,"method":"rpc_modules"}""");
        Assert.Equal("1.0", modules.GetProperty("result").GetProperty("web3").GetString());
    }

    [Theory]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"nope"}""", RpcErrorCodes.MethodNotFound)]
    [InlineData("""{"jsonrpc":"1.0","id":1,"method":"web3_clientVersion"}""", RpcErrorCodes.InvalidRequest)]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":5}""", RpcErrorCodes.InvalidRequest)]
    [InlineData("""{"jsonrpc":"2.0","id":{},"method":"web3_clientVersion"}""", RpcErrorCodes.InvalidRequest)]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"test_echo","params":{"a":1}}""", RpcErrorCodes.InvalidParams)]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"test_echo","params":[5]}""", RpcErrorCodes.InvalidParams)]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"test_echo","params":[]}""", RpcErrorCodes.InvalidParams)]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"test_quantity","params":["0x01"]}""", RpcErrorCodes.InvalidParams)]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"test_quantity","params":["12"]}""", RpcErrorCodes.InvalidParams)]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"web3_sha3","params":["0x123"]}""", RpcErrorCodes.InvalidParams)]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"test_crash"}""", RpcErrorCodes.Internal)]
    [InlineData("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"web3_clientVersion", RpcErrorCodes.ParseError)]
    [InlineData("""not json""", RpcErrorCodes.ParseError)]
    [InlineData("""[]""", RpcErrorCodes.InvalidRequest)]
    [InlineData("""42""", RpcErrorCodes.InvalidRequest)]
    public async Task Errors_have_spec_codes(string request, int code)
    {
        var response = await CallAsync(request);
        Assert.Equal(code, ErrorCode(response));
        Assert.Equal("2.0", response.GetProperty("jsonrpc").GetString());
        Assert.True(response.TryGetProperty("id", out _));
    }

    [Fact]
    public async Task Invalid_params_message_names_the_argument_and_crash_hides_details()
    {
        var bad = await CallAsync("""{"jsonrpc":"2.0","id":1,"method":"test_quantity","params":["0x01"]}""");
        Assert.Contains("argument 0", bad.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        var crash = await CallAsync("""{"jsonrpc":"2.0","id":1,"method":"test_crash"}""");
        Assert.DoesNotContain("secret", crash.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Revert_carries_code_3_and_data()
    {
        var response = await CallAsync("""{"jsonrpc":"2.0","id":9,"method":"test_revert"}""");
        var error = response.GetProperty("error");
        Assert.Equal(3, error.GetProperty("code").GetInt32());
        Assert.Equal("0x08c379a0", error.GetProperty("data").GetString());
    }

    [Fact]
    public async Task Batch_mixes_results_errors_and_skips_notifications()
    {
        var response = await CallAsync("""
            [{"jsonrpc":"2.0","id":1,"method":"test_echo","params":["x"]},
             {"jsonrpc":"2.0","method":"test_echo","params":["notify"]},
             {"jsonrpc":"2.0","id":2,"method":"missing"},
             1,
             {"jsonrpc":"2.0","id":3,"method":"test_quantity","params":["0x0"]}]
            """);
        Assert.Equal(JsonValueKind.Array, response.ValueKind);
        var items = response.EnumerateArray().ToArray();
        Assert.Equal(4, items.Length);
        Assert.Equal("x", items[0].GetProperty("result").GetString());
        Assert.Equal(RpcErrorCodes.MethodNotFound, ErrorCode(items[1]));
        Assert.Equal(RpcErrorCodes.InvalidRequest, ErrorCode(items[2]));
        Assert.Equal("0x0", items[3].GetProperty("result").GetString());
    }

    [Fact]
    public async Task Notifications_only_get_no_body()
    {
        var (status, body) = await PostAsync("""{"jsonrpc":"2.0","method":"test_echo","params":["n"]}""");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("", body);
        (status, body) = await PostAsync("""[{"jsonrpc":"2.0","method":"test_echo","params":["n"]},{"jsonrpc":"2.0","method":"nope"}]""");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("", body);
    }

    [Fact]
    public async Task Batch_limit_is_enforced()
    {
        var batch = "[" + string.Join(',', Enumerable.Range(0, 11).Select(i => $$"""{"jsonrpc":"2.0","id":{{i}},"method":"net_listening"}""")) + "]";
        Assert.Equal(RpcErrorCodes.InvalidRequest, ErrorCode(await CallAsync(batch)));
    }

    [Fact]
    public async Task Body_size_limit_gives_413()
    {
        var big = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"test_echo\",\"params\":[\"" + new string('a', 100 * 1024) + "\"]}";
        try
        {
            var (status, _) = await PostAsync(big);
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        }
        catch (HttpRequestException)
        {
            // Also allowed by HTTP: the server answers 413 and closes the connection before the client has sent the
            // whole body, and the client sees the reset instead of the status.
        }

        // The server keeps serving afterwards (on a new connection: the client may have pooled the one the server closed).
        JsonElement listening;
        try
        {
            listening = await CallAsync("""{"jsonrpc":"2.0","id":1,"method":"net_listening"}""");
        }
        catch (HttpRequestException)
        {
            listening = await CallAsync("""{"jsonrpc":"2.0","id":1,"method":"net_listening"}""");
        }

        Assert.True(listening.GetProperty("result").GetBoolean());
    }

    [Fact]
    public async Task Deep_nesting_and_random_bytes_get_parse_errors()
    {
        var deep = new string('[', 5000) + new string(']', 5000);
        Assert.Equal(RpcErrorCodes.ParseError, ErrorCode(await CallAsync(deep)));

        var random = new Random(12345);
        var valid = """{"jsonrpc":"2.0","id":1,"method":"test_echo","params":["abc"]}""";
        for (int i = 0; i < 40; i++)
        {
            string input = i % 2 == 0
                ? valid[..random.Next(valid.Length)]
                : Encoding.Latin1.GetString(Enumerable.Range(0, random.Next(1, 64)).Select(_ => (byte)random.Next(256)).ToArray());
            var (status, body) = await PostAsync(input);
            Assert.Equal(HttpStatusCode.OK, status);
            var response = JsonDocument.Parse(body).RootElement;
            Assert.Equal("2.0", response.GetProperty("jsonrpc").GetString());
            Assert.True(response.TryGetProperty("error", out _) || response.TryGetProperty("result", out _));
        }

        var health = await _http.GetStringAsync("/health");
        Assert.Equal("ok", health);
    }
}

public sealed class EthJsonTests
{
    [Theory]
    [InlineData(0UL, "0x0")]
    [InlineData(1UL, "0x1")]
    [InlineData(0x400UL, "0x400")]
    [InlineData(ulong.MaxValue, "0xffffffffffffffff")]
    public void Quantity_round_trips(ulong value, string text)
    {
        Assert.Equal(text, EthJson.Quantity(value));
        Assert.Equal(value, EthJson.ParseQuantity(text));
    }

    [Theory]
    [InlineData("0x")]
    [InlineData("0x00")]
    [InlineData("0x0400")]
    [InlineData("400")]
    [InlineData("0xg")]
    [InlineData("0x10000000000000000")]
    public void Quantity_rejects_bad_input(string text) => Assert.Throws<FormatException>(() => EthJson.ParseQuantity(text));

    [Fact]
    public void Data_requires_even_length_prefixed_hex()
    {
        Assert.Equal(new byte[] { 0x12, 0xab }, EthJson.ParseData("0x12ab"));
        Assert.Empty(EthJson.ParseData("0x"));
        Assert.Equal("0x12ab", EthJson.Data([0x12, 0xab]));
        Assert.Throws<FormatException>(() => EthJson.ParseData("0x123"));
        Assert.Throws<FormatException>(() => EthJson.ParseData("12"));
        Assert.Throws<FormatException>(() => EthJson.ParseData("0xzz"));
    }
}
