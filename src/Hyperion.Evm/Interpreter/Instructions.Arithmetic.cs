using System.Runtime.CompilerServices;
using Hyperion.Core;

namespace Hyperion.Evm.Interpreter;

/// <summary>
/// The instruction handlers, one static method per opcode (or family), all of one signature so that each fork's
/// <see cref="InstructionTable"/> can hold them as function pointers. The loop has checked the stack height and
/// charged the static gas; a handler charges the dynamic gas and does the work. Stack slot <c>Sp - 1</c> is the top.
/// </summary>
internal static partial class Instructions
{
    public static StepResult Stop(ref InstructionContext c) => StepResult.Stop;

    /// <summary>Undefined opcodes (never reached: their table entry fails the loop's stack check, reported as invalid).</summary>
    public static StepResult Invalid(ref InstructionContext c) => StepResult.InvalidOpcode;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static StepResult Add(ref InstructionContext c)
    {
        UInt256.Add(in c.Stack[c.Sp - 1], in c.Stack[c.Sp - 2], out UInt256 r);
        c.Stack[c.Sp - 2] = r;
        c.Sp--;
        return StepResult.Continue;
    }

    public static StepResult Mul(ref InstructionContext c)
    {
        UInt256.Multiply(in c.Stack[c.Sp - 1], in c.Stack[c.Sp - 2], out UInt256 r);
        c.Stack[c.Sp - 2] = r;
        c.Sp--;
        return StepResult.Continue;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static StepResult Sub(ref InstructionContext c)
    {
        UInt256.Subtract(in c.Stack[c.Sp - 1], in c.Stack[c.Sp - 2], out UInt256 r);
        c.Stack[c.Sp - 2] = r;
        c.Sp--;
        return StepResult.Continue;
    }

    public static StepResult Div(ref InstructionContext c)
    {
        UInt256.Divide(in c.Stack[c.Sp - 1], in c.Stack[c.Sp - 2], out UInt256 r);
        c.Stack[c.Sp - 2] = r;
        c.Sp--;
        return StepResult.Continue;
    }

    public static StepResult SDiv(ref InstructionContext c)
    {
        UInt256.SignedDivide(in c.Stack[c.Sp - 1], in c.Stack[c.Sp - 2], out UInt256 r);
        c.Stack[c.Sp - 2] = r;
        c.Sp--;
        return StepResult.Continue;
    }

    public static StepResult Mod(ref InstructionContext c)
    {
        UInt256.Mod(in c.Stack[c.Sp - 1], in c.Stack[c.Sp - 2], out UInt256 r);
        c.Stack[c.Sp - 2] = r;
        c.Sp--;
        return StepResult.Continue;
    }

    public static StepResult SMod(ref InstructionContext c)
    {
        UInt256.SignedMod(in c.Stack[c.Sp - 1], in c.Stack[c.Sp - 2], out UInt256 r);
        c.Stack[c.Sp - 2] = r;
        c.Sp--;
        return StepResult.Continue;
    }

    public static StepResult AddMod(ref InstructionContext c)
    {
        UInt256.AddMod(in c.Stack[c.Sp - 1], in c.Stack[c.Sp - 2], in c.Stack[c.Sp - 3], out UInt256 r);
        c.Stack[c.Sp - 3] = r;
        c.Sp -= 2;
        return StepResult.Continue;
    }

    public static StepResult MulMod(ref InstructionContext c)
    {
        UInt256.MulMod(in c.Stack[c.Sp - 1], in c.Stack[c.Sp - 2], in c.Stack[c.Sp - 3], out UInt256 r);
        c.Stack[c.Sp - 3] = r;
        c.Sp -= 2;
        return StepResult.Continue;
    }

    public static StepResult Exp(ref InstructionContext c)
    {
        long cost = GasCost.ExpByte * c.Stack[c.Sp - 2].ByteLength;
        if (c.Gas < cost)
        {
            return StepResult.OutOfGas;
        }

        c.Gas -= cost;
        UInt256.Exp(in c.Stack[c.Sp - 1], in c.Stack[c.Sp - 2], out UInt256 r);
        c.Stack[c.Sp - 2] = r;
        c.Sp--;
        return StepResult.Continue;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static StepResult SignExtend(ref InstructionContext c)
    {
        // In place: only the limbs from the sign's up change, and no 32-byte copy of a word just written as limbs.
        UInt256.SignExtendInPlace(in c.Stack[c.Sp - 1], ref c.Stack[c.Sp - 2]);
        c.Sp--;
        return StepResult.Continue;
    }

    public static StepResult Lt(ref InstructionContext c) =>
        Compare(ref c, UInt256.LessThan(in c.Stack[c.Sp - 1], in c.Stack[c.Sp - 2]));

    public static StepResult Gt(ref InstructionContext c) =>
        Compare(ref c, UInt256.GreaterThan(in c.Stack[c.Sp - 1], in c.Stack[c.Sp - 2]));

    public static StepResult SLt(ref InstructionContext c) =>
        Compare(ref c, UInt256.SignedLessThan(in c.Stack[c.Sp - 1], in c.Stack[c.Sp - 2]));

    public static StepResult SGt(ref InstructionContext c) =>
        Compare(ref c, UInt256.SignedGreaterThan(in c.Stack[c.Sp - 1], in c.Stack[c.Sp - 2]));

    public static StepResult Eq(ref InstructionContext c) =>
        Compare(ref c, c.Stack[c.Sp - 1].Equals(c.Stack[c.Sp - 2]));

    /// <summary>A two-operand comparison's result replaces the operands.</summary>
    private static StepResult Compare(ref InstructionContext c, bool holds)
    {
        c.Stack[c.Sp - 2] = holds ? UInt256.One : UInt256.Zero;
        c.Sp--;
        return StepResult.Continue;
    }

    public static StepResult IsZero(ref InstructionContext c)
    {
        ref UInt256 top = ref c.Stack[c.Sp - 1];
        top = top.IsZero ? UInt256.One : UInt256.Zero;
        return StepResult.Continue;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static StepResult And(ref InstructionContext c)
    {
        UInt256.And(in c.Stack[c.Sp - 1], in c.Stack[c.Sp - 2], out UInt256 r);
        c.Stack[c.Sp - 2] = r;
        c.Sp--;
        return StepResult.Continue;
    }

    public static StepResult Or(ref InstructionContext c)
    {
        UInt256.Or(in c.Stack[c.Sp - 1], in c.Stack[c.Sp - 2], out UInt256 r);
        c.Stack[c.Sp - 2] = r;
        c.Sp--;
        return StepResult.Continue;
    }

    public static StepResult Xor(ref InstructionContext c)
    {
        UInt256.Xor(in c.Stack[c.Sp - 1], in c.Stack[c.Sp - 2], out UInt256 r);
        c.Stack[c.Sp - 2] = r;
        c.Sp--;
        return StepResult.Continue;
    }

    public static StepResult Not(ref InstructionContext c)
    {
        UInt256.Not(in c.Stack[c.Sp - 1], out UInt256 r);
        c.Stack[c.Sp - 1] = r;
        return StepResult.Continue;
    }

    public static StepResult Byte(ref InstructionContext c)
    {
        UInt256.Byte(in c.Stack[c.Sp - 1], in c.Stack[c.Sp - 2], out UInt256 r);
        c.Stack[c.Sp - 2] = r;
        c.Sp--;
        return StepResult.Continue;
    }

    public static StepResult Shl(ref InstructionContext c)
    {
        UInt256.ShiftLeft(in c.Stack[c.Sp - 2], ShiftAmount(in c.Stack[c.Sp - 1]), out UInt256 r);
        c.Stack[c.Sp - 2] = r;
        c.Sp--;
        return StepResult.Continue;
    }

    public static StepResult Shr(ref InstructionContext c)
    {
        UInt256.ShiftRight(in c.Stack[c.Sp - 2], ShiftAmount(in c.Stack[c.Sp - 1]), out UInt256 r);
        c.Stack[c.Sp - 2] = r;
        c.Sp--;
        return StepResult.Continue;
    }

    public static StepResult Sar(ref InstructionContext c)
    {
        UInt256.ArithmeticShiftRight(in c.Stack[c.Sp - 2], ShiftAmount(in c.Stack[c.Sp - 1]), out UInt256 r);
        c.Stack[c.Sp - 2] = r;
        c.Sp--;
        return StepResult.Continue;
    }

    /// <summary>A shift amount for UInt256's shifts: anything of 256 or more shifts everything out.</summary>
    internal static int ShiftAmount(in UInt256 shift) => shift.IsUInt64 && shift.U0 < 256 ? (int)shift.U0 : 256;
}
