namespace Hyperion.Evm.Precompiles;

/// <summary>
/// A precompiled contract: a native function at a fixed address. The interpreter charges
/// <see cref="RequiredGas"/> first; if the call's gas does not cover it, or <see cref="TryRun"/> returns false,
/// the call fails and consumes all the gas it was given.
/// </summary>
public interface IPrecompile
{
    /// <summary>Gas for running on <paramref name="input"/>; saturates at <see cref="long.MaxValue"/>, never throws.</summary>
    long RequiredGas(ReadOnlySpan<byte> input);

    /// <summary>Runs the function; false means failure (invalid input), in which case <paramref name="output"/> is empty.</summary>
    bool TryRun(ReadOnlySpan<byte> input, out byte[] output);
}

/// <summary>Gas function of a precompile written as static methods.</summary>
public delegate long PrecompileGasFunction(ReadOnlySpan<byte> input);

/// <summary>Run function of a precompile written as static methods.</summary>
public delegate bool PrecompileRunFunction(ReadOnlySpan<byte> input, out byte[] output);

/// <summary>Adapts a precompile written as a pair of static methods (the usual form) to <see cref="IPrecompile"/>.</summary>
public sealed class StaticPrecompile(string name, PrecompileGasFunction requiredGas, PrecompileRunFunction run) : IPrecompile
{
    /// <summary>Short name for traces and errors, e.g. "sha256".</summary>
    public string Name { get; } = name;

    public long RequiredGas(ReadOnlySpan<byte> input) => requiredGas(input);

    public bool TryRun(ReadOnlySpan<byte> input, out byte[] output) => run(input, out output);

    public override string ToString() => Name;
}
