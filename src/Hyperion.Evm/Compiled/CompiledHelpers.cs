using System.Runtime.CompilerServices;
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

    /// <summary>What the frame loop gets for a negative block code.</summary>
    public static StepResult Exit(int code) => code switch
    {
        InvalidJump => StepResult.InvalidJump,
        Aborted => StepResult.Aborted,
        _ => StepResult.Interpret,
    };
}
