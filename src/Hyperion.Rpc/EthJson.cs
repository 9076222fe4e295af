using System.Buffers;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
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
        byte[] result = DataBuffer(text.Length, text.StartsWith("0x", StringComparison.OrdinalIgnoreCase));
        return Decoded(Convert.FromHexString(text.AsSpan(2), result, out _, out int written), written, result);
    }

    /// <summary>
    /// DATA from a JSON string, decoded from its UTF-8 text in place (a contract's code in a state override is tens of
    /// kilobytes: no UTF-16 copy of it); a string with escapes is read as text first.
    /// </summary>
    public static byte[] ParseData(JsonElement element)
    {
        ReadOnlySpan<byte> quoted = JsonMarshal.GetRawUtf8Value(element);
        if (element.ValueKind != JsonValueKind.String || quoted.Length < 2)
        {
            throw new FormatException("expected a hex string");
        }

        ReadOnlySpan<byte> text = quoted[1..^1];
        if (text.Contains((byte)'\\'))
        {
            return ParseData(RpcDispatcher.ReadStringReplacingLoneSurrogates(element));
        }

        byte[] result = DataBuffer(text.Length, text.Length >= 2 && text[0] == '0' && (text[1] | 0x20) == 'x');
        return Decoded(Convert.FromHexString(text[2..], result, out _, out int written), written, result);
    }

    /// <summary>The bytes <paramref name="length"/> characters of 0x-prefixed hex decode to; geth's errors when they cannot.</summary>
    private static byte[] DataBuffer(int length, bool prefixed) =>
        !prefixed ? throw new FormatException("hex string without 0x prefix")
        : (length & 1) != 0 ? throw new FormatException("hex string of odd length")
        : new byte[(length - 2) / 2];

    private static byte[] Decoded(OperationStatus status, int written, byte[] result) =>
        status == OperationStatus.Done && written == result.Length ? result : throw new FormatException("invalid hex string");
}
