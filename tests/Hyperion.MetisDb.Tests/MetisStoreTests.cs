using Hyperion.Core;
using Hyperion.Core.Crypto;
using Hyperion.State;

namespace Hyperion.MetisDb.Tests;

public class MetisStoreTests
{
    private static void AssertMatches(MetisSnapshot snapshot, Dictionary<Hash256, (ulong Nonce, UInt256 Balance, Dictionary<Hash256, UInt256> Storage)> expected, List<Hash256> addresses)
    {
        foreach (Hash256 address in addresses)
        {
            bool exists = snapshot.TryGetAccountByHash(address, out Account account);
            Assert.Equal(expected.ContainsKey(address), exists);
            if (!exists)
            {
                Assert.Equal(UInt256.Zero, snapshot.GetStorageByHash(address, MetisTestModel.Word(1)));
                continue;
            }

            (ulong nonce, UInt256 balance, Dictionary<Hash256, UInt256> storage) = expected[address];
            Assert.Equal(nonce, account.Nonce);
            Assert.Equal(balance, account.Balance);
            for (ulong slot = 0; slot < 64; slot++)
            {
                Hash256 slotHash = MetisTestModel.Word(slot);
                Assert.Equal(storage.GetValueOrDefault(slotHash), snapshot.GetStorageByHash(address, slotHash));
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
        var addresses = new List<Hash256>();
        var history = new List<Dictionary<Hash256, (ulong, UInt256, Dictionary<Hash256, UInt256>)>>();
        using (MetisStore store = MetisStore.Open(directory.Path, new MetisStoreOptions { Durable = false, HotCacheCapacity = cacheCapacity, TrieCacheDepth = trieCacheDepth }))
        {
            for (ulong block = 0; block < 40; block++)
            {
                MetisBlockChanges changes = model.RandomBlock(random, random.Next(1, 60), addresses);
                Hash256 root = store.Commit(block, changes);
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
        var addresses = new List<Hash256>();
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
        Hash256 address = MetisTestModel.Word(7);
        Hash256 slot = MetisTestModel.Word(1);
        var first = new MetisBlockChanges();
        first.SetAccountByHash(address, 1, 100, Keccak256.OfEmpty);
        first.SetStorageByHash(address, slot, 0x2a);
        byte[] code = [0x60, 0x00];
        first.AddCodeByHash(Keccak256.Hash(code), code);
        store.Commit(1, first);
        var second = new MetisBlockChanges();
        second.DeleteAccountByHash(address);
        second.SetAccountByHash(address, 1, 5, Keccak256.OfEmpty);
        store.Commit(2, second);

        using MetisSnapshot atOne = store.OpenSnapshot(1);
        using MetisSnapshot atTwo = store.OpenSnapshot(2);
        Assert.Equal((UInt256)0x2a, atOne.GetStorageByHash(address, slot));
        Assert.Equal(UInt256.Zero, atTwo.GetStorageByHash(address, slot));
        Assert.True(atTwo.TryGetAccountByHash(address, out Account account));
        Assert.Equal(Keccak256.EmptyTrieRoot, account.StorageRoot);
        Assert.Equal(code, atTwo.TryGetCode(Keccak256.Hash(code)));
        Assert.Null(atTwo.TryGetCode(MetisTestModel.Word(98)));
        Assert.Throws<ArgumentOutOfRangeException>(() => store.OpenSnapshot(3));
        Assert.Throws<ArgumentOutOfRangeException>(() => store.Commit(5, new MetisBlockChanges()));
    }

    [Theory]
    [InlineData(3000)]
    [InlineData(70)] // just above the cached-trie threshold: sparse cached subtrees, shrinking below it by deletes
    public void A_contract_with_large_storage_keeps_exact_storage_roots_across_blocks(int initialSlots)
    {
        using var directory = new TempDirectory();
        using MetisStore store = MetisStore.Open(directory.Path, new MetisStoreOptions { Durable = false });
        var random = new Random(5);
        var model = new MetisTestModel();
        Hash256 contract = MetisTestModel.Word(0xc0de);
        var first = new MetisBlockChanges();
        var account = new MetisTestModel.ModelAccount { Nonce = 1, Balance = 1 };
        model.Accounts[contract] = account;
        first.SetAccountByHash(contract, 1, account.Balance, account.CodeHash);
        for (int i = 0; i < initialSlots; i++)
        {
            Hash256 slot = MetisTestModel.RandomKey(random);
            UInt256 value = (ulong)(((i % 255 + 1) << 8) | (i & 0xff));
            account.Storage[slot] = value;
            first.SetStorageByHash(contract, slot, value);
        }

        Assert.Equal(model.StateRoot(), store.Commit(0, first));
        Hash256[] slots = account.Storage.Keys.ToArray();
        for (ulong block = 1; block < 12; block++)
        {
            var changes = new MetisBlockChanges();
            for (int i = 0; i < 20; i++)
            {
                Hash256 slot = random.Next(3) == 0 ? MetisTestModel.RandomKey(random) : slots[random.Next(slots.Length)];
                UInt256 value = random.Next(4) == 0 ? UInt256.Zero : (ulong)random.Next(1, 256);
                if (value.IsZero)
                {
                    account.Storage.Remove(slot);
                }
                else
                {
                    account.Storage[slot] = value;
                }

                changes.SetStorageByHash(contract, slot, value);
            }

            if (block == 6)
            {
                // destroyed and recreated: the new incarnation starts empty, the cached trie of the old one is unused
                changes.DeleteAccountByHash(contract);
                account.Storage.Clear();
                changes.SetAccountByHash(contract, 2, account.Balance, account.CodeHash);
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
        changes.SetStorageByHash(MetisTestModel.Word(1), MetisTestModel.Word(1), 1);
        Assert.Throws<InvalidOperationException>(() => store.Commit(0, changes));
        Assert.Null(store.Head);
        Assert.Equal(Keccak256.EmptyTrieRoot, store.Commit(0, new MetisBlockChanges()));
    }

    [Theory]
    [InlineData(1)] // 16 subtrees of many leaves: kept leaf hashes
    [InlineData(4)] // mostly one-leaf subtrees: leaf nodes rebuilt without a scan
    public void A_block_that_fails_after_most_of_its_flat_writes_leaves_no_trace_in_the_root(int trieCacheDepth)
    {
        using var directory = new TempDirectory();
        var model = new MetisTestModel();
        var random = new Random(11);
        using MetisStore store = MetisStore.Open(directory.Path, new MetisStoreOptions { Durable = false, TrieCacheDepth = trieCacheDepth });
        var keys = new List<Hash256>();
        var genesis = new MetisBlockChanges();
        for (int i = 0; i < 400; i++)
        {
            Hash256 key = MetisTestModel.RandomKey(random);
            keys.Add(key);
            genesis.SetAccountByHash(key, 1, (UInt256)(ulong)i, Keccak256.OfEmpty);
        }

        model.Apply(genesis);
        Assert.Equal(model.StateRoot(), store.Commit(0, genesis));
        Assert.Equal(model.StateRoot(), store.Commit(1, new MetisBlockChanges()));

        // Block 2 changes the first half, then fails on its last key (storage of an account that does not exist): the
        // changed leaves were already handed to the root's worker, which must not keep them.
        var failing = new MetisBlockChanges();
        foreach (Hash256 key in keys.GetRange(0, 200))
        {
            failing.SetAccountByHash(key, 2, 12345, Keccak256.OfEmpty);
        }

        byte[] last = new byte[32];
        last.AsSpan().Fill(0xff);
        failing.SetStorageByHash(new Hash256(last), MetisTestModel.Word(1), 1);
        Assert.Throws<InvalidOperationException>(() => store.Stage(2, failing));
        Assert.Null(store.StagedBlock);

        // Block 2 again, changing only the other half.
        var next = new MetisBlockChanges();
        foreach (Hash256 key in keys.GetRange(200, 200))
        {
            next.SetAccountByHash(key, 3, 999, Keccak256.OfEmpty);
        }

        model.Apply(next);
        Assert.Equal(model.StateRoot(), store.Commit(2, next));
        Assert.True(store.Verify().Ok);
    }

    [Fact]
    public void Prune_keeps_the_window_readable_and_drops_older_versions()
    {
        using var directory = new TempDirectory();
        using MetisStore store = MetisStore.Open(directory.Path, new MetisStoreOptions { Durable = false });
        Hash256[] addresses = Enumerable.Range(0, 20).Select(i => MetisTestModel.Word((ulong)i + 1)).ToArray();
        for (ulong block = 0; block < 300; block++)
        {
            var changes = new MetisBlockChanges();
            foreach (Hash256 address in addresses)
            {
                changes.SetAccountByHash(address, block, block, Keccak256.OfEmpty);
                changes.SetStorageByHash(address, MetisTestModel.Word(1), block % 250 + 1);
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
            Assert.True(snapshot.TryGetAccountByHash(addresses[3], out Account account));
            Assert.Equal(block, account.Nonce);
            Assert.Equal((UInt256)(block % 250 + 1), snapshot.GetStorageByHash(addresses[3], MetisTestModel.Word(1)));
        }

        Assert.True(store.Verify().Ok);
        Assert.True(store.GetStats().BytesOnDisk > 0);
    }

    [Fact]
    public void An_open_snapshot_survives_a_prune_of_its_block()
    {
        using var directory = new TempDirectory();
        using MetisStore store = MetisStore.Open(directory.Path, new MetisStoreOptions { Durable = false });
        Hash256 address = MetisTestModel.Word(5);
        for (ulong block = 0; block < 200; block++)
        {
            var changes = new MetisBlockChanges();
            changes.SetAccountByHash(address, block, block, Keccak256.OfEmpty);
            changes.SetStorageByHash(address, MetisTestModel.Word(3), block + 1);
            store.Commit(block, changes);
        }

        using MetisSnapshot old = store.OpenSnapshot(10);
        Assert.Equal(72UL, store.Prune(128).Oldest);
        // The snapshot's LMDB read transaction still sees the pages the prune freed.
        Assert.True(old.TryGetAccountByHash(address, out Account account));
        Assert.Equal(10UL, account.Nonce);
        Assert.Equal((UInt256)11, old.GetStorageByHash(address, MetisTestModel.Word(3)));
        Assert.Throws<ArgumentOutOfRangeException>(() => store.OpenSnapshot(10));
    }

    [Fact]
    public async Task Readers_see_exactly_their_block_while_the_writer_commits()
    {
        using var directory = new TempDirectory();
        using MetisStore store = MetisStore.Open(directory.Path, new MetisStoreOptions { Durable = false });
        Hash256[] addresses = Enumerable.Range(0, 50).Select(i => MetisTestModel.Word((ulong)i + 1)).ToArray();
        MetisBlockChanges BlockWithNonce(ulong block)
        {
            var changes = new MetisBlockChanges();
            foreach (Hash256 address in addresses)
            {
                changes.SetAccountByHash(address, block, block * 3, Keccak256.OfEmpty);
                changes.SetStorageByHash(address, MetisTestModel.Word(2), block % 200 + 1);
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
                    foreach (Hash256 address in addresses)
                    {
                        Assert.True(snapshot.TryGetAccountByHash(address, out Account account));
                        Assert.Equal(block, account.Nonce);
                        Assert.Equal((UInt256)(block * 3), account.Balance);
                        Assert.Equal((UInt256)(block % 200 + 1), snapshot.GetStorageByHash(address, MetisTestModel.Word(2)));
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
