using System.Globalization;

namespace Hyperion.Inference.Numerics;

/// <summary>Integer-only fixed-point helpers for the consensus inference path (no float/double).</summary>
public static class FixedPoint
{
    /// <summary>Number of fractional bits of a Q16.16 value.</summary>
    public const int Q16FractionBits = 16;

    /// <summary>
    /// Parses a non-negative decimal string ("0.9", "1", "0.95") into Q16.16, rounding half up,
    /// using integer arithmetic only so no binary floating-point rounding ever enters the consensus path.
    /// </summary>
    /// <exception cref="FormatException">Empty string, sign, exponent, junk characters, or value ≥ 32768.</exception>
    public static int ParseDecimalQ16(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length == 0) throw new FormatException("Empty decimal.");
        int dot = text.IndexOf('.', StringComparison.Ordinal);
        ReadOnlySpan<char> integerPart = dot < 0 ? text : text.AsSpan(0, dot);
        ReadOnlySpan<char> fractionPart = dot < 0 ? [] : text.AsSpan(dot + 1);
        if (integerPart.Length == 0 && fractionPart.Length == 0)
            throw new FormatException($"'{text}' is not a decimal number.");

        long whole = 0;
        foreach (char c in integerPart)
        {
            whole = whole * 10 + Digit(c, text);
            if (whole >= 1 << 15) throw new FormatException($"'{text}' is too large for Q16.16 (max 32767.99998).");
        }

        // Q16 fraction = floor(digits * 2^16 / 10^n + 1/2). Rounding boundaries (odd multiples of 2^-17) have at
        // most 17 decimal digits, so digits past the 18th can never move the result: keep 18, in UInt128.
        UInt128 digits = 0, scale = 1;
        for (int i = 0; i < fractionPart.Length; i++)
        {
            int d = Digit(fractionPart[i], text);
            if (i < 18)
            {
                digits = digits * 10 + (uint)d;
                scale *= 10;
            }
        }
        long fractionQ16 = (long)(((digits << Q16FractionBits) + scale / 2) / scale);
        long result = (whole << Q16FractionBits) + fractionQ16;
        if (result > int.MaxValue) throw new FormatException($"'{text}' is too large for Q16.16.");
        return (int)result;
    }

    /// <summary>Floor of the square root of <paramref name="value"/> (exact, integer Newton iteration).</summary>
    public static ulong IntegerSqrt(ulong value)
    {
        if (value < 2) return value;
        // Initial guess ≥ sqrt(value): 2^ceil(bits/2).
        int bits = 64 - System.Numerics.BitOperations.LeadingZeroCount(value);
        ulong x = 1UL << ((bits + 1) / 2);
        while (true)
        {
            ulong y = (x + value / x) >> 1;
            if (y >= x) return x;
            x = y;
        }
    }

    /// <summary>Formats a Q16.16 value exactly as a decimal (every Q16.16 value has a finite decimal expansion).</summary>
    public static string FormatQ16(int value)
    {
        bool negative = value < 0;
        long magnitude = Math.Abs((long)value);
        long whole = magnitude >> Q16FractionBits;
        long fraction = magnitude & 0xFFFF;
        // fraction / 2^16 = fraction * 5^16 / 10^16: exact with 16 decimal digits.
        long decimalDigits = fraction * 152587890625L;
        string fractionText = decimalDigits.ToString("D16", CultureInfo.InvariantCulture).TrimEnd('0');
        string text = fractionText.Length == 0
            ? whole.ToString(CultureInfo.InvariantCulture)
            : whole.ToString(CultureInfo.InvariantCulture) + "." + fractionText;
        return negative ? "-" + text : text;
    }

    private static int Digit(char c, string text) =>
        c is >= '0' and <= '9' ? c - '0' : throw new FormatException($"'{text}' is not a plain decimal number (digits and one '.').");
}
