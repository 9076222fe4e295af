using System.Text.Json.Nodes;
using Hyperion.Core;
using Hyperion.Evm.Interpreter;
using Hyperion.Evm.Tracing;

namespace Hyperion.Rpc.Eth;

/// <summary>
/// geth's default ("struct") logger for debug_traceTransaction/debug_traceCall: one entry per instruction with pc,
/// op, gas, gasCost, depth, stack and the storage slots the frame has read or written so far. Memory is not
/// captured (geth's default leaves it off). The trace's JSON size is bounded: past <c>maxBytes</c> the run is stopped
/// with an error naming the limit, so a long loop or a deep stack cannot exhaust the node's memory.
/// </summary>
public sealed class StructLogTracer(bool withStack = true, bool withStorage = true, long maxBytes = StructLogTracer.DefaultMaxBytes) : IEvmTracer
{
    /// <summary>25 MiB of JSON, geth's bound on a batch response.</summary>
    public const long DefaultMaxBytes = 25 * 1024 * 1024;

    // JSON bytes of a step without stack or storage, of one stack word ("0x…" up to 66 characters, quotes, comma) and of
    // one storage entry (two 64-digit words, quotes, colon, comma). Upper bounds: the estimate never undercounts.
    private const int StepBytes = 160;
    private const int StackWordBytes = 70;
    private const int StorageEntryBytes = 136;

    private readonly JsonArray _logs = [];
    private readonly List<SortedDictionary<UInt256, UInt256>> _storageByDepth = [];
    private JsonObject? _previous;
    private int _previousDepth;
    private UInt256? _pendingLoadKey;

    private long _bytes;

    public void OnStep(int pc, byte opcode, long gas, long gasCost, long memorySize, ReadOnlySpan<UInt256> stack, int depth, long refund)
    {
        if (_pendingLoadKey is UInt256 loadedKey && depth == _previousDepth && stack.Length > 0 && withStorage)
        {
            Storage(depth)[loadedKey] = stack[^1];
            _previous!["storage"] = StorageJson(depth);
            _bytes += (long)Storage(depth).Count * StorageEntryBytes;
        }

        _pendingLoadKey = null;
        while (_storageByDepth.Count > depth)
        {
            _storageByDepth.RemoveAt(_storageByDepth.Count - 1);
        }

        _bytes += StepBytes + (withStack ? (long)stack.Length * StackWordBytes : 0);
        if (_bytes > maxBytes)
        {
            // Thrown through the VM: the call's state is discarded, and nothing more is built.
            throw new RpcException(RpcErrorCodes.LimitExceeded,
                $"trace larger than {maxBytes} bytes (--rpc-trace-max-bytes): trace with disableStack/disableStorage or the callTracer");
        }

        var step = new JsonObject
        {
            ["pc"] = pc,
            ["op"] = OpcodeTable.NameOf(opcode),
            ["gas"] = gas,
            ["gasCost"] = gasCost,
            ["depth"] = depth,
        };
        if (refund != 0)
        {
            step["refund"] = refund;
        }

        if (withStack)
        {
            var stackJson = new JsonArray();
            foreach (UInt256 word in stack)
            {
                stackJson.Add(word.ToHexString());
            }

            step["stack"] = stackJson;
        }

        if (withStorage && stack.Length >= 1)
        {
            if (opcode == 0x54) // SLOAD: the value shows on the stack at the next step
            {
                _pendingLoadKey = stack[^1];
            }
            else if (opcode == 0x55 && stack.Length >= 2) // SSTORE
            {
                Storage(depth)[stack[^1]] = stack[^2];
                step["storage"] = StorageJson(depth);
                _bytes += (long)Storage(depth).Count * StorageEntryBytes;
            }
        }

        _logs.Add(step);
        _previous = step;
        _previousDepth = depth;
    }

    public void OnStepCost(long gasCost)
    {
        if (_previous is not null)
        {
            _previous["gasCost"] = gasCost;
        }
    }

    public void OnFault(string error)
    {
        if (_previous is not null)
        {
            _previous["error"] = error;
        }

        _pendingLoadKey = null;
    }

    /// <summary>geth's result object: {gas, failed, returnValue, structLogs}.</summary>
    public JsonObject Result(long gasUsed, bool failed, ReadOnlySpan<byte> returnValue) => new()
    {
        ["gas"] = gasUsed,
        ["failed"] = failed,
        ["returnValue"] = Hex.Encode(returnValue),
        ["structLogs"] = _logs,
    };

    private SortedDictionary<UInt256, UInt256> Storage(int depth)
    {
        while (_storageByDepth.Count < depth)
        {
            _storageByDepth.Add([]);
        }

        return _storageByDepth[depth - 1];
    }

    private JsonObject StorageJson(int depth)
    {
        var json = new JsonObject();
        Span<byte> word = stackalloc byte[32];
        foreach ((UInt256 key, UInt256 value) in Storage(depth))
        {
            key.WriteBigEndian(word);
            string k = Hex.Encode(word)[2..];
            value.WriteBigEndian(word);
            json[k] = Hex.Encode(word)[2..];
        }

        return json;
    }
}
