using Hyperion.Rollup.Blobs;

namespace Hyperion.Rollup.Node.L1;

/// <summary>
/// Where Ethereum's KZG trusted setup (c-kzg's text format) is: a path given by the user, else the file the c-kzg
/// npm package ships in the repository's e2e/node_modules (installed by <c>./hyperion</c>'s dependencies step).
/// </summary>
public static class TrustedSetupFile
{
    public const string RelativeToRepository = "e2e/node_modules/c-kzg/deps/c-kzg/trusted_setup.txt";

    /// <summary>The path to use, or null when none is given and none is found.</summary>
    public static string? Find(string? given = null)
    {
        if (!string.IsNullOrEmpty(given))
        {
            return given;
        }

        return FindInRepository(RelativeToRepository);
    }

    /// <summary>
    /// A file of the repository's checkout (such as an npm package's in e2e/node_modules), looked for above the
    /// program's directory and above the current directory.
    /// </summary>
    public static string? FindInRepository(string relativePath)
    {
        foreach (string start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (DirectoryInfo? dir = new(start); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, relativePath);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        return null;
    }

    /// <summary>Loads the setup <see cref="Find"/> locates.</summary>
    /// <exception cref="FileNotFoundException">None given and none found.</exception>
    public static KzgSetup Load(string? given = null) =>
        KzgSetup.Load(Find(given) ?? throw new FileNotFoundException(
            $"the KZG trusted setup was not found: give --kzg-trusted-setup FILE, or run `npm ci` in e2e/ (c-kzg ships {RelativeToRepository})"));
}
