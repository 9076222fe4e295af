using Hyperion.Core;
using Hyperion.Core.Blocks;
using Hyperion.Core.Diagnostics;
using Hyperion.Core.Transactions;
using Hyperion.Execution.Blocks;
using Hyperion.State.World;

namespace Hyperion.Chain;

/// <summary>
/// Imports blocks that are already in the block log (a restart's replay, a rewind's re-execution): re-executes each on
/// the latest state and checks that it reproduces its header before publishing its state.
/// </summary>
public sealed class BlockImporter(ChainProvider chain)
{
    /// <summary>Re-executes <paramref name="stored"/>, a block of the chain's store, with the state edits the store holds before it.</summary>
    public void Import(StoredBlock stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        Import(stored, chain.Store.EditsBefore(stored.Number));
    }

    /// <summary>
    /// Re-executes <paramref name="stored"/> on the current state with <paramref name="editsBefore"/> (the state edits
    /// logged before it) applied first; throws when it does not reproduce its header.
    /// </summary>
    public void Import(StoredBlock stored, IReadOnlyList<StateEdit> editsBefore)
    {
        ArgumentNullException.ThrowIfNull(stored);
        ArgumentNullException.ThrowIfNull(editsBefore);
        IChainState states = chain.States;
        BlockHeader header = stored.Header;
        EditedState edits = EditedState.Of(states.Head, editsBefore, states.LatestForExecution);

        BlockExecution execution = chain.Executor.Execute(BlockInput.Of(stored.Block, stored.Senders, chain.Store), edits.Over(states.LatestForExecution), BlockExecutionMode.Import);
        StoredBlock rebuilt = Seal(states, header, execution, edits);
        if (rebuilt.Hash != stored.Hash)
        {
            states.Abort(header.Number);
            throw new InvalidDataException(
                $"block {header.Number} does not re-execute to its stored header (state root {rebuilt.Header.StateRoot} vs {header.StateRoot}, " +
                $"receipts root {rebuilt.Header.ReceiptsRoot} vs {header.ReceiptsRoot})");
        }

        states.Publish(header.Number);
    }

    /// <summary>
    /// Stages the execution's state (to be published or aborted) and completes the header with the roots: the one way
    /// both the producer and the importer turn a header draft and its execution into a block. The execution ran over
    /// <paramref name="edits"/> (state edits made before the block), which the staged state includes.
    /// </summary>
    public static StoredBlock Seal(IChainState states, BlockHeader draft, BlockExecution execution) =>
        Seal(states, draft, execution, EditedState.None(states?.Head ?? throw new ArgumentNullException(nameof(states))));

    /// <inheritdoc cref="Seal(IChainState, BlockHeader, BlockExecution)"/>
    public static StoredBlock Seal(IChainState states, BlockHeader draft, BlockExecution execution, EditedState edits)
    {
        ArgumentNullException.ThrowIfNull(states);
        ArgumentNullException.ThrowIfNull(draft);
        ArgumentNullException.ThrowIfNull(execution);
        ArgumentNullException.ThrowIfNull(edits);
        return Seal(states, draft, execution, edits.Merge(execution.Changes));
    }

    /// <summary>Stages <paramref name="changes"/> (the execution's, with any state edits before it merged in) and completes the header with the roots.</summary>
    public static StoredBlock Seal(IChainState states, BlockHeader draft, BlockExecution execution, StateChangeSet changes)
    {
        ArgumentNullException.ThrowIfNull(states);
        ArgumentNullException.ThrowIfNull(draft);
        ArgumentNullException.ThrowIfNull(changes);
        long cpu = BlockCpuProbe.Start();
        Hash256 stateRoot = states.Stage(draft.Number, changes);
        BlockCpuProbe.Stop(BlockCpuPhase.StateRoot, cpu);
        cpu = BlockCpuProbe.Start();
        StoredBlock block = Complete(draft, execution, stateRoot);
        BlockCpuProbe.Stop(BlockCpuPhase.Assemble, cpu);
        return block;
    }

    /// <summary>The block a header draft and its execution make, with <paramref name="stateRoot"/> as its state root.</summary>
    public static StoredBlock Complete(BlockHeader draft, BlockExecution execution, Hash256 stateRoot)
    {
        ArgumentNullException.ThrowIfNull(draft);
        ArgumentNullException.ThrowIfNull(execution);
        BlockHeader header = new()
        {
            ParentHash = draft.ParentHash,
            Beneficiary = draft.Beneficiary,
            StateRoot = stateRoot,
            TransactionsRoot = execution.TransactionsRoot,
            ReceiptsRoot = execution.ReceiptsRoot,
            LogsBloom = execution.Bloom,
            Difficulty = UInt256.Zero,
            Number = draft.Number,
            GasLimit = draft.GasLimit,
            GasUsed = execution.GasUsed,
            Timestamp = draft.Timestamp,
            ExtraData = draft.ExtraData,
            MixHash = draft.MixHash,
            BaseFeePerGas = draft.BaseFeePerGas,
            WithdrawalsRoot = execution.WithdrawalsRoot,
            BlobGasUsed = draft.ExcessBlobGas is null ? null : execution.BlobGasUsed,
            ExcessBlobGas = draft.ExcessBlobGas,
            ParentBeaconBlockRoot = draft.ParentBeaconBlockRoot,
        };
        // The three lists in one pass over the executed transactions (three LINQ projections made an iterator and a delegate call each).
        IReadOnlyList<ExecutedTransaction> executed = execution.Transactions;
        var transactions = new Transaction[executed.Count];
        var receipts = new Receipt[executed.Count];
        var senders = new Address[executed.Count];
        for (int i = 0; i < executed.Count; i++)
        {
            ExecutedTransaction tx = executed[i];
            transactions[i] = tx.Transaction;
            receipts[i] = tx.Receipt;
            senders[i] = tx.Sender;
        }

        var block = new Block(header, new BlockBody(transactions, [], execution.WithdrawalsRoot is null ? null : []));
        return new StoredBlock(block, receipts, senders);
    }
}
