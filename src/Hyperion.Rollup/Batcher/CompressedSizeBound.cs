namespace Hyperion.Rollup.Batcher;

/// <summary>
/// Whether a growing channel is certain to stay within its target compressed size without compressing it again.
/// Compressing the whole channel for every batch added made filling it quadratic (brotli at its smallest size took
/// minutes per blob-sized channel); instead, the last exact compressed size plus an upper bound for the bytes added
/// since is compared with the target, and the channel is compressed again only when that bound reaches the target.
/// Each exact compression then leaves the remaining room a fixed fraction smaller, so a channel is compressed a
/// logarithmic number of times, and its batches are the ones an exact check of every addition would take.
/// </summary>
public struct CompressedSizeBound
{
    private long _uncompressedAtExact;
    private long _exactSize;
    private bool _hasExact;

    /// <summary>
    /// At most what <paramref name="bytes"/> more uncompressed bytes add to a zlib or brotli stream: both fall back to
    /// stored blocks for incompressible data (zlib 5 bytes per block of up to 64 KiB, brotli 4 per 64 KiB
    /// metablock); an eighth of the bytes and the streams' headers and trailers (a version byte, zlib's 2-byte header
    /// and 4-byte checksum) are more than either needs.
    /// </summary>
    public static long AppendedBytesBound(long bytes) => bytes + (bytes >> 3) + 64;

    /// <summary>True when a channel of <paramref name="uncompressedLength"/> bytes surely compresses to at most <paramref name="target"/>.</summary>
    public readonly bool CertainlyFits(long uncompressedLength, long target) => _hasExact
        ? _exactSize + AppendedBytesBound(Math.Max(0, uncompressedLength - _uncompressedAtExact)) <= target
        : AppendedBytesBound(uncompressedLength) <= target;

    /// <summary>Records an exact compressed size, from which later bounds start.</summary>
    public void RecordExact(long uncompressedLength, long compressedSize)
    {
        _uncompressedAtExact = uncompressedLength;
        _exactSize = compressedSize;
        _hasExact = true;
    }
}
