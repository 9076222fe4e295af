using System.Buffers.Binary;
using System.Collections.Immutable;
using Hyperion.Core;
using Hyperion.Core.Blocks;
using Hyperion.Core.Transactions;
using Hyperion.Evm;

namespace Hyperion.Chain;

/// <summary>A block with what RPC serves about it: receipts and the recovered senders of its transactions.</summary>
/// <remarks>
/// A block read back from the log is decoded in two steps: the block itself at once (the store indexes its hash and
/// transaction hashes), its receipts and senders on first use. Recovering senders is the costly part of decoding, so
/// a restart does not pay it for the whole chain, only for the blocks it re-executes or a client asks for.
/// </remarks>
public sealed class StoredBlock
{
    private readonly byte[]? _record;
    private readonly int _receiptsOffset;
    private Details? _details;

    /// <summary>The receipts and senders of a block, set once (eagerly, or on first use for a block read from the log).</summary>
    private sealed record Details(IReadOnlyList<Receipt> Receipts, IReadOnlyList<Address> Senders);

    public StoredBlock(Block block, IReadOnlyList<Receipt> receipts, IReadOnlyList<Address> senders)
    {
        ArgumentNullException.ThrowIfNull(block);
        ArgumentNullException.ThrowIfNull(receipts);
        ArgumentNullException.ThrowIfNull(senders);
        if (receipts.Count != block.Transactions.Length || senders.Count != block.Transactions.Length)
        {
            throw new ArgumentException("one receipt and one sender per transaction");
        }

        Block = block;
        _details = new Details(receipts, senders);
    }

    private StoredBlock(Block block, byte[] record, int receiptsOffset)
    {
        Block = block;
        _record = record;
        _receiptsOffset = receiptsOffset;
    }

    public Block Block { get; }
    public BlockHeader Header => Block.Header;
    public ulong Number => Block.Number;
    public Hash256 Hash => Block.Hash;
    public IReadOnlyList<Receipt> Receipts => GetDetails().Receipts;
    public IReadOnlyList<Address> Senders => GetDetails().Senders;

    /// <summary>Two threads may decode the same record at once; both get equal results and one is kept.</summary>
    private Details GetDetails() =>
        Volatile.Read(ref _details) ?? Interlocked.CompareExchange(ref _details, DecodeDetails(), null) ?? _details!;

    /// <summary>Gas used by transaction <paramref name="index"/> alone.</summary>
    public ulong GasUsedBy(int index) =>
        Receipts[index].CumulativeGasUsed - (index == 0 ? 0 : Receipts[index - 1].CumulativeGasUsed);

    /// <summary>Index of the first log of transaction <paramref name="index"/> within the block.</summary>
    public int FirstLogIndex(int index)
    {
        int count = 0;
        for (int i = 0; i < index; i++)
        {
            count += Receipts[i].Logs.Count;
        }

        return count;
    }

    /// <summary>The address a creation deployed to (null for calls).</summary>
    public Address? ContractAddress(int index)
    {
        Transaction tx = Block.Transactions[index];

        // A deposit carries no nonce; it created at the sender's nonce its receipt records (op-geth's rule).
        ulong nonce = Receipts[index].DepositNonce ?? tx.Nonce;
        return tx.IsCreate ? Evm.ContractAddress.From(Senders[index], nonce) : null;
    }

    /// <summary>
    /// Whether transaction <paramref name="index"/> was sent from an impersonated account: it carries the impersonation
    /// signature (see <see cref="Transaction"/> impersonation in the dev chain) instead of one its sender made, so its
    /// sender is kept in the record rather than recovered. Only a cheap shape test runs for ordinary transactions.
    /// </summary>
    private bool IsImpersonated(int index)
    {
        Transaction tx = Block.Transactions[index];
        return ImpersonationSignature.Matches(tx, Senders[index]) && !(tx.TryRecoverSender(out Address recovered) && recovered == Senders[index]);
    }

    /// <summary>
    /// Layout: u32 block length · block · u32 receipts · (u32 length · receipt)* · [u32 count · (u32 index · sender 20)*],
    /// the last part listing the transactions whose sender is not recovered from the signature (impersonated ones);
    /// it is absent when there are none, as in records written before it existed.
    /// </summary>
    internal byte[] Encode()
    {
        int[] impersonated = ImpersonatedTransactions();
        int blockLength = Block.EncodedLength;
        var payload = new byte[RecordLength(blockLength, impersonated)];
        WriteRecord(payload, blockLength, impersonated);
        return payload;
    }

    /// <summary>
    /// Appends the record (<see cref="Encode"/>'s bytes) to <paramref name="log"/>, written straight into its frame:
    /// a record of a few hundred transfers is a large object, so an array per stored block was an allocation on the
    /// large-object heap (cleared, and counted toward a full collection) for every block.
    /// </summary>
    /// <returns>The record's length.</returns>
    internal int AppendTo(BlockLog log)
    {
        int[] impersonated = ImpersonatedTransactions();
        int blockLength = Block.EncodedLength;
        int length = RecordLength(blockLength, impersonated);
        WriteRecord(log.BeginAppend(length), blockLength, impersonated);
        log.CompleteAppend();
        return length;
    }

    private int[] ImpersonatedTransactions()
    {
        List<int>? impersonated = null;
        for (int i = 0; i < Senders.Count; i++)
        {
            if (IsImpersonated(i))
            {
                (impersonated ??= []).Add(i);
            }
        }

        return impersonated is null ? [] : [.. impersonated];
    }

    private int RecordLength(int blockLength, int[] impersonated)
    {
        IReadOnlyList<Receipt> receipts = Receipts;
        int receiptBytes = 0;
        for (int i = 0; i < receipts.Count; i++)
        {
            receiptBytes += 4 + receipts[i].EnvelopeLength;
        }

        int trailer = impersonated.Length == 0 ? 0 : 4 + (impersonated.Length * (4 + Address.Size));
        return 4 + blockLength + 4 + receiptBytes + trailer;
    }

    private void WriteRecord(Span<byte> span, int blockLength, int[] impersonated)
    {
        BinaryPrimitives.WriteInt32BigEndian(span, blockLength);
        Block.EncodeTo(span.Slice(4, blockLength));
        int offset = 4 + blockLength;
        IReadOnlyList<Receipt> receipts = Receipts;
        BinaryPrimitives.WriteInt32BigEndian(span[offset..], receipts.Count);
        offset += 4;
        for (int i = 0; i < receipts.Count; i++)
        {
            // Each envelope is written in place: an array apiece was a copy of every receipt per stored block.
            int length = receipts[i].EnvelopeLength;
            BinaryPrimitives.WriteInt32BigEndian(span[offset..], length);
            receipts[i].WriteEnvelope(span.Slice(offset + 4, length));
            offset += 4 + length;
        }

        if (impersonated.Length > 0)
        {
            BinaryPrimitives.WriteInt32BigEndian(span[offset..], impersonated.Length);
            offset += 4;
            foreach (int index in impersonated)
            {
                BinaryPrimitives.WriteInt32BigEndian(span[offset..], index);
                Senders[index].CopyTo(span[(offset + 4)..]);
                offset += 4 + Address.Size;
            }
        }
    }

    /// <summary>Decodes the block of a record written by <see cref="Encode"/>; its receipts and senders are decoded on first use.</summary>
    /// <exception cref="InvalidDataException">The record does not decode (its checksum matched: written so, not damaged on disk).</exception>
    internal static StoredBlock Decode(byte[] payload)
    {
        try
        {
            int blockLength = BinaryPrimitives.ReadInt32BigEndian(payload);
            Block block = Block.Decode(payload.AsMemory(4, blockLength));
            return new StoredBlock(block, payload, 4 + blockLength);
        }
        catch (Exception e) when (e is ArgumentOutOfRangeException or Core.Rlp.RlpException)
        {
            throw new InvalidDataException($"stored block record of {payload.Length} bytes does not decode: {e.Message}", e);
        }
    }

    private Details DecodeDetails()
    {
        try
        {
            return DecodeReceiptsAndSenders();
        }
        catch (Exception e) when (e is ArgumentOutOfRangeException or Core.Rlp.RlpException)
        {
            throw new InvalidDataException($"stored block {Block.Number}: its receipts do not decode: {e.Message}", e);
        }
    }

    private Details DecodeReceiptsAndSenders()
    {
        ReadOnlySpan<byte> span = _record;
        int offset = _receiptsOffset;
        int count = BinaryPrimitives.ReadInt32BigEndian(span[offset..]);
        offset += 4;
        if (count != Block.Transactions.Length)
        {
            throw new InvalidDataException($"stored block {Block.Number}: {count} receipts for {Block.Transactions.Length} transactions");
        }

        var receipts = new Receipt[count];
        for (int i = 0; i < count; i++)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(span[offset..]);
            receipts[i] = Receipt.DecodeEnvelope(span.Slice(offset + 4, length));
            offset += 4 + length;
        }

        var senders = new Address[Block.Transactions.Length];
        var known = new bool[senders.Length];
        if (offset < span.Length)
        {
            int impersonated = BinaryPrimitives.ReadInt32BigEndian(span[offset..]);
            offset += 4;
            for (int i = 0; i < impersonated; i++)
            {
                int index = BinaryPrimitives.ReadInt32BigEndian(span[offset..]);
                if ((uint)index >= (uint)senders.Length)
                {
                    throw new InvalidDataException($"stored block {Block.Number}: sender of transaction {index}, which it does not have");
                }

                senders[index] = new Address(span.Slice(offset + 4, Address.Size));
                known[index] = true;
                offset += 4 + Address.Size;
            }
        }

        // Senders the record does not carry are recovered in parallel, then taken in order (the first invalid one fails).
        Transaction[] unknown = [.. Block.Transactions.Where((_, i) => !known[i])];
        SenderRecovery.Prefetch(unknown);
        for (int i = 0; i < senders.Length; i++)
        {
            if (known[i])
            {
                continue;
            }

            senders[i] = Block.Transactions[i].TryRecoverSender(out Address sender)
                ? sender
                : throw new InvalidDataException($"stored block {Block.Number}: transaction {i} has no valid signature");
        }

        return new Details(receipts, senders);
    }
}

/// <summary>
/// Blocks, receipts and the transaction index of the canonical chain. An ephemeral chain keeps them in memory; a
/// persistent one keeps them in its <see cref="BlockLog"/>, read on demand through the persisted
/// <see cref="ChainIndex"/> (the last <see cref="RecentBlocks"/> blocks stay decoded in memory), so opening it costs the
/// same at any length. Appends come from one writer; reads are lock-free snapshots of immutable values.
/// </summary>
public sealed class ChainStore : IBlockReader, IDisposable
{
    /// <summary>Blocks below the head kept decoded by a persistent chain (BLOCKHASH's window, and what clients ask for most).</summary>
    public const int RecentBlocks = 256;

    private readonly BlockLog? _log;
    private readonly ChainIndex? _index;
    private readonly DataDirectoryLock? _directoryLock;
    private readonly StoredBlock _genesis;
    private readonly object _writeLock = new();
    private bool _disposed;
    private volatile State _state;
    private volatile Tip _tip;

    /// <summary>
    /// Where each transaction of the blocks not yet indexed is (<see cref="Tip.Unindexed"/>), so that a look-up by hash
    /// (a receipt poll for a transaction not mined yet) does not compare it with every transaction of up to
    /// <see cref="IndexBatchBlocks"/> blocks. Written under the write lock: filled before a tip that has the block is
    /// published, cleared (keeping its capacity) after the tip without them is; a reader checks a hit against its own
    /// tip. Guarded by itself (readers run beside the writer).
    /// </summary>
    private readonly Dictionary<Hash256, (StoredBlock Block, int Index)> _unindexedTransactions = [];

    /// <summary>Entries kept allocated across index batches (more are trimmed after a batch of larger blocks).</summary>
    private const int UnindexedTransactionsKept = 16_384;

    /// <summary>
    /// The chain of an ephemeral store: block i and the state edits applied before its transactions (empty for
    /// genesis) are entry i of an array that successive states share. A state's entries [0, <see cref="Count"/>) are
    /// never written again: an append (under the write lock, on the latest state) writes the entry after them — which
    /// no published state has — and publishes a state one longer; a full array is copied into one twice its size; a
    /// truncation copies what it keeps into an array of its own, so the next append cannot overwrite a block an older
    /// state still holds. (Persistent immutable lists and a map by hash cost ~20 µs of the commit thread a block.) Its
    /// blocks and transactions by hash are in <see cref="_ephemeralBlocks"/> and <see cref="_ephemeralTransactions"/>.
    /// </summary>
    private sealed class State
    {
        private readonly (StoredBlock Block, ImmutableList<StateEdit> EditsBefore)[] _entries;

        private State((StoredBlock, ImmutableList<StateEdit>)[] entries, int count)
        {
            _entries = entries;
            Count = count;
        }

        public int Count { get; }

        public static State Of(StoredBlock genesis) => new([(genesis, [])], 1);

        public StoredBlock Block(int number) => _entries[number].Block;

        public ImmutableList<StateEdit> EditsBefore(int number) => _entries[number].EditsBefore;

        /// <summary>This state with <paramref name="block"/> after it (this must be the latest state: see the class).</summary>
        public State Append(StoredBlock block, ImmutableList<StateEdit> editsBefore)
        {
            (StoredBlock, ImmutableList<StateEdit>)[] entries = _entries;
            if (Count == entries.Length)
            {
                Array.Resize(ref entries, entries.Length * 2);
            }

            entries[Count] = (block, editsBefore);
            return new State(entries, Count + 1);
        }

        /// <summary>The first <paramref name="count"/> blocks, in an array of their own.</summary>
        public State Truncate(int count)
        {
            var entries = new (StoredBlock, ImmutableList<StateEdit>)[Math.Max(count * 2, 16)];
            Array.Copy(_entries, entries, count);
            return new State(entries, count);
        }
    }

    /// <summary>
    /// Where each transaction of an ephemeral store's chain is, and each block by hash. Plain maps, not persistent ones
    /// (whose O(log n) nodes were garbage on every append): written under the write lock — an append's entries before
    /// the state that holds them is published, a truncation's removed after the shorter state is — and guarded by
    /// <see cref="_ephemeralTransactions"/> (readers run beside the writer); a reader checks a hit against its own
    /// <see cref="State"/>.
    /// </summary>
    private readonly Dictionary<Hash256, (ulong Number, int Index)> _ephemeralTransactions = [];

    /// <inheritdoc cref="_ephemeralTransactions"/>
    private readonly Dictionary<Hash256, ulong> _ephemeralBlocks = [];

    /// <summary>
    /// The head, the state edits made since it (each one record of the log when persistent) and, for a persistent
    /// store, the recent blocks decoded (older ones are read from the log) and the blocks appended since the index's
    /// last batch (<see cref="Unindexed"/>, oldest first: all of them among the recent ones).
    /// </summary>
    private sealed record Tip(StoredBlock Head, ImmutableList<StateEdit> PendingEdits, ImmutableDictionary<ulong, StoredBlock> Recent)
    {
        public ImmutableArray<(StoredBlock Block, BlockLogEntry Entry)> Unindexed { get; init; } = [];

        public BlockLogEntry? UnindexedEntry(ulong number)
        {
            ulong first = Unindexed.IsEmpty ? 0 : Unindexed[0].Block.Number;
            return !Unindexed.IsEmpty && number >= first && number - first < (ulong)Unindexed.Length ? Unindexed[(int)(number - first)].Entry : null;
        }
    }

    /// <summary>
    /// Blocks appended before the index is written in one batch (one LMDB commit for all of them: with the commit
    /// pipeline, right after the block that fills it is answered (<see cref="IndexIfDue"/>); else on the append that
    /// finds this many waiting; also before a truncation and on dispose). The block log is fsynced per block and stays
    /// the record: after a crash, opening indexes the log's blocks after the index's checkpoint, as it always did.
    /// Far below <see cref="RecentBlocks"/>, so every block not yet indexed is also one kept decoded.
    /// </summary>
    public const int IndexBatchBlocks = 64;

    /// <summary>Block records start with the block's length; an edit record starts with this (negative) marker instead.</summary>
    private const int EditRecordMarker = -1;

    private ChainStore(StoredBlock genesis)
    {
        _genesis = genesis;
        _state = State.Of(genesis);
        _ephemeralBlocks.Add(genesis.Hash, 0);
        _tip = new Tip(genesis, [], ImmutableDictionary<ulong, StoredBlock>.Empty);
    }

    private ChainStore(BlockLog log, ChainIndex index, DataDirectoryLock directoryLock, StoredBlock genesis, Tip tip)
    {
        _log = log;
        _index = index;
        _directoryLock = directoryLock;
        _genesis = genesis;
        _state = null!;
        _tip = tip;
    }

    /// <summary>An in-memory chain starting at <paramref name="genesis"/>.</summary>
    public static ChainStore InMemory(Block genesis) => new(new StoredBlock(genesis, [], []));

    /// <summary>
    /// Opens the chain kept in <paramref name="path"/>, creating it with <paramref name="genesis"/> when new. Its index
    /// (<see cref="ChainIndex"/>, beside the log) is brought up to the log: from its checkpoint on when it agrees with
    /// the log, from the start when it is missing, damaged or disagrees (<see cref="IndexRebuildReason"/>). The log is
    /// never rewritten. The directory of <paramref name="path"/> is locked (<see cref="DataDirectoryLock"/>) until the
    /// store is disposed.
    /// </summary>
    /// <exception cref="IOException">Another process uses the directory.</exception>
    /// <exception cref="BlockLogDamagedException">A record the open reads is damaged.</exception>
    /// <exception cref="InvalidDataException">The log holds another chain, or blocks that do not link.</exception>
    public static ChainStore Open(string path, Block genesis)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(genesis);
        string directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        DataDirectoryLock directoryLock = DataDirectoryLock.Acquire(directory);
        try
        {
            return Open(path, Path.Combine(directory, ChainRecovery.IndexDirectoryName), directoryLock, genesis);
        }
        catch
        {
            directoryLock.Dispose();
            throw;
        }
    }

    private static ChainStore Open(string path, string indexDirectory, DataDirectoryLock directoryLock, Block genesis)
    {
        string? rebuildReason = null;
        ChainIndexCheckpoint? checkpoint = null;
        ChainIndex index;
        try
        {
            index = ChainIndex.Open(indexDirectory);
        }
        catch (InvalidDataException e)
        {
            rebuildReason = $"it is damaged ({e.Message})";
            ChainIndex.Delete(indexDirectory);
            index = ChainIndex.Open(indexDirectory);
        }

        try
        {
            checkpoint = index.ReadCheckpoint();
            long logLength = File.Exists(path) ? new FileInfo(path).Length : 0;
            if (checkpoint is null && logLength > 0)
            {
                rebuildReason ??= "it is missing";
            }
            else if (checkpoint is { } found && found.LogEnd > logLength)
            {
                rebuildReason = $"it covers {found.LogEnd} bytes of the block log (to block {found.Head}), which has {logLength}";
            }
        }
        catch (InvalidDataException e)
        {
            rebuildReason = $"it is damaged ({e.Message})";
        }

        if (rebuildReason is not null)
        {
            index.Dispose();
            ChainIndex.Delete(indexDirectory);
            index = ChainIndex.Open(indexDirectory);
            checkpoint = null;
        }

        BlockLog? log = null;
        try
        {
            log = BlockLog.OpenUnread(path);
            StoredBlock? head = null;
            StoredBlock? first = null;
            if (checkpoint is { } covered)
            {
                // The one record the open checks against the index: its head, which must be where the index says.
                string? disagreement = CheckHead(index, log, covered, out head, out first);
                if (disagreement is not null)
                {
                    rebuildReason = disagreement;
                    index.Dispose();
                    ChainIndex.Delete(indexDirectory);
                    index = ChainIndex.Open(indexDirectory);
                    checkpoint = null;
                    head = null;
                    first = null;
                }
            }

            List<(long Offset, byte[] Payload)> tail = log.ReadTail(checkpoint?.LogEnd ?? 0, checkpoint is { } start ? (int)start.Head + 1 : 0);
            var blocks = new List<(StoredBlock Block, BlockLogEntry Entry)>();
            ImmutableList<StateEdit> pending = [];
            foreach ((long offset, byte[] record) in tail)
            {
                if (record.Length >= 4 && BinaryPrimitives.ReadInt32BigEndian(record) == EditRecordMarker)
                {
                    if (head is null && blocks.Count == 0)
                    {
                        throw new InvalidDataException($"{path}: a state edit precedes the genesis block");
                    }

                    pending = pending.Add(StateEdit.Decode(record.AsSpan(4)));
                    continue;
                }

                ulong number = blocks.Count > 0 ? blocks[^1].Block.Number + 1 : head is null ? 0 : head.Number + 1;
                StoredBlock block;
                try
                {
                    block = StoredBlock.Decode(record);
                }
                catch (InvalidDataException e)
                {
                    throw new InvalidDataException($"{path}: block {number}: {e.Message}", e);
                }

                Hash256 parent = blocks.Count > 0 ? blocks[^1].Block.Hash : head?.Hash ?? Hash256.Zero;
                if (number == 0)
                {
                    first = block;
                }
                else if (block.Number != number || block.Header.ParentHash != parent)
                {
                    throw new InvalidDataException($"{path}: block {number} does not extend block {number - 1}");
                }

                blocks.Add((block, new BlockLogEntry(offset, record.Length, block.Hash)));
                pending = [];
            }

            if (first is null)
            {
                // A new chain (the log is empty: it has no record the checkpoint could cover).
                first = new StoredBlock(genesis, [], []);
                byte[] record = first.Encode();
                log.Append(record);
                blocks.Add((first, new BlockLogEntry(0, record.Length, first.Hash)));
            }

            if (first.Hash != genesis.Hash)
            {
                throw new InvalidDataException(
                    $"{path} holds a chain with genesis {first.Hash}, not {genesis.Hash} (different chain id, genesis or accounts): use another --data-dir");
            }

            index.Add(blocks);
            head = blocks.Count > 0 ? blocks[^1].Block : head!;
            ImmutableDictionary<ulong, StoredBlock> recent = ImmutableDictionary<ulong, StoredBlock>.Empty;
            foreach ((StoredBlock block, _) in blocks.Skip(Math.Max(0, blocks.Count - RecentBlocks)))
            {
                recent = recent.SetItem(block.Number, block);
            }

            recent = recent.SetItem(head.Number, head);
            return new ChainStore(log, index, directoryLock, first, new Tip(head, pending, recent))
            {
                IndexRebuildReason = rebuildReason,
                IndexedAtOpen = blocks.Count,
            };
        }
        catch
        {
            log?.Dispose();
            index.Dispose();
            throw;
        }
    }

    /// <summary>Null when the record at the index's head is that block; otherwise how they disagree.</summary>
    private static string? CheckHead(ChainIndex index, BlockLog log, ChainIndexCheckpoint checkpoint, out StoredBlock? head, out StoredBlock? genesis)
    {
        head = null;
        genesis = null;
        BlockLogEntry? entry;
        BlockLogEntry? first;
        try
        {
            entry = index.Get(checkpoint.Head);
            first = index.Get(0);
        }
        catch (InvalidDataException e)
        {
            return $"it is damaged ({e.Message})";
        }

        if (entry is not { } found || first is not { } zero || found.Hash != checkpoint.HeadHash || found.End != checkpoint.LogEnd)
        {
            return $"its entry of block {checkpoint.Head} does not match its checkpoint";
        }

        StoredBlock block;
        try
        {
            block = StoredBlock.Decode(log.ReadAt(found.Offset, (int)checkpoint.Head));
            genesis = checkpoint.Head == 0 ? block : StoredBlock.Decode(log.ReadAt(zero.Offset, 0));
        }
        catch (Exception e) when (e is InvalidDataException or BlockLogDamagedException)
        {
            // Damage in the log itself is found (and refused) by the rebuild's full scan.
            return $"the log holds no block record at byte {found.Offset}, where it says block {checkpoint.Head} is";
        }

        if (block.Number != checkpoint.Head || block.Hash != checkpoint.HeadHash)
        {
            return $"the log holds block {block.Number} {block.Hash} where it says block {checkpoint.Head} {checkpoint.HeadHash} is";
        }

        head = block;
        return genesis.Hash == zero.Hash ? null : "its genesis entry does not match the log";
    }

    /// <summary>Whether the chain is kept in a block log (a data directory), each block fsynced before it is visible.</summary>
    public bool IsPersistent => _log is not null;

    /// <summary>Bytes of an incomplete last record cut when the log was opened (see <see cref="BlockLog.TornTailBytes"/>).</summary>
    public long TornTailBytes => _log?.TornTailBytes ?? 0;

    /// <summary>Why opening rebuilt the index from the whole log (missing, damaged, or disagreeing with it); null when it did not.</summary>
    public string? IndexRebuildReason { get; private init; }

    /// <summary>Blocks opening read from the log and indexed: those after the index's checkpoint (all of them on a rebuild).</summary>
    public int IndexedAtOpen { get; private init; }

    public StoredBlock Genesis => _genesis;

    public StoredBlock Head => _tip.Head;

    /// <summary>Who decides the safe and finalized blocks (a rollup engine); null: both are the head.</summary>
    public IChainHeads? Heads { get; set; }

    public StoredBlock? GetByNumber(ulong number)
    {
        if (_index is null)
        {
            State state = _state;
            return number < (ulong)state.Count ? state.Block((int)number) : null;
        }

        Tip tip = _tip;
        if (number > tip.Head.Number)
        {
            return null;
        }

        return number == 0 ? _genesis : tip.Recent.TryGetValue(number, out StoredBlock? recent) ? recent : ReadBlock(number);
    }

    public StoredBlock? GetByHash(in Hash256 hash)
    {
        if (_index is null)
        {
            State state = _state;
            bool known;
            ulong number;
            lock (_ephemeralTransactions)
            {
                known = _ephemeralBlocks.TryGetValue(hash, out number);
            }

            // Not in this reader's chain: appended after the state it read, or truncated since.
            return known && number < (ulong)state.Count && state.Block((int)number) is { } held && held.Hash == hash ? held : null;
        }

        foreach ((StoredBlock unindexed, _) in _tip.Unindexed)
        {
            if (unindexed.Hash == hash)
            {
                return unindexed;
            }
        }

        if (_index.FindBlock(hash) is not ulong found || GetByNumber(found) is not { } block)
        {
            return null;
        }

        return block.Hash == hash ? block : throw IndexDisagrees($"it says block hash {hash} is block {found}, which is {block.Hash}");
    }

    /// <summary>The block and index of a mined transaction.</summary>
    public bool TryFindTransaction(in Hash256 hash, out StoredBlock block, out int index)
    {
        block = null!;
        index = -1;
        (ulong Number, int Index) location;
        if (_index is null)
        {
            State state = _state;
            bool found;
            lock (_ephemeralTransactions)
            {
                found = _ephemeralTransactions.TryGetValue(hash, out location);
            }

            // Not in this reader's chain: appended after the state it read, or on blocks truncated since.
            if (!found || location.Number >= (ulong)state.Count
                || state.Block((int)location.Number).Block.Transactions is not { } transactions
                || (uint)location.Index >= (uint)transactions.Length || transactions[location.Index].Hash != hash)
            {
                return false;
            }

            block = state.Block((int)location.Number);
        }
        else
        {
            if (FindUnindexedTransaction(hash, out block, out index))
            {
                return true;
            }

            if (_index.FindTransaction(hash) is not { } found || GetByNumber(found.Number) is not { } holder)
            {
                return false;
            }

            location = found;
            if ((uint)location.Index >= (uint)holder.Block.Transactions.Length || holder.Block.Transactions[location.Index].Hash != hash)
            {
                throw IndexDisagrees($"it says transaction {hash} is number {location.Index} of block {location.Number}, which does not hold it there");
            }

            block = holder;
        }

        index = location.Index;
        return true;
    }

    /// <summary>A transaction of a block the index does not have yet, as of one tip.</summary>
    private bool FindUnindexedTransaction(in Hash256 hash, out StoredBlock block, out int index)
    {
        Tip tip = _tip;
        (block, index) = (null!, -1);
        if (tip.Unindexed.IsEmpty)
        {
            return false;
        }

        (StoredBlock Block, int Index) found;
        lock (_unindexedTransactions)
        {
            if (!_unindexedTransactions.TryGetValue(hash, out found))
            {
                return false;
            }
        }

        // An entry of a block appended after this tip (not visible yet) is not found; one that was indexed since is in the index.
        ulong first = tip.Unindexed[0].Block.Number;
        ulong position = found.Block.Number - first;
        if (found.Block.Number < first || position >= (ulong)tip.Unindexed.Length || !ReferenceEquals(tip.Unindexed[(int)position].Block, found.Block))
        {
            return false;
        }

        (block, index) = found;
        return true;
    }

    public Hash256 GetBlockHash(ulong number)
    {
        if (_index is not null && number <= _tip.Head.Number && !_tip.Recent.ContainsKey(number))
        {
            return _index.Get(number)?.Hash ?? throw IndexDisagrees($"it has no entry for block {number}");
        }

        return GetByNumber(number)?.Hash ?? Hash256.Zero;
    }

    /// <summary>Block <paramref name="number"/> (at or below the head) read back from the log through the index.</summary>
    private StoredBlock? ReadBlock(ulong number)
    {
        if ((_tip.UnindexedEntry(number) ?? _index!.Get(number)) is not { } entry)
        {
            return number > _tip.Head.Number ? null : throw IndexDisagrees($"it has no entry for block {number}");
        }

        StoredBlock block;
        try
        {
            block = StoredBlock.Decode(_log!.ReadAt(entry.Offset, (int)number));
        }
        catch (Exception) when (number > _tip.Head.Number)
        {
            return null; // cut by a TruncateAfter since the caller looked
        }
        catch (BlockLogDamagedException e)
        {
            throw new StoredBlockDamagedException(number, $"record at byte {e.Offset}: {e.Damage}", e);
        }
        catch (InvalidDataException e)
        {
            throw new StoredBlockDamagedException(number, e.Message, e);
        }

        if (block.Number != number || block.Hash != entry.Hash)
        {
            return number > _tip.Head.Number ? null
                : throw IndexDisagrees($"it says block {number} {entry.Hash} is at byte {entry.Offset}, where the log holds block {block.Number} {block.Hash}");
        }

        return block;
    }

    private InvalidDataException IndexDisagrees(string what) =>
        new($"the chain index {_index!.Directory} disagrees with the block log {_log!.Path}: {what}. " +
            $"Stop the node and delete {_index.Directory}: the next start rebuilds it from the log.");

    /// <summary>Appends the next block; durable (when persistent) before it becomes visible.</summary>
    public void Append(StoredBlock block) => Add(block, beforeVisible: null);

    /// <summary>
    /// Appends the next block and runs <paramref name="beforeVisible"/> once it is durable but before readers see it
    /// (the state of the block is published there, so a reader that finds the block finds its state). When
    /// <paramref name="beforeVisible"/> throws, the block is cut from the log again and never becomes visible.
    /// </summary>
    public void Append(StoredBlock block, Action beforeVisible)
    {
        ArgumentNullException.ThrowIfNull(beforeVisible);
        Add(block, beforeVisible);
    }

    /// <summary>The state edits made since the head, in order; the next block applies them before its transactions.</summary>
    public ImmutableList<StateEdit> PendingEdits => _tip.PendingEdits;

    /// <summary>The state edits applied before block <paramref name="number"/>'s transactions.</summary>
    public IReadOnlyList<StateEdit> EditsBefore(ulong number)
    {
        if (_index is null)
        {
            State state = _state;
            return number < (ulong)state.Count ? state.EditsBefore((int)number) : [];
        }

        if (number == 0 || number > _tip.Head.Number)
        {
            return [];
        }

        return ReadEdits(Entry(number - 1).End, Entry(number).Offset, number);
    }

    private BlockLogEntry Entry(ulong number) => _tip.UnindexedEntry(number) ?? _index!.Get(number) ?? throw IndexDisagrees($"it has no entry for block {number}");

    /// <summary>Blocks appended since the index's last batch (found in the recent blocks until the next batch).</summary>
    public int UnindexedBlocks => _tip.Unindexed.Length;

    /// <summary>
    /// Writes the index batch once <see cref="IndexBatchBlocks"/> blocks wait for it — what the next block's append would
    /// otherwise do before its record — so that a caller with time between blocks (the commit thread, after a block's
    /// senders are answered) takes that LMDB commit off the next block's path. A failure is the next append's too: it
    /// retries the batch and fails with it.
    /// </summary>
    public void IndexIfDue()
    {
        if (_index is null || _tip.Unindexed.Length < IndexBatchBlocks)
        {
            return;
        }

        lock (_writeLock)
        {
            if (!_disposed && _tip.Unindexed.Length >= IndexBatchBlocks)
            {
                IndexAppended();
            }
        }
    }

    /// <summary>Writes the blocks appended since the last batch into the index, in one batch (the caller holds the write lock).</summary>
    private void IndexAppended()
    {
        Tip tip = _tip;
        if (tip.Unindexed.IsEmpty)
        {
            return;
        }

        _index!.Add(tip.Unindexed);
        _tip = tip with { Unindexed = [] }; // after the commit: a reader finds each block in one or the other
        lock (_unindexedTransactions)
        {
            int count = _unindexedTransactions.Count;
            _unindexedTransactions.Clear();
            if (count > UnindexedTransactionsKept)
            {
                _unindexedTransactions.TrimExcess(UnindexedTransactionsKept);
            }
        }
    }

    /// <summary>The state edit records between two blocks' records (the edits are the records between them).</summary>
    private ImmutableList<StateEdit> ReadEdits(long from, long to, ulong before)
    {
        if (from == to)
        {
            return [];
        }

        ImmutableList<StateEdit>.Builder edits = ImmutableList.CreateBuilder<StateEdit>();
        foreach (byte[] record in _log!.ReadRange(from, to, (int)before))
        {
            if (record.Length < 4 || BinaryPrimitives.ReadInt32BigEndian(record) != EditRecordMarker)
            {
                throw IndexDisagrees($"the log holds a block record between blocks {before - 1} and {before}");
            }

            edits.Add(StateEdit.Decode(record.AsSpan(4)));
        }

        return edits.ToImmutable();
    }

    /// <summary>Records a state edit after the head; durable (when persistent) before it returns.</summary>
    public void AppendEdit(StateEdit edit)
    {
        ArgumentNullException.ThrowIfNull(edit);
        lock (_writeLock)
        {
            if (_log is not null)
            {
                byte[] encoded = edit.Encode();
                var record = new byte[4 + encoded.Length];
                BinaryPrimitives.WriteInt32BigEndian(record, EditRecordMarker);
                encoded.CopyTo(record, 4);
                _log.Append(record);
            }

            _tip = _tip with { PendingEdits = _tip.PendingEdits.Add(edit) };
        }
    }

    private void Add(StoredBlock block, Action? beforeVisible)
    {
        ArgumentNullException.ThrowIfNull(block);
        lock (_writeLock)
        {
            Tip tip = _tip;
            if (block.Number != tip.Head.Number + 1 || block.Header.ParentHash != tip.Head.Hash)
            {
                throw new InvalidOperationException($"block {block.Number} does not extend the head {tip.Head.Number}");
            }

            if (_log is not null && tip.Unindexed.Length >= IndexBatchBlocks)
            {
                IndexAppended(); // before this block's record: a failure leaves the chain as it was
                tip = _tip;
            }

            long start = _log?.Length ?? 0;
            BlockLogEntry entry = default;
            if (_log is not null)
            {
                entry = new BlockLogEntry(start, block.AppendTo(_log), block.Hash);
            }

            if (beforeVisible is not null)
            {
                try
                {
                    beforeVisible();
                }
                catch
                {
                    _log?.TruncateTo(start); // the index has not seen it

                    throw;
                }
            }

            if (_index is null)
            {
                State state = _state;
                lock (_ephemeralTransactions)
                {
                    Core.Transactions.Transaction[] transactions = block.Block.Transactions;
                    for (int i = 0; i < transactions.Length; i++)
                    {
                        _ephemeralTransactions[transactions[i].Hash] = (block.Number, i);
                    }

                    _ephemeralBlocks[block.Hash] = block.Number;
                }

                _state = state.Append(block, tip.PendingEdits);
                _tip = new Tip(block, [], tip.Recent);
            }
            else
            {
                lock (_unindexedTransactions)
                {
                    Core.Transactions.Transaction[] transactions = block.Block.Transactions;
                    for (int i = 0; i < transactions.Length; i++)
                    {
                        _unindexedTransactions[transactions[i].Hash] = (block, i);
                    }
                }

                ImmutableDictionary<ulong, StoredBlock> recent = tip.Recent.SetItem(block.Number, block);
                _tip = new Tip(block, [], block.Number >= RecentBlocks ? recent.Remove(block.Number - RecentBlocks) : recent) { Unindexed = tip.Unindexed.Add((block, entry)) };
            }
        }
    }

    /// <summary>
    /// Drops every block after <paramref name="number"/> and keeps only the first <paramref name="pendingEdits"/>
    /// state edits made after it (evm_revert to a snapshot taken then).
    /// </summary>
    public void TruncateAfter(ulong number, int pendingEdits = 0)
    {
        lock (_writeLock)
        {
            Tip tip = _tip;
            if (number > tip.Head.Number)
            {
                throw new ArgumentOutOfRangeException(nameof(number), $"block {number} is after the head {tip.Head.Number}");
            }

            IReadOnlyList<StateEdit> editsAfter = number == tip.Head.Number ? tip.PendingEdits : EditsBefore(number + 1);
            if (pendingEdits < 0 || pendingEdits > editsAfter.Count)
            {
                throw new ArgumentOutOfRangeException(nameof(pendingEdits), $"{pendingEdits} edits, but {editsAfter.Count} were made after block {number}");
            }

            if (number == tip.Head.Number && pendingEdits == tip.PendingEdits.Count)
            {
                return;
            }

            ImmutableList<StateEdit> kept = [.. editsAfter.Take(pendingEdits)];
            if (_index is null)
            {
                State state = _state;
                State shorter = state.Truncate((int)number + 1);
                _state = shorter;
                _tip = new Tip(shorter.Block((int)number), kept, tip.Recent);
                lock (_ephemeralTransactions)
                {
                    for (int n = (int)number + 1; n < state.Count; n++)
                    {
                        StoredBlock truncated = state.Block(n);
                        if (_ephemeralBlocks.TryGetValue(truncated.Hash, out ulong numbered) && numbered > number)
                        {
                            _ephemeralBlocks.Remove(truncated.Hash);
                        }

                        foreach (Core.Transactions.Transaction tx in truncated.Block.Transactions)
                        {
                            if (_ephemeralTransactions.TryGetValue(tx.Hash, out (ulong Number, int Index) at) && at.Number > number)
                            {
                                _ephemeralTransactions.Remove(tx.Hash);
                            }
                        }
                    }
                }

                return;
            }

            // The index first: a crash before the log is cut leaves an index behind the log, caught up at the next open.
            IndexAppended();
            tip = _tip;
            StoredBlock keptHead = GetByNumber(number)!;
            long end = Entry(number).End;
            long cut = end;
            foreach (byte[] record in _log!.ReadRange(end, end + LengthOfEdits(number, tip), (int)number + 1).Take(pendingEdits))
            {
                cut += BlockLog.RecordSize(record.Length);
            }

            List<StoredBlock> dropped = [];
            for (ulong n = number + 1; n <= tip.Head.Number; n++)
            {
                dropped.Add(GetByNumber(n)!);
            }

            _tip = new Tip(keptHead, kept, tip.Recent.RemoveRange(dropped.Select(b => b.Number)));
            _index.Remove(dropped, new ChainIndexCheckpoint(number, keptHead.Hash, end));
            _log.TruncateTo(cut);
        }
    }

    /// <summary>Bytes of the state edit records that follow block <paramref name="number"/>'s record.</summary>
    private long LengthOfEdits(ulong number, Tip tip) =>
        (number == tip.Head.Number ? _log!.Length : Entry(number + 1).Offset) - Entry(number).End;

    public void Dispose()
    {
        // Under the write lock: a block or edit still being appended by another thread finishes (or has not begun)
        // before the log's file is closed, so a closing node never leaves a record half written behind its lock.
        lock (_writeLock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            try
            {
                if (_index is not null)
                {
                    IndexAppended();
                }
            }
            catch (InvalidDataException)
            {
                // The blocks stay in the log, the chain's record: the next open indexes them from it.
            }
            finally
            {
                _log?.Dispose();
                _index?.Dispose();
            }
        }

        _directoryLock?.Dispose();
    }
}
