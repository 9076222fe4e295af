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
/// region's block leaves the method with <c>Pc</c> at that block and the contract's loop enters the other one. The compiled
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
/// <item>Jumps: a PUSH followed by JUMP/JUMPI becomes a direct branch (or InvalidJump when the constant is not a
/// JUMPDEST); other jumps check the destination against the JUMPDEST analysis and branch through a switch over the
/// blocks.</item>
/// <item>CALL*/CREATE* end their block: the frame loop runs the child and re-enters at the next block.</item>
/// </list>
/// Every other instruction calls the interpreter's handler for the fork (PUSH/DUP/SWAP/POP with the operand baked in).
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
    /// <param name="MaxTime">Wall time after which no further region is compiled (its blocks are interpreted): a backstop, as the other budgets already bound the JIT's work, set high enough that a loaded machine still compiles whole contracts; the compiled tier gives the interpreter's results, so this never affects consensus.</param>
    public readonly record struct Budgets(int RegionIlBytes, int MaxRegions, TimeSpan MaxTime)
    {
        public static Budgets Default { get; } = new(RegionIlBytes: 16 * 1024, MaxRegions: 64, MaxTime: TimeSpan.FromSeconds(5));
    }

    private static readonly FieldInfo PcField = typeof(InstructionContext).GetField(nameof(InstructionContext.Pc))!;
    private static readonly FieldInfo SpField = typeof(InstructionContext).GetField(nameof(InstructionContext.Sp))!;
    private static readonly FieldInfo GasField = typeof(InstructionContext).GetField(nameof(InstructionContext.Gas))!;
    private static readonly FieldInfo ConstantsField = typeof(CompiledContract).GetField(nameof(CompiledContract.Constants), BindingFlags.Instance | BindingFlags.NonPublic)!;
    private static readonly Type ContextByRef = typeof(InstructionContext).MakeByRefType();

    private static MethodInfo Helper(string name) => typeof(CompiledHelpers).GetMethod(name, BindingFlags.Static | BindingFlags.Public)!;

    private static readonly MethodInfo PushWordMethod = Helper(nameof(CompiledHelpers.PushWord));
    private static readonly MethodInfo PushConstantMethod = Helper(nameof(CompiledHelpers.PushConstant));
    private static readonly MethodInfo PopMethod = Helper(nameof(CompiledHelpers.Pop));
    private static readonly MethodInfo DupMethod = Helper(nameof(CompiledHelpers.Dup));
    private static readonly MethodInfo SwapMethod = Helper(nameof(CompiledHelpers.Swap));
    private static readonly MethodInfo EntryBlockMethod = Helper(nameof(CompiledHelpers.EntryBlock));
    private static readonly MethodInfo LeaveMethod = Helper(nameof(CompiledHelpers.Leave));
    private static readonly MethodInfo InterpretRangeMethod = Helper(nameof(CompiledHelpers.InterpretRange));
    private static readonly MethodInfo PopJumpMethod = Helper(nameof(CompiledHelpers.PopJump));
    private static readonly MethodInfo PopJumpIMethod = Helper(nameof(CompiledHelpers.PopJumpI));
    private static readonly MethodInfo PopConditionMethod = Helper(nameof(CompiledHelpers.PopCondition));
    private static readonly MethodInfo AbortRequestedMethod = Helper(nameof(CompiledHelpers.AbortRequested));

    /// <summary>
    /// The handler methods by entry point, so the IL can call a handler directly (which the JIT may inline) rather
    /// than through its function pointer; a pointer not found here is called indirectly.
    /// </summary>
    private static readonly Dictionary<nint, MethodInfo> HandlersByEntryPoint = typeof(Instructions)
        .GetMethods(BindingFlags.Static | BindingFlags.Public)
        .Where(m => m.ReturnType == typeof(StepResult) && m.GetParameters() is [{ ParameterType: var p }] && p == ContextByRef)
        .ToDictionary(m => m.MethodHandle.GetFunctionPointer(), m => m);

    /// <summary>One decoded instruction.</summary>
    private readonly record struct Instruction(int Pc, byte Op, UInt256 Immediate);

    /// <summary>Instructions [First, First+Count) starting at a leader; MinSp/MaxSp: the stack heights on entry for which none of them fails its stack check.</summary>
    private readonly record struct Block(int First, int Count, int MinSp, int MaxSp);

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
        }

        bool[] interpreted = ColdBlocks(instructions, blocks, blockAtPc, jumps, infos);
        var constants = new List<UInt256>();
        InstructionTable table = InstructionTable.For(fork);
        var compiled = new CompiledContract(blockAtPc, blockPc, table) { Blocks = blocks.Count, ColdBlocks = interpreted.Count(x => x) };
        OpcodeInfo[] infoArray = infos.ToArray();
        int next = 0;
        while (next < blocks.Count && compiled.Regions.Count < budgets.MaxRegions && Stopwatch.GetElapsedTime(started) < budgets.MaxTime)
        {
            var method = new DynamicMethod("metisvm_region", typeof(int), [typeof(CompiledContract), ContextByRef], typeof(EvmCompiler).Module, skipVisibility: true);
            ILGenerator il = method.GetILGenerator();
            int end = new Emitter(il, instructions, blocks, blockAtPc, blockPc, interpreted, jumps, table, infoArray, constants, next, budgets.RegionIlBytes).Emit();
            compiled.IlBytes += il.ILOffset;
            Array.Fill(compiled.RegionOfBlock, compiled.Regions.Count, next, end - next);
            compiled.Regions.Add((CompiledRegion)method.CreateDelegate(typeof(CompiledRegion), compiled));
            next = end;
        }

        compiled.InterpretedBlocks = blocks.Count - next;
        compiled.Constants = [.. constants];
        foreach (CompiledRegion region in compiled.Regions)
        {
            WarmUp(region);
        }

        compiled.CompileTime = Stopwatch.GetElapsedTime(started);
        return compiled;
    }

    /// <summary>Calls a region once with a program counter that is no block, so the JIT compiles it here (on the compiling thread) and it returns at once.</summary>
    private static void WarmUp(CompiledRegion region)
    {
        var c = InstructionContext.ForWarmUp();
        int result = region(ref c);
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
        int i = 0;
        while (i < instructions.Count)
        {
            int first = i;
            int height = 0, minSp = 0, maxSp = OpcodeTable.StackLimit;
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

                i++;
                if (EndsBlock(ins.Op, info) || i == instructions.Count || IsLeader(instructions[i], jumps) || i - first == MaxBlockInstructions)
                {
                    break;
                }
            }

            blocks.Add(new Block(first, i - first, minSp, maxSp));
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
    private static bool[] ColdBlocks(List<Instruction> instructions, List<Block> blocks, int[] blockAtPc, JumpDestinations jumps, ReadOnlySpan<OpcodeInfo> infos)
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

            if (runInstructions >= MinColdRun)
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
        List<UInt256> constants,
        int firstBlock,
        int ilBudget)
    {
        private readonly OpcodeInfo[] _infos = infos;
        private readonly Label?[] _blockLabels = new Label?[blocks.Count];
        private readonly List<int> _referenced = [];
        private Label _exit;
        private Label _dispatch;
        private LocalBuilder _target = null!;

        /// <summary>Emits the region; returns the index of the first block after it.</summary>
        public int Emit()
        {
            _exit = il.DefineLabel();
            _dispatch = il.DefineLabel();
            _target = il.DeclareLocal(typeof(int));

            // Entry: the block at c.Pc.
            EmitDispatchAtPc();

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
                        il.Emit(OpCodes.Ldarg_1);
                        il.Emit(OpCodes.Ldc_I4, blockPc[end]);
                        il.Emit(OpCodes.Stfld, PcField);
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

            // Blocks of other regions jumped to from this one: leave for them.
            foreach (int target in _referenced)
            {
                if (target < firstBlock || target >= b)
                {
                    il.MarkLabel(_blockLabels[target]!.Value);
                    il.Emit(OpCodes.Ldarg_1);
                    il.Emit(OpCodes.Ldc_I4, blockPc[target]);
                    il.Emit(OpCodes.Stfld, PcField);
                    il.Emit(OpCodes.Ldc_I4, CompiledHelpers.Transfer);
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
            if (block.Count == 0)
            {
                EmitReturn(StepResult.Stop);
                return;
            }

            int startPc = instructions[block.First].Pc;
            if (block.MinSp > block.MaxSp)
            {
                EmitInterpretFrom(startPc);
                return;
            }

            if (block.MinSp > 0 || block.MaxSp < OpcodeTable.StackLimit)
            {
                // (uint)(Sp - MinSp) <= MaxSp - MinSp covers both bounds.
                Label stackOk = il.DefineLabel();
                il.Emit(OpCodes.Ldarg_1);
                il.Emit(OpCodes.Ldfld, SpField);
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
                    EmitChargeSegment(i, end);
                }

                segmentStart = !IsGasFree(ins.Op);
                bool fusedJump = IsPush(ins.Op) && i + 1 < end && instructions[i + 1].Op is (byte)Opcode.JUMP or (byte)Opcode.JUMPI;
                if (fusedJump)
                {
                    Instruction jump = instructions[++i];
                    if (jump.Op == (byte)Opcode.JUMP)
                    {
                        EmitConstantJump(ins.Immediate);
                    }
                    else
                    {
                        Label notTaken = il.DefineLabel();
                        il.Emit(OpCodes.Ldarg_1);
                        il.Emit(OpCodes.Call, PopConditionMethod);
                        il.Emit(OpCodes.Brfalse, notTaken);
                        EmitConstantJump(ins.Immediate);
                        il.MarkLabel(notTaken);
                    }

                    continue;
                }

                EmitInstruction(ins);
            }
        }

        /// <summary>Checks and charges the static gas of the segment from instruction <paramref name="from"/> to the first that is not gas-free.</summary>
        private void EmitChargeSegment(int from, int end)
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

            Label enough = il.DefineLabel();
            il.Emit(OpCodes.Ldarg_1);
            il.Emit(OpCodes.Ldfld, GasField);
            il.Emit(OpCodes.Ldc_I8, gas);
            il.Emit(OpCodes.Bge, enough);
            EmitInterpretFrom(instructions[from].Pc);
            il.MarkLabel(enough);
            il.Emit(OpCodes.Ldarg_1);
            il.Emit(OpCodes.Dup);
            il.Emit(OpCodes.Ldfld, GasField);
            il.Emit(OpCodes.Ldc_I8, gas);
            il.Emit(OpCodes.Sub);
            il.Emit(OpCodes.Stfld, GasField);
        }


        /// <summary>A taken jump to a constant destination (its PUSH and pop elided): the block, or InvalidJump.</summary>
        private void EmitConstantJump(in UInt256 destination)
        {
            if (!destination.IsUInt64 || !jumps.IsValid(destination.U0))
            {
                EmitReturn(StepResult.InvalidJump);
                return;
            }

            Label go = il.DefineLabel();
            il.Emit(OpCodes.Ldarg_1);
            il.Emit(OpCodes.Call, AbortRequestedMethod);
            il.Emit(OpCodes.Brfalse, go);
            EmitReturn(StepResult.Aborted);
            il.MarkLabel(go);
            il.Emit(OpCodes.Br, LabelOf(blockAtPc[(int)destination.U0]));
        }

        private void EmitInstruction(in Instruction ins)
        {
            byte op = ins.Op;
            if (!_infos[op].Defined)
            {
                EmitReturn(StepResult.InvalidOpcode);
                return;
            }

            switch ((Opcode)op)
            {
                case Opcode.JUMPDEST:
                    return;
                case Opcode.POP:
                    il.Emit(OpCodes.Ldarg_1);
                    il.Emit(OpCodes.Call, PopMethod);
                    return;
                case >= Opcode.PUSH0 and <= Opcode.PUSH32:
                    il.Emit(OpCodes.Ldarg_1);
                    if (ins.Immediate.IsUInt64)
                    {
                        il.Emit(OpCodes.Ldc_I8, (long)ins.Immediate.U0);
                        il.Emit(OpCodes.Call, PushWordMethod);
                    }
                    else
                    {
                        il.Emit(OpCodes.Ldarg_0);
                        il.Emit(OpCodes.Ldfld, ConstantsField);
                        il.Emit(OpCodes.Ldc_I4, constants.Count);
                        il.Emit(OpCodes.Call, PushConstantMethod);
                        constants.Add(ins.Immediate);
                    }

                    return;
                case >= Opcode.DUP1 and <= Opcode.DUP16:
                    il.Emit(OpCodes.Ldarg_1);
                    il.Emit(OpCodes.Ldc_I4, op - (byte)Opcode.DUP1 + 1);
                    il.Emit(OpCodes.Call, DupMethod);
                    return;
                case >= Opcode.SWAP1 and <= Opcode.SWAP16:
                    il.Emit(OpCodes.Ldarg_1);
                    il.Emit(OpCodes.Ldc_I4, op - (byte)Opcode.SWAP1 + 1);
                    il.Emit(OpCodes.Call, SwapMethod);
                    return;
                case Opcode.JUMP:
                case Opcode.JUMPI:
                    il.Emit(OpCodes.Ldarg_0);
                    il.Emit(OpCodes.Ldarg_1);
                    il.Emit(OpCodes.Call, op == (byte)Opcode.JUMP ? PopJumpMethod : PopJumpIMethod);
                    il.Emit(OpCodes.Stloc, _target);
                    if (op == (byte)Opcode.JUMP)
                    {
                        il.Emit(OpCodes.Br, _dispatch);
                    }
                    else
                    {
                        il.Emit(OpCodes.Ldloc, _target);
                        il.Emit(OpCodes.Ldc_I4, CompiledHelpers.NotTaken);
                        il.Emit(OpCodes.Bne_Un, _dispatch);
                    }

                    return;
                default:
                    // The interpreter's handler for this fork, with Pc just past the opcode as it expects.
                    il.Emit(OpCodes.Ldarg_1);
                    il.Emit(OpCodes.Ldc_I4, ins.Pc + 1);
                    il.Emit(OpCodes.Stfld, PcField);
                    il.Emit(OpCodes.Ldarg_1);
                    nint handler = (nint)table.Entries[op].Handler;
                    if (HandlersByEntryPoint.TryGetValue(handler, out MethodInfo? method))
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
                    return;
            }
        }

        /// <summary>Leaves with Pc at <paramref name="pc"/> for the interpreter to run on from there.</summary>
        private void EmitInterpretFrom(int pc)
        {
            il.Emit(OpCodes.Ldarg_1);
            il.Emit(OpCodes.Ldc_I4, pc);
            il.Emit(OpCodes.Stfld, PcField);
            EmitReturn(StepResult.Interpret);
        }

        private void EmitReturn(StepResult result)
        {
            il.Emit(OpCodes.Ldc_I4, (int)result);
            il.Emit(OpCodes.Ret);
        }
    }
}
