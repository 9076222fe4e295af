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
        byte[] block = Block.Encode();
        byte[][] receipts = [.. Receipts.Select(r => r.EncodeEnvelope())];
        int[] impersonated = [.. Enumerable.Range(0, Senders.Count).Where(IsImpersonated)];
        int trailer = impersonated.Length == 0 ? 0 : 4 + (impersonated.Length * (4 + Address.Size));
        var payload = new byte[4 + block.Length + 4 + receipts.Sum(r => 4 + r.Length) + trailer];
        Span<byte> span = payload;
        BinaryPrimitives.WriteInt32BigEndian(span, block.Length);
        block.CopyTo(span[4..]);
        int offset = 4 + block.Length;
        BinaryPrimitives.WriteInt32BigEndian(span[offset..], receipts.Length);
        offset += 4;
        foreach (byte[] receipt in receipts)
        {
            BinaryPrimitives.WriteInt32BigEndian(span[offset..], receipt.Length);
            receipt.CopyTo(span[(offset + 4)..]);
            offset += 4 + receipt.Length;
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

        return payload;
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
/// Blocks, receipts and the transaction index of the canonical chain, in memory, backed by an optional
/// <see cref="BlockLog"/> (absent for an ephemeral chain). Appends come from one writer; reads are lock-free
/// snapshots of immutable lists.
/// </summary>
public sealed class ChainStore : IBlockReader, IDisposable
{
    private readonly BlockLog? _log;
    private readonly DataDirectoryLock? _directoryLock;
    private readonly object _writeLock = new();
    private volatile State _state;

    /// <summary>Immutable (persistent) collections: an append costs O(log n) and readers never see a partial update.</summary>
    /// <remarks>
    /// <see cref="State.EditsBefore"/>[i] holds the state edits applied before block i's transactions (empty for
    /// genesis), <see cref="State.PendingEdits"/> those made since the head; each edit is one record of the log.
    /// </remarks>
    private sealed record State(
        ImmutableList<StoredBlock> Blocks,
        ImmutableDictionary<Hash256, ulong> NumbersByHash,
        ImmutableDictionary<Hash256, (ulong Number, int Index)> Transactions,
        ImmutableList<ImmutableList<StateEdit>> EditsBefore,
        ImmutableList<StateEdit> PendingEdits);

    /// <summary>Block records start with the block's length; an edit record starts with this (negative) marker instead.</summary>
    private const int EditRecordMarker = -1;

    private ChainStore(BlockLog? log, DataDirectoryLock? directoryLock, StoredBlock genesis)
    {
        _log = log;
        _directoryLock = directoryLock;
        _state = new State([genesis], ImmutableDictionary<Hash256, ulong>.Empty.Add(genesis.Hash, 0), ImmutableDictionary<Hash256, (ulong, int)>.Empty, [[]], []);
    }

    /// <summary>An in-memory chain starting at <paramref name="genesis"/>.</summary>
    public static ChainStore InMemory(Block genesis) => new(null, null, new StoredBlock(genesis, [], []));

    /// <summary>
    /// Opens the chain kept in <paramref name="path"/>, creating it with <paramref name="genesis"/> when new. Returns the
    /// blocks after genesis for the caller to re-execute (state is rebuilt from blocks) and add with
    /// <see cref="AppendReplayed"/>; the file is never rewritten, so a crash during the replay loses nothing. The
    /// directory of <paramref name="path"/> is locked (<see cref="DataDirectoryLock"/>) until the store is disposed.
    /// </summary>
    /// <exception cref="IOException">Another process uses the directory.</exception>
    /// <param name="editsBefore">The state edits recorded before each block after genesis ([0] before block 1) and,
    /// last, those after the head (one more list than <paramref name="storedBlocks"/>); the caller applies them in the
    /// replay and hands them back with <see cref="AppendReplayed"/> and <see cref="RestorePendingEdits"/>.</param>
    /// <exception cref="BlockLogDamagedException">The log has a damaged record.</exception>
    public static ChainStore Open(string path, Block genesis, out IReadOnlyList<StoredBlock> storedBlocks, out IReadOnlyList<IReadOnlyList<StateEdit>> editsBefore)
    {
        DataDirectoryLock directoryLock = DataDirectoryLock.Acquire(Path.GetDirectoryName(Path.GetFullPath(path))!);
        try
        {
            BlockLog log = BlockLog.Open(path, out List<byte[]> records);
            return Open(log, directoryLock, path, records, genesis, out storedBlocks, out editsBefore);
        }
        catch
        {
            directoryLock.Dispose();
            throw;
        }
    }

    private static ChainStore Open(
        BlockLog log, DataDirectoryLock directoryLock, string path, List<byte[]> records, Block genesis,
        out IReadOnlyList<StoredBlock> storedBlocks, out IReadOnlyList<IReadOnlyList<StateEdit>> editsBefore)
    {
        try
        {
            var blocks = new List<StoredBlock>(records.Count);
            var edits = new List<IReadOnlyList<StateEdit>>();
            var current = new List<StateEdit>();
            foreach (byte[] record in records)
            {
                if (record.Length >= 4 && BinaryPrimitives.ReadInt32BigEndian(record) == EditRecordMarker)
                {
                    if (blocks.Count == 0)
                    {
                        throw new InvalidDataException($"{path}: a state edit precedes the genesis block");
                    }

                    current.Add(StateEdit.Decode(record.AsSpan(4)));
                    continue;
                }

                if (blocks.Count > 0)
                {
                    edits.Add(current);
                    current = [];
                }

                try
                {
                    blocks.Add(StoredBlock.Decode(record));
                }
                catch (InvalidDataException e)
                {
                    throw new InvalidDataException($"{path}: block {blocks.Count}: {e.Message}", e);
                }
            }

            edits.Add(current);
            if (blocks.Count == 0)
            {
                var first = new StoredBlock(genesis, [], []);
                log.Append(first.Encode());
                storedBlocks = [];
                editsBefore = [[]];
                return new ChainStore(log, directoryLock, first);
            }

            if (blocks[0].Hash != genesis.Hash)
            {
                throw new InvalidDataException(
                    $"{path} holds a chain with genesis {blocks[0].Hash}, not {genesis.Hash} (different chain id, genesis or accounts): use another --data-dir");
            }

            for (int i = 1; i < blocks.Count; i++)
            {
                if (blocks[i].Number != (ulong)i || blocks[i].Header.ParentHash != blocks[i - 1].Hash)
                {
                    throw new InvalidDataException($"{path}: block {i} does not extend block {i - 1}");
                }
            }

            storedBlocks = blocks.GetRange(1, blocks.Count - 1);
            editsBefore = edits;
            return new ChainStore(log, directoryLock, blocks[0]);
        }
        catch
        {
            log.Dispose();
            throw;
        }
    }

    /// <summary>Bytes of an incomplete last record cut when the log was opened (see <see cref="BlockLog.TornTailBytes"/>).</summary>
    public long TornTailBytes => _log?.TornTailBytes ?? 0;

    public StoredBlock Genesis => _state.Blocks[0];

    public StoredBlock Head => _state.Blocks[^1];

    /// <summary>Who decides the safe and finalized blocks (a rollup engine); null: both are the head.</summary>
    public IChainHeads? Heads { get; set; }

    public StoredBlock? GetByNumber(ulong number)
    {
        ImmutableList<StoredBlock> blocks = _state.Blocks;
        return number < (ulong)blocks.Count ? blocks[(int)number] : null;
    }

    public StoredBlock? GetByHash(in Hash256 hash)
    {
        State state = _state;
        return state.NumbersByHash.TryGetValue(hash, out ulong number) ? state.Blocks[(int)number] : null;
    }

    /// <summary>The block and index of a mined transaction.</summary>
    public bool TryFindTransaction(in Hash256 hash, out StoredBlock block, out int index)
    {
        State state = _state;
        if (state.Transactions.TryGetValue(hash, out (ulong Number, int Index) location))
        {
            block = state.Blocks[(int)location.Number];
            index = location.Index;
            return true;
        }

        block = null!;
        index = -1;
        return false;
    }

    public Hash256 GetBlockHash(ulong number) => GetByNumber(number)?.Hash ?? Hash256.Zero;

    /// <summary>Appends the next block; durable (when persistent) before it becomes visible.</summary>
    public void Append(StoredBlock block) => Add(block, persist: true, beforeVisible: null);

    /// <summary>
    /// Appends the next block and runs <paramref name="beforeVisible"/> once it is durable but before readers see it
    /// (the state of the block is published there, so a reader that finds the block finds its state). When
    /// <paramref name="beforeVisible"/> throws, the block is cut from the log again and never becomes visible.
    /// </summary>
    public void Append(StoredBlock block, Action beforeVisible)
    {
        ArgumentNullException.ThrowIfNull(beforeVisible);
        Add(block, persist: true, beforeVisible);
    }

    /// <summary>Indexes a block read back from the log at startup (already durable), with the state edits logged before it.</summary>
    public void AppendReplayed(StoredBlock block, IReadOnlyList<StateEdit> editsBefore)
    {
        ArgumentNullException.ThrowIfNull(editsBefore);
        lock (_writeLock)
        {
            _state = _state with { PendingEdits = [.. editsBefore] };
        }

        Add(block, persist: false, beforeVisible: null);
    }

    /// <summary>The state edits logged after the head, read back at startup (already durable).</summary>
    public void RestorePendingEdits(IReadOnlyList<StateEdit> edits)
    {
        ArgumentNullException.ThrowIfNull(edits);
        lock (_writeLock)
        {
            _state = _state with { PendingEdits = [.. edits] };
        }
    }

    /// <summary>The state edits made since the head, in order; the next block applies them before its transactions.</summary>
    public ImmutableList<StateEdit> PendingEdits => _state.PendingEdits;

    /// <summary>The state edits applied before block <paramref name="number"/>'s transactions.</summary>
    public IReadOnlyList<StateEdit> EditsBefore(ulong number)
    {
        State state = _state;
        return number < (ulong)state.EditsBefore.Count ? state.EditsBefore[(int)number] : [];
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

            _state = _state with { PendingEdits = _state.PendingEdits.Add(edit) };
        }
    }

    /// <summary>How many log records hold the chain up to block <paramref name="number"/> and then <paramref name="pendingEdits"/> edits.</summary>
    private static int RecordCount(State state, ulong number, int pendingEdits)
    {
        int count = pendingEdits;
        for (int i = 0; i <= (int)number; i++)
        {
            count += 1 + state.EditsBefore[i].Count;
        }

        return count;
    }

    private void Add(StoredBlock block, bool persist, Action? beforeVisible)
    {
        ArgumentNullException.ThrowIfNull(block);
        lock (_writeLock)
        {
            State state = _state;
            if (block.Number != (ulong)state.Blocks.Count || block.Header.ParentHash != state.Blocks[^1].Hash)
            {
                throw new InvalidOperationException($"block {block.Number} does not extend the head {state.Blocks[^1].Number}");
            }

            if (persist)
            {
                _log?.Append(block.Encode());
            }

            if (beforeVisible is not null)
            {
                try
                {
                    beforeVisible();
                }
                catch
                {
                    if (persist)
                    {
                        _log?.Truncate(RecordCount(state, state.Blocks[^1].Number, state.PendingEdits.Count));
                    }

                    throw;
                }
            }

            ImmutableDictionary<Hash256, (ulong, int)>.Builder transactions = state.Transactions.ToBuilder();
            for (int i = 0; i < block.Block.Transactions.Length; i++)
            {
                transactions[block.Block.Transactions[i].Hash] = (block.Number, i);
            }

            _state = new State(
                state.Blocks.Add(block), state.NumbersByHash.SetItem(block.Hash, block.Number), transactions.ToImmutable(),
                state.EditsBefore.Add(state.PendingEdits), []);
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
            State state = _state;
            if (number > state.Blocks[^1].Number)
            {
                throw new ArgumentOutOfRangeException(nameof(number), $"block {number} is after the head {state.Blocks[^1].Number}");
            }

            ImmutableList<StateEdit> editsAfter = number == state.Blocks[^1].Number ? state.PendingEdits : state.EditsBefore[(int)number + 1];
            if (pendingEdits < 0 || pendingEdits > editsAfter.Count)
            {
                throw new ArgumentOutOfRangeException(nameof(pendingEdits), $"{pendingEdits} edits, but {editsAfter.Count} were made after block {number}");
            }

            if (number == state.Blocks[^1].Number && pendingEdits == state.PendingEdits.Count)
            {
                return;
            }

            _log?.Truncate(RecordCount(state, number, pendingEdits));
            ImmutableList<StoredBlock> blocks = state.Blocks.GetRange(0, (int)number + 1);
            _state = new State(
                blocks,
                blocks.ToImmutableDictionary(b => b.Hash, b => b.Number),
                blocks.SelectMany(b => b.Block.Transactions.Select((tx, i) => (tx.Hash, b.Number, i))).ToImmutableDictionary(t => t.Hash, t => (t.Number, t.i)),
                state.EditsBefore.GetRange(0, (int)number + 1),
                editsAfter.GetRange(0, pendingEdits));
        }
    }

    public void Dispose()
    {
        _log?.Dispose();
        _directoryLock?.Dispose();
    }
}
