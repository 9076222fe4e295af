using System.Globalization;
using Hyperion.Core;
using Hyperion.Core.Transactions;
using Hyperion.Rollup.L1Attributes;
using Hyperion.Rollup.Node.L1;
using Newtonsoft.Json.Linq;

namespace Hyperion.Rollup.Node.Batcher;

/// <summary>An L2 block as the batcher reads it: its reference (with L1 origin and sequence number) and transactions.</summary>
public sealed record L2Block(L2BlockRef Ref, IReadOnlyList<Transaction> Transactions);

/// <summary>
/// The L2 heads of <c>optimism_syncStatus</c> that the batcher follows, the node's L1 head, and the L1 block its
/// derivation is reading (<c>current_l1</c>: every L1 block before it has been derived).
/// </summary>
public sealed record L2SyncStatus(L2BlockRef Unsafe, L2BlockRef Safe, ulong HeadL1, ulong CurrentL1);

/// <summary>
/// The L2 node (sequencer) over JSON-RPC: <c>optimism_syncStatus</c> for its heads and
/// <c>eth_getBlockByNumber(n, true)</c> for blocks, whose first transaction (the L1-attributes deposit) names the L1
/// origin. Failures throw <see cref="JsonRpcCallException"/> or <see cref="FormatException"/>.
/// </summary>
public sealed class RollupNodeClient(IJsonRpc l2)
{
    public async Task<L2SyncStatus> SyncStatusAsync(CancellationToken cancellation)
    {
        JToken status = await l2.CallAsync("optimism_syncStatus", [], cancellation).ConfigureAwait(false)
            ?? throw new FormatException("optimism_syncStatus answered null");
        return new L2SyncStatus(L2Ref(status, "unsafe_l2"), L2Ref(status, "safe_l2"), Number(status["head_l1"], "head_l1.number"),
            Number(status["current_l1"], "current_l1.number"));
    }

    /// <summary>The block at <paramref name="number"/>, or null when the node has none.</summary>
    public async Task<L2Block?> BlockAsync(ulong number, CancellationToken cancellation)
    {
        JToken? block = await l2.CallAsync("eth_getBlockByNumber", ["0x" + number.ToString("x", CultureInfo.InvariantCulture), true], cancellation).ConfigureAwait(false);
        if (block is null)
        {
            return null;
        }

        Transaction[] transactions = [.. RpcObjects.Array(block, "transactions").Select(RpcObjects.Transaction)];
        if (transactions.Length == 0 || transactions[0].Type != TransactionType.Deposit)
        {
            throw new FormatException($"L2 block {number} does not start with the L1-attributes deposit");
        }

        L1BlockInfo info;
        try
        {
            info = L1BlockInfo.Decode(transactions[0].Data.Span);
        }
        catch (RollupDecodeException e)
        {
            throw new FormatException($"L2 block {number}: its L1-attributes deposit does not decode: {e.Message}", e);
        }

        var reference = new L2BlockRef(
            RpcObjects.Hash(block, "hash"), RpcObjects.Quantity(block, "number"), RpcObjects.Hash(block, "parentHash"),
            RpcObjects.Quantity(block, "timestamp"), new BlockId(info.BlockHash, info.Number), info.SequenceNumber);
        return reference.Number == number ? new L2Block(reference, transactions) : throw new FormatException($"asked for L2 block {number}, got {reference.Number}");
    }

    private static L2BlockRef L2Ref(JToken status, string name)
    {
        JToken block = status[name] ?? throw new FormatException($"optimism_syncStatus: {name} missing");
        JToken origin = block["l1origin"] ?? throw new FormatException($"optimism_syncStatus: {name}.l1origin missing");
        return new L2BlockRef(
            RpcObjects.Hash(block, "hash"), Number(block["number"], name + ".number"), RpcObjects.Hash(block, "parentHash"),
            Number(block["timestamp"], name + ".timestamp"), new BlockId(RpcObjects.Hash(origin, "hash"), Number(origin["number"], name + ".l1origin.number")),
            Number(block["sequenceNumber"], name + ".sequenceNumber"));
    }

    /// <summary>op-node writes these numbers as JSON numbers; a hex quantity is accepted too.</summary>
    internal static ulong Number(JToken? token, string name) => token switch
    {
        JValue { Type: JTokenType.Integer } n when n.Value<long>() >= 0 => n.Value<ulong>(),
        JValue { Type: JTokenType.String } s => Hyperion.Rpc.EthJson.ParseQuantity((string)s!),
        JObject o when o["number"] is JToken inner => Number(inner, name),
        _ => throw new FormatException($"optimism_*: {name} is not a number"),
    };
}
