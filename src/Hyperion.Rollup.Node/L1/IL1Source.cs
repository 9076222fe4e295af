using Hyperion.Core;
using Hyperion.Core.Blocks;
using Hyperion.Core.Transactions;

namespace Hyperion.Rollup.Node.L1;

/// <summary>Which of L1's heads to read: the latest block, or the ones the beacon chain calls safe and finalized.</summary>
public enum L1Head
{
    Latest,
    Safe,
    Finalized,
}

/// <summary>
/// Everything the rollup reads from L1: headers, a block's transactions and receipts, and blobs. Implementations
/// check what they return against the header (the header's hash is the one asked for; transactions and receipts
/// reproduce its roots; blobs reproduce their versioned hashes), so the derivation never acts on data L1 did not
/// commit to. Transport failures and data that does not check out throw <see cref="L1SourceException"/>; the
/// caller retries. Absent blocks are null, not errors.
/// </summary>
public interface IL1Source
{
    Task<BlockHeader?> HeaderByNumberAsync(ulong number, CancellationToken cancellation);

    Task<BlockHeader?> HeaderByHashAsync(Hash256 hash, CancellationToken cancellation);

    Task<BlockHeader?> HeaderAsync(L1Head head, CancellationToken cancellation);

    /// <summary>The transactions of the block <paramref name="header"/>, in block order.</summary>
    Task<IReadOnlyList<Transaction>> TransactionsAsync(BlockHeader header, CancellationToken cancellation);

    /// <summary>The receipts of the block <paramref name="header"/>, in block order (logs carry their addresses and topics).</summary>
    Task<IReadOnlyList<Receipt>> ReceiptsAsync(BlockHeader header, CancellationToken cancellation);

    /// <summary>
    /// The blobs of the block <paramref name="header"/> with the given versioned hashes, in the order asked; each
    /// 131,072 bytes and matching its hash.
    /// </summary>
    Task<IReadOnlyList<byte[]>> BlobsAsync(BlockHeader header, IReadOnlyList<Hash256> versionedHashes, CancellationToken cancellation);
}

/// <summary>L1 could not be read, or returned data that does not match what it committed to.</summary>
public sealed class L1SourceException(string message, Exception? inner = null) : Exception(message, inner);
