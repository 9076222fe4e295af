using Hyperion.Core;
using Hyperion.Evm.Tracing;

namespace Hyperion.Evm.Interpreter;

internal static partial class Instructions
{
    /// <summary>Pre-London (EIP-3529 removed it) refund for the first SELFDESTRUCT of an account.</summary>
    private const long SelfDestructRefund = 24000;

    public static StepResult Return(ref InstructionContext c) => Halt(ref c, StepResult.Stop);

    public static StepResult Revert(ref InstructionContext c) => Halt(ref c, StepResult.Revert);

    /// <summary>RETURN and REVERT: the output is memory [offset, offset+size).</summary>
    private static StepResult Halt(ref InstructionContext c, StepResult end)
    {
        ref readonly UInt256 offset = ref c.Stack[c.Sp - 1];
        ref readonly UInt256 size = ref c.Stack[c.Sp - 2];
        EvmMemory memory = c.Frame.Memory;
        if (!ChargeMemory(memory, ref c.Gas, in offset, in size))
        {
            return StepResult.OutOfGas;
        }

        c.Frame.Output = size.IsZero ? ReadOnlyMemory<byte>.Empty : MemorySpan(memory, in offset, in size).ToArray();
        return end;
    }

    public static StepResult Call(ref InstructionContext c) => CallFamily(ref c, FrameKind.Call);

    public static StepResult CallCode(ref InstructionContext c) => CallFamily(ref c, FrameKind.CallCode);

    public static StepResult DelegateCall(ref InstructionContext c) => CallFamily(ref c, FrameKind.DelegateCall);

    public static StepResult StaticCall(ref InstructionContext c) => CallFamily(ref c, FrameKind.StaticCall);

    /// <summary>
    /// CALL, CALLCODE, DELEGATECALL, STATICCALL: EIP-2929 cold surcharge, memory, value and new-account costs, the
    /// EIP-150 63/64 cap, the 2300 stipend, then the depth and balance checks (which fail softly: push 0). Otherwise
    /// the child message goes to the frame loop, which pushes the result when the child ends.
    /// </summary>
    private static StepResult CallFamily(ref InstructionContext c, FrameKind kind)
    {
        EvmFrame frame = c.Frame;
        ref readonly Message m = ref frame.Message;
        UInt256 requestedGas = c.Stack[c.Sp - 1];
        Address target = EvmWords.ToAddress(in c.Stack[c.Sp - 2]);
        bool hasValue = kind is FrameKind.Call or FrameKind.CallCode;
        int next = c.Sp - 3;
        UInt256 value = hasValue ? c.Stack[next--] : UInt256.Zero;
        UInt256 inOffset = c.Stack[next];
        UInt256 inSize = c.Stack[next - 1];
        UInt256 outOffset = c.Stack[next - 2];
        UInt256 outSize = c.Stack[next - 3];
        c.Sp = next - 3;

        bool transfersValue = !value.IsZero;
        if (kind == FrameKind.Call && transfersValue && m.IsStatic)
        {
            return StepResult.StaticStateChange;
        }

        EvmMemory memory = frame.Memory;
        if (!ChargeAccountAccess(c.Host, in target, ref c.Gas) ||
            !ChargeMemory(memory, ref c.Gas, in inOffset, in inSize) ||
            !ChargeMemory(memory, ref c.Gas, in outOffset, in outSize))
        {
            return StepResult.OutOfGas;
        }

        long extra = 0;
        if (transfersValue)
        {
            extra += GasCost.CallValue;
            if (kind == FrameKind.Call && c.Host.IsDeadAccount(target))
            {
                extra += GasCost.NewAccount;
            }
        }

        if (c.Gas < extra)
        {
            return StepResult.OutOfGas;
        }

        c.Gas -= extra;

        // EIP-150: the callee gets at most all but one 64th of what is left.
        long cap = c.Gas - (c.Gas / 64);
        long callGas = requestedGas.IsUInt64 && requestedGas.U0 < (ulong)cap ? (long)requestedGas.U0 : cap;
        c.Gas -= callGas;
        c.Vm.TraceStepCost(c.Gas);
        if (transfersValue)
        {
            callGas += GasCost.CallStipend;
        }

        frame.ReturnData = ReadOnlyMemory<byte>.Empty;
        if (m.Depth >= GasCost.MaxCallDepth || (transfersValue && c.Host.GetBalance(m.Address) < value))
        {
            c.Gas += callGas;
            c.Stack[c.Sp++] = UInt256.Zero;
            return StepResult.Continue;
        }

        // The child reads its input straight from this frame's memory, which cannot change while the child runs.
        ReadOnlyMemory<byte> input = inSize.IsZero ? ReadOnlyMemory<byte>.Empty : memory.AsMemory((long)inOffset.U0, (long)inSize.U0);
        frame.Pending = kind switch
        {
            FrameKind.Call => new Message(kind, m.Address, target, target, value, input, callGas, m.IsStatic, m.Depth + 1),
            FrameKind.CallCode => new Message(kind, m.Address, m.Address, target, value, input, callGas, m.IsStatic, m.Depth + 1),
            FrameKind.DelegateCall => new Message(kind, m.Caller, m.Address, target, m.Value, input, callGas, m.IsStatic, m.Depth + 1),
            _ => new Message(kind, m.Address, target, target, UInt256.Zero, input, callGas, IsStatic: true, m.Depth + 1),
        };
        frame.ChildOutputOffset = outSize.IsZero ? 0 : (long)outOffset.U0;
        frame.ChildOutputSize = outSize.IsZero ? 0 : (long)outSize.U0;
        return StepResult.ChildFrame;
    }

    public static StepResult Create(ref InstructionContext c) => CreateFamily(ref c, FrameKind.Create);

    public static StepResult Create2(ref InstructionContext c) => CreateFamily(ref c, FrameKind.Create2);

    /// <summary>
    /// CREATE and CREATE2: memory, EIP-3860 init code limit and word cost, CREATE2's hashing cost; then depth,
    /// balance and nonce checks (soft failures push 0), the creator's nonce bump and the child frame with 63/64 of the gas.
    /// </summary>
    private static StepResult CreateFamily(ref InstructionContext c, FrameKind kind)
    {
        EvmFrame frame = c.Frame;
        ref readonly Message m = ref frame.Message;
        if (m.IsStatic)
        {
            return StepResult.StaticStateChange;
        }

        UInt256 value = c.Stack[c.Sp - 1];
        UInt256 offset = c.Stack[c.Sp - 2];
        UInt256 size = c.Stack[c.Sp - 3];
        UInt256 salt = kind == FrameKind.Create2 ? c.Stack[c.Sp - 4] : UInt256.Zero;
        c.Sp -= kind == FrameKind.Create2 ? 4 : 3;

        EvmMemory memory = frame.Memory;
        if (!ChargeMemory(memory, ref c.Gas, in offset, in size))
        {
            return StepResult.OutOfGas;
        }

        long length = size.IsZero ? 0 : (long)size.U0;
        if (c.Vm.Fork >= Fork.Shanghai)
        {
            if (length > GasCost.MaxInitCodeSize)
            {
                return StepResult.MaxInitCodeSizeExceeded;
            }

            if (!ChargeWords(ref c.Gas, GasCost.InitCodeWord, in size))
            {
                return StepResult.OutOfGas;
            }
        }

        if (kind == FrameKind.Create2 && !ChargeWords(ref c.Gas, GasCost.Keccak256Word, in size))
        {
            return StepResult.OutOfGas;
        }

        frame.ReturnData = ReadOnlyMemory<byte>.Empty;
        IEvmHost host = c.Host;
        ulong nonce = host.GetNonce(m.Address);
        if (m.Depth >= GasCost.MaxCallDepth || host.GetBalance(m.Address) < value || nonce == ulong.MaxValue)
        {
            c.Stack[c.Sp++] = UInt256.Zero;
            return StepResult.Continue;
        }

        ReadOnlyMemory<byte> initCode = length == 0 ? ReadOnlyMemory<byte>.Empty : memory.AsMemory((long)offset.U0, length);
        Address address = kind == FrameKind.Create2
            ? ContractAddress.FromSalt(m.Address, salt, initCode.Span)
            : ContractAddress.From(m.Address, nonce);
        host.SetNonce(m.Address, nonce + 1);
        host.WarmAccount(address);

        c.Vm.TraceStepCost(c.Gas);
        long childGas = c.Gas - (c.Gas / 64);
        c.Gas -= childGas;
        frame.Pending = new Message(kind, m.Address, address, address, value, initCode, childGas, IsStatic: false, m.Depth + 1);
        return StepResult.ChildFrame;
    }

    /// <summary>
    /// SELFDESTRUCT with EIP-2929 costs, the new-account charge, the pre-London refund, and EIP-6780 from Cancun
    /// (the account is only deleted when it was created in this transaction; otherwise only its balance moves).
    /// </summary>
    public static StepResult SelfDestruct(ref InstructionContext c)
    {
        ref readonly Message m = ref c.Frame.Message;
        if (m.IsStatic)
        {
            return StepResult.StaticStateChange;
        }

        IEvmHost host = c.Host;
        Address beneficiary = EvmWords.ToAddress(in c.Stack[c.Sp - 1]);
        long cost = host.WarmAccount(beneficiary) ? GasCost.ColdAccountAccess : 0;
        UInt256 balance = host.GetBalance(m.Address);
        if (!balance.IsZero && host.IsDeadAccount(beneficiary))
        {
            cost += GasCost.NewAccount;
        }

        if (c.Gas < cost)
        {
            return StepResult.OutOfGas;
        }

        c.Gas -= cost;
        Fork fork = c.Vm.Fork;
        if (fork < Fork.London && !host.IsSelfDestructed(m.Address))
        {
            host.AddRefund(SelfDestructRefund);
        }

        c.Vm.TraceSelfDestruct(m.Address, beneficiary, balance, m.Depth + 1);
        if (fork >= Fork.Cancun && !host.IsCreatedInTransaction(m.Address))
        {
            host.SubtractBalance(m.Address, balance);
            host.AddBalance(beneficiary, balance);
            return StepResult.Stop;
        }

        host.AddBalance(beneficiary, balance);

        // A beneficiary equal to the destroyed account burns the balance: the account ends with none.
        host.SubtractBalance(m.Address, host.GetBalance(m.Address));
        host.MarkSelfDestructed(m.Address);
        return StepResult.Stop;
    }
}
