using Hyperion.Core;
using Hyperion.Core.Blocks;
using Hyperion.Core.Crypto;
using Hyperion.Core.Transactions;
using Hyperion.Execution.Blocks;
using Hyperion.Execution.Specs;
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
/// A block a sequencer has open and preconfirms: each transaction is executed once, as it arrives, on the state so far
/// (<see cref="BlockBuilder"/>), and what was included since the last sub-block is published as the next one. Closing
/// it seals exactly what was added, so a preconfirmed receipt is the canonical one. Used by the dev chain's sequencer
/// and the rollup's; the caller holds the chain's write lock to add, publish and close.
/// </summary>
public sealed class OpenBlock
{
    private readonly object _lock = new(); // adding a transaction vs an RPC thread reading the pending state
    private readonly HashSet<Hash256> _tried = [];
    private int _published;
    private int _nextIndex;

    /// <param name="builder">The block opened on its parent.</param>
    /// <param name="readState">The parent state as RPC threads may read it (the builder executes on the writer's view).</param>
    /// <param name="withdrawalsRoot">The root of the block's (empty) withdrawals once Shanghai is active; null before.</param>
    public OpenBlock(BlockBuilder builder, IStateReader readState, Hash256? withdrawalsRoot)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(readState);
        Builder = builder;
        ReadState = readState;
        WithdrawalsRoot = withdrawalsRoot;
    }

    /// <summary>
    /// Opens <paramref name="block"/> (its header) with <paramref name="executor"/> on <paramref name="executionState"/>,
    /// the writer's view of the parent state; <paramref name="readState"/> is the same state as RPC threads read it.
    /// </summary>
    public static OpenBlock Start(IBlockExecutor executor, BlockInput block, IStateReader executionState, IStateReader readState)
    {
        ArgumentNullException.ThrowIfNull(executor);
        ArgumentNullException.ThrowIfNull(block);
        BlockHeader draft = block.Header;
        Hash256? withdrawalsRoot = executor.Spec.IsActive(Hardfork.Shanghai, draft.Number, draft.Timestamp) ? Keccak256.EmptyTrieRoot : null;
        return new OpenBlock(executor.Open(block, executionState), readState, withdrawalsRoot);
    }

    public BlockBuilder Builder { get; }

    /// <summary>The block's header draft.</summary>
    public BlockHeader Header => Builder.Header;

    public IStateReader ReadState { get; }

    public Hash256? WithdrawalsRoot { get; }

    /// <summary>
    /// Executes <paramref name="tx"/> on the block so far unless it was tried in this block before: true when it is
    /// included, false when it was skipped (the builder's last skipped says why) or tried before.
    /// </summary>
    public bool Add(Transaction tx, Address sender)
    {
        ArgumentNullException.ThrowIfNull(tx);
        if (!_tried.Add(tx.Hash))
        {
            return false;
        }

        lock (_lock)
        {
            return Builder.Add(tx, sender);
        }
    }

    /// <summary>
    /// Adds, in the pool's order, the executable transactions not tried in this block yet, up to
    /// <paramref name="maxTransactions"/> in the block (one that does not fit the gas left waits for the next block).
    /// </summary>
    public void AddFromPool(ITransactionPool pool, int maxTransactions)
    {
        ArgumentNullException.ThrowIfNull(pool);
        List<(Transaction, Address)> candidates = pool.SelectForBlock(Header.BaseFeePerGas ?? UInt256.Zero, maxTransactions);
        foreach ((Transaction tx, Address sender) in candidates)
        {
            if (Builder.Included.Count >= maxTransactions)
            {
                break;
            }

            Add(tx, sender);
        }
    }

    /// <summary>The state changes of the transactions so far (the pending state), safe to call from any thread.</summary>
    public StateChangeSet Changes()
    {
        lock (_lock)
        {
            return Builder.Changes();
        }
    }

    /// <summary>Ends the block with exactly the transactions added.</summary>
    public BlockExecution Close()
    {
        lock (_lock)
        {
            return Builder.Close();
        }
    }

    /// <summary>The next sub-block: everything included so far, of which what came since <paramref name="previous"/> is new; null when nothing is.</summary>
    internal PreconfirmedBlock? NextSubBlock(PreconfirmedBlock? previous)
    {
        IReadOnlyList<ExecutedTransaction> included = Builder.Included;
        int count = included.Count;
        if (count == _published)
        {
            return null;
        }

        var transactions = new ExecutedTransaction[count];
        for (int i = 0; i < count; i++)
        {
            transactions[i] = included[i];
        }

        var subBlock = new PreconfirmedBlock(Header, _nextIndex++, transactions, _published, WithdrawalsRoot, previous);
        _published = count;
        return subBlock;
    }
}

/// <summary>
/// A sequencer's preconfirmations (<see cref="IPreconfirmations"/>) of its <see cref="OpenBlock"/>: the published
/// sub-block while the block is open on the chain's head, the pending state, and the stream of sub-blocks. The
/// sequencer begins, publishes and ends blocks under the chain's write lock; RPC threads read.
/// </summary>
public sealed class PreconfirmationFeed(ChainStore store) : IPreconfirmations
{
    private volatile OpenBlock? _open;
    private volatile PreconfirmedBlock? _preconfirmed;

    /// <summary>The open block; null when none is.</summary>
    public OpenBlock? Open => _open;

    /// <summary>The published sub-block while it is on the head (a rewind withdraws it at once, not at the next round).</summary>
    public PreconfirmedBlock? Current => _preconfirmed is { } current && current.Draft.ParentHash == store.Head.Hash ? current : null;

    public event Action<PreconfirmedBlock>? Preconfirmed;

    public IStateReader? PendingState()
    {
        OpenBlock? open = _open;
        return open is null || Current is null ? null : new ChangeSetOverlay(open.ReadState, open.Changes());
    }

    /// <summary>Makes <paramref name="open"/> the open block; the previous one's preconfirmations are withdrawn.</summary>
    public void Begin(OpenBlock open)
    {
        ArgumentNullException.ThrowIfNull(open);
        _preconfirmed = null;
        _open = open;
    }

    /// <summary>No block is open any more (closed, or withdrawn when the chain moved under it).</summary>
    public void End()
    {
        _open = null;
        _preconfirmed = null;
    }

    /// <summary>Publishes what the open block included since its last sub-block; the new sub-block, or null when nothing is new.</summary>
    public PreconfirmedBlock? Publish()
    {
        if (_open?.NextSubBlock(_preconfirmed) is not { } subBlock)
        {
            return null;
        }

        _preconfirmed = subBlock;
        Preconfirmed?.Invoke(subBlock);
        return subBlock;
    }
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
