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
