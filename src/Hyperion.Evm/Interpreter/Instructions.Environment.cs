using Hyperion.Core;
using Hyperion.Core.Crypto;

namespace Hyperion.Evm.Interpreter;

internal static partial class Instructions
{
    public static StepResult Keccak(ref InstructionContext c)
    {
        EvmMemory memory = c.Frame.Memory;
        if (!ChargeMemory(memory, ref c.Gas, in c.Stack[c.Sp - 1], in c.Stack[c.Sp - 2]) ||
            !ChargeWords(ref c.Gas, GasCost.Keccak256Word, in c.Stack[c.Sp - 2]))
        {
            return StepResult.OutOfGas;
        }

        Span<byte> hash = stackalloc byte[32];
        Keccak256.Hash(MemorySpan(memory, in c.Stack[c.Sp - 1], in c.Stack[c.Sp - 2]), hash);
        c.Stack[c.Sp - 2] = UInt256.FromBigEndian(hash);
        c.Sp--;
        return StepResult.Continue;
    }

    /// <summary>Pushes one word (the environment opcodes that take no operand).</summary>
    private static StepResult Push(ref InstructionContext c, in UInt256 value)
    {
        c.Stack[c.Sp++] = value;
        return StepResult.Continue;
    }

    public static StepResult Address(ref InstructionContext c) => Push(ref c, EvmWords.FromAddress(c.Frame.Message.Address));

    public static StepResult Balance(ref InstructionContext c)
    {
        Address target = EvmWords.ToAddress(in c.Stack[c.Sp - 1]);
        if (!ChargeAccountAccess(c.Host, in target, ref c.Gas))
        {
            return StepResult.OutOfGas;
        }

        c.Stack[c.Sp - 1] = c.Host.GetBalance(target);
        return StepResult.Continue;
    }

    public static StepResult Origin(ref InstructionContext c) => Push(ref c, EvmWords.FromAddress(c.Host.Transaction.Origin));

    public static StepResult Caller(ref InstructionContext c) => Push(ref c, EvmWords.FromAddress(c.Frame.Message.Caller));

    public static StepResult CallValue(ref InstructionContext c) => Push(ref c, c.Frame.Message.Value);

    public static StepResult CallDataLoad(ref InstructionContext c)
    {
        Span<byte> word = stackalloc byte[32];
        CopyPadded(c.Frame.Message.Input.Span, in c.Stack[c.Sp - 1], word);
        c.Stack[c.Sp - 1] = UInt256.FromBigEndian(word);
        return StepResult.Continue;
    }

    public static StepResult CallDataSize(ref InstructionContext c) => Push(ref c, (ulong)c.Frame.Message.Input.Length);

    public static StepResult CallDataCopy(ref InstructionContext c) => Copy(ref c, c.Frame.Message.Input.Span);

    public static StepResult CodeSize(ref InstructionContext c) => Push(ref c, (ulong)c.Code.Length);

    public static StepResult CodeCopy(ref InstructionContext c) => Copy(ref c, c.Code);

    public static StepResult GasPrice(ref InstructionContext c) => Push(ref c, c.Host.Transaction.GasPrice);

    public static StepResult ExtCodeSize(ref InstructionContext c)
    {
        Address target = EvmWords.ToAddress(in c.Stack[c.Sp - 1]);
        if (!ChargeAccountAccess(c.Host, in target, ref c.Gas))
        {
            return StepResult.OutOfGas;
        }

        c.Stack[c.Sp - 1] = (ulong)c.Host.GetCode(target).Length;
        return StepResult.Continue;
    }

    public static StepResult ExtCodeCopy(ref InstructionContext c)
    {
        Address target = EvmWords.ToAddress(in c.Stack[c.Sp - 1]);
        ref readonly UInt256 destOffset = ref c.Stack[c.Sp - 2];
        ref readonly UInt256 sourceOffset = ref c.Stack[c.Sp - 3];
        ref readonly UInt256 size = ref c.Stack[c.Sp - 4];
        EvmMemory memory = c.Frame.Memory;
        if (!ChargeMemory(memory, ref c.Gas, in destOffset, in size) || !ChargeWords(ref c.Gas, GasCost.CopyWord, in size) ||
            !ChargeAccountAccess(c.Host, in target, ref c.Gas))
        {
            return StepResult.OutOfGas;
        }

        if (!size.IsZero)
        {
            CopyPadded(c.Host.GetCode(target), in sourceOffset, MemorySpan(memory, in destOffset, in size));
        }

        c.Sp -= 4;
        return StepResult.Continue;
    }

    public static StepResult ReturnDataSize(ref InstructionContext c) => Push(ref c, (ulong)c.Frame.ReturnData.Length);

    public static StepResult ReturnDataCopy(ref InstructionContext c) => Copy(ref c, c.Frame.ReturnData.Span, exactBounds: true);

    /// <summary>
    /// CALLDATACOPY, CODECOPY, RETURNDATACOPY: (destOffset, offset, size) from <paramref name="source"/>, zero-padded;
    /// with <paramref name="exactBounds"/> (EIP-211, return data) reading past the end is an exceptional halt instead.
    /// </summary>
    private static StepResult Copy(ref InstructionContext c, ReadOnlySpan<byte> source, bool exactBounds = false)
    {
        ref readonly UInt256 destOffset = ref c.Stack[c.Sp - 1];
        ref readonly UInt256 sourceOffset = ref c.Stack[c.Sp - 2];
        ref readonly UInt256 size = ref c.Stack[c.Sp - 3];
        EvmMemory memory = c.Frame.Memory;
        if (!ChargeMemory(memory, ref c.Gas, in destOffset, in size) || !ChargeWords(ref c.Gas, GasCost.CopyWord, in size))
        {
            return StepResult.OutOfGas;
        }

        if (exactBounds && (!sourceOffset.IsUInt64 || !size.IsUInt64 || sourceOffset.U0 + size.U0 < sourceOffset.U0 ||
            sourceOffset.U0 + size.U0 > (ulong)source.Length))
        {
            return StepResult.ReturnDataOutOfBounds;
        }

        if (!size.IsZero)
        {
            CopyPadded(source, in sourceOffset, MemorySpan(memory, in destOffset, in size));
        }

        c.Sp -= 3;
        return StepResult.Continue;
    }

    public static StepResult ExtCodeHash(ref InstructionContext c)
    {
        Address target = EvmWords.ToAddress(in c.Stack[c.Sp - 1]);
        if (!ChargeAccountAccess(c.Host, in target, ref c.Gas))
        {
            return StepResult.OutOfGas;
        }

        // EIP-1052: zero for a missing or EIP-161-empty account.
        c.Stack[c.Sp - 1] = c.Host.IsDeadAccount(target) ? UInt256.Zero : EvmWords.FromHash(c.Host.GetCodeHash(target));
        return StepResult.Continue;
    }

    public static StepResult BlockHash(ref InstructionContext c)
    {
        ref UInt256 number = ref c.Stack[c.Sp - 1];
        number = number.IsUInt64 ? EvmWords.FromHash(c.Host.GetBlockHash(number.U0)) : UInt256.Zero;
        return StepResult.Continue;
    }

    public static StepResult Coinbase(ref InstructionContext c) => Push(ref c, EvmWords.FromAddress(c.Host.Block.Coinbase));

    public static StepResult Timestamp(ref InstructionContext c) => Push(ref c, c.Host.Block.Timestamp);

    public static StepResult Number(ref InstructionContext c) => Push(ref c, c.Host.Block.Number);

    public static StepResult PrevRandao(ref InstructionContext c)
    {
        BlockEnvironment block = c.Host.Block;
        return Push(ref c, c.Vm.Fork >= Fork.Paris ? EvmWords.FromHash(block.PrevRandao) : block.Difficulty);
    }

    public static StepResult GasLimit(ref InstructionContext c) => Push(ref c, c.Host.Block.GasLimit);

    public static StepResult ChainId(ref InstructionContext c) => Push(ref c, c.Host.Block.ChainId);

    public static StepResult SelfBalance(ref InstructionContext c) => Push(ref c, c.Host.GetBalance(c.Frame.Message.Address));

    public static StepResult BaseFee(ref InstructionContext c) => Push(ref c, c.Host.Block.BaseFee);

    public static StepResult BlobHash(ref InstructionContext c)
    {
        ref UInt256 index = ref c.Stack[c.Sp - 1];
        IReadOnlyList<Hash256> blobHashes = c.Host.Transaction.BlobHashes;
        index = index.IsUInt64 && index.U0 < (ulong)blobHashes.Count ? EvmWords.FromHash(blobHashes[(int)index.U0]) : UInt256.Zero;
        return StepResult.Continue;
    }

    public static StepResult BlobBaseFee(ref InstructionContext c) => Push(ref c, c.Host.Block.BlobBaseFee);
}
