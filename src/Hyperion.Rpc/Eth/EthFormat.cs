using System.Text.Json.Nodes;
using Hyperion.Chain;
using Hyperion.Core;
using Hyperion.Core.Blocks;
using Hyperion.Core.Transactions;
using Hyperion.Execution.Specs;

namespace Hyperion.Rpc.Eth;

/// <summary>The JSON shapes of blocks, transactions, receipts and logs, as geth returns them.</summary>
public static class EthFormat
{
    public static string Quantity(in UInt256 value) => value.ToHexString();

    public static string Quantity(ulong value) => EthJson.Quantity(value);

    /// <summary>A 256-bit word as 32 bytes of hex (storage slots and values).</summary>
    public static string Word(in UInt256 value)
    {
        Span<byte> bytes = stackalloc byte[32];
        value.WriteBigEndian(bytes);
        return Hex.Encode(bytes);
    }

    public static JsonObject Block(StoredBlock stored, bool fullTransactions)
    {
        BlockHeader h = stored.Header;
        var transactions = new JsonArray();
        for (int i = 0; i < stored.Block.Transactions.Length; i++)
        {
            transactions.Add(fullTransactions
                ? Transaction(stored.Block.Transactions[i], stored.Senders[i], stored, i)
                : JsonValue.Create(stored.Block.Transactions[i].Hash.ToString()));
        }

        var block = new JsonObject
        {
            ["number"] = Quantity(h.Number),
            ["hash"] = h.Hash.ToString(),
            ["parentHash"] = h.ParentHash.ToString(),
            ["nonce"] = "0x" + h.Nonce.ToString("x16", System.Globalization.CultureInfo.InvariantCulture),
            ["mixHash"] = h.MixHash.ToString(),
            ["sha3Uncles"] = h.OmmersHash.ToString(),
            ["logsBloom"] = Hex.Encode(h.LogsBloom.Bytes),
            ["transactionsRoot"] = h.TransactionsRoot.ToString(),
            ["stateRoot"] = h.StateRoot.ToString(),
            ["receiptsRoot"] = h.ReceiptsRoot.ToString(),
            ["miner"] = h.Beneficiary.ToString(),
            ["difficulty"] = Quantity(h.Difficulty),
            ["totalDifficulty"] = "0x0",
            ["extraData"] = Hex.Encode(h.ExtraData.Span),
            ["size"] = Quantity((ulong)stored.Block.Encode().Length),
            ["gasLimit"] = Quantity(h.GasLimit),
            ["gasUsed"] = Quantity(h.GasUsed),
            ["timestamp"] = Quantity(h.Timestamp),
            ["transactions"] = transactions,
            ["uncles"] = new JsonArray(),
        };
        if (h.BaseFeePerGas is UInt256 baseFee)
        {
            block["baseFeePerGas"] = Quantity(baseFee);
        }

        if (h.WithdrawalsRoot is Hash256 withdrawalsRoot)
        {
            block["withdrawalsRoot"] = withdrawalsRoot.ToString();
            block["withdrawals"] = new JsonArray();
        }

        if (h.BlobGasUsed is ulong blobGasUsed)
        {
            block["blobGasUsed"] = Quantity(blobGasUsed);
            block["excessBlobGas"] = Quantity(h.ExcessBlobGas ?? 0);
        }

        if (h.ParentBeaconBlockRoot is Hash256 beaconRoot)
        {
            block["parentBeaconBlockRoot"] = beaconRoot.ToString();
        }

        return block;
    }

    /// <summary>A transaction; <paramref name="block"/> null for a pending one.</summary>
    public static JsonObject Transaction(Transaction tx, Address sender, StoredBlock? block, int index)
    {
        var json = new JsonObject
        {
            ["hash"] = tx.Hash.ToString(),
            ["type"] = Quantity((ulong)tx.Type),
            ["nonce"] = Quantity(tx.Nonce),
            ["blockHash"] = block?.Hash.ToString(),
            ["blockNumber"] = block is null ? null : Quantity(block.Number),
            ["transactionIndex"] = block is null ? null : Quantity((ulong)index),
            ["from"] = sender.ToString(),
            ["to"] = tx.To?.ToString(),
            ["value"] = Quantity(tx.Value),
            ["gas"] = Quantity(tx.GasLimit),
            ["input"] = Hex.Encode(tx.Data.Span),
            ["v"] = Quantity(tx.V),
            ["r"] = Quantity(tx.R),
            ["s"] = Quantity(tx.S),
        };
        if (tx.Type == TransactionType.Deposit)
        {
            AddDepositFields(json, tx, block?.Receipts[index]);
            return json;
        }

        if (tx.ChainId is ulong chainId)
        {
            json["chainId"] = Quantity(chainId);
        }

        if (tx.HasDynamicFee)
        {
            json["maxFeePerGas"] = Quantity(tx.MaxFeePerGas);
            json["maxPriorityFeePerGas"] = Quantity(tx.MaxPriorityFeePerGas);
            json["gasPrice"] = Quantity(block?.Header.BaseFeePerGas is UInt256 baseFee ? tx.EffectiveGasPrice(baseFee) : tx.MaxFeePerGas);
        }
        else
        {
            json["gasPrice"] = Quantity(tx.GasPrice);
        }

        if (tx.Type != TransactionType.Legacy)
        {
            json["yParity"] = Quantity(tx.V);
            var accessList = new JsonArray();
            foreach (AccessListEntry entry in tx.AccessList)
            {
                accessList.Add(new JsonObject
                {
                    ["address"] = entry.Address.ToString(),
                    ["storageKeys"] = new JsonArray([.. entry.StorageKeys.Select(k => (JsonNode)JsonValue.Create(k.ToString()))]),
                });
            }

            json["accessList"] = accessList;
        }

        if (tx.Type == TransactionType.Blob)
        {
            json["maxFeePerBlobGas"] = Quantity(tx.MaxFeePerBlobGas);
            json["blobVersionedHashes"] = new JsonArray([.. tx.BlobVersionedHashes.Select(h => (JsonNode)JsonValue.Create(h.ToString()))]);
        }

        return json;
    }

    /// <summary>
    /// An OP-stack deposit as op-geth shows it: no chain id, access list or y-parity, zero price and signature values,
    /// its source hash, mint and (only when set) system flag; once included, the nonce it ran with (the receipt's
    /// deposit nonce, the encoded transaction has none) and the receipt version.
    /// </summary>
    private static void AddDepositFields(JsonObject json, Transaction tx, Receipt? receipt)
    {
        json["gasPrice"] = Quantity(UInt256.Zero);
        json["sourceHash"] = tx.SourceHash.ToString();
        json["mint"] = Quantity(tx.Mint);
        if (tx.IsSystemTransaction)
        {
            json["isSystemTx"] = true;
        }

        if (receipt?.DepositNonce is ulong nonce)
        {
            json["nonce"] = Quantity(nonce);
            if (receipt.DepositReceiptVersion is ulong version)
            {
                json["depositReceiptVersion"] = Quantity(version);
            }
        }
    }

    /// <param name="block">The block holding the transaction.</param>
    /// <param name="index">The transaction's index in the block.</param>
    /// <param name="blobBaseFee">The block's blob base fee (a blob transaction's blobGasPrice).</param>
    /// <param name="rollup">The chain's rollup parameters (their receipt fields are added), or null.</param>
    /// <summary>The blob base fee of the block with <paramref name="header"/> under <paramref name="spec"/> (zero before Cancun).</summary>
    public static UInt256 BlobBaseFee(ChainSpec spec, BlockHeader header)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(header);
        return spec.BlobScheduleAt(header.Number, header.Timestamp) is { } blobs ? BlobGas.BaseFeePerBlobGas(header.ExcessBlobGas ?? 0, blobs) : UInt256.Zero;
    }

    /// <summary>eth_getTransactionReceipt's answer for <paramref name="block"/>'s transaction <paramref name="index"/> on a chain with <paramref name="spec"/>.</summary>
    public static JsonObject Receipt(StoredBlock block, int index, ChainSpec spec)
    {
        ArgumentNullException.ThrowIfNull(block);
        ArgumentNullException.ThrowIfNull(spec);
        return Receipt(block, index, BlobBaseFee(spec, block.Header), spec.Rollup);
    }

    public static JsonObject Receipt(StoredBlock block, int index, UInt256 blobBaseFee, RollupParameters? rollup = null)
    {
        Transaction tx = block.Block.Transactions[index];
        Receipt receipt = block.Receipts[index];
        UInt256 baseFee = block.Header.BaseFeePerGas ?? UInt256.Zero;
        var logs = new JsonArray();
        int logIndex = block.FirstLogIndex(index);
        foreach (Log log in receipt.Logs)
        {
            logs.Add(Log(log, block, index, logIndex++));
        }

        var json = new JsonObject
        {
            ["transactionHash"] = tx.Hash.ToString(),
            ["transactionIndex"] = Quantity((ulong)index),
            ["blockHash"] = block.Hash.ToString(),
            ["blockNumber"] = Quantity(block.Number),
            ["from"] = block.Senders[index].ToString(),
            ["to"] = tx.To?.ToString(),
            ["cumulativeGasUsed"] = Quantity(receipt.CumulativeGasUsed),
            ["gasUsed"] = Quantity(block.GasUsedBy(index)),
            ["effectiveGasPrice"] = Quantity(tx.EffectiveGasPrice(baseFee)),
            ["contractAddress"] = block.ContractAddress(index)?.ToString(),
            ["logs"] = logs,
            ["logsBloom"] = Hex.Encode(receipt.Bloom.Bytes),
            ["type"] = Quantity((ulong)tx.Type),
            ["status"] = receipt.Success ? "0x1" : "0x0",
        };
        if (tx.Type == TransactionType.Blob)
        {
            json["blobGasUsed"] = Quantity(tx.BlobGas);
            json["blobGasPrice"] = Quantity(blobBaseFee);
        }

        if (receipt.DepositNonce is ulong depositNonce)
        {
            json["depositNonce"] = Quantity(depositNonce);
            if (receipt.DepositReceiptVersion is ulong version)
            {
                json["depositReceiptVersion"] = Quantity(version);
            }
        }

        if (rollup?.ReceiptFields is { } fields)
        {
            foreach ((string name, UInt256 value) in fields(block.Block, index))
            {
                json[name] = Quantity(value);
            }
        }

        return json;
    }

    public static JsonObject Log(Log log, StoredBlock block, int transactionIndex, int logIndex) => new()
    {
        ["address"] = log.Address.ToString(),
        ["topics"] = new JsonArray([.. log.Topics.Select(t => (JsonNode)JsonValue.Create(t.ToString()))]),
        ["data"] = Hex.Encode(log.Data.Span),
        ["blockNumber"] = Quantity(block.Number),
        ["blockHash"] = block.Hash.ToString(),
        ["blockTimestamp"] = Quantity(block.Header.Timestamp),
        ["transactionHash"] = block.Block.Transactions[transactionIndex].Hash.ToString(),
        ["transactionIndex"] = Quantity((ulong)transactionIndex),
        ["logIndex"] = Quantity((ulong)logIndex),
        ["removed"] = false,
    };
}
