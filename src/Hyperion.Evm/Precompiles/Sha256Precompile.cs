using System.Security.Cryptography;

namespace Hyperion.Evm.Precompiles;

/// <summary>0x02 sha256 (60 + 12 gas per word).</summary>
public static class Sha256Precompile
{
    public static long RequiredGas(ReadOnlySpan<byte> input) => PrecompileGas.Linear(input.Length, 60, 12);

    public static bool TryRun(ReadOnlySpan<byte> input, out byte[] output)
    {
        output = SHA256.HashData(input);
        return true;
    }
}
