using Hyperion.State.MetisDb;

namespace Hyperion.State.Tests.MetisDb;

public class MetisStoreTests
{
    private static void AssertMatches(MetisSnapshot snapshot, Dictionary<Key32, (ulong Nonce, Key32 Balance, Dictionary<Key32, byte[]> Storage)> expected, List<Key32> addresses)
    {
        foreach (Key32 address in addresses)
        {
            bool exists = snapshot.TryGetAccount(address, out MetisAccount account);
            Assert.Equal(expected.ContainsKey(address), exists);
            if (!exists)
            {
                Assert.Equal(default, snapshot.GetStorage(address, MetisTestModel.Word(1)));
                continue;
            }

            (ulong nonce, Key32 balance, Dictionary<Key32, byte[]> storage) = expected[address];
            var want = new byte[32];
            Assert.Equal(nonce, account.Nonce);
            Assert.Equal(balance, account.Balance);
            for (ulong slot = 0; slot < 64; slot++)
            {
                Key32 slotHash = MetisTestModel.Word(slot);
                Array.Clear(want);
                if (storage.TryGetValue(slotHash, out byte[]? value))
                {
                    value.CopyTo(want.AsSpan(32 - value.Length));
                }

                Assert.Equal(new Key32(want), snapshot.GetStorage(address, slotHash));
            }
        }
    }

    [Theory]
    [InlineData(1, 0, 4)]
    [InlineData(2, 1 << 20, 5)]
    [InlineData(3, 1 << 20, 1)]
    public void Random_blocks_match_the_model_roots_and_every_snapshot(int seed, int cacheCapacity, int trieCacheDepth)
    {
        using var directory = new TempDirectory();
        var random = new Random(seed);
        var model = new MetisTestModel();
        var addresses = new List<Key32>();
        var history = new List<Dictionary<Key32, (ulong, Key32, Dictionary<Key32, byte[]>)>>();
        using (MetisStore store = MetisStore.Open(directory.Path, new MetisStoreOptions { Durable = false, HotCacheCapacity = cacheCapacity, TrieCacheDepth = trieCacheDepth }))
        {
            for (ulong block = 0; block < 40; block++)
            {
                MetisBlockChanges changes = model.RandomBlock(random, random.Next(1, 60), addresses);
                Key32 root = store.Commit(block, changes);
                Assert.Equal(model.StateRoot(), root);
                Assert.Equal(root, store.GetStateRoot(block));
                history.Add(model.Capture());
                using MetisSnapshot head = store.OpenSnapshot();
                AssertMatches(head, history[^1], addresses);
            }

            for (ulong block = 0; block < 40; block += 7)
            {
                using MetisSnapshot old = store.OpenSnapshot(block);
                AssertMatches(old, history[(int)block], addresses);
            }

            MetisVerifyResult verify = store.Verify();
            Assert.True(verify.Ok, $"{verify}");
            Assert.Equal(model.Accounts.Count, verify.Accounts);
        }

        // reopen: same head, same root, cold reads
        using MetisStore reopened = MetisStore.Open(directory.Path, new MetisStoreOptions { Durable = false, TrieCacheDepth = trieCacheDepth });
        Assert.Equal(39UL, reopened.Head);
        Assert.True(reopened.LoadedTrieNodes > 0);
        Assert.Equal(model.StateRoot(), reopened.GetStateRoot(39));
        using (MetisSnapshot snapshot = reopened.OpenSnapshot())
        {
            AssertMatches(snapshot, history[^1], addresses);
        }

        // the incremental root continues from the persisted nodes
        Assert.Equal(model.StateRoot(), reopened.Commit(40, new MetisBlockChanges()));
        for (ulong block = 41; block < 45; block++)
        {
            MetisBlockChanges next = model.RandomBlock(random, 30, addresses);
            Assert.Equal(model.StateRoot(), reopened.Commit(block, next));
        }

        Assert.True(reopened.Verify().Ok);
    }

    [Fact]
    public void Reopening_with_another_trie_cache_depth_discards_persisted_nodes_and_stays_correct()
    {
        using var directory = new TempDirectory();
        var random = new Random(9);
        var model = new MetisTestModel();
        var addresses = new List<Key32>();
        using (MetisStore store = MetisStore.Open(directory.Path, new MetisStoreOptions { Durable = false, TrieCacheDepth = 4 }))
        {
            for (ulong block = 0; block < 5; block++)
            {
                store.Commit(block, model.RandomBlock(random, 40, addresses));
            }
        }

        using MetisStore reopened = MetisStore.Open(directory.Path, new MetisStoreOptions { Durable = false, TrieCacheDepth = 2 });
        Assert.Equal(0, reopened.LoadedTrieNodes);
        MetisBlockChanges next = model.RandomBlock(random, 40, addresses);
        Assert.Equal(model.StateRoot(), reopened.Commit(5, next));
    }

    [Fact]
    public void Destroyed_account_loses_its_storage_but_old_snapshots_keep_it()
    {
        using var directory = new TempDirectory();
        using MetisStore store = MetisStore.Open(directory.Path, new MetisStoreOptions { Durable = false });
        Key32 address = MetisTestModel.Word(7);
        Key32 slot = MetisTestModel.Word(1);
        var first = new MetisBlockChanges();
        first.SetAccount(address, 1, MetisTestModel.Word(100), MetisAccount.EmptyCodeHash);
        first.SetStorage(address, slot, [0x2a]);
        first.AddCode(MetisTestModel.Word(99), [0x60, 0x00]);
        store.Commit(1, first);
        var second = new MetisBlockChanges();
        second.DeleteAccount(address);
        second.SetAccount(address, 1, MetisTestModel.Word(5), MetisAccount.EmptyCodeHash);
        store.Commit(2, second);

        using MetisSnapshot atOne = store.OpenSnapshot(1);
        using MetisSnapshot atTwo = store.OpenSnapshot(2);
        Assert.Equal(MetisTestModel.Word(0x2a), atOne.GetStorage(address, slot));
        Assert.Equal(default, atTwo.GetStorage(address, slot));
        Assert.True(atTwo.TryGetAccount(address, out MetisAccount account));
        Assert.Equal(MetisAccount.EmptyStorageRoot, account.StorageRoot);
        Assert.Equal(new byte[] { 0x60, 0x00 }, atTwo.GetCode(MetisTestModel.Word(99)));
        Assert.Null(atTwo.GetCode(MetisTestModel.Word(98)));
        Assert.Throws<ArgumentOutOfRangeException>(() => store.OpenSnapshot(3));
        Assert.Throws<ArgumentOutOfRangeException>(() => store.Commit(5, new MetisBlockChanges()));
    }

    [Fact]
    public void A_contract_with_large_storage_keeps_exact_storage_roots_across_blocks()
    {
        using var directory = new TempDirectory();
        using MetisStore store = MetisStore.Open(directory.Path, new MetisStoreOptions { Durable = false });
        var random = new Random(5);
        var model = new MetisTestModel();
        Key32 contract = MetisTestModel.Word(0xc0de);
        var first = new MetisBlockChanges();
        var account = new MetisTestModel.ModelAccount { Nonce = 1, Balance = MetisTestModel.Word(1) };
        model.Accounts[contract] = account;
        first.SetAccount(contract, 1, account.Balance, account.CodeHash);
        for (int i = 0; i < 3000; i++)
        {
            Key32 slot = MetisTestModel.RandomKey(random);
            byte[] value = [(byte)(i % 255 + 1), (byte)i];
            account.Storage[slot] = value;
            first.SetStorage(contract, slot, value);
        }

        Assert.Equal(model.StateRoot(), store.Commit(0, first));
        Key32[] slots = account.Storage.Keys.ToArray();
        for (ulong block = 1; block < 12; block++)
        {
            var changes = new MetisBlockChanges();
            for (int i = 0; i < 20; i++)
            {
                Key32 slot = random.Next(3) == 0 ? MetisTestModel.RandomKey(random) : slots[random.Next(slots.Length)];
                byte[] value = random.Next(4) == 0 ? [] : [(byte)random.Next(1, 256)];
                if (value.Length == 0)
                {
                    account.Storage.Remove(slot);
                }
                else
                {
                    account.Storage[slot] = value;
                }

                changes.SetStorage(contract, slot, value);
            }

            if (block == 6)
            {
                // destroyed and recreated: the new incarnation starts empty, the cached trie of the old one is unused
                changes.DeleteAccount(contract);
                account.Storage.Clear();
                changes.SetAccount(contract, 2, account.Balance, account.CodeHash);
                account.Nonce = 2;
            }

            Assert.Equal(model.StateRoot(), store.Commit(block, changes));
        }

        Assert.True(store.Verify().Ok);
    }

    [Fact]
    public void A_file_that_is_not_a_store_is_rejected_clearly()
    {
        using var directory = new TempDirectory();
        File.WriteAllBytes(Path.Combine(directory.Path, "data.mdb"), Enumerable.Range(0, 70_000).Select(i => (byte)(i * 31 + 7)).ToArray());
        InvalidDataException error = Assert.Throws<InvalidDataException>(() => MetisStore.Open(directory.Path));
        Assert.Contains("cannot open the store", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Storage_write_to_a_missing_account_is_rejected_and_leaves_no_trace()
    {
        using var directory = new TempDirectory();
        using MetisStore store = MetisStore.Open(directory.Path, new MetisStoreOptions { Durable = false });
        var changes = new MetisBlockChanges();
        changes.SetStorage(MetisTestModel.Word(1), MetisTestModel.Word(1), [1]);
        Assert.Throws<InvalidOperationException>(() => store.Commit(0, changes));
        Assert.Null(store.Head);
        Assert.Equal(MetisAccount.EmptyStorageRoot, store.Commit(0, new MetisBlockChanges()));
    }

    [Fact]
    public void Prune_keeps_the_window_readable_and_drops_older_versions()
    {
        using var directory = new TempDirectory();
        using MetisStore store = MetisStore.Open(directory.Path, new MetisStoreOptions { Durable = false });
        Key32[] addresses = Enumerable.Range(0, 20).Select(i => MetisTestModel.Word((ulong)i + 1)).ToArray();
        for (ulong block = 0; block < 300; block++)
        {
            var changes = new MetisBlockChanges();
            foreach (Key32 address in addresses)
            {
                changes.SetAccount(address, block, MetisTestModel.Word(block), MetisAccount.EmptyCodeHash);
                changes.SetStorage(address, MetisTestModel.Word(1), [(byte)(block % 250 + 1)]);
            }

            store.Commit(block, changes);
        }

        long before = store.GetStats().AccountVersions;
        MetisPruneResult result = store.Prune(128);
        Assert.Equal(172UL, result.Oldest);
        Assert.Equal(172UL, store.Oldest);
        Assert.Equal(20 * 172, result.AccountVersionsDeleted);
        Assert.Equal(before - 20 * 172, store.GetStats().AccountVersions);
        Assert.Throws<ArgumentOutOfRangeException>(() => store.OpenSnapshot(171));
        for (ulong block = 172; block < 300; block += 31)
        {
            using MetisSnapshot snapshot = store.OpenSnapshot(block);
            Assert.True(snapshot.TryGetAccount(addresses[3], out MetisAccount account));
            Assert.Equal(block, account.Nonce);
            Assert.Equal(MetisTestModel.Word(block % 250 + 1), snapshot.GetStorage(addresses[3], MetisTestModel.Word(1)));
        }

        Assert.True(store.Verify().Ok);
        Assert.True(store.GetStats().BytesOnDisk > 0);
    }

    [Fact]
    public void An_open_snapshot_survives_a_prune_of_its_block()
    {
        using var directory = new TempDirectory();
        using MetisStore store = MetisStore.Open(directory.Path, new MetisStoreOptions { Durable = false });
        Key32 address = MetisTestModel.Word(5);
        for (ulong block = 0; block < 200; block++)
        {
            var changes = new MetisBlockChanges();
            changes.SetAccount(address, block, MetisTestModel.Word(block), MetisAccount.EmptyCodeHash);
            changes.SetStorage(address, MetisTestModel.Word(3), [(byte)(block + 1)]);
            store.Commit(block, changes);
        }

        using MetisSnapshot old = store.OpenSnapshot(10);
        Assert.Equal(72UL, store.Prune(128).Oldest);
        // The snapshot's LMDB read transaction still sees the pages the prune freed.
        Assert.True(old.TryGetAccount(address, out MetisAccount account));
        Assert.Equal(10UL, account.Nonce);
        Assert.Equal(MetisTestModel.Word(11), old.GetStorage(address, MetisTestModel.Word(3)));
        Assert.Throws<ArgumentOutOfRangeException>(() => store.OpenSnapshot(10));
    }

    [Fact]
    public async Task Readers_see_exactly_their_block_while_the_writer_commits()
    {
        using var directory = new TempDirectory();
        using MetisStore store = MetisStore.Open(directory.Path, new MetisStoreOptions { Durable = false });
        Key32[] addresses = Enumerable.Range(0, 50).Select(i => MetisTestModel.Word((ulong)i + 1)).ToArray();
        MetisBlockChanges BlockWithNonce(ulong block)
        {
            var changes = new MetisBlockChanges();
            foreach (Key32 address in addresses)
            {
                changes.SetAccount(address, block, MetisTestModel.Word(block * 3), MetisAccount.EmptyCodeHash);
                changes.SetStorage(address, MetisTestModel.Word(2), [(byte)(block % 200 + 1)]);
            }

            return changes;
        }

        store.Commit(0, BlockWithNonce(0));
        using var stop = new CancellationTokenSource();
        var writer = Task.Run(() =>
        {
            for (ulong block = 1; block <= 150; block++)
            {
                store.Commit(block, BlockWithNonce(block));
            }
        });
        long checkedReads = 0;
        var readers = Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
        {
            while (!writer.IsCompleted)
            {
                using MetisSnapshot snapshot = store.OpenSnapshot();
                ulong block = snapshot.Block;
                for (int pass = 0; pass < 3; pass++)
                {
                    foreach (Key32 address in addresses)
                    {
                        Assert.True(snapshot.TryGetAccount(address, out MetisAccount account));
                        Assert.Equal(block, account.Nonce);
                        Assert.Equal(MetisTestModel.Word(block * 3), account.Balance);
                        Assert.Equal(MetisTestModel.Word(block % 200 + 1), snapshot.GetStorage(address, MetisTestModel.Word(2)));
                        Interlocked.Increment(ref checkedReads);
                    }
                }
            }
        })).ToArray();
        await writer;
        await Task.WhenAll(readers);
        Assert.True(checkedReads > 0);
        Assert.Equal(150UL, store.Head);
    }
}
