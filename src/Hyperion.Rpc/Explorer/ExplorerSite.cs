using System.Collections.Frozen;
using System.Reflection;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;

namespace Hyperion.Rpc.Explorer;

/// <summary>
/// The block explorer: static HTML/CSS/JS embedded in this assembly (Explorer/wwwroot), served at GET / and
/// GET /explorer/{file}. The page talks JSON-RPC to this node, or to any node URL given in its <c>?rpc=</c> parameter.
/// </summary>
public static class ExplorerSite
{
    private const string ResourcePrefix = "explorer/";

    // The page loads nothing from elsewhere; it may connect to any node the user points it at.
    private const string ContentSecurityPolicy =
        "default-src 'self'; connect-src *; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'";

    private static readonly FrozenDictionary<string, Asset> Assets = Load();

    /// <summary>The embedded file names (relative to wwwroot), for tests.</summary>
    public static IEnumerable<string> FileNames => Assets.Keys;

    /// <summary>Writes the page at GET / (index.html).</summary>
    public static Task ServeIndexAsync(HttpContext context) => ServeAsync(context, "index.html");

    /// <summary>Writes one embedded file, or 404 when there is none of that name.</summary>
    public static Task ServeAsync(HttpContext context, string file)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!Assets.TryGetValue(file, out Asset? asset))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }

        HttpResponse response = context.Response;
        response.Headers.ETag = asset.ETag;
        response.Headers.CacheControl = "no-cache";
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        if (context.Request.Headers.IfNoneMatch == asset.ETag)
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return Task.CompletedTask;
        }

        response.ContentType = asset.ContentType;
        response.ContentLength = asset.Content.Length;
        return HttpMethods.IsHead(context.Request.Method)
            ? Task.CompletedTask
            : response.Body.WriteAsync(asset.Content, context.RequestAborted).AsTask();
    }

    private static FrozenDictionary<string, Asset> Load()
    {
        Assembly assembly = typeof(ExplorerSite).Assembly;
        var assets = new Dictionary<string, Asset>(StringComparer.Ordinal);
        foreach (string name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            using Stream stream = assembly.GetManifestResourceStream(name)!;
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            byte[] content = buffer.ToArray();
            string file = name[ResourcePrefix.Length..].Replace('\\', '/');
            string etag = $"\"{Convert.ToHexStringLower(SHA256.HashData(content).AsSpan(0, 12))}\"";
            assets[file] = new Asset(content, ContentTypeOf(file), etag);
        }

        return assets.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static string ContentTypeOf(string file) => Path.GetExtension(file) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".svg" => "image/svg+xml",
        ".json" => "application/json",
        _ => "application/octet-stream",
    };

    private sealed record Asset(byte[] Content, string ContentType, string ETag);
}
