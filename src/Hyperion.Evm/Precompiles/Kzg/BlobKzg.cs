using System.Numerics;
using System.Security.Cryptography;
using Hyperion.Evm.Precompiles.Bls12381;

namespace Hyperion.Evm.Precompiles.Kzg;

/// <summary>
/// EIP-4844 blob checks of the consensus-specs polynomial commitments (Deneb): a commitment's versioned hash and
/// verify_blob_kzg_proof — the blob's polynomial, given by its 4096 evaluations over the bit-reversed roots of unity,
/// evaluated at the Fiat–Shamir challenge and checked against the commitment with the KZG proof.
/// </summary>
public static class BlobKzg
{
    public const int BytesPerFieldElement = 32;
    public const int BlobLength = PointEvaluationPrecompile.FieldElementsPerBlob * BytesPerFieldElement;

    private const int PrimitiveRootOfUnity = 7;

    private static ReadOnlySpan<byte> FiatShamirDomain => "FSBLOBVERIFY_V1_"u8;

    private static readonly BigInteger Modulus = Bls12381Curves.OrderValue;

    private static readonly Lazy<BigInteger[]> RootsOfUnityBitReversed = new(ComputeRootsOfUnityBitReversed);

    /// <summary>kzg_to_versioned_hash: SHA-256 of the commitment with its first byte replaced by the version 0x01.</summary>
    public static void WriteVersionedHash(ReadOnlySpan<byte> commitment, Span<byte> hash)
    {
        SHA256.HashData(commitment, hash);
        hash[0] = PointEvaluationPrecompile.VersionedHashVersionKzg;
    }

    /// <summary>verify_blob_kzg_proof: false for a malformed blob (wrong length, an element ≥ r), commitment or proof, or a wrong proof.</summary>
    public static bool VerifyBlobProof(ReadOnlySpan<byte> blob, ReadOnlySpan<byte> commitment, ReadOnlySpan<byte> proof)
    {
        if (blob.Length != BlobLength || commitment.Length != Bls12381Curves.G1CompressedLength)
        {
            return false;
        }

        var evaluations = new BigInteger[PointEvaluationPrecompile.FieldElementsPerBlob];
        for (int i = 0; i < evaluations.Length; i++)
        {
            evaluations[i] = new BigInteger(blob.Slice(i * BytesPerFieldElement, BytesPerFieldElement), isUnsigned: true, isBigEndian: true);
            if (evaluations[i] >= Modulus)
            {
                return false;
            }
        }

        BigInteger z = Challenge(blob, commitment);
        BigInteger y = EvaluateInEvaluationForm(evaluations, z);
        Span<byte> zBytes = stackalloc byte[BytesPerFieldElement];
        Span<byte> yBytes = stackalloc byte[BytesPerFieldElement];
        WriteFieldElement(z, zBytes);
        WriteFieldElement(y, yBytes);
        return PointEvaluationPrecompile.VerifyKzgProof(commitment, zBytes, yBytes, proof);
    }

    /// <summary>compute_challenge: hash_to_bls_field(domain ‖ degree as 16 bytes ‖ blob ‖ commitment).</summary>
    private static BigInteger Challenge(ReadOnlySpan<byte> blob, ReadOnlySpan<byte> commitment)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(FiatShamirDomain);
        Span<byte> degree = stackalloc byte[16];
        degree.Clear();
        degree[14] = PointEvaluationPrecompile.FieldElementsPerBlob >> 8;
        degree[15] = PointEvaluationPrecompile.FieldElementsPerBlob & 0xff;
        sha.AppendData(degree);
        sha.AppendData(blob);
        sha.AppendData(commitment);
        Span<byte> digest = stackalloc byte[32];
        sha.GetHashAndReset(digest);
        return new BigInteger(digest, isUnsigned: true, isBigEndian: true) % Modulus;
    }

    /// <summary>
    /// evaluate_polynomial_in_evaluation_form (barycentric formula):
    /// p(z) = (z^n − 1)/n · Σ pᵢ·ωᵢ/(z − ωᵢ), or pᵢ when z is the domain point ωᵢ. One inversion for all denominators.
    /// </summary>
    internal static BigInteger EvaluateInEvaluationForm(BigInteger[] evaluations, BigInteger z)
    {
        BigInteger[] roots = RootsOfUnityBitReversed.Value;
        int width = evaluations.Length;
        var prefix = new BigInteger[width];
        BigInteger running = BigInteger.One;
        for (int i = 0; i < width; i++)
        {
            BigInteger denominator = Mod(z - roots[i]);
            if (denominator.IsZero)
            {
                return evaluations[i];
            }

            prefix[i] = running;
            running = running * denominator % Modulus;
        }

        BigInteger inverse = BigInteger.ModPow(running, Modulus - 2, Modulus);
        BigInteger sum = BigInteger.Zero;
        for (int i = width - 1; i >= 0; i--)
        {
            BigInteger denominator = Mod(z - roots[i]);
            BigInteger inverseDenominator = inverse * prefix[i] % Modulus;
            inverse = inverse * denominator % Modulus;
            sum += evaluations[i] * roots[i] % Modulus * inverseDenominator;
        }

        BigInteger vanishing = Mod(BigInteger.ModPow(z, width, Modulus) - 1);
        BigInteger inverseWidth = BigInteger.ModPow(width, Modulus - 2, Modulus);
        return sum % Modulus * vanishing % Modulus * inverseWidth % Modulus;
    }

    private static BigInteger[] ComputeRootsOfUnityBitReversed()
    {
        int width = PointEvaluationPrecompile.FieldElementsPerBlob;
        int bits = BitOperations.Log2((uint)width);
        BigInteger omega = BigInteger.ModPow(PrimitiveRootOfUnity, (Modulus - 1) / width, Modulus);
        var roots = new BigInteger[width];
        BigInteger power = BigInteger.One;
        for (int i = 0; i < width; i++)
        {
            int reversed = (int)(ReverseBits((uint)i) >> (32 - bits));
            roots[reversed] = power;
            power = power * omega % Modulus;
        }

        return roots;
    }

    private static uint ReverseBits(uint value)
    {
        uint result = 0;
        for (int i = 0; i < 32; i++)
        {
            result = (result << 1) | ((value >> i) & 1);
        }

        return result;
    }

    private static BigInteger Mod(BigInteger value)
    {
        BigInteger result = value % Modulus;
        return result.Sign < 0 ? result + Modulus : result;
    }

    private static void WriteFieldElement(BigInteger value, Span<byte> destination)
    {
        destination.Clear();
        int length = value.GetByteCount(isUnsigned: true);
        value.TryWriteBytes(destination[(BytesPerFieldElement - length)..], out _, isUnsigned: true, isBigEndian: true);
    }
}
