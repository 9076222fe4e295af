using System.Buffers.Binary;

namespace Hyperion.Core.Rlp;

/// <summary>
/// Strict, zero-copy RLP decoder over a span. Rejects every non-canonical form: single bytes below 0x80
/// wrapped in a header, long-form lengths under 56 or with leading zeros, lengths past the input, and
/// (for integers) leading zero bytes. Offsets in errors are relative to the span the top reader was built on.
/// </summary>
public ref struct RlpReader
{
    private readonly ReadOnlySpan<byte> _data;
    private readonly int _baseOffset;
    private int _position;

    public RlpReader(ReadOnlySpan<byte> data)
        : this(data, 0)
    {
    }

    private RlpReader(ReadOnlySpan<byte> data, int baseOffset)
    {
        _data = data;
        _baseOffset = baseOffset;
        _position = 0;
    }

    /// <summary>Offset of the next item, relative to the outermost input.</summary>
    public readonly int Position => _baseOffset + _position;

    public readonly bool IsEmpty => _position >= _data.Length;

    public readonly int Remaining => _data.Length - _position;

    /// <summary>True if the next item is a list.</summary>
    public readonly bool PeekIsList
    {
        get
        {
            EnsureNotEmpty();
            return _data[_position] >= 0xc0;
        }
    }

    /// <summary>Reads a byte string and returns its payload as a slice of the input.</summary>
    public ReadOnlySpan<byte> ReadBytes()
    {
        int start = _position;
        (bool isList, int payloadStart, int payloadLength) = ReadHeader();
        if (isList)
        {
            throw Error("expected a byte string but found a list", start);
        }

        _position = payloadStart + payloadLength;
        return _data.Slice(payloadStart, payloadLength);
    }

    /// <summary>Reads a list header and returns a reader over exactly the list's content; this reader moves past the list.</summary>
    public RlpReader EnterList()
    {
        (int payloadStart, int payloadLength) = ReadListPayload();
        _position = payloadStart + payloadLength;
        return new RlpReader(_data.Slice(payloadStart, payloadLength), _baseOffset + payloadStart);
    }

    /// <summary>Reads a list header and returns the content length; the caller then reads the items in place.</summary>
    public int ReadListHeader()
    {
        (int payloadStart, int payloadLength) = ReadListPayload();
        _position = payloadStart;
        return payloadLength;
    }

    private readonly (int PayloadStart, int PayloadLength) ReadListPayload()
    {
        (bool isList, int payloadStart, int payloadLength) = ReadHeader();
        if (!isList)
        {
            throw Error("expected a list but found a byte string", _position);
        }

        return (payloadStart, payloadLength);
    }

    /// <summary>Returns the full encoding (header and payload) of the next item and moves past it.</summary>
    public ReadOnlySpan<byte> ReadRawItem()
    {
        int start = _position;
        (_, int payloadStart, int payloadLength) = ReadHeader();
        _position = payloadStart + payloadLength;
        return _data[start.._position];
    }

    /// <summary>Skips the next item.</summary>
    public void Skip() => ReadRawItem();

    /// <summary>Reads a canonical unsigned integer of at most 8 bytes.</summary>
    public ulong ReadUInt64()
    {
        int start = _position;
        ReadOnlySpan<byte> bytes = ReadIntegerBytes(start);
        if (bytes.Length > 8)
        {
            throw Error($"integer of {bytes.Length} bytes does not fit in 64 bits", start);
        }

        ulong value = 0;
        foreach (byte b in bytes)
        {
            value = (value << 8) | b;
        }

        return value;
    }

    /// <summary>Reads a canonical unsigned integer of at most 32 bytes.</summary>
    public UInt256 ReadUInt256()
    {
        int start = _position;
        ReadOnlySpan<byte> bytes = ReadIntegerBytes(start);
        if (bytes.Length > 32)
        {
            throw Error($"integer of {bytes.Length} bytes does not fit in 256 bits", start);
        }

        return UInt256.FromBigEndian(bytes);
    }

    /// <summary>Reads the minimal big-endian bytes of a canonical unsigned integer (no leading zeros; zero is empty).</summary>
    public ReadOnlySpan<byte> ReadIntegerBytes() => ReadIntegerBytes(_position);

    public Hash256 ReadHash()
    {
        int start = _position;
        ReadOnlySpan<byte> bytes = ReadBytes();
        if (bytes.Length != Hash256.Size)
        {
            throw Error($"expected a {Hash256.Size}-byte hash but found {bytes.Length} bytes", start);
        }

        return new Hash256(bytes);
    }

    public Address ReadAddress()
    {
        int start = _position;
        ReadOnlySpan<byte> bytes = ReadBytes();
        if (bytes.Length != Address.Size)
        {
            throw Error($"expected a {Address.Size}-byte address but found {bytes.Length} bytes", start);
        }

        return new Address(bytes);
    }

    /// <summary>Throws unless every byte has been consumed.</summary>
    public readonly void EnsureEnd()
    {
        if (!IsEmpty)
        {
            throw Error($"{Remaining} trailing byte(s) after the last item", _position);
        }
    }

    private ReadOnlySpan<byte> ReadIntegerBytes(int start)
    {
        ReadOnlySpan<byte> bytes = ReadBytes();
        if (bytes.Length > 0 && bytes[0] == 0)
        {
            throw Error("integer has a leading zero byte (non-canonical)", start);
        }

        return bytes;
    }

    /// <summary>Decodes the header at the current position and validates it against the remaining input.</summary>
    private readonly (bool IsList, int PayloadStart, int PayloadLength) ReadHeader()
    {
        EnsureNotEmpty();
        int start = _position;
        byte prefix = _data[start];
        if (prefix < 0x80)
        {
            return (false, start, 1);
        }

        bool isList = prefix >= 0xc0;
        int shortBase = isList ? 0xc0 : 0x80;
        int longBase = shortBase + 55;
        string kind = isList ? "list" : "string";
        int payloadStart;
        long payloadLength;

        if (prefix <= longBase)
        {
            payloadStart = start + 1;
            payloadLength = prefix - shortBase;
            if (!isList && payloadLength == 1)
            {
                if (payloadStart >= _data.Length)
                {
                    throw Error("string of length 1 runs past the end of the input", start);
                }

                if (_data[payloadStart] < 0x80)
                {
                    throw Error($"single byte 0x{_data[payloadStart]:x2} must be encoded as itself, not with a 0x81 prefix", start);
                }
            }
        }
        else
        {
            int lengthOfLength = prefix - longBase;
            payloadStart = start + 1 + lengthOfLength;
            if (payloadStart > _data.Length)
            {
                throw Error($"{kind} length field of {lengthOfLength} bytes runs past the end of the input", start);
            }

            ReadOnlySpan<byte> lengthBytes = _data.Slice(start + 1, lengthOfLength);
            if (lengthBytes[0] == 0)
            {
                throw Error($"{kind} length has a leading zero byte (non-canonical)", start);
            }

            if (lengthOfLength > 4)
            {
                throw Error($"{kind} length field of {lengthOfLength} bytes exceeds the input", start);
            }

            Span<byte> padded = stackalloc byte[4];
            padded.Clear();
            lengthBytes.CopyTo(padded[(4 - lengthOfLength)..]);
            payloadLength = BinaryPrimitives.ReadUInt32BigEndian(padded);
            if (payloadLength < 56)
            {
                throw Error($"{kind} of length {payloadLength} uses the long form (non-canonical; must be below 56 for the short form)", start);
            }
        }

        if (payloadLength > _data.Length - payloadStart)
        {
            throw Error($"{kind} of length {payloadLength} runs past the end of the input ({_data.Length - payloadStart} byte(s) left)", start);
        }

        return (isList, payloadStart, (int)payloadLength);
    }

    private readonly void EnsureNotEmpty()
    {
        if (_position >= _data.Length)
        {
            throw Error("unexpected end of input", _position);
        }
    }

    private readonly RlpException Error(string what, int localOffset) =>
        new($"Invalid RLP at offset {_baseOffset + localOffset}: {what}.");
}
