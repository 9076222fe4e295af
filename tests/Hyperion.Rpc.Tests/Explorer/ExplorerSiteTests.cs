using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;
using Hyperion.Rpc.Explorer;

namespace Hyperion.Rpc.Tests.Explorer;

/// <summary>What the server serves for the explorer, next to JSON-RPC on the same port (one server for the class).</summary>
public sealed partial class ExplorerSiteTests : IClassFixture<ExplorerSiteTests.Node>
{
    private readonly HttpClient _http;

    public ExplorerSiteTests(Node node)
    {
        ArgumentNullException.ThrowIfNull(node);
        _http = node.Http;
    }

    /// <summary>A node with only the built-in methods.</summary>
    public sealed class Node : IAsyncLifetime, IDisposable
    {
        private RpcServer? _server;

        public HttpClient Http { get; private set; } = null!;

        async Task IAsyncLifetime.InitializeAsync()
        {
            var registry = new RpcMethodRegistry();
            RpcServer.AddBuiltIns(registry, 1337);
            _server = await RpcServer.StartAsync(registry, new RpcServerOptions { Port = 0 });
            Http = new HttpClient { BaseAddress = _server.Address, Timeout = TimeSpan.FromSeconds(10) };
        }

        async Task IAsyncLifetime.DisposeAsync()
        {
            if (_server is not null)
            {
                await _server.DisposeAsync();
            }
        }

        public void Dispose() => Http?.Dispose();
    }

    [Fact]
    public async Task Get_root_serves_the_page_with_a_policy_that_loads_nothing_from_elsewhere()
    {
        using HttpResponseMessage response = await _http.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType!.MediaType);
        string html = await response.Content.ReadAsStringAsync();
        Assert.Contains("explorer/app.js", html, StringComparison.Ordinal);
        string policy = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("default-src 'self'", policy, StringComparison.Ordinal);
        Assert.Contains("script-src 'self'", policy, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_file_the_page_references_is_served_with_its_type()
    {
        string html = await _http.GetStringAsync("/");
        var referenced = new List<string>();
        foreach (Match m in Reference().Matches(html))
        {
            referenced.Add(m.Groups[1].Value);
        }

        // The modules app.js imports, transitively.
        var queue = new Queue<string>(referenced.Where(r => r.EndsWith(".js", StringComparison.Ordinal)));
        var seen = new HashSet<string>(referenced, StringComparer.Ordinal);
        while (queue.TryDequeue(out string? module))
        {
            string source = await _http.GetStringAsync("/" + module);
            string directory = module[..(module.LastIndexOf('/') + 1)];
            foreach (Match m in Import().Matches(source))
            {
                string target = Normalize(directory + m.Groups[1].Value);
                if (seen.Add(target))
                {
                    queue.Enqueue(target);
                }
            }
        }

        Assert.Contains("explorer/pages/tx.js", seen);
        foreach (string file in seen)
        {
            using HttpResponseMessage response = await _http.GetAsync("/" + file);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{file}: {response.StatusCode}");
            string expected = Path.GetExtension(file) switch { ".js" => "text/javascript", ".css" => "text/css", ".svg" => "image/svg+xml", _ => "?" };
            Assert.Equal(expected, response.Content.Headers.ContentType!.MediaType);
        }

        Assert.Equal(ExplorerSite.FileNames.Count() - 1, seen.Count); // everything embedded is used (index.html aside)
    }

    [Fact]
    public async Task A_known_etag_gets_304_and_an_unknown_file_404()
    {
        using HttpResponseMessage first = await _http.GetAsync("/explorer/app.js");
        EntityTagHeaderValue etag = first.Headers.ETag!;
        using var again = new HttpRequestMessage(HttpMethod.Get, "/explorer/app.js");
        again.Headers.IfNoneMatch.Add(etag);
        using HttpResponseMessage cached = await _http.SendAsync(again);
        Assert.Equal(HttpStatusCode.NotModified, cached.StatusCode);

        using HttpResponseMessage missing = await _http.GetAsync("/explorer/nope.js");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        using HttpResponseMessage escape = await _http.GetAsync("/explorer/..%2f..%2fHyperion.Rpc.dll");
        Assert.Equal(HttpStatusCode.NotFound, escape.StatusCode);
    }

    [Fact]
    public async Task Json_rpc_still_answers_post_on_the_same_path()
    {
        using var content = new StringContent("""{"jsonrpc":"2.0","id":1,"method":"net_version"}""", Encoding.UTF8, "application/json");
        using HttpResponseMessage response = await _http.PostAsync("/", content);
        Assert.Contains("\"1337\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static string Normalize(string path)
    {
        var parts = new List<string>();
        foreach (string part in path.Split('/'))
        {
            if (part == "..")
            {
                parts.RemoveAt(parts.Count - 1);
            }
            else if (part is not ("." or ""))
            {
                parts.Add(part);
            }
        }

        return string.Join('/', parts);
    }

    [GeneratedRegex("(?:href|src)=\"(explorer/[^\"]+)\"")]
    private static partial Regex Reference();

    [GeneratedRegex("""from '(\.{1,2}/[^']+)'""")]
    private static partial Regex Import();
}
