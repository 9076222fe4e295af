namespace Hyperion.Evm.Precompiles;

/// <summary>0x04 identity: returns its input (15 + 3 gas per word).</summary>
public static class IdentityPrecompile
{
    public static long RequiredGas(ReadOnlySpan<byte> input) => PrecompileGas.Linear(input.Length, 15, 3);

    public static bool TryRun(ReadOnlySpan<byte> input, out byte[] output)
    {
        output = input.ToArray();
        return true;
    }
}
