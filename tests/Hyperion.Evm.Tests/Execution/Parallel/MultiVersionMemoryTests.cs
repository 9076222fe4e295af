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
        new() { Reads = ArraySegment<VersionedRead>.Empty, Writes = writes, Code = [], Changed = new[] { Account } };

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
        VersionedRead[] reads = [new(ReadKind.Slot, Account, Key, default, seen, false)];
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
    public void A_read_of_the_parent_validates_until_a_position_below_writes_the_location()
    {
        var parent = new InMemoryStateReader();
        parent.SetAccount(Account, 1, UInt256.Zero, [0x00]);
        parent.SetStorage(Account, Key, new UInt256(5));
        var credited = new Address(Enumerable.Repeat((byte)0x43, 20).ToArray());
        var memory = new MultiVersionMemory(parent, 6);

        UInt256 slot = memory.ReadSlot(Account, Key, 3, out bool slotFromParent);
        AccountValue account = memory.ReadAccount(Account, 3, out bool accountFromParent);
        Assert.Equal(new UInt256(5), slot);
        Assert.True(slotFromParent);
        Assert.True(accountFromParent);
        VersionedRead[] slotRead = [new(ReadKind.Slot, Account, Key, default, slot, slotFromParent)];
        VersionedRead[] accountRead = [new(ReadKind.Account, Account, default, account, default, accountFromParent)];
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

        // A value written or credited below is not the parent's.
        memory.ReadSlot(Account, Key, 3, out slotFromParent);
        memory.ReadAccount(credited, 3, out bool creditedFromParent);
        Assert.False(slotFromParent);
        Assert.False(creditedFromParent);
    }
}
