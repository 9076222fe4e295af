using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Hyperion.Rpc.Eth;
using Hyperion.Rpc.Tests.Eth;

namespace Hyperion.Rpc.Tests;

/// <summary>Each client (a WebSocket connection, an HTTP remote address) has a filter budget of its own.</summary>
public sealed class FilterBudgetTests
{
    private const int Budget = 3;

    [Fact]
    public async Task One_client_exhausting_its_filters_leaves_the_others_theirs()
    {
        using var chain = new DevChain();
        using var events = new EventModule(chain.Local.Chain, chain.Local.Pool) { MaxFiltersPerClient = Budget };
        var registry = new RpcMethodRegistry();
        events.Register(registry);
        await using RpcServer server = await RpcServer.StartAsync(registry, new RpcServerOptions { Port = 0 });
        var ws = new Uri(server.Address.ToString().Replace("http", "ws", StringComparison.Ordinal));
        using var http = new HttpClient { BaseAddress = server.Address, Timeout = TimeSpan.FromSeconds(10) };

        using var greedy = new ClientWebSocket();
        await greedy.ConnectAsync(ws, CancellationToken.None);
        var greedyFilters = new List<string>();
        for (int i = 0; i < Budget; i++)
        {
            greedyFilters.Add((await RpcExposureTests.ExchangeAsync(greedy, NewBlockFilter)).GetProperty("result").GetString()!);
        }

        JsonElement refused = (await RpcExposureTests.ExchangeAsync(greedy, NewBlockFilter)).GetProperty("error");
        Assert.Equal(RpcErrorCodes.LimitExceeded, refused.GetProperty("code").GetInt32());
        Assert.Equal($"too many filters for this client (limit {Budget}); uninstall some first", refused.GetProperty("message").GetString());

        // Another connection, and HTTP clients, still have their budgets.
        using var other = new ClientWebSocket();
        await other.ConnectAsync(ws, CancellationToken.None);
        Assert.True((await RpcExposureTests.ExchangeAsync(other, NewBlockFilter)).TryGetProperty("result", out _));
        for (int i = 0; i < Budget; i++)
        {
            Assert.True((await PostAsync(http, NewBlockFilter)).TryGetProperty("result", out _));
        }

        Assert.Equal(RpcErrorCodes.LimitExceeded, (await PostAsync(http, NewBlockFilter)).GetProperty("error").GetProperty("code").GetInt32());

        // Uninstalling frees budget; closing the connection uninstalls its filters.
        Assert.True((await RpcExposureTests.ExchangeAsync(greedy, Uninstall(greedyFilters[0]))).GetProperty("result").GetBoolean());
        Assert.True((await RpcExposureTests.ExchangeAsync(greedy, NewBlockFilter)).TryGetProperty("result", out _));
        greedy.Abort();
        for (int attempt = 0; attempt < 50 && (await PostAsync(http, Uninstall(greedyFilters[1]))).GetProperty("result").GetBoolean(); attempt++)
        {
            // the server notices the close asynchronously; an uninstall that succeeded means it had not yet
            await Task.Delay(100);
        }

        Assert.False((await PostAsync(http, Uninstall(greedyFilters[2]))).GetProperty("result").GetBoolean());
    }

    private const string NewBlockFilter = """{"jsonrpc":"2.0","id":1,"method":"eth_newBlockFilter","params":[]}""";

    private static string Uninstall(string id) => $$"""{"jsonrpc":"2.0","id":1,"method":"eth_uninstallFilter","params":["{{id}}"]}""";

    private static async Task<JsonElement> PostAsync(HttpClient http, string request)
    {
        using var content = new StringContent(request, Encoding.UTF8, "application/json");
        using HttpResponseMessage response = await http.PostAsync(new Uri("/", UriKind.Relative), content);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }
}
