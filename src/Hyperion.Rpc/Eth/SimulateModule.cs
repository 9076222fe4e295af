using System.Text.Json;
using System.Text.Json.Nodes;
using Hyperion.Chain;
using Hyperion.Core;
using Hyperion.Core.Blocks;
using Hyperion.Core.Transactions;
using Hyperion.Evm.Tracing;
using Hyperion.Execution.Blocks;
using Hyperion.Execution.Transactions;
using Hyperion.State;
using Hyperion.State.World;

namespace Hyperion.Rpc.Eth;

/// <summary>
/// geth's eth_simulateV1 (what viem's simulateBlocks and simulateCalls send): blocks of calls on the state after a
/// block, each block with its state overrides applied first and its header fields overridable, each call seeing the
/// calls before it. Answered as geth does: per block the block object (transaction hashes, or full transactions with
/// returnFullTransactions) with a "calls" array of {returnData, logs, gasUsed, status, error}; a revert is error code 3
/// with its data, another EVM failure -32015; an invalid call fails the request with geth's -380xx codes. Without
/// validation the base fee is zero (unless overridden) and each call takes its sender's current nonce; with it, fees
/// and nonces are checked as in a block. traceTransfers adds, in execution order among the logs, an ERC-20 Transfer log
/// from 0xeeee…eeee for each movement of ether. Each block's stateRoot is the real root of the simulated state after it
/// (computed over the base state without writing, see <see cref="IChainReader.StateRootAfter"/>). Differences from
/// geth: blobBaseFee and withdrawals overrides are refused.
/// </summary>
public sealed class SimulateModule(IChainReader chain, EthModule eth) : IRpcModule
{
    /// <summary>Most blocks one request simulates, gaps included (geth's limit).</summary>
    public const int MaxBlocks = 256;

    /// <summary>geth's default spacing of simulated blocks' timestamps.</summary>
    public const ulong TimestampIncrement = 12;

    /// <summary>The address traceTransfers' logs come from (the conventional "native token" address).</summary>
    public static readonly Address TransferLogAddress = Address.Parse("0xeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee");

    /// <summary>keccak256("Transfer(address,address,uint256)").</summary>
    public static readonly Hash256 TransferTopic = Hash256.Parse("0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef");

    private readonly IChainReader _chain = chain ?? throw new ArgumentNullException(nameof(chain));
    private readonly EthModule _eth = eth ?? throw new ArgumentNullException(nameof(eth));

    public void Register(RpcMethodRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        registry.AddExecution("eth_simulateV1", Simulate);
    }

    private sealed record SimBlock(BlockOverrides Overrides, StateOverrides? State, IReadOnlyList<CallRequest> Calls);

    private sealed record BlockOverrides(ulong? Number, ulong? Time, ulong? GasLimit, Address? FeeRecipient, Hash256? PrevRandao, UInt256? BaseFee);

    private JsonArray Simulate(RpcParams p)
    {
        JsonElement options = p[0];
        if (options.ValueKind != JsonValueKind.Object)
        {
            throw RpcException.InvalidParams("invalid argument 0: expected a simulation object with blockStateCalls");
        }

        bool traceTransfers = Flag(options, "traceTransfers");
        bool validation = Flag(options, "validation");
        bool fullTransactions = Flag(options, "returnFullTransactions");
        List<SimBlock> blocks = ParseBlocks(options);
        StoredBlock baseBlock = BlockTag.Resolve(_chain.Blocks, p, 1);
        IStateReader state = _chain.StateAt(baseBlock.Number) ?? throw new RpcException($"state of block {baseBlock.Number} is not kept");

        ulong gasLeft = _eth.CallGas(new CallRequest()); // the RPC gas cap bounds the whole simulation, as geth's
        BlockHeader parent = baseBlock.Header;
        var results = new JsonArray();
        var spans = new List<StateChangeSet>(); // every change since the base block: overrides and blocks, in order
        foreach (SimBlock block in WithGapsFilled(blocks, parent))
        {
            if (block.State is not null)
            {
                spans.Add(block.State.ToChanges(state));
                state = block.State.Over(state);
            }

            BlockHeader draft = Draft(parent, block.Overrides, validation);
            var transfers = new Dictionary<int, TransferLogTracer>();
            BlockExecution execution = _chain.Executor.Simulate(
                new BlockInput(draft, []) { BlockHashes = _chain.Blocks },
                state,
                block.Calls.Count,
                (i, world, blockGasLeft) => Transaction(block.Calls[i], world, Math.Min(block.Calls[i].Gas ?? blockGasLeft, gasLeft), validation, draft),
                traceTransfers ? (i, world) => transfers[i] = new TransferLogTracer(world) : null,
                out TransactionRejection? rejection);
            if (execution.Skipped.Count > 0)
            {
                throw InvalidCall(execution.Skipped[0], rejection, execution.Transactions.Count);
            }

            gasLeft -= Math.Min(gasLeft, execution.GasUsed);
            spans.Add(execution.Changes);
            StoredBlock simulated = BlockImporter.Complete(draft, execution, _chain.StateRootAfter(baseBlock.Number, spans));
            JsonObject json = EthFormat.Block(simulated, fullTransactions);
            json["calls"] = CallResults(simulated, execution, transfers);
            results.Add(json);
            state = new ChangeSetOverlay(state, execution.Changes);
            parent = simulated.Header;
        }

        return results;
    }

    private static List<SimBlock> ParseBlocks(JsonElement options)
    {
        if (!options.TryGetProperty("blockStateCalls", out JsonElement list) || list.ValueKind != JsonValueKind.Array)
        {
            throw RpcException.InvalidParams("invalid argument 0: blockStateCalls: expected an array of blocks");
        }

        if (list.GetArrayLength() == 0)
        {
            throw RpcException.InvalidParams("invalid argument 0: blockStateCalls: empty input");
        }

        if (list.GetArrayLength() > MaxBlocks)
        {
            throw new RpcException(-38026, "too many blocks");
        }

        var blocks = new List<SimBlock>();
        int b = 0;
        foreach (JsonElement block in list.EnumerateArray())
        {
            string where = $"invalid argument 0: blockStateCalls[{b}]";
            if (block.ValueKind != JsonValueKind.Object)
            {
                throw RpcException.InvalidParams($"{where}: expected an object");
            }

            var calls = new List<CallRequest>();
            if (block.TryGetProperty("calls", out JsonElement callList) && callList.ValueKind != JsonValueKind.Null)
            {
                if (callList.ValueKind != JsonValueKind.Array)
                {
                    throw RpcException.InvalidParams($"{where}.calls: expected an array");
                }

                foreach (JsonElement call in callList.EnumerateArray())
                {
                    calls.Add(CallRequest.Parse(call, $"{where}.calls[{calls.Count}]"));
                }
            }

            StateOverrides? state = block.TryGetProperty("stateOverrides", out JsonElement overrides) && overrides.ValueKind != JsonValueKind.Null
                ? StateOverrides.Parse(overrides, $"{where}.stateOverrides")
                : null;
            blocks.Add(new SimBlock(ParseBlockOverrides(block, $"{where}.blockOverrides"), state, calls));
            b++;
        }

        return blocks;
    }

    private static BlockOverrides ParseBlockOverrides(JsonElement block, string where)
    {
        if (!block.TryGetProperty("blockOverrides", out JsonElement e) || e.ValueKind == JsonValueKind.Null)
        {
            return new BlockOverrides(null, null, null, null, null, null);
        }

        if (e.ValueKind != JsonValueKind.Object)
        {
            throw RpcException.InvalidParams($"{where}: expected an object");
        }

        foreach (string refused in new[] { "blobBaseFee", "withdrawals", "beaconRoot" })
        {
            if (e.TryGetProperty(refused, out JsonElement value) && value.ValueKind != JsonValueKind.Null)
            {
                throw RpcException.InvalidParams($"{where}.{refused}: not supported by this node");
            }
        }

        try
        {
            return new BlockOverrides(
                Text(e, "number") is string number ? EthJson.ParseQuantity(number) : null,
                Text(e, "time") is string time ? EthJson.ParseQuantity(time) : null,
                Text(e, "gasLimit") is string gasLimit ? EthJson.ParseQuantity(gasLimit) : null,
                Text(e, "feeRecipient") is string recipient ? Address.TryParse(recipient, out Address a) ? a : throw new FormatException($"feeRecipient: '{recipient}' is not an address") : null,
                Text(e, "prevRandao") is string randao ? Hash256.TryParse(randao, out Hash256 h) ? h : throw new FormatException($"prevRandao: '{randao}' is not 32 bytes") : null,
                Text(e, "baseFeePerGas") is string fee ? fee.StartsWith("0x", StringComparison.Ordinal) && UInt256.TryParse(fee, out UInt256 f) ? f : throw new FormatException($"baseFeePerGas: '{fee}' is not a hex quantity") : null);
        }
        catch (FormatException ex)
        {
            throw RpcException.InvalidParams($"{where}: {ex.Message}");
        }
    }

    private static string? Text(JsonElement e, string name) =>
        !e.TryGetProperty(name, out JsonElement value) || value.ValueKind == JsonValueKind.Null ? null
        : value.ValueKind == JsonValueKind.String ? value.GetString()
        : throw new FormatException($"{name}: expected a hex string, got {value.GetRawText()}");

    private static bool Flag(JsonElement options, string name) =>
        !options.TryGetProperty(name, out JsonElement value) || value.ValueKind == JsonValueKind.Null ? false
        : value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean()
        : throw RpcException.InvalidParams($"invalid argument 0: {name}: expected a boolean");

    /// <summary>The blocks with numbers and timestamps checked and defaulted, and empty blocks where numbers skip (as geth does).</summary>
    private static IEnumerable<SimBlock> WithGapsFilled(List<SimBlock> blocks, BlockHeader parent)
    {
        var filled = new List<SimBlock>();
        ulong number = parent.Number;
        ulong time = parent.Timestamp;
        foreach (SimBlock block in blocks)
        {
            ulong next = block.Overrides.Number ?? number + 1;
            if (next <= number)
            {
                throw new RpcException(-38020, $"block numbers must be in order: {next} <= {number}");
            }

            if (next - parent.Number > MaxBlocks)
            {
                throw new RpcException(-38026, "too many blocks");
            }

            for (ulong gap = number + 1; gap < next; gap++)
            {
                time = checked(time + TimestampIncrement);
                filled.Add(new SimBlock(new BlockOverrides(gap, time, null, null, null, null), null, []));
            }

            ulong timestamp = block.Overrides.Time ?? checked(time + TimestampIncrement);
            if (timestamp <= time)
            {
                throw new RpcException(-38021, $"block timestamps must be in order: {timestamp} <= {time}");
            }

            filled.Add(block with { Overrides = block.Overrides with { Number = next, Time = timestamp } });
            number = next;
            time = timestamp;
        }

        return filled;
    }

    /// <summary>The simulated block's header before execution: the parent's coinbase and gas limit unless overridden; without validation a zero base fee unless overridden.</summary>
    private BlockHeader Draft(BlockHeader parent, BlockOverrides overrides, bool validation)
    {
        ulong number = overrides.Number!.Value;
        ulong timestamp = overrides.Time!.Value;
        UInt256? computed = _chain.Executor.Spec.NextBaseFee(parent, number, timestamp);
        ulong? excessBlobGas = _chain.Executor.Spec.NextExcessBlobGas(parent, number, timestamp);
        return new BlockHeader
        {
            ParentHash = parent.Hash,
            Beneficiary = overrides.FeeRecipient ?? parent.Beneficiary,
            Number = number,
            GasLimit = overrides.GasLimit ?? parent.GasLimit,
            Timestamp = timestamp,
            MixHash = overrides.PrevRandao ?? Hash256.Zero,
            BaseFeePerGas = computed is null ? null : overrides.BaseFee ?? (validation ? computed : UInt256.Zero),
            ExcessBlobGas = excessBlobGas,
            ParentBeaconBlockRoot = excessBlobGas is null ? null : Hash256.Zero,
        };
    }

    /// <summary>A call as a transaction: dynamic-fee unless it gives a gas price; the sender's current nonce unless it gives one and validation is on.</summary>
    private (Transaction, Address) Transaction(CallRequest call, IWorldState state, ulong gas, bool validation, BlockHeader header)
    {
        Address from = call.From ?? Address.Zero;
        bool legacy = call.GasPrice is not null || header.BaseFeePerGas is null;
        var tx = new Transaction
        {
            Type = legacy ? call.AccessList.Length > 0 ? TransactionType.AccessList : TransactionType.Legacy : TransactionType.DynamicFee,
            ChainId = _chain.ChainId,
            Nonce = validation && call.Nonce is ulong nonce ? nonce : state.GetNonce(from),
            GasPrice = legacy ? call.GasPrice ?? UInt256.Zero : UInt256.Zero,
            MaxFeePerGas = legacy ? UInt256.Zero : call.MaxFeePerGas ?? UInt256.Zero,
            MaxPriorityFeePerGas = legacy ? UInt256.Zero : call.MaxPriorityFeePerGas ?? UInt256.Zero,
            GasLimit = gas,
            To = call.To,
            Value = call.Value,
            Data = call.Data,
            AccessList = call.AccessList,
        };
        return (tx, from);
    }

    /// <summary>geth's error for a call that cannot be included (the -380xx codes of the eth_simulateV1 spec).</summary>
    private static RpcException InvalidCall(SkippedTransaction skipped, TransactionRejection? rejection, int index)
    {
        int code = rejection?.Reason switch
        {
            TransactionRejectionReason.NonceTooLow => -38010,
            TransactionRejectionReason.NonceTooHigh => -38011,
            TransactionRejectionReason.InsufficientMaxFeePerGas => -38012,
            TransactionRejectionReason.IntrinsicGasTooLow => -38013,
            TransactionRejectionReason.InsufficientFunds => -38014,
            TransactionRejectionReason.SenderNotEoa => -38024,
            TransactionRejectionReason.InitCodeSizeExceeded => -38025,
            null when skipped.Reason.StartsWith("gas limit reached", StringComparison.Ordinal) => -38015,
            _ => RpcErrorCodes.Server,
        };
        string reason = code == -38015 ? "block gas limit reached" : skipped.Reason;
        return new RpcException(code, $"call {index} from {skipped.Sender}: {reason}");
    }

    private static JsonArray CallResults(StoredBlock block, BlockExecution execution, Dictionary<int, TransferLogTracer> transfers)
    {
        var calls = new JsonArray();
        int logIndex = 0;
        for (int i = 0; i < execution.Transactions.Count; i++)
        {
            TransactionResult result = execution.Transactions[i].Result;
            var logs = new JsonArray();
            IReadOnlyList<Log> all = transfers.TryGetValue(i, out TransferLogTracer? tracer) ? tracer.Merge(result.Logs) : result.Logs;
            foreach (Log log in all)
            {
                logs.Add(EthFormat.Log(log, block, i, logIndex++));
            }

            var call = new JsonObject
            {
                ["returnData"] = Hex.Encode(result.Output.Span),
                ["logs"] = logs,
                ["gasUsed"] = EthFormat.Quantity((ulong)result.GasUsed),
                ["status"] = result.Success ? "0x1" : "0x0",
            };
            if (!result.Success)
            {
                RpcException error = EthModule.RevertError(result);
                call["error"] = error.Code == RpcErrorCodes.ExecutionReverted
                    ? new JsonObject { ["code"] = error.Code, ["message"] = error.Message, ["data"] = error.ErrorData }
                    : new JsonObject { ["code"] = -32015, ["message"] = error.Message }; // geth's code for an EVM error other than a revert
            }

            calls.Add(call);
        }

        return calls;
    }
}

/// <summary>
/// eth_simulateV1's traceTransfers: an ERC-20 Transfer log from <see cref="SimulateModule.TransferLogAddress"/> for each
/// frame that moves ether (a call or creation with value, a SELFDESTRUCT's balance), placed among the transaction's own
/// logs where it happened; a frame that fails takes its transfers with it, as it takes its logs.
/// </summary>
internal sealed class TransferLogTracer(IWorldState state) : FrameTracer
{
    private readonly List<(int Position, Log Log)> _transfers = [];
    private readonly Stack<int> _frames = new();

    public override void OnEnter(string type, Address from, Address to, in UInt256 value, ReadOnlySpan<byte> input, long gas, int depth)
    {
        _frames.Push(_transfers.Count);
        if (!value.IsZero && type is not (CallFrameTypes.DelegateCall or CallFrameTypes.StaticCall or CallFrameTypes.CallCode))
        {
            Span<byte> amount = stackalloc byte[32];
            value.WriteBigEndian(amount);
            _transfers.Add((state.Logs.Count, new Log(SimulateModule.TransferLogAddress, [SimulateModule.TransferTopic, Topic(from), Topic(to)], amount.ToArray())));
        }
    }

    public override void OnExit(long gasUsed, ReadOnlySpan<byte> output, string? error, bool reverted)
    {
        int start = _frames.Pop();
        if (error is not null)
        {
            _transfers.RemoveRange(start, _transfers.Count - start);
        }
    }

    /// <summary>The transaction's logs with the transfers in their places.</summary>
    public IReadOnlyList<Log> Merge(IReadOnlyList<Log> logs)
    {
        var merged = new List<Log>(logs.Count + _transfers.Count);
        int next = 0;
        for (int i = 0; i <= logs.Count; i++)
        {
            while (next < _transfers.Count && (_transfers[next].Position <= i || i == logs.Count))
            {
                merged.Add(_transfers[next++].Log);
            }

            if (i < logs.Count)
            {
                merged.Add(logs[i]);
            }
        }

        return merged;
    }

    private static Hash256 Topic(Address address)
    {
        Span<byte> word = stackalloc byte[32];
        address.CopyTo(word[12..]);
        return new Hash256(word);
    }
}
