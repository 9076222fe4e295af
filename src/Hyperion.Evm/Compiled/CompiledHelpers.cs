using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Hyperion.Core;
using Hyperion.Evm.Interpreter;

namespace Hyperion.Evm.Compiled;

/// <summary>
/// Small operations the compiled IL calls: the stack base, word operations on locals, and the jump checks. The JIT
/// inlines calls into a region only until the method has about 512 locals (its own and its inlinees'), so the commonest
/// work (slot addresses, constants, POP/SWAP, JUMPI conditions, ADD/SUB/AND/OR/XOR/NOT) is written out in IL instead
/// (see <see cref="EvmCompiler"/>). Stack bounds are proven by the block's stack check before any of them runs.
/// </summary>
internal static class CompiledHelpers
{
    /// <summary>Block codes below zero returned by the jump helpers to the IL's dispatch.</summary>
    internal const int InvalidJump = -1;
    internal const int Aborted = -2;
    internal const int NotTaken = -3;
    internal const int NotABlock = -4;

    /// <summary>A region's result at or above this (never a <see cref="StepResult"/>): go on at block <c>result − Transfer</c>, in another region.</summary>
    internal const int Transfer = 1 << 20;

    /// <summary>The address of the frame's stack slot 0, which a region reads once on entry and computes slot addresses from.</summary>
    public static ref UInt256 StackBase(ref InstructionContext c) => ref c.Stack[0];

    // Word operations of the comparisons and shifts, in the shape of UInt256's arithmetic (operands top of stack
    // first, the pushed word out) so the IL computes them on locals; the handlers' results exactly.

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Lt(in UInt256 a, in UInt256 b, out UInt256 result) => result = UInt256.LessThan(in a, in b) ? UInt256.One : UInt256.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Gt(in UInt256 a, in UInt256 b, out UInt256 result) => result = UInt256.GreaterThan(in a, in b) ? UInt256.One : UInt256.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SLt(in UInt256 a, in UInt256 b, out UInt256 result) => result = UInt256.SignedLessThan(in a, in b) ? UInt256.One : UInt256.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SGt(in UInt256 a, in UInt256 b, out UInt256 result) => result = UInt256.SignedGreaterThan(in a, in b) ? UInt256.One : UInt256.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Eq(in UInt256 a, in UInt256 b, out UInt256 result) => result = a.Equals(b) ? UInt256.One : UInt256.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void IsZero(in UInt256 a, out UInt256 result) => result = a.IsZero ? UInt256.One : UInt256.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Shl(in UInt256 shift, in UInt256 value, out UInt256 result) => UInt256.ShiftLeft(in value, Instructions.ShiftAmount(in shift), out result);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Shr(in UInt256 shift, in UInt256 value, out UInt256 result) => UInt256.ShiftRight(in value, Instructions.ShiftAmount(in shift), out result);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Sar(in UInt256 shift, in UInt256 value, out UInt256 result) => UInt256.ArithmeticShiftRight(in value, Instructions.ShiftAmount(in shift), out result);

    /// <summary>
    /// MUL (factor <paramref name="a"/>, the top of the stack): a factor whose limbs are each 0 or 1 — 2^64 + 1 copies
    /// each 64-bit lane of a word one limb up, the lane rotation of hand-written hashes (blake2b in Huff) — is the sum
    /// of the value shifted by those whole limbs: three limb additions instead of the schoolbook's ten limb products.
    /// Every other factor pays one test and goes to <see cref="UInt256.Multiply"/>, which MULMOD's reduction shares and
    /// so keeps unchanged. Never inlined into a region: its UInt128 temporaries would spend the JIT's locals budget there
    /// (see the class comment), leaving the region's other helpers calls; main called <see cref="UInt256.Multiply"/> too.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Multiply(in UInt256 a, in UInt256 b, out UInt256 result)
    {
        if (((a.U0 | a.U1 | a.U2 | a.U3) & ~1UL) == 0)
        {
            MultiplyByLimbBits(in a, in b, out result);
            return;
        }

        UInt256.Multiply(in a, in b, out result);
    }

    /// <summary>b · a for a whose limbs are each 0 or 1: Σ b · 2^(64 i) over a's one limbs, column by column with the carries.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MultiplyByLimbBits(in UInt256 a, in UInt256 b, out UInt256 result)
    {
        // All ones where a's limb is 1, so b's limb AND it is b's limb or 0.
        ulong m0 = 0UL - a.U0, m1 = 0UL - a.U1, m2 = 0UL - a.U2, m3 = 0UL - a.U3;
        UInt128 column1 = (UInt128)(b.U1 & m0) + (b.U0 & m1);
        UInt128 column2 = (UInt128)(b.U2 & m0) + (b.U1 & m1) + (b.U0 & m2) + (ulong)(column1 >> 64);
        ulong column3 = (b.U3 & m0) + (b.U2 & m1) + (b.U1 & m2) + (b.U0 & m3) + (ulong)(column2 >> 64);
        result = new UInt256(b.U0 & m0, (ulong)column1, (ulong)column2, column3);
    }

    /// <summary>The block at <c>c.Pc</c>, where a cold run (<see cref="InterpretRange"/>) left off, or <see cref="NotABlock"/>.</summary>
    public static int EntryBlock(CompiledContract compiled, ref InstructionContext c) =>
        (uint)c.Pc < (uint)compiled.BlockAtPc.Length ? compiled.BlockAtPc[c.Pc] : NotABlock;

    /// <summary>JUMP with the destination on the stack: its block, or <see cref="InvalidJump"/>/<see cref="Aborted"/>.</summary>
    public static int PopJump(CompiledContract compiled, ref InstructionContext c)
    {
        ref UInt256 destination = ref c.Stack[c.Sp - 1];
        if (!destination.IsUInt64 || !c.Frame.Jumps.IsValid(destination.U0))
        {
            return InvalidJump;
        }

        c.Sp--;
        c.Pc = (int)destination.U0; // a block starting with a JUMPDEST run is entered where c.Pc is
        return c.Vm.Abort.IsCancellationRequested ? Aborted : compiled.BlockAtPc[(int)destination.U0];
    }

    /// <summary>JUMPI with destination and condition on the stack: as <see cref="PopJump"/>, or <see cref="NotTaken"/>.</summary>
    public static int PopJumpI(CompiledContract compiled, ref InstructionContext c)
    {
        if (c.Stack[c.Sp - 2].IsZero)
        {
            c.Sp -= 2;
            return NotTaken;
        }

        ref UInt256 destination = ref c.Stack[c.Sp - 1];
        if (!destination.IsUInt64 || !c.Frame.Jumps.IsValid(destination.U0))
        {
            return InvalidJump;
        }

        c.Sp -= 2;
        c.Pc = (int)destination.U0;
        return c.Vm.Abort.IsCancellationRequested ? Aborted : compiled.BlockAtPc[(int)destination.U0];
    }

    /// <summary>Checked at taken jumps back and dynamic jumps (enough to stop every loop; the interpreter checks at every taken jump).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool AbortRequested(ref InstructionContext c) => c.Vm.Abort.IsCancellationRequested;

    /// <summary>
    /// Runs the instructions of cold code (blocks in no cycle of the control flow, so each runs at most once per frame
    /// and compiling them buys nothing but instruction-cache misses) one by one with the fork's handlers, as the
    /// interpreter would, while <c>c.Pc</c> stays in [<paramref name="startPc"/>, <paramref name="endPc"/>). Returns
    /// <see cref="StepResult.Continue"/> when control leaves the range (always at a block start: a jump destination
    /// or the block after it), a handler's other result, or <see cref="StepResult.Interpret"/> with <c>c.Pc</c> at an
    /// instruction whose stack or gas check fails, so the interpreter reports that error exactly.
    /// </summary>
    /// <remarks>
    /// Always optimized: with tiering, its code followed the profile of whichever contract ran it first in the node
    /// (jump_around took 0.046 or 0.097 ms depending on it; branch s31cold).
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe int InterpretRange(CompiledContract compiled, ref InstructionContext c, int startPc, int endPc)
    {
        ref InstructionEntry entries = ref MemoryMarshal.GetArrayDataReference(compiled.Table.Entries);
        ReadOnlySpan<byte> code = c.Code;
        uint length = (uint)(endPc - startPc);

        // The loop runs on a copy of the context in this method's frame, written back when it stops: its Sp, Gas and
        // Pc, stored and loaded again by every instruction, then sit at frame-relative addresses rather than behind the
        // caller's pointer (in process memory_grow_mload 0.091 → 0.075 ms; the interpreter's loop, whose context is a
        // local too, was that much faster than this one). Handlers only read its other fields.
        InstructionContext r = c;
        StepResult result = StepResult.Continue;
        while ((uint)(r.Pc - startPc) < length)
        {
            int pc = r.Pc;
            byte op = code[pc];
            ref InstructionEntry entry = ref Unsafe.Add(ref entries, op);
            if ((uint)(r.Sp - entry.MinStack) > entry.StackRange || r.Gas < entry.StaticGas)
            {
                result = StepResult.Interpret;
                break;
            }

            r.Gas -= entry.StaticGas;
            r.Pc = pc + 1;

            // As the interpreter's loop, the commonest opcodes of straight-line code call their handler directly (inlined;
            // DUPn/SWAPn take n from the byte loaded), the others go through the table; here the case comes from the entry
            // already loaded, numbered densely, so the switch is one jump table. Handlers do not depend on the fork, and
            // the check above fails for an undefined opcode.
            switch (entry.ColdCase)
            {
                case ColdCase.Push1: result = Instructions.Push1(ref r); break;
                case ColdCase.Push2: result = Instructions.Push2(ref r); break;
                case ColdCase.PushN: result = Instructions.PushN(ref r); break;
                case ColdCase.Dup: result = Instructions.Dup(ref r, op - (byte)Opcode.DUP1 + 1); break;
                case ColdCase.Swap: result = Instructions.Swap(ref r, op - (byte)Opcode.SWAP1 + 1); break;
                case ColdCase.Pop: result = Instructions.Pop(ref r); break;
                case ColdCase.JumpDest: result = Instructions.JumpDest(ref r); break;
                case ColdCase.Jump: result = Instructions.Jump(ref r); break;
                case ColdCase.JumpI: result = Instructions.JumpI(ref r); break;
                case ColdCase.Add: result = Instructions.Add(ref r); break;
                case ColdCase.Sub: result = Instructions.Sub(ref r); break;
                case ColdCase.And: result = Instructions.And(ref r); break;
                case ColdCase.MLoad: result = Instructions.MLoad(ref r); break;
                case ColdCase.MStore: result = Instructions.MStore(ref r); break;
                case ColdCase.SignExtend: result = Instructions.SignExtend(ref r); break;
                default: result = entry.Handler(ref r); break;
            }

            if (result != StepResult.Continue)
            {
                break;
            }
        }

        c.Sp = r.Sp;
        c.Gas = r.Gas;
        c.Pc = r.Pc;
        return (int)result;
    }

    /// <summary>
    /// What a region returns for a block code its switch does not hold: a negative one ends the frame (or hands it to
    /// the interpreter), another region's block is a <see cref="Transfer"/> to it.
    /// </summary>
    public static int Leave(CompiledContract compiled, ref InstructionContext c, int code)
    {
        switch (code)
        {
            case InvalidJump:
                return (int)StepResult.InvalidJump;
            case Aborted:
                return (int)StepResult.Aborted;
            case < 0:
                return (int)StepResult.Interpret;
            default:
                return Transfer + code;
        }
    }
}
