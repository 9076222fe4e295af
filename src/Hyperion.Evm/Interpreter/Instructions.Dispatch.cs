using System.Runtime.CompilerServices;

namespace Hyperion.Evm.Interpreter;

internal static partial class Instructions
{
    /// <summary>
    /// Runs one instruction whose stack and static gas checks have passed (and <c>c.Pc</c> already past the opcode):
    /// the commonest simple opcodes call their handler directly, so that the JIT inlines it into a jump-table case of
    /// the calling loop (no indirect call, and DUPn/SWAPn take n from the opcode byte already loaded); every other
    /// opcode goes through the table's function pointer. A direct case is only reached for an opcode the fork defines
    /// (the caller's check fails for any other), and calls the same handler as the table's entry for it. Both
    /// instruction loops use it: the interpreter's and the compiled tier's run of cold code
    /// (<see cref="Compiled.CompiledHelpers.InterpretRange"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe StepResult Execute(ref InstructionContext c, byte op, ref InstructionEntry entry)
    {
        switch ((Opcode)op)
        {
            case Opcode.PUSH1: return Push1(ref c);
            case > Opcode.PUSH1 and <= Opcode.PUSH32: return PushN(ref c);
            case >= Opcode.DUP1 and <= Opcode.DUP16: return Dup(ref c, op - (byte)Opcode.DUP1 + 1);
            case >= Opcode.SWAP1 and <= Opcode.SWAP16: return Swap(ref c, op - (byte)Opcode.SWAP1 + 1);
            case Opcode.POP: return Pop(ref c);
            case Opcode.JUMPDEST: return JumpDest(ref c);
            case Opcode.JUMPI: return JumpI(ref c);
            case Opcode.ADD: return Add(ref c);
            case Opcode.SUB: return Sub(ref c);
            case Opcode.AND: return And(ref c);
            default: return entry.Handler(ref c);
        }
    }
}
