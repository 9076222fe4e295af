using System.Buffers.Binary;
using Hyperion.Core.Crypto;

namespace Hyperion.Chain;

/// <summary>
/// The chain's durable record: an append-only file of length-prefixed, checksummed records, flushed to disk
/// (fsync) before <see cref="Append"/> returns. A block is only announced after its record is durable, so after a
/// crash (kill -9 at any moment) everything a client was ever told is still there; a torn record at the tail —
/// a write the crash interrupted, never acknowledged — is cut off when the log is opened. A complete record that
/// fails its checksum is damage, not a crash: opening refuses (naming the record) and only an explicit
/// <see cref="Repair"/> cuts the log there.
/// </summary>
/// <remarks>Record layout: u32 payload length (big-endian) · payload · first 4 bytes of Keccak-256(payload).</remarks>
public sealed class BlockLog : IDisposable
{
    private const int HeaderSize = 4;
    private const int ChecksumSize = 4;

    /// <summary>Refuse absurd lengths from a corrupt header instead of allocating them.</summary>
    private const int MaxRecordSize = 256 * 1024 * 1024;

    private readonly FileStream _file;

    private BlockLog(FileStream file) => _file = file;

    public string Path => _file.Name;

    /// <summary>Bytes of an incomplete last record <see cref="Open"/> cut (0 when the log ended on a record boundary).</summary>
    public long TornTailBytes { get; private init; }

    /// <summary>
    /// Opens (or creates) the log and returns every record. A torn tail (an incomplete last record: the declared
    /// length runs past the end of the file, as a crash during an unacknowledged append leaves it) is cut off.
    /// </summary>
    /// <exception cref="BlockLogDamagedException">A complete record fails its checksum: the log is damaged, and
    /// cutting it would drop blocks that clients were given, so only <see cref="Repair"/> does that.</exception>
    public static BlockLog Open(string path, out List<byte[]> records)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, 1 << 16);
        try
        {
            LogScan scan = Scan(file, keepRecords: true);
            if (scan.Damage is not null)
            {
                throw new BlockLogDamagedException(path, scan.Records.Count, scan.ValidLength, scan.Damage, file.Length - scan.ValidLength);
            }

            records = scan.Records;
            long tornTail = file.Length - scan.ValidLength;
            if (tornTail > 0)
            {
                file.SetLength(scan.ValidLength);
                file.Flush(flushToDisk: true);
            }

            file.Seek(0, SeekOrigin.End);
            return new BlockLog(file) { TornTailBytes = tornTail };
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Cuts a damaged log before its first damaged record (what the operator asks for with <c>hyperion db repair</c>);
    /// an intact log is left as it is, a torn tail is cut as <see cref="Open"/> does.
    /// </summary>
    public static BlockLogRepair Repair(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None, 1 << 16);
        LogScan scan = Scan(file, keepRecords: false);
        long length = file.Length;
        int recordsAfter = scan.Damage is null ? 0 : CountRecordsFrom(file, scan.ValidLength);
        if (scan.ValidLength < length)
        {
            file.SetLength(scan.ValidLength);
            file.Flush(flushToDisk: true);
        }

        return new BlockLogRepair(scan.Count, scan.Damage, recordsAfter, length - scan.ValidLength);
    }

    /// <summary>Appends one record and returns once it is on disk.</summary>
    public void Append(ReadOnlySpan<byte> payload)
    {
        if (payload.Length > MaxRecordSize)
        {
            throw new ArgumentException($"record of {payload.Length} bytes exceeds the {MaxRecordSize}-byte limit", nameof(payload));
        }

        Span<byte> header = stackalloc byte[HeaderSize];
        BinaryPrimitives.WriteUInt32BigEndian(header, (uint)payload.Length);
        Span<byte> checksum = stackalloc byte[32];
        Keccak256.Hash(payload, checksum);
        _file.Write(header);
        _file.Write(payload);
        _file.Write(checksum[..ChecksumSize]);
        _file.Flush(flushToDisk: true);
    }

    /// <summary>Cuts the log back to its first <paramref name="count"/> records (evm_revert on a persistent chain).</summary>
    public void Truncate(int count)
    {
        _file.Seek(0, SeekOrigin.Begin);
        long offset = 0;
        var header = new byte[HeaderSize];
        for (int i = 0; i < count; i++)
        {
            _file.Seek(offset, SeekOrigin.Begin);
            _file.ReadExactly(header);
            offset += HeaderSize + BinaryPrimitives.ReadUInt32BigEndian(header) + ChecksumSize;
        }

        _file.SetLength(offset);
        _file.Flush(flushToDisk: true);
        _file.Seek(0, SeekOrigin.End);
    }

    public void Dispose() => _file.Dispose();

    /// <summary>The intact prefix of a log and what ends it: the end of the file, a torn tail, or damage.</summary>
    private sealed record LogScan(List<byte[]> Records, int Count, long ValidLength, string? Damage);

    private static LogScan Scan(FileStream file, bool keepRecords)
    {
        var records = new List<byte[]>();
        int count = 0;
        long validLength = 0;
        long length = file.Length;
        var header = new byte[HeaderSize];
        Span<byte> checksum = stackalloc byte[32];
        Span<byte> stored = stackalloc byte[ChecksumSize];
        file.Seek(0, SeekOrigin.Begin);
        while (validLength + HeaderSize + ChecksumSize <= length)
        {
            file.ReadExactly(header);
            uint size = BinaryPrimitives.ReadUInt32BigEndian(header);
            if (size > MaxRecordSize)
            {
                // Append never writes such a length, so no crash leaves one: the length field itself is damaged.
                return new LogScan(records, count, validLength, $"its length field says {size} bytes, above the {MaxRecordSize}-byte limit");
            }

            if (validLength + HeaderSize + size + ChecksumSize > length)
            {
                // Torn tail (the append that was writing it never returned) — unless a damaged length field only makes
                // it look like one: then a length one bit away frames a record whose checksum matches.
                if (FindFlippedLength(file, validLength, size, length) is uint original)
                {
                    return new LogScan(records, count, validLength, $"its length field says {size} bytes where the record holds {original}: the field is damaged");
                }

                break;
            }

            var payload = new byte[size];
            file.ReadExactly(payload);
            file.ReadExactly(stored);
            Keccak256.Hash(payload, checksum);
            if (!checksum[..ChecksumSize].SequenceEqual(stored))
            {
                return new LogScan(records, count, validLength, "its checksum does not match its contents");
            }

            if (keepRecords)
            {
                records.Add(payload);
            }

            count++;
            validLength += HeaderSize + size + ChecksumSize;
        }

        return new LogScan(records, count, validLength, null);
    }

    /// <summary>
    /// A length one bit away from <paramref name="size"/> that frames a complete record with a matching checksum at
    /// <paramref name="offset"/>, or null (then the record really is torn).
    /// </summary>
    private static uint? FindFlippedLength(FileStream file, long offset, uint size, long length)
    {
        Span<byte> checksum = stackalloc byte[32];
        Span<byte> stored = stackalloc byte[ChecksumSize];
        for (int bit = 0; bit < 32; bit++)
        {
            uint candidate = size ^ (1u << bit);
            if (candidate > MaxRecordSize || offset + HeaderSize + candidate + ChecksumSize > length)
            {
                continue;
            }

            var payload = new byte[candidate];
            file.Seek(offset + HeaderSize, SeekOrigin.Begin);
            file.ReadExactly(payload);
            file.ReadExactly(stored);
            Keccak256.Hash(payload, checksum);
            if (checksum[..ChecksumSize].SequenceEqual(stored))
            {
                return candidate;
            }
        }

        return null;
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
            uint size = BinaryPrimitives.ReadUInt32BigEndian(header);
            if (offset + HeaderSize + (long)size + ChecksumSize > file.Length && FindFlippedLength(file, offset, size, file.Length) is uint original)
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
    }

    /// <summary>Index of the first damaged record (the block number: record 0 is genesis).</summary>
    public int Record { get; }

    /// <summary>Byte offset of the damaged record in the log.</summary>
    public long Offset { get; }
}
