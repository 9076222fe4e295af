using System.Buffers;
using Hyperion.Core;

namespace Hyperion.Evm.Interpreter;

/// <summary>What kind of frame a message starts.</summary>
internal enum FrameKind : byte
{
    Call,
    CallCode,
    DelegateCall,
    StaticCall,
    Create,
    Create2,
}

/// <summary>
/// A request for a frame. <see cref="Address"/> is whose storage and balance the code acts on; <see cref="CodeAddress"/>
/// is where the code comes from (they differ for CALLCODE and DELEGATECALL). For a creation, <see cref="Input"/> is
/// the init code and <see cref="Address"/> the new contract's.
/// </summary>
internal readonly record struct Message(
    FrameKind Kind,
    Address Caller,
    Address Address,
    Address CodeAddress,
    UInt256 Value,
    ReadOnlyMemory<byte> Input,
    long Gas,
    bool IsStatic,
    int Depth)
{
    public bool IsCreate => Kind >= FrameKind.Create;
}

/// <summary>How a frame ended: the error (<see cref="EvmError.None"/> for STOP/RETURN), the gas left and the output.</summary>
internal readonly record struct FrameResult(EvmError Error, long GasLeft, ReadOnlyMemory<byte> Output)
{
    public static FrameResult Failed(EvmError error) => new(error, 0, ReadOnlyMemory<byte>.Empty);

    public static FrameResult Succeeded(long gasLeft) => new(EvmError.None, gasLeft, ReadOnlyMemory<byte>.Empty);
}

/// <summary>
/// One running frame of the explicit frame loop: its message, code, the interpreter's registers (saved here while a
/// child frame runs), a pooled stack and memory, and where the child's result goes. Frames are reused (across a
/// transaction's calls and, per thread, across transactions); the stack array is rented while the frame is active and
/// returned when it ends, and a released frame holds nothing of the message it ran.
/// </summary>
internal sealed class EvmFrame : IDisposable
{
    public readonly EvmMemory Memory = new();
    public UInt256[] Stack = [];

    public Message Message;
    public ReadOnlyMemory<byte> Code;
    public JumpDestinations Jumps = null!;

    /// <summary>The code compiled, when the frame runs compiled (null: interpreted).</summary>
    public Compiled.CompiledContract? Compiled;

    /// <summary>The journal snapshot taken when the frame started, reverted when it fails.</summary>
    public int Snapshot;

    public int Pc;
    public int Sp;
    public long Gas;

    /// <summary>RETURNDATA: the output of the last child call (or a reverted child creation).</summary>
    public ReadOnlyMemory<byte> ReturnData;

    /// <summary>What RETURN or REVERT handed back.</summary>
    public ReadOnlyMemory<byte> Output;

    /// <summary>The child frame this frame's last CALL-family or CREATE instruction asked for.</summary>
    public Message Pending;

    /// <summary>Where a pending child call's output is copied in this frame's memory.</summary>
    public long ChildOutputOffset;
    public long ChildOutputSize;

    public bool IsStatic => Message.IsStatic;

    public void Start(in Message message, ReadOnlyMemory<byte> code, JumpDestinations jumps, int snapshot)
    {
        Message = message;
        Code = code;
        Jumps = jumps;
        Snapshot = snapshot;
        Pc = 0;
        Sp = 0;
        Gas = message.Gas;
        ReturnData = ReadOnlyMemory<byte>.Empty;
        Output = ReadOnlyMemory<byte>.Empty;
        Stack = ArrayPool<UInt256>.Shared.Rent(OpcodeTable.StackLimit);
    }

    /// <summary>Gives back the rented stack and memory; the frame object stays for reuse.</summary>
    public void Release()
    {
        Memory.Dispose();
        if (Stack.Length != 0)
        {
            ArrayPool<UInt256>.Shared.Return(Stack);
            Stack = [];
        }

        Code = ReadOnlyMemory<byte>.Empty;
        Compiled = null;
        ReturnData = ReadOnlyMemory<byte>.Empty;
        Output = ReadOnlyMemory<byte>.Empty;
        Message = default;
        Pending = default;
        Jumps = null!;
        Snapshot = 0;
        Pc = 0;
        Sp = 0;
        Gas = 0;
        ChildOutputOffset = 0;
        ChildOutputSize = 0;
    }

    public void Dispose() => Release();
}
