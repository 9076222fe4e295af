using System.Security.Cryptography;
using Hyperion.Core;
using Hyperion.Evm.Precompiles;

namespace Hyperion.Rollup.Node.Execution;

/// <summary>The OP upgrades' precompile changes: Fjord's P256VERIFY (RIP-7212), Granite's pairing input cap.</summary>
public static class RollupPrecompiles
{
    /// <summary>RIP-7212's address (0x…0100).</summary>
    public static readonly Address P256VerifyAddress = Address.Parse("0x0000000000000000000000000000000000000100");

    public static readonly Address Bn254PairingAddress = Address.Parse("0x0000000000000000000000000000000000000008");

    /// <summary>Granite's cap on the alt_bn128 pairing input (op-geth's Bn256PairingMaxInputSizeGranite), past which the call fails.</summary>
    public const int GranitePairingMaxInput = 112_687;

    /// <summary>RIP-7212 gas, whatever the input.</summary>
    public const long P256VerifyGas = 3_450;

    /// <summary>Input: hash, r, s, x, y, 32 bytes each.</summary>
    public const int P256VerifyInputLength = 160;

    /// <summary>
    /// P256VERIFY: a 32-byte 1 when (r, s) is a valid secp256r1 signature of the hash by the public key (x, y);
    /// empty output (not a failure) for any other input, including a wrong length, r or s out of range, or a key off
    /// the curve.
    /// </summary>
    public static IPrecompile P256Verify { get; } = new StaticPrecompile("p256verify", _ => P256VerifyGas, RunP256Verify);

    /// <summary>alt_bn128 pairing with Granite's input cap: a longer input fails, consuming the call's gas.</summary>
    public static IPrecompile GranitePairing { get; } = new StaticPrecompile("bn256Pairing", Bn254PairingPrecompile.RequiredGas, RunGranitePairing);

    private static bool RunGranitePairing(ReadOnlySpan<byte> input, out byte[] output)
    {
        if (input.Length > GranitePairingMaxInput)
        {
            output = [];
            return false;
        }

        return Bn254PairingPrecompile.TryRun(input, out output);
    }

    private static bool RunP256Verify(ReadOnlySpan<byte> input, out byte[] output)
    {
        output = [];
        if (input.Length != P256VerifyInputLength)
        {
            return true;
        }

        try
        {
            using var key = ECDsa.Create(new ECParameters
            {
                Curve = ECCurve.NamedCurves.nistP256,
                Q = new ECPoint { X = input.Slice(96, 32).ToArray(), Y = input.Slice(128, 32).ToArray() },
            });
            if (key.VerifyHash(input[..32], input.Slice(32, 64), DSASignatureFormat.IeeeP1363FixedFieldConcatenation))
            {
                output = new byte[32];
                output[31] = 1;
            }
        }
        catch (CryptographicException)
        {
            // A public key that is not a point of the curve: not a valid signature.
        }

        return true;
    }
}
