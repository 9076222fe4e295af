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
}
