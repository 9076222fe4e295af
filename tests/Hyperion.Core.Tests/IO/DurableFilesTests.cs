using Hyperion.Core.IO;
using Xunit;

namespace Hyperion.Core.Tests.IO;

public sealed class DurableFilesTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("hyperion-durable-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void SyncDirectory_syncs_an_existing_directory_and_reports_a_missing_one()
    {
        DurableFiles.SyncDirectory(_directory);

        string missing = Path.Combine(_directory, "missing");
        if (OperatingSystem.IsLinux())
        {
            IOException error = Assert.Throws<IOException>(() => DurableFiles.SyncDirectory(missing));
            Assert.Contains(missing, error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void SyncDirectory_refuses_a_file_that_is_not_a_directory()
    {
        string file = Path.Combine(_directory, "plain");
        File.WriteAllText(file, "x");
        if (OperatingSystem.IsLinux())
        {
            Assert.Throws<IOException>(() => DurableFiles.SyncDirectory(file));
        }
    }

    [Fact]
    public void WriteAtomically_replaces_the_content_and_leaves_no_temporary_file()
    {
        string path = Path.Combine(_directory, "heads.json");
        DurableFiles.WriteAtomically(path, stream => stream.Write("old"u8));
        DurableFiles.WriteAtomically(path, stream => stream.Write("new content"u8));

        Assert.Equal("new content", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(_directory));
    }

    [Fact]
    public void WriteAtomically_keeps_the_old_content_when_the_writer_fails()
    {
        string path = Path.Combine(_directory, "heads.json");
        DurableFiles.WriteAtomically(path, stream => stream.Write("old"u8));

        Assert.Throws<InvalidOperationException>(() => DurableFiles.WriteAtomically(path, stream =>
        {
            stream.Write("half"u8);
            throw new InvalidOperationException("writer failed");
        }));

        Assert.Equal("old", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(_directory));
    }

    [Fact]
    public void OpenOrCreate_creates_a_missing_file_and_opens_an_existing_one_as_it_is()
    {
        string path = Path.Combine(_directory, "wal.log");
        using (FileStream created = DurableFiles.OpenOrCreate(path, FileShare.None))
        {
            Assert.Equal(0, created.Length);
            created.Write("record"u8);
        }

        using FileStream opened = DurableFiles.OpenOrCreate(path, FileShare.None);
        Assert.Equal(6, opened.Length);
    }
}
