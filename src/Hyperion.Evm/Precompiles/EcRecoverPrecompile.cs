using Hyperion.Core;
using Hyperion.Core.Crypto;

namespace Hyperion.Evm.Precompiles;

/// <summary>
/// 0x01 ecrecover (3000 gas). Input hash ‖ v ‖ r ‖ s, each a 32-byte word (zero-padded on the right to 128 bytes,
/// longer input ignored). Output: the signer's address left-padded to 32 bytes. Any invalid signature (v not
/// exactly 27 or 28, r or s outside [1, n-1], no matching key) is still a successful call with empty output.
/// </summary>
public static class EcRecoverPrecompile
{
    public const long Gas = 3000;
    private const int InputSize = 128;

    public static long RequiredGas(ReadOnlySpan<byte> input) => Gas;

    [System.Runtime.CompilerServices.SkipLocalsInit]
    public static bool TryRun(ReadOnlySpan<byte> input, out byte[] output)
    {
        Span<byte> padded = stackalloc byte[InputSize];
        int length = Math.Min(input.Length, InputSize);
        input[..length].CopyTo(padded);
        padded[length..].Clear();

        ReadOnlySpan<byte> hash = padded[..32];
        ReadOnlySpan<byte> v = padded[32..64];
        ReadOnlySpan<byte> r = padded[64..96];
        ReadOnlySpan<byte> s = padded[96..128];

        // v is a full word: 27 or 28 with all 31 high bytes zero (no low-s rule here, unlike transactions).
        byte last = v[31];
        if (v[..31].ContainsAnyExcept((byte)0) || (last != 27 && last != 28)
            || !Secp256k1.TryRecoverAddress(hash, r, s, (byte)(last - 27), out Address signer))
        {
            output = [];
            return true;
        }

        output = new byte[32];
        signer.CopyTo(output.AsSpan(32 - Address.Size));
        return true;
    }
}
