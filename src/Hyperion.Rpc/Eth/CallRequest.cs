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

    public static CallRequest Parse(RpcParams parameters, int index)
    {
        JsonElement e = parameters[index];
        if (e.ValueKind != JsonValueKind.Object)
        {
            throw RpcException.InvalidParams($"invalid argument {index}: expected a transaction object");
        }

        try
        {
            byte[] data = e.TryGetProperty("input", out JsonElement input) && input.ValueKind == JsonValueKind.String ? EthJson.ParseData(input.GetString()!)
                : e.TryGetProperty("data", out JsonElement d) && d.ValueKind == JsonValueKind.String ? EthJson.ParseData(d.GetString()!) : [];
            return new CallRequest
            {
                From = OptionalAddress(e, "from"),
                To = OptionalAddress(e, "to"),
                Gas = OptionalQuantity(e, "gas"),
                GasPrice = OptionalUInt256(e, "gasPrice"),
                MaxFeePerGas = OptionalUInt256(e, "maxFeePerGas"),
                MaxPriorityFeePerGas = OptionalUInt256(e, "maxPriorityFeePerGas"),
                Value = OptionalUInt256(e, "value") ?? UInt256.Zero,
                Data = data,
                Nonce = OptionalQuantity(e, "nonce"),
                Type = OptionalQuantity(e, "type") is ulong t ? (TransactionType)t : null,
                AccessList = ParseAccessList(e),
            };
        }
        catch (FormatException ex)
        {
            throw RpcException.InvalidParams($"invalid argument {index}: {ex.Message}");
        }
    }

    private static Address? OptionalAddress(JsonElement e, string name)
    {
        if (!e.TryGetProperty(name, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return Address.TryParse(value.GetString(), out Address address) ? address : throw new FormatException($"{name} is not an address");
    }

    private static ulong? OptionalQuantity(JsonElement e, string name) =>
        e.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String ? EthJson.ParseQuantity(value.GetString()!) : null;

    private static UInt256? OptionalUInt256(JsonElement e, string name)
    {
        if (!e.TryGetProperty(name, out JsonElement value) || value.ValueKind != JsonValueKind.String)
        {
            return null;
        }

        string text = value.GetString()!;
        return text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) && UInt256.TryParse(text, out UInt256 parsed)
            ? parsed
            : throw new FormatException($"{name}: '{text}' is not a hex quantity");
    }

    private static AccessListEntry[] ParseAccessList(JsonElement e)
    {
        if (!e.TryGetProperty("accessList", out JsonElement list) || list.ValueKind != JsonValueKind.Array)
        {
            return [];
        }

        var entries = new List<AccessListEntry>();
        foreach (JsonElement item in list.EnumerateArray())
        {
            Address address = OptionalAddress(item, "address") ?? throw new FormatException("accessList entry without address");
            var keys = new List<Hash256>();
            if (item.TryGetProperty("storageKeys", out JsonElement keyList) && keyList.ValueKind == JsonValueKind.Array)
            {
                foreach (JsonElement key in keyList.EnumerateArray())
                {
                    keys.Add(Hash256.TryParse(key.GetString(), out Hash256 hash) ? hash : throw new FormatException("accessList storage key is not 32 bytes"));
                }
            }

            entries.Add(new AccessListEntry(address, [.. keys]));
        }

        return [.. entries];
    }
}
