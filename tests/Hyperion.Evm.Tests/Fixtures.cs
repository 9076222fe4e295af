namespace Hyperion.Evm.Tests;

/// <summary>Locates the shared consensus fixtures (read-only; never copied into the repo).</summary>
public static class Fixtures
{
    private static readonly Lazy<string> RootPath = new(FindRoot);

    /// <summary>The <c>shared/fixtures</c> directory.</summary>
    public static string Root => RootPath.Value;

    public static string EthereumTests(params string[] parts) =>
        Path.Combine([Root, "ethereum-tests", .. parts]);

    private static string FindRoot()
    {
        string? fromEnv = Environment.GetEnvironmentVariable("HYPERION_FIXTURES");
        if (!string.IsNullOrEmpty(fromEnv))
        {
            return fromEnv;
        }

        foreach (string start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (DirectoryInfo? dir = new(start); dir is not null; dir = dir.Parent)
            {
                foreach (string candidate in new[] { Path.Combine(dir.FullName, "shared", "fixtures"), Path.Combine(dir.FullName, "..", "shared", "fixtures") })
                {
                    if (Directory.Exists(candidate))
                    {
                        return Path.GetFullPath(candidate);
                    }
                }
            }
        }

        return "/work/shared/fixtures";
    }
}
