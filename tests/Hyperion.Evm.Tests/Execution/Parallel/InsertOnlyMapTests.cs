using Hyperion.Execution.Parallel;

namespace Hyperion.Evm.Tests.Execution.Parallel;

public class InsertOnlyMapTests
{
    private sealed class Box(int owner)
    {
        public int Owner { get; } = owner;
    }

    [Fact]
    public void Far_more_keys_than_buckets_are_each_kept_once()
    {
        var map = new InsertOnlyMap<int, Box>(capacity: 4);
        var boxes = new Box[1000];
        for (int key = 0; key < boxes.Length; key++)
        {
            boxes[key] = map.GetOrAdd(key, new Box(key));
        }

        for (int key = 0; key < boxes.Length; key++)
        {
            Assert.Same(boxes[key], map.GetOrAdd(key, new Box(-1)));
            Assert.True(map.TryGetValue(key, out Box? found));
            Assert.Same(boxes[key], found);
        }

        Assert.False(map.TryGetValue(boxes.Length, out _));
    }

    [Fact]
    public void A_returned_maps_buckets_serve_the_next_map_empty()
    {
        // Large enough for the buckets to be large objects, as a block's are; the pool hands this thread's returned
        // array to its next rent of that size, so a map that returned its buckets uncleared would leak entries here.
        for (int round = 0; round < 3; round++)
        {
            var map = new InsertOnlyMap<int, Box>(capacity: 1 << 16);
            Assert.False(map.TryGetValue(round - 1, out _));
            Assert.False(map.TryGetValue(round, out _));
            map.GetOrAdd(round, new Box(round));
            Assert.True(map.TryGetValue(round, out Box? added));
            Assert.Equal(round, added.Owner);
            map.Return();

            // A map used after its return fails loudly rather than reading buckets another map now owns.
            Assert.Throws<IndexOutOfRangeException>(() => map.TryGetValue(round, out _));
        }
    }

    [Fact]
    public void A_reopened_map_is_empty_though_its_nodes_are_the_last_blocks()
    {
        var map = new InsertOnlyMap<int, Box>(capacity: 16, pooledNodes: 64);
        for (int round = 0; round < 4; round++)
        {
            // More keys than pooled nodes in the first rounds: the pool grows to what a round took, up to its limit.
            int keys = round < 2 ? 100 : 30;
            for (int key = 0; key < keys; key++)
            {
                Assert.False(map.TryGetValue(key, out _));
                Assert.Same(map.GetOrAdd(key, new Box(round)), map.GetOrAdd(key, new Box(-1)));
            }

            for (int key = 0; key < keys; key++)
            {
                Assert.True(map.TryGetValue(key, out Box? found));
                Assert.Equal(round, found.Owner);
            }

            Assert.False(map.TryGetValue(keys, out _));
            map.Return();
            Assert.Throws<InvalidOperationException>(() => { map.Reopen(8); map.Reopen(8); });
            map.Return();
            map.Reopen(16);
        }
    }

    [Fact]
    public void Threads_adding_the_same_keys_at_once_all_get_the_one_value_that_won()
    {
        const int Threads = 4;
        const int Keys = 20_000;
        for (int round = 0; round < 5; round++)
        {
            // Few buckets, so that the threads' pushes meet on the same chains.
            var map = new InsertOnlyMap<int, Box>(capacity: 64);
            var got = new Box[Threads][];
            using var start = new Barrier(Threads);
            Thread[] threads = [.. Enumerable.Range(0, Threads).Select(thread => new Thread(() =>
            {
                var mine = new Box[Keys];
                start.SignalAndWait();
                for (int key = 0; key < Keys; key++)
                {
                    mine[key] = map.GetOrAdd(key, new Box(thread));
                }

                got[thread] = mine;
            }))];
            foreach (Thread thread in threads)
            {
                thread.Start();
            }

            foreach (Thread thread in threads)
            {
                thread.Join();
            }

            for (int key = 0; key < Keys; key++)
            {
                Assert.True(map.TryGetValue(key, out Box? winner));
                for (int thread = 0; thread < Threads; thread++)
                {
                    Assert.Same(winner, got[thread][key]);
                }
            }
        }
    }
}
