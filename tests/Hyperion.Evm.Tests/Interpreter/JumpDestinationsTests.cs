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

    [Fact]
    public void A_code_entry_counts_calls_up_to_its_cap_and_no_further()
    {
        // Past the cap a frame writes nothing to the shared entry; the cap must stay above what the count decides.
        Assert.True(CodeEntry.CallsCountedUpTo >= MetisVm.HotCallThreshold);
        var cache = new CodeCache();
        byte[] code = [0x5b, 0x00];
        CodeEntry entry = cache.Get(Hyperion.Core.Crypto.Keccak256.Hash(code), code);
        for (long i = 1; i <= CodeEntry.CallsCountedUpTo; i++)
        {
            Assert.Equal(i, entry.CountCall());
        }

        Assert.Equal(CodeEntry.CallsCountedUpTo, entry.CountCall());
        Assert.Equal(CodeEntry.CallsCountedUpTo, entry.Calls);
    }

    [Fact]
    public void CodeCacheStaysWithinItsBudgetAndKeepsWhatIsInUse()
    {
        const int codeSize = 1000;
        const long capacity = 10 * (codeSize + CodeCache.EntryOverheadBytes);
        var cache = new CodeCache(capacity);
        byte[] hot = Code(0, codeSize);
        Hash256 hotHash = Hyperion.Core.Crypto.Keccak256.Hash(hot);
        CodeEntry hotEntry = cache.Get(hotHash, hot);
        for (int i = 1; i <= 100; i++)
        {
            byte[] code = Code(i, codeSize);
            cache.Get(Hyperion.Core.Crypto.Keccak256.Hash(code), code);
            Assert.Same(hotEntry, cache.Get(hotHash, hot)); // used between every sweep: never dropped
            Assert.True(cache.Bytes <= capacity, $"{cache.Bytes} bytes held, budget {capacity}");
            Assert.Equal(cache.Count * (long)(codeSize + CodeCache.EntryOverheadBytes), cache.Bytes);
        }

        Assert.True(cache.Evictions >= 90, $"{cache.Evictions} evictions");
        Assert.InRange(cache.Count, 2, 10);

        // A dropped entry comes back analysed afresh, with the same code.
        byte[] first = Code(1, codeSize);
        CodeEntry again = cache.Get(Hyperion.Core.Crypto.Keccak256.Hash(first), first);
        Assert.Equal(first, again.Code.ToArray());
        Assert.True(again.JumpDestinations.IsValid(0));
    }

    private static byte[] Code(int seed, int size)
    {
        var code = new byte[size];
        code[0] = 0x5b;
        BitConverter.TryWriteBytes(code.AsSpan(1), seed);
        return code;
    }
}
