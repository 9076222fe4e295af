using System.Diagnostics;
using System.Reflection;
using System.Reflection.Emit;
using Hyperion.Core;
using Hyperion.Evm.Interpreter;

namespace Hyperion.Evm.Compiled;

/// <summary>
/// Compiles EVM code for one fork to IL, one basic block after another, in regions: runs of consecutive blocks cut at
/// an IL size budget, one <see cref="DynamicMethod"/> each, small enough for the JIT to optimize (it gives up on
/// methods past 60 KB of IL or 2,000 basic blocks) and to compile quickly. A jump or fall-through into another
/// region's block leaves the method with that block's index and the contract's loop enters the other one there. The compiled
/// code keeps the interpreter's state (stack in the frame's slots, <c>Sp</c>, <c>Gas</c>, <c>Pc</c> in the
/// <see cref="InstructionContext"/>) exact at every point where anything can observe it, so it can hand a frame to
/// the interpreter at any block or gas-segment start and resume after a child frame like the interpreter does.
/// </summary>
/// <remarks>
/// Exactness, block by block:
/// <list type="bullet">
/// <item>Stack: a block's height range (enough items for every instruction, room for every push) is checked once on
/// entry; outside it the interpreter runs the block, and reports the same error at the same instruction.</item>
/// <item>Gas: a block is cut into segments that end at each instruction whose handler reads or charges gas (memory,
/// storage, calls, GAS, EXP, …). A segment's static gas is checked and charged at its start, so such an instruction
/// sees exactly the gas the interpreter would show it; when it does not fit, the interpreter runs from the segment's
/// start and runs out at the same instruction.</item>
/// <item>Stack words within a block: PUSH, PC, DUP, SWAP, POP and the gas-free word operations (arithmetic,
/// comparisons, bitwise, shifts; not EXP) work on a compile-time stack of pending words, constants or IL locals, above
/// the frame's slots: operations on constants are folded, others computed into locals, DUP/SWAP of pending words
/// cost nothing. MLOAD/MSTORE/MSTORE8 run the handlers' routines on pending words too (their only failure, out of
/// gas, ends the frame with nothing left to observe). The pending words are stored into the frame's slots (and
/// <c>Sp</c> moved) before every other handler call, jump and block end, and on the path where a gas segment's check
/// fails, so wherever the interpreter takes over or anything can observe the stack, the frame is exactly the
/// interpreter's.</item>
/// <item>Jumps: a constant destination (a PUSHed word, also through DUP/SWAP) makes JUMP/JUMPI a direct branch (or
/// InvalidJump when it is not a JUMPDEST), and a constant condition decides JUMPI at compile time; other jumps check
/// the destination against the JUMPDEST analysis and branch through a switch over the blocks.</item>
/// <item>CALL*/CREATE* end their block: the frame loop runs the child and re-enters at the next block.</item>
/// </list>
/// Every other instruction calls the interpreter's handler for the fork on the frame's stack.
/// Budgets bound what hostile code can cost: code size, blocks, instructions per block, IL per region, regions per
/// contract and compile time; blocks past a budget are left to the interpreter, which takes the frame over at the
/// exact block start.
/// </remarks>
public static class EvmCompiler
{
    /// <summary>Largest code compiled (EIP-3860's init code limit): larger code stays interpreted.</summary>
    public const int MaxCodeSize = GasCost.MaxInitCodeSize;

    /// <summary>Most basic blocks compiled: each is a switch case and a JIT basic block; hostile code with more stays interpreted.</summary>
    public const int MaxBlocks = 8192;

    /// <summary>Instructions per basic block at most: longer straight-line code is cut (the cut is a block start only reached by falling through), so no block's IL outgrows a region.</summary>
    public const int MaxBlockInstructions = 128;

    /// <summary>Consecutive cold instructions (see <see cref="ColdBlocks"/>) from which the region interprets them rather than compiling them.</summary>
    public const int MinColdRun = 16;

    /// <summary>The budgets <see cref="TryCompile(ReadOnlySpan{byte}, JumpDestinations, Fork)"/> uses: <see cref="Budgets.Default"/>; tests shrink them (any budget gives the same results, only less code compiled).</summary>
    internal static Budgets CurrentBudgets { get; set; } = Budgets.Default;

    /// <summary>The compile budgets; <see cref="Default"/> unless a test asks for others.</summary>
    /// <param name="RegionIlBytes">A region closes after the first block that takes its IL to this size.</param>
    /// <param name="MaxRegions">Regions per contract; blocks after the last are interpreted.</param>
    /// <param name="ColdRunInstructions">Cold instructions in a run from which the region interprets them (<see cref="MinColdRun"/>; tests raise it to compile everything).</param>
    /// <param name="MaxTime">Wall time after which no further region is compiled (its blocks are interpreted): a backstop, as the other budgets already bound the JIT's work, set high enough that a loaded machine still compiles whole contracts; the compiled tier gives the interpreter's results, so this never affects consensus.</param>
    public readonly record struct Budgets(int RegionIlBytes, int MaxRegions, TimeSpan MaxTime, int ColdRunInstructions = MinColdRun)
    {
        public static Budgets Default { get; } = new(RegionIlBytes: 16 * 1024, MaxRegions: 64, MaxTime: TimeSpan.FromSeconds(5));
    }

    private static readonly FieldInfo PcField = typeof(InstructionContext).GetField(nameof(InstructionContext.Pc))!;
    private static readonly FieldInfo SpField = typeof(InstructionContext).GetField(nameof(InstructionContext.Sp))!;
    private static readonly FieldInfo GasField = typeof(InstructionContext).GetField(nameof(InstructionContext.Gas))!;
    private static readonly FieldInfo[] LimbFields = [.. new[] { nameof(UInt256.U0), nameof(UInt256.U1), nameof(UInt256.U2), nameof(UInt256.U3) }.Select(name => typeof(UInt256).GetField(name)!)];
    private static readonly Type ContextByRef = typeof(InstructionContext).MakeByRefType();

    private static MethodInfo Helper(string name) => typeof(CompiledHelpers).GetMethod(name, BindingFlags.Static | BindingFlags.Public)!;

    private static readonly MethodInfo StackBaseMethod = Helper(nameof(CompiledHelpers.StackBase));
    private static readonly MethodInfo EntryBlockMethod = Helper(nameof(CompiledHelpers.EntryBlock));
    private static readonly MethodInfo LeaveMethod = Helper(nameof(CompiledHelpers.Leave));
    private static readonly MethodInfo InterpretRangeMethod = Helper(nameof(CompiledHelpers.InterpretRange));
    private static readonly MethodInfo PopJumpMethod = Helper(nameof(CompiledHelpers.PopJump));
    private static readonly MethodInfo PopJumpIMethod = Helper(nameof(CompiledHelpers.PopJumpI));
    private static readonly MethodInfo AbortRequestedMethod = Helper(nameof(CompiledHelpers.AbortRequested));

    /// <summary>
    /// The handler methods by entry point, so the IL can call a handler directly (which the JIT may inline) rather
    /// than through its function pointer; a pointer not found here is called indirectly.
    /// </summary>
    private static readonly Dictionary<nint, MethodInfo> HandlersByEntryPoint = typeof(Instructions)
        .GetMethods(BindingFlags.Static | BindingFlags.Public)
        .Where(m => m.ReturnType == typeof(StepResult) && m.GetParameters() is [{ ParameterType: var p }] && p == ContextByRef)
        .ToDictionary(m => m.MethodHandle.GetFunctionPointer(), m => m);

    /// <summary>
    /// The word operations the IL computes on values in locals (or folds when every operand is a constant), by the
    /// handler they stand for: each takes its operands top of stack first and writes the pushed word, exactly what the
    /// handler computes (the same <see cref="UInt256"/> routines). Keyed by handler so a fork without the opcode (or
    /// with another handler for it) is never compiled this way.
    /// </summary>
    private static readonly Dictionary<MethodInfo, MethodInfo> WordOperations = BuildWordOperations();

    /// <summary>
    /// MLOAD, MSTORE, MSTORE8 by handler: the routine the handler calls on its operands (top of stack first; false when
    /// the memory expansion runs out of gas), so the IL runs it on pending words without storing them. Their only
    /// failure is out of gas, which ends the frame with no gas left, so the frame's stack need not be exact then.
    /// </summary>
    private static readonly Dictionary<MethodInfo, MethodInfo> MemoryOperations = new()
    {
        [typeof(Instructions).GetMethod(nameof(Instructions.MLoad))!] = typeof(Instructions).GetMethod(nameof(Instructions.LoadWord), BindingFlags.Static | BindingFlags.NonPublic)!,
        [typeof(Instructions).GetMethod(nameof(Instructions.MStore))!] = typeof(Instructions).GetMethod(nameof(Instructions.StoreWord), BindingFlags.Static | BindingFlags.NonPublic)!,
        [typeof(Instructions).GetMethod(nameof(Instructions.MStore8))!] = typeof(Instructions).GetMethod(nameof(Instructions.StoreByte), BindingFlags.Static | BindingFlags.NonPublic)!,
    };

    /// <summary>UInt256's routine <paramref name="name"/> on <paramref name="operands"/> words and a result, all by reference.</summary>
    private static MethodInfo Arithmetic(string name, int operands) =>
        typeof(UInt256).GetMethod(name, BindingFlags.Static | BindingFlags.Public, [.. Enumerable.Repeat(typeof(UInt256).MakeByRefType(), operands + 1)])!;

    // The word operations the IL writes out on limbs (see Emitter.EmitLimbOperation) rather than calling.
    private static readonly MethodInfo AddOperation = Arithmetic(nameof(UInt256.Add), 2);
    private static readonly MethodInfo SubtractOperation = Arithmetic(nameof(UInt256.Subtract), 2);
    private static readonly MethodInfo AndOperation = Arithmetic(nameof(UInt256.And), 2);
    private static readonly MethodInfo OrOperation = Arithmetic(nameof(UInt256.Or), 2);
    private static readonly MethodInfo XorOperation = Arithmetic(nameof(UInt256.Xor), 2);
    private static readonly MethodInfo NotOperation = Arithmetic(nameof(UInt256.Not), 1);
    private static readonly MethodInfo MultiplyOperation = Helper(nameof(CompiledHelpers.Multiply));
    private static readonly MethodInfo DivideOperation = Arithmetic(nameof(UInt256.Divide), 2);
    private static readonly MethodInfo ModOperation = Arithmetic(nameof(UInt256.Mod), 2);
    private static readonly MethodInfo AddModOperation = Arithmetic(nameof(UInt256.AddMod), 3);
    private static readonly MethodInfo ShlOperation = Helper(nameof(CompiledHelpers.Shl));
    private static readonly MethodInfo ShrOperation = Helper(nameof(CompiledHelpers.Shr));
    private static readonly MethodInfo SarOperation = Helper(nameof(CompiledHelpers.Sar));
    private static readonly MethodInfo LtOperation = Helper(nameof(CompiledHelpers.Lt));
    private static readonly MethodInfo GtOperation = Helper(nameof(CompiledHelpers.Gt));
    private static readonly MethodInfo SLtOperation = Helper(nameof(CompiledHelpers.SLt));
    private static readonly MethodInfo SGtOperation = Helper(nameof(CompiledHelpers.SGt));
    private static readonly MethodInfo EqOperation = Helper(nameof(CompiledHelpers.Eq));
    private static readonly MethodInfo IsZeroOperation = Helper(nameof(CompiledHelpers.IsZero));

    private static Dictionary<MethodInfo, MethodInfo> BuildWordOperations()
    {
        MethodInfo Handler(string name) => typeof(Instructions).GetMethod(name, BindingFlags.Static | BindingFlags.Public)!;
        var operations = new Dictionary<MethodInfo, MethodInfo>
        {
            [Handler(nameof(Instructions.Add))] = Arithmetic(nameof(UInt256.Add), 2),
            [Handler(nameof(Instructions.Mul))] = Helper(nameof(CompiledHelpers.Multiply)),
            [Handler(nameof(Instructions.Sub))] = Arithmetic(nameof(UInt256.Subtract), 2),
            [Handler(nameof(Instructions.Div))] = Arithmetic(nameof(UInt256.Divide), 2),
            [Handler(nameof(Instructions.SDiv))] = Arithmetic(nameof(UInt256.SignedDivide), 2),
            [Handler(nameof(Instructions.Mod))] = Arithmetic(nameof(UInt256.Mod), 2),
            [Handler(nameof(Instructions.SMod))] = Arithmetic(nameof(UInt256.SignedMod), 2),
            [Handler(nameof(Instructions.AddMod))] = Arithmetic(nameof(UInt256.AddMod), 3),
            [Handler(nameof(Instructions.MulMod))] = Arithmetic(nameof(UInt256.MulMod), 3),
            [Handler(nameof(Instructions.SignExtend))] = Arithmetic(nameof(UInt256.SignExtend), 2),
            [Handler(nameof(Instructions.And))] = Arithmetic(nameof(UInt256.And), 2),
            [Handler(nameof(Instructions.Or))] = Arithmetic(nameof(UInt256.Or), 2),
            [Handler(nameof(Instructions.Xor))] = Arithmetic(nameof(UInt256.Xor), 2),
            [Handler(nameof(Instructions.Not))] = Arithmetic(nameof(UInt256.Not), 1),
            [Handler(nameof(Instructions.Byte))] = Arithmetic(nameof(UInt256.Byte), 2),
            [Handler(nameof(Instructions.Lt))] = Helper(nameof(CompiledHelpers.Lt)),
            [Handler(nameof(Instructions.Gt))] = Helper(nameof(CompiledHelpers.Gt)),
            [Handler(nameof(Instructions.SLt))] = Helper(nameof(CompiledHelpers.SLt)),
            [Handler(nameof(Instructions.SGt))] = Helper(nameof(CompiledHelpers.SGt)),
            [Handler(nameof(Instructions.Eq))] = Helper(nameof(CompiledHelpers.Eq)),
            [Handler(nameof(Instructions.IsZero))] = Helper(nameof(CompiledHelpers.IsZero)),
            [Handler(nameof(Instructions.Shl))] = Helper(nameof(CompiledHelpers.Shl)),
            [Handler(nameof(Instructions.Shr))] = Helper(nameof(CompiledHelpers.Shr)),
            [Handler(nameof(Instructions.Sar))] = Helper(nameof(CompiledHelpers.Sar)),
        };
        Debug.Assert(operations.All(o => o.Key is not null && o.Value is not null));
        return operations;
    }

    /// <summary>
    /// A word on the compile-time stack: a constant, the value of a UInt256 local, or a flag: an int local holding 0 or
    /// 1 (a comparison's result), which ISZERO and JUMPI test directly and which is widened to a word only where one is
    /// stored or passed by address.
    /// </summary>
    private readonly record struct StackWord(UInt256 Constant, LocalBuilder? Local)
    {
        public bool IsConstant => Local is null;

        public bool IsFlag => Local is { } local && local.LocalType == typeof(int);

        public static StackWord Of(in UInt256 constant) => new(constant, null);

        public static StackWord Of(LocalBuilder local) => new(default, local);
    }

    /// <summary>One decoded instruction.</summary>
    private readonly record struct Instruction(int Pc, byte Op, UInt256 Immediate);

    /// <summary>
    /// Instructions [First, First+Count) starting at a leader; MinSp/MaxSp: the stack heights on entry for which none of
    /// them fails its stack check. <paramref name="JumpDestRun"/>: the number of consecutive JUMPDESTs the block starts
    /// with when it is more than one (else 0): each is a way in (see <see cref="IsJumpDestRun"/>).
    /// </summary>
    private readonly record struct Block(int First, int Count, int MinSp, int MaxSp, int JumpDestRun = 0)
    {
        /// <summary>
        /// Whether the block starts with a run of JUMPDESTs, one block rather than one per JUMPDEST (which cost a gas
        /// check and a block each): a jump may enter it at any of them, so every way in sets <c>c.Pc</c> to the
        /// JUMPDEST it enters at, and the block charges the static gas of its first segment less the JUMPDESTs it
        /// skipped (one byte and one gas each).
        /// </summary>
        public bool IsJumpDestRun => JumpDestRun > 1;
    }

    /// <summary>
    /// Compiles <paramref name="code"/> for <paramref name="fork"/> and reports what it took (time, IL, blocks, bytes
    /// allocated by this thread, which includes the JIT's managed allocations); null when it does not fit the budgets.
    /// </summary>
    public static CompileStatistics? Measure(ReadOnlySpan<byte> code, Fork fork)
    {
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        CompiledContract? compiled = TryCompile(code, JumpDestinations.Analyze(code), fork);
        return compiled is null ? null : new CompileStatistics(code.Length, compiled.Blocks, compiled.ColdBlocks, compiled.Regions.Count, compiled.InterpretedBlocks, compiled.IlBytes, compiled.CompileTime, GC.GetAllocatedBytesForCurrentThread() - allocated);
    }

    /// <summary>Compiles <paramref name="code"/> for <paramref name="fork"/>, or null when it does not fit the budgets.</summary>
    internal static CompiledContract? TryCompile(ReadOnlySpan<byte> code, JumpDestinations jumps, Fork fork) =>
        TryCompile(code, jumps, fork, CurrentBudgets);

    /// <summary>As <see cref="TryCompile(ReadOnlySpan{byte}, JumpDestinations, Fork)"/> with the given budgets.</summary>
    internal static CompiledContract? TryCompile(ReadOnlySpan<byte> code, JumpDestinations jumps, Fork fork, Budgets budgets)
    {
        if (code.Length > MaxCodeSize)
        {
            return null;
        }

        long started = Stopwatch.GetTimestamp();
        ReadOnlySpan<OpcodeInfo> infos = OpcodeTable.For(fork);
        List<Instruction> instructions = Decode(code);
        List<Block> blocks = SplitBlocks(instructions, jumps, infos);
        if (blocks.Count > MaxBlocks)
        {
            return null;
        }

        var blockAtPc = new int[code.Length + 1];
        var blockPc = new int[blocks.Count];
        Array.Fill(blockAtPc, -1);
        for (int b = 0; b < blocks.Count; b++)
        {
            int first = blocks[b].First;
            blockPc[b] = first < instructions.Count ? instructions[first].Pc : code.Length;
            blockAtPc[blockPc[b]] = b;

            // Every JUMPDEST of a leading run is a way into its block.
            for (int j = 1; j < blocks[b].JumpDestRun; j++)
            {
                blockAtPc[blockPc[b] + j] = b;
            }
        }

        bool[] interpreted = ColdBlocks(instructions, blocks, blockAtPc, jumps, infos, budgets.ColdRunInstructions);
        InstructionTable table = InstructionTable.For(fork);
        var compiled = new CompiledContract(blockAtPc, blockPc, table) { Blocks = blocks.Count, ColdBlocks = interpreted.Count(x => x) };
        OpcodeInfo[] infoArray = infos.ToArray();
        int next = 0;
        while (next < blocks.Count && compiled.Regions.Count < budgets.MaxRegions && Stopwatch.GetElapsedTime(started) < budgets.MaxTime)
        {
            // Locals are not zeroed on entry: every one is written before it is read (a word operation's or load's
            // result, an operand constant, a JUMPI condition), and zeroing a region's UInt256 locals costs each entry.
            var method = new DynamicMethod("metisvm_region", typeof(int), [typeof(CompiledContract), ContextByRef, typeof(int)], typeof(EvmCompiler).Module, skipVisibility: true) { InitLocals = false };
            ILGenerator il = method.GetILGenerator();
            int end = new Emitter(il, instructions, blocks, blockAtPc, blockPc, interpreted, jumps, table, infoArray, next, budgets.RegionIlBytes).Emit();
            compiled.IlBytes += il.ILOffset;
            Array.Fill(compiled.RegionOfBlock, compiled.Regions.Count, next, end - next);
            compiled.Regions.Add((CompiledRegion)method.CreateDelegate(typeof(CompiledRegion), compiled));
            next = end;
        }

        compiled.InterpretedBlocks = blocks.Count - next;
        compiled.Seal();
        foreach (CompiledRegion region in compiled.Regions)
        {
            WarmUp(region);
        }

        compiled.CompileTime = Stopwatch.GetElapsedTime(started);
        return compiled;
    }

    /// <summary>Calls a region once with a block code that is no block, so the JIT compiles it here (on the compiling thread) and it returns at once.</summary>
    private static void WarmUp(CompiledRegion region)
    {
        var c = InstructionContext.ForWarmUp();
        int result = region(ref c, CompiledHelpers.NotABlock);
        Debug.Assert(result == (int)StepResult.Interpret);
    }

    private static List<Instruction> Decode(ReadOnlySpan<byte> code)
    {
        var instructions = new List<Instruction>();
        Span<byte> padded = stackalloc byte[32];
        int pc = 0;
        while (pc < code.Length)
        {
            byte op = code[pc];
            UInt256 immediate = default;
            int next = pc + 1;
            if (op >= (byte)Opcode.PUSH1 && op <= (byte)Opcode.PUSH32)
            {
                int length = op - (byte)Opcode.PUSH1 + 1;
                padded.Clear();
                int available = Math.Max(0, Math.Min(length, code.Length - next));
                code.Slice(next, available).CopyTo(padded);
                immediate = UInt256.FromBigEndian(padded[..length]);
                next += length;
            }

            instructions.Add(new Instruction(pc, op, immediate));
            pc = next;
        }

        return instructions;
    }

    /// <summary>Whether an instruction ends its block: control leaves it, or (CALL*, CREATE*) the frame may suspend after it.</summary>
    private static bool EndsBlock(byte op, in OpcodeInfo info) =>
        !info.Defined || (Opcode)op is Opcode.STOP or Opcode.JUMP or Opcode.JUMPI or Opcode.RETURN or Opcode.REVERT or Opcode.SELFDESTRUCT
            or Opcode.CALL or Opcode.CALLCODE or Opcode.DELEGATECALL or Opcode.STATICCALL or Opcode.CREATE or Opcode.CREATE2;

    /// <summary>
    /// Whether the instruction's handler neither reads nor charges gas, so that its static gas may be charged together
    /// with the instructions after it. Conservative: everything not listed ends a gas segment.
    /// </summary>
    private static bool IsGasFree(byte op) => (Opcode)op switch
    {
        >= Opcode.ADD and <= Opcode.SIGNEXTEND and not Opcode.EXP => true,
        >= Opcode.LT and <= Opcode.SAR => true,
        Opcode.ADDRESS or Opcode.ORIGIN or Opcode.CALLER or Opcode.CALLVALUE or Opcode.CALLDATALOAD or Opcode.CALLDATASIZE
            or Opcode.CODESIZE or Opcode.GASPRICE or Opcode.RETURNDATASIZE => true,
        Opcode.COINBASE or Opcode.TIMESTAMP or Opcode.NUMBER or Opcode.PREVRANDAO or Opcode.GASLIMIT or Opcode.CHAINID
            or Opcode.SELFBALANCE or Opcode.BASEFEE or Opcode.BLOBHASH or Opcode.BLOBBASEFEE or Opcode.BLOCKHASH => true,
        Opcode.POP or Opcode.PC or Opcode.MSIZE or Opcode.JUMPDEST or Opcode.JUMP or Opcode.JUMPI or Opcode.TLOAD => true,
        >= Opcode.PUSH0 and <= Opcode.SWAP16 => true,
        _ => false,
    };

    private static List<Block> SplitBlocks(List<Instruction> instructions, JumpDestinations jumps, ReadOnlySpan<OpcodeInfo> infos)
    {
        var blocks = new List<Block>();

        // JUMPDESTs in a run share a block when each is one byte and one gas (every fork), so that a skipped one is
        // one gas less to charge (see Block.IsJumpDestRun).
        bool runs = infos[(byte)Opcode.JUMPDEST].StaticGas == 1;
        int i = 0;
        while (i < instructions.Count)
        {
            int first = i;
            int height = 0, minSp = 0, maxSp = OpcodeTable.StackLimit;
            int run = 0;
            while (true)
            {
                Instruction ins = instructions[i];
                OpcodeInfo info = infos[ins.Op];
                if (info.Defined)
                {
                    minSp = Math.Max(minSp, info.Pops - height);
                    maxSp = Math.Min(maxSp, info.MaxStackBefore - height);
                    height += info.Pushes - info.Pops;
                }

                if (run == i - first && IsLeader(ins, jumps))
                {
                    run++;
                }

                i++;
                bool inRun = runs && run == i - first;
                if (EndsBlock(ins.Op, info) || i == instructions.Count || (IsLeader(instructions[i], jumps) && !inRun)
                    || i - first - (run > 1 ? run : 0) == MaxBlockInstructions)
                {
                    break;
                }
            }

            blocks.Add(new Block(first, i - first, minSp, maxSp, runs && run > 1 ? run : 0));
        }

        // The end of the code (STOP): where the last block falls through and a frame may resume after a final CALL.
        blocks.Add(new Block(instructions.Count, 0, 0, OpcodeTable.StackLimit));
        return blocks;
    }

    /// <summary>
    /// The blocks the regions interpret rather than compile: those in runs of at least <see cref="MinColdRun"/>
    /// instructions of consecutive blocks that lie on no cycle of the control-flow graph (fall-through, constant jumps,
    /// and a jump with its destination on the stack to any JUMPDEST), so each runs at most once per frame; long
    /// straight-line code compiled costs more in instruction-cache misses than interpreting it once.
    /// </summary>
    private static bool[] ColdBlocks(List<Instruction> instructions, List<Block> blocks, int[] blockAtPc, JumpDestinations jumps, ReadOnlySpan<OpcodeInfo> infos, int minColdRun)
    {
        // Node blocks.Count stands for "any JUMPDEST": dynamic jumps lead to it, it leads to every JUMPDEST block.
        int anyJumpDest = blocks.Count;
        var successors = new List<int>[blocks.Count + 1];
        successors[anyJumpDest] = [];
        for (int b = 0; b < blocks.Count; b++)
        {
            var next = new List<int>(2);
            successors[b] = next;
            Block block = blocks[b];
            if (block.Count == 0)
            {
                continue;
            }

            if (IsLeader(instructions[block.First], jumps))
            {
                successors[anyJumpDest].Add(b);
            }

            Instruction last = instructions[block.First + block.Count - 1];
            Opcode op = (Opcode)last.Op;
            if (op is Opcode.JUMP or Opcode.JUMPI)
            {
                Instruction before = instructions[block.First + block.Count - (block.Count >= 2 ? 2 : 1)];
                if (block.Count >= 2 && IsPush(before.Op))
                {
                    if (before.Immediate.IsUInt64 && jumps.IsValid(before.Immediate.U0))
                    {
                        next.Add(blockAtPc[(int)before.Immediate.U0]);
                    }
                }
                else
                {
                    next.Add(anyJumpDest);
                }
            }

            bool fallsThrough = infos[last.Op].Defined && op is not (Opcode.STOP or Opcode.JUMP or Opcode.RETURN or Opcode.REVERT or Opcode.SELFDESTRUCT);
            if (fallsThrough && b + 1 < blocks.Count)
            {
                next.Add(b + 1);
            }
        }

        bool[] cyclic = Cyclic(successors);
        var interpreted = new bool[blocks.Count];
        int runStart = 0, runInstructions = 0;
        for (int b = 0; b <= blocks.Count; b++)
        {
            // The final, empty block (end of code) always ends a run.
            bool cold = b < blocks.Count - 1 && !cyclic[b];
            if (cold)
            {
                runInstructions += blocks[b].Count;
                continue;
            }

            if (runInstructions >= minColdRun)
            {
                Array.Fill(interpreted, true, runStart, b - runStart);
            }

            runStart = b + 1;
            runInstructions = 0;
        }

        return interpreted;
    }

    /// <summary>Which nodes lie on a cycle: Tarjan's strongly connected components, iteratively (no recursion on hostile code).</summary>
    private static bool[] Cyclic(List<int>[] successors)
    {
        int n = successors.Length;
        var index = new int[n];
        var low = new int[n];
        var onStack = new bool[n];
        var cyclic = new bool[n];
        Array.Fill(index, -1);
        var component = new Stack<int>();
        var calls = new Stack<(int Node, int Edge)>();
        int counter = 0;
        for (int root = 0; root < n; root++)
        {
            if (index[root] >= 0)
            {
                continue;
            }

            index[root] = low[root] = counter++;
            component.Push(root);
            onStack[root] = true;
            calls.Push((root, 0));
            while (calls.Count > 0)
            {
                (int v, int edge) = calls.Pop();
                if (edge < successors[v].Count)
                {
                    calls.Push((v, edge + 1));
                    int w = successors[v][edge];
                    if (index[w] < 0)
                    {
                        index[w] = low[w] = counter++;
                        component.Push(w);
                        onStack[w] = true;
                        calls.Push((w, 0));
                    }
                    else if (onStack[w])
                    {
                        low[v] = Math.Min(low[v], index[w]);
                    }

                    continue;
                }

                if (calls.Count > 0)
                {
                    int parent = calls.Peek().Node;
                    low[parent] = Math.Min(low[parent], low[v]);
                }

                if (low[v] == index[v])
                {
                    int w, size = 0;
                    var members = new List<int>();
                    do
                    {
                        w = component.Pop();
                        onStack[w] = false;
                        members.Add(w);
                        size++;
                    }
                    while (w != v);

                    if (size > 1 || successors[v].Contains(v))
                    {
                        foreach (int m in members)
                        {
                            cyclic[m] = true;
                        }
                    }
                }
            }
        }

        return cyclic;
    }

    private static bool IsPush(byte op) => op >= (byte)Opcode.PUSH0 && op <= (byte)Opcode.PUSH32;

    private static bool IsLeader(in Instruction ins, JumpDestinations jumps) => ins.Op == (byte)Opcode.JUMPDEST && jumps.IsValid((ulong)ins.Pc);

    /// <summary>
    /// Emits one region: blocks from <paramref name="firstBlock"/> on until the IL reaches <paramref name="ilBudget"/>.
    /// Labels are made per block on first use; a block referenced but not emitted here (another region's) gets an exit
    /// label at the end of the method that leaves with <see cref="CompiledHelpers.Transfer"/>.
    /// </summary>
    private sealed unsafe class Emitter(
        ILGenerator il,
        List<Instruction> instructions,
        List<Block> blocks,
        int[] blockAtPc,
        int[] blockPc,
        bool[] interpreted,
        JumpDestinations jumps,
        InstructionTable table,
        OpcodeInfo[] infos,
        int firstBlock,
        int ilBudget)
    {
        private readonly OpcodeInfo[] _infos = infos;
        private readonly Label?[] _blockLabels = new Label?[blocks.Count];
        private readonly List<int> _referenced = [];
        private Label _exit;
        private Label _outOfGas;
        private Label _dispatch;
        private LocalBuilder _target = null!;

        /// <summary>The address of the frame's stack slot 0, read once on entry: slot addresses are computed from it without calls.</summary>
        private LocalBuilder _stackBase = null!;

        /// <summary>The block being emitted: a constant jump to a later block needs no abort check (see <see cref="EmitConstantJump"/>).</summary>
        private int _currentBlock;

        /// <summary>
        /// <c>Sp</c> as read at the block's start (or after a handler call), and the address of that slot: slot addresses
        /// are this address plus a compile-time offset, so no instruction reads <c>c.Sp</c> from memory or writes it
        /// back (each such store-and-reload was a few cycles on the block's dependency chain).
        /// </summary>
        private LocalBuilder _sp = null!;
        private LocalBuilder _top = null!;

        /// <summary>The frame's <c>Sp</c> is <c>_sp + _spDelta</c>; <c>c.Sp</c> holds <c>_sp + _spSynced</c> (stored where anything outside the IL can read it).</summary>
        private int _spDelta;
        private int _spSynced;

        /// <summary>
        /// The block's stack above the frame's slots as the IL knows it: words pushed and not yet stored, each a
        /// constant or a local (bottom first). The slots hold <c>Sp</c> words below them. Stored (and <c>Sp</c> moved)
        /// before anything that reads the frame's stack or may leave the block, so at every such point the frame is
        /// exactly the interpreter's.
        /// </summary>
        private readonly List<StackWord> _pending = [];

        /// <summary>UInt256 locals for pending words, reused once no pending word refers to them.</summary>
        private readonly List<LocalBuilder> _wordLocals = [];

        /// <summary>Per operand position: a constant operand's value while a word operation reads it.</summary>
        private readonly LocalBuilder?[] _operandLocals = new LocalBuilder?[3];
        private LocalBuilder? _condition;

        /// <summary>The gas a JUMPDEST run's block charges on entry (see <see cref="EmitChargeSegment"/>).</summary>
        private LocalBuilder? _need;

        /// <summary>Emits the region; returns the index of the first block after it.</summary>
        public int Emit()
        {
            _exit = il.DefineLabel();
            _outOfGas = il.DefineLabel();
            _dispatch = il.DefineLabel();
            _target = il.DeclareLocal(typeof(int));
            _stackBase = il.DeclareLocal(typeof(UInt256).MakeByRefType());
            _sp = il.DeclareLocal(typeof(int));
            _top = il.DeclareLocal(typeof(UInt256).MakeByRefType());

            // Entry: the block the caller names.
            il.Emit(OpCodes.Ldarg_1);
            il.Emit(OpCodes.Call, StackBaseMethod);
            il.Emit(OpCodes.Stloc, _stackBase);
            il.Emit(OpCodes.Ldarg_2);
            il.Emit(OpCodes.Stloc, _target);
            il.Emit(OpCodes.Br, _dispatch);

            int b = firstBlock;
            do
            {
                if (interpreted[b])
                {
                    // Compiled code does not keep Pc current, so each block's entry sets it for the interpreted run.
                    Label run = il.DefineLabel();
                    int end = b;
                    while (end < blocks.Count && interpreted[end])
                    {
                        il.MarkLabel(LabelOf(end));
                        if (!blocks[end].IsJumpDestRun)
                        {
                            EmitStorePc(blockPc[end]);
                        }

                        il.Emit(OpCodes.Br, run);
                        end++;
                    }

                    il.MarkLabel(run);
                    EmitInterpretedRun(blockPc[b], blockPc[end]);
                    b = end;
                    continue;
                }

                il.MarkLabel(LabelOf(b));
                EmitBlock(b);
                b++;
            }
            while (b < blocks.Count && il.ILOffset < ilBudget);

            if (b < blocks.Count)
            {
                // The last block may fall through into the next region.
                il.Emit(OpCodes.Br, LabelOf(b));
            }

            // Blocks of other regions jumped to from this one: leave for them, by index.
            foreach (int target in _referenced)
            {
                if (target < firstBlock || target >= b)
                {
                    il.MarkLabel(_blockLabels[target]!.Value);
                    il.Emit(OpCodes.Ldc_I4, CompiledHelpers.Transfer + target);
                    il.Emit(OpCodes.Ret);
                }
            }

            // Dispatch: a switch over this region's blocks; other codes leave (another region, invalid jump, abort, not a block).
            var cases = new Label[b - firstBlock];
            for (int i = 0; i < cases.Length; i++)
            {
                cases[i] = _blockLabels[firstBlock + i]!.Value;
            }

            il.MarkLabel(_dispatch);
            il.Emit(OpCodes.Ldloc, _target);
            il.Emit(OpCodes.Ldc_I4, firstBlock);
            il.Emit(OpCodes.Sub);
            il.Emit(OpCodes.Switch, cases);
            il.Emit(OpCodes.Ldarg_0);
            il.Emit(OpCodes.Ldarg_1);
            il.Emit(OpCodes.Ldloc, _target);
            il.Emit(OpCodes.Call, LeaveMethod);
            il.Emit(OpCodes.Ret);

            il.MarkLabel(_outOfGas);
            EmitReturn(StepResult.OutOfGas);

            // A handler's non-Continue result is on the IL stack.
            il.MarkLabel(_exit);
            il.Emit(OpCodes.Ret);
            return b;
        }

        /// <summary>Cold blocks [startPc, endPc): interpreted one instruction after another, then on to the block where control went.</summary>
        private void EmitInterpretedRun(int startPc, int endPc)
        {
            il.Emit(OpCodes.Ldarg_0);
            il.Emit(OpCodes.Ldarg_1);
            il.Emit(OpCodes.Ldc_I4, startPc);
            il.Emit(OpCodes.Ldc_I4, endPc);
            il.Emit(OpCodes.Call, InterpretRangeMethod);
            il.Emit(OpCodes.Dup);
            il.Emit(OpCodes.Brtrue, _exit);
            il.Emit(OpCodes.Pop);
            EmitDispatchAtPc();
        }

        /// <summary>Goes on at the block at <c>c.Pc</c>: through the switch, which leaves for a block of another region or an offset that is no block.</summary>
        private void EmitDispatchAtPc()
        {
            il.Emit(OpCodes.Ldarg_0);
            il.Emit(OpCodes.Ldarg_1);
            il.Emit(OpCodes.Call, EntryBlockMethod);
            il.Emit(OpCodes.Stloc, _target);
            il.Emit(OpCodes.Br, _dispatch);
        }

        private Label LabelOf(int block)
        {
            if (_blockLabels[block] is not { } label)
            {
                label = il.DefineLabel();
                _blockLabels[block] = label;
                _referenced.Add(block);
            }

            return label;
        }

        private void EmitBlock(int b)
        {
            Block block = blocks[b];
            _currentBlock = b;
            _spDelta = _spSynced = 0;
            if (block.Count == 0)
            {
                EmitReturn(StepResult.Stop);
                return;
            }

            // A block entered at any JUMPDEST of its leading run has c.Pc at that JUMPDEST, where the interpreter goes on.
            int? startPc = block.IsJumpDestRun ? null : instructions[block.First].Pc;
            if (block.MinSp > block.MaxSp)
            {
                EmitInterpretFrom(startPc);
                return;
            }

            // Every way into a block (the switch, a branch, falling through) has c.Sp exact.
            EmitLoadSp();
            if (block.MinSp > 0 || block.MaxSp < OpcodeTable.StackLimit)
            {
                // (uint)(Sp - MinSp) <= MaxSp - MinSp covers both bounds.
                Label stackOk = il.DefineLabel();
                il.Emit(OpCodes.Ldloc, _sp);
                il.Emit(OpCodes.Ldc_I4, block.MinSp);
                il.Emit(OpCodes.Sub);
                il.Emit(OpCodes.Ldc_I4, block.MaxSp - block.MinSp);
                il.Emit(OpCodes.Ble_Un, stackOk);
                EmitInterpretFrom(startPc);
                il.MarkLabel(stackOk);
            }

            bool segmentStart = true;
            int end = block.First + block.Count;
            for (int i = block.First; i < end; i++)
            {
                Instruction ins = instructions[i];
                if (segmentStart)
                {
                    EmitChargeSegment(i, end, block.IsJumpDestRun && i == block.First);
                }

                segmentStart = !IsGasFree(ins.Op);
                EmitInstruction(ins);
            }

            // Falling through into the next block (a leader, or a cut of a long block), at its first instruction.
            StorePending();
            if (b + 1 < blocks.Count && blocks[b + 1].IsJumpDestRun)
            {
                EmitStorePc(blockPc[b + 1]);
            }
        }

        /// <summary><c>c.Pc = pc</c>.</summary>
        private void EmitStorePc(int pc)
        {
            il.Emit(OpCodes.Ldarg_1);
            il.Emit(OpCodes.Ldc_I4, pc);
            il.Emit(OpCodes.Stfld, PcField);
        }

        /// <summary>
        /// Checks and charges the static gas of the segment from instruction <paramref name="from"/> to the first that is
        /// not gas-free; <paramref name="fromEntry"/>: the segment starts with the block's JUMPDEST run and is entered at
        /// <c>c.Pc</c>, so the JUMPDESTs before it (one gas each) are not charged, and the interpreter takes over there.
        /// </summary>
        private void EmitChargeSegment(int from, int end, bool fromEntry = false)
        {
            long gas = 0;
            for (int i = from; i < end; i++)
            {
                gas += _infos[instructions[i].Op].StaticGas;
                if (!IsGasFree(instructions[i].Op))
                {
                    break;
                }
            }

            if (gas == 0)
            {
                return;
            }

            if (fromEntry)
            {
                // gas − (c.Pc − start): the JUMPDESTs from the entry on, and the rest of the segment.
                _need ??= il.DeclareLocal(typeof(long));
                il.Emit(OpCodes.Ldc_I8, gas + instructions[from].Pc);
                il.Emit(OpCodes.Ldarg_1);
                il.Emit(OpCodes.Ldfld, PcField);
                il.Emit(OpCodes.Conv_I8);
                il.Emit(OpCodes.Sub);
                il.Emit(OpCodes.Stloc, _need);
            }

            Label enough = il.DefineLabel();
            il.Emit(OpCodes.Ldarg_1);
            il.Emit(OpCodes.Ldfld, GasField);
            EmitSegmentGas(gas, fromEntry);
            il.Emit(OpCodes.Bge, enough);

            // The interpreter takes over here: with the words a memory operation left pending stored (on this path
            // only), at the segment's start or where the block was entered.
            EmitPendingWords();
            EmitInterpretFrom(fromEntry ? null : instructions[from].Pc, _pending.Count);
            il.MarkLabel(enough);
            il.Emit(OpCodes.Ldarg_1);
            il.Emit(OpCodes.Dup);
            il.Emit(OpCodes.Ldfld, GasField);
            EmitSegmentGas(gas, fromEntry);
            il.Emit(OpCodes.Sub);
            il.Emit(OpCodes.Stfld, GasField);
        }

        private void EmitSegmentGas(long gas, bool fromEntry)
        {
            if (fromEntry)
            {
                il.Emit(OpCodes.Ldloc, _need!);
            }
            else
            {
                il.Emit(OpCodes.Ldc_I8, gas);
            }
        }

        /// <summary>
        /// A taken jump to a constant destination (its PUSH and pop elided): the block, or InvalidJump. Only a jump
        /// back (to this block or an earlier one) checks for an abort: every cycle of the control flow holds a backward
        /// constant jump or a dynamic one (which checks), as fall-through and forward jumps only go to later blocks, so
        /// a frame still stops at its next loop iteration, without a check on every forward jump.
        /// </summary>
        private void EmitConstantJump(in UInt256 destination)
        {
            if (!destination.IsUInt64 || !jumps.IsValid(destination.U0))
            {
                EmitReturn(StepResult.InvalidJump);
                return;
            }

            int target = blockAtPc[(int)destination.U0];
            if (blocks[target].IsJumpDestRun)
            {
                EmitStorePc((int)destination.U0);
            }

            if (target <= _currentBlock)
            {
                Label go = il.DefineLabel();
                il.Emit(OpCodes.Ldarg_1);
                il.Emit(OpCodes.Call, AbortRequestedMethod);
                il.Emit(OpCodes.Brfalse, go);
                EmitReturn(StepResult.Aborted);
                il.MarkLabel(go);
            }

            il.Emit(OpCodes.Br, LabelOf(target));
        }

        private void EmitInstruction(in Instruction ins)
        {
            byte op = ins.Op;
            if (!_infos[op].Defined)
            {
                EmitReturn(StepResult.InvalidOpcode);
                return;
            }

            nint handler = (nint)table.Entries[op].Handler;
            HandlersByEntryPoint.TryGetValue(handler, out MethodInfo? method);
            if (method is not null && WordOperations.TryGetValue(method, out MethodInfo? operation))
            {
                EmitWordOperation(operation, _infos[op].Pops);
                return;
            }

            if (method is not null && MemoryOperations.TryGetValue(method, out MethodInfo? memoryOperation))
            {
                EmitMemoryOperation(memoryOperation, _infos[op].Pops, _infos[op].Pushes);
                return;
            }

            switch ((Opcode)op)
            {
                case Opcode.JUMPDEST:
                    return;
                case Opcode.PC:
                    _pending.Add(StackWord.Of(new UInt256((ulong)ins.Pc)));
                    return;
                case Opcode.POP:
                    if (_pending.Count > 0)
                    {
                        _pending.RemoveAt(_pending.Count - 1);
                        return;
                    }

                    AddToSp(-1);
                    return;
                case >= Opcode.PUSH0 and <= Opcode.PUSH32:
                    _pending.Add(StackWord.Of(ins.Immediate));
                    return;
                case >= Opcode.DUP1 and <= Opcode.DUP16:
                    EmitDup(op - (byte)Opcode.DUP1 + 1);
                    return;
                case >= Opcode.SWAP1 and <= Opcode.SWAP16:
                    EmitSwap(op - (byte)Opcode.SWAP1 + 1);
                    return;
                case Opcode.JUMP:
                    EmitJump();
                    return;
                case Opcode.JUMPI:
                    EmitJumpI();
                    return;
                default:
                    // The interpreter's handler for this fork, on the frame's stack, with Pc just past the opcode as it expects.
                    StorePending();
                    EmitStorePc(ins.Pc + 1);
                    il.Emit(OpCodes.Ldarg_1);
                    if (method is not null)
                    {
                        il.Emit(OpCodes.Call, method);
                    }
                    else
                    {
                        il.Emit(OpCodes.Ldc_I8, (long)handler);
                        il.Emit(OpCodes.Conv_I);
                        il.EmitCalli(OpCodes.Calli, CallingConventions.Standard, typeof(StepResult), [ContextByRef], null);
                    }

                    il.Emit(OpCodes.Dup);
                    il.Emit(OpCodes.Brtrue, _exit);
                    il.Emit(OpCodes.Pop);

                    // The handler may have moved Sp.
                    EmitLoadSp();
                    return;
            }
        }

        /// <summary>
        /// A word operation popping <paramref name="operands"/> words and pushing one: folded when every operand is a
        /// pending constant, else computed into a local from pending words and the frame's top slots.
        /// </summary>
        private void EmitWordOperation(MethodInfo operation, int operands)
        {
            int count = _pending.Count;
            if (count >= operands && Enumerable.Range(count - operands, operands).All(i => _pending[i].IsConstant))
            {
                // Compile time runs the very routine the IL would call.
                object?[] arguments = new object?[operands + 1];
                for (int i = 0; i < operands; i++)
                {
                    arguments[i] = _pending[count - 1 - i].Constant;
                }

                operation.Invoke(null, arguments);
                _pending.RemoveRange(count - operands, operands);
                _pending.Add(StackWord.Of((UInt256)arguments[operands]!));
                return;
            }

            operation = ReduceByPowerOfTwo(operation, ref operands);
            if (EmitComparison(operation) is { } flag)
            {
                PopOperands(operands);
                _pending.Add(StackWord.Of(flag));
                return;
            }

            LocalBuilder result = FreeWordLocal();
            if (!EmitLimbOperation(operation, result))
            {
                EmitOperandAddresses(operands);
                il.Emit(OpCodes.Ldloca, result);
                il.Emit(OpCodes.Call, operation);
            }

            PopOperands(operands);
            _pending.Add(StackWord.Of(result));
        }

        /// <summary>
        /// MUL by a constant 2^k, DIV and MOD by a constant divisor 2^k (compilers shift and mask this way: Solidity
        /// before SHL/SHR, hand-written hashes) as the shift or AND they equal, which the IL writes out on limbs: the
        /// pending operands are rewritten to the shift's (amount on top, value below) or the AND's (the mask 2^k − 1).
        /// ADDMOD by a constant modulus 2^k (64-bit additions in blake2b) is the ADD written out into a local, then the
        /// AND of it. Exact for every value: x · 2^k mod 2^256 = x ≪ k, ⌊x / 2^k⌋ = x ≫ k, x mod 2^k = x AND (2^k − 1),
        /// and as 2^k divides 2^256, (a + b) mod 2^k = ((a + b) mod 2^256) AND (2^k − 1). Returns the operation to emit
        /// (the reduced one, or <paramref name="operation"/> unchanged) and sets <paramref name="operands"/> to its count.
        /// </summary>
        private MethodInfo ReduceByPowerOfTwo(MethodInfo operation, ref int operands)
        {
            int count = _pending.Count;
            if (operation == AddModOperation && count >= 3 && _pending[count - 3] is { IsConstant: true } modulus && UInt256.IsPowerOfTwo(modulus.Constant))
            {
                LocalBuilder sum = FreeWordLocal();
                EmitLimbOperation(AddOperation, sum);
                _pending.RemoveRange(count - 2, 2);
                UInt256.Subtract(modulus.Constant, UInt256.One, out UInt256 modulusMask);
                _pending[^1] = StackWord.Of(modulusMask);
                _pending.Add(StackWord.Of(sum));
                operands = 2;
                return AndOperation;
            }

            if (count < 2)
            {
                // A constant operand of these is pending, and everything above it (the top) too.
                return operation;
            }

            StackWord top = _pending[count - 1], below = _pending[count - 2];
            if (operation == MultiplyOperation && (top.IsConstant || below.IsConstant))
            {
                (StackWord factor, StackWord value) = top.IsConstant ? (top, below) : (below, top);
                if (UInt256.IsPowerOfTwo(factor.Constant))
                {
                    _pending[count - 2] = value;
                    _pending[count - 1] = StackWord.Of(new UInt256((ulong)(factor.Constant.BitLength - 1)));
                    return ShlOperation;
                }
            }
            else if ((operation == DivideOperation || operation == ModOperation) && below.IsConstant && UInt256.IsPowerOfTwo(below.Constant))
            {
                if (operation == DivideOperation)
                {
                    _pending[count - 2] = top;
                    _pending[count - 1] = StackWord.Of(new UInt256((ulong)(below.Constant.BitLength - 1)));
                    return ShrOperation;
                }

                UInt256.Subtract(below.Constant, UInt256.One, out UInt256 mask);
                _pending[count - 2] = StackWord.Of(mask);
                return AndOperation;
            }

            return operation;
        }

        /// <summary>
        /// AND, OR, XOR, NOT, ADD, SUB, and SHL/SHR/SAR (by a constant; by a computed amount below 64), written out on the limbs into <paramref name="result"/> (false for other
        /// operations): no call, so they cost no inlining (the JIT inlines nothing more into a method past ~512 locals,
        /// its own and its inlinees', which a region's calls reach early, leaving the rest real calls).
        /// </summary>
        private bool EmitLimbOperation(MethodInfo operation, LocalBuilder result)
        {
            OpCode? bitwise = operation == AndOperation ? OpCodes.And : operation == OrOperation ? OpCodes.Or : operation == XorOperation ? OpCodes.Xor : null;
            if (bitwise is { } op)
            {
                for (int limb = 0; limb < 4; limb++)
                {
                    il.Emit(OpCodes.Ldloca, result);
                    EmitOperandLimb(0, limb);
                    EmitOperandLimb(1, limb);
                    il.Emit(op);
                    il.Emit(OpCodes.Stfld, LimbFields[limb]);
                }

                return true;
            }

            if (operation == NotOperation)
            {
                for (int limb = 0; limb < 4; limb++)
                {
                    il.Emit(OpCodes.Ldloca, result);
                    EmitOperandLimb(0, limb);
                    il.Emit(OpCodes.Not);
                    il.Emit(OpCodes.Stfld, LimbFields[limb]);
                }

                return true;
            }

            if ((operation == ShlOperation || operation == ShrOperation || operation == SarOperation) && _pending.Count > 0 && _pending[^1].IsConstant)
            {
                EmitConstantShift(operation == ShlOperation ? ShiftKind.Left : operation == ShrOperation ? ShiftKind.Right : ShiftKind.Arithmetic, _pending[^1].Constant, result);
                return true;
            }

            if (operation == ShlOperation || operation == ShrOperation || operation == SarOperation)
            {
                EmitComputedShift(operation == ShlOperation ? ShiftKind.Left : operation == ShrOperation ? ShiftKind.Right : ShiftKind.Arithmetic, operation, result);
                return true;
            }

            bool add = operation == AddOperation;
            if (!add && operation != SubtractOperation)
            {
                return false;
            }

            // Limb i: t = a ± b with its carry (t < a) or borrow (a < b) c1, then u = t ± the carry in with its carry
            // (u < t) or borrow (t < carry in) c2; the carry out is c1 | c2 (at most one is set). Operand 0 (the top of
            // the stack) is a, for SUB the minuend.
            LocalBuilder t = _limbTemps[0] ??= il.DeclareLocal(typeof(ulong));
            LocalBuilder u = _limbTemps[1] ??= il.DeclareLocal(typeof(ulong));
            LocalBuilder carry = _limbTemps[2] ??= il.DeclareLocal(typeof(ulong));
            LocalBuilder c1 = _limbTemps[3] ??= il.DeclareLocal(typeof(ulong));
            OpCode step = add ? OpCodes.Add : OpCodes.Sub;
            for (int limb = 0; limb < 4; limb++)
            {
                bool last = limb == 3;
                EmitOperandLimb(0, limb);
                EmitOperandLimb(1, limb);
                il.Emit(step);
                il.Emit(OpCodes.Stloc, limb == 0 ? u : t);
                if (!last)
                {
                    if (add)
                    {
                        il.Emit(OpCodes.Ldloc, limb == 0 ? u : t);
                        EmitOperandLimb(0, limb);
                    }
                    else
                    {
                        EmitOperandLimb(0, limb);
                        EmitOperandLimb(1, limb);
                    }

                    il.Emit(OpCodes.Clt_Un);
                    il.Emit(OpCodes.Conv_U8);
                    il.Emit(OpCodes.Stloc, limb == 0 ? carry : c1);
                }

                if (limb > 0)
                {
                    il.Emit(OpCodes.Ldloc, t);
                    il.Emit(OpCodes.Ldloc, carry);
                    il.Emit(step);
                    il.Emit(OpCodes.Stloc, u);
                    if (!last)
                    {
                        if (add)
                        {
                            il.Emit(OpCodes.Ldloc, u);
                            il.Emit(OpCodes.Ldloc, t);
                        }
                        else
                        {
                            il.Emit(OpCodes.Ldloc, t);
                            il.Emit(OpCodes.Ldloc, carry);
                        }

                        il.Emit(OpCodes.Clt_Un);
                        il.Emit(OpCodes.Conv_U8);
                        il.Emit(OpCodes.Ldloc, c1);
                        il.Emit(OpCodes.Or);
                        il.Emit(OpCodes.Stloc, carry);
                    }
                }

                il.Emit(OpCodes.Ldloca, result);
                il.Emit(OpCodes.Ldloc, u);
                il.Emit(OpCodes.Stfld, LimbFields[limb]);
            }

            return true;
        }

        private readonly LocalBuilder?[] _limbTemps = new LocalBuilder?[4];

        /// <summary>
        /// LT, GT, SLT, SGT, EQ and ISZERO written out on the limbs into a flag (null for other operations): no call and
        /// no word written, and a JUMPI on the flag is one branch.
        /// </summary>
        private LocalBuilder? EmitComparison(MethodInfo operation)
        {
            if (operation == IsZeroOperation)
            {
                StackWord top = _pending.Count > 0 ? _pending[^1] : default;
                if (top.IsFlag)
                {
                    il.Emit(OpCodes.Ldloc, top.Local!);
                    il.Emit(OpCodes.Ldc_I4_0);
                }
                else
                {
                    for (int limb = 0; limb < 4; limb++)
                    {
                        EmitOperandLimb(0, limb);
                        if (limb > 0)
                        {
                            il.Emit(OpCodes.Or);
                        }
                    }

                    EmitLimb(0);
                }

                il.Emit(OpCodes.Ceq);
                return StoreFlag();
            }

            if (operation == EqOperation)
            {
                // Equal when the XOR of every limb pair is zero.
                for (int limb = 0; limb < 4; limb++)
                {
                    EmitOperandLimb(0, limb);
                    EmitOperandLimb(1, limb);
                    il.Emit(OpCodes.Xor);
                    if (limb > 0)
                    {
                        il.Emit(OpCodes.Or);
                    }
                }

                EmitLimb(0);
                il.Emit(OpCodes.Ceq);
                return StoreFlag();
            }

            bool swap = operation == GtOperation || operation == SGtOperation;
            bool signed = operation == SLtOperation || operation == SGtOperation;
            if (!swap && !signed && operation != LtOperation)
            {
                return null;
            }

            // a < b (a operand 0, the top of the stack; swapped for GT/SGT) from the lowest limb up: below_i =
            // a_i < b_i | (a_i == b_i & below_(i-1)); for SLT/SGT the top limb compares signed, which orders words of
            // different signs (negative first) and agrees with the unsigned order for equal signs.
            int left = swap ? 1 : 0, right = swap ? 0 : 1;
            EmitOperandLimb(left, 0);
            EmitOperandLimb(right, 0);
            il.Emit(OpCodes.Clt_Un);
            for (int limb = 1; limb < 4; limb++)
            {
                EmitOperandLimb(left, limb);
                EmitOperandLimb(right, limb);
                il.Emit(OpCodes.Ceq);
                il.Emit(OpCodes.And);
                EmitOperandLimb(left, limb);
                EmitOperandLimb(right, limb);
                il.Emit(signed && limb == 3 ? OpCodes.Clt : OpCodes.Clt_Un);
                il.Emit(OpCodes.Or);
            }

            return StoreFlag();
        }

        /// <summary>Stores the 0/1 on the IL stack into a flag local no pending word refers to.</summary>
        private LocalBuilder StoreFlag()
        {
            LocalBuilder? flag = _flagLocals.Find(local => !_pending.Exists(w => w.Local == local));
            if (flag is null)
            {
                flag = il.DeclareLocal(typeof(int));
                _flagLocals.Add(flag);
            }

            il.Emit(OpCodes.Stloc, flag);
            return flag;
        }

        /// <summary>Int locals for pending flags, reused once no pending word refers to them.</summary>
        private readonly List<LocalBuilder> _flagLocals = [];

        private enum ShiftKind
        {
            Left,
            Right,
            Arithmetic,
        }

        /// <summary>
        /// SHL/SHR/SAR by a constant (operand 0) of the word below it, as limb moves: result limb i is the value's limb
        /// i ± q shifted by r and OR-ed with the neighbouring limb's bits that cross over (q, r: the shift's whole limbs
        /// and remaining bits). Limbs shifted in from outside the word are zero, for SAR the sign (all ones for a
        /// negative value), and so is every limb for a shift of 256 or more.
        /// </summary>
        private void EmitConstantShift(ShiftKind kind, in UInt256 shift, LocalBuilder result)
        {
            bool left = kind == ShiftKind.Left;
            LocalBuilder? sign = null;
            if (kind == ShiftKind.Arithmetic)
            {
                // All ones when the value is negative, else zero: its top limb shifted right arithmetically by 63.
                sign = _limbTemps[0] ??= il.DeclareLocal(typeof(ulong));
                EmitOperandLimb(1, 3);
                EmitInt(63);
                il.Emit(OpCodes.Shr);
                il.Emit(OpCodes.Stloc, sign);
            }

            // Limb j of the value, where j outside the word is shifted in: zero, or the sign for SAR.
            void EmitSource(int j)
            {
                if (j >= 0 && j <= 3)
                {
                    EmitOperandLimb(1, j);
                }
                else if (sign is not null)
                {
                    il.Emit(OpCodes.Ldloc, sign);
                }
                else
                {
                    EmitLimb(0);
                }
            }

            int bits = shift.IsUInt64 && shift.U0 < 256 ? (int)shift.U0 : 256;
            int q = bits / 64, r = bits % 64;
            for (int limb = 0; limb < 4; limb++)
            {
                il.Emit(OpCodes.Ldloca, result);
                int from = bits == 256 ? 4 : left ? limb - q : limb + q;
                int neighbour = left ? from - 1 : from + 1;
                if (from < 0 || from > 3)
                {
                    EmitSource(from);
                }
                else
                {
                    EmitSource(from);
                    if (r != 0)
                    {
                        EmitInt(r);
                        il.Emit(left ? OpCodes.Shl : OpCodes.Shr_Un);
                        if (neighbour >= 0 && (neighbour <= 3 || sign is not null))
                        {
                            EmitSource(neighbour);
                            EmitInt(64 - r);
                            il.Emit(left ? OpCodes.Shr_Un : OpCodes.Shl);
                            il.Emit(OpCodes.Or);
                        }
                    }
                }

                il.Emit(OpCodes.Stfld, LimbFields[limb]);
            }
        }

        /// <summary>
        /// SHL/SHR/SAR by an amount known only at run time (operand 0) of the word below it: an amount below 64 (the
        /// rotations of hand-written hashes) as a funnel shift of each limb with its neighbour written out on the limbs,
        /// any other amount by the helper <paramref name="operation"/>. The neighbour's bits are moved by 1 and then by
        /// 63 − r, so an amount of 0 moves none (a 64-bit shift by 64 would move none in .NET, all in the EVM).
        /// </summary>
        private void EmitComputedShift(ShiftKind kind, MethodInfo operation, LocalBuilder result)
        {
            Label general = il.DefineLabel(), done = il.DefineLabel();
            EmitOperandLimb(0, 1);
            EmitOperandLimb(0, 2);
            il.Emit(OpCodes.Or);
            EmitOperandLimb(0, 3);
            il.Emit(OpCodes.Or);
            il.Emit(OpCodes.Brtrue, general);
            EmitOperandLimb(0, 0);
            EmitLimb(64);
            il.Emit(OpCodes.Bge_Un, general);

            LocalBuilder amount = _shiftAmount ??= il.DeclareLocal(typeof(int));
            LocalBuilder back = _shiftBack ??= il.DeclareLocal(typeof(int));
            EmitOperandLimb(0, 0);
            il.Emit(OpCodes.Conv_I4);
            il.Emit(OpCodes.Stloc, amount);
            EmitInt(63);
            il.Emit(OpCodes.Ldloc, amount);
            il.Emit(OpCodes.Sub);
            il.Emit(OpCodes.Stloc, back);

            bool left = kind == ShiftKind.Left;
            for (int limb = 0; limb < 4; limb++)
            {
                il.Emit(OpCodes.Ldloca, result);
                EmitOperandLimb(1, limb);
                il.Emit(OpCodes.Ldloc, amount);
                int neighbour = left ? limb - 1 : limb + 1;
                if (neighbour < 0 || neighbour > 3)
                {
                    // The end limb: nothing crosses in (SHL's lowest, SHR's top); SAR's top takes the sign.
                    il.Emit(left ? OpCodes.Shl : kind == ShiftKind.Arithmetic ? OpCodes.Shr : OpCodes.Shr_Un);
                }
                else
                {
                    il.Emit(left ? OpCodes.Shl : OpCodes.Shr_Un);
                    EmitOperandLimb(1, neighbour);
                    il.Emit(OpCodes.Ldc_I4_1);
                    il.Emit(left ? OpCodes.Shr_Un : OpCodes.Shl);
                    il.Emit(OpCodes.Ldloc, back);
                    il.Emit(left ? OpCodes.Shr_Un : OpCodes.Shl);
                    il.Emit(OpCodes.Or);
                }

                il.Emit(OpCodes.Stfld, LimbFields[limb]);
            }

            il.Emit(OpCodes.Br, done);
            il.MarkLabel(general);
            EmitOperandAddresses(2);
            il.Emit(OpCodes.Ldloca, result);
            il.Emit(OpCodes.Call, operation);
            il.MarkLabel(done);
        }

        private LocalBuilder? _shiftAmount, _shiftBack;

        /// <summary>Pushes limb <paramref name="limb"/> of a flag's word: the flag (0 or 1) for limb 0, zero above.</summary>
        private void EmitFlagLimb(LocalBuilder flag, int limb)
        {
            if (limb == 0)
            {
                il.Emit(OpCodes.Ldloc, flag);
                il.Emit(OpCodes.Conv_U8);
            }
            else
            {
                EmitLimb(0);
            }
        }

        /// <summary>Pushes limb <paramref name="limb"/> of operand <paramref name="operand"/> (0 the top of stack): a constant's immediate, a pending local's field or a frame slot's.</summary>
        private void EmitOperandLimb(int operand, int limb)
        {
            int count = _pending.Count;
            if (operand < count)
            {
                StackWord word = _pending[count - 1 - operand];
                if (word.IsConstant)
                {
                    EmitLimb(limb switch { 0 => word.Constant.U0, 1 => word.Constant.U1, 2 => word.Constant.U2, _ => word.Constant.U3 });
                    return;
                }

                if (word.IsFlag)
                {
                    EmitFlagLimb(word.Local!, limb);
                    return;
                }

                il.Emit(OpCodes.Ldloca, word.Local!);
            }
            else
            {
                EmitSlotAddress(count - 1 - operand);
            }

            il.Emit(OpCodes.Ldfld, LimbFields[limb]);
        }

        /// <summary>
        /// MLOAD/MSTORE/MSTORE8 on their operands where they are (pending words need not be stored): the routine's
        /// false is out of gas, which ends the frame.
        /// </summary>
        private void EmitMemoryOperation(MethodInfo operation, int operands, int pushes)
        {
            LocalBuilder? result = pushes == 1 ? FreeWordLocal() : null;
            il.Emit(OpCodes.Ldarg_1);
            EmitOperandAddresses(operands);
            if (result is not null)
            {
                il.Emit(OpCodes.Ldloca, result);
            }

            il.Emit(OpCodes.Call, operation);
            il.Emit(OpCodes.Brfalse, _outOfGas);
            PopOperands(operands);
            if (result is not null)
            {
                _pending.Add(StackWord.Of(result));
            }
        }

        /// <summary>Pushes the addresses of the top <paramref name="operands"/> words, top first: pending words' locals (a constant through an operand local), then frame slots.</summary>
        private void EmitOperandAddresses(int operands)
        {
            int count = _pending.Count;
            for (int i = 0; i < operands; i++)
            {
                if (i < count)
                {
                    StackWord word = _pending[count - 1 - i];
                    if (word.IsConstant || word.IsFlag)
                    {
                        LocalBuilder local = _operandLocals[i] ??= il.DeclareLocal(typeof(UInt256));
                        il.Emit(OpCodes.Ldloca, local);
                        EmitStoreWord(word);
                        il.Emit(OpCodes.Ldloca, local);
                    }
                    else
                    {
                        il.Emit(OpCodes.Ldloca, word.Local!);
                    }
                }
                else
                {
                    EmitSlotAddress(count - 1 - i);
                }
            }
        }

        /// <summary>Drops the top <paramref name="operands"/> words once an operation has read them: pending ones at compile time, the rest by moving <c>Sp</c>.</summary>
        private void PopOperands(int operands)
        {
            int fromPending = Math.Min(operands, _pending.Count);
            AddToSp(-(operands - fromPending));
            _pending.RemoveRange(_pending.Count - fromPending, fromPending);
        }

        /// <summary>DUPn: a pending word is shared (locals are never written while a pending word refers to them); a slot is read into a local.</summary>
        private void EmitDup(int n)
        {
            int count = _pending.Count;
            if (n <= count)
            {
                _pending.Add(_pending[count - n]);
                return;
            }

            LocalBuilder local = FreeWordLocal();
            EmitSlotAddress(-(n - count));
            il.Emit(OpCodes.Ldobj, typeof(UInt256));
            il.Emit(OpCodes.Stloc, local);
            _pending.Add(StackWord.Of(local));
        }

        /// <summary>SWAPn: pending words swap at compile time; a pending top with a slot through a local; two slots in the frame.</summary>
        private void EmitSwap(int n)
        {
            int count = _pending.Count;
            if (count == 0)
            {
                // Two slots: through a local, in the frame.
                LocalBuilder top = FreeWordLocal();
                EmitSlotAddress(-1);
                il.Emit(OpCodes.Ldobj, typeof(UInt256));
                il.Emit(OpCodes.Stloc, top);
                EmitSlotAddress(-1);
                EmitSlotAddress(-1 - n);
                il.Emit(OpCodes.Ldobj, typeof(UInt256));
                il.Emit(OpCodes.Stobj, typeof(UInt256));
                EmitSlotAddress(-1 - n);
                il.Emit(OpCodes.Ldloc, top);
                il.Emit(OpCodes.Stobj, typeof(UInt256));
                return;
            }

            if (n < count)
            {
                (_pending[count - 1], _pending[count - 1 - n]) = (_pending[count - 1 - n], _pending[count - 1]);
                return;
            }

            int depth = n + 1 - count;
            LocalBuilder local = FreeWordLocal();
            EmitSlotAddress(-depth);
            il.Emit(OpCodes.Ldobj, typeof(UInt256));
            il.Emit(OpCodes.Stloc, local);
            EmitSlotAddress(-depth);
            EmitStoreWord(_pending[count - 1]);
            _pending[count - 1] = StackWord.Of(local);
        }

        /// <summary>JUMP: a constant destination is a direct branch; another goes through the dispatch switch.</summary>
        private void EmitJump()
        {
            if (_pending.Count > 0 && _pending[^1].IsConstant)
            {
                UInt256 destination = _pending[^1].Constant;
                _pending.RemoveAt(_pending.Count - 1);
                StorePending();
                EmitConstantJump(destination);
                return;
            }

            EmitPopJump(PopJumpMethod);
            il.Emit(OpCodes.Br, _dispatch);
        }

        /// <summary>A jump with its destination in the frame: the helper pops it and sets the block code to dispatch on.</summary>
        private void EmitPopJump(MethodInfo popJump)
        {
            StorePending();
            il.Emit(OpCodes.Ldarg_0);
            il.Emit(OpCodes.Ldarg_1);
            il.Emit(OpCodes.Call, popJump);
            il.Emit(OpCodes.Stloc, _target);
        }

        /// <summary>
        /// JUMPI: with a constant destination a direct branch on the condition (decided at compile time when it is a
        /// constant, read from its local or the frame's top slot otherwise); else through the dispatch switch.
        /// </summary>
        private void EmitJumpI()
        {
            int count = _pending.Count;
            if (count == 0 || !_pending[^1].IsConstant)
            {
                EmitPopJump(PopJumpIMethod);
                il.Emit(OpCodes.Ldloc, _target);
                il.Emit(OpCodes.Ldc_I4, CompiledHelpers.NotTaken);
                il.Emit(OpCodes.Bne_Un, _dispatch);
                return;
            }

            UInt256 destination = _pending[^1].Constant;
            Label notTaken = il.DefineLabel();
            if (count == 1)
            {
                _pending.Clear();
                AddToSp(-1);
                EmitSlotAddress(0);
                EmitIsZeroAtAddress();
                EmitSyncSp();
                il.Emit(OpCodes.Brtrue, notTaken);
                EmitConstantJump(destination);
                il.MarkLabel(notTaken);
                return;
            }

            StackWord condition = _pending[count - 2];
            _pending.RemoveRange(count - 2, 2);
            if (condition.IsConstant)
            {
                StorePending();
                if (!condition.Constant.IsZero)
                {
                    EmitConstantJump(destination);
                }

                return;
            }

            if (condition.IsFlag)
            {
                // A comparison's flag: one branch (storing the pending words writes no local).
                StorePending();
                il.Emit(OpCodes.Ldloc, condition.Local!);
                il.Emit(OpCodes.Brfalse, notTaken);
                EmitConstantJump(destination);
                il.MarkLabel(notTaken);
                return;
            }

            _condition ??= il.DeclareLocal(typeof(bool));
            il.Emit(OpCodes.Ldloca, condition.Local!);
            EmitIsZeroAtAddress();
            il.Emit(OpCodes.Stloc, _condition);
            StorePending();
            il.Emit(OpCodes.Ldloc, _condition);
            il.Emit(OpCodes.Brtrue, notTaken);
            EmitConstantJump(destination);
            il.MarkLabel(notTaken);
        }

        /// <summary>
        /// Stores the pending words into the frame's slots above <c>Sp</c>, moves <c>Sp</c> past them and stores it in
        /// <c>c.Sp</c>: every caller is about to call out, jump or leave the block.
        /// </summary>
        private void StorePending()
        {
            EmitPendingWords();
            _spDelta += _pending.Count;
            _pending.Clear();
            EmitSyncSp();
        }

        /// <summary>Stores the pending words into the frame's slots above <c>Sp</c>, leaving the compile-time stack as it is (alone: for a path that leaves the block).</summary>
        private void EmitPendingWords()
        {
            for (int i = 0; i < _pending.Count; i++)
            {
                EmitSlotAddress(i);
                EmitStoreWord(_pending[i]);
            }
        }

        /// <summary>Reads <c>c.Sp</c> into <c>_sp</c> and the address of its slot into <c>_top</c>: at a block's start and after a handler call.</summary>
        private void EmitLoadSp()
        {
            il.Emit(OpCodes.Ldarg_1);
            il.Emit(OpCodes.Ldfld, SpField);
            il.Emit(OpCodes.Stloc, _sp);
            il.Emit(OpCodes.Ldloc, _stackBase);
            il.Emit(OpCodes.Ldloc, _sp);
            il.Emit(OpCodes.Conv_I);
            il.Emit(OpCodes.Ldc_I4_S, (sbyte)32);
            il.Emit(OpCodes.Mul);
            il.Emit(OpCodes.Add);
            il.Emit(OpCodes.Stloc, _top);
            _spDelta = 0;
            _spSynced = 0;
        }

        /// <summary>Stores the frame's <c>Sp</c> into <c>c.Sp</c> on the block's own path, when it moved since the last store.</summary>
        private void EmitSyncSp()
        {
            EmitStoreSp(_spDelta);
            _spSynced = _spDelta;
        }

        /// <summary><c>c.Sp = _sp + delta</c>, unless <c>c.Sp</c> already holds it.</summary>
        private void EmitStoreSp(int delta)
        {
            if (delta == _spSynced)
            {
                return;
            }

            il.Emit(OpCodes.Ldarg_1);
            il.Emit(OpCodes.Ldloc, _sp);
            EmitInt(delta);
            il.Emit(OpCodes.Add);
            il.Emit(OpCodes.Stfld, SpField);
        }

        /// <summary>A UInt256 local no pending word refers to.</summary>
        private LocalBuilder FreeWordLocal()
        {
            foreach (LocalBuilder local in _wordLocals)
            {
                if (!_pending.Exists(w => w.Local == local))
                {
                    return local;
                }
            }

            LocalBuilder fresh = il.DeclareLocal(typeof(UInt256));
            _wordLocals.Add(fresh);
            return fresh;
        }

        /// <summary>
        /// Pushes the address of the frame's slot <c>Sp + offset</c>: the block's top slot address plus a compile-time byte offset, in plain IL.
        /// No call: the JIT stops inlining into a method once it has about 512 locals (its own and its inlinees'), which
        /// a region reaches early, and a call per slot access left every one a real call.
        /// </summary>
        private void EmitSlotAddress(int offset)
        {
            il.Emit(OpCodes.Ldloc, _top);
            int bytes = checked((_spDelta + offset) * 32);
            if (bytes != 0)
            {
                EmitInt(bytes);
                il.Emit(OpCodes.Conv_I);
                il.Emit(OpCodes.Add);
            }
        }

        /// <summary>Replaces the address of a word on the IL stack by whether the word is zero (the OR of its limbs is 0), with no call.</summary>
        private void EmitIsZeroAtAddress()
        {
            LocalBuilder address = _addressTemp ??= il.DeclareLocal(typeof(UInt256).MakeByRefType());
            il.Emit(OpCodes.Stloc, address);
            for (int limb = 0; limb < 4; limb++)
            {
                il.Emit(OpCodes.Ldloc, address);
                il.Emit(OpCodes.Ldfld, LimbFields[limb]);
                if (limb > 0)
                {
                    il.Emit(OpCodes.Or);
                }
            }

            il.Emit(OpCodes.Ldc_I4_0);
            il.Emit(OpCodes.Conv_U8);
            il.Emit(OpCodes.Ceq);
        }

        private LocalBuilder? _addressTemp;

        /// <summary>Moves the frame's <c>Sp</c> at compile time; <c>c.Sp</c> is stored only where something outside the IL can read it.</summary>
        private void AddToSp(int delta) => _spDelta += delta;

        /// <summary>Stores a word at the address on the IL stack (consumed).</summary>
        private void EmitStoreWord(in StackWord word)
        {
            if (word.IsConstant)
            {
                EmitStoreConstant(word.Constant);
            }
            else if (word.IsFlag)
            {
                // Limb 0 the flag, the others zero.
                for (int limb = 0; limb < 4; limb++)
                {
                    if (limb < 3)
                    {
                        il.Emit(OpCodes.Dup);
                    }

                    EmitFlagLimb(word.Local!, limb);
                    il.Emit(OpCodes.Stfld, LimbFields[limb]);
                }
            }
            else
            {
                il.Emit(OpCodes.Ldloc, word.Local!);
                il.Emit(OpCodes.Stobj, typeof(UInt256));
            }
        }

        /// <summary>
        /// Stores a constant word at the address on the IL stack (consumed), limb by limb as immediates: no constructor
        /// call, which the JIT would not inline once the region's locals run past its inlining limit.
        /// </summary>
        private void EmitStoreConstant(in UInt256 value)
        {
            ulong[] limbs = [value.U0, value.U1, value.U2, value.U3];
            for (int limb = 0; limb < 4; limb++)
            {
                if (limb < 3)
                {
                    il.Emit(OpCodes.Dup);
                }

                EmitLimb(limbs[limb]);
                il.Emit(OpCodes.Stfld, LimbFields[limb]);
            }
        }

        /// <summary>An int in its shortest IL form (the region budget counts IL bytes).</summary>
        private void EmitInt(int value)
        {
            switch (value)
            {
                case >= -1 and <= 8:
                    il.Emit(value switch
                    {
                        -1 => OpCodes.Ldc_I4_M1,
                        0 => OpCodes.Ldc_I4_0,
                        1 => OpCodes.Ldc_I4_1,
                        2 => OpCodes.Ldc_I4_2,
                        3 => OpCodes.Ldc_I4_3,
                        4 => OpCodes.Ldc_I4_4,
                        5 => OpCodes.Ldc_I4_5,
                        6 => OpCodes.Ldc_I4_6,
                        7 => OpCodes.Ldc_I4_7,
                        _ => OpCodes.Ldc_I4_8,
                    });
                    break;
                case >= sbyte.MinValue and <= sbyte.MaxValue:
                    il.Emit(OpCodes.Ldc_I4_S, (sbyte)value);
                    break;
                default:
                    il.Emit(OpCodes.Ldc_I4, value);
                    break;
            }
        }

        /// <summary>A 64-bit limb in the shortest IL: most constants are small, so most limbs are an int widened.</summary>
        private void EmitLimb(ulong limb)
        {
            if (limb <= int.MaxValue)
            {
                EmitInt((int)limb);
                il.Emit(OpCodes.Conv_U8);
            }
            else
            {
                il.Emit(OpCodes.Ldc_I8, (long)limb);
            }
        }

        /// <summary>Leaves with Pc at <paramref name="pc"/> (null: where <c>c.Pc</c> already is) for the interpreter to run on from there, and <c>Sp</c> exact: past <paramref name="pendingStored"/> pending words this path stored.</summary>
        private void EmitInterpretFrom(int? pc, int pendingStored = 0)
        {
            EmitStoreSp(_spDelta + pendingStored);
            if (pc is { } at)
            {
                EmitStorePc(at);
            }

            EmitReturn(StepResult.Interpret);
        }

        private void EmitReturn(StepResult result)
        {
            il.Emit(OpCodes.Ldc_I4, (int)result);
            il.Emit(OpCodes.Ret);
        }
    }
}
