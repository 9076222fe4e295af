using System.Globalization;
using System.Runtime.CompilerServices;

namespace Hyperion.Core;

public readonly partial struct UInt256
{
    private const ulong TenPow19 = 10_000_000_000_000_000_000;

    /// <summary>Parses a decimal number, or a hexadecimal one with a 0x/0X prefix (1 or more digits).</summary>
    /// <exception cref="FormatException">Empty, signs, whitespace or any other non-digit character.</exception>
    /// <exception cref="OverflowException">The value is 2^256 or more.</exception>
    public static UInt256 Parse(string s)
    {
        ArgumentNullException.ThrowIfNull(s);
        return TryParseCore(s, out UInt256 value) switch
        {
            ParseStatus.Ok => value,
            ParseStatus.Overflow => throw new OverflowException($"'{Shorten(s)}' is 2^256 or more and does not fit in a UInt256."),
            _ => throw new FormatException(
                $"'{Shorten(s)}' is not a UInt256: expected decimal digits or 0x followed by hexadecimal digits."),
        };
    }

    public static bool TryParse(string? s, out UInt256 value)
    {
        if (s is null)
        {
            value = Zero;
            return false;
        }
        return TryParseCore(s, out value) == ParseStatus.Ok;
    }

    private enum ParseStatus
    {
        Ok,
        Format,
        Overflow,
    }

    private static ParseStatus TryParseCore(ReadOnlySpan<char> s, out UInt256 value)
    {
        value = Zero;
        if (s.Length > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        {
            return TryParseHex(s[2..], out value);
        }
        if (s.IsEmpty)
        {
            return ParseStatus.Format;
        }
        UInt256 accumulator = Zero;
        bool overflow = false;
        foreach (char c in s)
        {
            uint digit = (uint)(c - '0');
            if (digit > 9)
            {
                return ParseStatus.Format;
            }
            // Keep scanning after an overflow so a later bad character still reports a format error.
            overflow |= MultiplyOverflow(in accumulator, 10, out accumulator);
            overflow |= AddOverflow(in accumulator, digit, out accumulator);
        }
        if (overflow)
        {
            return ParseStatus.Overflow;
        }
        value = accumulator;
        return ParseStatus.Ok;
    }

    private static ParseStatus TryParseHex(ReadOnlySpan<char> digits, out UInt256 value)
    {
        value = Zero;
        ulong r0 = 0, r1 = 0, r2 = 0, r3 = 0;
        int significant = 0;
        foreach (char c in digits)
        {
            int nibble = HexValue(c);
            if (nibble < 0)
            {
                return ParseStatus.Format;
            }
            if (significant == 0 && nibble == 0)
            {
                continue; // leading zeros do not count toward the 64-digit limit
            }
            significant++;
            r3 = (r3 << 4) | (r2 >> 60);
            r2 = (r2 << 4) | (r1 >> 60);
            r1 = (r1 << 4) | (r0 >> 60);
            r0 = (r0 << 4) | (uint)nibble;
        }
        if (significant > 64)
        {
            return ParseStatus.Overflow;
        }
        value = new UInt256(r0, r1, r2, r3);
        return ParseStatus.Ok;
    }

    private static int HexValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };

    private static string Shorten(string s) => s.Length <= 100 ? s : string.Concat(s.AsSpan(0, 100), "...");

    /// <summary>Decimal form.</summary>
    [SkipLocalsInit]
    public override string ToString()
    {
        if (IsUInt64)
        {
            return U0.ToString(CultureInfo.InvariantCulture);
        }
        // 2^256 has 78 decimal digits; peel off 19-digit chunks from the bottom.
        Span<char> buffer = stackalloc char[80];
        int position = buffer.Length;
        UInt256 rest = this;
        while (!rest.IsUInt64)
        {
            ulong chunk = DivideBySmall(in rest, TenPow19, out rest);
            for (int i = 0; i < 19; i++)
            {
                buffer[--position] = (char)('0' + (int)(chunk % 10));
                chunk /= 10;
            }
        }
        ulong top = rest.U0;
        do
        {
            buffer[--position] = (char)('0' + (int)(top % 10));
            top /= 10;
        }
        while (top != 0);
        return new string(buffer[position..]);
    }

    /// <summary>Minimal hexadecimal form, lower case ("0x0" for zero; no prefix when <paramref name="withPrefix"/> is false).</summary>
    [SkipLocalsInit]
    public string ToHexString(bool withPrefix = true)
    {
        int nibbles = Math.Max(1, (BitLength + 3) >> 2);
        Span<char> buffer = stackalloc char[66];
        int position = 0;
        if (withPrefix)
        {
            buffer[position++] = '0';
            buffer[position++] = 'x';
        }
        for (int i = nibbles - 1; i >= 0; i--)
        {
            int nibble = (int)((Limb(i >> 4) >> ((i & 15) * 4)) & 0xF);
            buffer[position++] = (char)(nibble < 10 ? '0' + nibble : 'a' + nibble - 10);
        }
        return new string(buffer[..position]);
    }
}
