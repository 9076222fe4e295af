namespace Hyperion.MetisDb.Tests;

/// <summary>Locates the shared consensus fixtures (HYPERION_FIXTURES, else walking up for shared/fixtures).</summary>
internal static class Fixtures
{
    public static string Root { get; } = Locate();

    private static string Locate()
    {
        string? fromEnvironment = Environment.GetEnvironmentVariable("HYPERION_FIXTURES");
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            return fromEnvironment;
        }

        foreach (string start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (DirectoryInfo? directory = new(start); directory is not null; directory = directory.Parent)
            {
                foreach (string candidate in new[] { Path.Combine(directory.FullName, "shared", "fixtures"), Path.Combine(directory.FullName, "..", "shared", "fixtures") })
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
