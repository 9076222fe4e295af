namespace Hyperion.Chain;

/// <summary>
/// An exclusive lock on a data directory, held while a node (or <c>hyperion db repair</c>) uses it: a second
/// process on the same directory refuses to start instead of interleaving writes to the block log. The lock is an
/// OS file lock on <c>LOCK</c>, so a killed process releases it.
/// </summary>
public sealed class DataDirectoryLock : IDisposable
{
    public const string FileName = "LOCK";

    private readonly FileStream _file;

    private DataDirectoryLock(FileStream file) => _file = file;

    /// <exception cref="IOException">Another process holds the directory.</exception>
    public static DataDirectoryLock Acquire(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        string path = Path.Combine(directory, FileName);
        FileStream file;
        try
        {
            file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException exception)
        {
            throw new IOException($"{directory} is in use by another Hyperion process (it holds {path}); stop that process or use another --data-dir", exception);
        }

        try
        {
            // For the operator: which process holds it.
            file.SetLength(0);
            byte[] pid = System.Text.Encoding.ASCII.GetBytes(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\n");
            file.Write(pid);
            file.Flush();
        }
        catch
        {
            file.Dispose();
            throw;
        }

        return new DataDirectoryLock(file);
    }

    public void Dispose() => _file.Dispose();
}
