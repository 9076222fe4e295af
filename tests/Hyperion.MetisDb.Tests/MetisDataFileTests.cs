using LightningDB;

namespace Hyperion.MetisDb.Tests;

public sealed class MetisDataFileTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_truncated_data_file_is_reported_before_it_is_mapped(bool writeMap)
    {
        using var directory = new TempDirectory();
        var random = new Random(5);
        var model = new MetisTestModel();
        var addresses = new List<Core.Hash256>();
        using (MetisStore store = MetisStore.Open(directory.Path, new MetisStoreOptions { Durable = false, WriteMap = writeMap }))
        {
            for (ulong block = 0; block < 20; block++)
            {
                store.Commit(block, model.RandomBlock(random, 200, addresses));
            }
        }

        // An intact file reopens (no false alarm), repeatedly.
        using (MetisStore reopened = MetisStore.Open(directory.Path, new MetisStoreOptions { WriteMap = writeMap }))
        {
            Assert.Equal(19UL, reopened.Head);
        }

        string path = Path.Combine(directory.Path, "data.mdb");
        long length = new FileInfo(path).Length;
        using (var file = new FileStream(path, FileMode.Open))
        {
            file.SetLength(length / 2);
        }

        InvalidDataException error = Assert.Throws<InvalidDataException>(() => MetisStore.Open(directory.Path, new MetisStoreOptions { WriteMap = writeMap }));
        Assert.Contains("data.mdb is damaged", error.Message);
        Assert.Contains("truncated", error.Message);

        using (var file = new FileStream(path, FileMode.Open))
        {
            file.SetLength(100);
        }

        Assert.Contains("fewer than its first meta page", Assert.Throws<InvalidDataException>(() => MetisStore.Open(directory.Path, new MetisStoreOptions { WriteMap = writeMap })).Message);
    }
}

public sealed class MetisWriteMapTests
{
    private static long PagesInUseBytes(string directory)
    {
        using var environment = new LightningEnvironment(directory, new EnvironmentConfiguration { MaxDatabases = 8, MapSize = 1L << 30 });
        environment.Open(EnvironmentOpenFlags.ReadOnly);
        return (environment.Info.LastPageNumber + 1) * (long)environment.EnvironmentStats.PageSize;
    }

    private static long AllocatedOnDisk(string path)
    {
        var start = new System.Diagnostics.ProcessStartInfo("stat") { RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add("--format=%b");
        start.ArgumentList.Add(path);
        using System.Diagnostics.Process stat = System.Diagnostics.Process.Start(start)!;
        string blocks = stat.StandardOutput.ReadToEnd();
        stat.WaitForExit();
        return long.Parse(blocks.Trim()) * 512;
    }

    [Fact]
    public void A_write_map_store_allocates_ahead_of_its_pages_and_is_cut_back_to_them_when_closed()
    {
        using var directory = new TempDirectory();
        var random = new Random(11);
        var model = new MetisTestModel();
        var addresses = new List<Core.Hash256>();
        string path = Path.Combine(directory.Path, "data.mdb");
        Core.Hash256 root;
        using (MetisStore store = MetisStore.Open(directory.Path, new MetisStoreOptions { WriteMap = true, MapSize = 1L << 34 }))
        {
            for (ulong block = 0; block < 30; block++)
            {
                store.Commit(block, model.RandomBlock(random, 300, addresses));
                MetisStats stats = store.GetStats();
                // Every page LMDB has written (and the next transaction's headroom) has its disk blocks.
                Assert.True(store.AllocatedBytes >= Math.Max(stats.BytesUsed, 64L << 20), $"block {block}: {store.AllocatedBytes} allocated, {stats.BytesUsed} in use");
                Assert.Equal(Math.Max(stats.BytesUsed, store.AllocatedBytes), stats.BytesOnDisk);
            }

            // LMDB sized the open file to the map; the disk blocks are really there (stat's 512-byte blocks).
            Assert.Equal(1L << 34, new FileInfo(path).Length);
            if (OperatingSystem.IsLinux())
            {
                Assert.True(AllocatedOnDisk(path) >= store.AllocatedBytes, $"{AllocatedOnDisk(path)} bytes on disk, {store.AllocatedBytes} allocated");
            }
            root = store.GetStateRoot(29);
            Assert.Equal(model.StateRoot(), root);
        }

        long closed = new FileInfo(path).Length;
        Assert.Equal(PagesInUseBytes(directory.Path), closed);
        Assert.True(closed < 1L << 30);

        // Reopened, with and without the map written through, the store is the same.
        foreach (bool writeMap in new[] { true, false, true })
        {
            using MetisStore reopened = MetisStore.Open(directory.Path, new MetisStoreOptions { WriteMap = writeMap, MapSize = 1L << 34 });
            Assert.Equal(29UL, reopened.Head);
            Assert.Equal(root, reopened.GetStateRoot(29));
            Assert.True(reopened.Verify().Ok);
        }
    }

    [Fact]
    public void A_killed_write_map_store_is_left_at_the_map_size_and_replays_its_log()
    {
        using var directory = new TempDirectory();
        var random = new Random(12);
        var model = new MetisTestModel();
        var addresses = new List<Core.Hash256>();
        string path = Path.Combine(directory.Path, "data.mdb");
        MetisStore store = MetisStore.Open(directory.Path, new MetisStoreOptions { WriteMap = true, MapSize = 1L << 34 });
        for (ulong block = 0; block < 12; block++)
        {
            store.Commit(block, model.RandomBlock(random, 200, addresses));
            if (block == 0)
            {
                // The first block's background sync is done before the others: a syncer started late (a loaded
                // machine) would otherwise cover the head of all twelve and leave nothing to replay.
                Assert.True(SpinWait.SpinUntil(() => store.SyncedThrough >= 0, TimeSpan.FromSeconds(60)));
            }
        }

        Assert.Equal(0L, store.SyncedThrough);
        store.Abandon();
        Assert.Equal(1L << 34, new FileInfo(path).Length);
        using MetisStore reopened = MetisStore.Open(directory.Path, new MetisStoreOptions { WriteMap = true, MapSize = 1L << 34 });
        Assert.Equal(11UL, reopened.Head);
        Assert.True(reopened.ReplayedBlocks > 0);
        Assert.Equal(model.StateRoot(), reopened.GetStateRoot(11));
        Assert.True(reopened.Verify().Ok);
    }
}

public sealed class MetisEntryChecksumTests
{
    [Fact]
    public void A_flipped_byte_in_a_stored_value_is_reported_not_served()
    {
        using var directory = new TempDirectory();
        Core.Address owner = Core.Address.Parse("0x00000000000000000000000000000000000000aa");
        Core.UInt256 marker = Core.UInt256.Parse("0xdeadbeefcafebabe0123456789abcdef00112233445566778899aabbccddeeff");
        using (MetisStore store = MetisStore.Open(directory.Path, new MetisStoreOptions { Durable = false }))
        {
            var changes = new MetisBlockChanges();
            changes.SetAccount(owner, 1, 1000, Core.Crypto.Keccak256.OfEmpty);
            changes.SetStorage(owner, 7, marker);
            store.Commit(0, changes);
        }

        using (MetisStore intact = MetisStore.Open(directory.Path, new MetisStoreOptions { HotCacheCapacity = 0 }))
        using (MetisSnapshot snapshot = intact.OpenSnapshot())
        {
            Assert.Equal(marker, snapshot.GetStorage(owner, 7));
        }

        string path = Path.Combine(directory.Path, "data.mdb");
        byte[] bytes = File.ReadAllBytes(path);
        byte[] pattern = Convert.FromHexString("deadbeefcafebabe0123456789abcdef");
        int at = bytes.AsSpan().IndexOf(pattern);
        Assert.True(at >= 0);
        bytes[at + 3] ^= 0x10; // 0xdeadbeef -> 0xdeadbeff: a wrong but plausible value
        File.WriteAllBytes(path, bytes);

        using MetisStore damaged = MetisStore.Open(directory.Path, new MetisStoreOptions { HotCacheCapacity = 0 });
        using MetisSnapshot read = damaged.OpenSnapshot();
        InvalidDataException error = Assert.Throws<InvalidDataException>(() => read.GetStorage(owner, 7));
        Assert.Contains("damaged storage entry", error.Message);
        Assert.Contains("checksum does not match", error.Message);
    }

    [Fact]
    public void A_flipped_byte_in_stored_contract_code_is_reported_not_executed()
    {
        using var directory = new TempDirectory();
        Core.Address owner = Core.Address.Parse("0x00000000000000000000000000000000000000bb");
        byte[] code = Convert.FromHexString("6080604052fefefe0badc0de0badc0de0badc0de0badc0de5b00");
        Core.Hash256 codeHash = Core.Crypto.Keccak256.Hash(code);
        using (MetisStore store = MetisStore.Open(directory.Path, new MetisStoreOptions { Durable = false }))
        {
            var changes = new MetisBlockChanges();
            changes.SetAccount(owner, 1, 0, codeHash);
            changes.AddCode(code);
            store.Commit(0, changes);
        }

        string path = Path.Combine(directory.Path, "data.mdb");
        byte[] bytes = File.ReadAllBytes(path);
        int at = bytes.AsSpan().IndexOf(Convert.FromHexString("0badc0de0badc0de0badc0de0badc0de"));
        Assert.True(at >= 0);
        bytes[at + 2] ^= 0x01;
        File.WriteAllBytes(path, bytes);

        using MetisStore damaged = MetisStore.Open(directory.Path, new MetisStoreOptions { HotCacheCapacity = 0 });
        using MetisSnapshot read = damaged.OpenSnapshot();
        InvalidDataException error = Assert.Throws<InvalidDataException>(() => read.TryGetCode(codeHash));
        Assert.Contains($"damaged contract code (code hash {codeHash})", error.Message);
    }

    [Fact]
    public void A_damaged_persisted_trie_node_is_reported_when_the_store_opens()
    {
        using var directory = new TempDirectory();
        using (MetisStore store = MetisStore.Open(directory.Path, new MetisStoreOptions { Durable = false }))
        {
            var changes = new MetisBlockChanges();
            for (int i = 1; i <= 64; i++)
            {
                changes.SetAccount(Core.Address.Parse($"0x{i:x40}"), 1, (ulong)i, Core.Crypto.Keccak256.OfEmpty);
            }

            store.Commit(0, changes);
        }

        // One byte of one persisted node changed in place, as a flipped bit on disk leaves it.
        byte[] nodeKey;
        using (var environment = new LightningDB.LightningEnvironment(directory.Path, new LightningDB.EnvironmentConfiguration { MaxDatabases = 8, MapSize = 1L << 30 }))
        {
            environment.Open();
            using LightningDB.LightningTransaction transaction = environment.BeginTransaction();
            using LightningDB.LightningDatabase trie = transaction.OpenDatabase("trie");
            using LightningDB.LightningCursor cursor = transaction.CreateCursor(trie);
            Assert.Equal(LightningDB.MDBResultCode.Success, cursor.First().resultCode);
            (_, LightningDB.MDBValue key, LightningDB.MDBValue value) = cursor.GetCurrent();
            nodeKey = key.CopyToNewArray();
            byte[] node = value.CopyToNewArray();
            node[node.Length / 2] ^= 0x20;
            transaction.Put(trie, nodeKey, node).ThrowOnError();
            transaction.Commit().ThrowOnError();
        }

        InvalidDataException error = Assert.Throws<InvalidDataException>(() => MetisStore.Open(directory.Path));
        Assert.Contains($"damaged trie node (depth {nodeKey[0]}", error.Message);
        Assert.Contains("checksum does not match", error.Message);
    }

    [Fact]
    public void A_store_written_without_checksums_is_refused_clearly()
    {
        using var directory = new TempDirectory();
        using (MetisStore store = MetisStore.Open(directory.Path, new MetisStoreOptions { Durable = false }))
        {
            var changes = new MetisBlockChanges();
            changes.SetAccount(Core.Address.Parse("0x00000000000000000000000000000000000000aa"), 1, 1000, Core.Crypto.Keccak256.OfEmpty);
            store.Commit(0, changes);
        }

        // Another format version recorded (as an older or newer node would leave it).
        using (var environment = new LightningDB.LightningEnvironment(directory.Path, new LightningDB.EnvironmentConfiguration { MaxDatabases = 8, MapSize = 1L << 30 }))
        {
            environment.Open();
            using LightningDB.LightningTransaction transaction = environment.BeginTransaction();
            using LightningDB.LightningDatabase meta = transaction.OpenDatabase("meta");
            byte[] one = new byte[8];
            one[7] = 1;
            transaction.Put(meta, "format"u8.ToArray(), one).ThrowOnError();
            transaction.Commit().ThrowOnError();
        }

        Assert.Contains("in format 1", Assert.Throws<InvalidDataException>(() => MetisStore.Open(directory.Path)).Message);
    }
}
