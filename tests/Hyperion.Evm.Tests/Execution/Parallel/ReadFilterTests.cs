using Hyperion.Core;
using Hyperion.Execution.Parallel;

namespace Hyperion.Evm.Tests.Execution.Parallel;

/// <summary>A chunk's read filter: every location added reports "may hold", few others do, emptied, none.</summary>
public sealed class ReadFilterTests
{
    private static Address Addr(int n)
    {
        var bytes = new byte[20];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(16), n);
        return new Address(bytes);
    }

    [Fact]
    public void Every_location_added_may_be_held_few_others_are_and_a_reset_empties_it()
    {
        // Consecutive addresses and keys: the inputs a weak hash would put on few bits.
        var filter = new ReadFilter();
        filter.Size(500);
        Address token = Addr(0x7000);
        for (int i = 0; i < 1000; i++)
        {
            filter.AddAccount(Addr(0x10000 + i));
            filter.AddSlot(token, new UInt256((ulong)i));
        }

        for (int i = 0; i < 1000; i++)
        {
            Assert.True(filter.MayHoldAccount(Addr(0x10000 + i)));
            Assert.True(filter.MayHoldSlot(token, new UInt256((ulong)i)));
        }

        // 2,000 of 32,768 bits set: ~6 % of the others are looked up; a quarter would mean a hash that clusters.
        int accounts = Enumerable.Range(0, 10_000).Count(i => filter.MayHoldAccount(Addr(0x20000 + i)));
        int slots = Enumerable.Range(0, 10_000).Count(i => filter.MayHoldSlot(token, new UInt256((ulong)(1000 + i))));
        int otherSlots = Enumerable.Range(0, 10_000).Count(i => filter.MayHoldSlot(Addr(0x7001), new UInt256((ulong)i)));
        Assert.InRange(accounts, 0, 1_000);
        Assert.InRange(slots, 0, 1_000);
        Assert.InRange(otherSlots, 0, 1_000);

        // A smaller chunk next: its bits start empty.
        filter.Clear();
        filter.Size(10);
        Assert.Equal(0, Enumerable.Range(0, 1000).Count(i => filter.MayHoldAccount(Addr(0x10000 + i)) || filter.MayHoldSlot(token, new UInt256((ulong)i))));
        filter.AddAccount(token);
        Assert.True(filter.MayHoldAccount(token));
    }
}
