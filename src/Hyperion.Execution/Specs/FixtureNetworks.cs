using System.Globalization;
using System.Text.RegularExpressions;

namespace Hyperion.Execution.Specs;

/// <summary>
/// The chain specs the Ethereum test fixtures name: a single fork ("Cancun", "Merge", "EIP158") is that fork and every
/// earlier one active from genesis; a transition ("BerlinToLondonAt5", "ShanghaiToCancunAtTime15k") activates the
/// forks after the first up to the second at the given block or timestamp (in thousands of seconds).
/// </summary>
public static partial class FixtureNetworks
{
    /// <summary>The chain id the fixtures are filled with.</summary>
    public const ulong ChainId = 1;

    /// <summary>The spec of the network <paramref name="name"/>; false for a name that is no known network.</summary>
    public static bool TryParse(string? name, out ChainSpec spec)
    {
        spec = null!;
        if (Hardforks.TryParseFixtureName(name, out Hardfork single))
        {
            spec = ChainSpec.AllActiveFrom(ChainId, single);
            return true;
        }

        Match transition = name is null ? Match.Empty : TransitionPattern().Match(name);
        if (!transition.Success ||
            !Hardforks.TryParseFixtureName(transition.Groups["from"].Value, out Hardfork from) ||
            !Hardforks.TryParseFixtureName(transition.Groups["to"].Value, out Hardfork to) ||
            to <= from ||
            !ulong.TryParse(transition.Groups["at"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out ulong at))
        {
            return false;
        }

        // Every fork after the first up to the second activates at the transition (ConstantinopleFix brings Constantinople too).
        ForkCondition condition = transition.Groups["time"].Success ? ForkCondition.Timestamp(checked(at * 1000)) : ForkCondition.Block(at);
        ChainSpec before = ChainSpec.AllActiveFrom(ChainId, from);
        spec = before with
        {
            Forks = [.. before.Forks, .. Hardforks.Ethereum.Where(f => f > from && f <= to).Select(f => new ForkActivation(f, condition))],
        };
        return true;
    }

    [GeneratedRegex("^(?<from>[A-Za-z0-9]+)To(?<to>[A-Za-z0-9]+)At(?<time>Time)?(?<at>[0-9]+)(?(time)k)$", RegexOptions.CultureInvariant)]
    private static partial Regex TransitionPattern();
}
