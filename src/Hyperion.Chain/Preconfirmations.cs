using Hyperion.Core;
using Hyperion.Core.Blocks;
using Hyperion.Core.Crypto;
using Hyperion.Core.Transactions;
using Hyperion.Execution.Blocks;
using Hyperion.Execution.Specs;
using Hyperion.State;
using Hyperion.State.World;

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
    private readonly PreconfirmedTransactions _preconfirmed = new();
    private readonly BlockAddressCollector _addresses = new();
    private int _published;
    private int _nextIndex;
    private int _includedInParent;

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
    /// The addresses the included transactions' frames touched and the contracts they created, collected as they
    /// executed: the address index of the block once it is added (<see cref="BlockAddedEvent.Addresses"/>).
    /// </summary>
    public BlockAddresses Addresses => _addresses.Addresses;

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
            _addresses.Begin(Builder.Included.Count);
            if (Builder.Add(tx, sender, _addresses))
            {
                return true;
            }

            _addresses.Discard();
            return false;
        }
    }

    /// <summary>
    /// Marks <paramref name="hashes"/>, the transactions of the parent block (sealed, its commit still in flight, so the
    /// pool still holds them), as tried: the pool's selection passes over them.
    /// </summary>
    public void IncludedInParent(IReadOnlySet<Hash256> hashes)
    {
        ArgumentNullException.ThrowIfNull(hashes);
        _tried.EnsureCapacity(_tried.Count + hashes.Count);
        foreach (Hash256 hash in hashes)
        {
            _tried.Add(hash);
        }

        _includedInParent += hashes.Count;
    }

    /// <summary>
    /// Adds, in the pool's order, the executable transactions not tried in this block yet, up to
    /// <paramref name="maxTransactions"/> in the block (one that does not fit the gas left waits for the next block).
    /// </summary>
    public void AddFromPool(ITransactionPool pool, int maxTransactions)
    {
        ArgumentNullException.ThrowIfNull(pool);
        List<(Transaction, Address)> candidates = pool.SelectForBlock(Header.BaseFeePerGas ?? UInt256.Zero, maxTransactions + _includedInParent);
        // Sized once for the candidates, not grown through every prime size on the way to a block's count; the address
        // index's entries for two addresses a transaction (its sender and the account it calls) of as many as the block's
        // gas can include, not doubled up to them.
        _tried.EnsureCapacity(_tried.Count + candidates.Count);
        int includable = (int)Math.Min((ulong)candidates.Count, Header.GasLimit / 21_000);
        _addresses.Addresses.Touched.EnsureCapacity(_addresses.Addresses.Touched.Count + 2 * includable);
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

    /// <summary>The next sub-block: everything included so far, of which what came since the last one is new; null when nothing is.</summary>
    internal PreconfirmedBlock? NextSubBlock()
    {
        IReadOnlyList<ExecutedTransaction> included = Builder.Included;
        int count = included.Count;
        if (count == _published)
        {
            return null;
        }

        for (int i = _published; i < count; i++)
        {
            _preconfirmed.Add(included[i]);
        }

        var subBlock = new PreconfirmedBlock(Header, _nextIndex++, _preconfirmed, count, _published, WithdrawalsRoot);
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
        if (_open?.NextSubBlock() is not { } subBlock)
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
    private readonly PreconfirmedTransactions _all;
    private StoredBlock? _block;

    internal PreconfirmedBlock(BlockHeader draft, int index, PreconfirmedTransactions all, int count, int firstNew, Hash256? withdrawalsRoot)
    {
        Draft = draft;
        Index = index;
        _all = all;
        Transactions = new ArraySegment<ExecutedTransaction>(all.Items, 0, count);
        FirstNew = firstNew;
        _withdrawalsRoot = withdrawalsRoot;
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
    public bool TryFind(in Hash256 hash, out int index) => _all.TryFind(hash, Transactions.Count, out index);

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
            if (executed.Receipt.Logs.Count > 0)
            {
                bloom.Accumulate(executed.Receipt.LogsBloom); // no bloom object made for a receipt
            }
            blobGas += executed.Result.BlobGasUsed;
        }

        var execution = new BlockExecution(
            Transactions, [], new StateChangeSet([], []), GasUsed, blobGas, bloom,
            BlockLists.TransactionsRoot(Transactions),
            BlockLists.ReceiptsRoot(Transactions),
            _withdrawalsRoot);
        return BlockImporter.Complete(Draft, execution, Hash256.Zero);
    }
}

/// <summary>
/// The chain as a client reads it while a block is preconfirmed: the open block, as far as it is preconfirmed, is the
/// head — <c>latest</c>, <c>pending</c>, its number and its provisional hash name it — so a client that got a
/// preconfirmed receipt and then reads the head (ethers' and viem's <c>wait()</c>, then a call) sees the transaction.
/// A block the sealed chain has is always preferred (the open block may have closed since this view was taken).
/// </summary>
public sealed class PreconfirmedChain(IBlockReader chain, PreconfirmedBlock open) : IBlockReader
{
    public StoredBlock Genesis => chain.Genesis;

    public StoredBlock Head => chain.Head.Number >= open.Draft.Number ? chain.Head : open.Block;

    public IChainHeads? Heads => chain.Heads;

    public StoredBlock? GetByNumber(ulong number) => chain.GetByNumber(number) ?? (number == open.Draft.Number ? open.Block : null);

    public StoredBlock? GetByHash(in Hash256 hash) => chain.GetByHash(hash) ?? (hash == open.Block.Hash ? open.Block : null);

    public bool TryFindTransaction(in Hash256 hash, out StoredBlock block, out int index)
    {
        if (chain.TryFindTransaction(hash, out block, out index))
        {
            return true;
        }

        if (open.TryFind(hash, out index))
        {
            block = open.Block;
            return true;
        }

        return chain.TryFindTransaction(hash, out block, out index); // the open block closed in between
    }

    public Hash256 GetBlockHash(ulong number) => chain.GetBlockHash(number);
}

/// <summary>
/// The transactions preconfirmed in one block so far, shared by its sub-blocks: appended in place, and a sub-block
/// reads only the prefix it was published with, so publishing one costs what it adds, not the whole block again.
/// One writer (under the chain's write lock); readers on any thread.
/// </summary>
internal sealed class PreconfirmedTransactions
{
    private readonly Dictionary<Hash256, int> _indexes = [];
    private ExecutedTransaction[] _items = new ExecutedTransaction[16];
    private int _count;

    /// <summary>The array the transactions are in now (a grown one leaves the old one intact for its readers).</summary>
    public ExecutedTransaction[] Items => Volatile.Read(ref _items);

    public void Add(ExecutedTransaction executed)
    {
        if (_count == _items.Length)
        {
            var grown = new ExecutedTransaction[_count * 2];
            Array.Copy(_items, grown, _count);
            Volatile.Write(ref _items, grown);
        }

        _items[_count] = executed;
        lock (_indexes)
        {
            _indexes[executed.Transaction.Hash] = _count;
        }

        _count++;
    }

    /// <summary>The position of <paramref name="hash"/> among the first <paramref name="count"/> transactions, if it is one.</summary>
    public bool TryFind(in Hash256 hash, int count, out int index)
    {
        lock (_indexes)
        {
            if (_indexes.TryGetValue(hash, out index) && index < count)
            {
                return true;
            }
        }

        index = 0;
        return false;
    }
}

