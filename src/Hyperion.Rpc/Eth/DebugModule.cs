using System.Text.Json;
using System.Text.Json.Nodes;
using Hyperion.Chain;
using Hyperion.Core;
using Hyperion.Evm.Tracing;
using Hyperion.Execution.Blocks;
using Hyperion.Execution.Transactions;
using Hyperion.State;
using Hyperion.State.World;
using Hyperion.Core.Blocks;
using Hyperion.Core.Transactions;

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
            .AddExecution("debug_traceTransaction", p => TraceTransaction(EthModule.GetHash(p, 0), p, 1))
            .AddExecution("debug_traceBlockByNumber", p => TraceBlock(BlockTag.Resolve(_chain.Blocks, p, 0), p, 1))
            .AddExecution("debug_traceBlockByHash", p => TraceBlock(
                _chain.Blocks.GetByHash(EthModule.GetHash(p, 0)) ?? throw new RpcException($"block {EthModule.GetHash(p, 0)} not found"), p, 1))
            .AddExecution("debug_traceCall", p =>
            {
                CallRequest request = CallRequest.Parse(p, 0) with { Overrides = TraceCallOverrides(p) };
                StoredBlock block = BlockTag.Resolve(_chain.Blocks, p, 1);
                ulong gas = _eth.CallGas(request);
                IStateReader before = _eth.CallState(request, block);
                (Transaction tx, Address sender) = _eth.CallTransaction(request, before, gas);
                TraceRequest trace = ParseOptions(p, 2, sender, tx.To, block.Header.Beneficiary, block.Header);
                TransactionResult result = _eth.Execute(request, block, gas, trace.Tracer);
                return trace.Result(new TraceContext(result, gas, () => (before, CallStateAfter(block.Header, before, tx, sender))));
            });
    }

    private JsonNode TraceTransaction(Hash256 hash, RpcParams p, int optionsIndex)
    {
        if (!_chain.Blocks.TryFindTransaction(hash, out StoredBlock block, out int index))
        {
            throw new RpcException($"transaction {hash} not found");
        }

        return TraceInBlock(block, index, ParseOptions(p, optionsIndex, block, index));
    }

    /// <summary>
    /// geth's debug_traceBlockBy*: each transaction's trace with its hash, with the tracer options applied to each.
    /// Each is re-executed after the block's earlier ones (quadratic in the block's size, bounded by the execution
    /// time limit of the debug methods).
    /// </summary>
    private JsonArray TraceBlock(StoredBlock block, RpcParams p, int optionsIndex)
    {
        var traces = new JsonArray();
        ParseOptions(p, optionsIndex, block.Header.Beneficiary, block.Header); // checked even for a block without transactions
        for (int i = 0; i < block.Block.Transactions.Length; i++)
        {
            traces.Add(new JsonObject
            {
                ["txHash"] = block.Block.Transactions[i].Hash.ToString(),
                ["result"] = TraceInBlock(block, i, ParseOptions(p, optionsIndex, block, i)), // a tracer holds one transaction's trace
            });
        }

        return traces;
    }

    /// <summary>Re-executes <paramref name="block"/>'s transactions up to <paramref name="index"/> from the state before the block, tracing the last.</summary>
    private JsonNode TraceInBlock(StoredBlock block, int index, TraceRequest trace)
    {
        IStateReader parent = ParentState(block);
        TransactionResult result = Replay(block, parent, index, trace.Tracer);
        return trace.Result(new TraceContext(result, block.Block.Transactions[index].GasLimit, () => (StateAfter(block, parent, index), StateAfter(block, parent, index + 1))));
    }

    /// <summary>Re-executes <paramref name="block"/>'s transactions up to <paramref name="index"/> on <paramref name="parent"/>, the state before the block, tracing the last.</summary>
    internal TransactionResult Replay(StoredBlock block, IStateReader parent, int index, IEvmTracer tracer)
    {
        try
        {
            return _chain.Executor.Replay(BlockInput.Of(block.Block, block.Senders, _chain.Blocks), parent, index, tracer);
        }
        catch (InvalidBlockException e)
        {
            // A stored block re-executes exactly; anything else means the state window moved under us.
            throw new RpcException(e.Message);
        }
    }

    internal IStateReader ParentState(StoredBlock block) =>
        _chain.StateBefore(block.Number)
            ?? throw new RpcException($"required historical state unavailable: state of block {block.Number - 1} is not kept (oldest is {_chain.OldestState})");

    /// <summary>The state after <paramref name="block"/>'s first <paramref name="count"/> transactions (and its system calls), for the prestate tracer.</summary>
    private IStateReader StateAfter(StoredBlock block, IStateReader parent, int count)
    {
        var prefix = new BlockInput(block.Header, [.. block.Block.Transactions.Take(count).Select((tx, i) => (tx, block.Senders[i]))]) { BlockHashes = _chain.Blocks };
        try
        {
            return new ChangeSetOverlay(parent, _chain.Executor.Execute(prefix, parent, BlockExecutionMode.Import).Changes);
        }
        catch (InvalidBlockException e)
        {
            throw new RpcException(e.Message);
        }
    }

    /// <summary>The state after a traced call (diff mode of the prestate tracer): the call run again as a one-call simulated block.</summary>
    private IStateReader CallStateAfter(BlockHeader parent, IStateReader before, Transaction tx, Address sender)
    {
        ulong? excessBlobGas = _chain.Executor.Spec.NextExcessBlobGas(parent, parent.Number + 1, parent.Timestamp + 1);
        var draft = new BlockHeader
        {
            ParentHash = parent.Hash,
            Beneficiary = parent.Beneficiary,
            Number = parent.Number + 1,
            Timestamp = parent.Timestamp + 1,
            GasLimit = Math.Max(parent.GasLimit, tx.GasLimit),
            MixHash = parent.MixHash,
            BaseFeePerGas = parent.BaseFeePerGas is null ? null : UInt256.Zero,
            ExcessBlobGas = excessBlobGas,
            ParentBeaconBlockRoot = excessBlobGas is null ? null : Hash256.Zero,
        };
        BlockExecution execution = _chain.Executor.Simulate(new BlockInput(draft, []) { BlockHashes = _chain.Blocks }, before, 1, (_, _, _) => (tx, sender), null, out _);
        return new ChangeSetOverlay(before, execution.Changes);
    }

    /// <summary>The options of tracing <paramref name="block"/>'s transaction <paramref name="index"/>.</summary>
    private TraceRequest ParseOptions(RpcParams p, int optionsIndex, StoredBlock block, int index)
    {
        Transaction tx = block.Block.Transactions[index];
        return ParseOptions(p, optionsIndex, block.Senders[index], tx.To, block.Header.Beneficiary, block.Header);
    }

    private TraceRequest ParseOptions(RpcParams p, int index, Address beneficiary, BlockHeader header) =>
        ParseOptions(p, index, Address.Zero, null, beneficiary, header);

    /// <summary>
    /// The tracer options object: the default struct logger (with disableStack/disableStorage), "callTracer",
    /// "prestateTracer" (tracerConfig: diffMode, disableCode, disableStorage) or "4byteTracer".
    /// </summary>
    private TraceRequest ParseOptions(RpcParams p, int index, Address sender, Address? recipient, Address coinbase, BlockHeader header)
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
        JsonElement config = options.TryGetProperty("tracerConfig", out JsonElement c) ? c : default;
        if (config.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Null or JsonValueKind.Object))
        {
            throw RpcException.InvalidParams($"invalid argument {index}: tracerConfig: expected an object");
        }

        switch (name)
        {
            case "callTracer":
                var calls = new CallTracer();
                return new TraceRequest(calls, trace => calls.Result(trace.GasLimit, trace.Result.GasUsed));
            case "prestateTracer":
                var prestate = new PrestateTracer(sender, recipient, coinbase)
                {
                    DiffMode = Flag(config, "diffMode"), DisableCode = Flag(config, "disableCode"), DisableStorage = Flag(config, "disableStorage"),
                };
                return new TraceRequest(prestate, trace =>
                {
                    (IStateReader before, IStateReader after) = trace.States();
                    return prestate.Result(before, after);
                });
            case "4byteTracer":
                Evm.Fork fork = _chain.Executor.Spec.ForkAt(header.Number, header.Timestamp);
                var selectors = new FourByteTracer(new HashSet<Address>(_chain.Executor.Precompiles.For(fork).Addresses));
                return new TraceRequest(selectors, _ => selectors.Result());
        }

        if (name is not (null or "" or "structLogger") || tracer.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Null or JsonValueKind.String))
        {
            throw RpcException.InvalidParams($"invalid argument {index}: tracer {tracer} is not supported (the default struct logger, callTracer, prestateTracer or 4byteTracer)");
        }

        return StructLogs(new StructLogTracer(withStack: !Flag(options, "disableStack"), withStorage: !Flag(options, "disableStorage"), MaxTraceBytes));
    }

    private static TraceRequest StructLogs(StructLogTracer tracer) =>
        new(tracer, trace => tracer.Result(trace.Result.GasUsed, !trace.Result.Success, trace.Result.Output.Span));

    /// <summary>A tracer and how its result is rendered from the traced transaction.</summary>
    private sealed record TraceRequest(IEvmTracer Tracer, Func<TraceContext, JsonObject> Result);

    /// <summary>The traced transaction's result and gas limit, and (computed on demand) the state before and after it.</summary>
    private sealed record TraceContext(TransactionResult Result, ulong GasLimit, Func<(IStateReader Before, IStateReader After)> States);

    /// <summary>A boolean option of the tracer options or tracerConfig (absent or null: false); another type is refused.</summary>
    private static bool Flag(JsonElement options, string name) =>
        options.ValueKind != JsonValueKind.Object || !options.TryGetProperty(name, out JsonElement value) || value.ValueKind == JsonValueKind.Null ? false
        : value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean()
        : throw RpcException.InvalidParams($"{name}: expected a boolean, got {value.GetRawText()}");

    /// <summary>geth's debug_traceCall takes state overrides in its options object (stateOverrides).</summary>
    private static StateOverrides? TraceCallOverrides(RpcParams p) =>
        p.Has(2) && p[2].ValueKind == JsonValueKind.Object && p[2].TryGetProperty("stateOverrides", out JsonElement overrides) && overrides.ValueKind != JsonValueKind.Null
            ? StateOverrides.Parse(overrides, "invalid argument 2: stateOverrides")
            : null;
}
