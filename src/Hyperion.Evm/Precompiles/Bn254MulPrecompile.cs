using Hyperion.Core;
using Hyperion.Evm.Precompiles.Bn254;

namespace Hyperion.Evm.Precompiles;

/// <summary>0x07 alt_bn128 scalar multiplication (EIP-196), Istanbul gas 6000. Input is zero-padded/truncated to 96 bytes.</summary>
public static class Bn254MulPrecompile
{
    public static long RequiredGas(ReadOnlySpan<byte> input) => 6000;

    public static bool TryRun(ReadOnlySpan<byte> input, out byte[] output)
    {
        Span<byte> padded = stackalloc byte[96];
        padded.Clear();
        input[..Math.Min(input.Length, 96)].CopyTo(padded);
        output = [];
        if (!G1.TryDecode(padded[..64], out var p))
        {
            return false;
        }

        output = new byte[64];
        G1.MultiplyAndEncode(p, UInt256.FromBigEndian(padded[64..]), output);
        return true;
    }
}
