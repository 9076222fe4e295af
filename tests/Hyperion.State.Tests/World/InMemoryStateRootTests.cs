using Hyperion.Core;
using Hyperion.Core.Crypto;
using Hyperion.State.World;

namespace Hyperion.State.Tests.World;

/// <summary>
/// The in-memory state keeps its tries between roots and updates only what changed: after any sequence of blocks'
/// changes (including deletions, cleared storage and copies that diverge) its root must equal the root of the same
/// state built from scratch.
/// </summary>
public sealed class InMemoryStateRootTests
{
    private static readonly Address[] Addresses = [.. Enumerable.Range(1, 24).Select(i => Addr((byte)i))];

    private static Address Addr(byte last)
    {
        var bytes = new byte[Address.Size];
        bytes[0] = 0x5e;
        bytes[^1] = last;
        return new Address(bytes);
    }

    /// <summary>The same state built from scratch: a fresh reader given the whole state as one change set.</summary>
    private static Hash256 RootFromScratch(InMemoryStateReader state)
    {
        var fresh = new InMemoryStateReader();
        fresh.Apply(state.ToChangeSet());
        return fresh.ComputeStateRoot();
    }

    private static StateChangeSet RandomBlock(Random random, InMemoryStateReader state)
    {
        var changes = new List<AccountChange>();
        foreach (Address address in Addresses.Where(_ => random.Next(3) == 0))
        {
            bool exists = state.TryGetAccount(address, out Account account);
            int kind = random.Next(10);
            if (kind == 0 && exists)
            {
                changes.Add(new AccountChange(address, Deleted: true, 0, UInt256.Zero, Keccak256.OfEmpty, StorageCleared: true, []));
                continue;
            }

            var storage = new List<KeyValuePair<UInt256, UInt256>>();
            foreach (int slot in Enumerable.Range(0, random.Next(6)).Select(_ => random.Next(40)).Distinct().Order())
            {
                // A third of the writes are zero: the slot is deleted from the storage trie.
                storage.Add(new(new UInt256((ulong)slot), random.Next(3) == 0 ? UInt256.Zero : new UInt256((ulong)random.Next(1, 1_000_000))));
            }

            changes.Add(new AccountChange(address, Deleted: false, (exists ? account.Nonce : 0) + 1, new UInt256((ulong)random.Next(1_000_000)),
                Keccak256.OfEmpty, StorageCleared: kind == 1, storage));
        }

        return new StateChangeSet(changes, []);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Incremental_roots_equal_roots_built_from_scratch(int seed)
    {
        var random = new Random(seed);
        var state = new InMemoryStateReader();
        var copies = new List<InMemoryStateReader>();
        for (int block = 0; block < 60; block++)
        {
            state.Apply(RandomBlock(random, state));
            if (random.Next(2) == 0)
            {
                // Read accounts (and so storage roots) between blocks, as RPC readers do.
                foreach (Address address in Addresses.Take(5))
                {
                    state.TryGetAccount(address, out _);
                }
            }

            Assert.Equal(RootFromScratch(state), state.ComputeStateRoot());
            if (block % 10 == 0)
            {
                copies.Add(state.Clone());
            }
        }

        // A copy shares the tries it was taken with; changing it or the original must not change the other.
        foreach (InMemoryStateReader copy in copies)
        {
            Hash256 before = RootFromScratch(copy);
            Assert.Equal(before, copy.ComputeStateRoot());
            copy.Apply(RandomBlock(random, copy));
            Assert.Equal(RootFromScratch(copy), copy.ComputeStateRoot());
        }

        Assert.Equal(RootFromScratch(state), state.ComputeStateRoot());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(31)]
    [InlineData(32)]
    [InlineData(33)]
    [InlineData(75)]
    public void A_block_changing_many_slots_of_one_account_hashes_their_paths_in_batches(int changedSlots)
    {
        // The changed slots' paths are hashed together, 32 a batch: every slot, across the batches' edges, lands at its own path.
        var state = new InMemoryStateReader();
        state.SetAccount(Addresses[0], 0, new UInt256(5), [0x60, 0x00]);
        for (int slot = 0; slot < 100; slot++)
        {
            state.SetStorage(Addresses[0], new UInt256((ulong)slot), new UInt256((ulong)slot + 1));
        }

        Hash256 before = state.ComputeStateRoot();
        var storage = new List<KeyValuePair<UInt256, UInt256>>();
        for (int i = 0; i < changedSlots; i++)
        {
            // Every third a deletion, the rest new values of existing slots and new slots past the first hundred.
            ulong slot = (ulong)(i * 3 % 130);
            storage.Add(new(new UInt256(slot), i % 3 == 0 ? UInt256.Zero : new UInt256(1_000 + (ulong)i)));
        }

        state.Apply(new StateChangeSet([new AccountChange(Addresses[0], Deleted: false, 1, new UInt256(5), Keccak256.Hash([0x60, 0x00]), StorageCleared: false, [.. storage.DistinctBy(e => e.Key).OrderBy(e => e.Key)])], []));
        Hash256 after = state.ComputeStateRoot();
        Assert.NotEqual(before, after);
        Assert.Equal(RootFromScratch(state), after);
    }

    [Fact]
    public void Set_account_and_storage_after_a_root_are_in_the_next_root()
    {
        var state = new InMemoryStateReader();
        state.SetAccount(Addresses[0], 0, new UInt256(5), [0x60, 0x00]);
        state.SetStorage(Addresses[0], UInt256.One, new UInt256(9));
        Hash256 first = state.ComputeStateRoot();
        state.SetStorage(Addresses[0], new UInt256(2), new UInt256(3));
        state.SetAccount(Addresses[1], 4, UInt256.One, []);
        Hash256 second = state.ComputeStateRoot();
        Assert.NotEqual(first, second);
        Assert.Equal(RootFromScratch(state), second);
    }
}
