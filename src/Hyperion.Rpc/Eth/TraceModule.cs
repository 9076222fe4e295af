using System.Text.Json;
using System.Text.Json.Nodes;
using Hyperion.Chain;
using Hyperion.Core;
using Hyperion.Core.Transactions;
using Hyperion.Execution.Transactions;
using Hyperion.State;
using Hyperion.State.World;

namespace Hyperion.Rpc.Eth;

/// <summary>
/// OpenEthereum/Erigon's trace_transaction, trace_block and trace_filter: the flat call traces of
/// <see cref="ParityTracer"/> for mined transactions, re-executed from the state before their block (so only blocks
/// whose parent state is kept can be traced). A proof-of-stake chain pays no block rewards, so there are no reward
/// traces. trace_filter keeps the traces whose action's sender is in fromAddress (when given) and whose recipient (or
/// created contract) is in toAddress (when given), then skips "after" and keeps "count". trace_call, trace_callMany
/// (each call on the state the ones before it left), trace_replayTransaction and trace_replayBlockTransactions answer
/// {output, stateDiff, trace, vmTrace} for the trace types "trace" and "stateDiff" (<see cref="ParityStateDiff"/>);
/// "vmTrace" is refused as invalid params. A call's state diff comes from running it again as a one-call block after
/// the given one (as debug_traceCall's prestate diff does).
/// </summary>
public sealed class TraceModule(IChainReader chain, DebugModule debug, EthModule eth) : IRpcModule
{
    /// <summary>Most blocks one trace_filter re-executes.</summary>
    public const ulong MaxFilterBlocks = 1_000;

    private readonly IChainReader _chain = chain ?? throw new ArgumentNullException(nameof(chain));
    private readonly DebugModule _debug = debug ?? throw new ArgumentNullException(nameof(debug));
    private readonly EthModule _eth = eth ?? throw new ArgumentNullException(nameof(eth));

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
            .AddExecution("trace_filter", Filter)
            .AddExecution("trace_call", p =>
            {
                // reth's parameters: (call, trace types, block, state overrides, block overrides).
                CallRequest request = CallRequest.Parse(p, 0) with { Overrides = OptionalStateOverrides(p, 3) };
                TraceTypes types = TraceTypes.Parse(p, 1);
                StoredBlock block = BlockTag.Resolve(_chain.Blocks, p, 2);
                if (p.Has(4) && p[4].ValueKind != JsonValueKind.Null)
                {
                    throw RpcException.InvalidParams("invalid argument 4: block overrides are not supported by trace_call (eth_simulateV1 takes them)");
                }

                return Call(request, types, block, _eth.CallState(request, block), out _);
            })
            .AddExecution("trace_callMany", CallMany)
            .AddExecution("trace_replayTransaction", p =>
            {
                Hash256 hash = EthModule.GetHash(p, 0);
                TraceTypes types = TraceTypes.Parse(p, 1);
                return _chain.Blocks.TryFindTransaction(hash, out StoredBlock block, out int index)
                    ? Replayed(block, index, types)
                    : throw new RpcException($"transaction {hash} not found");
            })
            .AddExecution("trace_replayBlockTransactions", p =>
            {
                StoredBlock block = BlockTag.Resolve(_chain.Blocks, p, 0);
                TraceTypes types = TraceTypes.Parse(p, 1);
                var results = new JsonArray();
                for (int i = 0; i < block.Block.Transactions.Length; i++)
                {
                    JsonObject replayed = Replayed(block, i, types);
                    replayed["transactionHash"] = block.Block.Transactions[i].Hash.ToString();
                    results.Add(replayed);
                }

                return results;
            });
    }

    private static StateOverrides? OptionalStateOverrides(RpcParams p, int index) =>
        p.Has(index) && p[index].ValueKind != JsonValueKind.Null ? StateOverrides.Parse(p, index) : null;

    /// <summary>The trace types a trace_call / trace_replay* asks for.</summary>
    private sealed record TraceTypes(bool Trace, bool StateDiff)
    {
        public static TraceTypes Parse(RpcParams p, int index) => Parse(p[index], $"invalid argument {index}");

        public static TraceTypes Parse(System.Text.Json.JsonElement e, string where)
        {
            if (e.ValueKind != JsonValueKind.Array)
            {
                throw RpcException.InvalidParams($"{where}: expected an array of trace types (\"trace\", \"stateDiff\")");
            }

            bool trace = false, stateDiff = false;
            foreach (JsonElement type in e.EnumerateArray())
            {
                switch (type.ValueKind == JsonValueKind.String ? type.GetString() : null)
                {
                    case "trace": trace = true; break;
                    case "stateDiff": stateDiff = true; break;
                    case "vmTrace": throw RpcException.InvalidParams($"{where}: the trace type \"vmTrace\" is not supported by this node (\"trace\" and \"stateDiff\" are)");
                    default: throw RpcException.InvalidParams($"{where}: unknown trace type {type.GetRawText()}");
                }
            }

            return new TraceTypes(trace, stateDiff);
        }
    }

    /// <summary>One call's {output, stateDiff, trace, vmTrace} on <paramref name="state"/>; <paramref name="after"/> is the state it leaves.</summary>
    private JsonObject Call(CallRequest request, TraceTypes types, StoredBlock block, IStateReader state, out IStateReader after)
    {
        ulong gas = _eth.CallGas(request);
        var tracer = new ParityTracer();
        TransactionResult result = _eth.Execute(request, state, block.Header, gas, types.Trace ? tracer : null);
        (Transaction tx, Address sender) = _eth.CallTransaction(request, state, gas);
        StateChangeSet changes = _debug.CallChanges(block.Header, state, tx, sender);
        after = new ChangeSetOverlay(state, changes);
        return Replay(result, types, tracer, changes, state, after);
    }

    private JsonArray CallMany(RpcParams p)
    {
        JsonElement calls = p[0];
        if (calls.ValueKind != JsonValueKind.Array)
        {
            throw RpcException.InvalidParams("invalid argument 0: expected an array of [call, traceTypes] pairs");
        }

        StoredBlock block = BlockTag.Resolve(_chain.Blocks, p, 1);
        var parsed = new List<(CallRequest, TraceTypes)>();
        foreach (JsonElement pair in calls.EnumerateArray())
        {
            string where = $"invalid argument 0[{parsed.Count}]";
            if (pair.ValueKind != JsonValueKind.Array || pair.GetArrayLength() != 2)
            {
                throw RpcException.InvalidParams($"{where}: expected a [call, traceTypes] pair");
            }

            parsed.Add((CallRequest.Parse(pair[0], $"{where}[0]"), TraceTypes.Parse(pair[1], $"{where}[1]")));
        }

        var results = new JsonArray();
        IStateReader state = _chain.StateAt(block.Number) ?? throw new RpcException($"state of block {block.Number} is not kept");
        foreach ((CallRequest request, TraceTypes types) in parsed)
        {
            results.Add(Call(request, types, block, request.Overrides is null ? state : request.Overrides.Over(state), out state));
        }

        return results;
    }

    /// <summary>Mined transaction <paramref name="index"/> of <paramref name="block"/> re-executed: {output, stateDiff, trace, vmTrace}.</summary>
    private JsonObject Replayed(StoredBlock block, int index, TraceTypes types)
    {
        IStateReader parent = _debug.ParentState(block);
        var tracer = new ParityTracer();
        TransactionResult result = _debug.Replay(block, parent, index, tracer);
        if (!types.StateDiff)
        {
            return Replay(result, types, tracer, null, parent, parent);
        }

        IStateReader before = _debug.StateAfter(block, parent, index);
        StateChangeSet changes = _debug.PrefixChanges(block, parent, index + 1);
        return Replay(result, types, tracer, changes, before, new ChangeSetOverlay(parent, changes));
    }

    private static JsonObject Replay(TransactionResult result, TraceTypes types, ParityTracer tracer, StateChangeSet? changes, IStateReader before, IStateReader after) => new()
    {
        ["output"] = Hex.Encode(result.Output.Span),
        ["stateDiff"] = types.StateDiff && changes is not null ? ParityStateDiff.Of(changes, before, after) : null,
        ["trace"] = types.Trace ? new JsonArray([.. tracer.Frames()]) : new JsonArray(),
        ["vmTrace"] = null,
    };

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
