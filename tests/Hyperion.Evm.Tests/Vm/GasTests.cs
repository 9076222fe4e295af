using Hyperion.Core;
using Hyperion.Evm.Compiled;
using Hyperion.Evm.Interpreter;

namespace Hyperion.Evm.Tests.Vm;

public class GasTests
{
    private const long Gas = 1_000_000;

    private static long GasUsed(VmHarness vm, byte[] code)
    {
        ExecutionResult r = vm.Run(code, Gas);
        Assert.True(r.Success, r.Error);
        return Gas - r.GasLeft;
    }

    [Fact]
    public void SimpleArithmetic() =>
        Assert.Equal(9, GasUsed(new VmHarness(), new Bytecode().Push(1).Push(2).Op(Opcode.ADD).Op(Opcode.STOP)));

    [Fact]
    public void MemoryExpansionAndReturn() =>
        // PUSH 3, PUSH 3, MSTORE 3 + 1 word 3, PUSH 3, PUSH 3, RETURN 0.
        Assert.Equal(18, GasUsed(new VmHarness(), new Bytecode().Push(0x2a).ReturnTop()));

    [Fact]
    public void QuadraticMemory()
    {
        // MSTORE8 at offset 32·1023 expands to 1024 words: 3·1024 + 1024²/512 = 5120.
        long used = GasUsed(new VmHarness(), new Bytecode().Push(1).Push(32 * 1023).Op(Opcode.MSTORE8));
        Assert.Equal(3 + 3 + 3 + 5120, used);
    }

    /// <summary>
    /// MLOAD, MSTORE and MSTORE8 right at the end of the memory already expanded (32 bytes): an access that ends within
    /// it costs nothing extra and leaves MSIZE alone, one byte past it expands by a word and pays for it, and an offset
    /// of 2^64 or more runs out of gas; in both tiers, which share the routine's fast path for expanded memory.
    /// </summary>
    [Theory]
    [InlineData(VmTier.Interpreter)]
    [InlineData(VmTier.CompiledAlways)]
    public void MemoryAccessAtTheExpandedBoundaryChargesExactly(VmTier tier)
    {
        static long MemoryCost(long words) => 3 * words + words * words / 512;

        var cases = new (Opcode Op, UInt256 Offset, long Words)[]
        {
            (Opcode.MLOAD, 0, 1), (Opcode.MLOAD, 1, 2), (Opcode.MLOAD, 31, 2), (Opcode.MLOAD, 32, 2), (Opcode.MLOAD, 33, 3),
            (Opcode.MSTORE, 0, 1), (Opcode.MSTORE, 1, 2), (Opcode.MSTORE, 32, 2),
            (Opcode.MSTORE8, 31, 1), (Opcode.MSTORE8, 32, 2),
        };
        long baseline = 0;
        foreach ((Opcode op, UInt256 offset, long words) in cases)
        {
            // MSTORE at 0 (32 bytes), the access, MSIZE returned.
            var code = new Bytecode().Push(1).Push(0).Op(Opcode.MSTORE);
            code = op == Opcode.MLOAD ? code.Push(offset).Op(Opcode.MLOAD).Op(Opcode.POP) : code.Push(7).Push(offset).Op(op);
            ExecutionResult r = new VmHarness().Run(code.Op(Opcode.MSIZE).ReturnTop(), Gas, tier: tier);
            Assert.True(r.Success, r.Error);
            Assert.Equal(new UInt256((ulong)(32 * words)), UInt256.FromBigEndian(r.Output.Span));
            long used = Gas - r.GasLeft;
            if (offset.IsZero)
            {
                baseline = used;
            }

            // The MLOAD cases and the MSTORE cases each start with offset 0 (one word, no expansion); MSTORE8's static gas is MSTORE's.
            Assert.Equal(baseline + MemoryCost(words) - MemoryCost(1), used);
        }

        foreach (UInt256 offset in new[] { new UInt256(0, 1, 0, 0), new UInt256(ulong.MaxValue), new UInt256(ulong.MaxValue - 31) })
        {
            ExecutionResult r = new VmHarness().Run(new Bytecode().Push(1).Push(0).Op(Opcode.MSTORE).Push(offset).Op(Opcode.MLOAD).Op(Opcode.STOP), Gas, tier: tier);
            Assert.False(r.Success);
            Assert.Equal(0, r.GasLeft);
        }
    }

    [Fact]
    public void ColdThenWarmSload() =>
        Assert.Equal(3 + 2100 + 3 + 100, GasUsed(new VmHarness(), new Bytecode().Push(0).Op(Opcode.SLOAD).Push(0).Op(Opcode.SLOAD)));

    [Fact]
    public void ColdThenWarmBalance() =>
        Assert.Equal(3 + 2600 + 3 + 100 + 5,
            GasUsed(new VmHarness(), new Bytecode().Push(VmHarness.Other).Op(Opcode.BALANCE).Push(VmHarness.Other).Op(Opcode.BALANCE).Op(Opcode.SELFBALANCE)));

    [Fact]
    public void Keccak256OfOneWord() =>
        Assert.Equal(3 + 3 + 30 + 6 + 3, GasUsed(new VmHarness(), new Bytecode().Push(32).Push(0).Op(Opcode.KECCAK256)));

    [Fact]
    public void ExpChargesPerExponentByte() =>
        Assert.Equal(3 + 3 + 10 + 50 * 2, GasUsed(new VmHarness(), new Bytecode().Push(0x1234).Push(3).Op(Opcode.EXP)));

    [Fact]
    public void CopyChargesPerWord() =>
        // CALLDATACOPY of 33 bytes: 3 + 2 words·3 + memory 2 words 6.
        Assert.Equal(9 + 3 + 6 + 6, GasUsed(new VmHarness(), new Bytecode().Push(33).Push(0).Push(0).Op(Opcode.CALLDATACOPY)));

    [Fact]
    public void SstoreFreshSlotIsColdPlusSet() =>
        Assert.Equal(3 + 3 + 2100 + 20000, GasUsed(new VmHarness(), new Bytecode().Store(0, 1)));

    [Theory]
    [InlineData(Fork.Berlin, 15000)]
    [InlineData(Fork.London, 4800)]
    [InlineData(Fork.Cancun, 4800)]
    public void SstoreClearRefundsPerFork(Fork fork, long refund)
    {
        var vm = new VmHarness(fork);
        vm.State.SetCommittedStorage(VmHarness.Contract, 0, 5);
        Assert.Equal(3 + 3 + 2100 + 2900, GasUsed(vm, new Bytecode().Store(0, 0)));
        Assert.Equal(refund, vm.State.Refund);
    }

    [Fact]
    public void SstoreDirtySlotRestoredToOriginalRefunds()
    {
        var vm = new VmHarness(Fork.London);
        vm.State.SetCommittedStorage(VmHarness.Contract, 0, 5);
        // 5 → 6 (2100 + 2900), then 6 → 5 (warm dirty 100, refund 2800).
        long used = GasUsed(vm, new Bytecode().Store(0, 6).Store(0, 5));
        Assert.Equal(6 + 5000 + 6 + 100, used);
        Assert.Equal(2800, vm.State.Refund);
    }

    [Fact]
    public void SstoreFailsAtOrBelowTheStipend()
    {
        var vm = new VmHarness();
        ExecutionResult r = vm.Run(new Bytecode().Store(0, 1), gas: 2306);
        Assert.False(r.Success);
        Assert.Equal(0, r.GasLeft);
        Assert.Equal("out of gas", r.Error);
    }

    [Fact]
    public void CallWithValueToEmptyAccountChargesNewAccountAndRefundsStipend()
    {
        var vm = new VmHarness();
        vm.State.SetAccount(VmHarness.Contract, 100);
        byte[] code = new Bytecode().Push(0).Push(0).Push(0).Push(0).Push(1).Push(VmHarness.Other).Push(0xffff).Op(Opcode.CALL).Op(Opcode.STOP);
        long used = GasUsed(vm, code);
        // 7 pushes, CALL = warm 100 + cold 2500 + value 9000 + new account 25000; the unused stipend comes back.
        Assert.Equal(21 + 100 + 2500 + 9000 + 25000 - 2300, used);
        Assert.Equal((UInt256)1, vm.State.GetBalance(VmHarness.Other));
    }

    [Fact]
    public void CallForwardsAtMost63Of64()
    {
        var vm = new VmHarness();
        // The callee reports the gas it got.
        vm.State.SetAccount(VmHarness.Other, 0, new Bytecode().Op(Opcode.GAS).ReturnTop());
        byte[] code = new Bytecode().Push(32).Push(0).Push(0).Push(0).Push(0).Push(VmHarness.Other).Op(Opcode.GAS).Op(Opcode.CALL)
            .Push(0).Op(Opcode.MLOAD).ReturnTop();
        ExecutionResult r = vm.Run(code, 100_000);
        Assert.True(r.Success, r.Error);
        // Six pushes and GAS (20), then CALL's warm 100, cold surcharge 2500 and one word of memory.
        long available = 100_000 - 20 - 100 - 2500 - 3;
        long forwarded = available - available / 64;
        Assert.Equal((UInt256)(ulong)(forwarded - 2), UInt256.FromBigEndian(r.Output.Span));
    }
}
