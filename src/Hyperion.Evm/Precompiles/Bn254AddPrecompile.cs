using Hyperion.Evm.Precompiles.Bn254;

namespace Hyperion.Evm.Precompiles;

/// <summary>0x06 alt_bn128 point addition (EIP-196), Istanbul gas 150. Input is zero-padded/truncated to 128 bytes.</summary>
public static class Bn254AddPrecompile
{
    public static long RequiredGas(ReadOnlySpan<byte> input) => 150;

    public static bool TryRun(ReadOnlySpan<byte> input, out byte[] output)
    {
        Span<byte> padded = stackalloc byte[128];
        padded.Clear();
        input[..Math.Min(input.Length, 128)].CopyTo(padded);
        output = [];
        if (!G1.TryDecode(padded[..64], out var p) || !G1.TryDecode(padded[64..], out var q))
        {
            return false;
        }

        output = new byte[64];
        G1.AddAndEncode(p, q, output);
        return true;
    }
}
