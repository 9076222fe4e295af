using System.Globalization;
using Hyperion.Core;

namespace Hyperion.Rpc;

/// <summary>Ethereum JSON-RPC value encodings (QUANTITY and DATA) with geth's strictness on input.</summary>
public static class EthJson
{
    /// <summary>QUANTITY: 0x-prefixed minimal hex, "0x0" for zero.</summary>
    public static string Quantity(ulong value) => "0x" + value.ToString("x", CultureInfo.InvariantCulture);

    /// <summary>Parses a QUANTITY; rejects a missing prefix, empty digits, leading zeros and overflow.</summary>
    public static ulong ParseQuantity(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!text.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            throw new FormatException("hex string without 0x prefix");
        }

        var digits = text.AsSpan(2);
        if (digits.IsEmpty)
        {
            throw new FormatException("hex string \"0x\"");
        }

        if (digits.Length > 1 && digits[0] == '0')
        {
            throw new FormatException("hex number with leading zero digits");
        }

        if (digits.Length > 16)
        {
            throw new FormatException("hex number > 64 bits");
        }

        return ulong.TryParse(digits, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new FormatException("invalid hex string");
    }

    /// <summary>DATA: 0x-prefixed even-length hex.</summary>
    public static string Data(ReadOnlySpan<byte> bytes) => Hex.Encode(bytes);

    public static byte[] ParseData(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!text.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            throw new FormatException("hex string without 0x prefix");
        }

        if ((text.Length & 1) != 0)
        {
            throw new FormatException("hex string of odd length");
        }

        var result = new byte[(text.Length - 2) / 2];
        return Hex.TryDecode(text.AsSpan(2), result, out var written) && written == result.Length
            ? result
            : throw new FormatException("invalid hex string");
    }
}
