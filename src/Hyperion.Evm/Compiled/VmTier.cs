namespace Hyperion.Evm.Compiled;

/// <summary>How MetisVM runs contract code (the <c>--vm</c> option).</summary>
public enum VmTier
{
    /// <summary>Every frame is interpreted.</summary>
    Interpreter,

    /// <summary>Code that has run often (see <see cref="CompiledTier.HotCallThreshold"/>) is compiled in the background and then runs compiled.</summary>
    Compiled,

    /// <summary>Every frame whose code fits the compile budget is compiled before it runs (init code included): the consensus tests' mode.</summary>
    CompiledAlways,
}

/// <summary>Parsing and the process-wide default of <see cref="VmTier"/>.</summary>
public static class VmTiers
{
    private static volatile int _default = (int)VmTier.Compiled;

    /// <summary>
    /// The tier of every <see cref="MetisVm"/> that is not given one: set once by the command line (<c>--vm</c>),
    /// like <see cref="Interpreter.CodeCache.Shared"/> it is process state because deployed code is shared by all VMs.
    /// </summary>
    public static VmTier Default
    {
        get => (VmTier)_default;
        set => _default = (int)value;
    }

    /// <summary>The option spellings: interpreter, compiled, compiled-always.</summary>
    public static IReadOnlyList<string> Names { get; } = ["interpreter", "compiled", "compiled-always"];

    public static bool TryParse(string? text, out VmTier tier)
    {
        switch (text)
        {
            case "interpreter":
                tier = VmTier.Interpreter;
                return true;
            case "compiled":
                tier = VmTier.Compiled;
                return true;
            case "compiled-always":
                tier = VmTier.CompiledAlways;
                return true;
            default:
                tier = VmTier.Interpreter;
                return false;
        }
    }
}
