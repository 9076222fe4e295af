using System.Text.Json;
using Hyperion.Core;
using Hyperion.Core.Transactions;

namespace Hyperion.Rpc.Eth;

/// <summary>The transaction object of eth_call, eth_estimateGas and eth_sendTransaction.</summary>
public sealed record CallRequest
{
    public Address? From { get; init; }
    public Address? To { get; init; }
    public ulong? Gas { get; init; }
    public UInt256? GasPrice { get; init; }
    public UInt256? MaxFeePerGas { get; init; }
    public UInt256? MaxPriorityFeePerGas { get; init; }
    public UInt256 Value { get; init; }
    public byte[] Data { get; init; } = [];
    public ulong? Nonce { get; init; }
    public TransactionType? Type { get; init; }
    public AccessListEntry[] AccessList { get; init; } = [];

    /// <summary>State overrides for eth_call/eth_estimateGas (their third parameter); null for none.</summary>
    public StateOverrides? Overrides { get; init; }

    public static CallRequest Parse(RpcParams parameters, int index) => Parse(parameters[index], $"invalid argument {index}");

    /// <summary>Parses <paramref name="e"/>; errors are invalid params starting with <paramref name="where"/> (which argument, and where in it).</summary>
    public static CallRequest Parse(JsonElement e, string where)
    {
        if (e.ValueKind != JsonValueKind.Object)
        {
            throw RpcException.InvalidParams($"{where}: expected a transaction object");
        }

        try
        {
            byte[]? input = OptionalData(e, "input");
            byte[]? data = OptionalData(e, "data");
            if (input is not null && data is not null && !input.AsSpan().SequenceEqual(data))
            {
                throw new FormatException("both \"data\" and \"input\" are set and not equal. Please use \"input\" to pass transaction call data");
            }

            UInt256? gasPrice = OptionalUInt256(e, "gasPrice");
            UInt256? maxFee = OptionalUInt256(e, "maxFeePerGas");
            UInt256? maxPriorityFee = OptionalUInt256(e, "maxPriorityFeePerGas");
            if (gasPrice is not null && (maxFee is not null || maxPriorityFee is not null))
            {
                throw new FormatException("both gasPrice and (maxFeePerGas or maxPriorityFeePerGas) specified");
            }

            if (maxFee is UInt256 fee && maxPriorityFee is UInt256 tip && tip > fee)
            {
                throw new FormatException($"maxFeePerGas ({fee}) < maxPriorityFeePerGas ({tip})");
            }

            return new CallRequest
            {
                From = OptionalAddress(e, "from"),
                To = OptionalAddress(e, "to"),
                Gas = OptionalQuantity(e, "gas"),
                GasPrice = gasPrice,
                MaxFeePerGas = maxFee,
                MaxPriorityFeePerGas = maxPriorityFee,
                Value = OptionalUInt256(e, "value") ?? UInt256.Zero,
                Data = input ?? data ?? [],
                Nonce = OptionalQuantity(e, "nonce"),
                Type = OptionalQuantity(e, "type") is ulong t ? (TransactionType)t : null,
                AccessList = ParseAccessList(e),
            };
        }
        catch (FormatException ex)
        {
            throw RpcException.InvalidParams($"{where}: {ex.Message}");
        }
    }

    /// <summary>
    /// A member given as a JSON string; absent or null is none. Any other JSON type is refused, never read as a default
    /// (<c>"value":true</c> or <c>"gas":{}</c> must not become 0).
    /// </summary>
    private static string? OptionalString(JsonElement e, string name)
    {
        if (!e.TryGetProperty(name, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String
            ? RpcDispatcher.ReadStringReplacingLoneSurrogates(value)
            : throw new FormatException($"{name}: expected a hex string, got {value.GetRawText()}");
    }

    private static Address? OptionalAddress(JsonElement e, string name) =>
        OptionalString(e, name) is not string text ? null
        : text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) && Address.TryParse(text, out Address address) ? address
        : throw new FormatException($"{name}: '{text}' is not a 0x-prefixed 20-byte address");

    private static byte[]? OptionalData(JsonElement e, string name)
    {
        if (!e.TryGetProperty(name, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String
            ? EthJson.ParseData(value)
            : throw new FormatException($"{name}: expected a hex string, got {value.GetRawText()}");
    }

    private static ulong? OptionalQuantity(JsonElement e, string name) =>
        OptionalString(e, name) is string text ? EthJson.ParseQuantity(text) : null;

    private static UInt256? OptionalUInt256(JsonElement e, string name)
    {
        if (OptionalString(e, name) is not string text)
        {
            return null;
        }

        return text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) && UInt256.TryParse(text, out UInt256 parsed)
            ? parsed
            : throw new FormatException($"{name}: '{text}' is not a hex quantity");
    }

    private static AccessListEntry[] ParseAccessList(JsonElement e)
    {
        if (!e.TryGetProperty("accessList", out JsonElement list) || list.ValueKind == JsonValueKind.Null)
        {
            return [];
        }

        if (list.ValueKind != JsonValueKind.Array)
        {
            throw new FormatException($"accessList: expected an array, got {list.GetRawText()}");
        }

        var entries = new List<AccessListEntry>();
        foreach (JsonElement item in list.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException($"accessList: expected entries with address and storageKeys, got {item.GetRawText()}");
            }

            Address address = OptionalAddress(item, "address") ?? throw new FormatException("accessList entry without address");
            var keys = new List<Hash256>();
            if (item.TryGetProperty("storageKeys", out JsonElement keyList) && keyList.ValueKind != JsonValueKind.Null)
            {
                if (keyList.ValueKind != JsonValueKind.Array)
                {
                    throw new FormatException($"accessList storageKeys: expected an array, got {keyList.GetRawText()}");
                }

                foreach (JsonElement key in keyList.EnumerateArray())
                {
                    keys.Add(key.ValueKind == JsonValueKind.String && Hash256.TryParse(key.GetString(), out Hash256 hash) ? hash : throw new FormatException("accessList storage key is not 32 bytes"));
                }
            }

            entries.Add(new AccessListEntry(address, [.. keys]));
        }

        return [.. entries];
    }
}
