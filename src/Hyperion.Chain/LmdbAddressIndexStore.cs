using System.Buffers.Binary;
using Hyperion.Core;
using Hyperion.MetisDb;

namespace Hyperion.Chain;

/// <summary>
/// The address index's entries in LMDB tables (<see cref="SealedTables"/>), read on demand, so opening them takes the
/// same time at any chain length; a batch commits its blocks atomically with the checkpoint. Tables that are damaged
/// at open, or of an earlier format, are deleted and created again empty (with a warning).
/// </summary>
internal sealed class LmdbAddressIndexStore : IAddressIndexStore
{
    private const int Positions = 0; // address ‖ block (8) ‖ tx (4) → empty
    private const int Creations = 1; // contract → block (8) ‖ tx (4) ‖ creator (20)
    private const int Blocks = 2; // block (8) → the block's entries (to drop them)
    private const int Meta = 3; // "checkpoint" → last block (8) ‖ its hash (32) ‖ untraced blocks (8)
    private static readonly string[] TableNames = ["positions", "creations", "blocks", "meta"];

    private readonly string _directory;
    private readonly bool _temporary;
    private SealedTables _tables;

    /// <summary>Opens (or creates) the tables in <paramref name="directory"/>; <paramref name="temporary"/>: deleted on dispose.</summary>
    public LmdbAddressIndexStore(string directory, bool temporary, Action<string>? warning)
    {
        _directory = directory;
        _temporary = temporary;
        if (File.Exists(_directory))
        {
            File.Delete(_directory);
            warning?.Invoke($"address index {_directory}: the file of an earlier version; indexing the chain again into LMDB tables");
        }

        _tables = OpenTables(warning);
    }

    private static ReadOnlySpan<byte> CheckpointKey => "checkpoint"u8;

    // "format" → one byte, written with every checkpoint. Version 2: DELEGATECALL and CALLCODE frames index the
    // account whose code runs (version 1, with no format key, indexed the calling account twice); tables of an earlier
    // version are indexed again from the chain.
    private static ReadOnlySpan<byte> FormatKey => "format"u8;

    private const byte FormatVersion = 2;

    public AddressIndexCheckpoint Checkpoint { get; private set; }

    public IAddressIndexBatch Write() => new Batch(this, _tables.Write());

    public void Scan(Address address, ulong block, bool before, Func<TransactionPosition, bool> visit)
    {
        Span<byte> from = stackalloc byte[20 + 8 + 4];
        address.Bytes.CopyTo(from);
        BinaryPrimitives.WriteUInt64BigEndian(from[20..], before ? block : block + 1);
        BinaryPrimitives.WriteInt32BigEndian(from[28..], 0);
        byte[] prefix = address.Bytes.ToArray();
        _tables.Scan(Positions, from, backward: before, (key, _) =>
            key.Length == 20 + 8 + 4 && key[..20].SequenceEqual(prefix)
            && visit(new TransactionPosition(BinaryPrimitives.ReadUInt64BigEndian(key[20..]), BinaryPrimitives.ReadInt32BigEndian(key[28..]))));
    }

    public ContractCreation? Creator(Address contract) => _tables.Get(Creations, contract.Bytes) is { } value ? ReadCreation(value) : null;

    public void Clear()
    {
        _tables.Dispose();
        SealedTables.Delete(_directory);
        Checkpoint = default;
        _tables = SealedTables.Open(_directory, TableNames);
    }

    public void Dispose()
    {
        _tables.Dispose();
        if (_temporary)
        {
            SealedTables.Delete(_directory);
        }
    }

    /// <summary>Opens the tables and reads the checkpoint; damaged ones are deleted and created again (empty).</summary>
    private SealedTables OpenTables(Action<string>? warning)
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

                Checkpoint = checkpoint is null ? default
                    : new AddressIndexCheckpoint(BinaryPrimitives.ReadUInt64BigEndian(checkpoint), new Hash256(checkpoint.AsSpan(8, 32)), BinaryPrimitives.ReadInt64BigEndian(checkpoint.AsSpan(40)));
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
            warning?.Invoke($"address index: {damaged.Message}; rebuilding it from the chain");
            SealedTables.Delete(_directory);
            Checkpoint = default;
            return SealedTables.Open(_directory, TableNames);
        }
    }

    public void DropLast()
    {
        ulong number = Checkpoint.Block;
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

        var last = new AddressIndexCheckpoint(number - 1, previousHash, Checkpoint.Untraced - (entries!.Traced ? 0 : 1));
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
            PutCheckpoint(batch, last);
            batch.Commit();
        }

        Checkpoint = last;
    }

    private static void PutCheckpoint(SealedTables.Batch batch, AddressIndexCheckpoint checkpoint)
    {
        Span<byte> value = stackalloc byte[8 + 32 + 8];
        BinaryPrimitives.WriteUInt64BigEndian(value, checkpoint.Block);
        checkpoint.Hash.CopyTo(value[8..]);
        BinaryPrimitives.WriteInt64BigEndian(value[40..], checkpoint.Untraced);
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

    /// <summary>An LMDB write transaction of blocks' entries, committed with the checkpoint.</summary>
    private sealed class Batch(LmdbAddressIndexStore store, SealedTables.Batch batch) : IAddressIndexBatch
    {
        public void Add(ulong number, Hash256 hash, BlockEntries entries)
        {
            Span<byte> key = stackalloc byte[20 + 8 + 4];
            Span<byte> creation = stackalloc byte[8 + 4 + 20];
            foreach ((int index, Address address) in entries.Touched)
            {
                PositionKey(key, address, number, index);
                batch.Put(Positions, key, []);
            }

            foreach ((int index, Address contract, Address creator) in entries.Created)
            {
                BinaryPrimitives.WriteUInt64BigEndian(creation, number);
                BinaryPrimitives.WriteInt32BigEndian(creation[8..], index);
                creator.Bytes.CopyTo(creation[12..]);
                batch.Put(Creations, contract.Bytes, creation);
            }

            batch.Put(Blocks, NumberKey(number), Serialize(number, hash, entries));
        }

        public void Commit(AddressIndexCheckpoint last)
        {
            PutCheckpoint(batch, last);
            batch.Commit();
            store.Checkpoint = last;
        }

        public void Dispose() => batch.Dispose();
    }

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
