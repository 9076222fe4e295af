namespace Hyperion.Evm;

/// <summary>
/// The Ethereum protocol rule sets MetisVM can execute, in activation order, so a rule that starts at a fork is
/// written <c>fork &gt;= Fork.London</c>.
/// </summary>
public enum Fork
{
    Berlin = 0,
    London = 1,

    /// <summary>The Merge: PREVRANDAO replaces DIFFICULTY, no block reward.</summary>
    Paris = 2,
    Shanghai = 3,
    Cancun = 4,
}

/// <summary>Fork names as the Ethereum test fixtures spell them (e.g. "Cancun", "Merge" for Paris).</summary>
public static class ForkNames
{
    /// <summary>Parses a fixture fork name; false for forks MetisVM does not implement (e.g. "Frontier", "Prague").</summary>
    public static bool TryParse(string? name, out Fork fork)
    {
        switch (name)
        {
            case "Berlin": fork = Fork.Berlin; return true;
            case "London": fork = Fork.London; return true;
            case "Paris":
            case "Merge": fork = Fork.Paris; return true;
            case "Shanghai": fork = Fork.Shanghai; return true;
            case "Cancun": fork = Fork.Cancun; return true;
            default: fork = default; return false;
        }
    }

    /// <summary>The canonical fixture name of <paramref name="fork"/>.</summary>
    public static string Name(Fork fork) => fork switch
    {
        Fork.Berlin => "Berlin",
        Fork.London => "London",
        Fork.Paris => "Paris",
        Fork.Shanghai => "Shanghai",
        Fork.Cancun => "Cancun",
        _ => throw new ArgumentOutOfRangeException(nameof(fork), fork, "unknown fork"),
    };
}
