using System.Buffers.Binary;
using Hyperion.Core.Crypto;

namespace Hyperion.Chain;

/// <summary>
/// The chain's durable record: an append-only file of length-prefixed, checksummed records, flushed to disk
/// (fsync) before <see cref="Append"/> returns. A block is only announced after its record is durable, so after a
/// crash (kill -9 at any moment) everything a client was ever told is still there; a torn record at the tail —
/// a write the crash interrupted, never acknowledged — is cut off when the log is opened.
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

    /// <summary>Opens (or creates) the log and returns every intact record; a torn tail is truncated.</summary>
    public static BlockLog Open(string path, out List<byte[]> records)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, 1 << 16);
        try
        {
            records = ReadAll(file, out long validLength);
            if (validLength < file.Length)
            {
                file.SetLength(validLength);
                file.Flush(flushToDisk: true);
            }

            file.Seek(0, SeekOrigin.End);
            return new BlockLog(file);
        }
        catch
        {
            file.Dispose();
            throw;
        }
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

    private static List<byte[]> ReadAll(FileStream file, out long validLength)
    {
        var records = new List<byte[]>();
        validLength = 0;
        long length = file.Length;
        var header = new byte[HeaderSize];
        Span<byte> checksum = stackalloc byte[32];
        Span<byte> stored = stackalloc byte[ChecksumSize];
        file.Seek(0, SeekOrigin.Begin);
        while (validLength + HeaderSize + ChecksumSize <= length)
        {
            file.ReadExactly(header);
            uint size = BinaryPrimitives.ReadUInt32BigEndian(header);
            if (size > MaxRecordSize || validLength + HeaderSize + size + ChecksumSize > length)
            {
                break; // torn or corrupt tail
            }

            var payload = new byte[size];
            file.ReadExactly(payload);
            file.ReadExactly(stored);
            Keccak256.Hash(payload, checksum);
            if (!checksum[..ChecksumSize].SequenceEqual(stored))
            {
                break;
            }

            records.Add(payload);
            validLength += HeaderSize + size + ChecksumSize;
        }

        return records;
    }
}
