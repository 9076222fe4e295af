namespace Hyperion.State.MetisDb;

/// <summary>
/// The few RLP shapes a Merkle Patricia node needs (byte strings, lists of already-encoded items, hex-prefix paths).
/// Writes into caller buffers so hashing a node allocates nothing but its result.
/// </summary>
internal static class TrieNodeRlp
{
    public const byte EmptyString = 0x80;

    /// <summary>Encoded length of a byte string of the given content.</summary>
    public static int StringLength(ReadOnlySpan<byte> content) =>
        content.Length == 1 && content[0] < 0x80 ? 1 : HeaderLength(content.Length) + content.Length;

    public static int HeaderLength(int payloadLength) => payloadLength < 56 ? 1 : 1 + ByteCount(payloadLength);

    public static int WriteString(Span<byte> destination, ReadOnlySpan<byte> content)
    {
        if (content.Length == 1 && content[0] < 0x80)
        {
            destination[0] = content[0];
            return 1;
        }

        int header = WriteHeader(destination, content.Length, 0x80);
        content.CopyTo(destination[header..]);
        return header + content.Length;
    }

    public static int WriteListHeader(Span<byte> destination, int payloadLength) => WriteHeader(destination, payloadLength, 0xc0);

    private static int WriteHeader(Span<byte> destination, int length, byte offset)
    {
        if (length < 56)
        {
            destination[0] = (byte)(offset + length);
            return 1;
        }

        int count = ByteCount(length);
        destination[0] = (byte)(offset + 55 + count);
        for (int i = 0; i < count; i++)
        {
            destination[count - i] = (byte)(length >> (8 * i));
        }

        return 1 + count;
    }

    private static int ByteCount(int value)
    {
        int count = 0;
        while (value > 0)
        {
            count++;
            value >>= 8;
        }

        return count;
    }

    /// <summary>Compact (hex-prefix) encoding of a nibble path; <paramref name="leaf"/> sets the terminator flag.</summary>
    public static int WriteHexPrefix(Span<byte> destination, ReadOnlySpan<byte> nibbles, bool leaf)
    {
        int flag = leaf ? 2 : 0;
        bool odd = (nibbles.Length & 1) == 1;
        int length = 1 + nibbles.Length / 2;
        int start;
        if (odd)
        {
            destination[0] = (byte)(((flag | 1) << 4) | nibbles[0]);
            start = 1;
        }
        else
        {
            destination[0] = (byte)(flag << 4);
            start = 0;
        }

        for (int i = start, o = 1; i < nibbles.Length; i += 2, o++)
        {
            destination[o] = (byte)((nibbles[i] << 4) | nibbles[i + 1]);
        }

        return length;
    }

    /// <summary>RLP of a canonical unsigned integer given as big-endian bytes (leading zeros stripped).</summary>
    public static ReadOnlySpan<byte> TrimLeadingZeros(ReadOnlySpan<byte> bigEndian)
    {
        int i = 0;
        while (i < bigEndian.Length && bigEndian[i] == 0)
        {
            i++;
        }

        return bigEndian[i..];
    }
}
