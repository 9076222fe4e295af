using System.Text.Json.Nodes;
using Hyperion.Chain;
using Hyperion.Core;
using Hyperion.Evm.Tracing;

namespace Hyperion.Rpc.Eth;

/// <summary>
/// The flat call traces of OpenEthereum/Erigon's trace_* methods: one entry per frame in execution order, each with its
/// action (call: callType, from, to, gas, input, value; create: from, gas, init, value, creationMethod; suicide:
/// address, refundAddress, balance), its result (gasUsed and output, or address and code for a creation) or its error
/// ("Reverted" for a revert), subtraces and traceAddress. Gas is as the frames saw it: the top frame's gas is the
/// transaction's after intrinsic gas, its gasUsed excludes refunds.
/// </summary>
public sealed class ParityTracer : FrameTracer
{
    private readonly List<JsonObject> _traces = [];
    private readonly Stack<(JsonObject Trace, List<int> Address, int Children)> _open = new();

    public override void OnEnter(string type, Address from, Address to, in UInt256 value, ReadOnlySpan<byte> input, long gas, int depth)
    {
        List<int> traceAddress = [];
        if (_open.TryPop(out (JsonObject Trace, List<int> Address, int Children) parent))
        {
            traceAddress = [.. parent.Address, parent.Children];
            _open.Push(parent with { Children = parent.Children + 1 });
        }

        JsonObject action;
        string kind;
        switch (type)
        {
            case CallFrameTypes.SelfDestruct:
                kind = "suicide";
                action = new JsonObject { ["address"] = from.ToString(), ["refundAddress"] = to.ToString(), ["balance"] = EthFormat.Quantity(value) };
                break;
            case CallFrameTypes.Create or CallFrameTypes.Create2:
                kind = "create";
                action = new JsonObject
                {
                    ["from"] = from.ToString(), ["gas"] = EthFormat.Quantity((ulong)gas), ["init"] = Hex.Encode(input), ["value"] = EthFormat.Quantity(value),
                    ["creationMethod"] = type == CallFrameTypes.Create2 ? "create2" : "create",
                };
                break;
            default:
                kind = "call";
                action = new JsonObject
                {
                    ["from"] = from.ToString(), ["callType"] = type.ToLowerInvariant(), ["gas"] = EthFormat.Quantity((ulong)gas),
                    ["input"] = Hex.Encode(input), ["to"] = to.ToString(), ["value"] = EthFormat.Quantity(value),
                };
                break;
        }

        var trace = new JsonObject
        {
            ["action"] = action,
            ["subtraces"] = 0,
            ["traceAddress"] = new JsonArray([.. traceAddress.Select(i => (JsonNode)i)]),
            ["type"] = kind,
        };
        if (kind == "create")
        {
            trace["createdAddress"] = to.ToString(); // internal: moved into the result on exit
        }

        _traces.Add(trace);
        _open.Push((trace, traceAddress, 0));
    }

    public override void OnExit(long gasUsed, ReadOnlySpan<byte> output, string? error, bool reverted)
    {
        (JsonObject trace, _, int children) = _open.Pop();
        trace["subtraces"] = children;
        JsonNode? created = trace["createdAddress"]?.DeepClone();
        trace.Remove("createdAddress");
        if (trace["type"]!.GetValue<string>() == "suicide")
        {
            trace["result"] = null;
            return;
        }

        if (error is not null)
        {
            trace["error"] = reverted ? "Reverted" : error;
            return;
        }

        trace["result"] = created is null
            ? new JsonObject { ["gasUsed"] = EthFormat.Quantity((ulong)gasUsed), ["output"] = Hex.Encode(output) }
            : new JsonObject { ["address"] = created, ["code"] = Hex.Encode(output), ["gasUsed"] = EthFormat.Quantity((ulong)gasUsed) };
    }

    /// <summary>The traces as trace_call and trace_replay* give them: action, result or error, subtraces, traceAddress, type.</summary>
    public IEnumerable<JsonObject> Frames()
    {
        foreach (JsonObject trace in _traces)
        {
            var frame = new JsonObject { ["action"] = trace["action"]!.DeepClone() };
            if (trace["error"] is JsonNode error)
            {
                frame["error"] = error.DeepClone();
            }
            else
            {
                frame["result"] = trace["result"]?.DeepClone();
            }

            frame["subtraces"] = trace["subtraces"]!.DeepClone();
            frame["traceAddress"] = trace["traceAddress"]!.DeepClone();
            frame["type"] = trace["type"]!.DeepClone();
            yield return frame;
        }
    }

    /// <summary>The traces, each with where it happened (block and transaction) added, in the order of the JSON of the reference clients.</summary>
    public IEnumerable<JsonObject> Traces(StoredBlock block, int transactionIndex)
    {
        ArgumentNullException.ThrowIfNull(block);
        foreach (JsonObject frame in Frames())
        {
            var placed = new JsonObject
            {
                ["action"] = frame["action"]!.DeepClone(),
                ["blockHash"] = block.Hash.ToString(),
                ["blockNumber"] = block.Number,
            };
            placed[frame.ContainsKey("error") ? "error" : "result"] = (frame["error"] ?? frame["result"])?.DeepClone();
            placed["subtraces"] = frame["subtraces"]!.DeepClone();
            placed["traceAddress"] = frame["traceAddress"]!.DeepClone();
            placed["transactionHash"] = block.Block.Transactions[transactionIndex].Hash.ToString();
            placed["transactionPosition"] = transactionIndex;
            placed["type"] = frame["type"]!.DeepClone();
            yield return placed;
        }
    }
}
