using System.Buffers.Binary;
using Hyperion.Core.Crypto;
using Hyperion.Core.IO;

namespace Hyperion.Chain;

/// <summary>
/// The chain's durable record: an append-only file of length-prefixed, checksummed records, flushed to disk
/// (fsync) before <see cref="Append"/> returns. A block is only announced after its record is durable, so after a
/// crash (kill -9 at any moment) everything a client was ever told is still there; a torn record at the tail —
/// a write the crash interrupted, never acknowledged — is cut off when the log is opened. A complete record that
/// fails its checksum is damage, not a crash: opening refuses (naming the record) and only an explicit
/// <see cref="Repair"/> cuts the log there.
/// </summary>
/// <remarks>
/// Record layout: u32 header (big-endian) · payload · 4-byte checksum of the payload. The header's low 31 bits are the
/// payload length; its top bit says which checksum follows: set, CRC-32C (big-endian), as every record is appended now;
/// clear, the first 4 bytes of Keccak-256 — the records of logs written before (issue 14: the Keccak of a block's
/// record was ~1.5 % of a transfer's CPU on the commit thread), still read and checked as such, so an old log opens
/// as it is and keeps growing with records of the new kind. A log written so is refused by a build older than the
/// CRC-32C records (its reader takes the flag for a damaged length field).
/// </remarks>
public sealed class BlockLog : IDisposable
{
    private const int HeaderSize = 4;
    private const int ChecksumSize = 4;

    /// <summary>The header bit that marks a CRC-32C record (clear: a Keccak-256 record of an older log).</summary>
    private const uint Crc32CRecord = 0x8000_0000;

    /// <summary>Refuse absurd lengths from a corrupt header instead of allocating them.</summary>
    private const int MaxRecordSize = 256 * 1024 * 1024;

    private readonly FileStream _file;

    /// <summary>Header, payload and checksum of the record being appended, reused (one write per record).</summary>
    private byte[] _frame = [];
    private int _pendingPayload = -1;

    private BlockLog(FileStream file) => _file = file;

    public string Path => _file.Name;

    /// <summary>Bytes of an incomplete last record <see cref="Open"/> cut (0 when the log ended on a record boundary).</summary>
    public long TornTailBytes { get; private set; }

    /// <summary>
    /// Opens (or creates) the log and returns every record. A torn tail (an incomplete last record: the declared
    /// length runs past the end of the file, as a crash during an unacknowledged append leaves it) is cut off.
    /// </summary>
    /// <exception cref="BlockLogDamagedException">A complete record fails its checksum: the log is damaged, and
    /// cutting it would drop blocks that clients were given, so only <see cref="Repair"/> does that.</exception>
    public static BlockLog Open(string path, out List<byte[]> records)
    {
        BlockLog log = Open(path, 0, 0, out List<(long Offset, byte[] Payload)> tail);
        records = tail.ConvertAll(r => r.Payload);
        return log;
    }

    /// <summary>
    /// Opens (or creates) the log and returns the records from byte <paramref name="from"/> on (a record boundary the
    /// caller knows; record <paramref name="firstRecord"/> starts there), checked as
    /// <see cref="Open(string, out List{byte[]})"/> checks every record; a torn tail is cut the same way.
    /// </summary>
    /// <exception cref="BlockLogDamagedException">A record from there on fails its checksum.</exception>
    public static BlockLog Open(string path, long from, int firstRecord, out List<(long Offset, byte[] Payload)> records)
    {
        BlockLog log = OpenUnread(path);
        try
        {
            records = log.ReadTail(from, firstRecord);
            return log;
        }
        catch
        {
            log.Dispose();
            throw;
        }
    }

    /// <summary>Opens (or creates) the log without reading it: <see cref="ReadTail"/> must come before the first append.</summary>
    public static BlockLog OpenUnread(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return new BlockLog(DurableFiles.OpenOrCreate(path, FileShare.Read, 1 << 16));
    }

    /// <summary>
    /// The records from byte <paramref name="from"/> (a record boundary; record <paramref name="firstRecord"/> starts
    /// there) to the end, each checked; a torn tail is cut (<see cref="TornTailBytes"/>).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="from"/> is past the end of the log.</exception>
    /// <exception cref="BlockLogDamagedException">A record from there on fails its checksum.</exception>
    public List<(long Offset, byte[] Payload)> ReadTail(long from, int firstRecord)
    {
        if (from < 0 || from > _file.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(from), $"{Path} has {_file.Length} bytes, fewer than {from}");
        }

        LogScan scan = Scan(_file, from, keepRecords: true);
        if (scan.Damage is not null)
        {
            throw new BlockLogDamagedException(Path, firstRecord + scan.Count, scan.ValidLength, scan.Damage, _file.Length - scan.ValidLength);
        }

        long tornTail = _file.Length - scan.ValidLength;
        if (tornTail > 0)
        {
            _file.SetLength(scan.ValidLength);
            _file.Flush(flushToDisk: true);
        }

        _file.Seek(0, SeekOrigin.End);
        TornTailBytes = tornTail;
        return scan.Records;
    }

    /// <summary>Bytes in the log (the offset the next record is appended at).</summary>
    public long Length => _file.Length;

    /// <summary>
    /// The payload of the record at <paramref name="offset"/>, checked against its checksum (safe to call while
    /// another thread appends). <paramref name="record"/> names it in a damage report.
    /// </summary>
    /// <exception cref="BlockLogDamagedException">The record is damaged or does not lie inside the log.</exception>
    public byte[] ReadAt(long offset, int record)
    {
        long length = _file.Length;
        Span<byte> header = stackalloc byte[HeaderSize];
        if (offset < 0 || offset + HeaderSize + ChecksumSize > length)
        {
            throw new BlockLogDamagedException(Path, record, offset, $"the record would start at byte {offset} of a {length}-byte log", length - offset);
        }

        RandomAccess.Read(_file.SafeFileHandle, header, offset);
        uint field = BinaryPrimitives.ReadUInt32BigEndian(header);
        uint size = SizeOf(field);
        if (size > MaxRecordSize || offset + HeaderSize + size + ChecksumSize > length)
        {
            throw new BlockLogDamagedException(Path, record, offset, $"its length field says {size} bytes, past the end of the log", length - offset);
        }

        var payload = new byte[size];
        Span<byte> stored = stackalloc byte[ChecksumSize];
        RandomAccess.Read(_file.SafeFileHandle, payload, offset + HeaderSize);
        RandomAccess.Read(_file.SafeFileHandle, stored, offset + HeaderSize + size);
        if (!ChecksumMatches(field, payload, stored))
        {
            throw new BlockLogDamagedException(Path, record, offset, "its checksum does not match its contents", length - offset);
        }

        return payload;
    }

    /// <summary>The checked payloads of the records from byte <paramref name="from"/> up to byte <paramref name="to"/>.</summary>
    public List<byte[]> ReadRange(long from, long to, int firstRecord)
    {
        var records = new List<byte[]>();
        while (from < to)
        {
            byte[] payload = ReadAt(from, firstRecord + records.Count);
            records.Add(payload);
            from += RecordSize(payload.Length);
        }

        return records;
    }

    /// <summary>Bytes a record of <paramref name="payloadLength"/> bytes takes in the log.</summary>
    public static long RecordSize(int payloadLength) => HeaderSize + (long)payloadLength + ChecksumSize;

    /// <summary>Cuts the log back to its first <paramref name="length"/> bytes (a record boundary).</summary>
    public void TruncateTo(long length)
    {
        _file.SetLength(length);
        _file.Flush(flushToDisk: true);
        _file.Seek(0, SeekOrigin.End);
    }

    /// <summary>
    /// Cuts a damaged log before its first damaged record (what the operator asks for with <c>hyperion db repair</c>);
    /// an intact log is left as it is, a torn tail is cut as <see cref="Open"/> does.
    /// </summary>
    public static BlockLogRepair Repair(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None, 1 << 16);
        BlockLogRepair repair = Examine(file);
        if (repair.CutBytes > 0)
        {
            file.SetLength(file.Length - repair.CutBytes);
            file.Flush(flushToDisk: true);
        }

        return repair;
    }

    /// <summary>
    /// Checks every record of the log (framing and checksum) without changing it (<c>hyperion db verify</c>): what
    /// <see cref="Repair"/> would keep, find and cut.
    /// </summary>
    public static BlockLogRepair Check(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16);
        return Examine(file);
    }

    private static BlockLogRepair Examine(FileStream file)
    {
        LogScan scan = Scan(file, 0, keepRecords: false);
        int recordsAfter = scan.Damage is null ? 0 : CountRecordsFrom(file, scan.ValidLength);
        return new BlockLogRepair(scan.Count, scan.Damage, recordsAfter, file.Length - scan.ValidLength);
    }

    /// <summary>Appends one record and returns once it is on disk.</summary>
    public void Append(ReadOnlySpan<byte> payload)
    {
        payload.CopyTo(BeginAppend(payload.Length));
        CompleteAppend();
    }

    /// <summary>
    /// Starts the append of a record of <paramref name="payloadLength"/> bytes: the caller writes the payload into
    /// the returned span (valid until <see cref="CompleteAppend"/>), which frames it and returns once it is on disk.
    /// </summary>
    public Span<byte> BeginAppend(int payloadLength)
    {
        if ((uint)payloadLength > MaxRecordSize)
        {
            throw new ArgumentException($"record of {payloadLength} bytes exceeds the {MaxRecordSize}-byte limit", nameof(payloadLength));
        }

        int frameLength = (int)RecordSize(payloadLength);
        if (_frame.Length < frameLength)
        {
            _frame = new byte[Math.Max(frameLength, Math.Min(MaxRecordSize + HeaderSize + ChecksumSize, _frame.Length * 2))];
        }

        _pendingPayload = payloadLength;
        return _frame.AsSpan(HeaderSize, payloadLength);
    }

    /// <summary>Frames the payload written since <see cref="BeginAppend"/> and returns once the record is on disk.</summary>
    public void CompleteAppend()
    {
        int payloadLength = _pendingPayload;
        if (payloadLength < 0)
        {
            throw new InvalidOperationException("no record is being appended");
        }

        _pendingPayload = -1;
        Span<byte> frame = _frame.AsSpan(0, (int)RecordSize(payloadLength));
        BinaryPrimitives.WriteUInt32BigEndian(frame, Crc32CRecord | (uint)payloadLength);
        BinaryPrimitives.WriteUInt32BigEndian(frame[(HeaderSize + payloadLength)..], Crc32C.Compute(frame.Slice(HeaderSize, payloadLength)));
        _file.Write(frame);
        _file.Flush(flushToDisk: true);
    }

    public void Dispose() => _file.Dispose();

    /// <summary>The intact prefix of a log and what ends it: the end of the file, a torn tail, or damage.</summary>
    private sealed record LogScan(List<(long Offset, byte[] Payload)> Records, int Count, long ValidLength, string? Damage);

    private static LogScan Scan(FileStream file, long start, bool keepRecords)
    {
        var records = new List<(long Offset, byte[] Payload)>();
        int count = 0;
        long validLength = start;
        long length = file.Length;
        var header = new byte[HeaderSize];
        Span<byte> stored = stackalloc byte[ChecksumSize];
        file.Seek(start, SeekOrigin.Begin);
        while (validLength + HeaderSize + ChecksumSize <= length)
        {
            file.ReadExactly(header);
            uint field = BinaryPrimitives.ReadUInt32BigEndian(header);
            uint size = SizeOf(field);
            if (size > MaxRecordSize)
            {
                // Append never writes such a length, so no crash leaves one: the length field itself is damaged.
                return new LogScan(records, count, validLength, $"its length field says {size} bytes, above the {MaxRecordSize}-byte limit");
            }

            if (validLength + HeaderSize + size + ChecksumSize > length)
            {
                // Torn tail (the append that was writing it never returned) — unless a damaged length field only makes
                // it look like one: then a length one bit away frames a record whose checksum matches.
                if (FindFlippedLength(file, validLength, field, length) is uint original)
                {
                    return new LogScan(records, count, validLength, $"its length field says {size} bytes where the record holds {original}: the field is damaged");
                }

                break;
            }

            var payload = new byte[size];
            file.ReadExactly(payload);
            file.ReadExactly(stored);
            if (!ChecksumMatches(field, payload, stored))
            {
                return new LogScan(records, count, validLength, "its checksum does not match its contents");
            }

            if (keepRecords)
            {
                records.Add((validLength, payload));
            }

            count++;
            validLength += HeaderSize + size + ChecksumSize;
        }

        return new LogScan(records, count, validLength, null);
    }

    /// <summary>
    /// A length one bit away from the header <paramref name="field"/>'s that frames a complete record with a matching
    /// checksum at <paramref name="offset"/>, or null (then the record really is torn). The checksum-kind bit is one of
    /// the bits tried: flipped, it names the other checksum, which the record's does not match.
    /// </summary>
    private static uint? FindFlippedLength(FileStream file, long offset, uint field, long length)
    {
        Span<byte> stored = stackalloc byte[ChecksumSize];
        for (int bit = 0; bit < 32; bit++)
        {
            uint candidateField = field ^ (1u << bit);
            uint candidate = SizeOf(candidateField);
            if (candidate > MaxRecordSize || offset + HeaderSize + candidate + ChecksumSize > length)
            {
                continue;
            }

            var payload = new byte[candidate];
            file.Seek(offset + HeaderSize, SeekOrigin.Begin);
            file.ReadExactly(payload);
            file.ReadExactly(stored);
            if (ChecksumMatches(candidateField, payload, stored))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>The payload length a record's header field gives.</summary>
    private static uint SizeOf(uint field) => field & ~Crc32CRecord;

    /// <summary>Whether <paramref name="stored"/> is the checksum of <paramref name="payload"/> of the kind the header <paramref name="field"/> names.</summary>
    private static bool ChecksumMatches(uint field, ReadOnlySpan<byte> payload, ReadOnlySpan<byte> stored)
    {
        if ((field & Crc32CRecord) != 0)
        {
            return BinaryPrimitives.ReadUInt32BigEndian(stored) == Crc32C.Compute(payload);
        }

        Span<byte> keccak = stackalloc byte[32];
        Keccak256.Hash(payload, keccak);
        return keccak[..ChecksumSize].SequenceEqual(stored);
    }

    /// <summary>How many records follow <paramref name="offset"/> going by their length fields (for the repair report).</summary>
    private static int CountRecordsFrom(FileStream file, long offset)
    {
        int count = 0;
        var header = new byte[HeaderSize];
        while (offset + HeaderSize <= file.Length)
        {
            file.Seek(offset, SeekOrigin.Begin);
            file.ReadExactly(header);
            count++;
            uint field = BinaryPrimitives.ReadUInt32BigEndian(header);
            uint size = SizeOf(field);
            if (offset + HeaderSize + (long)size + ChecksumSize > file.Length && FindFlippedLength(file, offset, field, file.Length) is uint original)
            {
                size = original; // the damaged length field Scan found: the records after it are still there
            }

            offset += HeaderSize + (long)size + ChecksumSize;
        }

        return count;
    }
}

/// <summary>What <see cref="BlockLog.Repair"/> did: records kept, the damage found (if any), records and bytes cut.</summary>
public sealed record BlockLogRepair(int KeptRecords, string? Damage, int DroppedRecords, long CutBytes);

/// <summary>The block log has a damaged record; the node refuses to start on it rather than drop what follows.</summary>
public sealed class BlockLogDamagedException : IOException
{
    public BlockLogDamagedException(string path, int record, long offset, string damage, long bytesFromRecord)
        : base($"{path} is damaged at record {record} (block {record}, byte offset {offset}): {damage}. " +
               $"The node will not start on it: the {bytesFromRecord} bytes from there hold blocks clients may have been given. " +
               $"Restore the data directory from a backup, or cut the log before the damaged record with " +
               $"`hyperion db repair --data-dir {System.IO.Path.GetDirectoryName(path)}` (this drops block {record} and every block after it).")
    {
        Record = record;
        Offset = offset;
        Damage = damage;
    }

    /// <summary>What is wrong with the record (without the advice of <see cref="Exception.Message"/>, which is for a start).</summary>
    public string Damage { get; }

    /// <summary>Index of the first damaged record (the block number: record 0 is genesis).</summary>
    public int Record { get; }

    /// <summary>Byte offset of the damaged record in the log.</summary>
    public long Offset { get; }
}

/// <summary>
/// A block below the head that cannot be read back from the block log (found when a client asks for it, since an open
/// checks only the log's tail): the message names the block and the damage and says what to run; the node keeps
/// serving the other blocks.
/// </summary>
public sealed class StoredBlockDamagedException : IOException
{
    public StoredBlockDamagedException(ulong block, string damage, Exception inner)
        : base($"block {block} is damaged in {ChainRecovery.ChainFileName} ({damage}); the node serves the other blocks. " +
               "Stop it and run `hyperion db verify` to see the damage, then `hyperion db repair` to cut the log before it, or restore a backup.", inner)
    {
        Block = block;
    }

    public ulong Block { get; }
}
