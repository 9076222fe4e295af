using Hyperion.Core;
using Hyperion.Evm.Interpreter;

namespace Hyperion.Evm;

public sealed partial class MetisVm
{
    /// <summary>Berlin clears refund 15000 (EIP-2200); London lowers it to 4800 (EIP-3529).</summary>
    private long SstoreClearRefund => _fork >= Fork.London ? GasCost.SstoreClearRefund : 15000;

    /// <summary>Pre-London (EIP-3529 removed it) refund for the first SELFDESTRUCT of an account.</summary>
    private const long SelfDestructRefund = 24000;

    /// <summary>SSTORE with EIP-2200 net metering, EIP-2929 cold slots and EIP-3529 refunds.</summary>
    private EvmError Sstore(in Message m, in UInt256 key, in UInt256 newValue, ref long gas)
    {
        if (m.IsStatic)
        {
            return EvmError.StaticStateChange;
        }

        // EIP-2200: SSTORE needs more than the call stipend left, so a 2300-gas callee cannot write state.
        if (gas <= GasCost.SstoreSentry)
        {
            return EvmError.OutOfGas;
        }

        long cost = _state.WarmStorage(m.Address, key) ? GasCost.ColdSload : 0;
        UInt256 current = _state.GetStorage(m.Address, key);
        if (current == newValue)
        {
            cost += GasCost.WarmAccess;
        }
        else
        {
            UInt256 original = _state.GetOriginalStorage(m.Address, key);
            long clearRefund = SstoreClearRefund;
            if (original == current)
            {
                cost += original.IsZero ? GasCost.SstoreSet : GasCost.SstoreReset;
                if (newValue.IsZero)
                {
                    _state.AddRefund(clearRefund);
                }
            }
            else
            {
                cost += GasCost.WarmAccess;
                if (!original.IsZero)
                {
                    if (current.IsZero)
                    {
                        _state.SubtractRefund(clearRefund);
                    }
                    else if (newValue.IsZero)
                    {
                        _state.AddRefund(clearRefund);
                    }
                }

                if (original == newValue)
                {
                    _state.AddRefund((original.IsZero ? GasCost.SstoreSet : GasCost.SstoreReset) - GasCost.WarmAccess);
                }
            }
        }

        if (gas < cost)
        {
            return EvmError.OutOfGas;
        }

        gas -= cost;
        _state.SetStorage(m.Address, key, newValue);
        return EvmError.None;
    }

    /// <summary>LOG0–LOG4: stack is offset, size, then the topics.</summary>
    private EvmError EmitLog(in Message m, EvmMemory memory, Span<UInt256> stack, int sp, int topicCount, ref long gas)
    {
        if (m.IsStatic)
        {
            return EvmError.StaticStateChange;
        }

        ref readonly UInt256 offset = ref stack[sp - 1];
        ref readonly UInt256 size = ref stack[sp - 2];
        if (!ChargeMemory(memory, ref gas, in offset, in size))
        {
            return EvmError.OutOfGas;
        }

        long dataCost = GasCost.LogByte * (long)size.U0;
        if (gas < dataCost)
        {
            return EvmError.OutOfGas;
        }

        gas -= dataCost;
        var topics = new Hash256[topicCount];
        Span<byte> topic = stackalloc byte[32];
        for (int i = 0; i < topicCount; i++)
        {
            stack[sp - 3 - i].WriteBigEndian(topic);
            topics[i] = new Hash256(topic);
        }

        _state.AddLog(new Log(m.Address, topics, MemorySpan(memory, in offset, in size).ToArray()));
        return EvmError.None;
    }

    /// <summary>
    /// CALL, CALLCODE, DELEGATECALL, STATICCALL: EIP-2929 cold surcharge, memory, value and new-account costs, the
    /// EIP-150 63/64 cap, the 2300 stipend, then the depth and balance checks (which fail softly: push 0).
    /// </summary>
    private EvmError CallInstruction(Opcode op, in Message m, Span<UInt256> stack, ref int sp, ref long gas, EvmMemory memory, ref ReadOnlyMemory<byte> returnData)
    {
        UInt256 requestedGas = stack[sp - 1];
        Address target = ToAddress(in stack[sp - 2]);
        bool hasValue = op is Opcode.CALL or Opcode.CALLCODE;
        int next = sp - 3;
        UInt256 value = hasValue ? stack[next--] : UInt256.Zero;
        UInt256 inOffset = stack[next];
        UInt256 inSize = stack[next - 1];
        UInt256 outOffset = stack[next - 2];
        UInt256 outSize = stack[next - 3];
        sp = next - 3;

        bool transfersValue = !value.IsZero;
        if (op == Opcode.CALL && transfersValue && m.IsStatic)
        {
            return EvmError.StaticStateChange;
        }

        if (!ChargeAccountAccess(in target, ref gas) ||
            !ChargeMemory(memory, ref gas, in inOffset, in inSize) ||
            !ChargeMemory(memory, ref gas, in outOffset, in outSize))
        {
            return EvmError.OutOfGas;
        }

        long extra = 0;
        if (transfersValue)
        {
            extra += GasCost.CallValue;
            if (op == Opcode.CALL && _state.IsDead(target))
            {
                extra += GasCost.NewAccount;
            }
        }

        if (gas < extra)
        {
            return EvmError.OutOfGas;
        }

        gas -= extra;

        // EIP-150: the callee gets at most all but one 64th of what is left.
        long cap = gas - (gas / 64);
        long callGas = requestedGas.IsUInt64 && requestedGas.U0 < (ulong)cap ? (long)requestedGas.U0 : cap;
        gas -= callGas;
        TraceStepCost(gas);
        if (transfersValue)
        {
            callGas += GasCost.CallStipend;
        }

        returnData = ReadOnlyMemory<byte>.Empty;
        if (m.Depth >= GasCost.MaxCallDepth ||
            (transfersValue && _state.GetBalance(m.Address) < value))
        {
            gas += callGas;
            stack[sp++] = UInt256.Zero;
            return EvmError.None;
        }

        ReadOnlyMemory<byte> input = inSize.IsZero ? ReadOnlyMemory<byte>.Empty : memory.AsMemory((long)inOffset.U0, (long)inSize.U0);
        Message child = op switch
        {
            Opcode.CALL => new Message(MessageKind.Call, m.Address, target, target, value, input, callGas, m.IsStatic, m.Depth + 1),
            Opcode.CALLCODE => new Message(MessageKind.CallCode, m.Address, m.Address, target, value, input, callGas, m.IsStatic, m.Depth + 1),
            Opcode.DELEGATECALL => new Message(MessageKind.DelegateCall, m.Caller, m.Address, target, m.Value, input, callGas, m.IsStatic, m.Depth + 1),
            _ => new Message(MessageKind.StaticCall, m.Address, target, target, UInt256.Zero, input, callGas, IsStatic: true, m.Depth + 1),
        };

        FrameResult result = ExecuteNested(child);
        gas += result.GasLeft;
        returnData = result.Output;
        if (!outSize.IsZero && result.Output.Length > 0)
        {
            int copy = (int)Math.Min(outSize.U0, (ulong)result.Output.Length);
            result.Output.Span[..copy].CopyTo(memory.Slice((long)outOffset.U0, copy));
        }

        stack[sp++] = result.Error == EvmError.None ? UInt256.One : UInt256.Zero;
        return EvmError.None;
    }

    /// <summary>
    /// CREATE and CREATE2: memory, EIP-3860 init code limit and word cost, CREATE2's hashing cost; then depth,
    /// balance and nonce checks (soft failures push 0), the creator's nonce bump and the child frame with 63/64 of the gas.
    /// </summary>
    private EvmError CreateInstruction(Opcode op, in Message m, Span<UInt256> stack, ref int sp, ref long gas, EvmMemory memory, ref ReadOnlyMemory<byte> returnData)
    {
        if (m.IsStatic)
        {
            return EvmError.StaticStateChange;
        }

        UInt256 value = stack[sp - 1];
        UInt256 offset = stack[sp - 2];
        UInt256 size = stack[sp - 3];
        UInt256 salt = op == Opcode.CREATE2 ? stack[sp - 4] : UInt256.Zero;
        sp -= op == Opcode.CREATE2 ? 4 : 3;

        if (!ChargeMemory(memory, ref gas, in offset, in size))
        {
            return EvmError.OutOfGas;
        }

        long length = size.IsZero ? 0 : (long)size.U0;
        if (_fork >= Fork.Shanghai)
        {
            if (length > GasCost.MaxInitCodeSize)
            {
                return EvmError.MaxInitCodeSizeExceeded;
            }

            if (!ChargeWords(ref gas, GasCost.InitCodeWord, in size))
            {
                return EvmError.OutOfGas;
            }
        }

        if (op == Opcode.CREATE2 && !ChargeWords(ref gas, GasCost.Keccak256Word, in size))
        {
            return EvmError.OutOfGas;
        }

        returnData = ReadOnlyMemory<byte>.Empty;
        ulong nonce = _state.GetNonce(m.Address);
        if (m.Depth >= GasCost.MaxCallDepth || _state.GetBalance(m.Address) < value || nonce == ulong.MaxValue)
        {
            stack[sp++] = UInt256.Zero;
            return EvmError.None;
        }

        ReadOnlyMemory<byte> initCode = length == 0 ? ReadOnlyMemory<byte>.Empty : memory.AsMemory((long)offset.U0, length);
        Address address = op == Opcode.CREATE2
            ? ContractAddress.FromSalt(m.Address, salt, initCode.Span)
            : ContractAddress.From(m.Address, nonce);
        _state.SetNonce(m.Address, nonce + 1);
        _state.WarmAccount(address);

        TraceStepCost(gas);
        long childGas = gas - (gas / 64);
        gas -= childGas;
        FrameResult result = ExecuteCreateNested(m.Address, address, value, initCode, childGas, m.Depth + 1);
        gas += result.GasLeft;
        if (result.Error == EvmError.Revert)
        {
            returnData = result.Output;
        }

        stack[sp++] = result.Error == EvmError.None ? ToWord(address) : UInt256.Zero;
        return EvmError.None;
    }

    /// <summary>
    /// SELFDESTRUCT with EIP-2929 costs, the new-account charge, the pre-London refund, and EIP-6780 from Cancun
    /// (the account is only deleted when it was created in this transaction; otherwise only its balance moves).
    /// </summary>
    private EvmError SelfDestruct(in Message m, in UInt256 beneficiaryWord, ref long gas)
    {
        if (m.IsStatic)
        {
            return EvmError.StaticStateChange;
        }

        Address beneficiary = ToAddress(in beneficiaryWord);
        long cost = _state.WarmAccount(beneficiary) ? GasCost.ColdAccountAccess : 0;
        UInt256 balance = _state.GetBalance(m.Address);
        if (!balance.IsZero && _state.IsDead(beneficiary))
        {
            cost += GasCost.NewAccount;
        }

        if (gas < cost)
        {
            return EvmError.OutOfGas;
        }

        gas -= cost;
        if (_fork < Fork.London && !_state.IsSelfDestructed(m.Address))
        {
            _state.AddRefund(SelfDestructRefund);
        }

        if (_fork >= Fork.Cancun && !_state.IsCreatedInTransaction(m.Address))
        {
            _state.SubtractBalance(m.Address, balance);
            _state.AddBalance(beneficiary, balance);
            return EvmError.None;
        }

        _state.AddBalance(beneficiary, balance);
        // A beneficiary equal to the destroyed account burns the balance: the account ends with none.
        _state.SubtractBalance(m.Address, _state.GetBalance(m.Address));
        _state.MarkSelfDestructed(m.Address);
        return EvmError.None;
    }
}
