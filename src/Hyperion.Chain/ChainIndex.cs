using System.Buffers.Binary;
using Hyperion.Core;
using Hyperion.MetisDb;

namespace Hyperion.Chain;

/// <summary>Where block <c>n</c>'s record lies in the block log, and the block's hash.</summary>
internal readonly record struct BlockLogEntry(long Offset, int Length, Hash256 Hash)
{
    /// <summary>The byte after the record: where the next record (a state edit or the next block) starts.</summary>
    public long End => Offset + BlockLog.RecordSize(Length);
}

/// <summary>How far the index goes: its last block, that block's hash, and the end of its record in the log.</summary>
internal readonly record struct ChainIndexCheckpoint(ulong Head, Hash256 HeadHash, long LogEnd);

/// <summary>
/// The persisted index of the block log (<see cref="ChainRecovery.IndexDirectoryName"/> in the data directory): block number → record
/// offset, length and hash; block hash → number; transaction hash → (block, index); and a checkpoint (the last block it
/// covers, that block's hash, the end of its record). It is derived from the log, which stays the chain's record: the
/// appended blocks are indexed in atomic batches (<see cref="ChainStore.IndexBatchBlocks"/> at a time) that also move the
/// checkpoint, so a kill -9 leaves the index at a block it fully covers, and opening reads only the checkpoint and the
/// log after it. Values carry checksums
/// (<see cref="SealedTables"/>); an index that is damaged, or disagrees with the log, is rebuilt from the log.
/// </summary>
internal sealed class ChainIndex : IDisposable
{
    private const int Blocks = 0;
    private const int Hashes = 1;
    private const int Transactions = 2;
    private const int Meta = 3;
    private static readonly string[] TableNames = ["blocks", "hashes", "transactions", "meta"];

    private readonly SealedTables _tables;

    private ChainIndex(SealedTables tables) => _tables = tables;

    private static ReadOnlySpan<byte> CheckpointKey => "checkpoint"u8;

    public string Directory => _tables.Directory;

    /// <exception cref="InvalidDataException">The index's data file is damaged.</exception>
    public static ChainIndex Open(string directory) => new(SealedTables.Open(directory, TableNames));

    public static void Delete(string directory) => SealedTables.Delete(directory);

    /// <summary>The checkpoint, or null for an index that covers nothing (a new one).</summary>
    /// <exception cref="InvalidDataException">The entry is damaged.</exception>
    public ChainIndexCheckpoint? ReadCheckpoint()
    {
        byte[]? value = _tables.Get(Meta, CheckpointKey);
        if (value is null)
        {
            return null;
        }

        if (value.Length != 8 + 32 + 8)
        {
            throw new InvalidDataException($"{Directory}: its checkpoint has {value.Length} bytes");
        }

        return new ChainIndexCheckpoint(BinaryPrimitives.ReadUInt64BigEndian(value), new Hash256(value.AsSpan(8, 32)), BinaryPrimitives.ReadInt64BigEndian(value.AsSpan(40)));
    }

    /// <exception cref="InvalidDataException">The entry is damaged.</exception>
    public BlockLogEntry? Get(ulong number)
    {
        Span<byte> key = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(key, number);
        byte[]? value = _tables.Get(Blocks, key);
        if (value is null)
        {
            return null;
        }

        if (value.Length != 8 + 4 + 32)
        {
            throw new InvalidDataException($"{Directory}: the entry of block {number} has {value.Length} bytes");
        }

        return new BlockLogEntry(BinaryPrimitives.ReadInt64BigEndian(value), BinaryPrimitives.ReadInt32BigEndian(value.AsSpan(8)), new Hash256(value.AsSpan(12, 32)));
    }

    /// <exception cref="InvalidDataException">The entry is damaged.</exception>
    public ulong? FindBlock(in Hash256 hash)
    {
        byte[]? value = _tables.Get(Hashes, hash.Bytes);
        return value is null ? null
            : value.Length == 8 ? BinaryPrimitives.ReadUInt64BigEndian(value)
            : throw new InvalidDataException($"{Directory}: the entry of block hash {hash} has {value.Length} bytes");
    }

    /// <exception cref="InvalidDataException">The entry is damaged.</exception>
    public (ulong Number, int Index)? FindTransaction(in Hash256 hash)
    {
        byte[]? value = _tables.Get(Transactions, hash.Bytes);
        return value is null ? null
            : value.Length == 12 ? (BinaryPrimitives.ReadUInt64BigEndian(value), BinaryPrimitives.ReadInt32BigEndian(value.AsSpan(8)))
            : throw new InvalidDataException($"{Directory}: the entry of transaction {hash} has {value.Length} bytes");
    }

    /// <summary>Indexes <paramref name="blocks"/> (consecutive, extending the checkpoint) and moves the checkpoint to the last, in one batch.</summary>
    public void Add(IReadOnlyList<(StoredBlock Block, BlockLogEntry Entry)> blocks)
    {
        if (blocks.Count == 0)
        {
            return;
        }

        using SealedTables.Batch batch = _tables.Write();
        Span<byte> number = stackalloc byte[8];
        Span<byte> entry = stackalloc byte[8 + 4 + 32];
        Span<byte> location = stackalloc byte[12];
        foreach ((StoredBlock block, BlockLogEntry log) in blocks)
        {
            BinaryPrimitives.WriteUInt64BigEndian(number, block.Number);
            BinaryPrimitives.WriteInt64BigEndian(entry, log.Offset);
            BinaryPrimitives.WriteInt32BigEndian(entry[8..], log.Length);
            Hash256 hash = block.Hash;
            hash.CopyTo(entry[12..]);
            batch.Put(Blocks, number, entry);
            batch.Put(Hashes, hash.Bytes, number);
            BinaryPrimitives.WriteUInt64BigEndian(location, block.Number);
            for (int i = 0; i < block.Block.Transactions.Length; i++)
            {
                BinaryPrimitives.WriteInt32BigEndian(location[8..], i);
                Hash256 txHash = block.Block.Transactions[i].Hash;
                batch.Put(Transactions, txHash.Bytes, location);
            }
        }

        (StoredBlock last, BlockLogEntry lastEntry) = blocks[^1];
        PutCheckpoint(batch, new ChainIndexCheckpoint(last.Number, last.Hash, lastEntry.End));
        batch.Commit();
    }

    /// <summary>Drops <paramref name="blocks"/> (the blocks after <paramref name="checkpoint"/>'s head) and moves the checkpoint back, in one batch.</summary>
    public void Remove(IEnumerable<StoredBlock> blocks, ChainIndexCheckpoint checkpoint)
    {
        using SealedTables.Batch batch = _tables.Write();
        Span<byte> number = stackalloc byte[8];
        foreach (StoredBlock block in blocks)
        {
            BinaryPrimitives.WriteUInt64BigEndian(number, block.Number);
            batch.Delete(Blocks, number);
            Hash256 hash = block.Hash;
            batch.Delete(Hashes, hash.Bytes);
            foreach (Core.Transactions.Transaction tx in block.Block.Transactions)
            {
                Hash256 txHash = tx.Hash;
                batch.Delete(Transactions, txHash.Bytes);
            }
        }

        PutCheckpoint(batch, checkpoint);
        batch.Commit();
    }

    private static void PutCheckpoint(SealedTables.Batch batch, ChainIndexCheckpoint checkpoint)
    {
        Span<byte> value = stackalloc byte[8 + 32 + 8];
        BinaryPrimitives.WriteUInt64BigEndian(value, checkpoint.Head);
        checkpoint.HeadHash.CopyTo(value[8..]);
        BinaryPrimitives.WriteInt64BigEndian(value[40..], checkpoint.LogEnd);
        batch.Put(Meta, CheckpointKey, value);
    }

    public void Dispose() => _tables.Dispose();
}
