namespace Hyperion.Trie;

/// <summary>Nibble paths (one 4-bit value per byte) and their hex-prefix encoding (Yellow Paper appendix C). Public for MetisDB's trie hasher.</summary>
public static class Nibbles
{
    public static byte[] FromBytes(ReadOnlySpan<byte> key)
    {
        var nibbles = new byte[key.Length * 2];
        for (int i = 0; i < key.Length; i++)
        {
            nibbles[2 * i] = (byte)(key[i] >> 4);
            nibbles[2 * i + 1] = (byte)(key[i] & 0xF);
        }

        return nibbles;
    }

    /// <summary>Packs an even-length nibble path back into bytes.</summary>
    public static byte[] ToBytes(ReadOnlySpan<byte> nibbles)
    {
        var bytes = new byte[nibbles.Length / 2];
        for (int i = 0; i < bytes.Length; i++)
        {
            bytes[i] = (byte)((nibbles[2 * i] << 4) | nibbles[2 * i + 1]);
        }

        return bytes;
    }

    public static int CommonPrefixLength(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b) =>
        a.CommonPrefixLength(b);

    public static byte[] Concat(byte first, ReadOnlySpan<byte> rest)
    {
        var result = new byte[1 + rest.Length];
        result[0] = first;
        rest.CopyTo(result.AsSpan(1));
        return result;
    }

    public static byte[] Concat(ReadOnlySpan<byte> head, ReadOnlySpan<byte> tail)
    {
        var result = new byte[head.Length + tail.Length];
        head.CopyTo(result);
        tail.CopyTo(result.AsSpan(head.Length));
        return result;
    }

    public static int HexPrefixLength(int nibbleCount) => nibbleCount / 2 + 1;

    /// <summary>Hex-prefix encoding: flag nibble (2 = leaf, +1 = odd length), padded to whole bytes.</summary>
    public static void WriteHexPrefix(ReadOnlySpan<byte> nibbles, bool isLeaf, Span<byte> destination)
    {
        int flag = (isLeaf ? 2 : 0) + (nibbles.Length & 1);
        int offset = 0;
        if ((nibbles.Length & 1) == 1)
        {
            destination[0] = (byte)((flag << 4) | nibbles[0]);
            offset = 1;
        }
        else
        {
            destination[0] = (byte)(flag << 4);
        }

        for (int i = offset, d = 1; i < nibbles.Length; i += 2, d++)
        {
            destination[d] = (byte)((nibbles[i] << 4) | nibbles[i + 1]);
        }
    }

    /// <summary>Decodes a hex-prefix path; throws <see cref="TrieException"/> on a bad flag.</summary>
    public static byte[] ReadHexPrefix(ReadOnlySpan<byte> encoded, out bool isLeaf)
    {
        if (encoded.Length == 0)
        {
            throw new TrieException("Empty hex-prefix path in trie node.");
        }

        int flag = encoded[0] >> 4;
        if (flag > 3)
        {
            throw new TrieException($"Invalid hex-prefix flag {flag} in trie node.");
        }

        bool odd = (flag & 1) == 1;
        if (!odd && (encoded[0] & 0xF) != 0)
        {
            throw new TrieException("Even hex-prefix path has a non-zero padding nibble.");
        }

        isLeaf = flag >= 2;
        var nibbles = new byte[(encoded.Length - 1) * 2 + (odd ? 1 : 0)];
        int n = 0;
        if (odd)
        {
            nibbles[n++] = (byte)(encoded[0] & 0xF);
        }

        for (int i = 1; i < encoded.Length; i++)
        {
            nibbles[n++] = (byte)(encoded[i] >> 4);
            nibbles[n++] = (byte)(encoded[i] & 0xF);
        }

        return nibbles;
    }
}
