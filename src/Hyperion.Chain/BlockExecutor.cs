using Hyperion.Core;
using Hyperion.Core.Blocks;
using Hyperion.Core.Crypto;
using Hyperion.Core.Transactions;
using Hyperion.Evm;
using Hyperion.Evm.Precompiles;
using Hyperion.Execution.Transactions;
using Hyperion.State;
using Hyperion.State.World;
using Hyperion.Trie;

namespace Hyperion.Chain;

/// <summary>What one executed transaction contributes to its block.</summary>
public sealed record ExecutedTransaction(Transaction Transaction, Address Sender, Receipt Receipt, ulong GasUsed, Address? ContractAddress, TransactionResult Result);

/// <summary>A transaction the executor left out of the block, with the reason (geth's wording where it has one).</summary>
public sealed record SkippedTransaction(Transaction Transaction, Address Sender, string Reason, bool Permanent);

/// <summary>The outcome of executing a block's transactions on its parent state.</summary>
public sealed record BlockExecution(
    IReadOnlyList<ExecutedTransaction> Transactions,
    IReadOnlyList<SkippedTransaction> Skipped,
    StateChangeSet Changes,
    ulong GasUsed,
    ulong BlobGasUsed,
    Bloom Bloom,
    Hash256 TransactionsRoot,
    Hash256 ReceiptsRoot);

/// <summary>
/// Runs a block's transactions on the parent state with MetisVM's transaction handler and produces receipts, bloom,
/// roots and the state change set. The sequencer uses it to build blocks (skipping transactions that do not fit or
/// are no longer valid) and the importer to re-execute stored blocks (where every transaction must apply).
/// </summary>
public static class BlockExecutor
{
    /// <summary>The block environment of a block with the given header, for MetisVM.</summary>
    public static BlockEnvironment Environment(BlockHeader header, ulong chainId, IBlockHashProvider? blockHashes) =>
        BlockEnvironment.CancunFromHeader(header, chainId, blockHashes);

    /// <summary>
    /// Executes <paramref name="candidates"/> in order on <paramref name="parentState"/> for a block with environment
    /// <paramref name="environment"/>. With <paramref name="strict"/> (import), any transaction that cannot be
    /// included throws; otherwise it is skipped and reported. A transaction that needs a precompile this node cannot
    /// compute (<see cref="PrecompileUnavailableException"/>, e.g. a registered model whose file is missing) is
    /// dropped when building and refuses the block on import: the node never substitutes another result.
    /// </summary>
    /// <param name="precompiles">The chain's precompiles (default: the fork's standard set).</param>
    public static BlockExecution Execute(
        BlockEnvironment environment,
        IStateReader parentState,
        IReadOnlyList<(Transaction Transaction, Address Sender)> candidates,
        bool strict,
        PrecompileTable? precompiles = null)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(candidates);
        var state = new WorldState(parentState);
        var processor = new TransactionProcessor(environment, precompiles);
        var executed = new List<ExecutedTransaction>(candidates.Count);
        var skipped = new List<SkippedTransaction>();
        var bloom = new Bloom();
        ulong gasUsed = 0;
        ulong blobGasUsed = 0;
        ulong maxBlobGas = BlobSchedule.Cancun.MaxBlobGasPerBlock;

        foreach ((Transaction tx, Address sender) in candidates)
        {
            if (tx.GasLimit > environment.GasLimit - gasUsed)
            {
                Skip(tx, sender, "gas limit reached", permanent: tx.GasLimit > environment.GasLimit);
                continue;
            }

            if (tx.BlobGas > maxBlobGas - blobGasUsed)
            {
                Skip(tx, sender, "blob gas limit reached", permanent: false);
                continue;
            }

            // Types the handler does not execute come back as a permanent TypeNotSupported rejection.
            TransactionResult result;
            int beforeTransaction = state.TakeSnapshot();
            try
            {
                result = processor.Execute(state, tx, sender);
            }
            catch (PrecompileUnavailableException e)
            {
                if (strict)
                {
                    throw new InvalidBlockException($"block {environment.Number}: this node cannot execute transaction {tx.Hash}: {e.Message}");
                }

                state.RevertToSnapshot(beforeTransaction);
                Skip(tx, sender, e.Message, permanent: true);
                continue;
            }

            if (!result.IsValid)
            {
                // A nonce gap, a fee below the current base fee or a short balance may resolve in a later block.
                bool temporary = result.Rejection!.Reason is TransactionRejectionReason.NonceTooHigh
                    or TransactionRejectionReason.InsufficientMaxFeePerGas or TransactionRejectionReason.InsufficientFunds
                    or TransactionRejectionReason.InsufficientMaxFeePerBlobGas or TransactionRejectionReason.GasAllowanceExceeded;
                Skip(tx, sender, result.Rejection.Message, permanent: !temporary);
                continue;
            }

            gasUsed += (ulong)result.GasUsed;
            blobGasUsed += result.BlobGasUsed;
            var receipt = new Receipt
            {
                Type = tx.Type,
                Success = result.Success,
                CumulativeGasUsed = gasUsed,
                Logs = result.Logs,
                Bloom = Receipt.BloomOf(result.Logs),
            };
            bloom.Accumulate(receipt.Bloom);
            executed.Add(new ExecutedTransaction(tx, sender, receipt, (ulong)result.GasUsed, result.CreatedAddress, result));
        }

        StateChangeSet changes = state.CollectChanges();
        Hash256 transactionsRoot = TrieRoot.OfList([.. executed.Select(e => e.Transaction.Envelope.ToArray())]);
        Hash256 receiptsRoot = TrieRoot.OfList([.. executed.Select(e => e.Receipt.EncodeEnvelope())]);
        return new BlockExecution(executed, skipped, changes, gasUsed, blobGasUsed, bloom, transactionsRoot, receiptsRoot);

        void Skip(Transaction tx, Address sender, string reason, bool permanent)
        {
            if (strict)
            {
                throw new InvalidBlockException($"transaction {tx.Hash} cannot be included: {reason}");
            }

            skipped.Add(new SkippedTransaction(tx, sender, reason, permanent));
        }
    }
}

/// <summary>A block could not be imported: its transactions or results do not match its header.</summary>
public sealed class InvalidBlockException(string message) : Exception(message);
