using Hyperion.Core;
using Hyperion.Core.Transactions;
using Hyperion.Evm.Precompiles.Kzg;

namespace Hyperion.Chain;

/// <summary>
/// Checks a blob transaction's sidecar before the pool admits it (geth's messages): one blob, commitment and proof per
/// versioned hash, each hash that of its commitment, and each proof valid for its blob and commitment.
/// </summary>
public static class BlobSidecarVerifier
{
    /// <summary>Null when <paramref name="sidecar"/> belongs to <paramref name="tx"/>; otherwise why not.</summary>
    public static string? Verify(Transaction tx, BlobSidecar sidecar)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(sidecar);
        int hashes = tx.BlobVersionedHashes.Length;
        if (sidecar.Blobs.Count != hashes)
        {
            return $"invalid number of {sidecar.Blobs.Count} blobs compared to {hashes} blob hashes";
        }

        if (sidecar.Commitments.Count != hashes)
        {
            return $"invalid number of {sidecar.Commitments.Count} blob commitments compared to {hashes} blob hashes";
        }

        if (sidecar.Proofs.Count != hashes)
        {
            return $"invalid number of {sidecar.Proofs.Count} blob proofs compared to {hashes} blob hashes";
        }

        Span<byte> computed = stackalloc byte[32];
        for (int i = 0; i < hashes; i++)
        {
            BlobKzg.WriteVersionedHash(sidecar.Commitments[i], computed);
            if (!computed.SequenceEqual(tx.BlobVersionedHashes[i].Bytes))
            {
                return $"blob {i}: computed hash {new Hash256(computed)} mismatches transaction one {tx.BlobVersionedHashes[i]}";
            }

            if (!BlobKzg.VerifyBlobProof(sidecar.Blobs[i], sidecar.Commitments[i], sidecar.Proofs[i]))
            {
                return $"invalid blob {i}: the KZG proof does not verify against the blob and its commitment";
            }
        }

        return null;
    }
}
