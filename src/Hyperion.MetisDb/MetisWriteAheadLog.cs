using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Hyperion.Core;
using Hyperion.Core.Crypto;
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
/// The header's version says how the records are encoded (see <see cref="Encode"/>): 2 writes balances, values,
/// nonces and counts without their leading zeros and leaves out an empty code hash (~45 bytes for a transfer's sender
/// instead of 109); a log of version 1 (a crash of an older build in this boot) is still replayed, then emptied, and
/// the log goes on at version 2. An unknown version is refused with the store's remedy.
/// </remarks>
internal sealed class MetisWriteAheadLog : IDisposable
{
    public const string FileName = "wal.log";
    private const ulong Magic = 0x4C4157534954454D; // "METISWAL" as the file's first eight bytes
    /// <summary>The record encoding this build writes (1: fixed-width fields; still read).</summary>
    public const uint Version = 2;
    private const uint FixedWidthVersion = 1;
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
    /// <summary>The encoding of the records in the file: an older version's until they are replayed and the log emptied.</summary>
    private uint _recordVersion = Version;

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

    /// <summary>How the records <see cref="Open"/> returned are encoded (the argument of <see cref="Decode"/>).</summary>
    public uint RecordVersion => _recordVersion;

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
            uint version = BinaryPrimitives.ReadUInt32LittleEndian(header[8..]);
            if (BinaryPrimitives.ReadUInt64LittleEndian(header) != Magic)
            {
                throw new InvalidDataException($"MetisDB: {path} is not a write-ahead log. {MetisEntrySeal.Remedy}");
            }

            if (version is not (Version or FixedWidthVersion))
            {
                throw new InvalidDataException(
                    $"MetisDB: {path} is a write-ahead log of version {version}, which this build does not read (it reads {FixedWidthVersion} and {Version}). {MetisEntrySeal.Remedy}");
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
                if (Crc32C.Compute(payload) != checksum)
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

            var opened = new MetisWriteAheadLog(path, file, currentBootId, state == Dirty) { _recordVersion = version };
            if (version != Version && records.Count == 0)
            {
                // No record of the old encoding to replay: the header moves on now, before a record of this one follows it.
                opened._recordVersion = Version;
                opened.WriteHeader(state);
            }

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

    /// <summary>
    /// Appends one block's record (to the OS, without fsync: see the remarks): <paramref name="frame"/> is what
    /// <see cref="Encode"/> wrote, its first <see cref="FrameLength"/> bytes left for the length and checksum filled in here.
    /// </summary>
    public void Append(Span<byte> frame)
    {
        if (_recordVersion != Version)
        {
            throw new InvalidOperationException($"MetisDB: {_path} still holds records of version {_recordVersion}; they are replayed and emptied before a block is logged.");
        }

        ReadOnlySpan<byte> payload = frame[FrameLength..];
        long start = _file.Length;
        BinaryPrimitives.WriteUInt32LittleEndian(frame, (uint)payload.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(frame[4..], Crc32C.Compute(payload));
        _file.Position = start;
        _file.Write(frame);
        _file.Flush(flushToDisk: false);
        _records.Add((BinaryPrimitives.ReadUInt64LittleEndian(payload), start + frame.Length));
    }

    /// <summary>Empties the log after LMDB was synced: nothing in it is needed any more, and LMDB is clean.</summary>
    public void Reset()
    {
        _file.SetLength(HeaderLength);
        _recordVersion = Version;
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
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], _recordVersion);
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

    // Version 2 record payload: [block u64][code count varint]([hash 32][length varint][code])*[account count varint]
    // ([address hash 32][flags u8: 1 destroyed, 2 set, 4 code hash follows]([nonce varint][balance word]([code hash 32])?)?
    // [slot count varint]([slot 32][value word])*)*, a word being [length u8 0..32][its big-endian bytes without leading zeros].
    // Version 1 (read only): the counts u32, nonce u64, balance and values 32 bytes, the code hash always.

    /// <summary>
    /// Writes the frame of block <paramref name="block"/>'s record: <see cref="FrameLength"/> bytes that
    /// <see cref="Append"/> fills, then the payload (version <see cref="Version"/>).
    /// </summary>
    public static void Encode(ulong block, MetisBlockChanges changes, ArrayBufferWriter<byte> output)
    {
        output.ResetWrittenCount();
        output.GetSpan(FrameLength)[..FrameLength].Clear();
        output.Advance(FrameLength);
        WriteUInt64(output, block);
        WriteVarint(output, (ulong)changes.Code.Count);
        foreach ((Hash256 hash, byte[] code) in changes.Code)
        {
            Write(output, hash.Bytes);
            WriteVarint(output, (ulong)code.Length);
            Write(output, code);
        }

        WriteVarint(output, (ulong)changes.Accounts.Count);
        foreach ((Hash256 address, MetisBlockChanges.AccountChange change) in changes.Accounts)
        {
            Write(output, address.Bytes);
            bool hasCode = change.Account is { } withCode && withCode.CodeHash != Keccak256.OfEmpty;
            Span<byte> flags = output.GetSpan(1);
            flags[0] = (byte)((change.Destroyed ? 1 : 0) | (change.Account is null ? 0 : 2) | (hasCode ? 4 : 0));
            output.Advance(1);
            if (change.Account is { } account)
            {
                WriteVarint(output, account.Nonce);
                WriteWord(output, account.Balance);
                if (hasCode)
                {
                    Write(output, account.CodeHash.Bytes);
                }
            }

            WriteVarint(output, (ulong)change.Storage.Count);
            foreach ((Hash256 slot, UInt256 value) in change.Storage)
            {
                Write(output, slot.Bytes);
                WriteWord(output, value);
            }
        }
    }

    /// <summary>
    /// The changes of a record payload of <paramref name="version"/> (<see cref="RecordVersion"/>; checksummed, so
    /// malformed content means a bug or tampering).
    /// </summary>
    public static MetisBlockChanges Decode(ReadOnlySpan<byte> payload, uint version)
    {
        bool fixedWidth = version == FixedWidthVersion;
        var reader = new SpanReader(payload);
        reader.ReadUInt64();
        var changes = new MetisBlockChanges();
        for (ulong codes = reader.ReadCount(fixedWidth); codes > 0; codes--)
        {
            Hash256 hash = new(reader.Read(32));
            changes.AddCodeByHash(hash, reader.Read(checked((int)reader.ReadCount(fixedWidth))).ToArray());
        }

        for (ulong accounts = reader.ReadCount(fixedWidth); accounts > 0; accounts--)
        {
            Hash256 address = new(reader.Read(32));
            byte flags = reader.Read(1)[0];
            if ((flags & 1) != 0)
            {
                changes.DeleteAccountByHash(address);
            }

            if ((flags & 2) != 0)
            {
                ulong nonce = fixedWidth ? reader.ReadUInt64() : reader.ReadVarint();
                UInt256 balance = reader.ReadWord(fixedWidth);
                Hash256 codeHash = fixedWidth || (flags & 4) != 0 ? new Hash256(reader.Read(32)) : Keccak256.OfEmpty;
                changes.SetAccountByHash(address, nonce, balance, codeHash);
            }

            for (ulong slots = reader.ReadCount(fixedWidth); slots > 0; slots--)
            {
                Hash256 slot = new(reader.Read(32));
                changes.SetStorageByHash(address, slot, reader.ReadWord(fixedWidth));
            }
        }

        if (!reader.AtEnd)
        {
            throw new InvalidDataException("MetisDB: a write-ahead log record has trailing bytes.");
        }

        return changes;
    }

    private static void WriteVarint(ArrayBufferWriter<byte> output, ulong value)
    {
        Span<byte> span = output.GetSpan(10);
        int length = 0;
        while (value >= 0x80)
        {
            span[length++] = (byte)(value | 0x80);
            value >>= 7;
        }

        span[length++] = (byte)value;
        output.Advance(length);
    }

    private static void WriteWord(ArrayBufferWriter<byte> output, in UInt256 value)
    {
        int length = value.ByteLength;
        Span<byte> span = output.GetSpan(1 + length);
        span[0] = (byte)length;
        value.WriteBigEndianTrimmed(span.Slice(1, length));
        output.Advance(1 + length);
    }

    private static void Write(ArrayBufferWriter<byte> output, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(output.GetSpan(bytes.Length));
        output.Advance(bytes.Length);
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

        public ulong ReadUInt64() => BinaryPrimitives.ReadUInt64LittleEndian(Read(8));

        public ulong ReadCount(bool fixedWidth) => fixedWidth ? BinaryPrimitives.ReadUInt32LittleEndian(Read(4)) : ReadVarint();

        public ulong ReadVarint()
        {
            ulong value = 0;
            for (int shift = 0; shift < 64; shift += 7)
            {
                byte b = Read(1)[0];
                value |= (ulong)(b & 0x7F) << shift;
                if (b < 0x80)
                {
                    return value;
                }
            }

            throw new InvalidDataException("MetisDB: a write-ahead log record has a number longer than 64 bits.");
        }

        public UInt256 ReadWord(bool fixedWidth)
        {
            int length = fixedWidth ? 32 : Read(1)[0];
            if (length > 32)
            {
                throw new InvalidDataException($"MetisDB: a write-ahead log record has a {length}-byte word.");
            }

            return UInt256.FromBigEndian(Read(length));
        }
    }
}
