using System.Runtime.CompilerServices;

namespace Hyperion.Evm.Interpreter;

internal static partial class Instructions
{
    /// <summary>Dispatch by switch (measured against the function-pointer table).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static StepResult Dispatch(byte op, ref InstructionContext c)
    {
        switch ((Opcode)op)
        {
            case Opcode.STOP: return Stop(ref c);
            case Opcode.ADD: return Add(ref c);
            case Opcode.MUL: return Mul(ref c);
            case Opcode.SUB: return Sub(ref c);
            case Opcode.DIV: return Div(ref c);
            case Opcode.SDIV: return SDiv(ref c);
            case Opcode.MOD: return Mod(ref c);
            case Opcode.SMOD: return SMod(ref c);
            case Opcode.ADDMOD: return AddMod(ref c);
            case Opcode.MULMOD: return MulMod(ref c);
            case Opcode.EXP: return Exp(ref c);
            case Opcode.SIGNEXTEND: return SignExtend(ref c);
            case Opcode.LT: return Lt(ref c);
            case Opcode.GT: return Gt(ref c);
            case Opcode.SLT: return SLt(ref c);
            case Opcode.SGT: return SGt(ref c);
            case Opcode.EQ: return Eq(ref c);
            case Opcode.ISZERO: return IsZero(ref c);
            case Opcode.AND: return And(ref c);
            case Opcode.OR: return Or(ref c);
            case Opcode.XOR: return Xor(ref c);
            case Opcode.NOT: return Not(ref c);
            case Opcode.BYTE: return Byte(ref c);
            case Opcode.SHL: return Shl(ref c);
            case Opcode.SHR: return Shr(ref c);
            case Opcode.SAR: return Sar(ref c);
            case Opcode.KECCAK256: return Keccak(ref c);
            case Opcode.ADDRESS: return Address(ref c);
            case Opcode.BALANCE: return Balance(ref c);
            case Opcode.ORIGIN: return Origin(ref c);
            case Opcode.CALLER: return Caller(ref c);
            case Opcode.CALLVALUE: return CallValue(ref c);
            case Opcode.CALLDATALOAD: return CallDataLoad(ref c);
            case Opcode.CALLDATASIZE: return CallDataSize(ref c);
            case Opcode.CALLDATACOPY: return CallDataCopy(ref c);
            case Opcode.CODESIZE: return CodeSize(ref c);
            case Opcode.CODECOPY: return CodeCopy(ref c);
            case Opcode.GASPRICE: return GasPrice(ref c);
            case Opcode.EXTCODESIZE: return ExtCodeSize(ref c);
            case Opcode.EXTCODECOPY: return ExtCodeCopy(ref c);
            case Opcode.RETURNDATASIZE: return ReturnDataSize(ref c);
            case Opcode.RETURNDATACOPY: return ReturnDataCopy(ref c);
            case Opcode.EXTCODEHASH: return ExtCodeHash(ref c);
            case Opcode.BLOCKHASH: return BlockHash(ref c);
            case Opcode.COINBASE: return Coinbase(ref c);
            case Opcode.TIMESTAMP: return Timestamp(ref c);
            case Opcode.NUMBER: return Number(ref c);
            case Opcode.PREVRANDAO: return PrevRandao(ref c);
            case Opcode.GASLIMIT: return GasLimit(ref c);
            case Opcode.CHAINID: return ChainId(ref c);
            case Opcode.SELFBALANCE: return SelfBalance(ref c);
            case Opcode.BASEFEE: return BaseFee(ref c);
            case Opcode.BLOBHASH: return BlobHash(ref c);
            case Opcode.BLOBBASEFEE: return BlobBaseFee(ref c);
            case Opcode.POP: return Pop(ref c);
            case Opcode.MLOAD: return MLoad(ref c);
            case Opcode.MSTORE: return MStore(ref c);
            case Opcode.MSTORE8: return MStore8(ref c);
            case Opcode.SLOAD: return SLoad(ref c);
            case Opcode.SSTORE: return SStore(ref c);
            case Opcode.JUMP: return Jump(ref c);
            case Opcode.JUMPI: return JumpI(ref c);
            case Opcode.PC: return Pc(ref c);
            case Opcode.MSIZE: return MSize(ref c);
            case Opcode.GAS: return Gas(ref c);
            case Opcode.JUMPDEST: return JumpDest(ref c);
            case Opcode.TLOAD: return TLoad(ref c);
            case Opcode.TSTORE: return TStore(ref c);
            case Opcode.MCOPY: return MCopy(ref c);
            case Opcode.PUSH0: return Push0(ref c);
            case Opcode.PUSH1: return Push1(ref c);
            case > Opcode.PUSH1 and <= Opcode.PUSH32: return PushN(ref c);
            case >= Opcode.DUP1 and <= Opcode.DUP16: return Dup(ref c);
            case >= Opcode.SWAP1 and <= Opcode.SWAP16: return Swap(ref c);
            case >= Opcode.LOG0 and <= Opcode.LOG4: return Log(ref c);
            case Opcode.CREATE: return Create(ref c);
            case Opcode.CALL: return Call(ref c);
            case Opcode.CALLCODE: return CallCode(ref c);
            case Opcode.RETURN: return Return(ref c);
            case Opcode.DELEGATECALL: return DelegateCall(ref c);
            case Opcode.CREATE2: return Create2(ref c);
            case Opcode.STATICCALL: return StaticCall(ref c);
            case Opcode.REVERT: return Revert(ref c);
            case Opcode.SELFDESTRUCT: return SelfDestruct(ref c);
            default: return Invalid(ref c);
        }
    }
}
