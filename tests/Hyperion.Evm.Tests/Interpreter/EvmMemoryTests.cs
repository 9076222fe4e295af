using Hyperion.Core;
using Hyperion.Evm.Interpreter;

namespace Hyperion.Evm.Tests.Interpreter;

public class EvmMemoryTests
{
    [Fact]
    public void ExpansionIsChargedQuadraticallyInWords()
    {
        using var memory = new EvmMemory();
        Assert.Equal(3, memory.ExpansionCost(0, 1));
        Assert.Equal(0, memory.ExpansionCost(100, 0));
        // 1024 words: 3·1024 + 1024²/512 = 3072 + 2048
        Assert.Equal(5120, memory.ExpansionCost(0, 32 * 1024));
        Assert.Equal(long.MaxValue, memory.ExpansionCost(ulong.MaxValue, 1));
    }

    [Fact]
    public void ExpandGrowsInWordsZeroFilledAndChargesOnlyTheDifference()
    {
        using var memory = new EvmMemory();
        memory.Expand(0, 1);
        Assert.Equal(32, memory.Size);
        memory.Slice(0, 32).Fill(0xff);
        Assert.Equal(0, memory.ExpansionCost(0, 32));
        Assert.Equal(3, memory.ExpansionCost(32, 1));
        memory.Expand(40, 100);
        Assert.Equal(160, memory.Size);
        Assert.True(memory.Slice(32, 128).IndexOfAnyExcept((byte)0) < 0);
        Assert.Equal(0xff, memory.Slice(31, 1)[0]);
    }

    [Fact]
    public void IsExpandedHoldsExactlyForRangesWithinSize()
    {
        using var memory = new EvmMemory();
        Assert.False(memory.IsExpanded(0, 1));
        memory.Expand(0, 64);
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
        memory.Expand(0, 96);
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
}
