using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Hyperion.Core;
using Hyperion.Evm.Interpreter;

namespace Hyperion.Evm.Compiled;

/// <summary>
/// Small operations the compiled IL calls (the JIT inlines them): stack shuffles with the operand baked in, and the
/// jump checks. Stack bounds are proven by the block's stack check before any of them runs.
/// </summary>
internal static class CompiledHelpers
{
    /// <summary>Block codes below zero returned by the jump helpers to the IL's dispatch.</summary>
    internal const int InvalidJump = -1;
    internal const int Aborted = -2;
    internal const int NotTaken = -3;
    internal const int NotABlock = -4;

    /// <summary>A region's result (never a <see cref="StepResult"/>): go on at the block at <c>c.Pc</c>, in another region.</summary>
    internal const int Transfer = 1000;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void PushWord(ref InstructionContext c, ulong value) => c.Stack[c.Sp++] = new UInt256(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void PushConstant(ref InstructionContext c, UInt256[] constants, int index) => c.Stack[c.Sp++] = constants[index];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Pop(ref InstructionContext c) => c.Sp--;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Dup(ref InstructionContext c, int n)
    {
        c.Stack[c.Sp] = c.Stack[c.Sp - n];
        c.Sp++;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Swap(ref InstructionContext c, int n)
    {
        int other = c.Sp - 1 - n;
        (c.Stack[c.Sp - 1], c.Stack[other]) = (c.Stack[other], c.Stack[c.Sp - 1]);
    }

    /// <summary>The block where a frame enters the compiled code (at its start or after a child frame), or <see cref="NotABlock"/>.</summary>
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
        return c.Vm.Abort.IsCancellationRequested ? Aborted : compiled.BlockAtPc[(int)destination.U0];
    }

    /// <summary>The condition of a JUMPI whose destination was a constant (its PUSH not executed): pops it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool PopCondition(ref InstructionContext c) => !c.Stack[--c.Sp].IsZero;

    /// <summary>Checked at every taken jump, as the interpreter's JUMP/JUMPI do.</summary>
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
    public static unsafe int InterpretRange(CompiledContract compiled, ref InstructionContext c, int startPc, int endPc)
    {
        ref InstructionEntry entries = ref MemoryMarshal.GetArrayDataReference(compiled.Table.Entries);
        ReadOnlySpan<byte> code = c.Code;
        uint length = (uint)(endPc - startPc);
        while ((uint)(c.Pc - startPc) < length)
        {
            int pc = c.Pc;
            ref InstructionEntry entry = ref Unsafe.Add(ref entries, code[pc]);
            if ((uint)(c.Sp - entry.MinStack) > entry.StackRange || c.Gas < entry.StaticGas)
            {
                return (int)StepResult.Interpret;
            }

            c.Gas -= entry.StaticGas;
            c.Pc = pc + 1;
            StepResult result = entry.Handler(ref c);
            if (result != StepResult.Continue)
            {
                return (int)result;
            }
        }

        return (int)StepResult.Continue;
    }

    /// <summary>
    /// What a region returns for a block code its switch does not hold: a negative one ends the frame (or hands it to
    /// the interpreter), another region's block is a <see cref="Transfer"/> to its start.
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
                c.Pc = compiled.BlockPc[code];
                return Transfer;
        }
    }
}
