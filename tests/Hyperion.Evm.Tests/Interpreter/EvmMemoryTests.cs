using Hyperion.Core;
using Hyperion.Evm.Compiled;
using Hyperion.Evm.Interpreter;
using Hyperion.Evm.Tests.Vm;

namespace Hyperion.Evm.Tests.Interpreter;

public class EvmMemoryTests
{
    /// <summary>Expands with ample gas and returns what it charged.</summary>
    private static long Charge(EvmMemory memory, ulong offset, ulong length)
    {
        long gas = long.MaxValue;
        Assert.True(memory.TryExpand(offset, length, ref gas));
        return long.MaxValue - gas;
    }

    [Fact]
    public void ExpansionIsChargedQuadraticallyInWords()
    {
        Assert.Equal(3, Charge(new EvmMemory(), 0, 1));
        Assert.Equal(0, Charge(new EvmMemory(), 100, 0));
        // 1024 words: 3·1024 + 1024²/512 = 3072 + 2048
        Assert.Equal(5120, Charge(new EvmMemory(), 0, 32 * 1024));
        long gas = long.MaxValue;
        Assert.False(new EvmMemory().TryExpand(ulong.MaxValue, 1, ref gas));
    }

    [Fact]
    public void ExpandGrowsInWordsZeroFilledAndChargesOnlyTheDifference()
    {
        using var memory = new EvmMemory();
        Assert.Equal(3, Charge(memory, 0, 1));
        Assert.Equal(32, memory.Size);
        memory.Slice(0, 32).Fill(0xff);
        Assert.Equal(0, Charge(memory, 0, 32));
        Assert.Equal(3 * 5 + 25 / 512 - 3, Charge(memory, 40, 100));
        Assert.Equal(160, memory.Size);
        Assert.True(memory.Slice(32, 128).IndexOfAnyExcept((byte)0) < 0);
        Assert.Equal(0xff, memory.Slice(31, 1)[0]);
    }

    [Fact]
    public void IsExpandedHoldsExactlyForRangesWithinSize()
    {
        using var memory = new EvmMemory();
        Assert.False(memory.IsExpanded(0, 1));
        Charge(memory, 0, 64);
        Assert.True(memory.IsExpanded(0, 32));
        Assert.True(memory.IsExpanded(32, 32));
        Assert.True(memory.IsExpanded(63, 1));
        Assert.False(memory.IsExpanded(33, 32));
        Assert.False(memory.IsExpanded(64, 1));
        Assert.False(memory.IsExpanded(64, 0));
        Assert.False(memory.IsExpanded(ulong.MaxValue, 32));
        Assert.False(memory.IsExpanded(ulong.MaxValue - 15, 32));
        Assert.False(memory.IsExpanded(new UInt256(0, 1), 1));
        Assert.False(memory.IsExpanded(new UInt256(0, 0, 0, 1), 1));
    }

    [Fact]
    public void WordsAreReadAndWrittenBigEndianAtAnyOffset()
    {
        using var memory = new EvmMemory();
        Charge(memory, 0, 96);
        var word = new UInt256(0x1122334455667788, 0x99aabbccddeeff00, 0x0102030405060708, 0xf0e0d0c0b0a09080);
        foreach (long offset in new long[] { 0, 1, 7, 31, 33, 64 })
        {
            memory.Slice(0, 96).Clear();
            memory.WriteWord(offset, in word);
            Assert.Equal(word.ToBigEndian(), memory.Slice(offset, 32).ToArray());
            Assert.True(memory.Slice(0, (int)offset).IndexOfAnyExcept((byte)0) < 0);
            Assert.True(memory.Slice(offset + 32, 96 - offset - 32).IndexOfAnyExcept((byte)0) < 0);
            Assert.Equal(word, memory.ReadWord(offset));
        }
    }

    /// <summary>The Yellow Paper's memory cost of <paramref name="words"/> words, written out here independently of <see cref="GasCost"/>.</summary>
    private static long YellowPaperCost(long words) => 3 * words + words * words / 512;

    [Fact]
    public void GrowthInStepsAroundWordsAndBufferSizesChargesExactlyAndReadsZeroAfterReuse()
    {
        // Steps that land inside a word, on it, past it, and across the zeroed-ahead chunks and pooled buffer sizes
        // (powers of two); each use leaves every byte dirty, and the next use of the same object must still read zeros.
        long[] steps = [1, 31, 32, 33, 1, 64, 991, 1024, 1025, 4095, 4097, 30_000, 65_536, 1, 131_073, 500_000, 700_000];
        using var memory = new EvmMemory();
        for (int use = 0; use < 3; use++)
        {
            long gas = long.MaxValue / 2;
            long paid = 0;
            foreach (long step in steps)
            {
                long before = memory.Size;
                ulong offset = (ulong)before + (ulong)(step % 7); // some steps leave a gap below the new range
                long expected = YellowPaperCost((long)((offset + (ulong)step + 31) / 32)) - paid;
                long gasBefore = gas;
                Assert.True(memory.TryExpand(offset, (ulong)step, ref gas));
                Assert.Equal(expected, gasBefore - gas);
                paid += expected;
                Assert.Equal((long)((offset + (ulong)step + 31) / 32 * 32), memory.Size);
                Assert.True(memory.Slice(before, memory.Size - before).IndexOfAnyExcept((byte)0) < 0, $"use {use}, step {step}: fresh memory not zero");
                if (before > 0)
                {
                    Assert.True(memory.Slice(0, before).IndexOfAnyExcept((byte)(0x10 + use)) < 0, $"use {use}, step {step}: contents lost");
                }

                memory.Slice(before, memory.Size - before).Fill((byte)(0x10 + use));
            }

            memory.Dispose();
            Assert.Equal(0, memory.Size);
        }
    }

    [Fact]
    public void ExpansionShortOfGasByOneChargesNothingAndExpandsNothing()
    {
        using var memory = new EvmMemory();
        long gas = long.MaxValue;
        Assert.True(memory.TryExpand(0, 64, ref gas));
        long cost = YellowPaperCost(1000) - YellowPaperCost(2);
        gas = cost - 1;
        Assert.False(memory.TryExpand(999 * 32, 1, ref gas));
        Assert.Equal(cost - 1, gas);
        Assert.Equal(64, memory.Size);
        gas = cost;
        Assert.True(memory.TryExpand(999 * 32, 1, ref gas));
        Assert.Equal(0, gas);
        Assert.Equal(32_000, memory.Size);
        Assert.True(memory.TryExpand(12_345, 0, ref gas)); // a zero length costs nothing anywhere
        Assert.True(memory.TryExpand(ulong.MaxValue, 0, ref gas));
        Assert.Equal(32_000, memory.Size);
    }

    [Fact]
    public void RangesNoBufferCanHoldFailAsOutOfGasWithoutThrowing()
    {
        using var memory = new EvmMemory();
        foreach ((ulong offset, ulong length) in new[]
                 {
                     (ulong.MaxValue, 32UL), (0UL, ulong.MaxValue), (EvmMemory.MaxPayableSize - 1, EvmMemory.MaxPayableSize - 1),
                     (0x7FFF_FFC0UL, 1UL), (0x8000_0000UL, 32UL), (0UL, 0x8000_0000UL),
                 })
        {
            // Even with gas enough to pay for it, no array can hold such a memory: out of gas, not an exception.
            long gas = long.MaxValue;
            Assert.False(memory.TryExpand(offset, length, ref gas));
            Assert.Equal(long.MaxValue, gas);
            Assert.Equal(0, memory.Size);
        }
    }

    /// <summary>
    /// Frames that were once a megabyte each, live at once (a nested call stack), each growing by one word: only the
    /// first two rent their previous size (the thread's 2 MB budget for renting ahead), the rest what they need; once
    /// they end, the budget is free again.
    /// </summary>
    [Fact]
    public void FramesOnceLargeRentAheadOnlyWithinTheThreadsBudget()
    {
        Exception? failure = null;
        // On a thread of its own, so that no other test's frames share the budget.
        var thread = new Thread(() =>
        {
            try
            {
                EvmMemory[] frames = [.. Enumerable.Range(0, 8).Select(_ => new EvmMemory())];
                foreach (EvmMemory frame in frames)
                {
                    Charge(frame, 0, 1 << 20);
                    frame.Dispose();
                }

                foreach (EvmMemory frame in frames)
                {
                    Assert.Equal(3, Charge(frame, 0, 32));
                }

                Assert.All(frames[..2], frame => Assert.True(frame.Capacity >= 1 << 20));
                Assert.All(frames[2..], frame => Assert.True(frame.Capacity < 64 * 1024, $"capacity {frame.Capacity}"));
                foreach (EvmMemory frame in frames.Reverse())
                {
                    frame.Dispose();
                }

                var again = new EvmMemory();
                Charge(again, 0, 1 << 20);
                again.Dispose();
                Charge(again, 0, 32);
                Assert.True(again.Capacity >= 1 << 20);
                again.Dispose();
            }
            catch (Exception e)
            {
                failure = e;
            }
        });
        thread.Start();
        thread.Join();
        Assert.Null(failure);
    }

    [Theory]
    [InlineData(VmTier.Interpreter)]
    [InlineData(VmTier.CompiledAlways)]
    public void AFrameGrowingWordByWordReadsZerosAfterADirtyCallOnTheSameThread(VmTier tier)
    {
        // First call: MSTOREs of all ones at 0, 32, ..., 63·32 (dirtying the frame's buffer). Second call on the same
        // thread (frames and their memories are reused): a loop of n one-word expansions MSTORE(MSIZE, MSIZE+1), then
        // MLOAD past them; returns that word, the word at 31·32 and MSIZE.
        byte[] dirty = Convert.FromHexString("7f" + new string('f', 64) + "5b" + "80" + "59" + "52" + "610800" + "59" + "10" + "6021" + "57" + "00");
        var harness = new VmHarness();
        ExecutionResult first = harness.Run(dirty, tier: tier);
        Assert.True(first.Success, first.Error);

        const int n = 40;
        byte[] grow = Convert.FromHexString(
            "6000" + // i = 0
            "5b" + // 0x02: loop [i]
            "59" + "600101" + "59" + "52" + // MSTORE(MSIZE, MSIZE + 1)
            "600101" + $"60{n:x2}" + "81" + "10" + "6002" + "57" + // i += 1; if i < n goto loop
            "50" +
            "59" + "51" + "6000" + "52" + // word[0] = MLOAD(MSIZE) (one more word, fresh)
            "6103e0" + "51" + "6020" + "52" + // word[1] = MLOAD(31·32): the call's own store there
            "59" + "6040" + "52" + // word[2] = MSIZE after the two MSTOREs above
            "60606000f3");
        long gas = 1_000_000;
        ExecutionResult second = harness.Run(grow, gas, tier: tier);
        Assert.True(second.Success, second.Error);
        ReadOnlySpan<byte> output = second.Output.Span;
        Assert.Equal(UInt256.Zero, UInt256.FromBigEndian(output[..32]));
        Assert.Equal(new UInt256(31 * 32 + 1), UInt256.FromBigEndian(output[32..64]));
        Assert.Equal(new UInt256((n + 1) * 32), UInt256.FromBigEndian(output[64..96]));
    }

    [Theory]
    [InlineData(VmTier.Interpreter)]
    [InlineData(VmTier.CompiledAlways)]
    public void AStoreAtAHugeOffsetIsOutOfGasNotACrash(VmTier tier)
    {
        // MSTORE(2^31, 1) and MSTORE(2^40, 1) with all the gas a call can get: the memory no array holds fails as out of gas.
        foreach (string offset in new[] { "6380000000", "65" + "01" + "0000000000" })
        {
            byte[] code = Convert.FromHexString("6001" + offset + "52" + "00");
            ExecutionResult result = new VmHarness().Run(code, long.MaxValue / 4, tier: tier);
            Assert.False(result.Success);
            Assert.Equal(0, result.GasLeft);
        }
    }
}
