using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using Hyperion.Core;

namespace Hyperion.Evm.Interpreter;

internal static partial class Instructions
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static StepResult Jump(ref InstructionContext c)
    {
        ref UInt256 destination = ref c.Stack[c.Sp - 1];
        if (!destination.IsUInt64 || !c.Frame.Jumps.IsValid(destination.U0))
        {
            return StepResult.InvalidJump;
        }

        c.Pc = (int)destination.U0;
        c.Sp--;
        return c.Vm.Abort.IsCancellationRequested ? StepResult.Aborted : StepResult.Continue;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static StepResult JumpI(ref InstructionContext c)
    {
        if (!c.Stack[c.Sp - 2].IsZero)
        {
            ref UInt256 destination = ref c.Stack[c.Sp - 1];
            if (!destination.IsUInt64 || !c.Frame.Jumps.IsValid(destination.U0))
            {
                return StepResult.InvalidJump;
            }

            c.Pc = (int)destination.U0;
            if (c.Vm.Abort.IsCancellationRequested)
            {
                return StepResult.Aborted;
            }
        }

        c.Sp -= 2;
        return StepResult.Continue;
    }

    public static StepResult Pc(ref InstructionContext c) => Push(ref c, (ulong)(c.Pc - 1));

    public static StepResult Gas(ref InstructionContext c) => Push(ref c, (ulong)c.Gas);

    public static StepResult JumpDest(ref InstructionContext c) => StepResult.Continue;

    public static StepResult Push0(ref InstructionContext c) => Push(ref c, UInt256.Zero);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static StepResult Push1(ref InstructionContext c)
    {
        int at = c.Pc;
        c.Stack[c.Sp++] = (uint)at < (uint)c.Code.Length ? c.Code[at] : 0u;
        c.Pc = at + 1;
        return StepResult.Continue;
    }

    /// <summary>
    /// PUSH2 (a jump destination in most code), for the cold-code loop: two bytes read in place, no call; an immediate
    /// cut off by the end of the code goes to <see cref="PushN"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static StepResult Push2(ref InstructionContext c)
    {
        int at = c.Pc;
        if (at + 2 > c.Code.Length)
        {
            return PushN(ref c);
        }

        c.Stack[c.Sp++] = (uint)BinaryPrimitives.ReadUInt16BigEndian(c.Code.Slice(at, 2));
        c.Pc = at + 2;
        return StepResult.Continue;
    }

    /// <summary>PUSH2–PUSH32; an immediate cut off by the end of the code is padded with zeros on the right.</summary>
    public static StepResult PushN(ref InstructionContext c)
    {
        int start = c.Pc;
        int length = c.Code[start - 1] - (byte)Opcode.PUSH1 + 1;
        int end = start + length;
        if (end <= c.Code.Length && end >= 32)
        {
            // Read the 32 bytes that end with the immediate as four big-endian limbs, then clear the bytes before it.
            ReadOnlySpan<byte> window = c.Code.Slice(end - 32, 32);
            int bits = length * 8;
            c.Stack[c.Sp++] = new UInt256(
                BinaryPrimitives.ReadUInt64BigEndian(window[24..]) & LowBitsMask(bits),
                BinaryPrimitives.ReadUInt64BigEndian(window[16..]) & LowBitsMask(bits - 64),
                BinaryPrimitives.ReadUInt64BigEndian(window[8..]) & LowBitsMask(bits - 128),
                BinaryPrimitives.ReadUInt64BigEndian(window) & LowBitsMask(bits - 192));
        }
        else if (end <= c.Code.Length)
        {
            c.Stack[c.Sp++] = UInt256.FromBigEndian(c.Code.Slice(start, length));
        }
        else
        {
            Span<byte> padded = stackalloc byte[32];
            padded = padded[..length];
            padded.Clear();
            if (start < c.Code.Length)
            {
                c.Code[start..].CopyTo(padded);
            }

            c.Stack[c.Sp++] = UInt256.FromBigEndian(padded);
        }

        c.Pc = end;
        return StepResult.Continue;
    }

    /// <summary>A limb mask keeping its low <paramref name="bits"/> bits (all for 64 or more, none for 0 or fewer).</summary>
    private static ulong LowBitsMask(int bits) => bits >= 64 ? ulong.MaxValue : bits <= 0 ? 0 : (1UL << bits) - 1;

    public static StepResult Dup(ref InstructionContext c) => Dup(ref c, c.Code[c.Pc - 1] - (byte)Opcode.DUP1 + 1);

    /// <summary>DUP<paramref name="n"/>, for a caller that already knows the opcode (the interpreter loop).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static StepResult Dup(ref InstructionContext c, int n)
    {
        // Limb by limb, not as one 32-byte move: the word was most often just written as four 8-byte limbs (a sum, a
        // loaded or pushed word), and a 32-byte load of those stores cannot be forwarded from them: the CPU waits for
        // them to reach the cache (~15 cycles a DUP; perf of the cold-code loop, branch s31cold).
        ref UInt256 source = ref c.Stack[c.Sp - n];
        c.Stack[c.Sp] = new UInt256(source.U0, source.U1, source.U2, source.U3);
        c.Sp++;
        return StepResult.Continue;
    }

    public static StepResult Swap(ref InstructionContext c) => Swap(ref c, c.Code[c.Pc - 1] - (byte)Opcode.SWAP1 + 1);

    /// <summary>SWAP<paramref name="n"/>, for a caller that already knows the opcode (the interpreter loop).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static StepResult Swap(ref InstructionContext c, int n)
    {
        // Limb by limb, as DUP: a 32-byte load of a word just written as four limbs waits for the stores to reach the cache.
        ref UInt256 top = ref c.Stack[c.Sp - 1];
        ref UInt256 other = ref c.Stack[c.Sp - 1 - n];
        ulong t0 = top.U0, t1 = top.U1, t2 = top.U2, t3 = top.U3;
        top = new UInt256(other.U0, other.U1, other.U2, other.U3);
        other = new UInt256(t0, t1, t2, t3);
        return StepResult.Continue;
    }

    /// <summary>LOG0–LOG4: stack is offset, size, then the topics.</summary>
    public static StepResult Log(ref InstructionContext c)
    {
        if (c.Frame.IsStatic)
        {
            return StepResult.StaticStateChange;
        }

        int topicCount = c.Code[c.Pc - 1] - (byte)Opcode.LOG0;
        ref readonly UInt256 offset = ref c.Stack[c.Sp - 1];
        ref readonly UInt256 size = ref c.Stack[c.Sp - 2];
        EvmMemory memory = c.Frame.Memory;
        if (!ChargeMemory(memory, ref c.Gas, in offset, in size))
        {
            return StepResult.OutOfGas;
        }

        long dataCost = GasCost.LogByte * (long)size.U0;
        if (c.Gas < dataCost)
        {
            return StepResult.OutOfGas;
        }

        c.Gas -= dataCost;
        var topics = new Hash256[topicCount];
        Span<byte> topic = stackalloc byte[32];
        for (int i = 0; i < topicCount; i++)
        {
            c.Stack[c.Sp - 3 - i].WriteBigEndian(topic);
            topics[i] = new Hash256(topic);
        }

        c.Host.AddLog(new Log(c.Frame.Message.Address, topics, MemorySpan(memory, in offset, in size).ToArray()));
        c.Sp -= 2 + topicCount;
        return StepResult.Continue;
    }
}
