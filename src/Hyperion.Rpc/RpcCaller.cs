using System.Net;

namespace Hyperion.Rpc;

/// <summary>
/// How far the caller of the request being handled (on this async flow) is trusted. A web page in a browser can
/// reach a node on localhost — by a cross-origin POST or a WebSocket, neither of which the browser guards — so a
/// request whose <c>Origin</c> is not allowed by <c>--cors</c> may read and send signed transactions, but may not use
/// the node's unlocked keys.
/// </summary>
public static class RpcCaller
{
    // One async-local for both: setting an async-local copies the flow's execution context, once per request here.
    private static readonly AsyncLocal<CallerOfFlow?> Flow = new();
    private static long s_webSocketCount;
    private static HttpClientName? s_lastHttpClient;

    private sealed record CallerOfFlow(string? UntrustedOrigin, string? Client);

    private sealed record HttpClientName(IPAddress Address, string Name);

    /// <summary>Sets both <see cref="UntrustedOrigin"/> and <see cref="Client"/> for the current flow (a request's start).</summary>
    public static void Set(string? untrustedOrigin, string? client) =>
        Flow.Value = untrustedOrigin is null && client is null ? null : new CallerOfFlow(untrustedOrigin, client);

    /// <summary>
    /// Who makes the current request, for per-client budgets (filters): "http:" and the remote address, or "ws:" and
    /// the WebSocket connection's number; null in process (no server).
    /// </summary>
    public static string? Client
    {
        get => Flow.Value?.Client;
        set => Set(UntrustedOrigin, value);
    }

    /// <summary>The <see cref="Client"/> of an HTTP request (the last one's name is reused: clients mostly come from one address).</summary>
    public static string HttpClient(IPAddress? remote)
    {
        if (remote is null)
        {
            return "http:unknown";
        }

        if (s_lastHttpClient is { } last && last.Address.Equals(remote))
        {
            return last.Name;
        }

        var name = new HttpClientName(remote, "http:" + remote);
        s_lastHttpClient = name;
        return name.Name;
    }

    /// <summary>A new <see cref="Client"/> for a WebSocket connection: each connection has a budget of its own.</summary>
    public static string NewWebSocketClient() => "ws:" + Interlocked.Increment(ref s_webSocketCount).ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The browser origin of the current request when <c>--cors</c> does not allow it; null for a trusted caller.</summary>
    public static string? UntrustedOrigin
    {
        get => Flow.Value?.UntrustedOrigin;
        set => Set(value, Client);
    }

    /// <summary>The untrusted origin of <paramref name="request"/> (see <see cref="Untrusted(string?, string?, IReadOnlyCollection{string})"/>).</summary>
    public static string? Untrusted(Microsoft.AspNetCore.Http.HttpRequest request, IReadOnlyCollection<string> corsOrigins)
    {
        ArgumentNullException.ThrowIfNull(request);
        string? origin = request.Headers.Origin;
        return string.IsNullOrEmpty(origin) ? null : Untrusted(origin, $"{request.Scheme}://{request.Host}", corsOrigins);
    }

    /// <summary>
    /// Null when a request with <paramref name="origin"/> (the header, if any) may use unlocked keys: no Origin (not a
    /// browser), the node's own origin (<paramref name="ownOrigin"/>: its explorer page), or an origin <c>--cors</c>
    /// names. <c>*</c> lets any page read (it is the dev default) but grants no keys. Otherwise the origin.
    /// </summary>
    public static string? Untrusted(string? origin, string? ownOrigin, IReadOnlyCollection<string> corsOrigins)
    {
        ArgumentNullException.ThrowIfNull(corsOrigins);
        if (string.IsNullOrEmpty(origin) || SameOrigin(origin, ownOrigin))
        {
            return null;
        }

        return corsOrigins.Any(allowed => allowed != "*" && SameOrigin(allowed, origin)) ? null : origin;
    }

    private static bool SameOrigin(string a, string? b) =>
        b is not null && string.Equals(a.TrimEnd('/'), b.TrimEnd('/'), StringComparison.OrdinalIgnoreCase);

    /// <exception cref="RpcException">The current request comes from an origin outside <c>--cors</c>.</exception>
    public static void EnsureMayUseUnlockedAccounts()
    {
        if (UntrustedOrigin is string origin)
        {
            throw new RpcException($"unlocked accounts are not available to requests from origin {origin}: it is not named by --cors");
        }
    }

    /// <summary>
    /// Null when serving on <paramref name="host"/> is safe; otherwise why the node refuses: unlocked keys on an address
    /// other machines can reach sign for anyone (geth refuses the same without --allow-insecure-unlock).
    /// </summary>
    public static string? RefusalToListen(string host, bool hasUnlockedAccounts, bool allowInsecureUnlock)
    {
        ArgumentNullException.ThrowIfNull(host);
        if (!hasUnlockedAccounts || allowInsecureUnlock || IsLoopback(host))
        {
            return null;
        }

        return $"refusing to serve unlocked dev accounts on --host {host}, which other machines can reach: anyone there could sign with them. " +
               "Listen on 127.0.0.1, or pass --allow-insecure-unlock if that is really intended.";
    }

    private static bool IsLoopback(string host)
    {
        string trimmed = host.Trim('[', ']');
        return trimmed.Equals("localhost", StringComparison.OrdinalIgnoreCase) ||
               (IPAddress.TryParse(trimmed, out IPAddress? address) && IPAddress.IsLoopback(address));
    }
}
