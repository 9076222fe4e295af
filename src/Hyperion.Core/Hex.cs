using System.Runtime.CompilerServices;

namespace Hyperion.Core;

/// <summary>Hex encoding of byte strings: lowercase output, optional 0x prefix, strict even-length input.</summary>
public static class Hex
{
    private const string Digits = "0123456789abcdef";

    /// <summary>Decodes hex with an optional 0x/0X prefix. Throws <see cref="FormatException"/> naming the offending character.</summary>
    public static byte[] Decode(string hex)
    {
        ArgumentNullException.ThrowIfNull(hex);
        ReadOnlySpan<char> digits = StripPrefix(hex);
        if ((digits.Length & 1) != 0)
        {
            throw new FormatException($"Hex string has an odd number of digits ({digits.Length}); expected whole bytes.");
        }

        var result = new byte[digits.Length / 2];
        int offset = hex.Length - digits.Length;
        for (int i = 0; i < result.Length; i++)
        {
            int hi = DigitValue(digits[2 * i]);
            int lo = DigitValue(digits[2 * i + 1]);
            if ((hi | lo) < 0)
            {
                int bad = hi < 0 ? 2 * i : 2 * i + 1;
                throw new FormatException($"Invalid hex character '{digits[bad]}' at position {offset + bad}.");
            }

            result[i] = (byte)((hi << 4) | lo);
        }

        return result;
    }

    /// <summary>Decodes hex (optional 0x prefix, even length) into <paramref name="destination"/>; false on bad input or short destination.</summary>
    public static bool TryDecode(ReadOnlySpan<char> hex, Span<byte> destination, out int written)
    {
        written = 0;
        ReadOnlySpan<char> digits = StripPrefix(hex);
        if ((digits.Length & 1) != 0 || destination.Length < digits.Length / 2)
        {
            return false;
        }

        int count = digits.Length / 2;
        for (int i = 0; i < count; i++)
        {
            int hi = DigitValue(digits[2 * i]);
            int lo = DigitValue(digits[2 * i + 1]);
            if ((hi | lo) < 0)
            {
                return false;
            }

            destination[i] = (byte)((hi << 4) | lo);
        }

        written = count;
        return true;
    }

    /// <summary>Lowercase hex, 0x-prefixed unless <paramref name="withPrefix"/> is false.</summary>
    public static string Encode(ReadOnlySpan<byte> bytes, bool withPrefix = true)
    {
        int prefix = withPrefix ? 2 : 0;
        int length = prefix + bytes.Length * 2;
        if (length == 0)
        {
            return string.Empty;
        }

        // Written straight into the string: no char buffer to copy from (a heap one above 512 chars was garbage per call).
        return withPrefix
            ? string.Create(length, bytes, static (chars, b) => WriteDigits(b, chars, 2))
            : string.Create(length, bytes, static (chars, b) => WriteDigits(b, chars, 0));
    }

    /// <summary>Writes lowercase hex (no prefix) into <paramref name="destination"/>, which must hold 2 chars per byte.</summary>
    public static void EncodeTo(ReadOnlySpan<byte> bytes, Span<char> destination)
    {
        if (destination.Length < bytes.Length * 2)
        {
            throw new ArgumentException("Destination too small for the hex digits.", nameof(destination));
        }

        WriteDigits(bytes, destination, 0);
    }

    private static void WriteDigits(ReadOnlySpan<byte> bytes, Span<char> chars, int prefix)
    {
        if (prefix == 2)
        {
            chars[0] = '0';
            chars[1] = 'x';
        }

        for (int i = 0; i < bytes.Length; i++)
        {
            byte b = bytes[i];
            chars[prefix + 2 * i] = Digits[b >> 4];
            chars[prefix + 2 * i + 1] = Digits[b & 0xF];
        }
    }

    internal static ReadOnlySpan<char> StripPrefix(ReadOnlySpan<char> hex) =>
        hex.Length >= 2 && hex[0] == '0' && (hex[1] == 'x' || hex[1] == 'X') ? hex[2..] : hex;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int DigitValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };
}
