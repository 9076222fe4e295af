using Hyperion.Core;

namespace Hyperion.Evm.Interpreter;

/// <summary>
/// What an instruction handler works on: the frame's registers (stack pointer, gas, program counter: copied in when
/// the frame resumes and saved back when it stops), its stack and code, and the VM and host it runs in.
/// </summary>
internal ref struct InstructionContext
{
    public readonly MetisVm Vm;
    public readonly IEvmHost Host;
    public readonly EvmFrame Frame;
    public readonly Span<UInt256> Stack;
    public readonly ReadOnlySpan<byte> Code;

    /// <summary>Number of items on the stack; the top is <c>Stack[Sp - 1]</c>.</summary>
    public int Sp;

    public long Gas;

    /// <summary>While a handler runs: the offset just past its opcode (a PUSH reads its immediate from here).</summary>
    public int Pc;

    public InstructionContext(MetisVm vm, EvmFrame frame)
    {
        Vm = vm;
        Host = vm.Host;
        Frame = frame;
        Stack = frame.Stack.AsSpan(0, OpcodeTable.StackLimit);
        Code = frame.Code.Span;
        Sp = frame.Sp;
        Gas = frame.Gas;
        Pc = frame.Pc;
    }
}

/// <summary>
/// What a handler tells the loop: go on, or stop the frame. The failure values equal their <see cref="EvmError"/>;
/// <see cref="Stop"/> is a normal end (STOP, RETURN, SELFDESTRUCT; output in the frame) and <see cref="ChildFrame"/>
/// hands the loop the child message in <see cref="EvmFrame.Pending"/>.
/// </summary>
internal enum StepResult : byte
{
    Continue = EvmError.None,
    Revert = EvmError.Revert,
    OutOfGas = EvmError.OutOfGas,
    StackUnderflow = EvmError.StackUnderflow,
    StackOverflow = EvmError.StackOverflow,
    InvalidJump = EvmError.InvalidJump,
    InvalidOpcode = EvmError.InvalidOpcode,
    StaticStateChange = EvmError.StaticStateChange,
    ReturnDataOutOfBounds = EvmError.ReturnDataOutOfBounds,
    MaxInitCodeSizeExceeded = EvmError.MaxInitCodeSizeExceeded,
    Aborted = EvmError.Aborted,
    Stop = 100,
    ChildFrame = 101,
}
