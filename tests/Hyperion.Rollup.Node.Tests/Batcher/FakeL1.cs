using Hyperion.Core;
using Hyperion.Core.Transactions;
using Hyperion.Rollup.Node.Batcher;
using Hyperion.Rollup.Node.L1;
using Hyperion.Rpc;
using Newtonsoft.Json.Linq;

namespace Hyperion.Rollup.Node.Tests.Batcher;

/// <summary>
/// An L1 for the transaction manager: a pending nonce, prices, a pool that refuses replacements that do not bump as
/// geth's pools require, and an inclusion rule chosen by the test.
/// </summary>
internal sealed class FakeL1 : IJsonRpc
{
    private readonly Dictionary<Hash256, ulong> _included = [];

    public ulong Nonce { get; set; } = 7;

    public UInt256 BaseFee { get; set; } = 1_000_000_000UL;

    public UInt256 Tip { get; set; } = 100_000_000UL;

    public UInt256 BlobBaseFee { get; set; } = 1UL;

    public ulong BlockNumber { get; set; } = 1000;

    /// <summary>When set, the pending nonce (transactions of the sender in the pool that this fake did not see sent).</summary>
    public ulong? PendingNonce { get; set; }

    /// <summary>Every transaction the pool accepted, in order.</summary>
    public List<Transaction> Accepted { get; } = [];

    public List<BlobSidecar?> Sidecars { get; } = [];

    /// <summary>Decides, for the n-th accepted transaction (from 0), whether the next block includes it.</summary>
    public Func<Transaction, int, bool> Include { get; set; } = (_, _) => true;

    /// <summary>Accept the next transaction but answer as a timed-out connection does.</summary>
    public bool LoseNextAnswer { get; set; }

    public Task<JToken?> CallAsync(string method, object?[] parameters, CancellationToken cancellation)
    {
        JToken? result = method switch
        {
            "eth_getTransactionCount" => EthJson.Quantity((string?)parameters[1] == "pending" && PendingNonce is ulong pending ? pending : Nonce),
            "eth_getBlockByNumber" => new JObject { ["baseFeePerGas"] = BaseFee.ToHexString(), ["number"] = EthJson.Quantity(BlockNumber) },
            "eth_maxPriorityFeePerGas" => Tip.ToHexString(),
            "eth_blobBaseFee" => BlobBaseFee.ToHexString(),
            "eth_estimateGas" => EthJson.Quantity(DataAvailabilityChoice.CalldataGas(EthJson.ParseData((string)((JObject)parameters[0]!)["data"]!))),
            "eth_sendRawTransaction" => Send(EthJson.ParseData((string)parameters[0]!)),
            "eth_getTransactionReceipt" => Receipt(Hash256.Parse((string)parameters[0]!)),
            _ => throw new JsonRpcCallException(method, "Method not found", -32601),
        };
        return Task.FromResult(result);
    }

    private JToken Send(byte[] raw)
    {
        if (!Transaction.TryDecodeNetwork(raw, out Transaction? tx, out BlobSidecar? sidecar, out string? error))
        {
            throw new JsonRpcCallException("eth_sendRawTransaction", error!, -32000);
        }

        if (tx!.Nonce < Nonce)
        {
            throw new JsonRpcCallException("eth_sendRawTransaction", "nonce too low", -32000);
        }

        Transaction? pending = Accepted.LastOrDefault(t => t.Nonce == tx.Nonce);
        bool blob = tx.Type == TransactionType.Blob;
        if (pending is not null &&
            !new TxFees(tx.MaxPriorityFeePerGas, tx.MaxFeePerGas, tx.MaxFeePerBlobGas).CanReplace(new TxFees(pending.MaxPriorityFeePerGas, pending.MaxFeePerGas, pending.MaxFeePerBlobGas), blob))
        {
            throw new JsonRpcCallException("eth_sendRawTransaction", "replacement transaction underpriced", -32000);
        }

        Accepted.Add(tx);
        Sidecars.Add(sidecar);
        if (tx.Nonce == Nonce && Include(tx, Accepted.Count - 1)) // a transaction behind a nonce gap waits
        {
            IncludeNow(tx);
        }

        if (LoseNextAnswer)
        {
            LoseNextAnswer = false;
            throw new JsonRpcCallException("eth_sendRawTransaction", "could not be read: Rpc timeout");
        }

        return tx.Hash.ToString();
    }

    public void IncludeNow(Transaction tx)
    {
        lock (_included)
        {
            _included[tx.Hash] = ++BlockNumber;
            Nonce = tx.Nonce + 1;
        }
    }

    /// <summary>An L1 reorg drops <paramref name="tx"/>: no receipt, and L1's nonce goes back to it.</summary>
    public void Drop(Transaction tx)
    {
        lock (_included)
        {
            _included.Remove(tx.Hash);
            Nonce = Math.Min(Nonce, tx.Nonce);
        }
    }

    private JToken? Receipt(Hash256 hash)
    {
        lock (_included)
        {
            return _included.TryGetValue(hash, out ulong block)
                ? new JObject { ["blockNumber"] = EthJson.Quantity(block), ["gasUsed"] = "0x5208", ["effectiveGasPrice"] = BaseFee.ToHexString() }
                : null;
        }
    }
}
