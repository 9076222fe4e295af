using Hyperion.Core.Rlp;
using Hyperion.Rollup.Blobs;
using Hyperion.Rollup.Derivation;

namespace Hyperion.Rollup.Batcher;

/// <summary>
/// The batcher's side of a channel (derivation.md "Channel Format", batcher.md): batches are appended as RLP byte
/// strings, the stream is compressed, and the result is cut into frames no larger than a given size, the last one
/// marked <c>is_last</c>. A channel can be bounded by a target compressed size so that it fits a number of frames.
/// </summary>
public sealed class ChannelOut
{
    private readonly List<byte[]> _items = [];
    private byte[]? _compressed;
    private CompressedSizeBound _sizeBound;

    /// <param name="id">The channel id (should be random and never reused).</param>
    /// <param name="algorithm">Zlib, or brotli (Fjord).</param>
    /// <param name="maxRlpBytes">MAX_RLP_BYTES_PER_CHANNEL at the L1 time the channel will be read.</param>
    /// <param name="targetCompressedSize">Compressed size the channel should not exceed (0: no bound).</param>
    public ChannelOut(ChannelId id, CompressionAlgorithm algorithm, ulong maxRlpBytes, int targetCompressedSize = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(targetCompressedSize);
        Id = id;
        Algorithm = algorithm;
        MaxRlpBytes = maxRlpBytes;
        TargetCompressedSize = targetCompressedSize;
    }

    public ChannelId Id { get; }

    public CompressionAlgorithm Algorithm { get; }

    public ulong MaxRlpBytes { get; }

    public int TargetCompressedSize { get; }

    public int BatchCount { get; private set; }

    /// <summary>Uncompressed length of the RLP batch stream.</summary>
    public long RlpLength { get; private set; }

    /// <summary>The compressed channel data (computed on demand, cached until the next batch).</summary>
    public byte[] Compressed => _compressed ??= ChannelCompression.Compress(_items.SelectMany(i => i).ToArray(), Algorithm);

    /// <summary>
    /// Appends a typed batch (<c>batch_version ++ content</c>). Returns false, leaving the channel unchanged, when the
    /// batch would push the RLP stream past <see cref="MaxRlpBytes"/> or the compressed size past the target (a
    /// channel always accepts its first batch if it fits the RLP limit).
    /// </summary>
    public bool TryAddBatch(ReadOnlySpan<byte> typedBatch)
    {
        byte[] item = Rlp.EncodeBytes(typedBatch);
        if ((ulong)(RlpLength + item.Length) > MaxRlpBytes)
        {
            return false;
        }

        _items.Add(item);
        _compressed = null;
        long length = RlpLength + item.Length;
        if (TargetCompressedSize > 0 && BatchCount > 0 && !_sizeBound.CertainlyFits(length, TargetCompressedSize))
        {
            if (Compressed.Length > TargetCompressedSize)
            {
                _items.RemoveAt(_items.Count - 1);
                _compressed = null;
                return false;
            }

            _sizeBound.RecordExact(length, Compressed.Length);
        }

        RlpLength += item.Length;

        BatchCount++;
        return true;
    }

    /// <summary>
    /// The channel cut into frames of at most <paramref name="maxFrameSize"/> encoded bytes (data plus 23 bytes of
    /// frame overhead); the last frame closes the channel.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A frame size that leaves no room for data.</exception>
    /// <exception cref="InvalidOperationException">More than 65,536 frames would be needed.</exception>
    public IReadOnlyList<Frame> ToFrames(int maxFrameSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(maxFrameSize, Frame.Overhead);
        int perFrame = Math.Min(maxFrameSize - Frame.Overhead, Frame.MaxDataLength);
        byte[] data = Compressed;
        int count = Math.Max(1, (data.Length + perFrame - 1) / perFrame);
        if (count > ushort.MaxValue + 1)
        {
            throw new InvalidOperationException($"channel needs {count} frames, more than a frame number can address");
        }

        var frames = new Frame[count];
        for (int i = 0; i < count; i++)
        {
            int start = i * perFrame;
            int length = Math.Min(perFrame, data.Length - start);
            frames[i] = new Frame(Id, (ushort)i, data.AsMemory(start, length), i == count - 1);
        }

        return frames;
    }

    /// <summary>Largest frame that fits one blob together with the batcher version byte.</summary>
    public const int MaxFrameSizePerBlob = BlobCodec.MaxDataSize - 1;

    /// <summary>
    /// The channel as blobs for an EIP-4844 batcher transaction: one frame per blob, each blob carrying
    /// <c>version 0 ++ frame</c> in the OP blob encoding.
    /// </summary>
    public IReadOnlyList<byte[]> ToBlobs() =>
        [.. ToFrames(MaxFrameSizePerBlob).Select(f => BlobCodec.Encode(Frame.EncodeBatcherData([f])))];
}
