using System.Text.Json.Nodes;
using Hyperion.Chain;
using Hyperion.Core;
using Hyperion.Evm.Tracing;
using Hyperion.Execution.Transactions;
using Hyperion.State;

namespace Hyperion.Rpc.Eth;

/// <summary>
/// Otterscan's ots_* methods (API level 8), so that Otterscan can be pointed at the node. Searches and contract
/// creators come from the chain's <see cref="AddressIndex"/>: an address's transactions are those that touched it at the
/// top level or in any internal frame (call, creation, self-destruct beneficiary), and a contract's creator is the
/// account that ran its creation (a factory contract for CREATE/CREATE2 inside a transaction). Block issuance is zero
/// (proof of stake).
/// </summary>
public sealed class OtterscanModule(IChainReader chain, EthModule eth, DebugModule debug, AccountHistoryModule history, AddressIndex index) : IRpcModule
{
    /// <summary>Most transactions one search page returns.</summary>
    public const int MaxPageSize = 100;

    private readonly IChainReader _chain = chain ?? throw new ArgumentNullException(nameof(chain));
    private readonly EthModule _eth = eth ?? throw new ArgumentNullException(nameof(eth));
    private readonly DebugModule _debug = debug ?? throw new ArgumentNullException(nameof(debug));
    private readonly AccountHistoryModule _history = history ?? throw new ArgumentNullException(nameof(history));
    private readonly AddressIndex _index = index ?? throw new ArgumentNullException(nameof(index));

    public void Register(RpcMethodRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        registry
            .Add("ots_getApiLevel", _ => 8)
            .Add("ots_hasCode", p =>
            {
                Address address = EthModule.GetAddress(p, 0);
                StoredBlock block = BlockTag.Resolve(_chain.Blocks, p, 1);
                IStateReader state = _chain.StateAt(block.Number) ?? throw new RpcException($"state of block {block.Number} is not kept");
                return state.TryGetAccount(address, out Account account) && account.CodeHash != Core.Crypto.Keccak256.OfEmpty;
            })
            .Add("ots_getTransactionBySenderAndNonce", p =>
                _history.FindBySenderAndNonce(EthModule.GetAddress(p, 0), EthModule.GetNumber(p, 1)) is (StoredBlock block, int index)
                    ? block.Block.Transactions[index].Hash.ToString()
                    : null)
            .Add("ots_getContractCreator", p => ContractCreator(EthModule.GetAddress(p, 0)))
            .Add("ots_getBlockDetails", p => BlockDetails(BlockTag.Resolve(_chain.Blocks, p, 0)))
            .Add("ots_getBlockDetailsByHash", p => BlockDetails(
                _chain.Blocks.GetByHash(EthModule.GetHash(p, 0)) ?? throw new RpcException($"block {EthModule.GetHash(p, 0)} not found")))
            .Add("ots_getBlockTransactions", p => BlockTransactions(BlockTag.Resolve(_chain.Blocks, p, 0), PageNumber(p, 1), PageSize(p, 2)))
            .Add("ots_searchTransactionsBefore", p => Search(EthModule.GetAddress(p, 0), EthModule.GetNumber(p, 1), PageSize(p, 2), before: true))
            .Add("ots_searchTransactionsAfter", p => Search(EthModule.GetAddress(p, 0), EthModule.GetNumber(p, 1), PageSize(p, 2), before: false))
            .AddExecution("ots_getTransactionError", p => Traced(EthModule.GetHash(p, 0), null, (result, _) => Hex.Encode(result.Success ? [] : result.Output.Span)))
            .AddExecution("ots_traceTransaction", p =>
            {
                var frames = new OtsFrameTracer();
                return Traced(EthModule.GetHash(p, 0), frames, (_, _) => frames.Trace());
            })
            .AddExecution("ots_getInternalOperations", p =>
            {
                var frames = new OtsFrameTracer();
                return Traced(EthModule.GetHash(p, 0), frames, (_, _) => frames.InternalOperations());
            });
    }

    private JsonNode Traced(Hash256 hash, IEvmTracer? tracer, Func<TransactionResult, StoredBlock, JsonNode> result)
    {
        if (!_chain.Blocks.TryFindTransaction(hash, out StoredBlock block, out int index))
        {
            throw new RpcException($"transaction {hash} not found");
        }

        return result(_debug.Replay(block, _debug.ParentState(block), index, tracer ?? new OtsFrameTracer()), block);
    }

    private JsonObject? ContractCreator(Address contract)
    {
        if (_index.Creator(contract) is not { } creation || _chain.Blocks.GetByNumber(creation.Transaction.Block) is not { } block)
        {
            return null;
        }

        return new JsonObject { ["hash"] = block.Block.Transactions[creation.Transaction.Index].Hash.ToString(), ["creator"] = creation.Creator.ToString() };
    }

    private JsonObject BlockDetails(StoredBlock block)
    {
        JsonObject json = EthFormat.Block(block, fullTransactions: false);
        json.Remove("transactions");
        json["transactionCount"] = block.Block.Transactions.Length;
        json["logsBloom"] = null; // Otterscan's API leaves the bloom out
        UInt256 fees = UInt256.Zero;
        UInt256 baseFee = block.Header.BaseFeePerGas ?? UInt256.Zero;
        for (int i = 0; i < block.Block.Transactions.Length; i++)
        {
            fees += block.Block.Transactions[i].EffectiveGasPrice(baseFee) * new UInt256(block.GasUsedBy(i));
        }

        return new JsonObject
        {
            ["block"] = json,
            ["issuance"] = new JsonObject { ["blockReward"] = "0x0", ["uncleReward"] = "0x0", ["issuance"] = "0x0" },
            ["totalFees"] = EthFormat.Quantity(fees),
        };
    }

    private JsonObject BlockTransactions(StoredBlock block, int page, int pageSize)
    {
        JsonObject full = EthFormat.Block(block, fullTransactions: true);
        full["transactionCount"] = block.Block.Transactions.Length;
        full["logsBloom"] = null;
        var transactions = (JsonArray)full["transactions"]!;
        var selected = new JsonArray();
        var receipts = new JsonArray();
        int start = page * pageSize;
        for (int i = start; i < Math.Min(start + pageSize, transactions.Count); i++)
        {
            selected.Add(transactions[i]!.DeepClone());
            JsonObject receipt = _eth.Receipt(block, i);
            receipt["logs"] = null; // as Otterscan's API: the page shows no logs
            receipt["logsBloom"] = null;
            receipts.Add(receipt);
        }

        full["transactions"] = selected;
        return new JsonObject { ["fullblock"] = full, ["receipts"] = receipts };
    }

    /// <summary>
    /// ots_searchTransactionsBefore/After: up to <paramref name="pageSize"/> transactions of <paramref name="address"/>
    /// strictly before (or after) block <paramref name="from"/> (0 means from the head, or from genesis), newest first.
    /// </summary>
    private JsonObject Search(Address address, ulong from, int pageSize, bool before)
    {
        ulong head = _chain.Blocks.Head.Number;
        bool fromEnd = before && (from == 0 || from > head);
        // Whole blocks, as Erigon's: a page may hold more than pageSize transactions to end on a block boundary.
        List<TransactionPosition> found = _index.Search(address, fromEnd ? ulong.MaxValue : from, before, pageSize, out bool exhausted);
        if (!before)
        {
            found.Reverse();
        }

        var txs = new JsonArray();
        var receipts = new JsonArray();
        foreach (TransactionPosition position in found)
        {
            if (_chain.Blocks.GetByNumber(position.Block) is not { } block || position.Index >= block.Block.Transactions.Length)
            {
                continue; // the chain rewound since the search
            }

            txs.Add(EthFormat.Transaction(block.Block.Transactions[position.Index], block.Senders[position.Index], block, position.Index));
            JsonObject receipt = _eth.Receipt(block, position.Index);
            receipt["timestamp"] = block.Header.Timestamp;
            receipts.Add(receipt);
        }

        // Pages are in newest-first order: "first page" holds the newest transactions, "last page" the oldest.
        bool newestReached = before ? fromEnd : exhausted;
        bool oldestReached = before ? exhausted : from == 0;
        return new JsonObject { ["txs"] = txs, ["receipts"] = receipts, ["firstPage"] = newestReached, ["lastPage"] = oldestReached };
    }

    private static int PageNumber(RpcParams p, int index)
    {
        ulong page = EthModule.GetNumber(p, index);
        return page <= int.MaxValue / MaxPageSize ? (int)page : throw RpcException.InvalidParams($"invalid argument {index}: page number {page} is too large");
    }

    private static int PageSize(RpcParams p, int index)
    {
        ulong size = EthModule.GetNumber(p, index);
        return size is > 0 and <= MaxPageSize ? (int)size : throw RpcException.InvalidParams($"invalid argument {index}: page size must be 1 to {MaxPageSize}");
    }
}

/// <summary>
/// ots_traceTransaction's flat list of frames ({type, depth, from, to, value, input, output}; value null for
/// DELEGATECALL and STATICCALL) and ots_getInternalOperations' ether movements inside the transaction (type 0 a
/// transfer, 1 a self-destruct, 2 a CREATE, 3 a CREATE2).
/// </summary>
internal sealed class OtsFrameTracer : FrameTracer
{
    private readonly JsonArray _frames = [];
    private readonly JsonArray _operations = [];
    private readonly Stack<(JsonObject Frame, int Operations)> _open = new();

    public override void OnEnter(string type, Address from, Address to, in UInt256 value, ReadOnlySpan<byte> input, long gas, int depth)
    {
        var frame = new JsonObject
        {
            ["type"] = type,
            ["depth"] = depth,
            ["from"] = from.ToString(),
            ["to"] = to.ToString(),
            ["value"] = type is CallFrameTypes.DelegateCall or CallFrameTypes.StaticCall ? null : EthFormat.Quantity(value),
            ["input"] = Hex.Encode(input),
        };
        _frames.Add(frame);
        _open.Push((frame, _operations.Count));
        int? operation = depth == 0 ? null : type switch
        {
            CallFrameTypes.SelfDestruct => 1,
            CallFrameTypes.Create => 2,
            CallFrameTypes.Create2 => 3,
            CallFrameTypes.Call when !value.IsZero => 0,
            _ => null,
        };
        if (operation is int kind)
        {
            _operations.Add(new JsonObject { ["type"] = kind, ["from"] = from.ToString(), ["to"] = to.ToString(), ["value"] = EthFormat.Quantity(value) });
        }
    }

    public override void OnExit(long gasUsed, ReadOnlySpan<byte> output, string? error, bool reverted)
    {
        (JsonObject frame, int operations) = _open.Pop();
        frame["output"] = Hex.Encode(output);
        if (error is not null)
        {
            // A failed frame moved nothing.
            while (_operations.Count > operations)
            {
                _operations.RemoveAt(_operations.Count - 1);
            }
        }
    }

    public JsonArray Trace() => (JsonArray)_frames.DeepClone();

    public JsonArray InternalOperations() => (JsonArray)_operations.DeepClone();
}
