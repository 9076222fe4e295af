using System.Text;
using CsCheck;
using Hyperion.Core;
using Hyperion.Core.Crypto;
using Hyperion.State.World;

namespace Hyperion.State.Tests.World;

public sealed class WorldStateTests
{
    private static readonly Address[] Addresses = [.. Enumerable.Range(1, 5).Select(i => Addr((byte)i))];
    private static readonly UInt256[] Keys = [UInt256.Zero, UInt256.One, new UInt256(7), UInt256.MaxValue];

    private static readonly Gen<(int Op, int Address, int Key, ulong Value)> GenOp =
        Gen.Select(Gen.Int[0, 13], Gen.Int[0, Addresses.Length - 1], Gen.Int[0, Keys.Length - 1], Gen.ULong[0, 4]);

    private static Address Addr(byte last)
    {
        var bytes = new byte[Address.Size];
        bytes[^1] = last;
        bytes[0] = 0xaa;
        return new Address(bytes);
    }

    /// <summary>Accounts 1–3 exist (3 with code and storage); 4 and 5 do not.</summary>
    private static InMemoryStateReader Pre()
    {
        var reader = new InMemoryStateReader();
        reader.SetAccount(Addresses[0], 1, new UInt256(100), []);
        reader.SetAccount(Addresses[1], 0, UInt256.Zero, []);
        reader.SetAccount(Addresses[2], 3, new UInt256(5), [0x60, 0x00]);
        reader.SetStorage(Addresses[2], UInt256.One, new UInt256(9));
        reader.SetStorage(Addresses[2], UInt256.MaxValue, new UInt256(3));
        return reader;
    }

    /// <summary>Applies <paramref name="ops"/> and finishes the transaction.</summary>
    private static void Transaction(WorldState state, IEnumerable<(int Op, int Address, int Key, ulong Value)> ops, bool deleteTouchedEmpty)
    {
        foreach (var op in ops)
        {
            Apply(state, op);
        }

        state.FinishTransaction(deleteTouchedEmpty);
    }

    private static void Apply(WorldState state, (int Op, int Address, int Key, ulong Value) op)
    {
        Address a = Addresses[op.Address];
        UInt256 k = Keys[op.Key];
        var v = new UInt256(op.Value);
        switch (op.Op)
        {
            case 0: state.AddBalance(a, v); break;
            case 1:
                UInt256 balance = state.GetBalance(a);
                state.SubtractBalance(a, v < balance ? v : balance);
                break;
            case 2: state.SetNonce(a, op.Value); break;
            case 3: state.SetCode(a, op.Value == 0 ? [] : [(byte)op.Value, 0x00]); break;
            case 4: state.SetStorage(a, k, v); break;
            case 5: state.SetTransientStorage(a, k, v); break;
            case 6: state.CreateAccount(a); break;
            case 7: state.Touch(a); break;
            case 8: state.WarmAccount(a); break;
            case 9: state.WarmStorage(a, k); break;
            case 10: state.AddLog(new Log(a, [], [(byte)op.Value])); break;
            case 11: state.AddRefund((long)op.Value); break;
            case 12: state.SubtractRefund((long)op.Value); break;
            default: state.MarkSelfDestructed(a); break;
        }
    }

    /// <summary>Everything observable, including warmth (probed and reverted, so probing changes nothing).</summary>
    private static string Fingerprint(WorldState state)
    {
        var text = new StringBuilder();
        foreach (Address a in Addresses)
        {
            text.Append($"{a}:{state.Exists(a)},{state.IsDead(a)},{state.GetBalance(a)},{state.GetNonce(a)},{state.GetCodeHash(a)},")
                .Append($"{Convert.ToHexString(state.GetCode(a))},{state.IsSelfDestructed(a)},{state.IsCreatedInTransaction(a)};");
            foreach (UInt256 k in Keys)
            {
                text.Append($"{state.GetStorage(a, k)}/{state.GetOriginalStorage(a, k)}/{state.GetTransientStorage(a, k)},");
            }

            int probe = state.TakeSnapshot();
            text.Append(state.WarmAccount(a) ? 'c' : 'w');
            foreach (UInt256 k in Keys)
            {
                text.Append(state.WarmStorage(a, k) ? 'c' : 'w');
            }

            state.RevertToSnapshot(probe);
            text.Append('\n');
        }

        text.Append($"refund {state.Refund} logs {string.Join(',', state.Logs.Select(l => $"{l.Address}{Convert.ToHexString(l.Data.Span)}"))}");
        return text.ToString();
    }

    [Fact]
    public void Revert_restores_the_state_at_the_snapshot() =>
        Gen.Select(GenOp.Array[0, 30], GenOp.Array[0, 30], GenOp.Array[0, 30]).Sample((before, middle, after) =>
        {
            var state = new WorldState(Pre());
            foreach (var op in before)
            {
                Apply(state, op);
            }

            int outer = state.TakeSnapshot();
            string atOuter = Fingerprint(state);
            foreach (var op in middle)
            {
                Apply(state, op);
            }

            int inner = state.TakeSnapshot();
            string atInner = Fingerprint(state);
            foreach (var op in after)
            {
                Apply(state, op);
            }

            state.RevertToSnapshot(inner);
            Assert.Equal(atInner, Fingerprint(state));
            state.RevertToSnapshot(outer);
            Assert.Equal(atOuter, Fingerprint(state));
        }, iter: 300);

    [Fact]
    public void Collected_changes_applied_to_the_reader_reproduce_the_world_state() =>
        Gen.Select(GenOp.Array[0, 40], GenOp.Array[0, 40]).Sample((first, second) =>
        {
            InMemoryStateReader reader = Pre();
            var state = new WorldState(reader);
            Transaction(state, first, deleteTouchedEmpty: true);
            Transaction(state, second, deleteTouchedEmpty: true);
            StateChangeSet changes = state.CollectChanges();
            reader.Apply(changes);

            var reread = new WorldState(reader);
            foreach (Address a in Addresses)
            {
                Assert.Equal(state.Exists(a), reread.Exists(a));
                Assert.Equal(state.GetBalance(a), reread.GetBalance(a));
                Assert.Equal(state.GetNonce(a), reread.GetNonce(a));
                Assert.Equal(state.GetCodeHash(a), reread.GetCodeHash(a));
                Assert.Equal(state.GetCode(a), reread.GetCode(a));
                foreach (UInt256 k in Keys)
                {
                    Assert.Equal(state.GetStorage(a, k), reread.GetStorage(a, k));
                }
            }

            Assert.Equal(Rebuilt(reread).ComputeStateRoot(), reader.ComputeStateRoot());
        }, iter: 300);

    [Fact]
    public void Changes_handed_to_a_sink_are_the_collected_changes_in_some_order() =>
        Gen.Select(GenOp.Array[0, 40], GenOp.Array[0, 40]).Sample((first, second) =>
        {
            var state = new WorldState(Pre());
            Transaction(state, first, deleteTouchedEmpty: true);
            Transaction(state, second, deleteTouchedEmpty: false);
            var sink = new SortingSink();
            state.CollectChanges(sink);
            Assert.Equal(Describe(state.CollectChanges()), Describe(sink.Sorted()));
        }, iter: 300);

    [Fact]
    public void Changes_handed_out_by_address_come_in_ascending_address_order() =>
        Gen.Select(GenOp.Array[0, 40], GenOp.Array[0, 40], GenOp.Array[0, 20]).Sample((first, second, third) =>
        {
            // Twice on one world state, the second time with more accounts changed: the kept order buffer grown and reused.
            var state = new WorldState(Pre());
            Transaction(state, first, deleteTouchedEmpty: true);
            Transaction(state, second, deleteTouchedEmpty: false);
            for (int round = 0; round < 2; round++)
            {
                var sink = new SortingSink();
                state.CollectChangesByAddress(sink);
                Assert.True(sink.InAddressOrder);
                Assert.Equal(Describe(state.CollectChanges()), Describe(sink.Sorted()));
                Transaction(state, third, deleteTouchedEmpty: true);
            }
        }, iter: 300);

    /// <summary>Gathers what a world state hands over into the change set's order: accounts by address, slots by key, code by hash (once per hash).</summary>
    private sealed class SortingSink : IStateChangeSink
    {
        /// <summary>Whether the accounts came in strictly ascending address order.</summary>
        public bool InAddressOrder => _accounts.Zip(_accounts.Skip(1)).All(p => p.First.Address.CompareTo(p.Second.Address) < 0);

        private readonly List<(Address Address, bool Deleted, ulong Nonce, UInt256 Balance, Hash256 CodeHash, bool Cleared, List<KeyValuePair<UInt256, UInt256>> Storage)> _accounts = [];
        private readonly List<KeyValuePair<Hash256, byte[]>> _code = [];

        public void Account(in Address address, bool deleted, ulong nonce, in UInt256 balance, in Hash256 codeHash, bool storageCleared) =>
            _accounts.Add((address, deleted, nonce, balance, codeHash, storageCleared, []));

        public void Slot(in Address address, in UInt256 key, in UInt256 value)
        {
            Assert.Equal(_accounts[^1].Address, address);
            _accounts[^1].Storage.Add(new KeyValuePair<UInt256, UInt256>(key, value));
        }

        public void Code(in Hash256 codeHash, byte[] code) => _code.Add(new KeyValuePair<Hash256, byte[]>(codeHash, code));

        public StateChangeSet Sorted() => new(
            [.. _accounts.OrderBy(a => a.Address).Select(a => new AccountChange(a.Address, a.Deleted, a.Nonce, a.Balance, a.CodeHash, a.Cleared, [.. a.Storage.OrderBy(s => s.Key)]))],
            [.. _code.DistinctBy(c => c.Key).OrderBy(c => c.Key)]);
    }

    [Fact]
    public void A_reset_world_state_behaves_as_a_fresh_one_over_the_new_reader() =>
        Gen.Select(GenOp.Array[0, 40], Gen.Bool, GenOp.Array[0, 30], GenOp.Array[0, 30]).Sample((used, finished, first, second) =>
        {
            // The reused state ran anything over another reader, its last transaction finished or left open.
            var reused = new WorldState(new InMemoryStateReader(), journalCapacity: 4);
            reused.AccessRecorder = new AccessRecorder();
            foreach (var op in used)
            {
                Apply(reused, op);
            }

            if (finished)
            {
                reused.FinishTransaction(deleteTouchedEmpty: true);
            }

            InMemoryStateReader reader = Pre();
            reused.Reset(reader);
            var fresh = new WorldState(reader);
            Assert.Null(reused.AccessRecorder);
            Assert.Equal(Fingerprint(fresh), Fingerprint(reused));
            foreach (WorldState state in new[] { fresh, reused })
            {
                foreach (var op in first)
                {
                    Apply(state, op);
                }
            }

            Assert.Equal(Fingerprint(fresh), Fingerprint(reused));
            fresh.FinishTransaction(deleteTouchedEmpty: true);
            reused.FinishTransaction(deleteTouchedEmpty: true);
            foreach (WorldState state in new[] { fresh, reused })
            {
                foreach (var op in second)
                {
                    Apply(state, op);
                }

                state.FinishTransaction(deleteTouchedEmpty: false);
            }

            Assert.Equal(Fingerprint(fresh), Fingerprint(reused));
            Assert.Equal(Describe(fresh.CollectChanges()), Describe(reused.CollectChanges()));
        }, iter: 300);

    /// <summary>
    /// An account with more slots than a spare object may hold (a token's) is kept for its address across a reset: the
    /// next spans, over other readers, see those readers' slots and none of the spans' before — also when a reset to
    /// an empty reader comes between two spans (a block executor letting go of the last block's parent state).
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void An_account_with_many_slots_kept_across_resets_reads_each_new_readers_storage(bool releasedBetween)
    {
        Address token = Addresses[2];
        var first = new InMemoryStateReader();
        first.SetAccount(token, 1, UInt256.Zero, [0x00]);
        var state = new WorldState(first);
        for (int span = 0; span < 3; span++)
        {
            for (ulong k = 0; k < 200; k++)
            {
                state.GetStorage(token, new UInt256(1_000 + k));
                state.SetStorage(token, new UInt256(k), new UInt256(k + 2));
            }

            state.FinishTransaction(deleteTouchedEmpty: false);
            InMemoryStateReader next = Pre(); // the token's slot 1 is 9 there, every other written slot 0
            if (releasedBetween)
            {
                state.Reset(new InMemoryStateReader());
            }

            state.Reset(next);
            var fresh = new WorldState(next);
            Assert.Equal(Fingerprint(fresh), Fingerprint(state));
            for (ulong k = 0; k < 200; k++)
            {
                Assert.Equal(k == 1 ? new UInt256(9) : UInt256.Zero, state.GetStorage(token, new UInt256(k)));
            }

            Assert.Equal(Describe(fresh.CollectChanges()), Describe(state.CollectChanges()));
        }
    }

    /// <summary>
    /// Transfers to new recipients, one per transaction, as a block of plain transfers makes them: each recipient's
    /// placeholder for the missing account is replaced by a created one and reused for the next transaction's accounts
    /// (as is the object of an account re-created over its storage): every recipient keeps its own balance, a missing
    /// account read later stays missing, a created account sees no storage, and the changes are a fresh state's.
    /// </summary>
    [Fact]
    public void Objects_replaced_by_created_accounts_are_reused_without_changing_any_account()
    {
        InMemoryStateReader reader = Pre();
        Address[] recipients = [.. Enumerable.Range(0, 40).Select(i => Addr((byte)(100 + i)))];
        var state = new WorldState(reader);
        for (int i = 0; i < recipients.Length; i++)
        {
            Assert.False(state.Exists(Addr((byte)(200 + i)))); // a missing account only read: a placeholder kept
            int snapshot = state.TakeSnapshot();
            state.AddBalance(recipients[i], new UInt256((ulong)i + 1));
            if (i % 5 == 4)
            {
                state.RevertToSnapshot(snapshot); // a failed transfer: the recipient stays missing
            }

            if (i == 10)
            {
                state.GetStorage(Addresses[2], UInt256.One); // its slot read, then the account re-created: its object replaced
                state.CreateAccount(Addresses[2]);
            }

            state.FinishTransaction(deleteTouchedEmpty: true);
        }

        for (int i = 0; i < recipients.Length; i++)
        {
            Assert.Equal(i % 5 != 4, state.Exists(recipients[i]));
            Assert.Equal(i % 5 == 4 ? UInt256.Zero : new UInt256((ulong)i + 1), state.GetBalance(recipients[i]));
            Assert.False(state.Exists(Addr((byte)(200 + i))));
            Assert.Equal(UInt256.Zero, state.GetStorage(recipients[i], UInt256.One));
        }

        Assert.Equal(UInt256.Zero, state.GetStorage(Addresses[2], UInt256.One));
        // The same in one transaction: nothing replaced is reused before its end.
        StateChangeSet changes = state.CollectChanges();
        var replayed = new WorldState(Pre());
        for (int i = 0; i < recipients.Length; i++)
        {
            int snapshot = replayed.TakeSnapshot();
            replayed.AddBalance(recipients[i], new UInt256((ulong)i + 1));
            if (i % 5 == 4)
            {
                replayed.RevertToSnapshot(snapshot);
            }

            if (i == 10)
            {
                replayed.CreateAccount(Addresses[2]);
            }
        }

        replayed.FinishTransaction(deleteTouchedEmpty: true);
        Assert.Equal(Describe(replayed.CollectChanges()), Describe(changes));
    }

    private static string Describe(StateChangeSet changes)
    {
        var text = new StringBuilder();
        foreach (AccountChange change in changes.Accounts)
        {
            text.Append($"{change.Address} {change.Deleted} {change.Nonce} {change.Balance} {change.CodeHash} {change.StorageCleared}:")
                .AppendJoin(',', change.Storage.Select(s => $"{s.Key}={s.Value}")).Append('\n');
        }

        return text.AppendJoin(',', changes.Code.Select(c => $"{c.Key}={Convert.ToHexString(c.Value)}")).ToString();
    }

    /// <summary>A fresh reader holding exactly what <paramref name="state"/> shows for the test addresses.</summary>
    private static InMemoryStateReader Rebuilt(WorldState state)
    {
        var rebuilt = new InMemoryStateReader();
        foreach (Address a in Addresses.Reverse())
        {
            if (state.Exists(a))
            {
                rebuilt.SetAccount(a, state.GetNonce(a), state.GetBalance(a), state.GetCode(a));
                foreach (UInt256 k in Keys)
                {
                    rebuilt.SetStorage(a, k, state.GetStorage(a, k));
                }
            }
        }

        return rebuilt;
    }

    [Fact]
    public void Recreating_an_account_wipes_its_storage_and_keeps_its_balance()
    {
        InMemoryStateReader reader = Pre();
        var state = new WorldState(reader);
        Address a = Addresses[2];
        state.CreateAccount(a);
        Assert.Equal(UInt256.Zero, state.GetStorage(a, UInt256.One));
        Assert.Equal(new UInt256(5), state.GetBalance(a));
        Assert.Equal(Keccak256.OfEmpty, state.GetCodeHash(a));
        Assert.True(state.IsCreatedInTransaction(a));
        state.SetStorage(a, new UInt256(7), new UInt256(1));
        state.FinishTransaction(deleteTouchedEmpty: true);

        StateChangeSet changes = state.CollectChanges();
        AccountChange change = Assert.Single(changes.Accounts);
        Assert.True(change.StorageCleared);
        reader.Apply(changes);
        Assert.Equal(UInt256.Zero, reader.GetStorage(a, UInt256.One));
        Assert.Equal(UInt256.Zero, reader.GetStorage(a, UInt256.MaxValue));
        Assert.Equal(UInt256.One, reader.GetStorage(a, new UInt256(7)));
    }

    [Fact]
    public void Self_destructed_account_is_deleted_with_its_storage_when_the_transaction_ends()
    {
        InMemoryStateReader reader = Pre();
        var state = new WorldState(reader);
        Address a = Addresses[2];
        Assert.True(state.MarkSelfDestructed(a));
        Assert.False(state.MarkSelfDestructed(a));
        Assert.True(state.Exists(a));
        state.FinishTransaction(deleteTouchedEmpty: true);
        Assert.False(state.Exists(a));
        Assert.Equal(UInt256.Zero, state.GetStorage(a, UInt256.One));

        // Re-created in a later transaction of the same block: the old storage must stay gone.
        state.AddBalance(a, UInt256.One);
        state.FinishTransaction(deleteTouchedEmpty: true);
        reader.Apply(state.CollectChanges());
        Assert.True(reader.TryGetAccount(a, out Account account));
        Assert.Equal(Keccak256.EmptyTrieRoot, account.StorageRoot);
        Assert.Equal(UInt256.One, account.Balance);
    }

    [Fact]
    public void Touched_empty_accounts_are_deleted_only_under_EIP161()
    {
        var state = new WorldState(Pre());
        state.AddBalance(Addresses[3], UInt256.Zero); // creates an empty account
        state.Touch(Addresses[1]); // exists and is empty
        state.FinishTransaction(deleteTouchedEmpty: false);
        Assert.True(state.Exists(Addresses[3]));
        Assert.True(state.Exists(Addresses[1]));

        state.Touch(Addresses[1]);
        state.Touch(Addresses[3]);
        state.FinishTransaction(deleteTouchedEmpty: true);
        Assert.False(state.Exists(Addresses[3]));
        Assert.False(state.Exists(Addresses[1]));
        Assert.True(state.Exists(Addresses[0]));
    }

    /// <summary>
    /// Every operation plus SLOAD (<see cref="WorldState.LoadStorage"/>, answered from the slot cache when it can),
    /// snapshots, reverts, the end of a transaction and an access recorder: the cached load must give what warming
    /// and reading the slot give on a twin world state that never loads through the cache.
    /// </summary>
    [Fact]
    public void Cached_storage_loads_match_warming_and_reading_the_slot() =>
        Gen.Select(Gen.Int[0, 19], Gen.Int[0, Addresses.Length - 1], Gen.Int[0, Keys.Length - 1], Gen.ULong[0, 4]).Array[0, 80].Sample(ops =>
        {
            var cached = new WorldState(Pre());
            var reference = new WorldState(Pre());
            var snapshots = new Stack<(int Cached, int Reference)>();
            foreach (var op in ops)
            {
                Address a = Addresses[op.Item2];
                UInt256 k = Keys[op.Item3];
                switch (op.Item1)
                {
                    case < 14:
                        Apply(cached, (op.Item1, op.Item2, op.Item3, op.Item4));
                        Apply(reference, (op.Item1, op.Item2, op.Item3, op.Item4));
                        break;
                    case 14 or 15:
                        UInt256 value = cached.LoadStorage(a, k, out bool wasCold);
                        bool referenceCold = reference.WarmStorage(a, k);
                        Assert.Equal(reference.GetStorage(a, k), value);
                        Assert.Equal(referenceCold, wasCold);
                        break;
                    case 16:
                        snapshots.Push((cached.TakeSnapshot(), reference.TakeSnapshot()));
                        break;
                    case 17:
                        if (snapshots.TryPop(out var snapshot))
                        {
                            cached.RevertToSnapshot(snapshot.Cached);
                            reference.RevertToSnapshot(snapshot.Reference);
                        }

                        break;
                    case 18:
                        snapshots.Clear();
                        cached.FinishTransaction(op.Item4 % 2 == 0);
                        reference.FinishTransaction(op.Item4 % 2 == 0);
                        break;
                    default:
                        // A slot the cache holds must still reach a recorder set later.
                        var recorder = new AccessRecorder();
                        cached.AccessRecorder = recorder;
                        UInt256 recorded = cached.LoadStorage(a, k, out bool recordedCold);
                        Assert.Equal(reference.WarmStorage(a, k), recordedCold);
                        Assert.Equal(reference.GetStorage(a, k), recorded);
                        Assert.Contains(k, recorder.SlotsOf(a));
                        cached.AccessRecorder = null;
                        break;
                }
            }

            Assert.Equal(Fingerprint(reference), Fingerprint(cached));
        }, iter: 3_000);

    [Fact]
    public void Loads_of_more_slots_than_the_cache_holds_stay_exact()
    {
        // Thousands of slots: entries evict each other and the table grows while loads and stores go on.
        InMemoryStateReader reader = Pre();
        Address a = Addresses[2];
        for (ulong i = 0; i < 5000; i++)
        {
            reader.SetStorage(a, new UInt256(i * 0x1_0000_0001), new UInt256(i + 1));
        }

        var state = new WorldState(reader);
        for (int pass = 0; pass < 3; pass++)
        {
            for (ulong i = 0; i < 5000; i++)
            {
                var key = new UInt256(i * 0x1_0000_0001);
                ulong expected = pass == 2 && i % 7 == 0 ? i + 2 : i + 1;
                Assert.Equal(new UInt256(expected), state.LoadStorage(a, key, out bool cold));
                Assert.Equal(pass == 0, cold);
                if (pass == 1 && i % 7 == 0)
                {
                    state.SetStorage(a, key, new UInt256(i + 2));
                }
            }
        }
    }

    [Fact]
    public void A_load_after_a_reverted_warming_is_cold_again()
    {
        var state = new WorldState(Pre());
        Address a = Addresses[2];
        Assert.Equal(new UInt256(9), state.LoadStorage(a, UInt256.One, out bool cold));
        Assert.True(cold);
        int snapshot = state.TakeSnapshot();
        state.SetStorage(a, UInt256.One, new UInt256(10));
        Assert.Equal(new UInt256(10), state.LoadStorage(a, UInt256.One, out cold));
        Assert.False(cold);
        Assert.Equal(new UInt256(3), state.LoadStorage(a, UInt256.MaxValue, out cold));
        Assert.True(cold);
        state.RevertToSnapshot(snapshot);
        Assert.Equal(new UInt256(9), state.LoadStorage(a, UInt256.One, out cold));
        Assert.False(cold);
        Assert.Equal(new UInt256(3), state.LoadStorage(a, UInt256.MaxValue, out cold));
        Assert.True(cold);
        state.CreateAccount(a);
        Assert.Equal(UInt256.Zero, state.LoadStorage(a, UInt256.One, out cold));
        Assert.False(cold);
    }

    [Fact]
    public void Original_storage_is_the_value_at_the_start_of_the_transaction()
    {
        var state = new WorldState(Pre());
        Address a = Addresses[2];
        state.SetStorage(a, UInt256.One, new UInt256(10));
        state.SetStorage(a, UInt256.One, new UInt256(11));
        Assert.Equal(new UInt256(9), state.GetOriginalStorage(a, UInt256.One));
        state.FinishTransaction(deleteTouchedEmpty: true);
        Assert.Equal(new UInt256(11), state.GetOriginalStorage(a, UInt256.One));
        state.SetStorage(a, UInt256.One, new UInt256(12));
        Assert.Equal(new UInt256(11), state.GetOriginalStorage(a, UInt256.One));
    }

    [Fact]
    public void Finishing_a_transaction_clears_the_substate()
    {
        var state = new WorldState(Pre());
        Address a = Addresses[0];
        Assert.True(state.WarmAccount(a));
        Assert.False(state.WarmAccount(a));
        Assert.True(state.WarmStorage(a, UInt256.One));
        state.SetTransientStorage(a, UInt256.One, new UInt256(5));
        state.AddLog(new Log(a, [], []));
        state.AddRefund(4800);
        state.FinishTransaction(deleteTouchedEmpty: true);
        Assert.True(state.WarmAccount(a));
        Assert.True(state.WarmStorage(a, UInt256.One));
        Assert.Equal(UInt256.Zero, state.GetTransientStorage(a, UInt256.One));
        Assert.Empty(state.Logs);
        Assert.Equal(0, state.Refund);
    }

    [Fact]
    public void Has_storage_sees_the_readers_storage_until_the_account_is_recreated()
    {
        var state = new WorldState(Pre());
        Assert.True(state.HasStorage(Addresses[2]));
        Assert.False(state.HasStorage(Addresses[0]));
        Assert.False(state.HasStorage(Addresses[4]));
        state.SetStorage(Addresses[0], UInt256.One, UInt256.One);
        Assert.True(state.HasStorage(Addresses[0]));
        state.CreateAccount(Addresses[2]);
        Assert.False(state.HasStorage(Addresses[2]));
    }

    [Fact]
    public void Empty_state_has_the_empty_trie_root() =>
        Assert.Equal(Keccak256.EmptyTrieRoot, new InMemoryStateReader().ComputeStateRoot());

    [Fact]
    public void Collecting_changes_inside_a_transaction_is_refused()
    {
        var state = new WorldState(Pre());
        state.AddBalance(Addresses[0], UInt256.One);
        Assert.Throws<InvalidOperationException>(() => state.CollectChanges());
    }
}
