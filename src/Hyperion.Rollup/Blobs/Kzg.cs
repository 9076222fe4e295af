using System.Globalization;
using System.Numerics;
using System.Security.Cryptography;
using System.Text;
using Hyperion.Core;
using Hyperion.Evm.Precompiles.Bls12381;

namespace Hyperion.Rollup.Blobs;

/// <summary>
/// The Lagrange-basis G1 points of Ethereum's KZG trusted setup (the file c-kzg ships: 4096, 65, then 4096 compressed
/// G1 Lagrange points, 65 G2 points, and optionally 4096 G1 monomial points), held in bit-reversed order as the blob
/// evaluation domain is.
/// </summary>
public sealed class KzgSetup
{
    private KzgSetup(AffinePoint<Fp>[] lagrangeBitReversed) => LagrangeBitReversed = lagrangeBitReversed;

    internal AffinePoint<Fp>[] LagrangeBitReversed { get; }

    /// <summary>Reads a trusted setup in c-kzg's text format.</summary>
    /// <exception cref="FormatException">Not that format, or a point that is not a valid G1 element.</exception>
    public static KzgSetup Load(string path)
    {
        string[] lines = File.ReadAllLines(path);
        if (lines.Length < 2 + Kzg.FieldElementsPerBlob || lines[0].Trim() != "4096")
        {
            throw new FormatException($"{path} is not a trusted setup for 4096-element blobs");
        }

        var points = new AffinePoint<Fp>[Kzg.FieldElementsPerBlob];
        Parallel.For(0, points.Length, i =>
        {
            byte[] encoded = Convert.FromHexString(lines[2 + i].Trim());
            if (!Bls12381Curves.TryDecodeG1(encoded, out AffinePoint<Fp> point))
            {
                throw new FormatException($"trusted setup G1 point {i} is invalid");
            }

            points[Kzg.ReverseBits(i)] = point;
        });
        return new KzgSetup(points);
    }
}

/// <summary>
/// KZG commitments and blob proofs of EIP-4844 (consensus-specs deneb/polynomial-commitments.md:
/// <c>blob_to_kzg_commitment</c>, <c>compute_blob_kzg_proof</c>), for the batcher's blob transactions. Scalar-field
/// arithmetic is exact big-integer arithmetic modulo the BLS12-381 group order.
/// </summary>
public static class Kzg
{
    public const int FieldElementsPerBlob = 4096;
    public const int CommitmentLength = 48;

    private const int DomainBits = 12;

    /// <summary>BLS_MODULUS, the order r of the G1 group (the scalar field).</summary>
    public static readonly BigInteger BlsModulus = BigInteger.Parse("52435875175126190479447740508185965837690552500527637822603658699938581184513", CultureInfo.InvariantCulture);

    private static readonly byte[] FiatShamirDomain = Encoding.ASCII.GetBytes("FSBLOBVERIFY_V1_");

    /// <summary>The 4096th roots of unity (from the primitive root 7), in bit-reversed order.</summary>
    private static readonly Lazy<BigInteger[]> RootsBitReversed = new(() =>
    {
        BigInteger omega = BigInteger.ModPow(7, (BlsModulus - 1) / FieldElementsPerBlob, BlsModulus);
        var roots = new BigInteger[FieldElementsPerBlob];
        BigInteger current = BigInteger.One;
        for (int i = 0; i < roots.Length; i++)
        {
            roots[ReverseBits(i)] = current;
            current = current * omega % BlsModulus;
        }

        return roots;
    });

    /// <summary>The blob's commitment: its polynomial evaluated at the setup's secret, as a compressed G1 point.</summary>
    /// <exception cref="ArgumentException">Not a blob, or a field element not below the modulus.</exception>
    public static byte[] BlobToCommitment(ReadOnlySpan<byte> blob, KzgSetup setup)
    {
        ArgumentNullException.ThrowIfNull(setup);
        return Compress(Msm(setup.LagrangeBitReversed, BlobToPolynomial(blob)));
    }

    /// <summary>The proof that the blob's polynomial takes its Fiat–Shamir challenge value (verify_blob_kzg_proof checks it).</summary>
    public static byte[] ComputeBlobProof(ReadOnlySpan<byte> blob, ReadOnlySpan<byte> commitment, KzgSetup setup) =>
        ComputeBlobProofWithOpening(blob, commitment, setup).Proof;

    /// <summary>The blob proof with the point z and value y it opens (for verification with the point-evaluation check).</summary>
    public static (byte[] Proof, byte[] Z, byte[] Y) ComputeBlobProofWithOpening(ReadOnlySpan<byte> blob, ReadOnlySpan<byte> commitment, KzgSetup setup)
    {
        ArgumentNullException.ThrowIfNull(setup);
        if (commitment.Length != CommitmentLength)
        {
            throw new ArgumentException("a commitment is 48 bytes", nameof(commitment));
        }

        BigInteger[] polynomial = BlobToPolynomial(blob);
        BigInteger z = Challenge(blob, commitment);
        (BigInteger[] quotient, BigInteger y) = Quotient(polynomial, z);
        return (Compress(Msm(setup.LagrangeBitReversed, quotient)), ToBytes32(z), ToBytes32(y));
    }

    /// <summary>The EIP-4844 versioned hash of a commitment: 0x01 ++ sha256(commitment)[1..].</summary>
    public static Hash256 VersionedHash(ReadOnlySpan<byte> commitment)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(commitment, hash);
        hash[0] = 0x01;
        return new Hash256(hash);
    }

    internal static int ReverseBits(int index) => (int)(BitReverse32((uint)index) >> (32 - DomainBits));

    private static uint BitReverse32(uint v)
    {
        v = ((v >> 1) & 0x55555555) | ((v & 0x55555555) << 1);
        v = ((v >> 2) & 0x33333333) | ((v & 0x33333333) << 2);
        v = ((v >> 4) & 0x0F0F0F0F) | ((v & 0x0F0F0F0F) << 4);
        v = ((v >> 8) & 0x00FF00FF) | ((v & 0x00FF00FF) << 8);
        return (v >> 16) | (v << 16);
    }

    private static BigInteger[] BlobToPolynomial(ReadOnlySpan<byte> blob)
    {
        if (blob.Length != FieldElementsPerBlob * 32)
        {
            throw new ArgumentException($"a blob is {FieldElementsPerBlob * 32} bytes", nameof(blob));
        }

        var polynomial = new BigInteger[FieldElementsPerBlob];
        for (int i = 0; i < polynomial.Length; i++)
        {
            polynomial[i] = new BigInteger(blob.Slice(i * 32, 32), isUnsigned: true, isBigEndian: true);
            if (polynomial[i] >= BlsModulus)
            {
                throw new ArgumentException($"blob field element {i} is not below the BLS modulus", nameof(blob));
            }
        }

        return polynomial;
    }

    // compute_challenge: hash_to_bls_field(domain ++ uint128(4096) ++ blob ++ commitment).
    private static BigInteger Challenge(ReadOnlySpan<byte> blob, ReadOnlySpan<byte> commitment)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(FiatShamirDomain);
        Span<byte> degree = stackalloc byte[16];
        degree[14] = FieldElementsPerBlob >> 8;
        sha.AppendData(degree);
        sha.AppendData(blob);
        sha.AppendData(commitment);
        return new BigInteger(sha.GetHashAndReset(), isUnsigned: true, isBigEndian: true) % BlsModulus;
    }

    // compute_kzg_proof_impl: y = p(z) by the barycentric formula, and the quotient (p(X) − y)/(X − z) in evaluation form.
    private static (BigInteger[] Quotient, BigInteger Y) Quotient(BigInteger[] polynomial, BigInteger z)
    {
        BigInteger r = BlsModulus;
        BigInteger[] roots = RootsBitReversed.Value;
        int n = FieldElementsPerBlob;
        int inDomain = Array.IndexOf(roots, z);
        var quotient = new BigInteger[n];
        if (inDomain >= 0)
        {
            BigInteger y = polynomial[inDomain];
            var denominators = new BigInteger[n];
            for (int i = 0; i < n; i++)
            {
                denominators[i] = i == inDomain ? BigInteger.One : Mod((roots[i] - z) * z);
            }

            BigInteger[] inverse = BatchInvert(denominators);
            BigInteger special = BigInteger.Zero;
            for (int i = 0; i < n; i++)
            {
                if (i == inDomain)
                {
                    continue;
                }

                BigInteger shifted = Mod(polynomial[i] - y);
                // (p_i − y)/(ω_i − z), and for the in-domain slot Σ (p_i − y)·ω_i / (z·(z − ω_i)).
                quotient[i] = shifted * z % r * inverse[i] % r;
                special = (special + Mod(-(shifted * roots[i] % r * inverse[i]))) % r;
            }

            quotient[inDomain] = special;
            return (quotient, y);
        }

        var differences = new BigInteger[n];
        for (int i = 0; i < n; i++)
        {
            differences[i] = Mod(z - roots[i]);
        }

        BigInteger[] inverses = BatchInvert(differences);
        BigInteger sum = BigInteger.Zero;
        for (int i = 0; i < n; i++)
        {
            sum += polynomial[i] * roots[i] % r * inverses[i];
        }

        BigInteger scale = Mod(BigInteger.ModPow(z, n, r) - 1) * BigInteger.ModPow(n, r - 2, r) % r;
        BigInteger value = sum % r * scale % r;
        for (int i = 0; i < n; i++)
        {
            // (p_i − y)/(ω_i − z) = −(p_i − y)/(z − ω_i)
            quotient[i] = Mod(-(Mod(polynomial[i] - value) * inverses[i]));
        }

        return (quotient, value);
    }

    private static BigInteger Mod(BigInteger value)
    {
        BigInteger m = value % BlsModulus;
        return m.Sign < 0 ? m + BlsModulus : m;
    }

    // Montgomery's trick: one modular inversion for all (inputs are non-zero).
    private static BigInteger[] BatchInvert(BigInteger[] values)
    {
        BigInteger r = BlsModulus;
        var prefix = new BigInteger[values.Length];
        BigInteger acc = BigInteger.One;
        for (int i = 0; i < values.Length; i++)
        {
            prefix[i] = acc;
            acc = acc * values[i] % r;
        }

        BigInteger inverse = BigInteger.ModPow(acc, r - 2, r);
        var result = new BigInteger[values.Length];
        for (int i = values.Length - 1; i >= 0; i--)
        {
            result[i] = inverse * prefix[i] % r;
            inverse = inverse * values[i] % r;
        }

        return result;
    }

    // Pippenger's bucket method with 8-bit windows over little-endian scalar bytes.
    private static JacobianPoint<Fp> Msm(AffinePoint<Fp>[] points, BigInteger[] scalars)
    {
        int n = points.Length;
        var digits = new byte[n][];
        for (int i = 0; i < n; i++)
        {
            digits[i] = new byte[32];
            scalars[i].TryWriteBytes(digits[i], out _, isUnsigned: true, isBigEndian: false);
        }

        JacobianPoint<Fp> result = JacobianPoint<Fp>.Infinity;
        var buckets = new JacobianPoint<Fp>[256];
        for (int window = 31; window >= 0; window--)
        {
            for (int k = 0; k < 8; k++)
            {
                result = JacobianPoint<Fp>.Double(result);
            }

            Array.Fill(buckets, JacobianPoint<Fp>.Infinity);
            for (int i = 0; i < n; i++)
            {
                byte digit = digits[i][window];
                if (digit != 0)
                {
                    buckets[digit] = JacobianPoint<Fp>.AddAffine(buckets[digit], points[i]);
                }
            }

            JacobianPoint<Fp> running = JacobianPoint<Fp>.Infinity;
            JacobianPoint<Fp> windowSum = JacobianPoint<Fp>.Infinity;
            for (int d = 255; d >= 1; d--)
            {
                running = JacobianPoint<Fp>.Add(running, buckets[d]);
                windowSum = JacobianPoint<Fp>.Add(windowSum, running);
            }

            result = JacobianPoint<Fp>.Add(result, windowSum);
        }

        return result;
    }

    // ZCash compressed form: x big-endian with the compression flag, the infinity flag, and the sign of y.
    private static byte[] Compress(in JacobianPoint<Fp> point)
    {
        byte[] encoded = new byte[CommitmentLength];
        if (point.IsInfinity)
        {
            encoded[0] = 0xc0;
            return encoded;
        }

        AffinePoint<Fp> affine = point.ToAffine();
        affine.X.WriteBigEndian(encoded);
        encoded[0] |= 0x80;
        if (affine.Y.IsLexicographicallyLargest())
        {
            encoded[0] |= 0x20;
        }

        return encoded;
    }

    private static byte[] ToBytes32(BigInteger value)
    {
        byte[] bytes = new byte[32];
        value.TryWriteBytes(bytes, out int written, isUnsigned: true, isBigEndian: true);
        if (written < 32)
        {
            // TryWriteBytes writes the minimal big-endian form at the start; move it to the end.
            Array.Copy(bytes, 0, bytes, 32 - written, written);
            Array.Clear(bytes, 0, 32 - written);
        }

        return bytes;
    }
}
