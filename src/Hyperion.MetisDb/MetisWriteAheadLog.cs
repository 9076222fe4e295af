using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Hyperion.Core;
using Hyperion.Core.IO;
using Hyperion.State;

namespace Hyperion.MetisDb;

/// <summary>
/// MetisDB's write-ahead log (<c>wal.log</c> beside the LMDB file): one record per published block, the block's net
/// changes, appended (written to the OS, not fsynced) before the block becomes the head. The LMDB file itself is written without per-block
/// fsync and synced at checkpoints (in the background), after which the records of the blocks the sync covered are
/// dropped; opening replays the records after the store's head.
/// </summary>
/// <remarks>
/// A record is [payload length u32][CRC-32C of the payload u32][payload]; a short or mismatching last record is an
/// append a crash interrupted (never acknowledged) and is cut off, never half-applied. LMDB without fsync survives a
/// killed process (its writes are in the OS page cache) but not an OS crash or power loss; the header therefore says
/// whether LMDB has been written since its last sync ("dirty") and in which boot of the machine. A dirty log from
/// another boot means the LMDB file may be inconsistent, and opening refuses it (the node then rebuilds the state from
/// its block log).
/// Records are therefore only ever replayed in the boot that wrote them, where the OS page cache holds every write
/// that returned, so a record is not fsynced (issue 14: that was a second fsync per block beside the block log's,
/// about a third of a small durable block's wall time). Only the header's switch to dirty is fsynced, before LMDB is
/// written unsynced: that is what makes the refusal after an OS crash reliable.
/// </remarks>
internal sealed class MetisWriteAheadLog : IDisposable
{
    public const string FileName = "wal.log";
    private const ulong Magic = 0x4C4157534954454D; // "METISWAL" as the file's first eight bytes
    private const uint Version = 1;
    private const int HeaderLength = 64;
    private const int BootIdLength = 40;
    private const int FrameLength = 8;
    private const uint Synced = 0;
    private const uint Dirty = 1;
    /// <summary>A sync of LMDB failed: the file may have lost written pages, so it is never opened again.</summary>
    private const uint Failed = 2;

    private readonly FileStream _file;
    private readonly string _path;
    private readonly string _bootId;
    private bool _dirty;
    /// <summary>The block and end offset of each record in the file, in order (to drop the records a sync covered).</summary>
    private readonly List<(ulong Block, long End)> _records = [];

    /// <summary>This boot of the machine (Linux: the kernel's boot id); empty when unknown, which never matches a header.</summary>
    public static readonly string CurrentBootId = ReadBootId();

    private MetisWriteAheadLog(string path, FileStream file, string bootId, bool dirty)
    {
        _path = path;
        _bootId = bootId;
        _file = file;
        _dirty = dirty;
    }

    /// <summary>Bytes in the log (header and records).</summary>
    public long Length => _file.Length;

    /// <summary>
    /// Opens (or creates) the log in <paramref name="directory"/> and reads its intact records. Throws
    /// <see cref="InvalidDataException"/> when the log says LMDB was written without a sync in another boot.
    /// </summary>
    public static MetisWriteAheadLog Open(string directory, string currentBootId, out List<(ulong Block, byte[] Payload)> records)
    {
        string path = Path.Combine(directory, FileName);
        records = [];
        FileStream file = DurableFiles.OpenOrCreate(path, FileShare.None);
        try
        {
            if (file.Length < HeaderLength)
            {
                // New (or a creation a crash interrupted before its header was synced: nothing was written under it).
                var log = new MetisWriteAheadLog(path, file, currentBootId, dirty: false);
                log.WriteHeader(Synced);
                return log;
            }

            byte[] content = new byte[file.Length];
            file.ReadExactly(content);
            ReadOnlySpan<byte> header = content.AsSpan(0, HeaderLength);
            if (BinaryPrimitives.ReadUInt64LittleEndian(header) != Magic || BinaryPrimitives.ReadUInt32LittleEndian(header[8..]) != Version)
            {
                throw new InvalidDataException($"MetisDB: {path} is not a write-ahead log of this version. {MetisEntrySeal.Remedy}");
            }

            uint state = BinaryPrimitives.ReadUInt32LittleEndian(header[12..]);
            string bootId = Encoding.ASCII.GetString(header.Slice(16, BootIdLength)).TrimEnd('\0');
            if (state == Failed)
            {
                throw new InvalidDataException(
                    $"MetisDB: a sync of the LMDB file in {directory} failed while it was written, so the file may have lost pages. {MetisEntrySeal.Remedy}");
            }

            if (state == Dirty && (bootId.Length == 0 || bootId != currentBootId))
            {
                throw new InvalidDataException(
                    $"MetisDB: {directory} was written without a sync and the machine has restarted since (boot {bootId}, now {currentBootId}): " +
                    $"the LMDB file may be inconsistent after an OS crash or power loss. {MetisEntrySeal.Remedy}");
            }

            int offset = HeaderLength;
            while (offset + FrameLength <= content.Length)
            {
                uint length = BinaryPrimitives.ReadUInt32LittleEndian(content.AsSpan(offset));
                uint checksum = BinaryPrimitives.ReadUInt32LittleEndian(content.AsSpan(offset + 4));
                if (length < 8 || length > content.Length - offset - FrameLength)
                {
                    break;
                }

                ReadOnlySpan<byte> payload = content.AsSpan(offset + FrameLength, (int)length);
                if (MetisEntrySeal.Checksum(payload, []) != checksum)
                {
                    break;
                }

                records.Add((BinaryPrimitives.ReadUInt64LittleEndian(payload), payload.ToArray()));
                offset += FrameLength + (int)length;
            }

            if (offset < content.Length)
            {
                // A torn or damaged tail: the append of an unacknowledged block.
                file.SetLength(offset);
                file.Flush(flushToDisk: true);
            }

            var opened = new MetisWriteAheadLog(path, file, currentBootId, state == Dirty);
            long end = HeaderLength;
            foreach ((ulong block, byte[] payload) in records)
            {
                end += FrameLength + payload.Length;
                opened._records.Add((block, end));
            }

            return opened;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Records (durably) that LMDB is about to be written without a sync; a no-op while already so.</summary>
    public void MarkDirty()
    {
        if (!_dirty)
        {
            WriteHeader(Dirty);
            _dirty = true;
        }
    }

    /// <summary>Appends one block's record (to the OS, without fsync: see the remarks).</summary>
    public void Append(ReadOnlySpan<byte> payload)
    {
        long start = _file.Length;
        byte[] frame = ArrayPool<byte>.Shared.Rent(FrameLength + payload.Length);
        try
        {
            BinaryPrimitives.WriteUInt32LittleEndian(frame, (uint)payload.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(4), MetisEntrySeal.Checksum(payload, []));
            payload.CopyTo(frame.AsSpan(FrameLength));
            _file.Position = start;
            _file.Write(frame, 0, FrameLength + payload.Length);
            _file.Flush(flushToDisk: false);
            _records.Add((BinaryPrimitives.ReadUInt64LittleEndian(payload), start + FrameLength + payload.Length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(frame);
        }
    }

    /// <summary>Empties the log after LMDB was synced: nothing in it is needed any more, and LMDB is clean.</summary>
    public void Reset()
    {
        _file.SetLength(HeaderLength);
        WriteHeader(Synced);
        _dirty = false;
        _records.Clear();
    }

    /// <summary>
    /// Drops the records of blocks up to <paramref name="block"/> after a sync of LMDB that covers them; later records
    /// (blocks published while the sync ran) are kept, and the log stays dirty: LMDB was written after the sync began.
    /// Not fsynced: like the records, the shortened log is only read back in this boot (see the remarks).
    /// </summary>
    public void DropThrough(ulong block)
    {
        int covered = 0;
        while (covered < _records.Count && _records[covered].Block <= block)
        {
            covered++;
        }

        if (covered == 0)
        {
            return;
        }

        long keepFrom = _records[covered - 1].End;
        byte[] rest = new byte[_file.Length - keepFrom];
        _file.Position = keepFrom;
        _file.ReadExactly(rest);
        // Killed in between, the log loses records of blocks LMDB has applied in this boot (the writer holds the
        // store's lock, so no block is between its append and its LMDB commit): nothing a reopen needs.
        _file.SetLength(HeaderLength);
        _file.Position = HeaderLength;
        _file.Write(rest);
        _file.Flush(flushToDisk: false);
        _records.RemoveRange(0, covered);
        for (int i = 0; i < _records.Count; i++)
        {
            _records[i] = (_records[i].Block, _records[i].End - (keepFrom - HeaderLength));
        }
    }

    /// <summary>Records (durably) that a sync of LMDB failed: <see cref="Open"/> refuses the store from now on.</summary>
    public void MarkFailed()
    {
        WriteHeader(Failed);
        _dirty = true;
    }

    private void WriteHeader(uint state)
    {
        Span<byte> header = stackalloc byte[HeaderLength];
        header.Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(header, Magic);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], Version);
        BinaryPrimitives.WriteUInt32LittleEndian(header[12..], state);
        Encoding.ASCII.GetBytes(_bootId.AsSpan(0, Math.Min(_bootId.Length, BootIdLength)), header.Slice(16, BootIdLength));
        _file.Position = 0;
        _file.Write(header);
        _file.Flush(flushToDisk: true);
    }

    private static string ReadBootId()
    {
        try
        {
            return File.ReadAllText("/proc/sys/kernel/random/boot_id").Trim();
        }
        catch (IOException)
        {
            return "";
        }
        catch (UnauthorizedAccessException)
        {
            return "";
        }
    }

    public override string ToString() => _path;

    public void Dispose() => _file.Dispose();

    // Record payload: [block u64][code count u32]([hash 32][length u32][code])*[account count u32]
    // ([address hash 32][flags u8: 1 destroyed, 2 set]([nonce u64][balance 32][code hash 32])?[slot count u32]([slot 32][value 32])*)*

    /// <summary>Writes block <paramref name="block"/>'s changes as a record payload.</summary>
    public static void Encode(ulong block, MetisBlockChanges changes, ArrayBufferWriter<byte> output)
    {
        output.ResetWrittenCount();
        WriteUInt64(output, block);
        WriteUInt32(output, (uint)changes.Code.Count);
        foreach ((Hash256 hash, byte[] code) in changes.Code)
        {
            Write(output, hash.Bytes);
            WriteUInt32(output, (uint)code.Length);
            Write(output, code);
        }

        WriteUInt32(output, (uint)changes.Accounts.Count);
        foreach ((Hash256 address, MetisBlockChanges.AccountChange change) in changes.Accounts)
        {
            Write(output, address.Bytes);
            Span<byte> flags = output.GetSpan(1);
            flags[0] = (byte)((change.Destroyed ? 1 : 0) | (change.Account is null ? 0 : 2));
            output.Advance(1);
            if (change.Account is { } account)
            {
                WriteUInt64(output, account.Nonce);
                account.Balance.WriteBigEndian(output.GetSpan(32)[..32]);
                output.Advance(32);
                Write(output, account.CodeHash.Bytes);
            }

            WriteUInt32(output, (uint)change.Storage.Count);
            foreach ((Hash256 slot, UInt256 value) in change.Storage)
            {
                Write(output, slot.Bytes);
                value.WriteBigEndian(output.GetSpan(32)[..32]);
                output.Advance(32);
            }
        }
    }

    /// <summary>The changes of a record payload (checksummed, so malformed content means a bug or tampering).</summary>
    public static MetisBlockChanges Decode(ReadOnlySpan<byte> payload)
    {
        var reader = new SpanReader(payload);
        reader.ReadUInt64();
        var changes = new MetisBlockChanges();
        for (uint codes = reader.ReadUInt32(); codes > 0; codes--)
        {
            Hash256 hash = new(reader.Read(32));
            changes.AddCodeByHash(hash, reader.Read((int)reader.ReadUInt32()).ToArray());
        }

        for (uint accounts = reader.ReadUInt32(); accounts > 0; accounts--)
        {
            Hash256 address = new(reader.Read(32));
            byte flags = reader.Read(1)[0];
            if ((flags & 1) != 0)
            {
                changes.DeleteAccountByHash(address);
            }

            if ((flags & 2) != 0)
            {
                ulong nonce = reader.ReadUInt64();
                UInt256 balance = UInt256.FromBigEndian(reader.Read(32));
                changes.SetAccountByHash(address, nonce, balance, new Hash256(reader.Read(32)));
            }

            for (uint slots = reader.ReadUInt32(); slots > 0; slots--)
            {
                Hash256 slot = new(reader.Read(32));
                changes.SetStorageByHash(address, slot, UInt256.FromBigEndian(reader.Read(32)));
            }
        }

        if (!reader.AtEnd)
        {
            throw new InvalidDataException("MetisDB: a write-ahead log record has trailing bytes.");
        }

        return changes;
    }

    private static void Write(ArrayBufferWriter<byte> output, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(output.GetSpan(bytes.Length));
        output.Advance(bytes.Length);
    }

    private static void WriteUInt32(ArrayBufferWriter<byte> output, uint value)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(output.GetSpan(4), value);
        output.Advance(4);
    }

    private static void WriteUInt64(ArrayBufferWriter<byte> output, ulong value)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(output.GetSpan(8), value);
        output.Advance(8);
    }

    private ref struct SpanReader(ReadOnlySpan<byte> data)
    {
        private ReadOnlySpan<byte> _rest = data;

        public readonly bool AtEnd => _rest.IsEmpty;

        public ReadOnlySpan<byte> Read(int length)
        {
            if (length < 0 || length > _rest.Length)
            {
                throw new InvalidDataException("MetisDB: a write-ahead log record is shorter than its contents say.");
            }

            ReadOnlySpan<byte> bytes = _rest[..length];
            _rest = _rest[length..];
            return bytes;
        }

        public uint ReadUInt32() => BinaryPrimitives.ReadUInt32LittleEndian(Read(4));

        public ulong ReadUInt64() => BinaryPrimitives.ReadUInt64LittleEndian(Read(8));
    }
}
