using System.Net;
using System.Text;

namespace Hyperion.Rpc.Tests;

/// <summary>--cors: ASP.NET Core's CORS middleware in front of JSON-RPC (preflight, allowed and refused origins).</summary>
public sealed class CorsTests
{
    private static async Task<T> WithServerAsync<T>(IReadOnlyList<string> origins, Func<HttpClient, Task<T>> use)
    {
        var registry = new RpcMethodRegistry();
        RpcServer.AddBuiltIns(registry, 1337);
        await using RpcServer server = await RpcServer.StartAsync(registry, new RpcServerOptions { Port = 0, CorsOrigins = origins });
        using var http = new HttpClient { BaseAddress = server.Address, Timeout = TimeSpan.FromSeconds(10) };
        return await use(http);
    }

    private static HttpRequestMessage Preflight(string origin)
    {
        var request = new HttpRequestMessage(HttpMethod.Options, "/");
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", "POST");
        request.Headers.Add("Access-Control-Request-Headers", "content-type");
        return request;
    }

    private static HttpRequestMessage Call(string origin)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/")
        {
            Content = new StringContent("""{"jsonrpc":"2.0","id":1,"method":"net_version"}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Origin", origin);
        return request;
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out IEnumerable<string>? values) ? string.Join(",", values) : null;

    [Fact]
    public Task Any_origin_gets_its_preflight_answered_and_may_post() => WithServerAsync(["*"], async http =>
    {
        using HttpRequestMessage preflight = Preflight("http://dapp.example:3000");
        using HttpResponseMessage answer = await http.SendAsync(preflight);
        Assert.Equal(HttpStatusCode.NoContent, answer.StatusCode);
        Assert.Equal("*", Header(answer, "Access-Control-Allow-Origin"));
        Assert.Contains("POST", Header(answer, "Access-Control-Allow-Methods"), StringComparison.Ordinal);
        Assert.Equal("content-type", Header(answer, "Access-Control-Allow-Headers"));

        using HttpRequestMessage call = Call("http://dapp.example:3000");
        using HttpResponseMessage response = await http.SendAsync(call);
        Assert.Equal("*", Header(response, "Access-Control-Allow-Origin"));
        Assert.Contains("\"1337\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        return true;
    });

    [Fact]
    public Task Listed_origins_only() => WithServerAsync(["https://app.example", "http://localhost:5173"], async http =>
    {
        using HttpRequestMessage allowed = Call("http://localhost:5173");
        using HttpResponseMessage yes = await http.SendAsync(allowed);
        Assert.Equal("http://localhost:5173", Header(yes, "Access-Control-Allow-Origin"));

        using HttpRequestMessage other = Call("https://evil.example");
        using HttpResponseMessage no = await http.SendAsync(other);
        Assert.Null(Header(no, "Access-Control-Allow-Origin")); // the browser withholds the answer from the page

        using HttpRequestMessage preflight = Preflight("https://evil.example");
        using HttpResponseMessage refused = await http.SendAsync(preflight);
        Assert.Null(Header(refused, "Access-Control-Allow-Origin"));
        return true;
    });

    [Fact]
    public Task Without_cors_there_are_no_cors_headers() => WithServerAsync([], async http =>
    {
        using HttpRequestMessage preflight = Preflight("http://dapp.example");
        using HttpResponseMessage answer = await http.SendAsync(preflight);
        // Whatever the status, a preflight answer without Access-Control-Allow-Origin is a refusal to the browser.
        Assert.Null(Header(answer, "Access-Control-Allow-Origin"));
        Assert.Null(Header(answer, "Access-Control-Allow-Methods"));
        return true;
    });

    [Theory]
    [InlineData("*", new[] { "*" })]
    [InlineData("none", new string[0])]
    [InlineData("https://a.example, http://localhost:3000", new[] { "https://a.example", "http://localhost:3000" })]
    public void The_option_parses(string value, string[] expected) => Assert.Equal(expected, CorsOrigins.Parse(value));

    [Theory]
    [InlineData("")]
    [InlineData(" , ")]
    [InlineData("example.com")]
    [InlineData("https://a.example/path")]
    [InlineData("https://a.example/")]
    [InlineData("ftp://a.example")]
    [InlineData("https://a.example?x=1")]
    public void A_bad_origin_is_a_clear_error(string value)
    {
        var e = Assert.Throws<ArgumentException>(() => CorsOrigins.Parse(value));
        Assert.StartsWith("--cors", e.Message, StringComparison.Ordinal);
    }
}
