using System.Runtime.CompilerServices;
using Hyperion.Core;

namespace Hyperion.Evm.Interpreter;

internal static partial class Instructions
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static StepResult Pop(ref InstructionContext c)
    {
        c.Sp--;
        return StepResult.Continue;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static StepResult MLoad(ref InstructionContext c)
    {
        ref UInt256 offset = ref c.Stack[c.Sp - 1];
        if (!LoadWord(ref c, in offset, out UInt256 word))
        {
            return StepResult.OutOfGas;
        }

        offset = word;
        return StepResult.Continue;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static StepResult MStore(ref InstructionContext c)
    {
        if (!StoreWord(ref c, in c.Stack[c.Sp - 1], in c.Stack[c.Sp - 2]))
        {
            return StepResult.OutOfGas;
        }

        c.Sp -= 2;
        return StepResult.Continue;
    }

    public static StepResult MStore8(ref InstructionContext c)
    {
        if (!StoreByte(ref c, in c.Stack[c.Sp - 1], in c.Stack[c.Sp - 2]))
        {
            return StepResult.OutOfGas;
        }

        c.Sp -= 2;
        return StepResult.Continue;
    }

    // MLOAD, MSTORE and MSTORE8 on their operands (top of stack first) wherever those are: the handlers' frame slots,
    // or the compiled tier's locals. False: out of gas for the memory expansion. Memory already expanded there (most
    // accesses) costs no gas and is read or written directly; after a successful charge it is expanded.

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool LoadWord(ref InstructionContext c, in UInt256 offset, out UInt256 word)
    {
        EvmMemory memory = c.Frame.Memory;
        if (memory.IsExpanded(in offset, 32) || ChargeMemory(memory, ref c.Gas, in offset, 32UL))
        {
            word = memory.ReadWord((long)offset.U0);
            return true;
        }

        word = default;
        return false;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool StoreWord(ref InstructionContext c, in UInt256 offset, in UInt256 value)
    {
        EvmMemory memory = c.Frame.Memory;
        if (memory.IsExpanded(in offset, 32) || ChargeMemory(memory, ref c.Gas, in offset, 32UL))
        {
            memory.WriteWord((long)offset.U0, in value);
            return true;
        }

        return false;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool StoreByte(ref InstructionContext c, in UInt256 offset, in UInt256 value)
    {
        EvmMemory memory = c.Frame.Memory;
        if (memory.IsExpanded(in offset, 1) || ChargeMemory(memory, ref c.Gas, in offset, 1UL))
        {
            memory.Slice((long)offset.U0, 1)[0] = (byte)value.U0;
            return true;
        }

        return false;
    }

    public static StepResult MCopy(ref InstructionContext c)
    {
        ref readonly UInt256 destOffset = ref c.Stack[c.Sp - 1];
        ref readonly UInt256 sourceOffset = ref c.Stack[c.Sp - 2];
        ref readonly UInt256 size = ref c.Stack[c.Sp - 3];
        EvmMemory memory = c.Frame.Memory;
        if (!ChargeMemory(memory, ref c.Gas, in sourceOffset, in size) || !ChargeMemory(memory, ref c.Gas, in destOffset, in size) ||
            !ChargeWords(ref c.Gas, GasCost.CopyWord, in size))
        {
            return StepResult.OutOfGas;
        }

        if (!size.IsZero)
        {
            // Span.CopyTo handles the overlap as memmove does.
            MemorySpan(memory, in sourceOffset, in size).CopyTo(MemorySpan(memory, in destOffset, in size));
        }

        c.Sp -= 3;
        return StepResult.Continue;
    }

    public static StepResult MSize(ref InstructionContext c) => Push(ref c, (ulong)c.Frame.Memory.Size);

    public static StepResult SLoad(ref InstructionContext c)
    {
        ref UInt256 key = ref c.Stack[c.Sp - 1];
        // Warming before the gas check is harmless: running out of gas reverts the frame, which undoes the warming.
        UInt256 value = c.Host.LoadStorage(c.Frame.Message.Address, key, out bool wasCold);
        long cost = wasCold ? GasCost.ColdSload : GasCost.WarmAccess;
        if (c.Gas < cost)
        {
            return StepResult.OutOfGas;
        }

        c.Gas -= cost;
        key = value;
        return StepResult.Continue;
    }

    /// <summary>SSTORE with EIP-2200 net metering, EIP-2929 cold slots and EIP-3529 refunds.</summary>
    public static StepResult SStore(ref InstructionContext c)
    {
        if (c.Frame.IsStatic)
        {
            return StepResult.StaticStateChange;
        }

        // EIP-2200: SSTORE needs more than the call stipend left, so a 2300-gas callee cannot write state.
        if (c.Gas <= GasCost.SstoreSentry)
        {
            return StepResult.OutOfGas;
        }

        IEvmHost host = c.Host;
        Address address = c.Frame.Message.Address;
        ref readonly UInt256 key = ref c.Stack[c.Sp - 1];
        ref readonly UInt256 newValue = ref c.Stack[c.Sp - 2];
        UInt256 current = host.LoadStorage(address, key, out bool wasCold);
        long cost = wasCold ? GasCost.ColdSload : 0;
        if (current == newValue)
        {
            cost += GasCost.WarmAccess;
        }
        else
        {
            UInt256 original = host.GetOriginalStorage(address, key);

            // Berlin clears refund 15000 (EIP-2200); London lowers it to 4800 (EIP-3529).
            long clearRefund = c.Vm.Fork >= Fork.London ? GasCost.SstoreClearRefund : 15000;
            if (original == current)
            {
                cost += original.IsZero ? GasCost.SstoreSet : GasCost.SstoreReset;
                if (newValue.IsZero)
                {
                    host.AddRefund(clearRefund);
                }
            }
            else
            {
                cost += GasCost.WarmAccess;
                if (!original.IsZero)
                {
                    if (current.IsZero)
                    {
                        host.SubtractRefund(clearRefund);
                    }
                    else if (newValue.IsZero)
                    {
                        host.AddRefund(clearRefund);
                    }
                }

                if (original == newValue)
                {
                    host.AddRefund((original.IsZero ? GasCost.SstoreSet : GasCost.SstoreReset) - GasCost.WarmAccess);
                }
            }
        }

        if (c.Gas < cost)
        {
            return StepResult.OutOfGas;
        }

        c.Gas -= cost;
        host.SetStorage(address, key, newValue);
        c.Sp -= 2;
        return StepResult.Continue;
    }

    public static StepResult TLoad(ref InstructionContext c)
    {
        ref UInt256 key = ref c.Stack[c.Sp - 1];
        key = c.Host.GetTransientStorage(c.Frame.Message.Address, key);
        return StepResult.Continue;
    }

    public static StepResult TStore(ref InstructionContext c)
    {
        if (c.Frame.IsStatic)
        {
            return StepResult.StaticStateChange;
        }

        c.Host.SetTransientStorage(c.Frame.Message.Address, c.Stack[c.Sp - 1], c.Stack[c.Sp - 2]);
        c.Sp -= 2;
        return StepResult.Continue;
    }

    /// <summary>
    /// Charges for expanding memory over [offset, offset+size) and expands it. A zero size costs nothing whatever the
    /// offset; a range that does not fit 32 bits cannot be paid for.
    /// </summary>
    internal static bool ChargeMemory(EvmMemory memory, ref long gas, in UInt256 offset, in UInt256 size) =>
        size.IsZero || (offset.IsUInt64 && size.IsUInt64 && memory.TryExpand(offset.U0, size.U0, ref gas));

    // The expansion path of MLOAD/MSTORE/MSTORE8 (a non-zero size), out of line so their inlined hot path (memory
    // already expanded) stays small.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool ChargeMemory(EvmMemory memory, ref long gas, in UInt256 offset, ulong size) =>
        offset.IsUInt64 && memory.TryExpand(offset.U0, size, ref gas);

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
    private static bool ChargeAccountAccess(IEvmHost host, in Address address, ref long gas)
    {
        if (!host.WarmAccount(address))
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
