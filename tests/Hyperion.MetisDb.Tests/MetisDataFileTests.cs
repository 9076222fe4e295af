namespace Hyperion.MetisDb.Tests;

public sealed class MetisDataFileTests
{
    [Fact]
    public void A_truncated_data_file_is_reported_before_it_is_mapped()
    {
        using var directory = new TempDirectory();
        var random = new Random(5);
        var model = new MetisTestModel();
        var addresses = new List<Core.Hash256>();
        using (MetisStore store = MetisStore.Open(directory.Path, new MetisStoreOptions { Durable = false }))
        {
            for (ulong block = 0; block < 20; block++)
            {
                store.Commit(block, model.RandomBlock(random, 200, addresses));
            }
        }

        // An intact file reopens (no false alarm), repeatedly.
        using (MetisStore reopened = MetisStore.Open(directory.Path))
        {
            Assert.Equal(19UL, reopened.Head);
        }

        string path = Path.Combine(directory.Path, "data.mdb");
        long length = new FileInfo(path).Length;
        using (var file = new FileStream(path, FileMode.Open))
        {
            file.SetLength(length / 2);
        }

        InvalidDataException error = Assert.Throws<InvalidDataException>(() => MetisStore.Open(directory.Path));
        Assert.Contains("data.mdb is damaged", error.Message);
        Assert.Contains("truncated", error.Message);

        using (var file = new FileStream(path, FileMode.Open))
        {
            file.SetLength(100);
        }

        Assert.Contains("fewer than its first meta page", Assert.Throws<InvalidDataException>(() => MetisStore.Open(directory.Path)).Message);
    }
}
