namespace Hyperion.Rpc;

/// <summary>The <c>--cors</c> option: which browser origins may call the node.</summary>
public static class CorsOrigins
{
    /// <summary>
    /// Parses a comma-separated list of origins (<c>https://app.example:8080</c>), <c>*</c> for any origin, or
    /// <c>none</c> for no CORS at all (only same-origin pages, such as the explorer at /, can call the node).
    /// </summary>
    public static IReadOnlyList<string> Parse(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        string[] items = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (items.Length == 0)
        {
            throw new ArgumentException("--cors needs origins (comma-separated), * or none");
        }

        if (items is ["none"])
        {
            return [];
        }

        foreach (string origin in items)
        {
            if (origin != "*" && !IsOrigin(origin))
            {
                throw new ArgumentException($"--cors: {origin} is not an origin (scheme://host[:port], *, or none)");
            }
        }

        return items;
    }

    private static bool IsOrigin(string text) =>
        Uri.TryCreate(text, UriKind.Absolute, out Uri? uri)
        && uri.Scheme is "http" or "https"
        && uri.AbsolutePath == "/" && !text.EndsWith('/') && uri.Query.Length == 0 && uri.Fragment.Length == 0 && uri.UserInfo.Length == 0;
}
