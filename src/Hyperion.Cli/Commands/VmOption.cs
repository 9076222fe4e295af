using System.CommandLine;
using Hyperion.Evm.Compiled;

namespace Hyperion.Cli.Commands;

/// <summary><c>--vm interpreter|compiled|compiled-always</c>, shared by the node commands, statetest and blocktest.</summary>
internal static class VmOption
{
    /// <summary>The tier a command uses when <c>--vm</c> is not given.</summary>
    public const VmTier DefaultTier = VmTier.Compiled;

    public static Option<string> Create()
    {
        var option = new Option<string>("--vm")
        {
            Description = "How MetisVM runs contract code: interpreter; compiled (code that runs often is compiled to IL in the background); " +
                $"compiled-always (every frame compiled before it runs, for testing the compiled tier). Default: {VmTiers.Names[(int)DefaultTier]}.",
            DefaultValueFactory = _ => VmTiers.Names[(int)DefaultTier],
        };
        option.AcceptOnlyFromAmong([.. VmTiers.Names]);
        return option;
    }

    /// <summary>Makes the chosen tier every VM's default for this process.</summary>
    public static void Apply(string? name)
    {
        if (!VmTiers.TryParse(name, out VmTier tier))
        {
            throw new ArgumentException($"--vm must be one of {string.Join(", ", VmTiers.Names)}", nameof(name));
        }

        VmTiers.Default = tier;
    }
}
