using Hyperion.Core;

namespace Hyperion.MetisDb.Tests;

/// <summary>Stage / Publish / Abort: the two halves of a commit, with something else made durable in between.</summary>
public class MetisStagedCommitTests
{
    [Fact]
    public void A_staged_block_is_invisible_until_published_and_an_aborted_one_leaves_no_trace()
    {
        using var directory = new TempDirectory();
        var random = new Random(7);
        var model = new MetisTestModel();
        var addresses = new List<Hash256>();
        using MetisStore store = MetisStore.Open(directory.Path, new MetisStoreOptions { Durable = false });
        store.Commit(0, model.RandomBlock(random, 20, addresses));
        Hash256 rootAtZero = store.GetStateRoot(0);

        // Staged changes the model does not take: aborted, they must not leak into the next block's root.
        var discarded = new MetisTestModel();
        discarded.RandomBlock(new Random(7), 20, []);
        store.Stage(1, discarded.RandomBlock(random, 30, [.. addresses]));
        Assert.Equal(1UL, store.StagedBlock);
        Assert.Equal(0UL, store.Head);
        Assert.Throws<ArgumentOutOfRangeException>(() => store.OpenSnapshot(1));
        store.Abort(1);
        Assert.Null(store.StagedBlock);
        Assert.Equal(rootAtZero, store.GetStateRoot(0));

        MetisBlockChanges next = model.RandomBlock(random, 30, addresses);
        Hash256 staged = store.Stage(1, next);
        Assert.Equal(model.StateRoot(), staged);
        Assert.Throws<InvalidOperationException>(() => store.Stage(2, new MetisBlockChanges()));
        Assert.Throws<InvalidOperationException>(() => store.Prune(1));
        store.Publish(1);
        Assert.Equal(1UL, store.Head);
        Assert.Equal(staged, store.GetStateRoot(1));
        Assert.True(store.Verify().Ok);
    }

    [Fact]
    public void A_block_staged_when_the_store_closes_is_gone_on_reopen()
    {
        using var directory = new TempDirectory();
        var random = new Random(3);
        var model = new MetisTestModel();
        var addresses = new List<Hash256>();
        using (MetisStore store = MetisStore.Open(directory.Path, new MetisStoreOptions { Durable = false }))
        {
            store.Commit(0, model.RandomBlock(random, 20, addresses));
            store.Stage(1, new MetisTestModel().RandomBlock(random, 20, [.. addresses]));
        }

        using MetisStore reopened = MetisStore.Open(directory.Path, new MetisStoreOptions { Durable = false });
        Assert.Equal(0UL, reopened.Head);
        Assert.Null(reopened.StagedBlock);
        Assert.Equal(model.StateRoot(), reopened.GetStateRoot(0));
        Assert.True(reopened.Verify().Ok);
        reopened.Commit(1, model.RandomBlock(random, 20, addresses));
        Assert.Equal(model.StateRoot(), reopened.GetStateRoot(1));
    }
}

/// <summary>
/// A published block's head record in LMDB (root, head, pending mark cleared) is written with the next block's flat
/// changes, off the commit's path (issue 14): the block is readable at once from memory, and a kill before the next block
/// replays it from the write-ahead log.
/// </summary>
public class MetisDeferredHeadRecordTests
{
    [Fact]
    public void A_published_block_is_read_at_once_and_a_kill_before_its_head_record_replays_it_from_the_log()
    {
        using var directory = new TempDirectory();
        var random = new Random(17);
        var model = new MetisTestModel();
        var addresses = new List<Hash256>();
        MetisStore store = MetisStore.Open(directory.Path);
        for (ulong block = 0; block <= 3; block++)
        {
            Hash256 root = store.Commit(block, model.RandomBlock(random, 30, addresses));
            WaitForTheFirstCheckpoint(store, block);
            Assert.Equal(block, store.Head);
            Assert.Equal(root, store.GetStateRoot(block));
            using MetisSnapshot snapshot = store.OpenSnapshot(block);
            Assert.Equal(block, snapshot.Block);
        }

        Assert.Equal(2UL, store.HeadRecordInLmdb); // block 3's is written with block 4's staging
        Assert.Equal(model.StateRoot(), store.GetStateRoot(3));
        Assert.Equal(model.StateRoot(), store.SpeculativeRoot(3, new MetisBlockChanges()));
        Assert.True(store.Verify().Ok);
        store.Abandon();

        using MetisStore reopened = MetisStore.Open(directory.Path);
        Assert.True(reopened.RecoveredPendingBlock); // block 3 was still marked pending in LMDB
        Assert.Equal(3UL, reopened.Head);
        Assert.Equal(3UL, reopened.HeadRecordInLmdb);
        Assert.Equal(model.StateRoot(), reopened.GetStateRoot(3));
        Assert.True(reopened.Verify().Ok);
        MetisBlockChanges next = model.RandomBlock(random, 30, addresses);
        Assert.Equal(model.StateRoot(), reopened.Commit(4, next));
    }

    [Fact]
    public void A_next_block_that_fails_to_stage_leaves_the_published_head_and_its_record_to_the_block_after()
    {
        using var directory = new TempDirectory();
        var random = new Random(19);
        var model = new MetisTestModel();
        var addresses = new List<Hash256>();
        MetisStore store = MetisStore.Open(directory.Path);
        store.Commit(0, model.RandomBlock(random, 30, addresses));
        WaitForTheFirstCheckpoint(store, 0);
        store.Commit(1, model.RandomBlock(random, 30, addresses));
        var invalid = new MetisBlockChanges();
        invalid.SetStorageByHash(new Hash256(Enumerable.Repeat((byte)0xEE, 32).ToArray()), MetisBlockChanges.SlotHash(1), 5);
        Assert.Throws<InvalidOperationException>(() => store.Stage(2, invalid)); // storage of an account that does not exist
        Assert.Equal(1UL, store.Head);
        Assert.Equal(model.StateRoot(), store.GetStateRoot(1));

        MetisBlockChanges second = model.RandomBlock(random, 30, addresses);
        Assert.Equal(model.StateRoot(), store.Commit(2, second));
        Assert.Equal(1UL, store.HeadRecordInLmdb);
        store.Abandon();

        using MetisStore reopened = MetisStore.Open(directory.Path);
        Assert.Equal(2UL, reopened.Head);
        Assert.Equal(model.StateRoot(), reopened.GetStateRoot(2));
        Assert.True(reopened.Verify().Ok);
    }

    [Fact]
    public void A_store_without_a_log_writes_the_head_record_when_it_publishes_and_a_closed_store_has_it_too()
    {
        using var directory = new TempDirectory();
        var random = new Random(23);
        var model = new MetisTestModel();
        var addresses = new List<Hash256>();
        MetisStore volatileStore = MetisStore.Open(directory.Path, new MetisStoreOptions { Durable = false });
        volatileStore.Commit(0, model.RandomBlock(random, 30, addresses));
        WaitForTheFirstCheckpoint(volatileStore, 0);
        volatileStore.Commit(1, model.RandomBlock(random, 30, addresses));
        Assert.Equal(1UL, volatileStore.HeadRecordInLmdb); // nothing could replay it
        volatileStore.Abandon();

        using (MetisStore reopened = MetisStore.Open(directory.Path))
        {
            Assert.False(reopened.RecoveredPendingBlock);
            Assert.Equal(1UL, reopened.Head);
            MetisBlockChanges next = model.RandomBlock(random, 30, addresses);
            Assert.Equal(model.StateRoot(), reopened.Commit(2, next));
            Assert.Equal(1UL, reopened.HeadRecordInLmdb);
        }

        using MetisStore closed = MetisStore.Open(directory.Path, new MetisStoreOptions { BootId = "another-boot" });
        Assert.False(closed.RecoveredPendingBlock);
        Assert.Equal(0, closed.ReplayedBlocks);
        Assert.Equal(2UL, closed.Head);
        Assert.Equal(model.StateRoot(), closed.GetStateRoot(2));
    }

    /// <summary>Block 0's checkpoint runs in the background at the head it finds (writing its head record): waited for, so it covers block 0 only.</summary>
    private static void WaitForTheFirstCheckpoint(MetisStore store, ulong block)
    {
        if (block == 0)
        {
            Assert.True(SpinWait.SpinUntil(() => store.SyncedThrough == 0, TimeSpan.FromSeconds(60)));
        }
    }
}
