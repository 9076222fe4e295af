using System.Buffers.Binary;
using Hyperion.Core;
using Hyperion.MetisDb;
using Hyperion.Execution.Blocks;
using Hyperion.State;

namespace Hyperion.Chain;

/// <summary>A transaction's place in the chain.</summary>
public readonly record struct TransactionPosition(ulong Block, int Index);

/// <summary>Who deployed a contract: the account that ran the creation (a transaction's sender or a factory contract).</summary>
public readonly record struct ContractCreation(TransactionPosition Transaction, Address Creator);

/// <summary>
/// Erigon's call-trace index, as Otterscan expects it: for each address the transactions that touched it as the
/// sender, the recipient or the creation of the transaction, or as the caller, callee (for DELEGATECALL and CALLCODE:
/// the account whose code runs, as Erigon indexes them), created contract or self-destruct beneficiary of any internal
/// frame (reverted frames included, as Erigon's); and for each contract its
/// creator. Blocks are indexed off the block producer's path, on a background thread; a query first indexes the blocks
/// the thread has not reached, so answers are never behind the head. A block this node built comes with what its
/// frames touched, collected as the producer executed it (<see cref="BlockAddedEvent.Addresses"/>); any other (an
/// imported block, a block of an earlier run) is executed again with the same frames-only collector (the VM runs its
/// untraced loop between frames). A block whose state is no longer kept (one the index did not reach before it left
/// the state window) is indexed from its transactions only (no internal frames).
/// With a data directory the index is kept in LMDB tables (<see cref="DirectoryName"/>, <see cref="SealedTables"/>)
/// and read on demand, so opening it takes the same time at any chain length: the blocks of a catch-up are indexed in one
/// atomic batch that also moves a checkpoint (last block, its hash); blocks after the checkpoint are indexed again, blocks
/// the chain no longer has (a crash, a rewind, a reset) are dropped, and damaged tables are rebuilt from the chain.
/// Without a data directory the same tables live in a temporary directory deleted on dispose.
/// </summary>
public sealed class AddressIndex : IDisposable
{
    public const string DirectoryName = "address-index";

    private const int Positions = 0; // address ‖ block (8) ‖ tx (4) → empty
    private const int Creations = 1; // contract → block (8) ‖ tx (4) ‖ creator (20)
    private const int Blocks = 2; // block (8) → the block's entries (to drop them)
    private const int Meta = 3; // "checkpoint" → last block (8) ‖ its hash (32) ‖ untraced blocks (8)
    private static readonly string[] TableNames = ["positions", "creations", "blocks", "meta"];

    private readonly IChainReader _chain;
    private readonly Action<string>? _warning;
    private readonly string _directory;
    private readonly bool _temporary;
    private const int MaxBuiltWaiting = 4096; // blocks whose collected entries wait for the worker; more are executed again

    private readonly object _lock = new();
    private readonly Dictionary<ulong, (Hash256 Hash, BlockAddresses Addresses)> _built = []; // under its own lock: the producer adds, the worker takes
    private readonly CoalescingWorker _worker;
    private SealedTables _tables;
    private ulong _indexed;
    private Hash256 _indexedHash;
    private long _untraced;
    private long _executedAgain;
    private ulong _announced; // the last block added (or the head at start): the worker indexes no further, so as not to execute again a block whose collected entries are on their way

    public AddressIndex(IChainReader chain, string? dataDirectory, Action<string>? warning = null)
    {
        _chain = chain ?? throw new ArgumentNullException(nameof(chain));
        _warning = warning;
        _temporary = dataDirectory is null;
        _directory = dataDirectory is null
            ? Path.Combine(Path.GetTempPath(), "hyperion-address-index-" + Guid.NewGuid().ToString("N"))
            : Path.Combine(dataDirectory, DirectoryName);
        if (File.Exists(_directory))
        {
            File.Delete(_directory);
            _warning?.Invoke($"address index {_directory}: the file of an earlier version; indexing the chain again into LMDB tables");
        }

        _tables = OpenTables();
        _announced = _chain.Blocks.Head.Number;
        _chain.BlockAdded += OnBlockAdded;
        _worker = new CoalescingWorker("hyperion-address-index", CatchUpInBackground, CatchUpInterval);
        _worker.Signal(); // index what the chain already has
    }

    /// <summary>The least time between two background catch-ups: the blocks added meanwhile are indexed together, without a thread wake-up per block.</summary>
    public static TimeSpan CatchUpInterval { get; } = TimeSpan.FromMilliseconds(10);

    private static ReadOnlySpan<byte> CheckpointKey => "checkpoint"u8;

    // "format" → one byte, written with every checkpoint. Version 2: DELEGATECALL and CALLCODE frames index the
    // account whose code runs (version 1, with no format key, indexed the calling account twice); tables of an earlier
    // version are indexed again from the chain.
    private static ReadOnlySpan<byte> FormatKey => "format"u8;

    private const byte FormatVersion = 2;

    /// <summary>The last block indexed (0: none).</summary>
    public ulong Indexed
    {
        get { lock (_lock) { return _indexed; } }
    }

    /// <summary>Blocks indexed from their transactions only, because their state was no longer kept.</summary>
    public long UntracedBlocks
    {
        get { lock (_lock) { return _untraced; } }
    }

    /// <summary>Blocks indexed since the index opened by executing them again (the others came with what their producer collected).</summary>
    public long ExecutedAgain
    {
        get { lock (_lock) { return _executedAgain; } }
    }

    /// <summary>
    /// Up to <paramref name="limit"/> transactions of <paramref name="address"/>, whole blocks at a time (a block's
    /// transactions are never split, so more may come back): before block <paramref name="block"/> newest first, or
    /// after it oldest first. <paramref name="exhausted"/> says whether the search reached the end of the chain.
    /// </summary>
    public List<TransactionPosition> Search(Address address, ulong block, bool before, int limit, out bool exhausted)
    {
        lock (_lock)
        {
            CatchUp();
            (List<TransactionPosition> found, bool reachedEnd) = Read(() => Scan(address, block, before, limit));
            exhausted = reachedEnd;
            return found;
        }
    }

    /// <summary>The creation of <paramref name="contract"/> (the latest, should it have been created again); null when none is known.</summary>
    public ContractCreation? Creator(Address contract)
    {
        lock (_lock)
        {
            CatchUp();
            byte[]? value = Read(() => _tables.Get(Creations, contract.Bytes));
            return value is null ? null : ReadCreation(value);
        }
    }

    /// <summary>Indexes the chain's blocks up to its head (after dropping those the chain no longer has).</summary>
    public void CatchUp() => CatchUp(ulong.MaxValue);

    /// <summary>Indexes the chain's blocks up to its head or <paramref name="upTo"/>, whichever is lower.</summary>
    private void CatchUp(ulong upTo)
    {
        lock (_lock)
        {
            try
            {
                CatchUpTables(upTo);
            }
            catch (InvalidDataException damaged)
            {
                Rebuild(damaged.Message);
                CatchUpTables(upTo);
            }
        }
    }

    public void Dispose()
    {
        _chain.BlockAdded -= OnBlockAdded;
        _worker.Dispose();
        _tables.Dispose();
        if (_temporary)
        {
            SealedTables.Delete(_directory);
        }
    }

    private void OnBlockAdded(BlockAddedEvent added)
    {
        if (added.Addresses is { } addresses)
        {
            lock (_built)
            {
                if (_built.Count < MaxBuiltWaiting)
                {
                    _built[added.Block.Number] = (added.Block.Hash, addresses);
                }
            }
        }

        Volatile.Write(ref _announced, added.Block.Number); // after its entries: the worker indexes it with them
        _worker.Signal();
    }

    /// <summary>What the producer collected for <paramref name="block"/> as it executed it (taken: used once); null when nothing was.</summary>
    private BlockEntries? TakeBuilt(StoredBlock block)
    {
        lock (_built)
        {
            if (!_built.Remove(block.Number, out (Hash256 Hash, BlockAddresses Addresses) built))
            {
                return null;
            }

            if (_built.Count > 0)
            {
                // Entries for blocks below this one can no longer be used (a rewind replaced them, or they were indexed).
                foreach (ulong stale in _built.Keys.Where(n => n < block.Number).ToList())
                {
                    _built.Remove(stale);
                }
            }

            return built.Hash == block.Hash ? new BlockEntries(built.Addresses.Touched, built.Addresses.Created, Traced: true) : null;
        }
    }

    private void CatchUpInBackground()
    {
        try
        {
            CatchUp(Volatile.Read(ref _announced));
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or StateUnavailableException or InvalidBlockException)
        {
            // A block that cannot be indexed now (e.g. the chain rewound under the worker) is retried by the next query or block.
        }
    }

    /// <summary>Opens the tables and reads the checkpoint; damaged ones are deleted and created again (empty).</summary>
    private SealedTables OpenTables()
    {
        try
        {
            SealedTables tables = SealedTables.Open(_directory, TableNames);
            try
            {
                byte[]? checkpoint = tables.Get(Meta, CheckpointKey);
                if (checkpoint is not null && checkpoint.Length != 8 + 32 + 8)
                {
                    throw new InvalidDataException($"{_directory}: its checkpoint has {checkpoint.Length} bytes");
                }

                if (checkpoint is not null && tables.Get(Meta, FormatKey) is not [FormatVersion])
                {
                    throw new InvalidDataException($"{_directory}: written by an earlier version (without the code accounts of DELEGATECALL and CALLCODE frames)");
                }

                (_indexed, _indexedHash, _untraced) = checkpoint is null ? (0UL, default(Hash256), 0L)
                    : (BinaryPrimitives.ReadUInt64BigEndian(checkpoint), new Hash256(checkpoint.AsSpan(8, 32)), BinaryPrimitives.ReadInt64BigEndian(checkpoint.AsSpan(40)));
                if (_indexed > 0 && _chain.Blocks.GetBlockHash(_indexed) != _indexedHash)
                {
                    _warning?.Invoke($"address index {_directory}: block {_indexed} is not the chain's (the chain was cut or reset); dropping the blocks the chain no longer has");
                }

                return tables;
            }
            catch
            {
                tables.Dispose();
                throw;
            }
        }
        catch (InvalidDataException damaged)
        {
            _warning?.Invoke($"address index: {damaged.Message}; rebuilding it from the chain");
            SealedTables.Delete(_directory);
            (_indexed, _indexedHash, _untraced) = (0, default, 0);
            return SealedTables.Open(_directory, TableNames);
        }
    }

    /// <summary>Deletes damaged tables and starts again from block 1.</summary>
    private void Rebuild(string reason)
    {
        _warning?.Invoke($"address index: {reason}; rebuilding it from the chain");
        _tables.Dispose();
        SealedTables.Delete(_directory);
        (_indexed, _indexedHash, _untraced) = (0, default, 0);
        _tables = SealedTables.Open(_directory, TableNames);
    }

    /// <summary>Runs a read; on damage rebuilds the tables from the chain and runs it again.</summary>
    private T Read<T>(Func<T> read)
    {
        try
        {
            return read();
        }
        catch (InvalidDataException damaged)
        {
            Rebuild(damaged.Message);
            CatchUpTables(ulong.MaxValue);
            return read();
        }
    }

    private void CatchUpTables(ulong upTo)
    {
        while (_indexed > 0 && _chain.Blocks.GetBlockHash(_indexed) != _indexedHash)
        {
            DropLast();
        }

        // The blocks caught up with are indexed in one batch (one LMDB commit, whose pages they share), up to
        // MaxBlocksPerBatch; a failure while collecting a block's entries keeps the blocks before it (damaged tables
        // keep nothing: they are rebuilt).
        while (_indexed < upTo && _chain.Blocks.GetByNumber(_indexed + 1) is { } first)
        {
            using SealedTables.Batch batch = _tables.Write();
            (ulong Number, Hash256 Hash, long Untraced) at = (_indexed, _indexedHash, _untraced);
            try
            {
                for (StoredBlock? next = first; next is not null; next = at.Number < upTo && at.Number - _indexed < MaxBlocksPerBatch ? _chain.Blocks.GetByNumber(at.Number + 1) : null)
                {
                    BlockEntries entries = TakeBuilt(next) ?? Entries(next);
                    Add(batch, next, entries);
                    at = (next.Number, next.Hash, at.Untraced + (entries.Traced ? 0 : 1));
                }
            }
            catch (Exception e) when (e is not InvalidDataException)
            {
                Commit(batch, at);
                throw;
            }

            Commit(batch, at);
        }
    }

    /// <summary>Moves the checkpoint to <paramref name="last"/> and commits the blocks <paramref name="batch"/> indexed up to it (none: nothing to commit).</summary>
    private void Commit(SealedTables.Batch batch, (ulong Number, Hash256 Hash, long Untraced) last)
    {
        if (last.Number == _indexed)
        {
            return;
        }

        PutCheckpoint(batch, last.Number, last.Hash, last.Untraced);
        batch.Commit();
        (_indexed, _indexedHash, _untraced) = last;
    }

    /// <summary>The most blocks one catch-up batch indexes (a bound on one LMDB transaction's dirty pages).</summary>
    private const int MaxBlocksPerBatch = 256;

    private (List<TransactionPosition> Found, bool Exhausted) Scan(Address address, ulong block, bool before, int limit)
    {
        var found = new List<TransactionPosition>();
        bool exhausted = true;
        Span<byte> from = stackalloc byte[20 + 8 + 4];
        address.Bytes.CopyTo(from);
        BinaryPrimitives.WriteUInt64BigEndian(from[20..], before ? block : block + 1);
        byte[] prefix = address.Bytes.ToArray();
        _tables.Scan(Positions, from, backward: before, (key, _) =>
        {
            if (key.Length != 20 + 8 + 4 || !key[..20].SequenceEqual(prefix))
            {
                return false;
            }

            var position = new TransactionPosition(BinaryPrimitives.ReadUInt64BigEndian(key[20..]), BinaryPrimitives.ReadInt32BigEndian(key[28..]));
            if (found.Count >= limit && position.Block != found[^1].Block)
            {
                exhausted = false;
                return false;
            }

            found.Add(position);
            return true;
        });
        return (found, exhausted);
    }

    /// <summary>Per transaction, the addresses it touched, and the contracts it created with their creators, from executing the block again.</summary>
    private BlockEntries Entries(StoredBlock block)
    {
        int count = block.Block.Transactions.Length;
        IStateReader? parent = count == 0 ? null : _chain.StateBefore(block.Number);
        if (parent is not null)
        {
            var collector = new BlockAddressCollector();
            BlockExecution execution = _chain.Executor.Simulate(
                new BlockInput(block.Header, []) { BlockHashes = _chain.Blocks }, parent, count,
                (i, _, _) => (block.Block.Transactions[i], block.Senders[i]),
                (i, _) =>
                {
                    collector.Begin(i);
                    return collector;
                },
                out _);
            _executedAgain++;
            if (execution.Transactions.Count == count && execution.Skipped.Count == 0)
            {
                return new BlockEntries(collector.Addresses.Touched, collector.Addresses.Created, Traced: true);
            }
        }

        var touched = new List<(int, Address)>();
        var created = new List<(int, Address, Address)>();

        for (int i = 0; i < count; i++)
        {
            var seen = new HashSet<Address>();
            foreach (Address? address in new[] { block.Senders[i], block.Block.Transactions[i].To, block.ContractAddress(i) })
            {
                if (address is { } a && seen.Add(a))
                {
                    touched.Add((i, a));
                }
            }

            if (block.ContractAddress(i) is { } contract && block.Receipts[i].Success)
            {
                created.Add((i, contract, block.Senders[i]));
            }
        }

        return new BlockEntries(touched, created, Traced: count == 0);
    }

    /// <summary>Writes <paramref name="block"/>'s entries into <paramref name="batch"/> (the caller moves the checkpoint).</summary>
    private static void Add(SealedTables.Batch batch, StoredBlock block, BlockEntries entries)
    {
        Span<byte> key = stackalloc byte[20 + 8 + 4];
        Span<byte> creation = stackalloc byte[8 + 4 + 20];
        foreach ((int index, Address address) in entries.Touched)
        {
            PositionKey(key, address, block.Number, index);
            batch.Put(Positions, key, []);
        }

        foreach ((int index, Address contract, Address creator) in entries.Created)
        {
            BinaryPrimitives.WriteUInt64BigEndian(creation, block.Number);
            BinaryPrimitives.WriteInt32BigEndian(creation[8..], index);
            creator.Bytes.CopyTo(creation[12..]);
            batch.Put(Creations, contract.Bytes, creation);
        }

        batch.Put(Blocks, NumberKey(block.Number), Serialize(block.Number, block.Hash, entries));
    }

    /// <summary>Forgets the last block indexed (the chain no longer has it) and moves the checkpoint back, in one batch.</summary>
    private void DropLast()
    {
        ulong number = _indexed;
        byte[] value = _tables.Get(Blocks, NumberKey(number)) ?? throw new InvalidDataException($"{_directory}: no entry for block {number}, which its checkpoint covers");
        if (!TryRead(value, out ulong stored, out _, out BlockEntries? entries) || stored != number)
        {
            throw new InvalidDataException($"{_directory}: the entry of block {number} is malformed");
        }

        Hash256 previousHash = default;
        if (number > 1)
        {
            byte[] previous = _tables.Get(Blocks, NumberKey(number - 1)) ?? throw new InvalidDataException($"{_directory}: no entry for block {number - 1}, which its checkpoint covers");
            if (!TryRead(previous, out _, out previousHash, out _))
            {
                throw new InvalidDataException($"{_directory}: the entry of block {number - 1} is malformed");
            }
        }

        long untraced = _untraced - (entries!.Traced ? 0 : 1);
        using (SealedTables.Batch batch = _tables.Write())
        {
            Span<byte> key = stackalloc byte[20 + 8 + 4];
            foreach ((int index, Address address) in entries.Touched)
            {
                PositionKey(key, address, number, index);
                batch.Delete(Positions, key);
            }

            foreach ((_, Address contract, _) in entries.Created)
            {
                // An earlier creation of the same address is forgotten too; rare enough (a rewind over a re-creation).
                if (_tables.Get(Creations, contract.Bytes) is { } creation && ReadCreation(creation).Transaction.Block == number)
                {
                    batch.Delete(Creations, contract.Bytes);
                }
            }

            batch.Delete(Blocks, NumberKey(number));
            PutCheckpoint(batch, number - 1, previousHash, untraced);
            batch.Commit();
        }

        (_indexed, _indexedHash, _untraced) = (number - 1, previousHash, untraced);
    }

    private static void PutCheckpoint(SealedTables.Batch batch, ulong number, Hash256 hash, long untraced)
    {
        Span<byte> value = stackalloc byte[8 + 32 + 8];
        BinaryPrimitives.WriteUInt64BigEndian(value, number);
        hash.CopyTo(value[8..]);
        BinaryPrimitives.WriteInt64BigEndian(value[40..], untraced);
        batch.Put(Meta, CheckpointKey, value);
        batch.Put(Meta, FormatKey, [FormatVersion]);
    }

    private static byte[] NumberKey(ulong number)
    {
        var key = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(key, number);
        return key;
    }

    private static void PositionKey(Span<byte> key, Address address, ulong block, int index)
    {
        address.Bytes.CopyTo(key);
        BinaryPrimitives.WriteUInt64BigEndian(key[20..], block);
        BinaryPrimitives.WriteInt32BigEndian(key[28..], index);
    }

    private ContractCreation ReadCreation(byte[] value) => value.Length == 8 + 4 + 20
        ? new ContractCreation(new TransactionPosition(BinaryPrimitives.ReadUInt64BigEndian(value), BinaryPrimitives.ReadInt32BigEndian(value.AsSpan(8))), new Address(value.AsSpan(12, 20)))
        : throw new InvalidDataException($"{_directory}: a creation entry has {value.Length} bytes");

    // A block's entry: number (8) ‖ hash (32) ‖ traced (1) ‖ touched count (4) ‖ (tx (4) ‖ address (20))* ‖
    // created count (4) ‖ (tx (4) ‖ contract (20) ‖ creator (20))*.
    private static byte[] Serialize(ulong number, Hash256 hash, BlockEntries entries)
    {
        var record = new byte[8 + 32 + 1 + 4 + entries.Touched.Count * 24 + 4 + entries.Created.Count * 44];
        var writer = new SpanWriter(record);
        writer.UInt64(number);
        writer.Bytes(hash.Bytes);
        writer.Byte(entries.Traced ? (byte)1 : (byte)0);
        writer.Int32(entries.Touched.Count);
        foreach ((int index, Address address) in entries.Touched)
        {
            writer.Int32(index);
            writer.Bytes(address.Bytes);
        }

        writer.Int32(entries.Created.Count);
        foreach ((int index, Address contract, Address creator) in entries.Created)
        {
            writer.Int32(index);
            writer.Bytes(contract.Bytes);
            writer.Bytes(creator.Bytes);
        }

        return record;
    }

    private static bool TryRead(ReadOnlySpan<byte> p, out ulong number, out Hash256 hash, out BlockEntries? entries)
    {
        number = 0;
        hash = default;
        entries = null;
        if (p.Length < 8 + 32 + 1 + 8)
        {
            return false;
        }

        number = BinaryPrimitives.ReadUInt64LittleEndian(p);
        hash = new Hash256(p.Slice(8, 32));
        bool traced = p[40] == 1;
        int at = 41;
        int touchedCount = BinaryPrimitives.ReadInt32LittleEndian(p[at..]);
        at += 4;
        if (touchedCount < 0 || (long)touchedCount * 24 > p.Length - at - 4)
        {
            return false;
        }

        var touched = new List<(int, Address)>(touchedCount);
        for (int i = 0; i < touchedCount; i++, at += 24)
        {
            touched.Add((BinaryPrimitives.ReadInt32LittleEndian(p[at..]), new Address(p.Slice(at + 4, 20))));
        }

        int createdCount = BinaryPrimitives.ReadInt32LittleEndian(p[at..]);
        at += 4;
        if (createdCount < 0 || (long)createdCount * 44 != p.Length - at)
        {
            return false;
        }

        var created = new List<(int, Address, Address)>(createdCount);
        for (int i = 0; i < createdCount; i++, at += 44)
        {
            created.Add((BinaryPrimitives.ReadInt32LittleEndian(p[at..]), new Address(p.Slice(at + 4, 20)), new Address(p.Slice(at + 24, 20))));
        }

        entries = new BlockEntries(touched, created, traced);
        return true;
    }

    private sealed record BlockEntries(List<(int Index, Address Address)> Touched, List<(int Index, Address Contract, Address Creator)> Created, bool Traced);

    private ref struct SpanWriter(Span<byte> destination)
    {
        private readonly Span<byte> _destination = destination;
        private int _at;

        public void Int32(int value)
        {
            BinaryPrimitives.WriteInt32LittleEndian(_destination[_at..], value);
            _at += 4;
        }

        public void Byte(byte value) => _destination[_at++] = value;

        public void UInt64(ulong value)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(_destination[_at..], value);
            _at += 8;
        }

        public void Bytes(ReadOnlySpan<byte> value)
        {
            value.CopyTo(_destination[_at..]);
            _at += value.Length;
        }
    }
}
