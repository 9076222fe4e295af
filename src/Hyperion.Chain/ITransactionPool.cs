using Hyperion.Core;
using Hyperion.Core.Transactions;
using Hyperion.State;
using Hyperion.State.World;

namespace Hyperion.Chain;

/// <summary>
/// Transactions waiting for a block: what RPC submits and reads (<see cref="Add"/>, the pending nonce, the content)
/// and what the block producer takes (<see cref="SelectForBlock"/>, then <see cref="OnNewHead"/>). The default is
/// <see cref="TxPool"/>; a node may compose another (a rollup's, one that forwards, one that filters).
/// </summary>
public interface ITransactionPool
{
    /// <summary>Raised when a transaction becomes executable (the producer wakes on it).</summary>
    event Action<Hash256>? TransactionPending;

    /// <summary>Raised for each admitted transaction the pool evicted or expired.</summary>
    event Action<DroppedTransaction>? TransactionDropped;

    int Count { get; }

    /// <summary>Executable transactions in the pool.</summary>
    int PendingCount { get; }

    /// <summary>Queued (nonce-gapped) transactions in the pool.</summary>
    int QueuedCount { get; }

    /// <summary>Transactions evicted for better-paying ones since start.</summary>
    long EvictedCount { get; }

    /// <summary>Queued transactions dropped after their lifetime since start.</summary>
    long ExpiredCount { get; }

    /// <summary>Adds a signed transaction (a blob transaction with its sidecar); null when accepted, else geth's error message.</summary>
    string? Add(Transaction tx, BlobSidecar? sidecar = null);

    /// <summary>
    /// Adds a transaction sent from an impersonated account of a dev chain, carrying the
    /// <see cref="ImpersonationSignature"/> of <paramref name="sender"/>; a pool that does not take them says so.
    /// </summary>
    string? AddImpersonated(Transaction tx, Address sender) => "this node's transaction pool does not accept transactions from impersonated accounts";

    /// <summary>Removes a pooled transaction (anvil_dropTransaction); false when it is not in the pool.</summary>
    bool Remove(in Hash256 hash) => throw new NotSupportedException("this node's transaction pool does not remove transactions on request");

    bool TryGet(in Hash256 hash, out PooledTransaction pooled);

    /// <summary>The nonce the sender's next transaction should have, counting pending ones.</summary>
    ulong NextNonce(in Address sender);

    /// <summary>Executable transactions for the next block, best first, at most <paramref name="maxCount"/>.</summary>
    List<(Transaction Transaction, Address Sender)> SelectForBlock(in UInt256 baseFee, int maxCount);

    /// <summary>A block was added: drop what it included and <paramref name="invalid"/>, re-check the rest against the new head.</summary>
    void OnNewHead(IStateReader headState, in UInt256 baseFee, IEnumerable<Hash256> invalid);

    /// <summary>
    /// A block whose state changes are <paramref name="changes"/> was added on the pool's head: as
    /// <see cref="OnNewHead(IStateReader, in UInt256, IEnumerable{Hash256})"/>; a pool may re-check only the changed accounts.
    /// </summary>
    void OnNewHead(IStateReader headState, in UInt256 baseFee, IEnumerable<Hash256> invalid, StateChangeSet changes) =>
        OnNewHead(headState, baseFee, invalid);

    /// <summary>
    /// Whether <see cref="SelectForBlock"/> would give a transaction that is not in <paramref name="exclude"/> (a block
    /// producer's question while the block with <paramref name="exclude"/> is committed).
    /// </summary>
    bool HasSelectableBeyond(in UInt256 baseFee, IReadOnlySet<Hash256> exclude) =>
        SelectForBlock(baseFee, exclude.Count + 1).Exists(t => !exclude.Contains(t.Transaction.Hash));

    /// <summary>Drops everything (the chain was rewound).</summary>
    void Clear(IStateReader headState, in UInt256 baseFee);

    (SortedDictionary<Address, List<PooledTransaction>> Pending, SortedDictionary<Address, List<PooledTransaction>> Queued) Content();
}
