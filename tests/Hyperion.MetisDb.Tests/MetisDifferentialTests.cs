using System.Text.Json;
using CsCheck;
using Hyperion.Core;
using Hyperion.Core.Crypto;
using Hyperion.State;
using Hyperion.State.World;

namespace Hyperion.MetisDb.Tests;

/// <summary>
/// MetisDB against the in-memory state (<see cref="InMemoryStateReader"/>, whose roots come from Hyperion.Trie's
/// in-memory Patricia trie) on random blocks: the incremental root must equal the reference root after every block.
/// </summary>
public class MetisDifferentialTests
{
    private static readonly Address[] Pool = Enumerable.Range(1, 120).Select(i => AddressOf(i)).ToArray();

    private static Address AddressOf(int i)
    {
        Span<byte> bytes = stackalloc byte[20];
        bytes.Clear();
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(bytes[16..], i * 7919);
        return new Address(bytes);
    }

    private static UInt256 RandomValue(Random random) => random.Next(4) switch
    {
        0 => UInt256.Zero,
        1 => (ulong)random.Next(1, 200),
        2 => new UInt256((ulong)random.NextInt64(), (ulong)random.NextInt64()),
        _ => new UInt256((ulong)random.NextInt64(), (ulong)random.NextInt64(), (ulong)random.NextInt64(), (ulong)random.NextInt64() | 1UL << 63),
    };

    /// <summary>A random net change set: updates, slot writes and deletions, account deletions and re-creations, code.</summary>
    private static StateChangeSet RandomChangeSet(Random random, InMemoryStateReader current)
    {
        var code = new List<KeyValuePair<Hash256, byte[]>>();
        var accounts = new List<AccountChange>();
        foreach (Address address in Pool.OrderBy(_ => random.Next()).Take(random.Next(1, 40)).Order())
        {
            bool exists = current.TryGetAccount(address, out Account account);
            int action = random.Next(10);
            if (action == 0 && exists)
            {
                accounts.Add(new AccountChange(address, true, 0, UInt256.Zero, Keccak256.OfEmpty, true, []));
                continue;
            }

            bool recreate = action == 1 && exists;
            Hash256 codeHash = exists && !recreate ? account.CodeHash : Keccak256.OfEmpty;
            if (random.Next(8) == 0)
            {
                byte[] bytes = new byte[random.Next(1, 64)];
                random.NextBytes(bytes);
                codeHash = Keccak256.Hash(bytes);
                code.Add(new(codeHash, bytes));
            }

            var storage = new List<KeyValuePair<UInt256, UInt256>>();
            foreach (int key in Enumerable.Range(0, 24).OrderBy(_ => random.Next()).Take(random.Next(0, 6)).Order())
            {
                storage.Add(new((UInt256)key, RandomValue(random)));
            }

            ulong nonce = exists && !recreate ? account.Nonce + (ulong)random.Next(2) : (ulong)random.Next(2);
            accounts.Add(new AccountChange(address, false, nonce, RandomValue(random), codeHash, recreate || !exists, storage));
        }

        code.Sort((a, b) => a.Key.CompareTo(b.Key));
        return new StateChangeSet(accounts, code);
    }

    private static void AssertSameReads(IStateReader expected, IStateReader actual)
    {
        foreach (Address address in Pool)
        {
            bool exists = expected.TryGetAccount(address, out Account want);
            Assert.Equal(exists, actual.TryGetAccount(address, out Account got));
            Assert.Equal(want, got);
            if (exists)
            {
                Assert.Equal(expected.GetCode(want.CodeHash), actual.GetCode(got.CodeHash));
            }

            for (int key = 0; key < 24; key += 5)
            {
                Assert.Equal(expected.GetStorage(address, (UInt256)key), actual.GetStorage(address, (UInt256)key));
            }
        }
    }

    [Fact]
    public void Random_change_sets_give_the_in_memory_trie_root_after_every_block() =>
        Gen.Int.Sample(seed =>
        {
            using var directory = new TempDirectory();
            var random = new Random(seed);
            var reference = new InMemoryStateReader();
            using MetisStore store = MetisStore.Open(directory.Path, new MetisStoreOptions { Durable = false, TrieCacheDepth = 1 + (seed & 3) });
            for (ulong block = 0; block < 20; block++)
            {
                StateChangeSet changes = RandomChangeSet(random, reference);
                reference.Apply(changes);
                Assert.Equal(reference.ComputeStateRoot(), store.Commit(block, changes));
            }

            using MetisSnapshot head = store.OpenSnapshot();
            AssertSameReads(reference, head);
            Assert.True(store.Verify().Ok);
        }, iter: 6);

    /// <summary>
    /// A batch that also empties things: some accounts lose every slot (storage down to the empty root), some are
    /// deleted, and some blocks delete every live account of a random half of the pool.
    /// </summary>
    private static StateChangeSet RandomEmptyingChangeSet(Random random, InMemoryStateReader current)
    {
        if (random.Next(4) != 0)
        {
            return RandomChangeSet(random, current);
        }

        var accounts = new List<AccountChange>();
        bool deleteHalf = random.Next(3) == 0;
        foreach (Address address in Pool)
        {
            if (!current.TryGetAccount(address, out Account account) || random.Next(2) == 0)
            {
                continue;
            }

            if (deleteHalf || random.Next(3) == 0)
            {
                accounts.Add(new AccountChange(address, true, 0, UInt256.Zero, Keccak256.OfEmpty, true, []));
                continue;
            }

            var storage = Enumerable.Range(0, 24).Select(key => new KeyValuePair<UInt256, UInt256>((UInt256)key, UInt256.Zero)).ToList();
            accounts.Add(new AccountChange(address, false, account.Nonce, account.Balance, account.CodeHash, false, storage));
        }

        return new StateChangeSet(accounts, []);
    }

    /// <summary>
    /// The root kept by the leaf-hash cache (updates rehash only the changed leaves) against the reference trie over
    /// random update and delete batches, with the store crashed after a log append (the block replayed on reopen) or
    /// killed after a published block, and reopened, every few blocks; with the leaf-hash cache off, bounded, and on.
    /// </summary>
    [Fact]
    public void Random_update_and_delete_batches_give_the_reference_root_across_crashes_and_replays() =>
        Gen.Int.Sample(seed =>
        {
            using var directory = new TempDirectory();
            var random = new Random(seed);
            var reference = new InMemoryStateReader();
            var options = new MetisStoreOptions
            {
                TrieCacheDepth = 1 + (seed & 3),
                KeptLeafHashes = (seed >> 2 & 3) switch { 0 => 0, 1 => 40, _ => 1L << 22 },
            };
            MetisStore store = MetisStore.Open(directory.Path, options);
            try
            {
                for (ulong block = 0; block < 40; block++)
                {
                    StateChangeSet changes = block == 0 ? RandomChangeSet(random, reference) : RandomEmptyingChangeSet(random, reference);
                    reference.Apply(changes);
                    int interruption = block > 0 && block % 7 == 0 ? random.Next(3) : 0;
                    if (interruption == 1)
                    {
                        store.CrashAfterLogAppend = true;
                        Assert.Throws<IOException>(() => store.Commit(block, changes));
                    }
                    else
                    {
                        Assert.Equal(reference.ComputeStateRoot(), store.Commit(block, changes));
                        if (interruption == 2)
                        {
                            store.Abandon();
                        }
                    }

                    if (interruption != 0)
                    {
                        store = MetisStore.Open(directory.Path, options);
                        Assert.Equal(block, store.Head);
                        Assert.Equal(reference.ComputeStateRoot(), store.GetStateRoot(block));
                    }
                }

                using MetisSnapshot head = store.OpenSnapshot();
                AssertSameReads(reference, head);
                Assert.True(store.Verify().Ok);
            }
            finally
            {
                store.Dispose();
            }
        }, iter: 12);

    [Fact]
    public void Speculative_roots_of_stacked_change_sets_equal_the_in_memory_root_and_write_nothing() =>
        Gen.Int.Sample(seed =>
        {
            using var directory = new TempDirectory();
            var random = new Random(seed);
            var history = new List<InMemoryStateReader>();
            var reference = new InMemoryStateReader();
            using MetisStore store = MetisStore.Open(directory.Path, new MetisStoreOptions { Durable = false, TrieCacheDepth = 1 + (seed & 3) });
            for (ulong block = 0; block < 8; block++)
            {
                StateChangeSet changes = RandomChangeSet(random, reference);
                reference.Apply(changes);
                store.Commit(block, changes);
                history.Add(reference.Clone());
            }

            Hash256 headRoot = store.GetStateRoot(7);
            foreach (ulong baseBlock in new ulong[] { 7, 3 }) // the head (cached trie nodes) and an older block (hashed from the flat table)
            {
                InMemoryStateReader speculative = history[(int)baseBlock].Clone();
                var spans = new List<StateChangeSet>();
                for (int i = 0; i < 3; i++)
                {
                    StateChangeSet span = RandomChangeSet(random, speculative);
                    speculative.Apply(span);
                    spans.Add(span);
                    Assert.Equal(speculative.ComputeStateRoot(), store.SpeculativeRoot(baseBlock, MetisBlockChanges.From(spans)));
                }
            }

            Assert.Equal(7UL, store.Head);
            Assert.Equal(headRoot, store.Commit(8, new MetisBlockChanges())); // the cached trie is untouched
            Assert.True(store.Verify().Ok);
        }, iter: 6);

    [Fact]
    public void WorldState_over_a_MetisDB_snapshot_matches_WorldState_over_the_in_memory_state()
    {
        // The same transactions run on two world states, one reading a MetisDB snapshot and one the in-memory state;
        // every write depends on a read, so a wrong read shows up as a different root.
        using var directory = new TempDirectory();
        var random = new Random(77);
        var reference = new InMemoryStateReader();
        using MetisStore store = MetisStore.Open(directory.Path, new MetisStoreOptions { Durable = false });
        store.Commit(0, new MetisBlockChanges());
        for (ulong block = 1; block <= 25; block++)
        {
            using MetisSnapshot snapshot = store.OpenSnapshot();
            var onMetis = new WorldState(snapshot);
            var onReference = new WorldState(reference);
            int seed = random.Next();
            RunTransactions(new Random(seed), onMetis);
            RunTransactions(new Random(seed), onReference);
            StateChangeSet expected = onReference.CollectChanges();
            reference.Apply(expected);
            Assert.Equal(reference.ComputeStateRoot(), store.Commit(block, onMetis.CollectChanges()));
        }

        using MetisSnapshot head = store.OpenSnapshot();
        AssertSameReads(reference, head);
    }

    private static void RunTransactions(Random random, WorldState state)
    {
        for (int transaction = 0; transaction < 12; transaction++)
        {
            int snapshot = state.TakeSnapshot();
            for (int step = 0; step < 8; step++)
            {
                Address address = Pool[random.Next(Pool.Length)];
                UInt256 key = (UInt256)random.Next(24);
                switch (random.Next(9))
                {
                    case 0:
                        state.CreateAccount(address);
                        break;
                    case 1:
                        state.SetNonce(address, state.GetNonce(address) + 1);
                        break;
                    case 2:
                        UInt256 balance = state.GetBalance(address);
                        if (!balance.IsZero)
                        {
                            state.SubtractBalance(address, balance.IsUInt64 ? (ulong)balance / 2 : (UInt256)1);
                        }

                        break;
                    case 3:
                        state.AddBalance(address, 1);
                        state.SetStorage(address, key, state.GetStorage(address, key) + 1);
                        break;
                    case 4:
                        if (state.Exists(address))
                        {
                            state.SetStorage(address, key, UInt256.Zero);
                        }

                        break;
                    case 5:
                        state.AddBalance(address, (ulong)state.GetCode(address).Length + 3);
                        state.SetCode(address, [(byte)random.Next(256), (byte)state.GetNonce(address)]);
                        break;
                    case 6:
                        if (state.Exists(address))
                        {
                            state.MarkSelfDestructed(address);
                        }

                        break;
                    case 7:
                        state.Touch(address);
                        break;
                    default:
                        state.AddBalance(address, (ulong)random.Next(1, 1000));
                        break;
                }
            }

            if (random.Next(5) == 0)
            {
                state.RevertToSnapshot(snapshot);
            }

            state.FinishTransaction(deleteTouchedEmpty: true);
        }
    }

    [Fact]
    public void Blockchain_test_genesis_allocations_give_the_published_state_roots()
    {
        string directoryPath = Path.Combine(Fixtures.Root, "ethereum-tests", "BlockchainTests", "ValidBlocks", "bcWalletTest");
        int checkedCases = 0;
        foreach (string file in Directory.EnumerateFiles(directoryPath, "*.json").Order().Take(4))
        {
            using JsonDocument document = JsonDocument.Parse(File.ReadAllText(file));
            foreach (JsonProperty testCase in document.RootElement.EnumerateObject())
            {
                var changes = new MetisBlockChanges();
                foreach (JsonProperty entry in testCase.Value.GetProperty("pre").EnumerateObject())
                {
                    Address address = Address.Parse(entry.Name);
                    byte[] code = Hex.Decode(entry.Value.GetProperty("code").GetString()!);
                    changes.SetAccount(address, (ulong)UInt256.Parse(entry.Value.GetProperty("nonce").GetString()!),
                        UInt256.Parse(entry.Value.GetProperty("balance").GetString()!), Keccak256.Hash(code));
                    changes.AddCode(code);
                    foreach (JsonProperty slot in entry.Value.GetProperty("storage").EnumerateObject())
                    {
                        changes.SetStorage(address, UInt256.Parse(slot.Name), UInt256.Parse(slot.Value.GetString()!));
                    }
                }

                using var directory = new TempDirectory();
                using MetisStore store = MetisStore.Open(directory.Path, new MetisStoreOptions { Durable = false });
                Hash256 expected = Hash256.Parse(testCase.Value.GetProperty("genesisBlockHeader").GetProperty("stateRoot").GetString()!);
                Assert.Equal(expected, store.Commit(0, changes));
                checkedCases++;
            }
        }

        Assert.True(checkedCases >= 4, $"only {checkedCases} cases");
    }
}
