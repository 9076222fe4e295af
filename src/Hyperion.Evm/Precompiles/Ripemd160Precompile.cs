using Hyperion.Evm.Precompiles.Hashing;

namespace Hyperion.Evm.Precompiles;

/// <summary>0x03 ripemd160 (600 + 120 gas per word); the 20-byte digest is left-padded to 32 bytes.</summary>
public static class Ripemd160Precompile
{
    public static long RequiredGas(ReadOnlySpan<byte> input) => PrecompileGas.Linear(input.Length, 600, 120);

    public static bool TryRun(ReadOnlySpan<byte> input, out byte[] output)
    {
        output = new byte[32];
        Ripemd160.HashData(input, output.AsSpan(12));
        return true;
    }
}
