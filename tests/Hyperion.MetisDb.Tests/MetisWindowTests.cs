using Hyperion.Core;
using Hyperion.Core.Crypto;
using Hyperion.State;

namespace Hyperion.MetisDb.Tests;

/// <summary>The readable window of recent blocks: many snapshots at once, pruning outside it, concurrent readers.</summary>
public class MetisWindowTests
{
    private static readonly Address[] Accounts = Enumerable.Range(1, 40).Select(i => new Address(Enumerable.Repeat((byte)i, 20).ToArray())).ToArray();

    /// <summary>Block b sets account i to nonce b, balance b·1000+i, and slot i%4 to b+1 (all derivable from b).</summary>
    private static MetisBlockChanges BlockOf(ulong block)
    {
        var changes = new MetisBlockChanges();
        for (int i = 0; i < Accounts.Length; i++)
        {
            changes.SetAccount(Accounts[i], block, block * 1000 + (ulong)i, Keccak256.OfEmpty);
            changes.SetStorage(Accounts[i], (UInt256)(i % 4), block + 1);
        }

        return changes;
    }

    private static void AssertBlock(IStateReader snapshot, ulong block, int account)
    {
        Assert.True(snapshot.TryGetAccount(Accounts[account], out Account state));
        Assert.Equal(block, state.Nonce);
        Assert.Equal((UInt256)(block * 1000 + (ulong)account), state.Balance);
        Assert.Equal((UInt256)(block + 1), snapshot.GetStorage(Accounts[account], (UInt256)(account % 4)));
        Assert.Equal(UInt256.Zero, snapshot.GetStorage(Accounts[account], (UInt256)(4 + account % 4)));
    }

    [Fact]
    public void The_last_128_blocks_stay_readable_at_once_after_pruning_and_older_ones_do_not()
    {
        using var directory = new TempDirectory();
        using MetisStore store = MetisStore.Open(directory.Path, new MetisStoreOptions { Durable = false });
        for (ulong block = 0; block < 400; block++)
        {
            store.Commit(block, BlockOf(block));
            if (block % 50 == 0)
            {
                store.Prune(128);
            }
        }

        MetisStats before = store.GetStats();
        MetisPruneResult pruned = store.Prune(128);
        Assert.Equal(272UL, pruned.Oldest);
        MetisStats after = store.GetStats();
        Assert.True(after.BytesOnDisk > 0 && after.BytesUsed > 0 && after.BytesUsed <= after.BytesOnDisk);
        Assert.Equal(Accounts.Length * 128L, after.AccountVersions);
        Assert.True(after.AccountVersions < before.AccountVersions);
        Assert.Throws<ArgumentOutOfRangeException>(() => store.OpenSnapshot(271));

        // All 128 snapshots open together (one LMDB reader each), every one sees exactly its block.
        var snapshots = new List<MetisSnapshot>();
        try
        {
            for (ulong block = 272; block < 400; block++)
            {
                snapshots.Add(store.OpenSnapshot(block));
            }

            foreach (MetisSnapshot snapshot in snapshots)
            {
                for (int account = 0; account < Accounts.Length; account += 3)
                {
                    AssertBlock(snapshot, snapshot.Block, account);
                }
            }
        }
        finally
        {
            snapshots.ForEach(snapshot => snapshot.Dispose());
        }

        Assert.True(store.Verify().Ok);
    }

    [Fact]
    public async Task A_snapshot_shared_by_several_threads_stays_at_its_block_while_the_writer_commits_and_prunes()
    {
        using var directory = new TempDirectory();
        using MetisStore store = MetisStore.Open(directory.Path, new MetisStoreOptions { Durable = false, HotCacheCapacity = 64 });
        for (ulong block = 0; block <= 100; block++)
        {
            store.Commit(block, BlockOf(block));
        }

        using MetisSnapshot shared = store.OpenSnapshot(100);
        var writer = Task.Run(() =>
        {
            for (ulong block = 101; block <= 220; block++)
            {
                store.Commit(block, BlockOf(block));
                if (block % 16 == 0)
                {
                    store.Prune(128);  // the window start stays at or below 100
                }
            }
        });
        long reads = 0;
        Task[] readers = Enumerable.Range(0, 3).Select(worker => Task.Run(() =>
        {
            var random = new Random(worker);
            while (!writer.IsCompleted || Interlocked.Read(ref reads) < 1000)
            {
                int account = random.Next(Accounts.Length);
                AssertBlock(shared, 100, account);
                // and a fresh snapshot of whatever the head is now
                using MetisSnapshot head = store.OpenSnapshot();
                AssertBlock(head, head.Block, account);
                Interlocked.Increment(ref reads);
            }
        })).ToArray();
        await writer;
        await Task.WhenAll(readers);
        Assert.Equal(220UL, store.Head);
        Assert.True(store.Oldest > 0 && store.Oldest <= 100);
    }

    [Fact]
    public void Repeated_reads_through_IStateReader_allocate_nothing()
    {
        using var directory = new TempDirectory();
        using MetisStore store = MetisStore.Open(directory.Path, new MetisStoreOptions { Durable = false });
        store.Commit(0, BlockOf(0));
        using MetisSnapshot snapshot = store.OpenSnapshot();
        UInt256 sum = UInt256.Zero;
        long before = 0;
        for (int pass = 0; pass < 11; pass++)
        {
            if (pass == 1)
            {
                before = GC.GetAllocatedBytesForCurrentThread();  // pass 0 filled the hot cache and the hash memo
            }

            foreach (Address address in Accounts)
            {
                snapshot.TryGetAccount(address, out Account account);
                sum += account.Balance + snapshot.GetStorage(address, UInt256.One);
            }
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.False(sum.IsZero);
    }
}
