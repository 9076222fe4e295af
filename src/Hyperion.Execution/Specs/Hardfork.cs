using Hyperion.Evm;

namespace Hyperion.Execution.Specs;

/// <summary>
/// The named upgrades a chain's schedule activates (reth's hardforks), distinct from the EVM rule set
/// <see cref="Fork"/> that MetisVM executes: several hardforks map onto one rule set (Arrow and Gray Glacier only
/// move the difficulty bomb), and a rollup's own upgrades (Bedrock, Regolith, Canyon, Ecotone, Fjord, …) are added
/// here as one entry each, activated in the schedule beside the Ethereum fork they ship with.
/// </summary>
/// <remarks>Ethereum hardforks are listed in activation order; <see cref="Hardforks.IsEthereum"/> says which are.</remarks>
public enum Hardfork
{
    Frontier,
    Homestead,
    Dao,
    TangerineWhistle,
    SpuriousDragon,
    Byzantium,
    Constantinople,
    Petersburg,
    Istanbul,
    MuirGlacier,
    Berlin,
    London,
    ArrowGlacier,
    GrayGlacier,

    /// <summary>The Merge.</summary>
    Paris,
    Shanghai,
    Cancun,
    Prague,

    // The OP stack's upgrades (optimism/specs), scheduled by L2 timestamp beside the Ethereum forks they ship with.
    Bedrock,
    Regolith,
    Canyon,
    Delta,
    Ecotone,
    Fjord,
    Granite,
}

/// <summary>What each hardfork means for execution, and its name as the Ethereum test fixtures spell it.</summary>
public static class Hardforks
{
    /// <summary>The Ethereum hardforks in activation order (the ones a chain's schedule must keep in this order).</summary>
    public static IReadOnlyList<Hardfork> Ethereum { get; } =
    [
        Hardfork.Frontier, Hardfork.Homestead, Hardfork.Dao, Hardfork.TangerineWhistle, Hardfork.SpuriousDragon,
        Hardfork.Byzantium, Hardfork.Constantinople, Hardfork.Petersburg, Hardfork.Istanbul, Hardfork.MuirGlacier,
        Hardfork.Berlin, Hardfork.London, Hardfork.ArrowGlacier, Hardfork.GrayGlacier, Hardfork.Paris,
        Hardfork.Shanghai, Hardfork.Cancun, Hardfork.Prague,
    ];

    /// <summary>An upgrade of Ethereum itself (as opposed to a rollup's own upgrade, which changes no EVM rule by itself).</summary>
    public static bool IsEthereum(Hardfork fork) => fork <= Hardfork.Prague;

    /// <summary>Hardforks a chain may leave out of its schedule (the DAO fork and the difficulty-bomb delays; geth's optional forks).</summary>
    public static bool IsOptional(Hardfork fork) =>
        fork is Hardfork.Dao or Hardfork.MuirGlacier or Hardfork.ArrowGlacier or Hardfork.GrayGlacier;

    /// <summary>
    /// The MetisVM rule set that an Ethereum hardfork (as the newest active one) selects; null when MetisVM does not
    /// implement it (before Berlin, and Prague).
    /// </summary>
    public static Fork? EvmRules(Hardfork fork) => fork switch
    {
        Hardfork.Berlin => Fork.Berlin,
        Hardfork.London or Hardfork.ArrowGlacier or Hardfork.GrayGlacier => Fork.London,
        Hardfork.Paris => Fork.Paris,
        Hardfork.Shanghai => Fork.Shanghai,
        Hardfork.Cancun => Fork.Cancun,
        _ => null,
    };

    /// <summary>The hardfork whose rules are <paramref name="rules"/> (the first Ethereum hardfork that selects them).</summary>
    public static Hardfork Of(Fork rules) => rules switch
    {
        Fork.Berlin => Hardfork.Berlin,
        Fork.London => Hardfork.London,
        Fork.Paris => Hardfork.Paris,
        Fork.Shanghai => Hardfork.Shanghai,
        Fork.Cancun => Hardfork.Cancun,
        _ => throw new ArgumentOutOfRangeException(nameof(rules), rules, "unknown rule set"),
    };

    /// <summary>Fixture names (state and block tests) of single-fork networks, including the fixtures' aliases.</summary>
    private static readonly (string Name, Hardfork Fork)[] FixtureNames =
    [
        ("Frontier", Hardfork.Frontier),
        ("Homestead", Hardfork.Homestead),
        ("EIP150", Hardfork.TangerineWhistle),
        ("EIP158", Hardfork.SpuriousDragon),
        ("Byzantium", Hardfork.Byzantium),
        ("Constantinople", Hardfork.Constantinople),
        ("ConstantinopleFix", Hardfork.Petersburg),
        ("Petersburg", Hardfork.Petersburg),
        ("Istanbul", Hardfork.Istanbul),
        ("MuirGlacier", Hardfork.MuirGlacier),
        ("Berlin", Hardfork.Berlin),
        ("London", Hardfork.London),
        ("ArrowGlacier", Hardfork.ArrowGlacier),
        ("GrayGlacier", Hardfork.GrayGlacier),
        ("Paris", Hardfork.Paris),
        ("Merge", Hardfork.Paris),
        ("Shanghai", Hardfork.Shanghai),
        ("Cancun", Hardfork.Cancun),
        ("Prague", Hardfork.Prague),
    ];

    /// <summary>Parses a fixture fork name ("Cancun", "Merge", "EIP158", …); false for a name that is no hardfork.</summary>
    public static bool TryParseFixtureName(string? name, out Hardfork fork)
    {
        foreach ((string candidate, Hardfork value) in FixtureNames)
        {
            if (string.Equals(candidate, name, StringComparison.Ordinal))
            {
                fork = value;
                return true;
            }
        }

        fork = default;
        return false;
    }

    /// <summary>The canonical fixture name of <paramref name="fork"/> (Paris for the Merge).</summary>
    public static string FixtureName(Hardfork fork)
    {
        foreach ((string name, Hardfork value) in FixtureNames)
        {
            if (value == fork)
            {
                return name;
            }
        }

        return fork.ToString();
    }

    /// <summary>The names of the rule sets MetisVM implements, for messages ("Berlin, London, Paris, Shanghai, Cancun").</summary>
    public static string SupportedNames => string.Join(", ", Enum.GetValues<Fork>().Select(f => FixtureName(Of(f))));
}
