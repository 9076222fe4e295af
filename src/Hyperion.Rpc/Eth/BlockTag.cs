using System.Text.Json;
using Hyperion.Chain;
using Hyperion.Core;

namespace Hyperion.Rpc.Eth;

/// <summary>Resolves a block parameter: a tag (latest, pending, safe, finalized, earliest), a number, or EIP-1898 {blockHash|blockNumber}.</summary>
public static class BlockTag
{
    public static StoredBlock Resolve(IBlockReader store, RpcParams parameters, int index)
    {
        if (!parameters.Has(index))
        {
            return store.Head;
        }

        JsonElement element = parameters[index];
        if (element.ValueKind == JsonValueKind.Object)
        {
            if (element.TryGetProperty("blockHash", out JsonElement hashElement))
            {
                if (hashElement.ValueKind != JsonValueKind.String || !Hash256.TryParse(hashElement.GetString(), out Hash256 hash))
                {
                    throw RpcException.InvalidParams($"invalid argument {index}: blockHash is not a 32-byte hash");
                }

                return store.GetByHash(hash) ?? throw new RpcException($"header for hash {hash} not found");
            }

            if (element.TryGetProperty("blockNumber", out JsonElement numberElement) && numberElement.ValueKind == JsonValueKind.String)
            {
                return ResolveText(store, numberElement.GetString()!, index);
            }

            throw RpcException.InvalidParams($"invalid argument {index}: expected blockHash or blockNumber");
        }

        if (element.ValueKind != JsonValueKind.String)
        {
            throw RpcException.InvalidParams($"invalid argument {index}: expected a block number or tag");
        }

        return ResolveText(store, element.GetString()!, index);
    }

    /// <summary>The block number a tag or number names, without requiring the block to exist (for ranges).</summary>
    public static ulong ResolveNumber(IBlockReader store, string text, int index) => text switch
    {
        "latest" or "pending" => store.Head.Number,
        "safe" => Math.Min(store.Heads?.Safe ?? ulong.MaxValue, store.Head.Number),
        "finalized" => Math.Min(store.Heads?.Finalized ?? ulong.MaxValue, store.Head.Number),
        "earliest" => 0,
        _ => ParseNumber(text, index),
    };

    private static StoredBlock ResolveText(IBlockReader store, string text, int index)
    {
        ulong number = ResolveNumber(store, text, index);
        return store.GetByNumber(number) ?? throw new RpcException($"block {number} not found (head is {store.Head.Number})");
    }

    private static ulong ParseNumber(string text, int index)
    {
        try
        {
            return EthJson.ParseQuantity(text);
        }
        catch (FormatException e)
        {
            throw RpcException.InvalidParams($"invalid argument {index}: {e.Message}");
        }
    }
}
