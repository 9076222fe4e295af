using System.Buffers.Binary;

namespace Hyperion.MetisDb;

/// <summary>
/// Checks LMDB's data file before it is memory-mapped: a file shorter than the pages its own meta page says are in
/// use (a truncated copy, a full disk) would otherwise be mapped and the first read past its end kills the process
/// with SIGBUS. Layout (little-endian, 64-bit): page header (16 bytes), then MDB_meta — magic at +0, the page size
/// (mm_dbs[FREE_DBI].md_pad) at +24, mm_last_pg at +120, mm_txnid at +128; two meta pages, at page 0 and page 1.
/// </summary>
internal static class MetisDataFile
{
    public const string FileName = "data.mdb";

    private const uint LmdbMagic = 0xBEEFC0DE;
    private const int PageHeaderSize = 16;
    private const int MagicOffset = PageHeaderSize;
    private const int PageSizeOffset = PageHeaderSize + 24;
    private const int LastPageOffset = PageHeaderSize + 120;
    private const int TransactionIdOffset = PageHeaderSize + 128;
    private const int MetaLength = TransactionIdOffset + 8;

    /// <exception cref="InvalidDataException">The file is shorter than its meta pages say, or they are not LMDB's.</exception>
    public static void CheckBeforeMapping(string directory)
    {
        string path = Path.Combine(directory, FileName);
        var info = new FileInfo(path);
        if (!info.Exists || info.Length == 0)
        {
            return; // a new store: LMDB creates it
        }

        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        long size = file.Length;
        Span<byte> first = stackalloc byte[MetaLength];
        if (size < MetaLength)
        {
            throw Damaged(path, $"it has {size} bytes, fewer than its first meta page");
        }

        file.ReadExactly(first);
        if (BinaryPrimitives.ReadUInt32LittleEndian(first[MagicOffset..]) != LmdbMagic)
        {
            throw Damaged(path, "its first meta page does not carry LMDB's magic number");
        }

        uint pageSize = BinaryPrimitives.ReadUInt32LittleEndian(first[PageSizeOffset..]);
        if (pageSize is < 512 or > 65536 || !uint.IsPow2(pageSize))
        {
            throw Damaged(path, $"its meta page gives an impossible page size {pageSize}");
        }

        ulong lastPage = BinaryPrimitives.ReadUInt64LittleEndian(first[LastPageOffset..]);
        ulong transaction = BinaryPrimitives.ReadUInt64LittleEndian(first[TransactionIdOffset..]);
        if (size < pageSize + MetaLength)
        {
            throw Damaged(path, $"it has {size} bytes, fewer than its two meta pages");
        }

        Span<byte> second = stackalloc byte[MetaLength];
        file.Seek(pageSize, SeekOrigin.Begin);
        file.ReadExactly(second);
        if (BinaryPrimitives.ReadUInt32LittleEndian(second[MagicOffset..]) == LmdbMagic &&
            BinaryPrimitives.ReadUInt64LittleEndian(second[TransactionIdOffset..]) > transaction)
        {
            lastPage = BinaryPrimitives.ReadUInt64LittleEndian(second[LastPageOffset..]);
        }

        // Pages are numbered from 0; the newer meta page's last page must lie inside the file.
        decimal required = ((decimal)lastPage + 1) * pageSize;
        if (size < required)
        {
            throw Damaged(path, $"it has {size} bytes but its meta page says {lastPage + 1} pages of {pageSize} bytes ({required} bytes) are in use — the file was truncated");
        }
    }

    private static InvalidDataException Damaged(string path, string what) =>
        new($"MetisDB: cannot open the store in {Path.GetDirectoryName(path)}: {path} is damaged: {what}. Restore the data directory from a backup, or delete the state directory to have the node rebuild the state from the block log.");
}
