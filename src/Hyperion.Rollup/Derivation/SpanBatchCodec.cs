using System.Buffers;
using Hyperion.Core.Rlp;
using Hyperion.Rollup.Config;

namespace Hyperion.Rollup.Derivation;

/// <summary>
/// Reads the span-batch primitives: protobuf uvarints (as Go's <c>binary.ReadUvarint</c>, which also accepts
/// non-minimal forms), fixed byte runs, standard bitlists (big-endian integers left-padded to whole bytes, with no bit
/// set at or above the list length) and RLP-framed <c>tx_data</c>. Every failure is a <see cref="RollupDecodeException"/>.
/// </summary>
internal ref struct SpanBatchReader(ReadOnlySpan<byte> data)
{
    /// <summary>Go's rlp stream limit for one tx_data item (MAX_SPAN_BATCH_ELEMENT_COUNT bytes).</summary>
    private const ulong MaxTxDataLength = RollupConfig.MaxSpanBatchElementCount;

    private readonly ReadOnlySpan<byte> _data = data;
    private int _position;

    public readonly int Remaining => _data.Length - _position;

    public ulong ReadUvarint()
    {
        ulong value = 0;
        for (int i = 0, shift = 0; i < 10; i++, shift += 7)
        {
            if (_position >= _data.Length)
            {
                throw new RollupDecodeException("span batch: truncated uvarint");
            }

            byte b = _data[_position++];
            if (b < 0x80)
            {
                if (i == 9 && b > 1)
                {
                    break;
                }

                return value | ((ulong)b << shift);
            }

            value |= (ulong)(b & 0x7f) << shift;
        }

        throw new RollupDecodeException("span batch: uvarint overflows 64 bits");
    }

    public ReadOnlySpan<byte> ReadBytes(int count, string what)
    {
        if (count < 0 || count > Remaining)
        {
            throw new RollupDecodeException($"span batch: truncated {what}");
        }

        ReadOnlySpan<byte> bytes = _data.Slice(_position, count);
        _position += count;
        return bytes;
    }

    public bool[] ReadBits(int bitCount)
    {
        int byteCount = (int)(((long)bitCount + 7) / 8);
        ReadOnlySpan<byte> bytes = ReadBytes(byteCount, "bitlist");
        if (bitCount % 8 != 0 && byteCount > 0 && (bytes[0] >> (bitCount % 8)) != 0)
        {
            throw new RollupDecodeException($"span batch: bitlist has bits set beyond its {bitCount} bits");
        }

        var bits = new bool[bitCount];
        for (int i = 0; i < bitCount; i++)
        {
            bits[i] = ((bytes[byteCount - 1 - (i / 8)] >> (i % 8)) & 1) != 0;
        }

        return bits;
    }

    /// <summary>One <c>tx_data</c>: an optional type byte (≤ 0x7f) then an RLP list; returns the type (0: legacy) and the list.</summary>
    public (byte Type, byte[] Fields) ReadTxData()
    {
        if (Remaining == 0)
        {
            throw new RollupDecodeException("span batch: truncated tx_data");
        }

        byte type = 0;
        if (_data[_position] <= 0x7f)
        {
            type = _data[_position++];
        }

        ReadOnlySpan<byte> rest = _data[_position..];
        if (rest.IsEmpty || rest[0] < 0xc0)
        {
            throw new RollupDecodeException("span batch: tx_data must be an RLP list");
        }

        int itemLength;
        try
        {
            var rlp = new RlpReader(rest);
            itemLength = rlp.ReadRawItem().Length;
        }
        catch (RlpException e)
        {
            throw new RollupDecodeException($"span batch: malformed tx_data: {e.Message}", e);
        }

        if ((ulong)itemLength > MaxTxDataLength)
        {
            throw new RollupDecodeException("span batch: tx_data exceeds the size limit");
        }

        byte[] fields = rest[..itemLength].ToArray();
        _position += itemLength;
        return (type, fields);
    }
}

/// <summary>Writes the span-batch primitives (the inverse of <see cref="SpanBatchReader"/>).</summary>
internal sealed class SpanBatchWriter
{
    private readonly ArrayBufferWriter<byte> _buffer = new();

    public void WriteUvarint(ulong value)
    {
        while (value >= 0x80)
        {
            WriteByte((byte)(value | 0x80));
            value >>= 7;
        }

        WriteByte((byte)value);
    }

    public void WriteBytes(ReadOnlySpan<byte> bytes) => _buffer.Write(bytes);

    public void WriteByte(byte value) => _buffer.Write(new ReadOnlySpan<byte>(in value));

    public void WriteBits(bool[] bits)
    {
        int byteCount = (bits.Length + 7) / 8;
        var bytes = new byte[byteCount];
        for (int i = 0; i < bits.Length; i++)
        {
            if (bits[i])
            {
                bytes[byteCount - 1 - (i / 8)] |= (byte)(1 << (i % 8));
            }
        }

        _buffer.Write(bytes);
    }

    public byte[] ToArray() => _buffer.WrittenSpan.ToArray();
}
