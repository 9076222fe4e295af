using Hyperion.Core;
using Hyperion.Core.Blocks;
using Hyperion.Core.Transactions;
using Hyperion.Evm;
using Hyperion.Evm.Precompiles;
using Hyperion.Execution.Transactions;
using Hyperion.State.World;
using Hyperion.Trie;

namespace Hyperion.Execution.Blocks;

/// <summary>
/// What a block's transactions add up to, taken in block order whoever executed them: the gas and blob-gas limits
/// checked before each transaction, the receipts with their cumulative gas, the skipped transactions (or, on import,
/// the <see cref="InvalidBlockException"/> at the first one), the bloom and the roots. The sequential and the
/// parallel executor both feed their results through it, so both decide inclusion and word errors alike.
/// </summary>
internal sealed class BlockAssembly
{
    private readonly BlockInput _block;
    private readonly BlockEnvironment _environment;
    private readonly bool _strict;
    private readonly bool _shanghai;
    private readonly ulong _maxBlobGas;
    private readonly List<ExecutedTransaction> _executed;
    private readonly List<SkippedTransaction> _skipped = [];
    private readonly Bloom _bloom = new();

    // The bloom bits of the block's log addresses and topics (see Receipt.BloomOf): made at the first log.
    private Dictionary<Address, BloomBits>? _logAddressBits;
    private Dictionary<Hash256, BloomBits>? _logTopicBits;
    private ulong _gasUsed;
    private ulong _blobGasUsed;
    private Hash256? _transactionsRoot;
    private Hash256? _receiptsRoot;

    public BlockAssembly(BlockExecutor executor, BlockInput block, BlockEnvironment environment, BlockExecutionMode mode)
    {
        BlockHeader header = block.Header;
        _block = block;
        _environment = environment;
        _strict = mode == BlockExecutionMode.Import;
        _shanghai = executor.Spec.IsActive(Specs.Hardfork.Shanghai, header.Number, header.Timestamp);
        _maxBlobGas = executor.Spec.BlobScheduleAt(header.Number, header.Timestamp)?.MaxBlobGasPerBlock ?? 0;
        _executed = new List<ExecutedTransaction>(block.Transactions.Count);
        AddressCollector = block.CollectAddresses ? new BlockAddressCollector() : null;
    }

    /// <summary>
    /// When the block collects its address-index entries (<see cref="BlockInput.CollectAddresses"/>): the tracer of the
    /// transactions executed one after another into this assembly (<see cref="BlockExecutor"/>'s), and the entries of all.
    /// </summary>
    public BlockAddressCollector? AddressCollector { get; }

    public IReadOnlyList<ExecutedTransaction> Executed => _executed;

    public IReadOnlyList<SkippedTransaction> Skipped => _skipped;

    public ulong GasUsed => _gasUsed;

    /// <summary>
    /// True when <paramref name="tx"/> fits in the gas and blob gas the block has left; otherwise it is skipped (on
    /// import: the block is invalid) and false is returned.
    /// </summary>
    public bool Fits(Transaction tx, Address sender)
    {
        if (tx.GasLimit > _environment.GasLimit - _gasUsed)
        {
            Skip(tx, sender, "gas limit reached", permanent: tx.GasLimit > _environment.GasLimit);
            return false;
        }

        if (tx.BlobGas > _maxBlobGas - _blobGasUsed)
        {
            Skip(tx, sender, $"blob gas limit reached ({_blobGasUsed} of {_maxBlobGas} used, the transaction needs {tx.BlobGas})", permanent: tx.BlobGas > _maxBlobGas);
            return false;
        }

        return true;
    }

    /// <summary>The result of a transaction that <see cref="Fits"/>: a receipt when valid, a skip (on import: the block is invalid) otherwise.</summary>
    /// <param name="logsBloom">The bloom of <paramref name="result"/>'s logs when the caller computed it already (a parallel worker does).</param>
    /// <param name="addresses">
    /// When the block collects its address-index entries and <paramref name="result"/> came from an execution not
    /// traced by <see cref="AddressCollector"/> (a Block-STM incarnation): that execution's entries, kept if it is included.
    /// </param>
    public void Add(Transaction tx, Address sender, in TransactionResult result, Bloom? logsBloom = null, TransactionAddresses? addresses = null)
    {
        if (addresses is not null && result.IsValid)
        {
            (AddressCollector ?? throw new InvalidOperationException("the block does not collect its addresses")).Addresses.Add(_executed.Count, addresses);
        }

        if (!result.IsValid)
        {
            // A nonce gap, a fee below the current base fee or a short balance may resolve in a later block.
            bool temporary = result.Rejection!.Reason is TransactionRejectionReason.NonceTooHigh
                or TransactionRejectionReason.InsufficientMaxFeePerGas or TransactionRejectionReason.InsufficientFunds
                or TransactionRejectionReason.InsufficientMaxFeePerBlobGas or TransactionRejectionReason.GasAllowanceExceeded;
            Skip(tx, sender, result.Rejection.Message, permanent: !temporary);
            return;
        }

        _gasUsed += (ulong)result.GasUsed;
        _blobGasUsed += result.BlobGasUsed;
        // No bloom object for a receipt without logs (most plain transfers): it is all zeros, made only if read.
        Bloom? bloom = result.Logs.Count == 0 ? null : logsBloom ?? Receipt.BloomOf(result.Logs, _logAddressBits ??= [], _logTopicBits ??= []);
        var receipt = new Receipt
        {
            Type = tx.Type,
            Success = result.Success,
            CumulativeGasUsed = _gasUsed,
            Logs = result.Logs,
            Bloom = bloom!,
            DepositNonce = result.DepositNonce,
            DepositReceiptVersion = result.DepositReceiptVersion,
        };
        if (bloom is not null)
        {
            _bloom.Accumulate(bloom);
        }
        _executed.Add(new ExecutedTransaction(tx, sender, receipt, result));
    }

    /// <summary>
    /// A transaction that needs a precompile this node cannot run (its effects already undone): the node never
    /// substitutes another result, so it is dropped when building, and a block that needs it is refused on import.
    /// </summary>
    public void Unavailable(Transaction tx, Address sender, PrecompileUnavailableException e)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (_strict)
        {
            throw new InvalidBlockException($"block {_block.Header.Number}: this node cannot execute transaction {tx.Hash}: {e.Message}");
        }

        Skip(tx, sender, e.Message, permanent: true);
    }

    /// <summary>The block's execution, its state changes being <paramref name="changes"/>.</summary>
    public BlockExecution Complete(StateChangeSet changes)
    {
        CompleteTransactionsRoot();
        CompleteReceiptsRoot();
        Hash256? withdrawalsRoot = _shanghai ? TrieRoot.OfList([.. _block.Withdrawals.Select(w => w.Encode())]) : null;
        return new BlockExecution(_executed, _skipped, changes, _gasUsed, _blobGasUsed, _bloom, _transactionsRoot!.Value, _receiptsRoot!.Value, withdrawalsRoot)
        {
            Addresses = AddressCollector?.Addresses,
        };
    }

    // The two roots can be computed ahead of Complete, once every transaction is added, each on its own thread (the
    // parallel executor computes them beside the block's state changes): they read only what is added.

    /// <summary>The transactions' root, for <see cref="Complete"/>.</summary>
    public void CompleteTransactionsRoot() => _transactionsRoot ??= BlockLists.TransactionsRoot(_executed);

    /// <summary>
    /// The transactions' root as <paramref name="rootOfAll"/>, the root of all <paramref name="all"/> of the block's
    /// transactions computed ahead, when every one of them was executed (then the two lists are the same).
    /// </summary>
    public void CompleteTransactionsRoot(Hash256 rootOfAll, int all)
    {
        if (_executed.Count == all)
        {
            _transactionsRoot ??= rootOfAll;
        }
    }

    /// <summary>The receipts' root, for <see cref="Complete"/>.</summary>
    public void CompleteReceiptsRoot() => _receiptsRoot ??= ReceiptsTrie().Root;

    /// <summary>
    /// The receipts' trie (<see cref="BlockLists.ReceiptsTrie"/>), once every transaction is added, not yet hashed:
    /// several threads may hash its leaves (most of the root's time) before <see cref="CompleteReceiptsRoot(ListTrie)"/>.
    /// </summary>
    public ListTrie ReceiptsTrie() => BlockLists.ReceiptsTrie(_executed);

    /// <summary>
    /// The receipts' trie made before the receipts (<see cref="ListTrie.Ahead"/>), for a block whose <paramref name="count"/>
    /// transactions will all be added (an import's, or it is invalid): its leaves read them once hashed.
    /// </summary>
    public ListTrie ReceiptsTrieAhead(int count) => ListTrie.Ahead(new ReceiptEnvelopes(_executed), count);

    /// <summary>The receipts' root from <paramref name="receipts"/>, this assembly's <see cref="ReceiptsTrie"/> (or <see cref="ReceiptsTrieAhead"/> with every transaction added).</summary>
    public void CompleteReceiptsRoot(ListTrie receipts) => _receiptsRoot ??= receipts.Root;

    private void Skip(Transaction tx, Address sender, string reason, bool permanent)
    {
        if (_strict)
        {
            throw new InvalidBlockException($"transaction {tx.Hash} cannot be included: {reason}");
        }

        _skipped.Add(new SkippedTransaction(tx, sender, reason, permanent));
    }
}

/// <summary>The tries of a block's transactions and receipts, for its roots (a block being built, or a pending one).</summary>
public static class BlockLists
{
    /// <summary>The root of the trie of <paramref name="executed"/>' transactions' envelopes: a block's transactions' root.</summary>
    public static Hash256 TransactionsRoot(IReadOnlyList<ExecutedTransaction> executed)
    {
        ArgumentNullException.ThrowIfNull(executed);
        return new ListTrie(new TransactionEnvelopes(executed.Count, i => executed[i].Transaction)).Root;
    }

    /// <summary>The trie of <paramref name="transactions"/>' envelopes, not yet hashed (see <see cref="ListTrie.HashLeaves"/>).</summary>
    public static ListTrie TransactionsTrie(IReadOnlyList<(Transaction Transaction, Address Sender)> transactions)
    {
        ArgumentNullException.ThrowIfNull(transactions);
        return new ListTrie(new TransactionEnvelopes(transactions.Count, i => transactions[i].Transaction));
    }

    /// <summary>
    /// The trie of <paramref name="executed"/>' receipts, not yet hashed: its leaves write the receipts' envelopes into
    /// their own encodings, hashed and not kept (an envelope and a leaf encoding per receipt lived to the block's end).
    /// </summary>
    public static ListTrie ReceiptsTrie(IReadOnlyList<ExecutedTransaction> executed) => new(new ReceiptEnvelopes(executed));

    /// <summary>The root of <paramref name="executed"/>' receipts (<see cref="ReceiptsTrie"/>).</summary>
    public static Hash256 ReceiptsRoot(IReadOnlyList<ExecutedTransaction> executed) => ReceiptsTrie(executed).Root;
}

/// <summary>The receipts' envelopes as a list trie's items, written by its leaves (threads may write different ones at once).</summary>
internal sealed class ReceiptEnvelopes(IReadOnlyList<ExecutedTransaction> executed) : IListItems
{
    public int Count => executed.Count;

    public int LengthOf(int index) => executed[index].Receipt.EnvelopeLength;

    public void Write(int index, Span<byte> destination) => executed[index].Receipt.WriteEnvelope(destination);
}

/// <summary>
/// Transactions' envelopes as a list trie's items, written by its leaves from the decoded transactions' own bytes (an
/// array of the envelopes, and a copy of each not held whole in one, was made per block before).
/// </summary>
internal sealed class TransactionEnvelopes(int count, Func<int, Transaction> transactionAt) : IListItems
{
    public int Count => count;

    public int LengthOf(int index) => transactionAt(index).Envelope.Length;

    public void Write(int index, Span<byte> destination) => transactionAt(index).Envelope.Span.CopyTo(destination);
}
