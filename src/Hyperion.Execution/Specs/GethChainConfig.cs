using System.Text.Json;
using Hyperion.Core;
using Hyperion.Core.Blocks;

namespace Hyperion.Execution.Specs;

/// <summary>A chain configuration could not be mapped onto a <see cref="ChainSpec"/>; the message names the field.</summary>
public sealed class ChainConfigFormatException(string message) : FormatException(message);

/// <summary>
/// Maps geth's chain configuration (the <c>config</c> object of a genesis file) onto a <see cref="ChainSpec"/>:
/// <c>chainId</c>, the block-numbered forks <c>homesteadBlock</c> … <c>grayGlacierBlock</c>, the merge
/// (<c>terminalTotalDifficulty</c> 0, or <c>mergeNetsplitBlock</c>), the timestamped forks <c>shanghaiTime</c>,
/// <c>cancunTime</c>, <c>pragueTime</c> and <c>blobSchedule</c>.
/// </summary>
public static class GethChainConfig
{
    private static readonly (string Key, Hardfork Fork)[] BlockForks =
    [
        ("homesteadBlock", Hardfork.Homestead),
        ("daoForkBlock", Hardfork.Dao),
        ("eip150Block", Hardfork.TangerineWhistle),
        ("eip158Block", Hardfork.SpuriousDragon),
        ("byzantiumBlock", Hardfork.Byzantium),
        ("constantinopleBlock", Hardfork.Constantinople),
        ("petersburgBlock", Hardfork.Petersburg),
        ("istanbulBlock", Hardfork.Istanbul),
        ("muirGlacierBlock", Hardfork.MuirGlacier),
        ("berlinBlock", Hardfork.Berlin),
        ("londonBlock", Hardfork.London),
        ("arrowGlacierBlock", Hardfork.ArrowGlacier),
        ("grayGlacierBlock", Hardfork.GrayGlacier),
    ];

    private static readonly (string Key, Hardfork Fork)[] TimeForks =
    [
        ("shanghaiTime", Hardfork.Shanghai),
        ("cancunTime", Hardfork.Cancun),
        ("pragueTime", Hardfork.Prague),
    ];

    /// <summary>Forks geth knows that this node's schedule cannot represent yet: refused rather than silently left out.</summary>
    private static readonly string[] UnknownLaterForks = ["osakaTime", "verkleTime"];

    /// <summary>The spec of <paramref name="config"/>, with <paramref name="gasLimit"/> as the first block's gas limit.</summary>
    /// <exception cref="ChainConfigFormatException">A field is missing, malformed or out of order; the message names it.</exception>
    public static ChainSpec Parse(JsonElement config, ulong gasLimit)
    {
        if (config.ValueKind != JsonValueKind.Object)
        {
            throw new ChainConfigFormatException("config must be an object");
        }

        ulong chainId = config.TryGetProperty("chainId", out JsonElement id) && id.ValueKind != JsonValueKind.Null
            ? ReadUInt64(id, "config.chainId")
            : throw new ChainConfigFormatException("config.chainId is missing");

        var forks = new List<ForkActivation> { new(Hardfork.Frontier, ForkCondition.Block(0)) };
        foreach ((string key, Hardfork fork) in BlockForks)
        {
            // EIP-155 and EIP-158 shipped together (Spurious Dragon); geth reads either; Petersburg defaults to Constantinople.
            string? source = Has(config, key) ? key
                : fork == Hardfork.SpuriousDragon && Has(config, "eip155Block") ? "eip155Block"
                : fork == Hardfork.Petersburg && Has(config, "constantinopleBlock") ? "constantinopleBlock"
                : null;
            if (source is not null)
            {
                forks.Add(new ForkActivation(fork, ForkCondition.Block(ReadUInt64(config.GetProperty(source), "config." + source))));
            }
        }

        if (Merge(config) is { } merge)
        {
            forks.Add(new ForkActivation(Hardfork.Paris, merge));
        }

        foreach ((string key, Hardfork fork) in TimeForks)
        {
            if (Has(config, key))
            {
                forks.Add(new ForkActivation(fork, ForkCondition.Timestamp(ReadUInt64(config.GetProperty(key), "config." + key))));
            }
        }

        foreach (string key in UnknownLaterForks)
        {
            if (Has(config, key))
            {
                throw new ChainConfigFormatException($"config.{key}: this node does not know that fork");
            }
        }

        try
        {
            return new ChainSpec
            {
                ChainId = chainId,
                Forks = forks,
                GasLimit = gasLimit,
                BlobSchedules = config.TryGetProperty("blobSchedule", out JsonElement blobs) && blobs.ValueKind != JsonValueKind.Null
                    ? ReadBlobSchedules(blobs)
                    : ChainSpec.EthereumBlobSchedules,
            };
        }
        catch (ArgumentException e)
        {
            throw new ChainConfigFormatException($"config: fork order: {e.Message.Split(" (Parameter", 2)[0]}");
        }
    }

    /// <summary>Paris from <c>terminalTotalDifficulty</c> and <c>mergeNetsplitBlock</c>; null when the chain never merges.</summary>
    private static ForkCondition? Merge(JsonElement config)
    {
        if (Has(config, "mergeNetsplitBlock"))
        {
            return ForkCondition.Block(ReadUInt64(config.GetProperty("mergeNetsplitBlock"), "config.mergeNetsplitBlock"));
        }

        if (!Has(config, "terminalTotalDifficulty"))
        {
            return null;
        }

        UInt256 ttd = ReadUInt256(config.GetProperty("terminalTotalDifficulty"), "config.terminalTotalDifficulty");
        return ttd.IsZero
            ? ForkCondition.Block(0)
            : throw new ChainConfigFormatException(
                "config.terminalTotalDifficulty: a merge by total difficulty needs config.mergeNetsplitBlock (the first post-merge block); this node does not follow proof of work");
    }

    private static (Hardfork, BlobSchedule)[] ReadBlobSchedules(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new ChainConfigFormatException("config.blobSchedule must be an object");
        }

        var schedules = new List<(Hardfork, BlobSchedule)>();
        foreach (JsonProperty entry in element.EnumerateObject())
        {
            string path = "config.blobSchedule." + entry.Name;
            Hardfork fork = entry.Name switch
            {
                "cancun" => Hardfork.Cancun,
                "prague" => Hardfork.Prague,
                _ => throw new ChainConfigFormatException($"{path}: this node does not know that fork"),
            };
            if (entry.Value.ValueKind != JsonValueKind.Object)
            {
                throw new ChainConfigFormatException($"{path} must be an object");
            }

            ulong target = Required(entry.Value, "target", path);
            ulong max = Required(entry.Value, "max", path);
            ulong fraction = Required(entry.Value, "baseFeeUpdateFraction", path);
            if (max > int.MaxValue || target > max || fraction == 0)
            {
                throw new ChainConfigFormatException($"{path}: needs target ≤ max (within 2^31) and a non-zero baseFeeUpdateFraction");
            }

            schedules.Add((fork, new BlobSchedule((int)target, (int)max, fraction)));
        }

        return [.. schedules.OrderBy(s => s.Item1)];
    }

    private static ulong Required(JsonElement element, string name, string path) =>
        Has(element, name) ? ReadUInt64(element.GetProperty(name), $"{path}.{name}") : throw new ChainConfigFormatException($"{path}.{name} is missing");

    private static bool Has(JsonElement element, string name) =>
        element.TryGetProperty(name, out JsonElement value) && value.ValueKind != JsonValueKind.Null;

    /// <summary>A JSON number or a hex/decimal string that fits in 64 bits.</summary>
    public static ulong ReadUInt64(JsonElement element, string path)
    {
        UInt256 value = ReadUInt256(element, path);
        return value > ulong.MaxValue ? throw new ChainConfigFormatException($"{path} does not fit in 64 bits") : (ulong)value;
    }

    /// <summary>A JSON number or a hex/decimal string of at most 256 bits.</summary>
    public static UInt256 ReadUInt256(JsonElement element, string path) => element.ValueKind switch
    {
        JsonValueKind.Number when element.TryGetUInt64(out ulong number) => number,
        JsonValueKind.Number when element.GetRawText() is var raw && raw.All(char.IsAsciiDigit) && UInt256.TryParse(raw, out UInt256 big) => big,
        JsonValueKind.String => UInt256.TryParse(element.GetString()!, out UInt256 value) ? value : throw new ChainConfigFormatException($"{path}: '{element.GetString()}' is not a 256-bit number"),
        _ => throw new ChainConfigFormatException($"{path} must be a number or a hex/decimal string"),
    };
}
