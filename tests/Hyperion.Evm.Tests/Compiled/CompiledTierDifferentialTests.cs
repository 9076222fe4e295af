using System.Diagnostics;
using System.Text.Json;
using Hyperion.Core;
using Hyperion.Evm.Compiled;
using Hyperion.Evm.Interpreter;
using Hyperion.Evm.Tests.Vm;

namespace Hyperion.Evm.Tests.Compiled;

/// <summary>
/// Differential fuzzing of the compiled tier against the interpreter: random, structured and mutated bytecode
/// (including the consensus tests' contracts) with random gas and input must give the same status, error, gas left,
/// output, logs and state in both. Fixed seed; a time budget bounds the run on a slow machine.
/// </summary>
public sealed class CompiledTierDifferentialTests
{
    private const int Seed = 15_2026;
    private const int MaxPrograms = 4000;
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(25);

    [Fact]
    public void CompiledTierMatchesTheInterpreterOnRandomAndMutatedCode() => Fuzz(Seed, MaxPrograms, Budget);

    /// <summary>
    /// The same fuzzing with tiny compile budgets: every few blocks a new region (jumps and fall-through between
    /// regions), and past the region limit blocks left to the interpreter, so every hand-off is exercised.
    /// </summary>
    [Fact]
    public void CompiledTierMatchesTheInterpreterAcrossRegionBoundariesAndBudgets()
    {
        EvmCompiler.Budgets saved = EvmCompiler.CurrentBudgets;
        try
        {
            EvmCompiler.CurrentBudgets = new EvmCompiler.Budgets(RegionIlBytes: 200, MaxRegions: 6, MaxTime: TimeSpan.FromSeconds(2));
            Fuzz(Seed + 1, MaxPrograms / 2, Budget / 2);
        }
        finally
        {
            EvmCompiler.CurrentBudgets = saved;
        }
    }

    /// <summary>
    /// Straight-line code compiled rather than interpreted as cold, shaped for the compile-time stack: constants that
    /// fold (PUSH PUSH op, PUSH1 0xe0 SHR, masks), deep DUP/SWAP over pending words and the frame's slots, word
    /// operations between them, constant and computed JUMPI conditions, and side effects (SSTORE, MSTORE, LOG, GAS)
    /// before a stack underflow or an out-of-gas later in the same block.
    /// </summary>
    [Fact]
    public void CompiledBlocksMatchTheInterpreterOnFoldingShufflingAndMidBlockFailures()
    {
        EvmCompiler.Budgets saved = EvmCompiler.CurrentBudgets;
        try
        {
            EvmCompiler.CurrentBudgets = EvmCompiler.Budgets.Default with { ColdRunInstructions = int.MaxValue };
            var random = new Random(Seed + 2);
            var clock = Stopwatch.StartNew();
            int programs = 0, succeeded = 0, failed = 0;
            while (programs < MaxPrograms && clock.Elapsed < Budget)
            {
                byte[] code = BlockShapes(random);
                long gas = random.Next(4) == 0 ? random.Next(0, 400) : random.Next(400, 200_000);
                byte[] input = new byte[random.Next(0, 70)];
                random.NextBytes(input);
                if (AssertSameOutcome(code, [], gas, input, programs))
                {
                    succeeded++;
                }
                else
                {
                    failed++;
                }

                programs++;
            }

            Assert.True(programs >= 100, $"only {programs} programs ran within the budget");
            Assert.True(succeeded >= programs / 5 && failed >= programs / 10, $"{succeeded} succeeded and {failed} failed of {programs}");
        }
        finally
        {
            EvmCompiler.CurrentBudgets = saved;
        }
    }

    [Fact]
    public void LimbArithmeticMatchesTheInterpreterAtCarryBoundaries()
    {
        // ADD, SUB, AND, OR, XOR, NOT and constant shifts (SAR of negative words too) are written out on limbs in IL: every pair of words around the limb boundaries
        // (carries and borrows through one limb, several, all four and out of the word), with operands in locals
        // (DUP of a slot), constants and frame slots (a block start in between); each result stored.
        UInt256[] values =
        [
            UInt256.Zero, UInt256.One, new(ulong.MaxValue), new(0, 1), new(ulong.MaxValue, ulong.MaxValue),
            new(0, 0, 1), new(ulong.MaxValue, ulong.MaxValue, ulong.MaxValue), new(0, 0, 0, 1), UInt256.MaxValue,
            new(ulong.MaxValue, 0, ulong.MaxValue, 0), new(1, ulong.MaxValue, 0, ulong.MaxValue), new(0x8000_0000_0000_0000, 0x7fff_ffff_ffff_ffff, 3, 0x8000_0000_0000_0000),
        ];
        byte[] constant = new byte[32];
        new UInt256(ulong.MaxValue, 5, ulong.MaxValue, 0).WriteBigEndian(constant);
        var code = new List<byte> { (byte)Opcode.PUSH1, 32, (byte)Opcode.CALLDATALOAD, (byte)Opcode.PUSH1, 0, (byte)Opcode.CALLDATALOAD, (byte)Opcode.JUMPDEST };
        byte slot = 0;
        void Store() => code.AddRange([(byte)Opcode.PUSH1, slot++, (byte)Opcode.SSTORE]);
        foreach (byte op in new[] { (byte)Opcode.ADD, (byte)Opcode.SUB, (byte)Opcode.AND, (byte)Opcode.OR, (byte)Opcode.XOR })
        {
            code.AddRange([0x81, 0x81, op]); // x op y
            Store();
            code.AddRange([0x80, 0x82, op]); // y op x
            Store();
            code.AddRange([0x80, (byte)Opcode.PUSH32, .. constant, op]); // constant op x
            Store();
            code.AddRange([(byte)Opcode.PUSH32, .. constant, 0x81, op]); // x op constant
            Store();
        }

        code.AddRange([0x80, (byte)Opcode.NOT]);
        Store();
        foreach (int shift in new[] { 0, 1, 7, 63, 64, 65, 127, 128, 129, 192, 200, 255, 256, 300 })
        {
            foreach (byte op in new[] { (byte)Opcode.SHL, (byte)Opcode.SHR, (byte)Opcode.SAR })
            {
                code.AddRange([0x80, 0x61, (byte)(shift >> 8), (byte)shift, op]); // x shifted by a constant
                Store();
            }
        }

        code.AddRange([0x81, 0x81, (byte)Opcode.SUB, (byte)Opcode.JUMPDEST, 0x81, (byte)Opcode.ADD]); // (x - y) + x, from the slots
        Store();
        code.AddRange([(byte)Opcode.SUB]); // x - y with both operands frame slots
        Store();
        code.Add((byte)Opcode.STOP);
        AssertSameOutcomeOnPairs([.. code], values, 2_000_000);
    }

    [Fact]
    public void PowerOfTwoFactorsAndDivisorsMatchTheInterpreter()
    {
        // MUL by a constant 2^k (either operand), DIV and MOD by a constant divisor 2^k are compiled as the shift or AND
        // they equal, ADDMOD by a constant modulus 2^k as ADD then AND: every k around the limb boundaries, on words around them, with the other operand a local, a flag
        // or a constant; next to them the cases that must not be reduced (a constant dividend, a factor 2^k + 1).
        UInt256[] values =
        [
            UInt256.Zero, UInt256.One, new(3), new(ulong.MaxValue), new(0, 1), new(ulong.MaxValue, ulong.MaxValue, ulong.MaxValue),
            new(0, 0, 0, 1), UInt256.MaxValue, new(0x8000_0000_0000_0000, 0x7fff_ffff_ffff_ffff, 3, 0x8000_0000_0000_0000),
        ];
        var code = new List<byte> { (byte)Opcode.PUSH1, 32, (byte)Opcode.CALLDATALOAD, (byte)Opcode.PUSH1, 0, (byte)Opcode.CALLDATALOAD, (byte)Opcode.JUMPDEST };
        int slot = 0;
        void Store() => code.AddRange([0x61, (byte)(slot >> 8), (byte)slot++, (byte)Opcode.SSTORE]);
        foreach (int k in new[] { 0, 1, 7, 63, 64, 65, 127, 128, 191, 192, 255 })
        {
            byte[] power = new byte[32], next = new byte[32];
            UInt256.ShiftLeft(UInt256.One, k, out UInt256 p);
            p.WriteBigEndian(power);
            UInt256.Add(p, UInt256.One, out UInt256 n);
            n.WriteBigEndian(next);
            code.AddRange([0x80, (byte)Opcode.PUSH32, .. power, (byte)Opcode.MUL]); // x · 2^k
            Store();
            code.AddRange([(byte)Opcode.PUSH32, .. power, 0x81, (byte)Opcode.MUL]); // 2^k · x
            Store();
            code.AddRange([(byte)Opcode.PUSH32, .. power, 0x81, (byte)Opcode.DIV]); // x / 2^k
            Store();
            code.AddRange([(byte)Opcode.PUSH32, .. power, 0x81, (byte)Opcode.MOD]); // x mod 2^k
            Store();
            code.AddRange([0x80, (byte)Opcode.PUSH32, .. power, (byte)Opcode.DIV]); // 2^k / x: not a shift
            Store();
            code.AddRange([0x80, (byte)Opcode.PUSH32, .. power, (byte)Opcode.MOD]); // 2^k mod x: not a mask
            Store();
            code.AddRange([0x80, (byte)Opcode.PUSH32, .. next, (byte)Opcode.MUL]); // x · (2^k + 1): not a shift
            Store();
            code.AddRange([(byte)Opcode.PUSH32, .. power, 0x82, 0x82, (byte)Opcode.LT, (byte)Opcode.MUL]); // (x < y) · 2^k
            Store();
            code.AddRange([(byte)Opcode.PUSH32, .. power, 0x81, 0x83, (byte)Opcode.ADD, (byte)Opcode.DIV]); // (x + y) / 2^k
            Store();
            code.AddRange([(byte)Opcode.PUSH32, .. power, 0x82, 0x82, (byte)Opcode.ADDMOD]); // (x + y) mod 2^k, over the 257-bit sum
            Store();
            code.AddRange([(byte)Opcode.PUSH32, .. next, 0x82, 0x82, (byte)Opcode.ADDMOD]); // (x + y) mod (2^k + 1): not a mask
            Store();
            code.AddRange([0x80, (byte)Opcode.PUSH32, .. power, 0x83, (byte)Opcode.ADDMOD]); // (2^k + y) mod x: not a mask
            Store();
        }

        code.Add((byte)Opcode.STOP);
        AssertSameOutcomeOnPairs([.. code], values, 30_000_000);
    }

    [Fact]
    public void ComputedShiftsAndLimbBitFactorsMatchTheInterpreter()
    {
        // SHL/SHR/SAR by an amount known only at run time (below 64 written out on the limbs, the rest a call) and MUL
        // by a factor whose limbs are each 0 or 1 (limb additions; blake2b's 2^64 + 1): every pair of words that are
        // shift amounts around 0, 63/64 and 256, factors of 0/1 limbs, and values with carries through every limb
        // (lane-packed, negative, all ones). Operands as locals, frame slots and constants, in both orders.
        UInt256[] values =
        [
            UInt256.Zero, UInt256.One, new(2), new(31), new(63), new(64), new(65), new(255), new(256), new(0, 1),
            new(1, 1), new(1, 0, 1), new(0, 1, 0, 1), new(1, 1, 1, 1), new(0, 0, 0, 1), new(1, 2), new(3, 1),
            new(ulong.MaxValue), new(ulong.MaxValue, ulong.MaxValue, ulong.MaxValue), UInt256.MaxValue,
            new(0xbb67ae8584caa73b, 0, 0x6a09e667f3bcc908, 0), new(0x8000_0000_0000_0000, 0x7fff_ffff_ffff_ffff, 3, 0x8000_0000_0000_0000),
        ];
        byte[] constant = new byte[32];
        new UInt256(0x8000_0000_0000_0001, 5, ulong.MaxValue, 0xf000_0000_0000_0000).WriteBigEndian(constant);
        var code = new List<byte> { (byte)Opcode.PUSH1, 32, (byte)Opcode.CALLDATALOAD, (byte)Opcode.PUSH1, 0, (byte)Opcode.CALLDATALOAD, (byte)Opcode.JUMPDEST };
        byte slot = 0;
        void Store() => code.AddRange([(byte)Opcode.PUSH1, slot++, (byte)Opcode.SSTORE]);
        foreach (byte op in new[] { (byte)Opcode.MUL, (byte)Opcode.SHL, (byte)Opcode.SHR, (byte)Opcode.SAR })
        {
            code.AddRange([0x81, 0x81, op]); // x op y (x the factor or the amount)
            Store();
            code.AddRange([0x80, 0x82, op]); // y op x
            Store();
            code.AddRange([0x80, 0x82, (byte)Opcode.XOR, 0x81, op]); // x op (x ^ y): the value a local
            Store();
            code.AddRange([(byte)Opcode.PUSH32, .. constant, 0x81, op]); // x op constant
            Store();
            code.AddRange([0x81, 0x81, (byte)Opcode.JUMPDEST, op]); // x op y, both frame slots
            Store();
        }

        // MUL by a constant 2^64 + 1 on top (written out with no test): of a frame slot, and of a local.
        code.AddRange([0x80, 0x68, 1, 0, 0, 0, 0, 0, 0, 0, 1, (byte)Opcode.MUL]);
        Store();
        code.AddRange([0x81, 0x81, (byte)Opcode.XOR, 0x68, 1, 0, 0, 0, 0, 0, 0, 0, 1, (byte)Opcode.MUL]);
        Store();

        // blake2b_huff's rotation: (x ^ y) · (2^64 + 1) >> amount AND the lane mask, factor and amount from deep slots.
        code.AddRange([0x68, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0x82, 0x82, (byte)Opcode.XOR, 0x81, (byte)Opcode.MUL, 0x83, (byte)Opcode.SHR]);
        code.AddRange([0x67, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, (byte)Opcode.AND, 0x90, (byte)Opcode.POP]);
        Store();
        code.Add((byte)Opcode.STOP);
        AssertSameOutcomeOnPairs([.. code], values, 5_000_000);
    }

    [Fact]
    public void ComparisonFlagsMatchTheInterpreterAtSignAndLimbBoundaries()
    {
        // LT, GT, SLT, SGT, EQ and ISZERO are written out on limbs into 0/1 flags: every pair of words around the sign
        // bit and the limb boundaries (equal high limbs, a lower limb deciding), with operands in locals, constants
        // and frame slots; each flag stored (SSTORE: widened into a slot; MSTORE: passed by address), used as an
        // operand (ADD on limbs, MUL by address), negated (ISZERO ISZERO) and branched on (JUMPI taken or not).
        UInt256[] values =
        [
            UInt256.Zero, UInt256.One, new(2), UInt256.MaxValue, new(ulong.MaxValue - 1, ulong.MaxValue, ulong.MaxValue, ulong.MaxValue),
            new(0, 0, 0, 0x8000_0000_0000_0000), new(1, 0, 0, 0x8000_0000_0000_0000), new(ulong.MaxValue, ulong.MaxValue, ulong.MaxValue, 0x7fff_ffff_ffff_ffff),
            new(0, 1), new(ulong.MaxValue), new(5, 7, 9, 11), new(6, 7, 9, 11), new(5, 7, 10, 11), new(5, 8, 9, 11), new(5, 7, 9, 0xffff_0000_0000_0000),
        ];
        byte[] constant = new byte[32];
        new UInt256(5, 7, 9, 11).WriteBigEndian(constant);
        var code = new List<byte> { (byte)Opcode.PUSH1, 32, (byte)Opcode.CALLDATALOAD, (byte)Opcode.PUSH1, 0, (byte)Opcode.CALLDATALOAD, (byte)Opcode.JUMPDEST };
        byte slot = 0;
        void Store() => code.AddRange([(byte)Opcode.PUSH1, slot++, (byte)Opcode.SSTORE]);
        void MemoryStore()
        {
            int offset = slot++ * 32;
            code.AddRange([0x61, (byte)(offset >> 8), (byte)offset, (byte)Opcode.MSTORE]);
        }

        void Branch(params byte[] condition)
        {
            // marker 0xaa, condition, JUMPI to L; not taken: marker 0xbb; L: store the marker.
            code.AddRange([(byte)Opcode.PUSH1, 0xaa, .. condition, 0x61, 0, 0]);
            int destination = code.Count - 2;
            code.AddRange([(byte)Opcode.JUMPI, (byte)Opcode.POP, (byte)Opcode.PUSH1, 0xbb]);
            code[destination] = (byte)(code.Count >> 8);
            code[destination + 1] = (byte)code.Count;
            code.Add((byte)Opcode.JUMPDEST);
            Store();
        }

        foreach (byte op in new[] { (byte)Opcode.LT, (byte)Opcode.GT, (byte)Opcode.SLT, (byte)Opcode.SGT, (byte)Opcode.EQ })
        {
            code.AddRange([0x81, 0x81, op]); // x op y
            Store();
            code.AddRange([0x80, 0x82, op]); // y op x
            MemoryStore();
            code.AddRange([0x80, (byte)Opcode.PUSH32, .. constant, op]); // constant op x
            Store();
            code.AddRange([(byte)Opcode.PUSH32, .. constant, 0x81, op]); // x op constant
            Store();
            code.AddRange([0x81, 0x81, op, (byte)Opcode.ISZERO, 0x80, (byte)Opcode.ISZERO, (byte)Opcode.ADD]); // !f + !!f
            Store();
            code.AddRange([0x81, 0x81, op, (byte)Opcode.PUSH1, 5, (byte)Opcode.MUL, 0x82, 0x82, op, 0x90, (byte)Opcode.SUB]); // 5f - f'
            Store();
            Branch(0x82, 0x82, op); // on x op y (one deeper: the marker)
            Branch(0x81, 0x83, op, (byte)Opcode.ISZERO); // on !(y op x)
        }

        code.AddRange([0x80, (byte)Opcode.ISZERO]);
        Store();
        code.AddRange([0x80, (byte)Opcode.ISZERO, (byte)Opcode.ISZERO]);
        MemoryStore();
        code.AddRange([0x81, 0x81, (byte)Opcode.JUMPDEST, (byte)Opcode.SLT]); // both operands frame slots
        Store();
        code.AddRange([0x81, 0x81, (byte)Opcode.JUMPDEST, (byte)Opcode.EQ, (byte)Opcode.ISZERO]);
        Store();
        code.AddRange([(byte)Opcode.MSIZE, (byte)Opcode.PUSH1, 0, (byte)Opcode.RETURN]);
        AssertSameOutcomeOnPairs([.. code], values, 5_000_000);
    }

    /// <summary>Runs <paramref name="program"/> compiled (not interpreted as cold) and interpreted on every pair of <paramref name="values"/> as its input (x, y); every run must succeed alike.</summary>
    private static void AssertSameOutcomeOnPairs(byte[] program, UInt256[] values, long gas)
    {
        EvmCompiler.Budgets saved = EvmCompiler.CurrentBudgets;
        try
        {
            // Compiled, not interpreted as cold straight-line code.
            EvmCompiler.CurrentBudgets = EvmCompiler.Budgets.Default with { ColdRunInstructions = int.MaxValue };
            int index = 0;
            foreach (UInt256 x in values)
            {
                foreach (UInt256 y in values)
                {
                    byte[] input = new byte[64];
                    x.WriteBigEndian(input.AsSpan(0, 32));
                    y.WriteBigEndian(input.AsSpan(32, 32));
                    Assert.True(AssertSameOutcome(program, [], gas, input, index++));
                }
            }
        }
        finally
        {
            EvmCompiler.CurrentBudgets = saved;
        }
    }

    [Fact]
    public void ConstantOperandsAreFoldedAtCompileTime()
    {
        // x = (1 + 2) * 3 ... forty constant steps, then SSTORE; once with a constant start, once with CALLVALUE.
        static byte[] Chain(byte start)
        {
            var code = new List<byte>(start == (byte)Opcode.CALLVALUE ? [start] : [(byte)Opcode.PUSH1, start]);
            for (int i = 0; i < 40; i++)
            {
                code.AddRange([(byte)Opcode.PUSH1, (byte)(i + 2), i % 2 == 0 ? (byte)Opcode.ADD : (byte)Opcode.MUL]);
            }

            code.AddRange([(byte)Opcode.PUSH1, 0, (byte)Opcode.SSTORE, (byte)Opcode.STOP]);
            return [.. code];
        }

        var budgets = EvmCompiler.Budgets.Default with { ColdRunInstructions = int.MaxValue };
        byte[] folded = Chain(1), computed = Chain((byte)Opcode.CALLVALUE);
        int foldedIl = EvmCompiler.TryCompile(folded, JumpDestinations.Analyze(folded), Fork.Cancun, budgets)!.IlBytes;
        int computedIl = EvmCompiler.TryCompile(computed, JumpDestinations.Analyze(computed), Fork.Cancun, budgets)!.IlBytes;
        // Folded, the chain is one constant stored; computed, every step is a call on locals.
        Assert.True(foldedIl * 4 < computedIl, $"IL folded {foldedIl} bytes, computed {computedIl}");
        for (long gas = 0; gas < 22_400; gas += gas < 200 ? 7 : 1_999)
        {
            AssertSameOutcome(folded, [], gas, [], (int)gas);
            AssertSameOutcome(computed, [], gas, [], (int)gas);
        }
    }

    [Fact]
    public void CompileBudgetsBoundRegionsAndLeaveTheRestToTheInterpreter()
    {
        // A loop (hot) followed by long straight-line code (cold): 300 × (PUSH1 1, POP), then STOP.
        var code = new List<byte>(Convert.FromHexString("600a" + "5b" + "6001900380600257" + "50"));
        for (int i = 0; i < 300; i++)
        {
            code.AddRange([0x60, 0x01, 0x50]);
        }

        byte[] bytes = [.. code, 0x00];
        JumpDestinations jumps = JumpDestinations.Analyze(bytes);
        CompiledContract all = EvmCompiler.TryCompile(bytes, jumps, Fork.Cancun, EvmCompiler.Budgets.Default)!;
        Assert.Single(all.Regions);
        Assert.Equal(0, all.InterpretedBlocks);
        // The straight-line tail (cut into blocks of MaxBlockInstructions) is cold and interpreted inside the region;
        // the first block (too short to be worth it), the loop and the end of the code are compiled.
        Assert.Equal(all.Blocks - 3, all.ColdBlocks);
        Assert.True(all.ColdBlocks >= 600 / EvmCompiler.MaxBlockInstructions);

        CompiledContract small = EvmCompiler.TryCompile(bytes, jumps, Fork.Cancun, new EvmCompiler.Budgets(RegionIlBytes: 1, MaxRegions: 2, MaxTime: TimeSpan.FromSeconds(2)))!;
        Assert.Equal(2, small.Regions.Count);
        Assert.True(small.InterpretedBlocks > 0);
        Assert.True(small.IlBytes < all.IlBytes);

        CompiledContract none = EvmCompiler.TryCompile(bytes, jumps, Fork.Cancun, new EvmCompiler.Budgets(RegionIlBytes: 1, MaxRegions: 64, MaxTime: TimeSpan.Zero))!;
        Assert.Empty(none.Regions);
        Assert.Equal(none.Blocks, none.InterpretedBlocks);

        // Every budget runs the code to the interpreter's result. Compiled code is cached per code hash, so each budget
        // gets its own code: an unreachable byte after the final STOP.
        EvmCompiler.Budgets[] each = [EvmCompiler.Budgets.Default, new EvmCompiler.Budgets(1, 2, TimeSpan.FromSeconds(2)), new EvmCompiler.Budgets(1, 64, TimeSpan.Zero)];
        for (int i = 0; i < each.Length; i++)
        {
            byte[] variant = [.. bytes, (byte)i];
            EvmCompiler.Budgets saved = EvmCompiler.CurrentBudgets;
            try
            {
                EvmCompiler.CurrentBudgets = each[i];
                bool succeeded = false;
                for (long gas = 0; gas < 3_000; gas += 97)
                {
                    succeeded |= AssertSameOutcome(variant, [], gas, [], (int)gas);
                }

                Assert.True(succeeded);
            }
            finally
            {
                EvmCompiler.CurrentBudgets = saved;
            }
        }
    }

    [Fact]
    public void ALoopAcrossRegionsTransfersByBlockIndexAndHandsOverAtTheExactBlock()
    {
        // n; mem[0] = B; A: JUMP to mem[0] (a dynamic jump); B: n -= 1, JUMPI A while n != 0 (a constant one); STOP.
        static byte[] Loop(int n) => Convert.FromHexString($"60{n:x2}" + "600c600052" + "5b600051" + "56" + "5b600190038060" + "0757" + "00");
        // A region per block: every iteration moves A → B by a dynamic jump and B → A by a constant one, each into another region.
        byte[] probe = Loop(32);
        Assert.Equal(5, EvmCompiler.TryCompile(probe, JumpDestinations.Analyze(probe), Fork.Cancun, new EvmCompiler.Budgets(1, 64, TimeSpan.FromSeconds(2)))!.Regions.Count);

        // Every block compiled; B and after interpreted (the transfer into B hands the frame over); only STOP interpreted.
        // A different n per budget: compiled code is cached per code hash.
        foreach ((int maxRegions, int n) in new[] { (64, 33), (2, 34), (3, 35) })
        {
            byte[] code = Loop(n);
            EvmCompiler.Budgets saved = EvmCompiler.CurrentBudgets;
            try
            {
                EvmCompiler.CurrentBudgets = new EvmCompiler.Budgets(RegionIlBytes: 1, MaxRegions: maxRegions, MaxTime: TimeSpan.FromSeconds(2));
                bool succeeded = false;
                for (long gas = 0; gas < 2_400; gas += gas < 300 ? 1 : 13)
                {
                    succeeded |= AssertSameOutcome(code, [], gas, [], (int)gas);
                }

                Assert.True(succeeded);
            }
            finally
            {
                EvmCompiler.CurrentBudgets = saved;
            }
        }
    }

    /// <summary>
    /// Consecutive JUMPDESTs are one block that a jump may enter at any of them: by a dynamic jump, a constant jump,
    /// falling through and a jump back in a loop; compiled, interpreted as cold code inside a region, a region per
    /// block, and past the region budget (the interpreter takes over at the JUMPDEST entered). The JUMPDESTs from the
    /// entry on are charged, one gas each, as GAS after the run (summed into the output) and the out-of-gas point show.
    /// </summary>
    [Fact]
    public void AJumpDestRunIsEnteredAtEachOfItsJumpDestsWithTheInterpretersGas()
    {
        const int run = 6, runPc = 7;

        // [n] L: entry (a dynamic jump to the input word, a constant jump, or falling through) RUN: JUMPDEST × run,
        // mem[32] += GAS, then n -= 1 and back to L while n != 0 (or not: no loop), RETURN mem[32..64]; a tag byte.
        static byte[] Program(int kind, int offset, bool loop, int tag)
        {
            var code = new List<byte> { 0x60, (byte)(loop ? 3 : 1), 0x5b };
            code.AddRange(kind switch
            {
                0 => [0x60, 0x00, 0x35, 0x56],
                1 => [0x60, (byte)(runPc + offset), 0x56, 0x00],
                _ => [0x5f, 0x50, 0x5f, 0x50],
            });
            Assert.Equal(runPc, code.Count);
            code.AddRange(Enumerable.Repeat((byte)0x5b, run));
            code.AddRange([0x5a, 0x60, 0x20, 0x51, 0x01, 0x60, 0x20, 0x52]);
            if (loop)
            {
                code.AddRange([0x60, 0x01, 0x90, 0x03, 0x80, 0x60, 0x02, 0x57]);
            }

            code.AddRange([0x60, 0x20, 0x60, 0x20, 0xf3, (byte)tag]);
            return [.. code];
        }

        byte[] probe = Program(kind: 0, offset: 0, loop: true, tag: 0xff);
        CompiledContract shape = EvmCompiler.TryCompile(probe, JumpDestinations.Analyze(probe), Fork.Cancun, EvmCompiler.Budgets.Default)!;
        Assert.True(shape.Blocks <= 6, $"{shape.Blocks} blocks: the JUMPDEST run is not one block");

        EvmCompiler.Budgets[] budgets =
        [
            EvmCompiler.Budgets.Default,
            EvmCompiler.Budgets.Default with { ColdRunInstructions = 1 },
            new(RegionIlBytes: 1, MaxRegions: 64, MaxTime: TimeSpan.FromSeconds(2)),
            new(RegionIlBytes: 1, MaxRegions: 2, MaxTime: TimeSpan.FromSeconds(2)),
            new(RegionIlBytes: 1, MaxRegions: 3, MaxTime: TimeSpan.FromSeconds(2)),
        ];
        EvmCompiler.Budgets saved = EvmCompiler.CurrentBudgets;
        try
        {
            int succeeded = 0, failed = 0;
            for (int b = 0; b < budgets.Length; b++)
            {
                EvmCompiler.CurrentBudgets = budgets[b];
                for (int kind = 0; kind < 3; kind++)
                {
                    // Offset `run` is the GAS after the run: no JUMPDEST, an invalid jump.
                    for (int offset = 0; offset <= (kind == 2 ? 0 : run); offset++)
                    {
                        foreach (bool loop in new[] { true, false })
                        {
                            byte[] code = Program(kind, offset, loop, tag: b);
                            byte[] input = new byte[32];
                            input[31] = (byte)(runPc + offset);
                            for (long gas = 0; gas < 260; gas += gas < 200 ? 1 : 7)
                            {
                                if (AssertSameOutcome(code, [], gas, input, (int)gas))
                                {
                                    succeeded++;
                                }
                                else
                                {
                                    failed++;
                                }
                            }
                        }
                    }
                }
            }

            Assert.True(succeeded > 100 && failed > 100, $"{succeeded} succeeded, {failed} failed");
        }
        finally
        {
            EvmCompiler.CurrentBudgets = saved;
        }
    }

    /// <summary>
    /// Cold code (interpreted inside a region by <see cref="CompiledHelpers.InterpretRange"/>, whose own dispatch calls
    /// the commonest opcodes' handlers directly and the rest through the table): every acyclic block made cold,
    /// straight-line programs of those opcodes — every PUSH size (one cut off by the code's end), DUP1–16, SWAP1–16,
    /// POP, JUMPDEST, ADD, SUB, AND, SIGNEXTEND, MLOAD/MSTORE on memory already expanded and expanding it, JUMP and
    /// JUMPI forward, into PUSH data and to the input's destination — mixed with handler-run opcodes that read the
    /// registers (GAS, PC, MSIZE, SSTORE, CALLDATALOAD), with gas swept so every out-of-gas point is compared.
    /// </summary>
    [Fact]
    public void ColdCodeInterpretedInsideRegionsMatchesTheInterpreter()
    {
        EvmCompiler.Budgets saved = EvmCompiler.CurrentBudgets;
        try
        {
            EvmCompiler.CurrentBudgets = EvmCompiler.Budgets.Default with { ColdRunInstructions = 1 };
            var random = new Random(Seed + 3);
            var clock = Stopwatch.StartNew();
            int programs = 0, succeeded = 0, failed = 0;
            while (programs < 400 && clock.Elapsed < Budget)
            {
                byte[] code = ColdStraightLine(random, programs);
                CompiledContract compiled = EvmCompiler.TryCompile(code, JumpDestinations.Analyze(code), Fork.Cancun, EvmCompiler.CurrentBudgets)!;
                Assert.True(compiled.ColdBlocks > 0, "no cold block");
                byte[] input = new byte[32];
                // The input's jump destination: a JUMPDEST byte (some inside PUSH data) or any offset.
                int[] jumpDests = [.. Enumerable.Range(0, code.Length).Where(i => code[i] == (byte)Opcode.JUMPDEST)];
                int destination = jumpDests.Length > 0 && random.Next(3) != 0 ? jumpDests[random.Next(jumpDests.Length)] : random.Next(code.Length + 2);
                input[30] = (byte)(destination >> 8);
                input[31] = (byte)destination;
                long full = random.Next(3_000, 60_000);
                foreach (long gas in new[] { full, random.Next(0, 400), random.Next(400, 3_000), random.Next(0, 3_000) })
                {
                    _ = AssertSameOutcome(code, [], gas, input, programs) ? succeeded++ : failed++;
                }

                programs++;
            }

            Assert.True(programs >= 50, $"only {programs} programs ran within the budget");
            Assert.True(succeeded >= programs / 2 && failed >= programs / 4, $"{succeeded} succeeded, {failed} failed");
        }
        finally
        {
            EvmCompiler.CurrentBudgets = saved;
        }
    }

    /// <summary>Straight-line code for <see cref="ColdCodeInterpretedInsideRegionsMatchesTheInterpreter"/>, its last byte <paramref name="tag"/>'s (compiled code is cached per code).</summary>
    private static byte[] ColdStraightLine(Random random, int tag)
    {
        // Seventeen words first (mostly: fewer sometimes, so that deep DUP/SWAP underflow).
        var code = new List<byte>();
        int words = random.Next(5) == 0 ? random.Next(17) : 17;
        for (int i = 0; i < words; i++)
        {
            code.AddRange([(byte)Opcode.PUSH1, (byte)random.Next(256)]);
        }

        int length = code.Count + random.Next(20, 160);
        while (code.Count < length)
        {
            int pick = random.Next(100);
            if (pick < 22)
            {
                AddPush(code, random);
            }
            else if (pick < 42)
            {
                code.Add((byte)random.Next((int)Opcode.DUP1, (int)Opcode.SWAP16 + 1));
            }
            else if (pick < 56)
            {
                code.Add(random.Next(5) switch { 0 => (byte)Opcode.ADD, 1 => (byte)Opcode.SUB, 2 => (byte)Opcode.AND, 3 => (byte)Opcode.POP, _ => (byte)Opcode.JUMPDEST });
            }
            else if (pick < 62)
            {
                // SIGNEXTEND by a byte index near the word's bytes (0–33) or by the stack's word.
                if (random.Next(2) == 0)
                {
                    code.AddRange([(byte)Opcode.PUSH1, (byte)random.Next(34)]);
                }

                code.Add((byte)Opcode.SIGNEXTEND);
            }
            else if (pick < 74)
            {
                // MLOAD or MSTORE at an offset inside memory or past it (an expansion, charged), or at the stack's word.
                if (random.Next(4) != 0)
                {
                    code.AddRange([(byte)Opcode.PUSH1, (byte)random.Next(0, 200)]);
                }

                code.Add(random.Next(2) == 0 ? (byte)Opcode.MLOAD : (byte)Opcode.MSTORE);
            }
            else if (pick < 82)
            {
                // A jump forward over a few bytes to its JUMPDEST, or one byte short (a JUMPDEST inside PUSH data, or
                // a JUMPDEST before it), or to the input's offset; JUMPI on a zero or non-zero condition.
                var skipped = new List<byte>();
                for (int i = random.Next(1, 4); i > 0; i--)
                {
                    skipped.AddRange(random.Next(2) == 0 ? [(byte)Opcode.PUSH1, (byte)Opcode.JUMPDEST] : [(byte)Opcode.JUMPDEST]);
                }

                bool conditional = random.Next(2) == 0;
                int target = code.Count + (conditional ? 2 : 0) + 4 + skipped.Count - (random.Next(4) == 0 ? 1 : 0);
                if (conditional)
                {
                    code.AddRange([(byte)Opcode.PUSH1, (byte)random.Next(2)]);
                }

                code.AddRange(random.Next(4) == 0
                    ? [(byte)Opcode.PUSH0, (byte)Opcode.CALLDATALOAD, (byte)Opcode.JUMPDEST]
                    : [0x61, (byte)(target >> 8), (byte)target, (byte)Opcode.JUMPDEST]);
                code[^1] = conditional ? (byte)Opcode.JUMPI : (byte)Opcode.JUMP;
                code.AddRange(skipped);
                code.Add((byte)Opcode.JUMPDEST);
            }
            else
            {
                // Handler-run opcodes that read or move the registers: the gas left, Pc, memory size, a stored value.
                code.Add(random.Next(5) switch
                {
                    0 => (byte)Opcode.GAS,
                    1 => (byte)Opcode.PC,
                    2 => (byte)Opcode.MSIZE,
                    3 => (byte)Opcode.MUL,
                    _ => (byte)Opcode.SSTORE,
                });
            }
        }

        // The top words into memory and the memory returned, so computed values are compared; sometimes a PUSH cut off
        // by the code's end instead (its zero-padded immediate left on the stack, then STOP).
        if (random.Next(6) == 0)
        {
            code.AddRange([(byte)Opcode.GAS, (byte)Opcode.PUSH1, 0xe0, (byte)Opcode.MSTORE]);
            code.AddRange([(byte)Opcode.PUSH32, 0x01, 0x02, (byte)tag]);
            return [.. code];
        }

        code.AddRange([0x61, 0x01, 0x00, (byte)Opcode.MSTORE, 0x61, 0x01, 0x20, (byte)Opcode.MSTORE, (byte)Opcode.GAS, 0x61, 0x01, 0x40, (byte)Opcode.MSTORE]);
        code.AddRange([(byte)Opcode.MSIZE, (byte)Opcode.PUSH1, 0, (byte)Opcode.RETURN, (byte)tag]);
        return [.. code];
    }

    private static void Fuzz(int seed, int maxPrograms, TimeSpan budget)
    {
        var random = new Random(seed);
        List<byte[]> corpus = ConsensusContracts();
        Assert.NotEmpty(corpus);
        var clock = Stopwatch.StartNew();
        int programs = 0, compiled = 0, succeeded = 0;
        while (programs < maxPrograms && clock.Elapsed < budget)
        {
            byte[] code = (programs % 3) switch
            {
                0 => Structured(random),
                1 => Mutated(random, corpus[random.Next(corpus.Count)]),
                _ => random.Next(4) == 0 ? RandomBytes(random) : corpus[random.Next(corpus.Count)],
            };
            byte[] callee = programs % 2 == 0 ? Structured(random) : Mutated(random, corpus[random.Next(corpus.Count)]);
            long gas = random.Next(3) switch
            {
                0 => random.Next(0, 200),
                1 => random.Next(200, 20_000),
                _ => random.Next(20_000, 400_000),
            };
            byte[] input = new byte[random.Next(0, 70)];
            random.NextBytes(input);
            if (EvmCompiler.TryCompile(code, JumpDestinations.Analyze(code), Fork.Cancun) is not null)
            {
                compiled++;
            }

            if (AssertSameOutcome(code, callee, gas, input, programs))
            {
                succeeded++;
            }

            programs++;
        }

        Assert.True(programs >= 100, $"only {programs} programs ran within the budget");
        Assert.True(compiled >= programs * 9 / 10, $"{compiled} of {programs} programs compiled");
        // Only a run that succeeds shows its computed values (storage, output, gas left); failures all look alike.
        Assert.True(succeeded >= programs / 10, $"{succeeded} of {programs} programs succeeded");
    }

    [Fact]
    public void GasSeenByGasOpcodeAndOutOfGasPointAreExact()
    {
        // PUSH1 1 PUSH1 2 ADD GAS PUSH1 0 MSTORE ... RETURN(0,32): the GAS value must not include later instructions' charge.
        byte[] code = [0x60, 0x01, 0x60, 0x02, 0x01, 0x5a, 0x60, 0x00, 0x52, 0x60, 0x20, 0x60, 0x00, 0xf3];
        for (long gas = 0; gas < 60; gas++)
        {
            AssertSameOutcome(code, [], gas, [], (int)gas);
        }
    }

    [Fact]
    public void HotCodeIsCompiledInTheBackgroundAndThenRunsCompiled()
    {
        // A loop summing 1..200, returning the sum; the PUSH32 makes the code (and so its cache entry) this test's own.
        byte[] code = Convert.FromHexString(
            "7f" + "15a1ce5c0de15a1ce5c0de15a1ce5c0de15a1ce5c0de15a1ce5c0de15a1ce5c0" + "50" +
            "600060c8" + // sum=0, i=200
            "5b" + // loop: [sum, i]
            "80" + "91" + "01" + "90" + // sum += i
            "6001" + "90" + "03" + // i -= 1
            "80" + "6026" + "57" + // if i != 0 goto 0x26? (fixed below)
            "50" + "6000" + "52" + "60206000f3");
        int loop = Array.IndexOf(code, (byte)0x5b, 34);
        code[Array.IndexOf(code, (byte)0x57, loop) - 1] = (byte)loop;
        var harness = new VmHarness();
        ExecutionResult interpreted = harness.Run(code, tier: VmTier.Interpreter);
        Assert.True(interpreted.Success, interpreted.Error);
        Assert.Equal(new UInt256(20_100), UInt256.FromBigEndian(interpreted.Output.Span));

        CodeEntry entry = CodeCache.Shared.Get(Core.Crypto.Keccak256.Hash(code), code);
        var clock = Stopwatch.StartNew();
        while (entry.CompiledFor(Fork.Cancun) is null && clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            ExecutionResult r = harness.Run(code, tier: VmTier.Compiled);
            Assert.Equal(interpreted.GasLeft, r.GasLeft);
            Assert.True(r.Output.Span.SequenceEqual(interpreted.Output.Span));
            if (entry.Calls >= MetisVm.HotCallThreshold)
            {
                Thread.Sleep(10);
            }
        }

        Assert.NotNull(entry.CompiledFor(Fork.Cancun));
        ExecutionResult compiled = harness.Run(code, tier: VmTier.Compiled);
        Assert.Equal(interpreted.GasLeft, compiled.GasLeft);
        Assert.True(compiled.Output.Span.SequenceEqual(interpreted.Output.Span));
    }

    /// <summary>Runs the program in both tiers, asserts they agree, and tells whether it succeeded.</summary>
    private static bool AssertSameOutcome(byte[] code, byte[] callee, long gas, byte[] input, int index)
    {
        (ExecutionResult Result, string State) interpreted = RunOnce(code, callee, gas, input, VmTier.Interpreter);
        (ExecutionResult Result, string State) compiled = RunOnce(code, callee, gas, input, VmTier.CompiledAlways);
        string what = $"program {index}: code {Convert.ToHexString(code)} callee {Convert.ToHexString(callee)} gas {gas} input {Convert.ToHexString(input)}";
        Assert.True(interpreted.Result.Success == compiled.Result.Success, $"success differs, {what}");
        Assert.True(interpreted.Result.Reverted == compiled.Result.Reverted, $"revert differs, {what}");
        Assert.True(interpreted.Result.Error == compiled.Result.Error, $"error {interpreted.Result.Error} vs {compiled.Result.Error}, {what}");
        Assert.True(interpreted.Result.GasLeft == compiled.Result.GasLeft, $"gas left {interpreted.Result.GasLeft} vs {compiled.Result.GasLeft}, {what}");
        Assert.True(interpreted.Result.Output.Span.SequenceEqual(compiled.Result.Output.Span), $"output differs, {what}");
        Assert.True(interpreted.State == compiled.State, $"state or logs differ, {what}\n{interpreted.State}\n---\n{compiled.State}");
        return interpreted.Result.Success;
    }

    private static (ExecutionResult Result, string State) RunOnce(byte[] code, byte[] callee, long gas, byte[] input, VmTier tier)
    {
        var harness = new VmHarness();
        harness.State.SetAccount(VmHarness.Other, 5, callee, nonce: 1);
        harness.State.SetCommittedStorage(VmHarness.Contract, 1, 42);
        ExecutionResult result = harness.Run(code, gas, input, value: 3, tier: tier);
        return (result, harness.State.Describe());
    }

    /// <summary>Programs of mostly well-formed instructions: small pushes (so that jumps hit JUMPDESTs), stack shuffles, memory, storage, logs, calls.</summary>
    private static byte[] Structured(Random random)
    {
        // Sixteen words first, so that most instructions find their operands.
        var code = new List<byte>();
        for (int i = 0; i < 16; i++)
        {
            code.AddRange([(byte)Opcode.PUSH1, (byte)random.Next(256)]);
        }

        int length = code.Count + random.Next(4, 120);
        while (code.Count < length)
        {
            int pick = random.Next(100);
            if (pick < 30)
            {
                code.Add((byte)Opcode.PUSH1);
                code.Add((byte)random.Next(0, Math.Max(8, length)));
            }
            else if (pick < 35)
            {
                int n = random.Next(2, 33);
                code.Add((byte)((int)Opcode.PUSH1 + n - 1));
                for (int i = 0; i < n; i++)
                {
                    code.Add((byte)random.Next(256));
                }
            }
            else if (pick < 45)
            {
                code.Add((byte)Opcode.JUMPDEST);
            }
            else if (pick < 48)
            {
                code.Add(random.Next(4) == 0 ? (byte)Opcode.JUMP : (byte)Opcode.JUMPI);
            }
            else if (pick < 62)
            {
                code.Add((byte)random.Next((int)Opcode.DUP1, (int)Opcode.SWAP16 + 1));
            }
            else if (pick < 70)
            {
                // Make values observable: the gas left or the top of the stack into a storage slot.
                code.Add(random.Next(2) == 0 ? (byte)Opcode.GAS : (byte)Opcode.DUP1);
                code.AddRange([(byte)Opcode.PUSH1, (byte)random.Next(8), (byte)Opcode.SSTORE]);
            }
            else if (pick < 72)
            {
                // CALL to the callee with the gas left: GAS, then the six other arguments.
                code.AddRange([0x60, 0x20, 0x60, 0x00, 0x60, 0x20, 0x60, 0x00, 0x60, 0x00, 0x73]);
                code.AddRange(VmHarness.Other.ToArray());
                code.AddRange([0x5a, random.Next(2) == 0 ? (byte)Opcode.CALL : (byte)Opcode.STATICCALL]);
            }
            else
            {
                ReadOnlySpan<byte> common =
                [
                    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16,
                    0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x20, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a,
                    0x3d, 0x3e, 0x3f, 0x43, 0x45, 0x46, 0x47, 0x48, 0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x58, 0x59, 0x5a, 0x5c, 0x5d,
                    0x5e, 0x5f, 0xa0, 0xa1, 0xa2, 0xf3, 0xfd, 0xfe, 0xff, 0x0c, 0xef,
                ];
                code.Add(common[random.Next(common.Length)]);
            }
        }

        // Running off the end returns the memory, so that what the program computed there is compared too.
        code.AddRange([(byte)Opcode.MSIZE, (byte)Opcode.PUSH1, 0, (byte)Opcode.RETURN]);
        return [.. code];
    }

    /// <summary>A PUSH1–PUSH32 of random bytes, a third of them 0xff (so limbs carry and signs are set).</summary>
    private static void AddPush(List<byte> code, Random random)
    {
        int n = random.Next(1, 33);
        code.Add((byte)((int)Opcode.PUSH1 + n - 1));
        for (int i = 0; i < n; i++)
        {
            code.Add((byte)(random.Next(3) == 0 ? 0xff : random.Next(256)));
        }
    }

    /// <summary>Straight-line blocks for <see cref="CompiledBlocksMatchTheInterpreterOnFoldingShufflingAndMidBlockFailures"/>.</summary>
    private static byte[] BlockShapes(Random random)
    {
        // Mostly 17 words first (constants and values only known at run time), sometimes fewer so deep DUP/SWAP underflow.
        var code = new List<byte>();
        int words = random.Next(4) == 0 ? random.Next(17) : 17;
        for (int i = 0; i < words; i++)
        {
            switch (random.Next(4))
            {
                case 0:
                    code.Add((byte)Opcode.CALLVALUE);
                    break;
                case 1:
                    code.AddRange([(byte)Opcode.PUSH1, (byte)random.Next(0, 64), (byte)Opcode.CALLDATALOAD]);
                    break;
                default:
                    code.AddRange([(byte)Opcode.PUSH1, (byte)random.Next(256)]);
                    break;
            }
        }

        ReadOnlySpan<byte> wordOps =
        [
            0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0b, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
            0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d,
        ];
        int length = code.Count + random.Next(10, 160);
        while (code.Count < length)
        {
            int pick = random.Next(100);
            if (pick < 15)
            {
                // A constant operation: PUSH PUSH op, or a constant shift/mask of what is there.
                if (random.Next(2) == 0)
                {
                    code.AddRange([(byte)Opcode.PUSH1, (byte)random.Next(256)]);
                }

                code.AddRange(random.Next(3) switch
                {
                    0 => [(byte)Opcode.PUSH1, 0xe0, (byte)Opcode.SHR],
                    1 => [0x63, 0xff, 0xff, 0xff, 0xff, (byte)Opcode.AND],
                    _ => [(byte)Opcode.PUSH1, (byte)random.Next(256), wordOps[random.Next(wordOps.Length)]],
                });
            }
            else if (pick < 25)
            {
                AddPush(code, random);
            }
            else if (pick < 50)
            {
                code.Add((byte)random.Next((int)Opcode.DUP1, (int)Opcode.SWAP16 + 1));
            }
            else if (pick < 70)
            {
                code.Add(wordOps[random.Next(wordOps.Length)]);
            }
            else if (pick < 73)
            {
                code.Add((byte)Opcode.POP);
            }
            else if (pick < 75)
            {
                code.AddRange([(byte)Opcode.CALLVALUE, (byte)Opcode.PUSH1, (byte)random.Next(256)]);
            }
            else if (pick < 82)
            {
                // Side effects the interpreter must show exactly: a storage write, memory (also expanded past the gas
                // left), a log, the gas left.
                code.AddRange(random.Next(7) switch
                {
                    0 => [(byte)Opcode.DUP1, (byte)Opcode.PUSH1, (byte)random.Next(8), (byte)Opcode.SSTORE],
                    1 => [(byte)Opcode.DUP1, (byte)Opcode.PUSH1, (byte)(32 * random.Next(4)), (byte)Opcode.MSTORE],
                    2 => [(byte)Opcode.DUP1, (byte)Opcode.PUSH1, 0, (byte)Opcode.MSTORE, (byte)Opcode.PUSH1, 32, (byte)Opcode.PUSH1, 0, (byte)Opcode.LOG0],
                    3 => [(byte)Opcode.PUSH1, (byte)random.Next(100), (byte)Opcode.MLOAD],
                    4 => [0x81, 0x81, (byte)Opcode.MSTORE8],
                    5 => [0x62, (byte)random.Next(4), 0, 0, random.Next(2) == 0 ? (byte)Opcode.MLOAD : (byte)Opcode.MSIZE],
                    _ => [(byte)Opcode.GAS],
                });
            }
            else if (pick < 90)
            {
                // A forward JUMPI over one instruction: constant, computed (ISZERO, LT) or slot condition.
                code.AddRange(random.Next(4) switch
                {
                    0 => [(byte)Opcode.PUSH1, (byte)random.Next(2)],
                    1 => [(byte)Opcode.DUP1, (byte)Opcode.ISZERO],
                    2 => [0x81, 0x81, (byte)Opcode.LT],
                    _ => [],
                });
                int over = code.Count + 5;
                code.AddRange([0x61, (byte)(over >> 8), (byte)over, (byte)Opcode.JUMPI, random.Next(4) == 0 ? (byte)Opcode.INVALID : (byte)Opcode.POP, (byte)Opcode.JUMPDEST]);
            }
            else if (pick < 93)
            {
                // A jump to the next instruction with the destination computed (not a constant) or PUSHed twice.
                int next = code.Count + (random.Next(2) == 0 ? 7 : 5);
                code.AddRange(next == code.Count + 7
                    ? [0x61, (byte)(next >> 8), (byte)next, (byte)Opcode.PUSH1, 0, (byte)Opcode.ADD, (byte)Opcode.JUMP, (byte)Opcode.JUMPDEST]
                    : [0x61, (byte)(next >> 8), (byte)next, (byte)Opcode.DUP1, (byte)Opcode.JUMP, (byte)Opcode.JUMPDEST, (byte)Opcode.POP]);
            }
            else
            {
                code.Add((byte)Opcode.JUMPDEST);
            }
        }

        // The stack's top words into storage, then memory returned: what the block computed becomes observable.
        code.AddRange([(byte)Opcode.DUP1, (byte)Opcode.PUSH1, 8, (byte)Opcode.SSTORE, 0x81, (byte)Opcode.PUSH1, 9, (byte)Opcode.SSTORE]);
        code.AddRange([(byte)Opcode.MSIZE, (byte)Opcode.PUSH1, 0, (byte)Opcode.RETURN]);
        return [.. code];
    }

    private static byte[] Mutated(Random random, byte[] original)
    {
        var code = new List<byte>(original);
        int mutations = random.Next(1, 5);
        for (int m = 0; m < mutations; m++)
        {
            int at = code.Count == 0 ? 0 : random.Next(code.Count);
            switch (random.Next(3))
            {
                case 0 when code.Count > 0:
                    code[at] = (byte)random.Next(256);
                    break;
                case 1:
                    code.Insert(at, (byte)random.Next(256));
                    break;
                default:
                    if (code.Count > 1)
                    {
                        code.RemoveAt(at);
                    }

                    break;
            }
        }

        return [.. code];
    }

    private static byte[] RandomBytes(Random random)
    {
        byte[] code = new byte[random.Next(1, 200)];
        random.NextBytes(code);
        return code;
    }

    /// <summary>The code of every account in the state tests' pre-states of a few directories, distinct, in a fixed order.</summary>
    private static List<byte[]> ConsensusContracts()
    {
        var codes = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (string directory in new[] { "VMTests", "stRandom", "stMemoryTest", "stStackTests", "stCallCodes", "stSolidityTest", "stShift", "stLogTests", "stReturnDataTest" })
        {
            string path = Fixtures.EthereumTests("GeneralStateTests", directory);
            if (!Directory.Exists(path))
            {
                continue;
            }

            foreach (string file in Directory.EnumerateFiles(path, "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                using JsonDocument document = JsonDocument.Parse(File.ReadAllBytes(file));
                foreach (JsonProperty test in document.RootElement.EnumerateObject())
                {
                    if (!test.Value.TryGetProperty("pre", out JsonElement pre))
                    {
                        continue;
                    }

                    foreach (JsonProperty account in pre.EnumerateObject())
                    {
                        if (account.Value.TryGetProperty("code", out JsonElement code) && code.GetString() is { Length: > 2 } hex && hex.Length % 2 == 0 && hex.StartsWith("0x", StringComparison.Ordinal))
                        {
                            codes.TryAdd(hex, Convert.FromHexString(hex.AsSpan(2)));
                        }
                    }
                }
            }
        }

        return [.. codes.Values];
    }
}
