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

        // Every budget runs the code to the interpreter's result.
        foreach (EvmCompiler.Budgets budgets in new[] { EvmCompiler.Budgets.Default, new EvmCompiler.Budgets(1, 2, TimeSpan.FromSeconds(2)), new EvmCompiler.Budgets(1, 64, TimeSpan.Zero) })
        {
            EvmCompiler.Budgets saved = EvmCompiler.CurrentBudgets;
            try
            {
                EvmCompiler.CurrentBudgets = budgets;
                bool succeeded = false;
                for (long gas = 0; gas < 3_000; gas += 97)
                {
                    succeeded |= AssertSameOutcome(bytes, [], gas, [], (int)gas);
                }

                Assert.True(succeeded);
            }
            finally
            {
                EvmCompiler.CurrentBudgets = saved;
            }
        }
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
