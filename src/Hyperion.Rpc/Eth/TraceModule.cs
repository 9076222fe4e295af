using System.Text.Json;
using System.Text.Json.Nodes;
using Hyperion.Chain;
using Hyperion.Core;

namespace Hyperion.Rpc.Eth;

/// <summary>
/// OpenEthereum/Erigon's trace_transaction, trace_block and trace_filter: the flat call traces of
/// <see cref="ParityTracer"/> for mined transactions, re-executed from the state before their block (so only blocks
/// whose parent state is kept can be traced). A proof-of-stake chain pays no block rewards, so there are no reward
/// traces. trace_filter keeps the traces whose action's sender is in fromAddress (when given) and whose recipient (or
/// created contract) is in toAddress (when given), then skips "after" and keeps "count".
/// </summary>
public sealed class TraceModule(IChainReader chain, DebugModule debug) : IRpcModule
{
    /// <summary>Most blocks one trace_filter re-executes.</summary>
    public const ulong MaxFilterBlocks = 1_000;

    private readonly IChainReader _chain = chain ?? throw new ArgumentNullException(nameof(chain));
    private readonly DebugModule _debug = debug ?? throw new ArgumentNullException(nameof(debug));

    public void Register(RpcMethodRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        registry
            .AddExecution("trace_transaction", p =>
            {
                Hash256 hash = EthModule.GetHash(p, 0);
                return _chain.Blocks.TryFindTransaction(hash, out StoredBlock block, out int index)
                    ? new JsonArray([.. TransactionTraces(block, index)])
                    : null;
            })
            .AddExecution("trace_block", p =>
            {
                StoredBlock block = BlockTag.Resolve(_chain.Blocks, p, 0);
                return new JsonArray([.. BlockTraces(block)]);
            })
            .AddExecution("trace_filter", Filter);
    }

    private IEnumerable<JsonObject> TransactionTraces(StoredBlock block, int index)
    {
        var tracer = new ParityTracer();
        _debug.Replay(block, _debug.ParentState(block), index, tracer);
        return tracer.Traces(block, index);
    }

    private IEnumerable<JsonObject> BlockTraces(StoredBlock block) =>
        Enumerable.Range(0, block.Block.Transactions.Length).SelectMany(i => TransactionTraces(block, i));

    private JsonArray Filter(RpcParams p)
    {
        JsonElement filter = p[0];
        if (filter.ValueKind != JsonValueKind.Object)
        {
            throw RpcException.InvalidParams("invalid argument 0: expected a trace filter object");
        }

        ulong head = _chain.Blocks.Head.Number;
        ulong from = Block(filter, "fromBlock", 0, head);
        ulong to = Block(filter, "toBlock", head, head);
        if (from > to)
        {
            throw RpcException.InvalidParams($"invalid argument 0: fromBlock {from} is after toBlock {to}");
        }

        if (to - from >= MaxFilterBlocks)
        {
            throw new RpcException(RpcErrorCodes.LimitExceeded, $"trace_filter spans {to - from + 1} blocks; at most {MaxFilterBlocks}");
        }

        HashSet<string>? fromAddresses = Addresses(filter, "fromAddress");
        HashSet<string>? toAddresses = Addresses(filter, "toAddress");
        ulong after = Count(filter, "after") ?? 0;
        ulong? count = Count(filter, "count");
        var traces = new JsonArray();
        ulong skipped = 0;
        for (ulong number = from; number <= to && (count is null || (ulong)traces.Count < count); number++)
        {
            foreach (JsonObject trace in BlockTraces(_chain.Blocks.GetByNumber(number)!))
            {
                JsonNode action = trace["action"]!;
                string? sender = (action["from"] ?? action["address"])?.GetValue<string>();
                string? recipient = (action["to"] ?? action["refundAddress"] ?? trace["result"]?["address"])?.GetValue<string>();
                if ((fromAddresses is not null && (sender is null || !fromAddresses.Contains(sender)))
                    || (toAddresses is not null && (recipient is null || !toAddresses.Contains(recipient))))
                {
                    continue;
                }

                if (skipped++ < after)
                {
                    continue;
                }

                if (count is not null && (ulong)traces.Count >= count)
                {
                    break;
                }

                traces.Add(trace);
            }
        }

        return traces;
    }

    private static ulong Block(JsonElement filter, string name, ulong absent, ulong head)
    {
        if (!filter.TryGetProperty(name, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
        {
            return absent;
        }

        string? text = value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        if (text is "latest" or "pending" or "safe" or "finalized")
        {
            return head;
        }

        if (text == "earliest")
        {
            return 0;
        }

        try
        {
            ulong number = text is null ? throw new FormatException("expected a block number or tag") : EthJson.ParseQuantity(text);
            return number <= head ? number : throw new FormatException($"block {number} is after the head {head}");
        }
        catch (FormatException e)
        {
            throw RpcException.InvalidParams($"invalid argument 0: {name}: {e.Message}");
        }
    }

    private static HashSet<string>? Addresses(JsonElement filter, string name)
    {
        if (!filter.TryGetProperty(name, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            throw RpcException.InvalidParams($"invalid argument 0: {name}: expected an array of addresses");
        }

        var addresses = new HashSet<string>(StringComparer.Ordinal);
        foreach (JsonElement item in value.EnumerateArray())
        {
            addresses.Add(item.ValueKind == JsonValueKind.String && Address.TryParse(item.GetString(), out Address address)
                ? address.ToString()
                : throw RpcException.InvalidParams($"invalid argument 0: {name}: {item.GetRawText()} is not an address"));
        }

        return addresses;
    }

    private static ulong? Count(JsonElement filter, string name) =>
        !filter.TryGetProperty(name, out JsonElement value) || value.ValueKind == JsonValueKind.Null ? null
        : value.ValueKind == JsonValueKind.Number && value.TryGetUInt64(out ulong n) ? n
        : throw RpcException.InvalidParams($"invalid argument 0: {name}: expected a non-negative number");
}
