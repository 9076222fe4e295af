using Hyperion.Core;
using Hyperion.Core.Transactions;
using Hyperion.Rollup.Config;

namespace Hyperion.Rollup.Derivation;

/// <summary>
/// One piece of batcher data found in an L1 block: calldata, or a blob to fetch (by versioned hash and by its index
/// among all the block's blobs, which is what the beacon API addresses).
/// </summary>
public sealed record BatcherData(ReadOnlyMemory<byte> Calldata, Hash256? BlobHash, int BlobIndex)
{
    public bool IsBlob => BlobHash is not null;
}

/// <summary>
/// The L1 retrieval stage's filter (derivation.md "L1 Retrieval", ecotone/derivation.md "Blob Retrieval"): a batcher
/// transaction is sent to the batch inbox, is of type 0, 1, 2, 3 or 0x7E, and is signed by the batcher address of
/// the system config at that L1 block. A blob transaction's data is in its blobs (its calldata is ignored).
/// </summary>
public static class L1Retrieval
{
    public static bool IsBatcherTransaction(Transaction transaction, in Address sender, RollupConfig config, SystemConfig systemConfig)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(systemConfig);
        return transaction.To == config.BatchInboxAddress
            && transaction.Type is TransactionType.Legacy or TransactionType.AccessList or TransactionType.DynamicFee or TransactionType.Blob or TransactionType.Deposit
            && sender == systemConfig.BatcherAddress;
    }

    /// <summary>
    /// The batcher data of an L1 block's transactions, in block order. Senders are recovered from signatures
    /// (a deposit's is its <c>from</c>); a transaction whose sender cannot be recovered is not a batcher transaction.
    /// </summary>
    public static IReadOnlyList<BatcherData> Select(IReadOnlyList<Transaction> transactions, RollupConfig config, SystemConfig systemConfig)
    {
        ArgumentNullException.ThrowIfNull(transactions);
        List<BatcherData> result = [];
        int blobIndex = 0;
        foreach (Transaction tx in transactions)
        {
            // Blob indices count every blob of the block, batcher or not.
            int firstBlob = blobIndex;
            blobIndex += tx.BlobVersionedHashes.Length;
            if (tx.To != config.BatchInboxAddress || !tx.TryRecoverSender(out Address sender) || !IsBatcherTransaction(tx, sender, config, systemConfig))
            {
                continue;
            }

            if (tx.Type != TransactionType.Blob)
            {
                result.Add(new BatcherData(tx.Data, null, -1));
                continue;
            }

            for (int i = 0; i < tx.BlobVersionedHashes.Length; i++)
            {
                result.Add(new BatcherData(ReadOnlyMemory<byte>.Empty, tx.BlobVersionedHashes[i], firstBlob + i));
            }
        }

        return result;
    }
}
