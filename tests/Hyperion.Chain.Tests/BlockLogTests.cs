namespace Hyperion.Chain.Tests;

public sealed class BlockLogTests : IDisposable
{
    private readonly string _directory = TestChain.TempDirectory();

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Records_survive_reopening()
    {
        string path = Path.Combine(_directory, "log");
        using (BlockLog log = BlockLog.Open(path, out List<byte[]> none))
        {
            Assert.Empty(none);
            log.Append([1, 2, 3]);
            log.Append([]);
            log.Append(new byte[100_000]);
        }

        using BlockLog reopened = BlockLog.Open(path, out List<byte[]> records);
        Assert.Equal(3, records.Count);
        Assert.Equal([1, 2, 3], records[0]);
        Assert.Empty(records[1]);
        Assert.Equal(100_000, records[2].Length);
    }

    [Fact]
    public void A_torn_tail_is_cut_at_every_possible_length()
    {
        string path = Path.Combine(_directory, "log");
        using (BlockLog log = BlockLog.Open(path, out _))
        {
            log.Append([10, 11, 12, 13]);
            log.Append([20, 21, 22, 23, 24, 25]);
        }

        byte[] full = File.ReadAllBytes(path);
        int firstRecordLength = 4 + 4 + 4;
        for (int cut = 0; cut < full.Length; cut++)
        {
            File.WriteAllBytes(path, full[..cut]);
            using BlockLog log = BlockLog.Open(path, out List<byte[]> records);
            Assert.Equal(cut >= firstRecordLength ? 1 : 0, records.Count);
            Assert.Equal(cut >= firstRecordLength ? firstRecordLength : 0, new FileInfo(path).Length);

            // The log keeps working after recovery.
            log.Append([99]);
        }
    }

    [Fact]
    public void A_corrupted_record_ends_the_log_there()
    {
        string path = Path.Combine(_directory, "log");
        using (BlockLog log = BlockLog.Open(path, out _))
        {
            log.Append([1, 1, 1]);
            log.Append([2, 2, 2]);
        }

        byte[] bytes = File.ReadAllBytes(path);
        bytes[^6] ^= 0xFF; // a payload byte of the second record
        File.WriteAllBytes(path, bytes);
        using BlockLog reopened = BlockLog.Open(path, out List<byte[]> records);
        Assert.Single(records);
        Assert.Equal([1, 1, 1], records[0]);
    }
}
