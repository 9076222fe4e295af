using System.Collections;
using System.Globalization;
using System.Numerics;
using System.Text.Json;

namespace Hyperion.Alith;

/// <summary>Converts between JSON (what a model or an MCP client sends) and the values Nethereum encodes for ABI types.</summary>
public static class AbiValues
{
    /// <summary>The JSON schema of one ABI type; integers are decimal strings (they exceed JSON numbers). Null: unsupported (tuples).</summary>
    public static Dictionary<string, object>? Schema(string type)
    {
        ArgumentNullException.ThrowIfNull(type);
        if (type.EndsWith(']'))
        {
            Dictionary<string, object>? items = Schema(type[..type.LastIndexOf('[')]);
            return items is null ? null : new Dictionary<string, object> { ["type"] = "array", ["items"] = items };
        }

        return type switch
        {
            "bool" => new() { ["type"] = "boolean" },
            "string" => new() { ["type"] = "string" },
            "address" => new() { ["type"] = "string", ["pattern"] = "^0x[0-9a-fA-F]{40}$", ["description"] = "an address, 0x and 40 hex digits" },
            _ when type.StartsWith("uint", StringComparison.Ordinal) || type.StartsWith("int", StringComparison.Ordinal) =>
                new() { ["type"] = "string", ["pattern"] = "^-?[0-9]+$", ["description"] = $"{type} as a decimal string" },
            _ when type.StartsWith("bytes", StringComparison.Ordinal) =>
                new() { ["type"] = "string", ["pattern"] = "^0x([0-9a-fA-F]{2})*$", ["description"] = $"{type} as 0x-prefixed hex" },
            _ => null,
        };
    }

    /// <summary>A JSON argument as the value Nethereum encodes for <paramref name="type"/>; clear errors on bad input.</summary>
    public static object FromJson(string name, string type, JsonElement value)
    {
        ArgumentNullException.ThrowIfNull(type);
        try
        {
            if (type.EndsWith(']'))
            {
                if (value.ValueKind != JsonValueKind.Array) throw new FormatException("expected a JSON array");
                string element = type[..type.LastIndexOf('[')];
                return value.EnumerateArray().Select(v => FromJson(name, element, v)).ToList();
            }

            string text = value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText();
            return type switch
            {
                "bool" => value.ValueKind switch
                {
                    JsonValueKind.True => true,
                    JsonValueKind.False => false,
                    _ => bool.Parse(text),
                },
                "string" => value.ValueKind == JsonValueKind.String ? text : throw new FormatException("expected a string"),
                "address" => IsAddress(text) ? text : throw new FormatException("expected 0x and 40 hex digits"),
                _ when type.StartsWith("uint", StringComparison.Ordinal) || type.StartsWith("int", StringComparison.Ordinal) =>
                    BigInteger.Parse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture),
                _ when type.StartsWith("bytes", StringComparison.Ordinal) => Hex(text),
                _ => throw new NotSupportedException($"ABI type {type} is not supported"),
            };
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException or OverflowException)
        {
            throw new ArgumentException($"argument '{name}' ({type}): {value.GetRawText()} is not valid: {e.Message}", name, e);
        }
    }

    /// <summary>A decoded ABI value as JSON-friendly data: integers as decimal strings, bytes as hex.</summary>
    public static object? ToPlain(object? value) => value switch
    {
        null => null,
        BigInteger b => b.ToString(CultureInfo.InvariantCulture),
        byte[] bytes => "0x" + Convert.ToHexStringLower(bytes),
        string or bool => value,
        IEnumerable items => items.Cast<object?>().Select(ToPlain).ToList(),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture),
    };

    private static readonly System.Buffers.SearchValues<char> HexDigits = System.Buffers.SearchValues.Create("0123456789abcdefABCDEF");

    public static bool IsAddress(string text) =>
        text is { Length: 42 } && text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) && !text.AsSpan(2).ContainsAnyExcept(HexDigits);

    public static byte[] Hex(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)) throw new FormatException("hex must start with 0x");
        return Convert.FromHexString(text.AsSpan(2));
    }
}
