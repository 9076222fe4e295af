using System.Numerics;

namespace Hyperion.Core.Rlp;

/// <summary>Length arithmetic and allocating helpers for Recursive Length Prefix encoding (Yellow Paper appendix B).</summary>
public static class Rlp
{
    /// <summary>Encoded form of the empty byte string (also the integer 0).</summary>
    public const byte EmptyString = 0x80;

    /// <summary>Encoded form of the empty list.</summary>
    public const byte EmptyList = 0xc0;

    /// <summary>Nesting limit for tree decoding, so hostile input cannot exhaust the stack.</summary>
    public const int MaxDepth = 1024;

    /// <summary>Bytes needed to encode a byte string.</summary>
    public static int LengthOfBytes(ReadOnlySpan<byte> bytes) =>
        bytes.Length == 1 && bytes[0] < 0x80 ? 1 : HeaderLength(bytes.Length) + bytes.Length;

    /// <summary>Bytes needed to encode an unsigned integer (minimal big-endian; zero is the empty string).</summary>
    public static int LengthOf(ulong value) => value < 0x80 ? 1 : 1 + ByteLength(value);

    /// <summary>Bytes needed to encode a 256-bit unsigned integer (minimal big-endian; zero is the empty string).</summary>
    public static int LengthOf(in UInt256 value) => value.IsUInt64 ? LengthOf(value.U0) : 1 + value.ByteLength;

    public static int LengthOf(in Hash256 _) => 1 + Hash256.Size;

    public static int LengthOf(in Address _) => 1 + Address.Size;

    /// <summary>Bytes needed for a list whose encoded items total <paramref name="contentLength"/> bytes.</summary>
    public static int LengthOfList(int contentLength) => HeaderLength(contentLength) + contentLength;

    /// <summary>Size of a string or list header for a payload of the given length.</summary>
    public static int HeaderLength(int payloadLength) => payloadLength < 56 ? 1 : 1 + ByteLength((ulong)payloadLength);

    /// <summary>Number of big-endian bytes in the minimal form of <paramref name="value"/> (0 for zero).</summary>
    public static int ByteLength(ulong value) => (64 - BitOperations.LeadingZeroCount(value) + 7) / 8;

    public static byte[] EncodeBytes(ReadOnlySpan<byte> bytes)
    {
        var result = new byte[LengthOfBytes(bytes)];
        var writer = new RlpWriter(result);
        writer.WriteBytes(bytes);
        return result;
    }

    public static byte[] EncodeUInt64(ulong value)
    {
        var result = new byte[LengthOf(value)];
        var writer = new RlpWriter(result);
        writer.WriteUInt64(value);
        return result;
    }

    /// <summary>Wraps already-encoded items in a list header.</summary>
    public static byte[] EncodeList(params ReadOnlySpan<byte[]> encodedItems)
    {
        int content = 0;
        foreach (byte[] item in encodedItems)
        {
            content += item.Length;
        }

        var result = new byte[LengthOfList(content)];
        var writer = new RlpWriter(result);
        writer.WriteListHeader(content);
        foreach (byte[] item in encodedItems)
        {
            writer.WriteRaw(item);
        }

        return result;
    }

    public static byte[] Encode(RlpItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        var result = new byte[item.EncodedLength];
        var writer = new RlpWriter(result);
        item.WriteTo(ref writer);
        return result;
    }

    /// <summary>Strictly decodes exactly one item covering all of <paramref name="encoded"/>.</summary>
    public static RlpItem Decode(ReadOnlySpan<byte> encoded)
    {
        var reader = new RlpReader(encoded);
        RlpItem item = DecodeItem(ref reader, 0);
        reader.EnsureEnd();
        return item;
    }

    private static RlpItem DecodeItem(ref RlpReader reader, int depth)
    {
        if (!reader.PeekIsList)
        {
            return new RlpString(reader.ReadBytes().ToArray());
        }

        if (depth >= MaxDepth)
        {
            throw new RlpException($"RLP nesting deeper than {MaxDepth} at offset {reader.Position}.");
        }

        RlpReader inner = reader.EnterList();
        var items = new List<RlpItem>();
        while (!inner.IsEmpty)
        {
            items.Add(DecodeItem(ref inner, depth + 1));
        }

        return new RlpList(items);
    }
}
