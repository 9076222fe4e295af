using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
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
    public readonly EvmStack Stack;
    public readonly ReadOnlySpan<byte> Code;

    /// <summary>Number of items on the stack; the top is <c>Stack[Sp - 1]</c>.</summary>
    public int Sp;

    public long Gas;

    /// <summary>While a handler runs: the offset just past its opcode (a PUSH reads its immediate from here).</summary>
    public int Pc;

    /// <summary>A context with no frame and an out-of-range Pc, on which compiled code returns at once (to JIT it ahead of use).</summary>
    public static InstructionContext ForWarmUp() => new(-1);

    private InstructionContext(int pc)
    {
        Vm = null!;
        Host = null!;
        Frame = null!;
        Pc = pc;
    }

    public InstructionContext(MetisVm vm, EvmFrame frame)
    {
        Vm = vm;
        Host = vm.Host;
        Frame = frame;
        Stack = new EvmStack(frame.Stack.AsSpan(0, OpcodeTable.StackLimit));
        Code = frame.Code.Span;
        Sp = frame.Sp;
        Gas = frame.Gas;
        Pc = frame.Pc;
    }
}

/// <summary>
/// The frame's stack slots (<see cref="OpcodeTable.StackLimit"/> of them) indexed without bounds checks. Safe because
/// the loop checks each instruction's stack height against the fork's table (at least as many items as it reads, room
/// for what it pushes) before its handler runs, so handlers only index slots 0..Sp inside the 1,024.
/// </summary>
internal readonly ref struct EvmStack
{
    private readonly ref UInt256 _slots;

    public EvmStack(Span<UInt256> slots)
    {
        if (slots.Length != OpcodeTable.StackLimit)
        {
            throw new ArgumentException($"The stack has {OpcodeTable.StackLimit} slots, got {slots.Length}.", nameof(slots));
        }

        _slots = ref MemoryMarshal.GetReference(slots);
    }

    public int Length => OpcodeTable.StackLimit;

    /// <summary>Slot <paramref name="index"/> (0 is the bottom), unchecked: see the type's remarks.</summary>
    public ref UInt256 this[int index]
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => ref Unsafe.Add(ref _slots, index);
    }

    /// <summary>Slots [start, start+length) as a checked span (tracing).</summary>
    public Span<UInt256> Slice(int start, int length) => MemoryMarshal.CreateSpan(ref _slots, OpcodeTable.StackLimit).Slice(start, length);
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

    /// <summary>Compiled code hands the frame to the interpreter at <c>Pc</c> (a stack or gas check failed there; see <see cref="Compiled.EvmCompiler"/>).</summary>
    Interpret = 102,
}
