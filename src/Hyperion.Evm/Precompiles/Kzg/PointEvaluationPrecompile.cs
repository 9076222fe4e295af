using System.Security.Cryptography;
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
        SHA256.HashData(commitment, hash);
        hash[0] = VersionedHashVersionKzg;
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

        JacobianPoint<Fp> yG = JacobianPoint<Fp>.Multiply(Bls12381Curves.G1Generator, y);
        JacobianPoint<Fp> zPi = JacobianPoint<Fp>.Multiply(pi, z);
        JacobianPoint<Fp> lhs = JacobianPoint<Fp>.Add(JacobianPoint<Fp>.AddAffine(zPi, c), yG.Negate());

        ReadOnlySpan<AffinePoint<Fp>> ps = [lhs.ToAffine(), pi];
        ReadOnlySpan<PreparedG2> qs = [KzgSetup.PreparedNegatedG2, KzgSetup.PreparedTauG2];
        return Pairing.ProductIsOne(ps, qs);
    }
}
