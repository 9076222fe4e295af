using System.Text.Json;
using System.Text.Json.Nodes;
using Hyperion.Chain;
using Hyperion.Core;

namespace Hyperion.Rpc.Eth;

/// <summary>
/// A log filter (eth_getLogs, eth_newFilter, logs subscriptions): block range or block hash, addresses, and per
/// position a set of accepted topics (empty = any). Blocks are skipped by their bloom before logs are read.
/// </summary>
public sealed class LogFilter
{
    public string FromBlock { get; init; } = "latest";
    public string ToBlock { get; init; } = "latest";
    public Hash256? BlockHash { get; init; }
    public IReadOnlyList<Address> Addresses { get; init; } = [];
    public IReadOnlyList<IReadOnlyList<Hash256>> Topics { get; init; } = [];

    public static LogFilter Parse(RpcParams parameters, int index, IBlockReader store)
    {
        JsonElement e = parameters.Has(index) ? parameters[index] : default;
        if (e.ValueKind == JsonValueKind.Undefined)
        {
            return new LogFilter();
        }

        if (e.ValueKind != JsonValueKind.Object)
        {
            throw RpcException.InvalidParams($"invalid argument {index}: expected a filter object");
        }

        Hash256? blockHash = null;
        if (Present(e, "blockHash", out JsonElement hashElement))
        {
            blockHash = hashElement.ValueKind == JsonValueKind.String && Hash256.TryParse(hashElement.GetString(), out Hash256 h)
                ? h
                : throw RpcException.InvalidParams($"invalid blockHash {hashElement.GetRawText()}: expected a 32-byte hex string");
            if (e.TryGetProperty("fromBlock", out _) || e.TryGetProperty("toBlock", out _))
            {
                throw RpcException.InvalidParams("cannot specify both BlockHash and FromBlock/ToBlock, choose one or the other");
            }
        }

        var addresses = new List<Address>();
        if (Present(e, "address", out JsonElement address))
        {
            if (address.ValueKind == JsonValueKind.String)
            {
                addresses.Add(ParseAddress(address));
            }
            else if (address.ValueKind == JsonValueKind.Array)
            {
                addresses.AddRange(address.EnumerateArray().Select(ParseAddress));
            }
            else
            {
                // Ignoring it would match every log.
                throw RpcException.InvalidParams($"invalid address {address.GetRawText()}: expected an address or an array of addresses");
            }
        }

        var topics = new List<IReadOnlyList<Hash256>>();
        if (Present(e, "topics", out JsonElement topicList))
        {
            if (topicList.ValueKind != JsonValueKind.Array)
            {
                throw RpcException.InvalidParams($"invalid topics {topicList.GetRawText()}: expected an array of topics, nulls or arrays of topics");
            }

            if (topicList.GetArrayLength() > 4)
            {
                throw RpcException.InvalidParams("too many topics: at most 4 positions");
            }

            foreach (JsonElement position in topicList.EnumerateArray())
            {
                topics.Add(position.ValueKind switch
                {
                    JsonValueKind.Null => [],
                    JsonValueKind.String => [ParseTopic(position)],
                    JsonValueKind.Array => [.. position.EnumerateArray().Where(t => t.ValueKind != JsonValueKind.Null).Select(ParseTopic)],
                    _ => throw RpcException.InvalidParams($"invalid topic {position.GetRawText()}: expected a topic, null or an array of topics"),
                });
            }
        }

        return new LogFilter
        {
            FromBlock = BlockTagText(e, "fromBlock"),
            ToBlock = BlockTagText(e, "toBlock"),
            BlockHash = blockHash,
            Addresses = addresses,
            Topics = topics,
        };
    }

    /// <summary>Matching logs in the filter's range, oldest first.</summary>
    /// <exception cref="RpcException">The range or the result count is beyond <paramref name="limits"/> (-32005, naming the limit).</exception>
    public IEnumerable<JsonObject> Query(IBlockReader store, LogQueryLimits limits)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(limits);
        var results = new List<JsonObject>();
        if (BlockHash is Hash256 hash)
        {
            StoredBlock block = store.GetByHash(hash) ?? throw new RpcException("unknown block");
            AddBounded(results, block, limits);
            return results;
        }

        ulong from = BlockTag.ResolveNumber(store, FromBlock, 0);
        ulong to = Math.Min(BlockTag.ResolveNumber(store, ToBlock, 0), store.Head.Number);
        if (from > to)
        {
            return [];
        }

        if (to - from >= limits.MaxBlockRange)
        {
            throw new RpcException(RpcErrorCodes.LimitExceeded, $"block range too large: {to - from + 1} blocks, limit {limits.MaxBlockRange}");
        }

        for (ulong n = from; n <= to; n++)
        {
            AddBounded(results, store.GetByNumber(n)!, limits);
        }

        return results;
    }

    /// <summary>Stops at the first log past the limit, so an oversized answer is never built.</summary>
    private void AddBounded(List<JsonObject> results, StoredBlock block, LogQueryLimits limits)
    {
        foreach (JsonObject log in Matching(block))
        {
            if (results.Count >= limits.MaxResults)
            {
                throw new RpcException(RpcErrorCodes.LimitExceeded,
                    $"query returned more than {limits.MaxResults} results; narrow the block range or the addresses and topics");
            }

            results.Add(log);
        }
    }

    /// <summary>The block's logs that match (address and topics; the range is the caller's concern).</summary>
    public IEnumerable<JsonObject> Matching(StoredBlock block)
    {
        if (!MayMatch(block))
        {
            yield break;
        }

        int logIndex = 0;
        for (int i = 0; i < block.Receipts.Count; i++)
        {
            foreach (Log log in block.Receipts[i].Logs)
            {
                if (Matches(log))
                {
                    yield return EthFormat.Log(log, block, i, logIndex);
                }

                logIndex++;
            }
        }
    }

    public bool Matches(Log log)
    {
        if (Addresses.Count > 0 && !Addresses.Contains(log.Address))
        {
            return false;
        }

        for (int position = 0; position < Topics.Count; position++)
        {
            IReadOnlyList<Hash256> accepted = Topics[position];
            if (accepted.Count == 0)
            {
                continue;
            }

            if (position >= log.Topics.Count || !accepted.Contains(log.Topics[position]))
            {
                return false;
            }
        }

        return true;
    }

    private bool MayMatch(StoredBlock block)
    {
        Bloom bloom = block.Header.LogsBloom;
        if (Addresses.Count > 0 && !Addresses.Any(a => bloom.Contains(a)))
        {
            return false;
        }

        return Topics.All(accepted => accepted.Count == 0 || accepted.Any(t => bloom.Contains(t)));
    }

    /// <summary>A member that is there and not null.</summary>
    private static bool Present(JsonElement e, string name, out JsonElement value) =>
        e.TryGetProperty(name, out value) && value.ValueKind != JsonValueKind.Null;

    /// <summary>fromBlock/toBlock: a string (number or tag, resolved later); absent or null is "latest"; anything else is refused, not read as "latest".</summary>
    private static string BlockTagText(JsonElement e, string name)
    {
        if (!Present(e, name, out JsonElement value))
        {
            return "latest";
        }

        return value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw RpcException.InvalidParams($"invalid {name} {value.GetRawText()}: expected a block number or tag as a string");
    }

    private static Address ParseAddress(JsonElement e) =>
        e.ValueKind == JsonValueKind.String && e.GetString() is string text && text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) && Address.TryParse(text, out Address a)
            ? a
            : throw RpcException.InvalidParams($"invalid address {e.GetRawText()}: expected a 0x-prefixed 20-byte hex string");

    private static Hash256 ParseTopic(JsonElement e) =>
        e.ValueKind == JsonValueKind.String && e.GetString() is string text && text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) && Hash256.TryParse(text, out Hash256 h)
            ? h
            : throw RpcException.InvalidParams($"invalid topic {e.GetRawText()}: expected a 0x-prefixed 32-byte hex string");
}

/// <summary>Bounds on one log query (eth_getLogs, eth_getFilterLogs): blocks scanned and logs returned.</summary>
public sealed record LogQueryLimits(ulong MaxBlockRange, int MaxResults)
{
    /// <summary>10,000 blocks and 10,000 logs, as public providers bound eth_getLogs.</summary>
    public static readonly LogQueryLimits Default = new(10_000, 10_000);
}
