using System.Globalization;
using System.Text.Json.Nodes;
using Hyperion.Core;
using Hyperion.Evm.Tracing;

namespace Hyperion.Rpc.Eth;

/// <summary>
/// geth's 4byteTracer: for every message call (the transaction's own included) to a non-precompile with at least four
/// bytes of input, "selector-length of the arguments" counted, e.g. <c>{"0x27dc297e-128": 1}</c>. Creations are not
/// counted. Keys are sorted as geth's JSON sorts them.
/// </summary>
public sealed class FourByteTracer(IReadOnlySet<Address> precompiles) : FrameTracer
{
    private readonly SortedDictionary<string, int> _counts = new(StringComparer.Ordinal);

    public override void OnEnter(string type, Address from, Address to, in UInt256 value, ReadOnlySpan<byte> input, long gas, int depth)
    {
        if (input.Length < 4 || type is CallFrameTypes.Create or CallFrameTypes.Create2 or CallFrameTypes.SelfDestruct || precompiles.Contains(to))
        {
            return;
        }

        string key = Hex.Encode(input[..4]) + "-" + (input.Length - 4).ToString(CultureInfo.InvariantCulture);
        _counts[key] = _counts.TryGetValue(key, out int count) ? count + 1 : 1;
    }

    public override void OnExit(long gasUsed, ReadOnlySpan<byte> output, string? error, bool reverted)
    {
    }

    public JsonObject Result()
    {
        var result = new JsonObject();
        foreach ((string key, int count) in _counts)
        {
            result[key] = count;
        }

        return result;
    }
}
