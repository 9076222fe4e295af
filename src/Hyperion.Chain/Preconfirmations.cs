using Hyperion.Core;
using Hyperion.Core.Blocks;
using Hyperion.Execution.Blocks;
using Hyperion.State;
using Hyperion.State.World;
using Hyperion.Trie;

namespace Hyperion.Chain;

/// <summary>
/// A sequencer's preconfirmations: the transactions of the block it has open, executed as they arrived, whose receipts
/// the block closes with unchanged (same order, same receipts), served before the block is canonical.
/// </summary>
public interface IPreconfirmations
{
    /// <summary>The open block as far as it is preconfirmed; null when no transaction is preconfirmed.</summary>
    PreconfirmedBlock? Current { get; }

    /// <summary>The state after the preconfirmed transactions (the <c>pending</c> tag); null when none is preconfirmed.</summary>
    IStateReader? PendingState();

    /// <summary>
    /// A sub-block was preconfirmed (the sequencer's thread raises it under the chain's write lock: handlers queue, never
    /// block). Sub-blocks of one block come with indexes 0, 1, 2, …; the next block starts again at 0.
    /// </summary>
    event Action<PreconfirmedBlock>? Preconfirmed;
}

/// <summary>
/// One preconfirmed sub-block of the open block (a flashblock): the block's header draft, every transaction
/// preconfirmed in it so far with its receipt, and which of them are new in this sub-block (from <see cref="FirstNew"/>).
/// </summary>
public sealed class PreconfirmedBlock
{
    private readonly Hash256? _withdrawalsRoot;
    private readonly Dictionary<Hash256, int> _indexes;
    private StoredBlock? _block;

    internal PreconfirmedBlock(BlockHeader draft, int index, ExecutedTransaction[] transactions, int firstNew, Hash256? withdrawalsRoot, PreconfirmedBlock? previous)
    {
        Draft = draft;
        Index = index;
        Transactions = transactions;
        FirstNew = firstNew;
        _withdrawalsRoot = withdrawalsRoot;
        // Each sub-block adds to the previous one's index (readers hold the old one; it is never changed after publishing).
        _indexes = previous is null ? new Dictionary<Hash256, int>(transactions.Length) : new Dictionary<Hash256, int>(previous._indexes);
        for (int i = firstNew; i < transactions.Length; i++)
        {
            _indexes[transactions[i].Transaction.Hash] = i;
        }
    }

    /// <summary>The open block's header draft (number, parent, timestamp, fees); its roots and gas used come at closing.</summary>
    public BlockHeader Draft { get; }

    /// <summary>The sub-block's index in its block: 0 for the first.</summary>
    public int Index { get; }

    /// <summary>Every transaction preconfirmed in the block so far, in block order, with its receipt.</summary>
    public IReadOnlyList<ExecutedTransaction> Transactions { get; }

    /// <summary>The position of the first transaction this sub-block added.</summary>
    public int FirstNew { get; }

    /// <summary>The gas the preconfirmed transactions used.</summary>
    public ulong GasUsed => Transactions.Count == 0 ? 0 : Transactions[^1].Receipt.CumulativeGasUsed;

    /// <summary>The position of the preconfirmed transaction <paramref name="hash"/>, if it is one.</summary>
    public bool TryFind(in Hash256 hash, out int index) => _indexes.TryGetValue(hash, out index);

    /// <summary>
    /// The pending block: the draft completed with these transactions, their roots, bloom and gas, and a zero state
    /// root (the state root is computed when the block closes), so its hash is provisional and not the canonical one's.
    /// </summary>
    public StoredBlock Block => Volatile.Read(ref _block) ?? Interlocked.CompareExchange(ref _block, Build(), null) ?? _block!;

    private StoredBlock Build()
    {
        var bloom = new Bloom();
        ulong blobGas = 0;
        foreach (ExecutedTransaction executed in Transactions)
        {
            bloom.Accumulate(executed.Receipt.Bloom);
            blobGas += executed.Result.BlobGasUsed;
        }

        var execution = new BlockExecution(
            Transactions, [], new StateChangeSet([], []), GasUsed, blobGas, bloom,
            TrieRoot.OfList([.. Transactions.Select(e => e.Transaction.Envelope.ToArray())]),
            TrieRoot.OfList([.. Transactions.Select(e => e.Receipt.EncodeEnvelope())]),
            _withdrawalsRoot);
        return BlockImporter.Complete(Draft, execution, Hash256.Zero);
    }
}
