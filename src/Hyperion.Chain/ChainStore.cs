using System.Buffers.Binary;
using System.Collections.Immutable;
using Hyperion.Core;
using Hyperion.Core.Blocks;
using Hyperion.Core.Transactions;
using Hyperion.Evm;

namespace Hyperion.Chain;

/// <summary>A block with what RPC serves about it: receipts and the recovered senders of its transactions.</summary>
public sealed class StoredBlock
{
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
        Receipts = receipts;
        Senders = senders;
    }

    public Block Block { get; }
    public BlockHeader Header => Block.Header;
    public ulong Number => Block.Number;
    public Hash256 Hash => Block.Hash;
    public IReadOnlyList<Receipt> Receipts { get; }
    public IReadOnlyList<Address> Senders { get; }

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

    internal byte[] Encode()
    {
        byte[] block = Block.Encode();
        byte[][] receipts = [.. Receipts.Select(r => r.EncodeEnvelope())];
        var payload = new byte[4 + block.Length + 4 + receipts.Sum(r => 4 + r.Length)];
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

        return payload;
    }

    internal static StoredBlock Decode(byte[] payload)
    {
        ReadOnlySpan<byte> span = payload;
        int blockLength = BinaryPrimitives.ReadInt32BigEndian(span);
        Block block = Block.Decode(payload.AsMemory(4, blockLength));
        int offset = 4 + blockLength;
        int count = BinaryPrimitives.ReadInt32BigEndian(span[offset..]);
        offset += 4;
        var receipts = new Receipt[count];
        for (int i = 0; i < count; i++)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(span[offset..]);
            receipts[i] = Receipt.DecodeEnvelope(span.Slice(offset + 4, length));
            offset += 4 + length;
        }

        var senders = new Address[block.Transactions.Length];
        for (int i = 0; i < senders.Length; i++)
        {
            senders[i] = block.Transactions[i].TryRecoverSender(out Address sender)
                ? sender
                : throw new InvalidDataException($"stored block {block.Number}: transaction {i} has no valid signature");
        }

        return new StoredBlock(block, receipts, senders);
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
    private sealed record State(
        ImmutableList<StoredBlock> Blocks,
        ImmutableDictionary<Hash256, ulong> NumbersByHash,
        ImmutableDictionary<Hash256, (ulong Number, int Index)> Transactions);

    private ChainStore(BlockLog? log, DataDirectoryLock? directoryLock, StoredBlock genesis)
    {
        _log = log;
        _directoryLock = directoryLock;
        _state = new State([genesis], ImmutableDictionary<Hash256, ulong>.Empty.Add(genesis.Hash, 0), ImmutableDictionary<Hash256, (ulong, int)>.Empty);
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
    /// <exception cref="BlockLogDamagedException">The log has a damaged record.</exception>
    public static ChainStore Open(string path, Block genesis, out IReadOnlyList<StoredBlock> storedBlocks)
    {
        DataDirectoryLock directoryLock = DataDirectoryLock.Acquire(Path.GetDirectoryName(Path.GetFullPath(path))!);
        try
        {
            BlockLog log = BlockLog.Open(path, out List<byte[]> records);
            return Open(log, directoryLock, path, records, genesis, out storedBlocks);
        }
        catch
        {
            directoryLock.Dispose();
            throw;
        }
    }

    private static ChainStore Open(BlockLog log, DataDirectoryLock directoryLock, string path, List<byte[]> records, Block genesis, out IReadOnlyList<StoredBlock> storedBlocks)
    {
        try
        {
            var blocks = new List<StoredBlock>(records.Count);
            foreach (byte[] record in records)
            {
                blocks.Add(StoredBlock.Decode(record));
            }

            if (blocks.Count == 0)
            {
                var first = new StoredBlock(genesis, [], []);
                log.Append(first.Encode());
                storedBlocks = [];
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
            return new ChainStore(log, directoryLock, blocks[0]);
        }
        catch
        {
            log.Dispose();
            throw;
        }
    }

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

    /// <summary>Indexes a block read back from the log at startup (already durable).</summary>
    public void AppendReplayed(StoredBlock block) => Add(block, persist: false, beforeVisible: null);

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
                        _log?.Truncate(state.Blocks.Count);
                    }

                    throw;
                }
            }

            ImmutableDictionary<Hash256, (ulong, int)>.Builder transactions = state.Transactions.ToBuilder();
            for (int i = 0; i < block.Block.Transactions.Length; i++)
            {
                transactions[block.Block.Transactions[i].Hash] = (block.Number, i);
            }

            _state = new State(state.Blocks.Add(block), state.NumbersByHash.SetItem(block.Hash, block.Number), transactions.ToImmutable());
        }
    }

    /// <summary>Drops every block after <paramref name="number"/> (evm_revert).</summary>
    public void TruncateAfter(ulong number)
    {
        lock (_writeLock)
        {
            State state = _state;
            if (number >= (ulong)state.Blocks.Count - 1)
            {
                return;
            }

            _log?.Truncate((int)number + 1);
            ImmutableList<StoredBlock> blocks = state.Blocks.GetRange(0, (int)number + 1);
            _state = new State(
                blocks,
                blocks.ToImmutableDictionary(b => b.Hash, b => b.Number),
                blocks.SelectMany(b => b.Block.Transactions.Select((tx, i) => (tx.Hash, b.Number, i))).ToImmutableDictionary(t => t.Hash, t => (t.Number, t.i)));
        }
    }

    public void Dispose()
    {
        _log?.Dispose();
        _directoryLock?.Dispose();
    }
}
