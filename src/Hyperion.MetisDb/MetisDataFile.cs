using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Hyperion.MetisDb;

/// <summary>
/// Checks LMDB's data file before it is memory-mapped: a file shorter than the pages its own meta page says are in
/// use (a truncated copy, a full disk) would otherwise be mapped and the first read past its end kills the process
/// with SIGBUS. Layout (little-endian, 64-bit): page header (16 bytes), then MDB_meta — magic at +0, the page size
/// (mm_dbs[FREE_DBI].md_pad) at +24, mm_last_pg at +120, mm_txnid at +128; two meta pages, at page 0 and page 1.
/// </summary>
internal static partial class MetisDataFile
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
        decimal required = BytesInUse(file, path);
        if (size < required)
        {
            throw Damaged(path, $"it has {size} bytes but its meta page says {required} bytes of pages are in use — the file was truncated");
        }
    }

    /// <summary>
    /// Cuts a closed store's file back to its pages in use. Under <c>MDB_WRITEMAP</c> LMDB extends the file to the map's
    /// size (a sparse terabyte) when it opens; cut back at close, the file's length is its data again, so copies, the
    /// truncation check above and file sizes see the store, and the next open extends it again.
    /// </summary>
    public static void TrimToPagesInUse(string directory)
    {
        string path = Path.Combine(directory, FileName);
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
        decimal inUse = BytesInUse(file, path);
        if (file.Length > inUse)
        {
            file.SetLength((long)inUse);
        }
    }

    /// <summary>The bytes up to the end of the last page the newer meta page says is in use.</summary>
    private static decimal BytesInUse(FileStream file, string path)
    {
        long size = file.Length;
        Span<byte> first = stackalloc byte[MetaLength];
        if (size < MetaLength)
        {
            throw Damaged(path, $"it has {size} bytes, fewer than its first meta page");
        }

        file.Seek(0, SeekOrigin.Begin);
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
        return ((decimal)lastPage + 1) * pageSize;
    }

    /// <summary>
    /// Allocates disk blocks for <paramref name="length"/> bytes of the file from <paramref name="offset"/> (Linux
    /// <c>fallocate</c>, the file's length unchanged). Under <c>MDB_WRITEMAP</c> a page past the file's written end is a
    /// hole until LMDB first writes it in the map, and a full disk then kills the process with SIGBUS; allocated ahead,
    /// a full disk is this call's error, before the transaction writes anything.
    /// </summary>
    /// <exception cref="IOException">The blocks cannot be allocated (errno ENOSPC: the disk is full).</exception>
    public static void Allocate(SafeFileHandle file, long offset, long length)
    {
        if (!OperatingSystem.IsLinux() || length <= 0)
        {
            return;
        }

        if (Fallocate(file, 0, offset, length) != 0)
        {
            int error = Marshal.GetLastPInvokeError();
            if (error is not (OperationNotSupported or NotSupported))
            {
                throw new IOException($"MetisDB: cannot allocate {length} bytes of {FileName} ahead of LMDB's writes (errno {error}{(error == NoSpace ? ": the disk is full" : "")})");
            }
        }
    }

    private const int NoSpace = 28; // ENOSPC
    private const int OperationNotSupported = 95; // EOPNOTSUPP: a file system without fallocate
    private const int NotSupported = 38; // ENOSYS

    [LibraryImport("libc", EntryPoint = "fallocate", SetLastError = true)]
    private static partial int Fallocate(SafeFileHandle file, int mode, long offset, long length);

    private static InvalidDataException Damaged(string path, string what) =>
        new($"MetisDB: cannot open the store in {Path.GetDirectoryName(path)}: {path} is damaged: {what}. Restore the data directory from a backup, or delete the state directory to have the node rebuild the state from the block log.");
}
