using System.Buffers;
using Hyperion.Core;
using Hyperion.Core.Crypto;
using Hyperion.Evm.Interpreter;

namespace Hyperion.Evm;

public sealed partial class MetisVm
{
    /// <summary>Runs <paramref name="code"/> in a fresh frame with a pooled stack and memory.</summary>
    private FrameResult Run(in Message m, ReadOnlyMemory<byte> code, JumpDestinations jumps)
    {
        UInt256[] stack = ArrayPool<UInt256>.Shared.Rent(OpcodeTable.StackLimit);
        var memory = new EvmMemory();
        try
        {
            return Interpret(m, code.Span, jumps, stack.AsSpan(0, OpcodeTable.StackLimit), memory);
        }
        finally
        {
            memory.Dispose();
            ArrayPool<UInt256>.Shared.Return(stack);
        }
    }

    /// <summary>
    /// The instruction loop. Stack checks and static gas come from the fork's <see cref="InstructionTable"/>; each
    /// case charges its dynamic gas and does its work. Nothing here allocates except RETURN/REVERT output, logs and
    /// frames of nested calls.
    /// </summary>
    private FrameResult Interpret(in Message m, ReadOnlySpan<byte> code, JumpDestinations jumps, Span<UInt256> stack, EvmMemory memory)
    {
        long[] staticGas = _instructions.StaticGas;
        int[] minStack = _instructions.MinStack;
        int[] maxStack = _instructions.MaxStack;
        long gas = m.Gas;
        int pc = 0;
        int sp = 0;
        ReadOnlyMemory<byte> returnData = ReadOnlyMemory<byte>.Empty;
        ReadOnlyMemory<byte> output = ReadOnlyMemory<byte>.Empty;
        EvmError error;
        Span<byte> scratch = stackalloc byte[32];

        while (true)
        {
            // Running off the end of the code is STOP.
            byte op = (uint)pc < (uint)code.Length ? code[pc] : (byte)0;
            long cost = staticGas[op];
            if (_tracer is not null)
            {
                _tracer.OnStep(pc, op, gas, Math.Max(cost, 0), memory.Size, stack[..sp], m.Depth + 1, _state.Refund);
                _traceStepGas = gas;
                _traceCostPending = true;
            }

            if (cost < 0)
            {
                error = EvmError.InvalidOpcode;
                goto Failed;
            }

            if (sp < minStack[op])
            {
                error = EvmError.StackUnderflow;
                goto Failed;
            }

            if (sp > maxStack[op])
            {
                error = EvmError.StackOverflow;
                goto Failed;
            }

            if (gas < cost)
            {
                error = EvmError.OutOfGas;
                goto Failed;
            }

            gas -= cost;

            switch ((Opcode)op)
            {
                case Opcode.STOP:
                    goto Succeeded;

                case Opcode.ADD:
                {
                    UInt256.Add(in stack[sp - 1], in stack[sp - 2], out UInt256 r);
                    stack[sp - 2] = r;
                    sp--;
                    break;
                }

                case Opcode.MUL:
                {
                    UInt256.Multiply(in stack[sp - 1], in stack[sp - 2], out UInt256 r);
                    stack[sp - 2] = r;
                    sp--;
                    break;
                }

                case Opcode.SUB:
                {
                    UInt256.Subtract(in stack[sp - 1], in stack[sp - 2], out UInt256 r);
                    stack[sp - 2] = r;
                    sp--;
                    break;
                }

                case Opcode.DIV:
                {
                    UInt256.Divide(in stack[sp - 1], in stack[sp - 2], out UInt256 r);
                    stack[sp - 2] = r;
                    sp--;
                    break;
                }

                case Opcode.SDIV:
                {
                    UInt256.SignedDivide(in stack[sp - 1], in stack[sp - 2], out UInt256 r);
                    stack[sp - 2] = r;
                    sp--;
                    break;
                }

                case Opcode.MOD:
                {
                    UInt256.Mod(in stack[sp - 1], in stack[sp - 2], out UInt256 r);
                    stack[sp - 2] = r;
                    sp--;
                    break;
                }

                case Opcode.SMOD:
                {
                    UInt256.SignedMod(in stack[sp - 1], in stack[sp - 2], out UInt256 r);
                    stack[sp - 2] = r;
                    sp--;
                    break;
                }

                case Opcode.ADDMOD:
                {
                    UInt256.AddMod(in stack[sp - 1], in stack[sp - 2], in stack[sp - 3], out UInt256 r);
                    stack[sp - 3] = r;
                    sp -= 2;
                    break;
                }

                case Opcode.MULMOD:
                {
                    UInt256.MulMod(in stack[sp - 1], in stack[sp - 2], in stack[sp - 3], out UInt256 r);
                    stack[sp - 3] = r;
                    sp -= 2;
                    break;
                }

                case Opcode.EXP:
                {
                    long expCost = GasCost.ExpByte * stack[sp - 2].ByteLength;
                    if (gas < expCost)
                    {
                        error = EvmError.OutOfGas;
                        goto Failed;
                    }

                    gas -= expCost;
                    UInt256.Exp(in stack[sp - 1], in stack[sp - 2], out UInt256 r);
                    stack[sp - 2] = r;
                    sp--;
                    break;
                }

                case Opcode.SIGNEXTEND:
                {
                    UInt256.SignExtend(in stack[sp - 1], in stack[sp - 2], out UInt256 r);
                    stack[sp - 2] = r;
                    sp--;
                    break;
                }

                case Opcode.LT:
                    stack[sp - 2] = UInt256.LessThan(in stack[sp - 1], in stack[sp - 2]) ? UInt256.One : UInt256.Zero;
                    sp--;
                    break;

                case Opcode.GT:
                    stack[sp - 2] = UInt256.GreaterThan(in stack[sp - 1], in stack[sp - 2]) ? UInt256.One : UInt256.Zero;
                    sp--;
                    break;

                case Opcode.SLT:
                    stack[sp - 2] = UInt256.SignedLessThan(in stack[sp - 1], in stack[sp - 2]) ? UInt256.One : UInt256.Zero;
                    sp--;
                    break;

                case Opcode.SGT:
                    stack[sp - 2] = UInt256.SignedGreaterThan(in stack[sp - 1], in stack[sp - 2]) ? UInt256.One : UInt256.Zero;
                    sp--;
                    break;

                case Opcode.EQ:
                    stack[sp - 2] = stack[sp - 1].Equals(stack[sp - 2]) ? UInt256.One : UInt256.Zero;
                    sp--;
                    break;

                case Opcode.ISZERO:
                    stack[sp - 1] = stack[sp - 1].IsZero ? UInt256.One : UInt256.Zero;
                    break;

                case Opcode.AND:
                {
                    UInt256.And(in stack[sp - 1], in stack[sp - 2], out UInt256 r);
                    stack[sp - 2] = r;
                    sp--;
                    break;
                }

                case Opcode.OR:
                {
                    UInt256.Or(in stack[sp - 1], in stack[sp - 2], out UInt256 r);
                    stack[sp - 2] = r;
                    sp--;
                    break;
                }

                case Opcode.XOR:
                {
                    UInt256.Xor(in stack[sp - 1], in stack[sp - 2], out UInt256 r);
                    stack[sp - 2] = r;
                    sp--;
                    break;
                }

                case Opcode.NOT:
                {
                    UInt256.Not(in stack[sp - 1], out UInt256 r);
                    stack[sp - 1] = r;
                    break;
                }

                case Opcode.BYTE:
                {
                    UInt256.Byte(in stack[sp - 1], in stack[sp - 2], out UInt256 r);
                    stack[sp - 2] = r;
                    sp--;
                    break;
                }

                case Opcode.SHL:
                {
                    UInt256.ShiftLeft(in stack[sp - 2], ShiftAmount(in stack[sp - 1]), out UInt256 r);
                    stack[sp - 2] = r;
                    sp--;
                    break;
                }

                case Opcode.SHR:
                {
                    UInt256.ShiftRight(in stack[sp - 2], ShiftAmount(in stack[sp - 1]), out UInt256 r);
                    stack[sp - 2] = r;
                    sp--;
                    break;
                }

                case Opcode.SAR:
                {
                    UInt256.ArithmeticShiftRight(in stack[sp - 2], ShiftAmount(in stack[sp - 1]), out UInt256 r);
                    stack[sp - 2] = r;
                    sp--;
                    break;
                }

                case Opcode.KECCAK256:
                {
                    if (!ChargeMemory(memory, ref gas, in stack[sp - 1], in stack[sp - 2]) ||
                        !ChargeWords(ref gas, GasCost.Keccak256Word, in stack[sp - 2]))
                    {
                        error = EvmError.OutOfGas;
                        goto Failed;
                    }

                    Keccak256.Hash(MemorySpan(memory, in stack[sp - 1], in stack[sp - 2]), scratch);
                    stack[sp - 2] = UInt256.FromBigEndian(scratch);
                    sp--;
                    break;
                }

                case Opcode.ADDRESS:
                    stack[sp++] = ToWord(m.Address);
                    break;

                case Opcode.BALANCE:
                {
                    Address target = ToAddress(in stack[sp - 1]);
                    if (!ChargeAccountAccess(in target, ref gas))
                    {
                        error = EvmError.OutOfGas;
                        goto Failed;
                    }

                    stack[sp - 1] = _state.GetBalance(target);
                    break;
                }

                case Opcode.ORIGIN:
                    stack[sp++] = ToWord(_tx.Origin);
                    break;

                case Opcode.CALLER:
                    stack[sp++] = ToWord(m.Caller);
                    break;

                case Opcode.CALLVALUE:
                    stack[sp++] = m.Value;
                    break;

                case Opcode.CALLDATALOAD:
                {
                    CopyPadded(m.Input.Span, in stack[sp - 1], scratch);
                    stack[sp - 1] = UInt256.FromBigEndian(scratch);
                    break;
                }

                case Opcode.CALLDATASIZE:
                    stack[sp++] = (ulong)m.Input.Length;
                    break;

                case Opcode.CALLDATACOPY:
                case Opcode.CODECOPY:
                case Opcode.RETURNDATACOPY:
                {
                    ref readonly UInt256 destOffset = ref stack[sp - 1];
                    ref readonly UInt256 sourceOffset = ref stack[sp - 2];
                    ref readonly UInt256 size = ref stack[sp - 3];
                    if (!ChargeMemory(memory, ref gas, in destOffset, in size) || !ChargeWords(ref gas, GasCost.CopyWord, in size))
                    {
                        error = EvmError.OutOfGas;
                        goto Failed;
                    }

                    ReadOnlySpan<byte> source = (Opcode)op switch
                    {
                        Opcode.CALLDATACOPY => m.Input.Span,
                        Opcode.CODECOPY => code,
                        _ => returnData.Span,
                    };
                    if ((Opcode)op == Opcode.RETURNDATACOPY)
                    {
                        // EIP-211: reading past the end of the return data is an exceptional halt, not zero padding.
                        if (!sourceOffset.IsUInt64 || !size.IsUInt64 || sourceOffset.U0 + size.U0 < sourceOffset.U0 ||
                            sourceOffset.U0 + size.U0 > (ulong)source.Length)
                        {
                            error = EvmError.ReturnDataOutOfBounds;
                            goto Failed;
                        }
                    }

                    if (!size.IsZero)
                    {
                        CopyPadded(source, in sourceOffset, MemorySpan(memory, in destOffset, in size));
                    }

                    sp -= 3;
                    break;
                }

                case Opcode.CODESIZE:
                    stack[sp++] = (ulong)code.Length;
                    break;

                case Opcode.GASPRICE:
                    stack[sp++] = _tx.GasPrice;
                    break;

                case Opcode.EXTCODESIZE:
                {
                    Address target = ToAddress(in stack[sp - 1]);
                    if (!ChargeAccountAccess(in target, ref gas))
                    {
                        error = EvmError.OutOfGas;
                        goto Failed;
                    }

                    stack[sp - 1] = (ulong)_state.GetCode(target).Length;
                    break;
                }

                case Opcode.EXTCODECOPY:
                {
                    Address target = ToAddress(in stack[sp - 1]);
                    ref readonly UInt256 destOffset = ref stack[sp - 2];
                    ref readonly UInt256 sourceOffset = ref stack[sp - 3];
                    ref readonly UInt256 size = ref stack[sp - 4];
                    if (!ChargeMemory(memory, ref gas, in destOffset, in size) || !ChargeWords(ref gas, GasCost.CopyWord, in size) ||
                        !ChargeAccountAccess(in target, ref gas))
                    {
                        error = EvmError.OutOfGas;
                        goto Failed;
                    }

                    if (!size.IsZero)
                    {
                        CopyPadded(_state.GetCode(target), in sourceOffset, MemorySpan(memory, in destOffset, in size));
                    }

                    sp -= 4;
                    break;
                }

                case Opcode.RETURNDATASIZE:
                    stack[sp++] = (ulong)returnData.Length;
                    break;

                case Opcode.EXTCODEHASH:
                {
                    Address target = ToAddress(in stack[sp - 1]);
                    if (!ChargeAccountAccess(in target, ref gas))
                    {
                        error = EvmError.OutOfGas;
                        goto Failed;
                    }

                    // EIP-1052: zero for a missing or EIP-161-empty account.
                    stack[sp - 1] = _state.IsDead(target) ? UInt256.Zero : ToWord(_state.GetCodeHash(target));
                    break;
                }

                case Opcode.BLOCKHASH:
                {
                    ref UInt256 number = ref stack[sp - 1];
                    ulong current = _block.Number;
                    if (number.IsUInt64 && number.U0 < current && number.U0 + 256 >= current && _block.BlockHashes is { } hashes)
                    {
                        number = ToWord(hashes.GetBlockHash(number.U0));
                    }
                    else
                    {
                        number = UInt256.Zero;
                    }

                    break;
                }

                case Opcode.COINBASE:
                    stack[sp++] = ToWord(_block.Coinbase);
                    break;

                case Opcode.TIMESTAMP:
                    stack[sp++] = _block.Timestamp;
                    break;

                case Opcode.NUMBER:
                    stack[sp++] = _block.Number;
                    break;

                case Opcode.PREVRANDAO:
                    stack[sp++] = _fork >= Fork.Paris ? ToWord(_block.PrevRandao) : _block.Difficulty;
                    break;

                case Opcode.GASLIMIT:
                    stack[sp++] = _block.GasLimit;
                    break;

                case Opcode.CHAINID:
                    stack[sp++] = _block.ChainId;
                    break;

                case Opcode.SELFBALANCE:
                    stack[sp++] = _state.GetBalance(m.Address);
                    break;

                case Opcode.BASEFEE:
                    stack[sp++] = _block.BaseFee;
                    break;

                case Opcode.BLOBHASH:
                {
                    ref UInt256 index = ref stack[sp - 1];
                    IReadOnlyList<Hash256> blobHashes = _tx.BlobHashes;
                    index = index.IsUInt64 && index.U0 < (ulong)blobHashes.Count ? ToWord(blobHashes[(int)index.U0]) : UInt256.Zero;
                    break;
                }

                case Opcode.BLOBBASEFEE:
                    stack[sp++] = _block.BlobBaseFee;
                    break;

                case Opcode.POP:
                    sp--;
                    break;

                case Opcode.MLOAD:
                {
                    if (!ChargeMemory(memory, ref gas, in stack[sp - 1], 32))
                    {
                        error = EvmError.OutOfGas;
                        goto Failed;
                    }

                    stack[sp - 1] = UInt256.FromBigEndian(memory.Slice((long)stack[sp - 1].U0, 32));
                    break;
                }

                case Opcode.MSTORE:
                {
                    if (!ChargeMemory(memory, ref gas, in stack[sp - 1], 32))
                    {
                        error = EvmError.OutOfGas;
                        goto Failed;
                    }

                    stack[sp - 2].WriteBigEndian(memory.Slice((long)stack[sp - 1].U0, 32));
                    sp -= 2;
                    break;
                }

                case Opcode.MSTORE8:
                {
                    if (!ChargeMemory(memory, ref gas, in stack[sp - 1], 1))
                    {
                        error = EvmError.OutOfGas;
                        goto Failed;
                    }

                    memory.Slice((long)stack[sp - 1].U0, 1)[0] = (byte)stack[sp - 2].U0;
                    sp -= 2;
                    break;
                }

                case Opcode.SLOAD:
                {
                    ref UInt256 key = ref stack[sp - 1];
                    long slotCost = _state.WarmStorage(m.Address, key) ? GasCost.ColdSload : GasCost.WarmAccess;
                    if (gas < slotCost)
                    {
                        error = EvmError.OutOfGas;
                        goto Failed;
                    }

                    gas -= slotCost;
                    key = _state.GetStorage(m.Address, key);
                    break;
                }

                case Opcode.SSTORE:
                    error = Sstore(in m, in stack[sp - 1], in stack[sp - 2], ref gas);
                    if (error != EvmError.None)
                    {
                        goto Failed;
                    }

                    sp -= 2;
                    break;

                case Opcode.JUMP:
                {
                    ref UInt256 destination = ref stack[sp - 1];
                    if (!destination.IsUInt64 || !jumps.IsValid(destination.U0))
                    {
                        error = EvmError.InvalidJump;
                        goto Failed;
                    }

                    pc = (int)destination.U0;
                    sp--;
                    continue;
                }

                case Opcode.JUMPI:
                {
                    if (!stack[sp - 2].IsZero)
                    {
                        ref UInt256 destination = ref stack[sp - 1];
                        if (!destination.IsUInt64 || !jumps.IsValid(destination.U0))
                        {
                            error = EvmError.InvalidJump;
                            goto Failed;
                        }

                        pc = (int)destination.U0;
                        sp -= 2;
                        continue;
                    }

                    sp -= 2;
                    break;
                }

                case Opcode.PC:
                    stack[sp++] = (ulong)pc;
                    break;

                case Opcode.MSIZE:
                    stack[sp++] = (ulong)memory.Size;
                    break;

                case Opcode.GAS:
                    stack[sp++] = (ulong)gas;
                    break;

                case Opcode.JUMPDEST:
                    break;

                case Opcode.TLOAD:
                    stack[sp - 1] = _state.GetTransientStorage(m.Address, stack[sp - 1]);
                    break;

                case Opcode.TSTORE:
                    if (m.IsStatic)
                    {
                        error = EvmError.StaticStateChange;
                        goto Failed;
                    }

                    _state.SetTransientStorage(m.Address, stack[sp - 1], stack[sp - 2]);
                    sp -= 2;
                    break;

                case Opcode.MCOPY:
                {
                    ref readonly UInt256 destOffset = ref stack[sp - 1];
                    ref readonly UInt256 sourceOffset = ref stack[sp - 2];
                    ref readonly UInt256 size = ref stack[sp - 3];
                    if (!ChargeMemory(memory, ref gas, in sourceOffset, in size) || !ChargeMemory(memory, ref gas, in destOffset, in size) ||
                        !ChargeWords(ref gas, GasCost.CopyWord, in size))
                    {
                        error = EvmError.OutOfGas;
                        goto Failed;
                    }

                    if (!size.IsZero)
                    {
                        // Span.CopyTo handles the overlap as memmove does.
                        MemorySpan(memory, in sourceOffset, in size).CopyTo(MemorySpan(memory, in destOffset, in size));
                    }

                    sp -= 3;
                    break;
                }

                case Opcode.PUSH0:
                    stack[sp++] = UInt256.Zero;
                    break;

                case >= Opcode.PUSH1 and <= Opcode.PUSH32:
                {
                    int length = op - (byte)Opcode.PUSH1 + 1;
                    int start = pc + 1;
                    if (length == 1)
                    {
                        stack[sp++] = start < code.Length ? code[start] : 0u;
                    }
                    else if (start + length <= code.Length)
                    {
                        stack[sp++] = UInt256.FromBigEndian(code.Slice(start, length));
                    }
                    else
                    {
                        // Immediate cut off by the end of the code: the missing bytes are zeros on the right.
                        Span<byte> padded = scratch[..length];
                        padded.Clear();
                        if (start < code.Length)
                        {
                            code[start..].CopyTo(padded);
                        }

                        stack[sp++] = UInt256.FromBigEndian(padded);
                    }

                    pc = start + length;
                    continue;
                }

                case >= Opcode.DUP1 and <= Opcode.DUP16:
                    stack[sp] = stack[sp - (op - (byte)Opcode.DUP1 + 1)];
                    sp++;
                    break;

                case >= Opcode.SWAP1 and <= Opcode.SWAP16:
                {
                    int other = sp - 1 - (op - (byte)Opcode.SWAP1 + 1);
                    (stack[sp - 1], stack[other]) = (stack[other], stack[sp - 1]);
                    break;
                }

                case >= Opcode.LOG0 and <= Opcode.LOG4:
                {
                    int topics = op - (byte)Opcode.LOG0;
                    error = EmitLog(in m, memory, stack, sp, topics, ref gas);
                    if (error != EvmError.None)
                    {
                        goto Failed;
                    }

                    sp -= 2 + topics;
                    break;
                }

                case Opcode.CREATE:
                case Opcode.CREATE2:
                    error = CreateInstruction((Opcode)op, in m, stack, ref sp, ref gas, memory, ref returnData);
                    if (error != EvmError.None)
                    {
                        goto Failed;
                    }

                    break;

                case Opcode.CALL:
                case Opcode.CALLCODE:
                case Opcode.DELEGATECALL:
                case Opcode.STATICCALL:
                    error = CallInstruction((Opcode)op, in m, stack, ref sp, ref gas, memory, ref returnData);
                    if (error != EvmError.None)
                    {
                        goto Failed;
                    }

                    break;

                case Opcode.RETURN:
                case Opcode.REVERT:
                {
                    if (!ChargeMemory(memory, ref gas, in stack[sp - 1], in stack[sp - 2]))
                    {
                        error = EvmError.OutOfGas;
                        goto Failed;
                    }

                    output = stack[sp - 2].IsZero ? ReadOnlyMemory<byte>.Empty : MemorySpan(memory, in stack[sp - 1], in stack[sp - 2]).ToArray();
                    if ((Opcode)op == Opcode.REVERT)
                    {
                        TraceStepCost(gas);
                        _tracer?.OnFault(EvmErrors.Message(EvmError.Revert)!);
                        return new FrameResult(EvmError.Revert, gas, output);
                    }

                    goto Succeeded;
                }

                case Opcode.SELFDESTRUCT:
                    error = SelfDestruct(in m, in stack[sp - 1], ref gas);
                    if (error != EvmError.None)
                    {
                        goto Failed;
                    }

                    goto Succeeded;

                default:
                    error = EvmError.InvalidOpcode;
                    goto Failed;
            }

            if (_traceCostPending)
            {
                TraceStepCost(gas);
            }

            pc++;
        }

    Succeeded:
        if (_traceCostPending)
        {
            TraceStepCost(gas);
        }

        return new FrameResult(EvmError.None, gas, output);

    Failed:
        _traceCostPending = false;
        _tracer?.OnFault(EvmErrors.Message(error)!);
        return Fail(error);
    }

    /// <summary>Reports the full cost of the traced instruction, once (see <see cref="IEvmTracer.OnStepCost"/>).</summary>
    private void TraceStepCost(long gasLeft)
    {
        if (_traceCostPending)
        {
            _traceCostPending = false;
            _tracer!.OnStepCost(_traceStepGas - gasLeft);
        }
    }

    /// <summary>A shift amount for UInt256's shifts: anything of 256 or more shifts everything out.</summary>
    private static int ShiftAmount(in UInt256 shift) => shift.IsUInt64 && shift.U0 < 256 ? (int)shift.U0 : 256;

    private static UInt256 ToWord(in Address address) => UInt256.FromBigEndian(address.Bytes);

    private static UInt256 ToWord(in Hash256 hash) => UInt256.FromBigEndian(hash.Bytes);

    /// <summary>The low 20 bytes of a word, as CALL, BALANCE and friends read an address operand.</summary>
    private static Address ToAddress(in UInt256 word)
    {
        Span<byte> bytes = stackalloc byte[32];
        word.WriteBigEndian(bytes);
        return new Address(bytes[12..]);
    }

    /// <summary>
    /// Charges for expanding memory over [offset, offset+size) and expands it. A zero size costs nothing whatever the
    /// offset; a range that does not fit 32 bits cannot be paid for.
    /// </summary>
    private static bool ChargeMemory(EvmMemory memory, ref long gas, in UInt256 offset, in UInt256 size)
    {
        if (size.IsZero)
        {
            return true;
        }

        if (!offset.IsUInt64 || !size.IsUInt64)
        {
            return false;
        }

        long cost = memory.ExpansionCost(offset.U0, size.U0);
        if (cost > gas)
        {
            return false;
        }

        gas -= cost;
        memory.Expand((long)offset.U0, (long)size.U0);
        return true;
    }

    private static bool ChargeMemory(EvmMemory memory, ref long gas, in UInt256 offset, ulong size)
    {
        var sizeWord = new UInt256(size);
        return ChargeMemory(memory, ref gas, in offset, in sizeWord);
    }

    /// <summary>Charges <paramref name="perWord"/> for each 32-byte word of <paramref name="size"/> (already bounded by memory charging).</summary>
    private static bool ChargeWords(ref long gas, long perWord, in UInt256 size)
    {
        if (!size.IsUInt64 || size.U0 >= EvmMemory.MaxPayableSize)
        {
            return false;
        }

        long cost = perWord * GasCost.Words((long)size.U0);
        if (cost > gas)
        {
            return false;
        }

        gas -= cost;
        return true;
    }

    /// <summary>EIP-2929: the extra 2500 for a cold account (the warm 100 is the instruction's static gas).</summary>
    private bool ChargeAccountAccess(in Address address, ref long gas)
    {
        if (!_state.WarmAccount(address))
        {
            return true;
        }

        const long coldSurcharge = GasCost.ColdAccountAccess - GasCost.WarmAccess;
        if (gas < coldSurcharge)
        {
            return false;
        }

        gas -= coldSurcharge;
        return true;
    }

    /// <summary>Memory [offset, offset+size) after a successful <see cref="ChargeMemory(EvmMemory, ref long, in UInt256, in UInt256)"/> with a non-zero size.</summary>
    private static Span<byte> MemorySpan(EvmMemory memory, in UInt256 offset, in UInt256 size) =>
        size.IsZero ? [] : memory.Slice((long)offset.U0, (long)size.U0);

    /// <summary>Copies source[offset..] into the destination, zero-filling whatever lies past the end of the source.</summary>
    private static void CopyPadded(ReadOnlySpan<byte> source, in UInt256 offset, Span<byte> destination)
    {
        if (!offset.IsUInt64 || offset.U0 >= (ulong)source.Length)
        {
            destination.Clear();
            return;
        }

        ReadOnlySpan<byte> available = source[(int)offset.U0..];
        if (available.Length >= destination.Length)
        {
            available[..destination.Length].CopyTo(destination);
        }
        else
        {
            available.CopyTo(destination);
            destination[available.Length..].Clear();
        }
    }
}
