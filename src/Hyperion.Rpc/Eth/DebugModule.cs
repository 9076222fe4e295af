using System.Text.Json;
using System.Text.Json.Nodes;
using Hyperion.Chain;
using Hyperion.Core;
using Hyperion.Evm.Tracing;
using Hyperion.Execution.Blocks;
using Hyperion.Execution.Transactions;
using Hyperion.State;

namespace Hyperion.Rpc.Eth;

/// <summary>
/// debug_traceTransaction and debug_traceCall with geth's default struct logger or its callTracer. A mined transaction is traced by
/// re-executing its block's earlier transactions on the parent state, then the transaction itself.
/// </summary>
public sealed class DebugModule : IRpcModule
{
    private readonly IChainReader _chain;
    private readonly EthModule _eth;

    public DebugModule(IChainReader chain, EthModule eth)
    {
        ArgumentNullException.ThrowIfNull(chain);
        ArgumentNullException.ThrowIfNull(eth);
        _chain = chain;
        _eth = eth;
    }

    /// <summary>Largest struct-log trace (its JSON, estimated while tracing); larger ones fail with an error naming the limit.</summary>
    public long MaxTraceBytes { get; init; } = StructLogTracer.DefaultMaxBytes;

    public void Register(RpcMethodRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        registry
            .AddExecution("debug_traceTransaction", p => TraceTransaction(EthModule.GetHash(p, 0), ParseOptions(p, 1)))
            .AddExecution("debug_traceBlockByNumber", p => TraceBlock(BlockTag.Resolve(_chain.Blocks, p, 0), p, 1))
            .AddExecution("debug_traceBlockByHash", p => TraceBlock(
                _chain.Blocks.GetByHash(EthModule.GetHash(p, 0)) ?? throw new RpcException($"block {EthModule.GetHash(p, 0)} not found"), p, 1))
            .AddExecution("debug_traceCall", p =>
            {
                CallRequest request = CallRequest.Parse(p, 0);
                StoredBlock block = BlockTag.Resolve(_chain.Blocks, p, 1);
                TraceRequest trace = ParseOptions(p, 2);
                ulong gas = _eth.CallGas(request);
                TransactionResult result = _eth.Execute(request, block, gas, trace.Tracer);
                return trace.Result(result, gas);
            });
    }

    private JsonObject TraceTransaction(Hash256 hash, TraceRequest trace)
    {
        if (!_chain.Blocks.TryFindTransaction(hash, out StoredBlock block, out int index))
        {
            throw new RpcException($"transaction {hash} not found");
        }

        return TraceInBlock(block, index, trace);
    }

    /// <summary>
    /// geth's debug_traceBlockBy*: each transaction's trace with its hash, with the tracer options applied to each.
    /// Each is re-executed after the block's earlier ones (quadratic in the block's size, bounded by the execution
    /// time limit of the debug methods).
    /// </summary>
    private JsonArray TraceBlock(StoredBlock block, RpcParams p, int optionsIndex)
    {
        var traces = new JsonArray();
        TraceRequest trace = ParseOptions(p, optionsIndex); // checked even for a block without transactions
        for (int i = 0; i < block.Block.Transactions.Length; i++)
        {
            traces.Add(new JsonObject
            {
                ["txHash"] = block.Block.Transactions[i].Hash.ToString(),
                ["result"] = TraceInBlock(block, i, trace),
            });
            trace = ParseOptions(p, optionsIndex); // a tracer holds one transaction's trace
        }

        return traces;
    }

    /// <summary>Re-executes <paramref name="block"/>'s transactions up to <paramref name="index"/> from the state before the block, tracing the last.</summary>
    private JsonObject TraceInBlock(StoredBlock block, int index, TraceRequest trace)
    {
        IBlockReader store = _chain.Blocks;
        IStateReader parent = _chain.StateBefore(block.Number)
            ?? throw new RpcException($"required historical state unavailable: state of block {block.Number - 1} is not kept (oldest is {_chain.OldestState})");
        TransactionResult result;
        try
        {
            result = _chain.Executor.Replay(BlockInput.Of(block.Block, block.Senders, store), parent, index, trace.Tracer);
        }
        catch (InvalidBlockException e)
        {
            // A stored block re-executes exactly; anything else means the state window moved under us.
            throw new RpcException(e.Message);
        }

        return trace.Result(result, block.Block.Transactions[index].GasLimit);
    }

    /// <summary>The tracer options object: the default struct logger (with disableStack/disableStorage) or "callTracer".</summary>
    private TraceRequest ParseOptions(RpcParams p, int index)
    {
        if (!p.Has(index))
        {
            return StructLogs(new StructLogTracer(maxBytes: MaxTraceBytes));
        }

        JsonElement options = p[index];
        if (options.ValueKind != JsonValueKind.Object)
        {
            throw RpcException.InvalidParams($"invalid argument {index}: expected a tracer options object");
        }

        string? name = options.TryGetProperty("tracer", out JsonElement tracer) && tracer.ValueKind == JsonValueKind.String ? tracer.GetString() : null;
        if (name == "callTracer")
        {
            var calls = new CallTracer();
            return new TraceRequest(calls, (result, gasLimit) => calls.Result(gasLimit, result.GasUsed));
        }

        if (name is not (null or "" or "structLogger") || tracer.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Null or JsonValueKind.String))
        {
            throw RpcException.InvalidParams($"invalid argument {index}: tracer {tracer} is not supported (the default struct logger or callTracer)");
        }

        return StructLogs(new StructLogTracer(withStack: !Flag(options, "disableStack"), withStorage: !Flag(options, "disableStorage"), MaxTraceBytes));
    }

    private static TraceRequest StructLogs(StructLogTracer tracer) =>
        new(tracer, (result, _) => tracer.Result(result.GasUsed, !result.Success, result.Output.Span));

    /// <summary>A tracer and how its result is rendered from the traced transaction's result and gas limit.</summary>
    private sealed record TraceRequest(IEvmTracer Tracer, Func<TransactionResult, ulong, JsonObject> Result);

    private static bool Flag(JsonElement options, string name) =>
        options.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.True;
}
