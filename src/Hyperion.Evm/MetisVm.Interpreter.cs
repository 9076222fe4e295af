using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Hyperion.Core;
using Hyperion.Evm.Interpreter;
using Hyperion.Evm.Tracing;

namespace Hyperion.Evm;

public sealed partial class MetisVm
{
    // Gas left before the traced instruction, and whether its full cost is still to be reported (tracing only).
    private long _traceStepGas;
    private bool _traceCostPending;

    /// <summary>
    /// The instruction loop of one frame, from its saved registers until it ends or asks for a child frame. Stack
    /// checks and static gas come from the fork's <see cref="InstructionTable"/>; the opcode's handler (a static
    /// method in <see cref="Instructions"/>, called through the fork's function-pointer table) charges dynamic gas and
    /// does the work. <typeparamref name="TTracing"/> is fixed per frame, so the untraced loop has no tracing code.
    /// </summary>
    private unsafe StepResult Interpret<TTracing>(EvmFrame frame)
        where TTracing : struct, ITracingFlag
    {
        var c = new InstructionContext(this, frame);
        // 256 entries indexed by a byte: no bounds check needed.
        ref InstructionEntry entries = ref MemoryMarshal.GetArrayDataReference(_instructions.Entries);
        ReadOnlySpan<byte> code = c.Code;
        StepResult result;
        while (true)
        {
            int pc = c.Pc;

            // Running off the end of the code is STOP.
            byte op = (uint)pc < (uint)code.Length ? code[pc] : (byte)0;
            ref InstructionEntry entry = ref Unsafe.Add(ref entries, op);
            long cost = entry.StaticGas;
            if (TTracing.IsActive)
            {
                Tracer!.OnStep(pc, op, c.Gas, cost, frame.Memory.Size, c.Stack.Slice(0, c.Sp), frame.Message.Depth + 1, Host.Refund);
                _traceStepGas = c.Gas;
                _traceCostPending = true;
            }

            // One unsigned compare covers both stack bounds (and always fails for an undefined opcode); the exact
            // error is sorted out only when something failed, in the order: invalid, underflow, overflow, gas.
            if ((uint)(c.Sp - entry.MinStack) > entry.StackRange || c.Gas < cost)
            {
                result = !entry.Defined ? StepResult.InvalidOpcode
                    : c.Sp < entry.MinStack ? StepResult.StackUnderflow
                    : c.Sp > entry.MaxStack ? StepResult.StackOverflow
                    : StepResult.OutOfGas;
                break;
            }

            c.Gas -= cost;
            c.Pc = pc + 1;
            // The commonest simple opcodes call their handler directly, so that the JIT inlines it into a jump-table
            // case (no indirect call, and DUPn/SWAPn take n from the opcode byte already loaded); every other opcode
            // goes through the table. A direct case is only reached for an opcode the fork defines (the check above
            // fails for any other), and calls the same handler as the table's entry for it.
            switch ((Opcode)op)
            {
                case Opcode.PUSH1: result = Instructions.Push1(ref c); break;
                case > Opcode.PUSH1 and <= Opcode.PUSH32: result = Instructions.PushN(ref c); break;
                case >= Opcode.DUP1 and <= Opcode.DUP16: result = Instructions.Dup(ref c, op - (byte)Opcode.DUP1 + 1); break;
                case >= Opcode.SWAP1 and <= Opcode.SWAP16: result = Instructions.Swap(ref c, op - (byte)Opcode.SWAP1 + 1); break;
                case Opcode.POP: result = Instructions.Pop(ref c); break;
                case Opcode.JUMPDEST: result = Instructions.JumpDest(ref c); break;
                case Opcode.JUMPI: result = Instructions.JumpI(ref c); break;
                case Opcode.ADD: result = Instructions.Add(ref c); break;
                case Opcode.SUB: result = Instructions.Sub(ref c); break;
                case Opcode.AND: result = Instructions.And(ref c); break;
                default: result = entry.Handler(ref c); break;
            }

            if (result != StepResult.Continue)
            {
                break;
            }

            if (TTracing.IsActive)
            {
                TraceStepCost(c.Gas);
            }
        }

        frame.Pc = c.Pc;
        frame.Sp = c.Sp;
        frame.Gas = c.Gas;
        if (TTracing.IsActive)
        {
            if (result is StepResult.Stop or StepResult.ChildFrame)
            {
                TraceStepCost(c.Gas);
            }
            else if (result == StepResult.Revert)
            {
                TraceStepCost(c.Gas);
                Tracer!.OnFault(EvmErrors.Message(EvmError.Revert)!);
            }
            else
            {
                _traceCostPending = false;
                Tracer!.OnFault(EvmErrors.Message((EvmError)result)!);
            }
        }

        return result;
    }

    /// <summary>
    /// Reports the full cost of the traced instruction, once (see <see cref="IEvmTracer.OnStepCost"/>). The CALL and
    /// CREATE handlers report it before the child frame's steps, as geth does.
    /// </summary>
    internal void TraceStepCost(long gasLeft)
    {
        if (_traceCostPending)
        {
            _traceCostPending = false;
            Tracer!.OnStepCost(_traceStepGas - gasLeft);
        }
    }
}
