using System.IO.Compression;

namespace Hyperion.Rollup.Derivation;

/// <summary>How a channel's RLP batch stream is compressed.</summary>
public enum CompressionAlgorithm
{
    /// <summary>RFC-1950 zlib, no dictionary (derivation.md "Channel Format").</summary>
    Zlib,

    /// <summary>Version byte 0x01 then RFC-7932 brotli (fjord/derivation.md "Brotli Channel Compression").</summary>
    Brotli,
}

/// <summary>Channel compression and bounded decompression.</summary>
public static class ChannelCompression
{
    /// <summary>The channel version byte announcing brotli.</summary>
    public const byte BrotliVersion = 0x01;

    /// <summary>A zlib stream of no bytes: header 78 DA, one final empty fixed-Huffman block, Adler-32 of nothing (1).</summary>
    private static ReadOnlySpan<byte> EmptyZlibStream => [0x78, 0xDA, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01];

    public static byte[] Compress(ReadOnlySpan<byte> data, CompressionAlgorithm algorithm)
    {
        using var output = new MemoryStream();
        if (algorithm == CompressionAlgorithm.Brotli)
        {
            output.WriteByte(BrotliVersion);
            using var brotli = new BrotliStream(output, CompressionLevel.SmallestSize, leaveOpen: true);
            brotli.Write(data);
        }
        else if (data.IsEmpty)
        {
            // .NET's ZLibStream writes nothing at all when given no bytes; a channel needs a complete stream.
            return [.. EmptyZlibStream];
        }
        else
        {
            using var zlib = new ZLibStream(output, CompressionLevel.SmallestSize, leaveOpen: true);
            zlib.Write(data);
        }

        return output.ToArray();
    }

    /// <summary>The compression a channel declares by its first byte; throws if none or if brotli is not yet allowed.</summary>
    /// <exception cref="RollupDecodeException">Empty channel, unknown first byte, or brotli before Fjord.</exception>
    public static CompressionAlgorithm Detect(ReadOnlySpan<byte> channel, bool brotliAllowed)
    {
        if (channel.IsEmpty)
        {
            throw new RollupDecodeException("channel is empty");
        }

        // A zlib header's low nibble (CM) is 8, or 15 (reserved): such bytes are never a channel version.
        int low = channel[0] & 0x0f;
        if (low is 8 or 15)
        {
            return CompressionAlgorithm.Zlib;
        }

        if (channel[0] == BrotliVersion)
        {
            return brotliAllowed ? CompressionAlgorithm.Brotli : throw new RollupDecodeException("brotli channel before Fjord");
        }

        throw new RollupDecodeException($"unknown channel compression byte 0x{channel[0]:x2}");
    }

    /// <summary>
    /// Decompresses at most <paramref name="limit"/> bytes (MAX_RLP_BYTES_PER_CHANNEL). Corrupt or truncated input
    /// ends the output where the decompressor stopped: the batches before that point still count, as in a streaming
    /// reader. The reason, if any, is returned in <paramref name="stopReason"/>.
    /// </summary>
    /// <exception cref="RollupDecodeException">As <see cref="Detect"/>.</exception>
    public static byte[] Decompress(byte[] channel, bool brotliAllowed, long limit, out string? stopReason)
    {
        ArgumentNullException.ThrowIfNull(channel);
        CompressionAlgorithm algorithm = Detect(channel, brotliAllowed);
        stopReason = null;
        using var input = new MemoryStream(channel, writable: false);
        if (algorithm == CompressionAlgorithm.Brotli)
        {
            input.Position = 1;
        }

        using Stream decompressor = algorithm == CompressionAlgorithm.Brotli
            ? new BrotliStream(input, CompressionMode.Decompress)
            : new ZLibStream(input, CompressionMode.Decompress);
        using var output = new MemoryStream();
        byte[] buffer = new byte[64 * 1024];
        try
        {
            while (output.Length < limit)
            {
                int read = decompressor.Read(buffer, 0, (int)Math.Min(buffer.Length, limit - output.Length));
                if (read == 0)
                {
                    break;
                }

                output.Write(buffer, 0, read);
            }
        }
        catch (InvalidDataException e)
        {
            stopReason = $"corrupt {algorithm} data: {e.Message}";
        }
        catch (IOException e)
        {
            stopReason = $"corrupt {algorithm} data: {e.Message}";
        }
        catch (InvalidOperationException e)
        {
            // BrotliStream reports invalid input this way.
            stopReason = $"corrupt {algorithm} data: {e.Message}";
        }

        return output.ToArray();
    }
}
