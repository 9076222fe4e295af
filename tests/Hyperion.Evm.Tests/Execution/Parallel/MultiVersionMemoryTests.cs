using Hyperion.Core;
using Hyperion.Execution.Parallel;
using Hyperion.State.World;
using Xunit;

namespace Hyperion.Evm.Tests.Execution.Parallel;

public class MultiVersionMemoryTests
{
    private static readonly Address Account = new(Enumerable.Repeat((byte)0x42, 20).ToArray());
    private static readonly UInt256 Key = new(7);

    private static PositionRecord Writing(params VersionedWrite[] writes) =>
        new PositionRecord().Set(ArraySegment<VersionedRead>.Empty, writes, [], new[] { Account }, null, null);

    [Fact]
    public void The_changed_accounts_are_every_address_the_records_name_once_in_order_the_zero_address_and_repeats_included()
    {
        // The zero address named by the first record only (where the gathering's table of recent addresses is still
        // empty), addresses every record names (a coinbase, a contract), each record's own, and repeats of an address
        // some records back: the block's changed accounts are all of them, sorted, each once.
        Address Of(int i) => new(Enumerable.Range(0, 20).Select(b => (byte)(b == 0 ? i >> 8 : b == 19 ? i : 0x17 * b)).ToArray());
        var coinbase = new Address(Enumerable.Repeat((byte)0xc0, 20).ToArray());
        var contract = new Address(Enumerable.Repeat((byte)0x42, 20).ToArray());
        var changed = new ChangedAccounts(0);
        var expected = new SortedSet<Address> { coinbase, contract, Address.Zero };
        for (int position = 0; position < 300; position++)
        {
            Address own = Of(position % 150);
            expected.Add(own);
            Address[] named = position == 0 ? [Address.Zero] : position % 3 == 0 ? [own, coinbase, contract] : [coinbase, own, contract, own];
            changed.Gather(new PositionRecord().Set(ArraySegment<VersionedRead>.Empty, ArraySegment<VersionedWrite>.Empty, [], named, null, null));
        }

        changed.SortDistinct();
        Assert.Equal(expected.ToArray(), Enumerable.Range(0, changed.Count).Select(i => changed[i]).ToArray());
    }

    [Fact]
    public void A_read_and_a_write_keep_each_field_of_an_account_or_a_slot_in_96_bytes()
    {
        // The word shares the account's balance and a slot's key its code hash: each kind gives back what it was given,
        // and a location other than a slot has no key (the write's code hash must not leak into it).
        var codeHash = new Hash256(Enumerable.Range(1, 32).Select(b => (byte)b).ToArray());
        var account = new AccountValue(true, 3, new UInt256(11), codeHash);
        var key = new UInt256(ulong.MaxValue, 1, 2, 3);
        var value = new UInt256(4, 5, 6, 7);

        VersionedRead accountRead = VersionedRead.OfAccount(Account, account, true);
        Assert.Equal((ReadKind.Account, Account, account, true), (accountRead.Kind, accountRead.Address, accountRead.Account, accountRead.Flag));
        VersionedRead slotRead = VersionedRead.OfSlot(Account, key, value, false);
        Assert.Equal((ReadKind.Slot, Account, key, value, false), (slotRead.Kind, slotRead.Address, slotRead.Key, slotRead.Word, slotRead.Flag));
        VersionedRead hasStorage = VersionedRead.OfHasStorage(Account, true);
        Assert.Equal((ReadKind.HasStorage, Account, true), (hasStorage.Kind, hasStorage.Address, hasStorage.Flag));

        VersionedWrite accountWrite = VersionedWrite.OfAccount(Account, account);
        Assert.Equal((new Location(LocationKind.Account, Account, default), false, account), (accountWrite.Location, accountWrite.IsCredit, accountWrite.Account));
        VersionedWrite slotWrite = VersionedWrite.OfSlot(Account, key, value);
        Assert.Equal((new Location(LocationKind.Slot, Account, key), false, value), (slotWrite.Location, slotWrite.IsCredit, slotWrite.Word));
        VersionedWrite credit = VersionedWrite.Credit(Account, value);
        Assert.Equal((new Location(LocationKind.Account, Account, default), true, value), (credit.Location, credit.IsCredit, credit.Word));
        Assert.Equal(new Location(LocationKind.StorageWipe, Account, default), VersionedWrite.Wipe(Account).Location);

        Assert.Equal(96, System.Runtime.CompilerServices.Unsafe.SizeOf<VersionedRead>());
        Assert.Equal(96, System.Runtime.CompilerServices.Unsafe.SizeOf<VersionedWrite>());
    }

    [Fact]
    public void A_wipe_hides_the_parent_slot_and_earlier_writes_from_later_positions_and_fails_their_validation()
    {
        var parent = new InMemoryStateReader();
        parent.SetAccount(Account, 1, UInt256.Zero, [0x00]);
        parent.SetStorage(Account, Key, new UInt256(5));
        var memory = new MultiVersionMemory(parent, 5);

        // Before any wipe: the parent's value, then position 1's write.
        Assert.Equal(new UInt256(5), memory.ReadSlot(Account, Key, 1));
        memory.Record(1, 0, Writing(VersionedWrite.OfSlot(Account, Key, new UInt256(9))));
        UInt256 seen = memory.ReadSlot(Account, Key, 3);
        Assert.Equal(new UInt256(9), seen);
        VersionedRead[] reads = [VersionedRead.OfSlot(Account, Key, seen, false)];
        Assert.True(memory.Validate(3, reads));

        // Position 2 wipes the storage: position 3 sees zero, and what it read before no longer validates.
        memory.Record(2, 0, Writing(VersionedWrite.Wipe(Account)));
        Assert.Equal(UInt256.Zero, memory.ReadSlot(Account, Key, 3));
        Assert.Equal(new UInt256(9), memory.ReadSlot(Account, Key, 2));
        Assert.False(memory.Validate(3, reads));

        // A slot of another account is not wiped.
        var other = new Address(Enumerable.Repeat((byte)0x43, 20).ToArray());
        parent.SetAccount(other, 1, UInt256.Zero, [0x00]);
        parent.SetStorage(other, Key, new UInt256(6));
        Assert.Equal(new UInt256(6), memory.ReadSlot(other, Key, 3));
    }

    [Fact]
    public void A_returned_memorys_versions_serve_the_next_blocks_memory_empty()
    {
        var parent = new InMemoryStateReader();
        parent.SetAccount(Account, 1, UInt256.Zero, [0x00]);
        parent.SetStorage(Account, Key, new UInt256(5));
        var otherKey = new UInt256(8);
        for (int block = 0; block < 3; block++)
        {
            // Two memories open at once (as a node validating while it builds), one returned twice: none may see
            // another's writes, though each takes its versions, nodes and chains from what a returned one kept.
            var memory = new MultiVersionMemory(parent, 5);
            var beside = new MultiVersionMemory(parent, 5);
            foreach (MultiVersionMemory fresh in new[] { memory, beside })
            {
                Assert.Equal(new UInt256(5), fresh.ReadSlot(Account, Key, 3, out int slotWriter));
                Assert.Equal(-1, slotWriter);
                Assert.Equal(UInt256.Zero, fresh.ReadSlot(Account, otherKey, 3));
                Assert.Equal(1UL, fresh.ReadAccount(Account, 3, out int accountWriter).Nonce);
                Assert.Equal(-1, accountWriter);
            }

            memory.Record(1, 0, Writing(VersionedWrite.OfSlot(Account, Key, new UInt256((ulong)(9 + block))), VersionedWrite.OfSlot(Account, otherKey, new UInt256(1)),
                VersionedWrite.OfAccount(Account, new AccountValue(true, 7, UInt256.Zero, Hyperion.Core.Crypto.Keccak256.OfEmpty))));
            memory.Record(2, 0, Writing(VersionedWrite.OfSlot(Account, Key, new UInt256((ulong)(20 + block)))));
            Assert.Equal(new UInt256((ulong)(9 + block)), memory.ReadSlot(Account, Key, 2));
            Assert.Equal(new UInt256((ulong)(20 + block)), memory.ReadSlot(Account, Key, 3));
            Assert.Equal(new UInt256(5), beside.ReadSlot(Account, Key, 3));
            AccountChange change = Assert.Single(memory.Changes(4).Accounts);
            Assert.Equal(7UL, change.Nonce);
            Assert.Equal(2, change.Storage.Count);
            Assert.Empty(beside.Changes(4).Accounts);

            memory.Return();
            memory.Return();
            beside.Return();
        }
    }

    [Fact]
    public void A_returned_memorys_record_shells_serve_the_next_block_once_each_and_as_new()
    {
        var parent = new InMemoryStateReader();
        var previousBlocks = new HashSet<PositionRecord>(ReferenceEqualityComparer.Instance);
        bool reused = false;
        // Several blocks: other test classes' memories, run beside this one, may take a returned set in between.
        for (int block = 0; block < 6; block++)
        {
            // Two memories open at once, records taken on two threads each: no shell may be handed out twice.
            var memory = new MultiVersionMemory(parent, 300);
            var beside = new MultiVersionMemory(parent, 300);
            var taken = new System.Collections.Concurrent.ConcurrentBag<PositionRecord>();
            System.Threading.Tasks.Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 2 }, part =>
            {
                MultiVersionMemory of = part % 2 == 0 ? memory : beside;
                for (int i = 0; i < 100; i++)
                {
                    PositionRecord record = of.NewRecord(ArraySegment<VersionedRead>.Empty, ArraySegment<VersionedWrite>.Empty, [], ArraySegment<Address>.Empty);
                    // A shell comes back as the previous block left it: the taker's record must be as new.
                    Assert.Null(record.Result);
                    Assert.Null(record.Failure);
                    Assert.Null(record.LogsBloom);
                    Assert.Null(record.Addresses);
                    record.LogsBloom = new LogsBloom(new Bloom());
                    taken.Add(record);
                }
            });

            var distinct = new HashSet<PositionRecord>(taken, ReferenceEqualityComparer.Instance);
            Assert.Equal(400, distinct.Count);
            reused |= distinct.Overlaps(previousBlocks);
            previousBlocks = distinct;
            memory.Return();
            memory.Return();
            beside.Return();
        }

        Assert.True(reused); // the shells are kept from block to block
    }

    [Fact]
    public void An_arena_reset_lets_its_kept_records_go_of_what_they_held()
    {
        var arena = new ObjectArena<PositionRecord>(64);
        for (int i = 0; i < 40; i++)
        {
            arena.Take(); // the first block's: beyond the empty pool, new ones
        }

        arena.Reset(static record => record.Release());
        List<PositionRecord> taken = [.. Enumerable.Range(0, 40).Select(_ => arena.Take())];
        Assert.Equal(40, taken.Distinct(ReferenceEqualityComparer.Instance).Count());
        foreach (PositionRecord record in taken)
        {
            record.Set(ArraySegment<VersionedRead>.Empty, new VersionedWrite[1], [], new[] { Account }, null, null).LogsBloom = new LogsBloom(new Bloom());
        }

        // A kept shell is old: what it still held would live on with it into the next block and be promoted.
        arena.Reset(static record => record.Release());
        Assert.All(taken, record =>
        {
            Assert.Null(record.LogsBloom);
            Assert.Null(record.Writes.Array);
            Assert.Null(record.Changed.Array);
        });
    }

    [Fact]
    public void A_read_of_the_parent_validates_until_a_position_below_writes_the_location()
    {
        var parent = new InMemoryStateReader();
        parent.SetAccount(Account, 1, UInt256.Zero, [0x00]);
        parent.SetStorage(Account, Key, new UInt256(5));
        var credited = new Address(Enumerable.Repeat((byte)0x43, 20).ToArray());
        var memory = new MultiVersionMemory(parent, 6);

        UInt256 slot = memory.ReadSlot(Account, Key, 3, out int slotWriter);
        AccountValue account = memory.ReadAccount(Account, 3, out int accountWriter);
        Assert.Equal(new UInt256(5), slot);
        Assert.Equal(-1, slotWriter);
        Assert.Equal(-1, accountWriter);
        VersionedRead[] slotRead = [VersionedRead.OfSlot(Account, Key, slot, true)];
        VersionedRead[] accountRead = [VersionedRead.OfAccount(Account, account, true)];
        Assert.True(memory.Validate(3, slotRead));
        Assert.True(memory.Validate(3, accountRead));

        // Writes above the position do not concern it.
        memory.Record(4, 0, Writing(VersionedWrite.OfSlot(Account, Key, new UInt256(8)), VersionedWrite.OfAccount(Account, account with { Nonce = 9 })));
        Assert.True(memory.Validate(3, slotRead));
        Assert.True(memory.Validate(3, accountRead));

        // A write below does, the slot's first, then the account's.
        memory.Record(2, 0, Writing(VersionedWrite.OfSlot(Account, Key, new UInt256(6))));
        Assert.False(memory.Validate(3, slotRead));
        Assert.True(memory.Validate(3, accountRead));
        memory.Record(1, 0, Writing(VersionedWrite.OfAccount(Account, account with { Nonce = 2 }), VersionedWrite.Credit(credited, UInt256.One)));
        Assert.False(memory.Validate(3, accountRead));

        // A value written or credited below is not the parent's: its writer is the position that wrote it.
        memory.ReadSlot(Account, Key, 3, out slotWriter);
        memory.ReadAccount(credited, 3, out int creditedWriter);
        memory.ReadAccount(Account, 5, out accountWriter);
        Assert.Equal(2, slotWriter);
        Assert.Equal(1, creditedWriter);
        Assert.Equal(4, accountWriter);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Credits_kept_per_position_resolve_as_credits_in_versions_do(bool column)
    {
        // The same positions with the coinbase's credits in its versions and in a slot per position: every read,
        // validation, re-execution and ESTIMATE must come out the same.
        var coinbase = new Address(Enumerable.Repeat((byte)0xc0, 20).ToArray());
        var parent = new InMemoryStateReader();
        parent.SetAccount(coinbase, 0, new UInt256(100), []);
        var memory = new MultiVersionMemory(parent, 7, 0, column ? [coinbase] : null);
        AccountValue At(int balance) => new(true, 0, new UInt256((ulong)balance), Hyperion.Core.Crypto.Keccak256.OfEmpty);
        PositionRecord Credit(int amount) => Writing(VersionedWrite.Credit(coinbase, new UInt256((ulong)amount)));
        PositionRecord Write(int balance) => Writing(VersionedWrite.OfAccount(coinbase, At(balance)));
        PositionRecord Other() => Writing(VersionedWrite.OfSlot(Account, Key, UInt256.One));

        memory.Record(1, 0, Credit(5));
        memory.Record(2, 0, Credit(7));
        memory.Record(3, 0, Write(200));
        memory.Record(4, 0, Credit(1));
        Assert.Equal(At(100), memory.ReadAccount(coinbase, 1, out int writer));
        Assert.Equal(-1, writer);
        Assert.Equal(At(105), memory.ReadAccount(coinbase, 2, out writer));
        Assert.Equal(1, writer);
        Assert.Equal(At(112), memory.ReadAccount(coinbase, 3, out writer));
        Assert.Equal(2, writer);
        Assert.Equal(At(201), memory.ReadAccount(coinbase, 6, out writer));
        Assert.Equal(4, writer);
        AccountValue seen = memory.ReadAccount(coinbase, 3);
        Assert.Equal(At(112), seen);
        Assert.Equal(At(201), memory.ReadAccount(coinbase, 5));
        VersionedRead[] reads = [VersionedRead.OfAccount(coinbase, seen, false)];
        Assert.True(memory.Validate(3, reads));

        // A re-executed incarnation replaces its credit; one that no longer credits takes it away.
        Assert.False(memory.Record(2, 1, Credit(8)));
        Assert.Equal(At(113), memory.ReadAccount(coinbase, 3));
        Assert.False(memory.Validate(3, reads));
        Assert.True(memory.Record(2, 2, Other()));
        Assert.Equal(At(105), memory.ReadAccount(coinbase, 3));

        // An aborted incarnation's credit is a dependency of the reads above it, up to the next write.
        memory.MarkEstimates(1);
        Assert.Equal(1, Assert.Throws<ReadDependencyException>(() => memory.ReadAccount(coinbase, 3)).Position);
        Assert.Equal(At(201), memory.ReadAccount(coinbase, 5));
        Assert.False(memory.Validate(3, [VersionedRead.OfAccount(coinbase, At(105), false)]));
        memory.Record(1, 1, Credit(5));
        Assert.True(memory.Validate(3, [VersionedRead.OfAccount(coinbase, At(105), false)]));

        // A write turned into a credit, and a credit turned into a write, then into nothing.
        memory.Record(3, 1, Credit(2));
        Assert.Equal(At(108), memory.ReadAccount(coinbase, 5));
        memory.Record(4, 1, Write(50));
        Assert.Equal(At(50), memory.ReadAccount(coinbase, 5));
        memory.Record(4, 2, Other());
        Assert.Equal(At(107), memory.ReadAccount(coinbase, 5));
        Assert.False(memory.Validate(5, [VersionedRead.OfAccount(coinbase, At(50), false)]));

        memory.Record(5, 0, Credit(3));
        Assert.Equal(At(110), memory.ReadAccount(coinbase, 6));
        memory.Return();
    }
}
