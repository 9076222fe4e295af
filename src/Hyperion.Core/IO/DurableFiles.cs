using System.Runtime.InteropServices;

namespace Hyperion.Core.IO;

/// <summary>
/// Durability beyond a file's own fsync: a file that was just created, or renamed over another, survives a power loss
/// only once the directory holding its name is synced too (POSIX fsync(2): syncing a file does not sync its entry).
/// </summary>
public static partial class DurableFiles
{
    private const int OpenReadOnly = 0;
    private const int OpenDirectory = 0x10000; // O_DIRECTORY on Linux (x86-64 and arm64)
    private const int OpenCloseOnExec = 0x80000; // O_CLOEXEC on Linux
    private const int InvalidArgument = 22; // EINVAL: the file system cannot sync a directory (nothing to do then)

    /// <summary>Syncs <paramref name="directory"/>'s entries to disk. Only Linux needs (and gets) the call.</summary>
    /// <exception cref="IOException">The directory cannot be opened or synced.</exception>
    public static void SyncDirectory(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        int descriptor = Open(directory, OpenReadOnly | OpenDirectory | OpenCloseOnExec);
        if (descriptor < 0)
        {
            throw new IOException($"cannot open the directory {directory} to sync it (errno {Marshal.GetLastPInvokeError()})");
        }

        try
        {
            if (Fsync(descriptor) != 0)
            {
                int error = Marshal.GetLastPInvokeError();
                if (error != InvalidArgument)
                {
                    throw new IOException($"cannot sync the directory {directory} (errno {error})");
                }
            }
        }
        finally
        {
            _ = Close(descriptor);
        }
    }

    /// <summary>
    /// Opens <paramref name="path"/>, creating it when missing; an empty file (new, or one whose creation a crash cut
    /// short) also has its directory entry synced, so what is later fsynced into it cannot vanish with the name.
    /// </summary>
    public static FileStream OpenOrCreate(string path, FileShare share, int bufferSize = 4096)
    {
        var file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, share, bufferSize, FileOptions.None);
        if (file.Length == 0)
        {
            try
            {
                SyncDirectory(DirectoryOf(path));
            }
            catch
            {
                file.Dispose();
                throw;
            }
        }

        return file;
    }

    /// <summary>
    /// Replaces <paramref name="path"/> with what <paramref name="write"/> writes, atomically and durably: written to
    /// a temporary file, fsynced, renamed over the old one and the directory synced, so a crash leaves the old content
    /// or the new, never a mix or nothing.
    /// </summary>
    public static void WriteAtomically(string path, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        string temporary = path + ".tmp";
        try
        {
            using var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None);
            write(stream);
            stream.Flush(flushToDisk: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }

        File.Move(temporary, path, overwrite: true);
        SyncDirectory(DirectoryOf(path));
    }

    private static string DirectoryOf(string path) => Path.GetDirectoryName(Path.GetFullPath(path)) ?? Path.GetFullPath(path);

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int descriptor);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int descriptor);
}
