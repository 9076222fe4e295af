using Hyperion.Core;
using Hyperion.Core.Blocks;
using Hyperion.Core.Transactions;
using Hyperion.Evm;
using Hyperion.Execution.Transactions;
using Hyperion.State.World;

namespace Hyperion.Execution.Blocks;

/// <summary>How strictly a block's transactions are taken.</summary>
public enum BlockExecutionMode
{
    /// <summary>Building a block: a transaction that cannot be included is skipped and reported.</summary>
    Build,

    /// <summary>Importing a block: every transaction must apply, or the block is invalid.</summary>
    Import,
}

/// <summary>
/// A block to execute: its header (a draft while building: the roots and gas used are what execution computes), its
/// transactions with their recovered senders, withdrawals and ommers, and BLOCKHASH's view of the chain.
/// </summary>
public sealed record BlockInput(BlockHeader Header, IReadOnlyList<(Transaction Transaction, Address Sender)> Transactions)
{
    /// <summary>EIP-4895 withdrawals (Shanghai); empty for a block without any.</summary>
    public IReadOnlyList<Withdrawal> Withdrawals { get; init; } = [];

    /// <summary>Ommer headers (before Paris), rewarded with the block.</summary>
    public IReadOnlyList<BlockHeader> Ommers { get; init; } = [];

    public IBlockHashProvider? BlockHashes { get; init; }

    /// <summary>
    /// Whether executing the block whole also collects what its transactions' frames touched and created
    /// (<see cref="BlockExecution.Addresses"/>, the Otterscan address index's entries), from the execution of each
    /// transaction the block keeps, so the index need not execute the block again.
    /// </summary>
    public bool CollectAddresses { get; init; }

    /// <summary>The input of a stored or received block whose transactions' senders are <paramref name="senders"/>.</summary>
    public static BlockInput Of(Block block, IReadOnlyList<Address> senders, IBlockHashProvider? blockHashes)
    {
        ArgumentNullException.ThrowIfNull(block);
        ArgumentNullException.ThrowIfNull(senders);
        if (senders.Count != block.Transactions.Length)
        {
            throw new ArgumentException($"{senders.Count} senders for {block.Transactions.Length} transactions", nameof(senders));
        }

        return new BlockInput(block.Header, [.. block.Transactions.Select((tx, i) => (tx, senders[i]))])
        {
            Withdrawals = block.Body.Withdrawals ?? [],
            Ommers = block.Body.Ommers,
            BlockHashes = blockHashes,
        };
    }
}

/// <summary>What one executed transaction contributes to its block: its receipt and its execution's result (held inline).</summary>
public sealed record ExecutedTransaction(Transaction Transaction, Address Sender, Receipt Receipt, TransactionResult Result)
{
    /// <summary>The gas it used (its receipt's cumulative gas less the one before it).</summary>
    public ulong GasUsed => (ulong)Result.GasUsed;

    /// <summary>The contract a successful creation made.</summary>
    public Address? ContractAddress => Result.CreatedAddress;
}

/// <summary>A transaction the executor left out of the block, with the reason (geth's wording where it has one).</summary>
public sealed record SkippedTransaction(Transaction Transaction, Address Sender, string Reason, bool Permanent);

/// <summary>The outcome of executing a block on its parent state (the state root is the state store's to compute from <see cref="Changes"/>).</summary>
public sealed record BlockExecution(
    IReadOnlyList<ExecutedTransaction> Transactions,
    IReadOnlyList<SkippedTransaction> Skipped,
    StateChangeSet Changes,
    ulong GasUsed,
    ulong BlobGasUsed,
    Bloom Bloom,
    Hash256 TransactionsRoot,
    Hash256 ReceiptsRoot,
    Hash256? WithdrawalsRoot)
{
    /// <summary>The included transactions' address-index entries when the input asked for them (<see cref="BlockInput.CollectAddresses"/>); otherwise null.</summary>
    public BlockAddresses? Addresses { get; init; }

    /// <summary>
    /// What the execution contradicts in an imported block's <paramref name="header"/> (gas used, blob gas used,
    /// receipts root, bloom); null when it matches. The state root is checked by whoever computes it.
    /// </summary>
    public string? Mismatch(BlockHeader header)
    {
        ArgumentNullException.ThrowIfNull(header);
        if (GasUsed != header.GasUsed)
        {
            return $"gas used: header {header.GasUsed}, executed {GasUsed}";
        }

        if (header.BlobGasUsed is { } blobGas && blobGas != BlobGasUsed)
        {
            return $"blob gas used: header {header.BlobGasUsed}, executed {BlobGasUsed}";
        }

        if (ReceiptsRoot != header.ReceiptsRoot)
        {
            return $"receipts root: header {header.ReceiptsRoot}, executed {ReceiptsRoot}";
        }

        return Bloom.Equals(header.LogsBloom) ? null : "logs bloom differs from the header's";
    }
}

/// <summary>A block could not be imported: its transactions or results do not match its header.</summary>
public sealed class InvalidBlockException(string message) : Exception(message);
