using System.Text;
using System.Text.Json;
using Hyperion.Core;
using Hyperion.Core.Crypto;

namespace Hyperion.Rpc.Eth;

/// <summary>
/// EIP-712 typed structured data hashing (the encoding of eth_signTypedData_v4): the signing digest is
/// keccak256(0x1901 ‖ hashStruct(EIP712Domain, domain) ‖ hashStruct(primaryType, message)).
/// </summary>
public static class TypedData
{
    /// <summary>The digest to sign for the typed-data JSON object; <see cref="FormatException"/> for malformed data.</summary>
    public static Hash256 SigningHash(JsonElement typedData)
    {
        if (typedData.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException("typed data must be an object");
        }

        JsonElement types = Member(typedData, "types", JsonValueKind.Object);
        string primaryType = Member(typedData, "primaryType", JsonValueKind.String).GetString()!;
        JsonElement domain = Member(typedData, "domain", JsonValueKind.Object);
        JsonElement message = Member(typedData, "message", JsonValueKind.Object);
        byte[] buffer = new byte[66];
        buffer[0] = 0x19;
        buffer[1] = 0x01;
        HashStruct(types, "EIP712Domain", domain, 0).Bytes.CopyTo(buffer.AsSpan(2));
        HashStruct(types, primaryType, message, 0).Bytes.CopyTo(buffer.AsSpan(34));
        return Keccak256.Hash(buffer);
    }

    /// <summary>hashStruct(s) = keccak256(typeHash ‖ encodeData(s)).</summary>
    public static Hash256 HashStruct(JsonElement types, string type, JsonElement value, int depth)
    {
        if (depth > 32)
        {
            throw new FormatException("typed data nests too deeply");
        }

        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException($"value of struct {type} must be an object");
        }

        var encoded = new List<byte>(32 * 8);
        encoded.AddRange(Keccak256.Hash(Encoding.UTF8.GetBytes(EncodeType(types, type))).Bytes.ToArray());
        foreach ((string name, string fieldType) in Fields(types, type))
        {
            if (!value.TryGetProperty(name, out JsonElement field))
            {
                throw new FormatException($"{type}.{name} is missing");
            }

            encoded.AddRange(EncodeValue(types, fieldType, field, depth));
        }

        return Keccak256.Hash(encoded.ToArray());
    }

    /// <summary>encodeType: the primary type's signature followed by those of the struct types it references, sorted by name.</summary>
    public static string EncodeType(JsonElement types, string type)
    {
        var referenced = new SortedSet<string>(StringComparer.Ordinal);
        CollectReferences(types, type, referenced);
        referenced.Remove(type);
        var text = new StringBuilder();
        foreach (string t in (IEnumerable<string>)[type, .. referenced])
        {
            text.Append(t).Append('(').AppendJoin(',', Fields(types, t).Select(f => f.Type + " " + f.Name)).Append(')');
        }

        return text.ToString();
    }

    private static void CollectReferences(JsonElement types, string type, SortedSet<string> found)
    {
        if (!found.Add(type))
        {
            return;
        }

        foreach ((_, string fieldType) in Fields(types, type))
        {
            string baseType = fieldType.Split('[')[0];
            if (types.TryGetProperty(baseType, out _))
            {
                CollectReferences(types, baseType, found);
            }
        }
    }

    private static List<(string Name, string Type)> Fields(JsonElement types, string type)
    {
        if (!types.TryGetProperty(type, out JsonElement fields) || fields.ValueKind != JsonValueKind.Array)
        {
            throw new FormatException($"type {type} is not defined");
        }

        var result = new List<(string, string)>();
        foreach (JsonElement field in fields.EnumerateArray())
        {
            if (field.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException($"fields of {type} must be objects");
            }

            result.Add((Member(field, "name", JsonValueKind.String).GetString()!, Member(field, "type", JsonValueKind.String).GetString()!));
        }

        return result;
    }

    private static byte[] EncodeValue(JsonElement types, string type, JsonElement value, int depth)
    {
        if (type.EndsWith(']'))
        {
            // Arrays: keccak256 of the concatenated encodings of the elements.
            int open = type.LastIndexOf('[');
            string elementType = type[..open];
            string length = type[(open + 1)..^1];
            if (value.ValueKind != JsonValueKind.Array)
            {
                throw new FormatException($"value of {type} must be an array");
            }

            if (length.Length > 0 && (!int.TryParse(length, out int n) || n != value.GetArrayLength()))
            {
                throw new FormatException($"value of {type} must have {length} elements");
            }

            var concatenated = new List<byte>();
            foreach (JsonElement element in value.EnumerateArray())
            {
                concatenated.AddRange(EncodeValue(types, elementType, element, depth + 1));
            }

            return Keccak256.Hash(concatenated.ToArray()).Bytes.ToArray();
        }

        if (types.TryGetProperty(type, out _))
        {
            return HashStruct(types, type, value, depth + 1).Bytes.ToArray();
        }

        var word = new byte[32];
        switch (type)
        {
            case "string":
                return Keccak256.Hash(Encoding.UTF8.GetBytes(Text(value, type))).Bytes.ToArray();
            case "bytes":
                return Keccak256.Hash(EthJson.ParseData(Text(value, type))).Bytes.ToArray();
            case "bool":
                word[31] = value.ValueKind switch
                {
                    JsonValueKind.True => 1,
                    JsonValueKind.False => 0,
                    _ => throw new FormatException("bool value must be true or false"),
                };
                return word;
            case "address":
                if (!Address.TryParse(Text(value, type), out Address address))
                {
                    throw new FormatException($"'{value}' is not an address");
                }

                address.Bytes.CopyTo(word.AsSpan(12));
                return word;
        }

        if (type.StartsWith("bytes", StringComparison.Ordinal) && int.TryParse(type.AsSpan(5), out int size) && size is >= 1 and <= 32)
        {
            byte[] bytes = EthJson.ParseData(Text(value, type));
            if (bytes.Length > size)
            {
                throw new FormatException($"{type} value is {bytes.Length} bytes");
            }

            bytes.CopyTo(word, 0);
            return word;
        }

        if ((type.StartsWith("uint", StringComparison.Ordinal) || type.StartsWith("int", StringComparison.Ordinal)))
        {
            Integer(value, type).WriteBigEndian(word);
            return word;
        }

        throw new FormatException($"unknown type {type}");
    }

    /// <summary>An integer given as a JSON number or a decimal/hex string; negative values as 256-bit two's complement.</summary>
    private static UInt256 Integer(JsonElement value, string type)
    {
        string text = value.ValueKind switch
        {
            JsonValueKind.Number => value.GetRawText(),
            JsonValueKind.String => value.GetString()!,
            _ => throw new FormatException($"{type} value must be a number or a string"),
        };
        bool negative = text.StartsWith('-');
        if (negative && type.StartsWith('u'))
        {
            throw new FormatException($"{type} value is negative");
        }

        if (!UInt256.TryParse(negative ? text[1..] : text, out UInt256 magnitude))
        {
            throw new FormatException($"'{text}' is not a {type}");
        }

        return negative ? UInt256.Zero - magnitude : magnitude;
    }

    private static string Text(JsonElement value, string type) =>
        value.ValueKind == JsonValueKind.String ? value.GetString()! : throw new FormatException($"{type} value must be a string");

    private static JsonElement Member(JsonElement e, string name, JsonValueKind kind) =>
        e.TryGetProperty(name, out JsonElement m) && m.ValueKind == kind ? m : throw new FormatException($"'{name}' is missing or not a {kind.ToString().ToLowerInvariant()}");
}
