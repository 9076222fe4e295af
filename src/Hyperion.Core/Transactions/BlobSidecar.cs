namespace Hyperion.Core.Transactions;

/// <summary>
/// The data a blob transaction carries in its network form (EIP-4844) but not in a block: the blobs, their KZG
/// commitments and the proofs that each blob matches its commitment. One entry per versioned hash.
/// </summary>
public sealed class BlobSidecar(byte[][] blobs, byte[][] commitments, byte[][] proofs)
{
    /// <summary>Bytes of a blob: 4096 field elements of 32 bytes.</summary>
    public const int BlobLength = 4096 * 32;

    /// <summary>Bytes of a compressed BLS12-381 G1 point (a commitment or a proof).</summary>
    public const int PointLength = 48;

    public IReadOnlyList<byte[]> Blobs { get; } = blobs;

    public IReadOnlyList<byte[]> Commitments { get; } = commitments;

    public IReadOnlyList<byte[]> Proofs { get; } = proofs;
}
