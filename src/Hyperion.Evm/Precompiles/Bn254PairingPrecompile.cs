using Hyperion.Evm.Precompiles.Bn254;

namespace Hyperion.Evm.Precompiles;

/// <summary>
/// 0x08 alt_bn128 pairing check (EIP-197), Istanbul gas 45,000 + 34,000 per pair (EIP-1108). The input is k pairs
/// of (G1 point: 64 bytes, G2 point: 128 bytes); the output is the 32-byte word 1 if the product of the k pairings
/// is 1 and 0 otherwise. Empty input gives 1. A length that is not a multiple of 192, a coordinate ≥ p, a point off
/// its curve or a G2 point outside the order-r subgroup is a failure.
/// </summary>
public static class Bn254PairingPrecompile
{
    public const int PairLength = G1.EncodedLength + G2.EncodedLength;

    public const long BaseGas = 45_000;

    public const long PerPairGas = 34_000;

    public static long RequiredGas(ReadOnlySpan<byte> input) => BaseGas + PerPairGas * (input.Length / PairLength);

    public static bool TryRun(ReadOnlySpan<byte> input, out byte[] output)
    {
        output = [];
        if (input.Length % PairLength != 0)
        {
            return false;
        }

        int pairs = input.Length / PairLength;
        Span<AffinePoint<Fp>> g1 = pairs <= 16 ? stackalloc AffinePoint<Fp>[pairs] : new AffinePoint<Fp>[pairs];
        Span<AffinePoint<Fp2>> g2 = pairs <= 16 ? stackalloc AffinePoint<Fp2>[pairs] : new AffinePoint<Fp2>[pairs];
        int used = 0;
        for (int i = 0; i < pairs; i++)
        {
            ReadOnlySpan<byte> pair = input.Slice(i * PairLength, PairLength);
            if (!G1.TryDecode(pair[..G1.EncodedLength], out JacobianPoint<Fp> p))
            {
                return false;
            }

            G2.DecodeResult q = G2.Decode(pair[G1.EncodedLength..], out AffinePoint<Fp2> qPoint);
            if (q == G2.DecodeResult.Invalid)
            {
                return false;
            }

            // e(O, Q) = e(P, O) = 1: such a pair does not change the product.
            if (p.IsInfinity || q == G2.DecodeResult.Infinity)
            {
                continue;
            }

            g1[used] = new AffinePoint<Fp>(p.X, p.Y);
            g2[used] = qPoint;
            used++;
        }

        output = new byte[32];
        output[31] = Pairing.IsProductOne(g1[..used], g2[..used]) ? (byte)1 : (byte)0;
        return true;
    }
}
