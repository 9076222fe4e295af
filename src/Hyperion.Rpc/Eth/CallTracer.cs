using System.Text.Json.Nodes;
using Hyperion.Core;
using Hyperion.Evm.Tracing;

namespace Hyperion.Rpc.Eth;

/// <summary>
/// geth's callTracer: the tree of call frames, each {type, from, to, value, gas, gasUsed, input, output, error,
/// revertReason, calls}. Types as geth names them (<see cref="CallFrameTypes"/>: CREATE2 for CREATE2, a SELFDESTRUCT
/// frame from the contract to the beneficiary with the balance as value, precompile calls as ordinary calls); value
/// is omitted for STATICCALL only (a DELEGATECALL shows the value it inherits). The top frame's gas and gasUsed are
/// the transaction's (set by <see cref="Result"/>).
/// </summary>
public sealed class CallTracer : FrameTracer
{
    private readonly Stack<JsonObject> _open = new();
    private JsonObject? _top;

    public override void OnEnter(string type, Address from, Address to, in UInt256 value, ReadOnlySpan<byte> input, long gas, int depth)
    {
        var frame = new JsonObject
        {
            ["type"] = type,
            ["from"] = from.ToString(),
            ["to"] = to.ToString(),
        };
        if (type != CallFrameTypes.StaticCall)
        {
            frame["value"] = EthFormat.Quantity(value);
        }

        frame["gas"] = EthFormat.Quantity((ulong)gas);
        frame["gasUsed"] = "0x0";
        frame["input"] = Hex.Encode(input);
        if (_open.TryPeek(out JsonObject? parent))
        {
            if (parent["calls"] is not JsonArray calls)
            {
                calls = [];
                parent["calls"] = calls;
            }

            calls.Add(frame);
        }
        else
        {
            _top = frame;
        }

        _open.Push(frame);
    }

    public override void OnExit(long gasUsed, ReadOnlySpan<byte> output, string? error, bool reverted)
    {
        JsonObject frame = _open.Pop();
        frame["gasUsed"] = EthFormat.Quantity((ulong)gasUsed);
        if (!output.IsEmpty)
        {
            frame["output"] = Hex.Encode(output);
        }

        if (error is not null)
        {
            frame["error"] = reverted ? "execution reverted" : error;
            if (reverted && EthModule.RevertReason(output) is string reason)
            {
                frame["revertReason"] = reason;
            }
        }

        // geth lists calls after the frame's own fields.
        if (frame["calls"] is JsonArray calls)
        {
            frame.Remove("calls");
            frame["calls"] = calls;
        }
    }

    /// <summary>The call tree with the top frame's gas and gasUsed replaced by the transaction's.</summary>
    public JsonObject Result(ulong gasLimit, long gasUsed)
    {
        JsonObject top = _top ?? throw new RpcException("the transaction ran no frame to trace");
        top["gas"] = EthFormat.Quantity(gasLimit);
        top["gasUsed"] = EthFormat.Quantity((ulong)gasUsed);
        return top;
    }
}
