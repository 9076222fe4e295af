using Hyperion.Core;
using Hyperion.Evm.Precompiles.Bls12381;

namespace Hyperion.Evm.Precompiles.Kzg;

/// <summary>
/// 0x0a point evaluation (EIP-4844, Cancun): verifies a KZG proof that the blob polynomial committed to by
/// <c>commitment</c> takes the value y at z. Input (exactly 192 bytes): versioned_hash ‖ z ‖ y ‖ commitment ‖ proof.
/// Output: FIELD_ELEMENTS_PER_BLOB and BLS_MODULUS as 32-byte big-endian words.
/// </summary>
public static class PointEvaluationPrecompile
{
    public const long Gas = 50_000;
    public const int InputLength = 192;
    public const byte VersionedHashVersionKzg = 0x01;
    public const int FieldElementsPerBlob = 4096;

    public static long RequiredGas(ReadOnlySpan<byte> input) => Gas;

    public static bool TryRun(ReadOnlySpan<byte> input, out byte[] output)
    {
        output = [];
        if (input.Length != InputLength)
        {
            return false;
        }

        ReadOnlySpan<byte> versionedHash = input[..32];
        ReadOnlySpan<byte> z = input.Slice(32, 32);
        ReadOnlySpan<byte> y = input.Slice(64, 32);
        ReadOnlySpan<byte> commitment = input.Slice(96, 48);
        ReadOnlySpan<byte> proof = input.Slice(144, 48);

        Span<byte> hash = stackalloc byte[32];
        BlobKzg.WriteVersionedHash(commitment, hash);
        if (!hash.SequenceEqual(versionedHash) || !VerifyKzgProof(commitment, z, y, proof))
        {
            return false;
        }

        output = new byte[64];
        output[30] = FieldElementsPerBlob >> 8;
        output[31] = FieldElementsPerBlob & 0xff;
        Bls12381Curves.Order.CopyTo(output.AsSpan(32));
        return true;
    }

    /// <summary>
    /// verify_kzg_proof: false for a malformed point or a scalar ≥ r, otherwise whether
    /// e(C − [y]G1, G2) = e(π, [τ]G2 − [z]G2), checked as e(C − [y]G1 + [z]π, −G2) · e(π, [τ]G2) = 1 so that both
    /// G2 arguments are fixed and their lines precomputed.
    /// </summary>
    public static bool VerifyKzgProof(ReadOnlySpan<byte> commitment, ReadOnlySpan<byte> z, ReadOnlySpan<byte> y,
        ReadOnlySpan<byte> proof)
    {
        if (z.Length != 32 || y.Length != 32 || z.SequenceCompareTo(Bls12381Curves.Order) >= 0 ||
            y.SequenceCompareTo(Bls12381Curves.Order) >= 0)
        {
            return false;
        }

        if (!Bls12381Curves.TryDecodeG1(commitment, out AffinePoint<Fp> c) ||
            !Bls12381Curves.TryDecodeG1(proof, out AffinePoint<Fp> pi))
        {
            return false;
        }

        JacobianPoint<Fp> lhs = CommitmentMinusEvaluation(c, pi, z, y);
        ReadOnlySpan<AffinePoint<Fp>> ps = [lhs.ToAffine(), pi];
        ReadOnlySpan<PreparedG2> qs = [KzgSetup.PreparedNegatedG2, KzgSetup.PreparedTauG2];
        return Pairing.ProductIsOne(ps, qs);
    }

    /// <summary>NAF width for π's per-call table (8 odd multiples).</summary>
    private const int ProofWindow = 5;

    /// <summary>NAF width for the generator's fixed tables (32 odd multiples of G and of φ(G), built once).</summary>
    private const int GeneratorWindow = 7;

    private static readonly AffinePoint<Fp>[] GeneratorOddMultiples =
        G1Glv.AffineOddMultiples(Bls12381Curves.G1Generator, 1 << (GeneratorWindow - 2));

    private static readonly AffinePoint<Fp>[] EndomorphismGeneratorOddMultiples =
        Array.ConvertAll(GeneratorOddMultiples, p => G1Glv.Endomorphism(p));

    /// <summary>
    /// C + [z]π − [y]G for scalars below r, by GLV: z = z₁ + z₂·L and y = y₁ + y₂·L give four 128-bit wNAF scalars
    /// (on π, −φ(π), −G and φ(G)) that share one run of 128 doublings.
    /// </summary>
    internal static JacobianPoint<Fp> CommitmentMinusEvaluation(in AffinePoint<Fp> c, in AffinePoint<Fp> pi,
        ReadOnlySpan<byte> z, ReadOnlySpan<byte> y)
    {
        G1Glv.Split(UInt256.FromBigEndian(z), out UInt128 zLow, out UInt128 zHigh);
        G1Glv.Split(UInt256.FromBigEndian(y), out UInt128 yLow, out UInt128 yHigh);
        Span<sbyte> zLowDigits = stackalloc sbyte[G1Glv.MaxDigits];
        Span<sbyte> zHighDigits = stackalloc sbyte[G1Glv.MaxDigits];
        Span<sbyte> yLowDigits = stackalloc sbyte[G1Glv.MaxDigits];
        Span<sbyte> yHighDigits = stackalloc sbyte[G1Glv.MaxDigits];
        int zLowLength = G1Glv.ToWnaf(zLow, ProofWindow, zLowDigits);
        int zHighLength = G1Glv.ToWnaf(zHigh, ProofWindow, zHighDigits);
        int yLowLength = G1Glv.ToWnaf(yLow, GeneratorWindow, yLowDigits);
        int yHighLength = G1Glv.ToWnaf(yHigh, GeneratorWindow, yHighDigits);

        Span<JacobianPoint<Fp>> piTable = stackalloc JacobianPoint<Fp>[1 << (ProofWindow - 2)];
        Span<JacobianPoint<Fp>> minusPhiPiTable = stackalloc JacobianPoint<Fp>[1 << (ProofWindow - 2)];
        G1Glv.OddMultiples(pi, piTable);
        for (int i = 0; i < piTable.Length; i++)
        {
            minusPhiPiTable[i] = G1Glv.Endomorphism(piTable[i]).Negate();
        }

        int length = Math.Max(Math.Max(zLowLength, zHighLength), Math.Max(yLowLength, yHighLength));
        JacobianPoint<Fp> acc = JacobianPoint<Fp>.Infinity;
        for (int i = length - 1; i >= 0; i--)
        {
            acc = JacobianPoint<Fp>.Double(acc);
            if (i < zLowLength && zLowDigits[i] != 0)
            {
                acc = G1Glv.AddDigit(acc, piTable, zLowDigits[i]);
            }

            if (i < zHighLength && zHighDigits[i] != 0)
            {
                acc = G1Glv.AddDigit(acc, minusPhiPiTable, zHighDigits[i]);
            }

            if (i < yLowLength && yLowDigits[i] != 0)
            {
                acc = G1Glv.AddDigit(acc, GeneratorOddMultiples, -yLowDigits[i]);
            }

            if (i < yHighLength && yHighDigits[i] != 0)
            {
                // −[y₂·L]G = [y₂]φ(G).
                acc = G1Glv.AddDigit(acc, EndomorphismGeneratorOddMultiples, yHighDigits[i]);
            }
        }

        return JacobianPoint<Fp>.AddAffine(acc, c);
    }
}
