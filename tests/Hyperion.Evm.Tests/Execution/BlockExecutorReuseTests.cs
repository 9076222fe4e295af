using Hyperion.Core;
using Hyperion.Core.Transactions;
using Hyperion.Execution.Blocks;
using Hyperion.Execution.Specs;
using Hyperion.State.World;
using static Hyperion.Evm.Tests.Execution.Parallel.ContiguousChunksTests;
using static Hyperion.Evm.Tests.Execution.Parallel.ParallelExecutorPropertyTests;

namespace Hyperion.Evm.Tests.Execution;

/// <summary>
/// One executor's blocks back to back, over alternating parent states: each block's world state is the last closed
/// block's, reset, with a contract's many slots kept for its address, and the VM kept between transactions (ORIGIN
/// read by the first and last). Each block must come out as on an executor of its own.
/// </summary>
public sealed class BlockExecutorReuseTests
{
    // Calldata empty: sstore(500, sload(5)), sstore(600, origin); else sstore(k, calldataload(0)) for k = 99 … 0.
    private static readonly byte[] ManySlotsCode =
    [
        0x36, 0x60, 0x11, 0x57, 0x60, 0x05, 0x54, 0x61, 0x01, 0xf4, 0x55, 0x32, 0x61, 0x02, 0x58, 0x55, 0x00,
        0x5b, 0x60, 0x64, 0x5b, 0x80, 0x15, 0x60, 0x25, 0x57, 0x60, 0x01, 0x90, 0x03, 0x5f, 0x35, 0x81, 0x55, 0x60, 0x14, 0x56,
        0x5b, 0x00,
    ];

    private static readonly Address Coinbase = Addr(0xc0);
    private static readonly Address ManySlots = Addr(0x1100);

    private static Address Sender(int i) => Addr(0x2000 + i);

    /// <summary>Parent states that differ in the contract's slots: slot 5 is 3 and slot 50 is 8 in one, unset in the other.</summary>
    private static InMemoryStateReader Parent(bool withSlots)
    {
        var pre = new InMemoryStateReader();
        for (int i = 0; i < 4; i++)
        {
            pre.SetAccount(Sender(i), 0, new UInt256(1_000_000_000_000_000_000UL), []);
        }

        pre.SetAccount(Coinbase, 0, new UInt256(1), []);
        pre.SetAccount(ManySlots, 1, UInt256.Zero, ManySlotsCode);
        if (withSlots)
        {
            pre.SetStorage(ManySlots, new UInt256(5), new UInt256(3));
            pre.SetStorage(ManySlots, new UInt256(50), new UInt256(8));
        }

        return pre;
    }

    private static BlockExecution BuildIncrementally(BlockExecutor executor, BlockInput block, InMemoryStateReader pre)
    {
        BlockBuilder builder = executor.Open(block, pre);
        foreach ((Transaction tx, Address sender) in block.Transactions)
        {
            builder.Add(tx, sender);
        }

        return builder.Close();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Blocks_back_to_back_on_one_executor_come_out_as_each_on_a_new_executor(bool builtIncrementally)
    {
        ChainSpec spec = ChainSpec.AllActiveFrom(1, Hardfork.Cancun);
        var shared = new BlockExecutor(spec);
        for (int round = 0; round < 6; round++)
        {
            InMemoryStateReader pre = Parent(withSlots: round % 2 == 0);
            var block = new BlockInput(Header(Coinbase, 30_000_000), [
                (Tx(0, ManySlots, [], 100_000), Sender(0)),
                (Tx(0, ManySlots, Word(new UInt256((ulong)round + 1)), 3_000_000), Sender(1)),
                (Tx(0, Addr(0x3000 + round), [], 21_000, value: 1), Sender(2)),
                (Tx(0, ManySlots, [], 100_000), Sender(3)),
            ]);
            string expected = Outcome(new BlockExecutor(spec), block, pre, BlockExecutionMode.Build);
            BlockExecution? execution = null;
            string outcome = Outcome(input => execution = builtIncrementally ? BuildIncrementally(shared, input, pre) : shared.Execute(input, pre, BlockExecutionMode.Build), block, pre);
            Assert.Equal(expected, outcome);
            Assert.DoesNotContain("ok False", outcome);

            // The last transaction's ORIGIN is its own sender, not the first's (whose VM it ran on).
            IReadOnlyList<KeyValuePair<UInt256, UInt256>> slots = execution!.Changes.Accounts.Single(a => a.Address == ManySlots).Storage;
            UInt256 Slot(ulong key) => slots.Where(s => s.Key == new UInt256(key)).Select(s => s.Value).DefaultIfEmpty(UInt256.Zero).Single();
            Assert.Equal(UInt256.FromBigEndian(Word(Sender(3))), Slot(600));
            Assert.Equal(new UInt256((ulong)round + 1), Slot(500)); // slot 5 as the second transaction wrote it
            Assert.Equal(new UInt256((ulong)round + 1), Slot(99));
        }
    }
}
