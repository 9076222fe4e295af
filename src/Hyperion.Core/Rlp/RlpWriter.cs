using System.Buffers.Binary;

namespace Hyperion.Core.Rlp;

/// <summary>
/// Writes RLP into a caller-provided span sized with the <see cref="Rlp"/> length helpers.
/// Lists are written as a header (with the precomputed content length) followed by their items.
/// </summary>
public ref struct RlpWriter
{
    private readonly Span<byte> _buffer;
    private int _position;

    public RlpWriter(Span<byte> buffer)
    {
        _buffer = buffer;
        _position = 0;
    }

    public readonly int Position => _position;

    /// <summary>The bytes written so far.</summary>
    public readonly ReadOnlySpan<byte> Written => _buffer[.._position];

    public void WriteBytes(scoped ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length == 1 && bytes[0] < 0x80)
        {
            _buffer[_position++] = bytes[0];
            return;
        }

        WriteHeader(0x80, bytes.Length);
        WriteRaw(bytes);
    }

    /// <summary>Writes an unsigned integer as its minimal big-endian byte string (zero is 0x80).</summary>
    public void WriteUInt64(ulong value)
    {
        if (value < 0x80)
        {
            _buffer[_position++] = value == 0 ? Rlp.EmptyString : (byte)value;
            return;
        }

        int length = Rlp.ByteLength(value);
        _buffer[_position++] = (byte)(0x80 + length);
        WriteBigEndian(value, length);
    }

    /// <summary>Writes a 256-bit unsigned integer as its minimal big-endian byte string (zero is 0x80).</summary>
    public void WriteUInt256(in UInt256 value)
    {
        if (value.IsUInt64)
        {
            WriteUInt64(value.U0);
            return;
        }

        int length = value.ByteLength;
        _buffer[_position++] = (byte)(0x80 + length);
        value.WriteBigEndianTrimmed(_buffer.Slice(_position, length));
        _position += length;
    }

    public void WriteHash(in Hash256 hash)
    {
        _buffer[_position++] = 0x80 + Hash256.Size;
        WriteRaw(hash.Bytes);
    }

    public void WriteAddress(in Address address)
    {
        _buffer[_position++] = 0x80 + Address.Size;
        WriteRaw(address.Bytes);
    }

    public void WriteListHeader(int contentLength) => WriteHeader(0xc0, contentLength);

    /// <summary>
    /// The header of a string of <paramref name="length"/> bytes the caller writes after it (not for a single byte
    /// below 0x80, which is its own encoding).
    /// </summary>
    public void WriteBytesHeader(int length) => WriteHeader(0x80, length);

    /// <summary>Copies already-encoded RLP verbatim.</summary>
    public void WriteRaw(scoped ReadOnlySpan<byte> encoded)
    {
        encoded.CopyTo(_buffer[_position..]);
        _position += encoded.Length;
    }

    private void WriteHeader(byte offset, int payloadLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(payloadLength);
        if (payloadLength < 56)
        {
            _buffer[_position++] = (byte)(offset + payloadLength);
            return;
        }

        int lengthOfLength = Rlp.ByteLength((ulong)payloadLength);
        _buffer[_position++] = (byte)(offset + 55 + lengthOfLength);
        WriteBigEndian((ulong)payloadLength, lengthOfLength);
    }

    private void WriteBigEndian(ulong value, int length)
    {
        Span<byte> full = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(full, value);
        WriteRaw(full[(8 - length)..]);
    }
}
