using Hyperion.Core;
using Hyperion.Evm.Interpreter;

namespace Hyperion.Evm.Tests.Interpreter;

public class JumpDestinationsTests
{
    [Fact]
    public void JumpDestInsidePushDataIsInvalid()
    {
        // PUSH2 0x5b5b; JUMPDEST; PUSH32 (truncated, containing 0x5b)
        byte[] code = [0x61, 0x5b, 0x5b, 0x5b, 0x7f, 0x5b];
        JumpDestinations jumps = JumpDestinations.Analyze(code);
        Assert.False(jumps.IsValid(0));
        Assert.False(jumps.IsValid(1));
        Assert.False(jumps.IsValid(2));
        Assert.True(jumps.IsValid(3));
        Assert.False(jumps.IsValid(5));
        Assert.False(jumps.IsValid(6));
        Assert.False(jumps.IsValid(ulong.MaxValue));
    }

    [Fact]
    public void EveryJumpDestOutsidePushDataIsFoundAcrossWordBoundaries()
    {
        byte[] code = new byte[200];
        Array.Fill(code, (byte)0x5b);
        JumpDestinations jumps = JumpDestinations.Analyze(code);
        for (ulong i = 0; i < 200; i++)
        {
            Assert.True(jumps.IsValid(i));
        }

        Assert.False(jumps.IsValid(200));
    }

    [Fact]
    public void CodeCacheKeepsOneEntryPerCodeHash()
    {
        var cache = new CodeCache();
        byte[] code = [0x5b];
        Hash256 hash = Hyperion.Core.Crypto.Keccak256.Hash(code);
        CodeEntry entry = cache.Get(hash, code);
        Assert.Same(entry, cache.Get(hash, code));
        Assert.Equal(1, cache.Count);
        Assert.True(entry.JumpDestinations.IsValid(0));
        Assert.Equal(0, entry.Calls);
        entry.CountCall();
        Assert.Equal(1, entry.Calls);
    }
}
