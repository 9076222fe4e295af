using System.Buffers.Binary;

namespace Hyperion.Rollup.Derivation;

/// <summary>A channel's 16-byte opaque identifier (derivation.md "Frame Format").</summary>
public readonly record struct ChannelId(UInt128 Value)
{
    public const int Size = 16;

    public static ChannelId FromBytes(ReadOnlySpan<byte> bytes16) => new(BinaryPrimitives.ReadUInt128BigEndian(bytes16));

    public void WriteTo(Span<byte> destination16) => BinaryPrimitives.WriteUInt128BigEndian(destination16, Value);

    public override string ToString() => "0x" + Value.ToString("x32", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>
/// A channel frame: <c>channel_id (16) ++ frame_number (uint16) ++ frame_data_length (uint32) ++ frame_data ++ is_last (bool)</c>,
/// big-endian (derivation.md "Frame Format").
/// </summary>
public sealed record Frame(ChannelId ChannelId, ushort Number, ReadOnlyMemory<byte> Data, bool IsLast)
{
    /// <summary>Fixed bytes per frame: 16 + 2 + 4 + 1.</summary>
    public const int Overhead = 23;

    /// <summary>The cap on <c>frame_data_length</c>.</summary>
    public const int MaxDataLength = 1_000_000;

    /// <summary>Version byte of a batcher transaction that carries frames.</summary>
    public const byte DerivationVersion0 = 0;

    public int EncodedLength => Overhead + Data.Length;

    public void WriteTo(Span<byte> destination)
    {
        ChannelId.WriteTo(destination);
        BinaryPrimitives.WriteUInt16BigEndian(destination[16..], Number);
        BinaryPrimitives.WriteUInt32BigEndian(destination[18..], (uint)Data.Length);
        Data.Span.CopyTo(destination[22..]);
        destination[22 + Data.Length] = IsLast ? (byte)1 : (byte)0;
    }

    /// <summary>The calldata (or blob payload) of a batcher transaction: version byte 0 followed by the frames.</summary>
    public static byte[] EncodeBatcherData(IReadOnlyList<Frame> frames)
    {
        ArgumentNullException.ThrowIfNull(frames);
        byte[] data = new byte[1 + frames.Sum(f => f.EncodedLength)];
        data[0] = DerivationVersion0;
        int offset = 1;
        foreach (Frame frame in frames)
        {
            frame.WriteTo(data.AsSpan(offset));
            offset += frame.EncodedLength;
        }

        return data;
    }

    /// <summary>
    /// Parses a batcher transaction's data (derivation.md "Batcher Transaction Format"). All frames must parse: if
    /// one does not, the whole transaction is rejected. Frame data are slices of <paramref name="data"/>.
    /// </summary>
    /// <exception cref="RollupDecodeException">Empty data, unknown version, no frames, or any malformed frame.</exception>
    public static Frame[] ParseBatcherData(ReadOnlyMemory<byte> data)
    {
        ReadOnlySpan<byte> span = data.Span;
        if (span.IsEmpty)
        {
            throw new RollupDecodeException("batcher transaction data is empty");
        }

        if (span[0] != DerivationVersion0)
        {
            throw new RollupDecodeException($"unknown batcher transaction version {span[0]}");
        }

        List<Frame> frames = [];
        int offset = 1;
        while (offset < span.Length)
        {
            if (span.Length - offset < Overhead)
            {
                throw new RollupDecodeException($"frame {frames.Count} is truncated");
            }

            ChannelId id = ChannelId.FromBytes(span.Slice(offset, 16));
            ushort number = BinaryPrimitives.ReadUInt16BigEndian(span[(offset + 16)..]);
            uint length = BinaryPrimitives.ReadUInt32BigEndian(span[(offset + 18)..]);
            if (length > MaxDataLength)
            {
                throw new RollupDecodeException($"frame {frames.Count} data length {length} exceeds {MaxDataLength}");
            }

            int dataStart = offset + 22;
            if ((long)dataStart + length + 1 > span.Length)
            {
                throw new RollupDecodeException($"frame {frames.Count} is truncated");
            }

            byte isLast = span[dataStart + (int)length];
            if (isLast > 1)
            {
                throw new RollupDecodeException($"frame {frames.Count} has is_last byte {isLast}");
            }

            frames.Add(new Frame(id, number, data.Slice(dataStart, (int)length), isLast == 1));
            offset = dataStart + (int)length + 1;
        }

        if (frames.Count == 0)
        {
            throw new RollupDecodeException("batcher transaction carries no frames");
        }

        return [.. frames];
    }
}
