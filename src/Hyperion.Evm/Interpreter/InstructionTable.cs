namespace Hyperion.Evm.Interpreter;

/// <summary>What the interpreter needs of one opcode, together so that one lookup by opcode byte fetches it all.</summary>
internal unsafe struct InstructionEntry
{
    /// <summary>Static gas (0 for an opcode the fork does not define).</summary>
    public long StaticGas;

    /// <summary>Fewest stack items the instruction needs; <see cref="int.MaxValue"/> for an undefined opcode, so that its stack check always fails.</summary>
    public int MinStack;

    /// <summary>Most stack items there may be before it (so that what it pushes fits).</summary>
    public int MaxStack;

    /// <summary>MaxStack − MinStack (0 for an undefined opcode): the loop checks both bounds with one unsigned compare.</summary>
    public uint StackRange;

    public bool Defined;

    /// <summary>The cold-code loop's inlined case for this opcode (<see cref="ColdCase.Table"/>: call <see cref="Handler"/>); a byte in the padding, so the entry stays 32 bytes.</summary>
    public ColdCase ColdCase;

    /// <summary>A static method of <see cref="Instructions"/>; <see cref="Instructions.Invalid"/> where the fork has no such opcode.</summary>
    public delegate*<ref InstructionContext, StepResult> Handler;
}

/// <summary>One fork's instruction set as the interpreter indexes it by opcode byte (256 entries).</summary>
internal sealed unsafe class InstructionTable
{
    private static readonly InstructionTable[] ByFork = Build();

    public readonly InstructionEntry[] Entries = new InstructionEntry[256];

    public static InstructionTable For(Fork fork) => ByFork[(int)fork];

    private static InstructionTable[] Build()
    {
        Fork[] forks = Enum.GetValues<Fork>();
        var tables = new InstructionTable[forks.Length];
        foreach (Fork fork in forks)
        {
            var table = new InstructionTable();
            ReadOnlySpan<OpcodeInfo> infos = OpcodeTable.For(fork);
            for (int op = 0; op < 256; op++)
            {
                OpcodeInfo info = infos[op];
                table.Entries[op] = info.Defined
                    ? new InstructionEntry
                    {
                        StaticGas = info.StaticGas,
                        MinStack = info.Pops,
                        MaxStack = info.MaxStackBefore,
                        StackRange = checked((uint)(info.MaxStackBefore - info.Pops)),
                        Defined = true,
                        ColdCase = ColdCaseOf((Opcode)op),
                        Handler = HandlerOf((byte)op),
                    }
                    : new InstructionEntry { MinStack = int.MaxValue, MaxStack = 0, Handler = &Instructions.Invalid };
            }

            tables[(int)fork] = table;
        }

        return tables;
    }

    private static ColdCase ColdCaseOf(Opcode op) => op switch
    {
        Opcode.PUSH1 => ColdCase.Push1,
        Opcode.PUSH1 + 1 => ColdCase.Push2, // PUSH2 (Opcode names only PUSH1 and PUSH32): read in place
        > Opcode.PUSH1 + 1 and <= Opcode.PUSH32 => ColdCase.PushN,
        >= Opcode.DUP1 and <= Opcode.DUP16 => ColdCase.Dup,
        >= Opcode.SWAP1 and <= Opcode.SWAP16 => ColdCase.Swap,
        Opcode.POP => ColdCase.Pop,
        Opcode.JUMPDEST => ColdCase.JumpDest,
        Opcode.JUMP => ColdCase.Jump,
        Opcode.JUMPI => ColdCase.JumpI,
        Opcode.ADD => ColdCase.Add,
        Opcode.SUB => ColdCase.Sub,
        Opcode.AND => ColdCase.And,
        Opcode.MLOAD => ColdCase.MLoad,
        Opcode.MSTORE => ColdCase.MStore,
        Opcode.SIGNEXTEND => ColdCase.SignExtend,
        _ => ColdCase.Table,
    };

    private static delegate*<ref InstructionContext, StepResult> HandlerOf(byte op) => (Opcode)op switch
    {
        Opcode.STOP => &Instructions.Stop,
        Opcode.ADD => &Instructions.Add,
        Opcode.MUL => &Instructions.Mul,
        Opcode.SUB => &Instructions.Sub,
        Opcode.DIV => &Instructions.Div,
        Opcode.SDIV => &Instructions.SDiv,
        Opcode.MOD => &Instructions.Mod,
        Opcode.SMOD => &Instructions.SMod,
        Opcode.ADDMOD => &Instructions.AddMod,
        Opcode.MULMOD => &Instructions.MulMod,
        Opcode.EXP => &Instructions.Exp,
        Opcode.SIGNEXTEND => &Instructions.SignExtend,
        Opcode.LT => &Instructions.Lt,
        Opcode.GT => &Instructions.Gt,
        Opcode.SLT => &Instructions.SLt,
        Opcode.SGT => &Instructions.SGt,
        Opcode.EQ => &Instructions.Eq,
        Opcode.ISZERO => &Instructions.IsZero,
        Opcode.AND => &Instructions.And,
        Opcode.OR => &Instructions.Or,
        Opcode.XOR => &Instructions.Xor,
        Opcode.NOT => &Instructions.Not,
        Opcode.BYTE => &Instructions.Byte,
        Opcode.SHL => &Instructions.Shl,
        Opcode.SHR => &Instructions.Shr,
        Opcode.SAR => &Instructions.Sar,
        Opcode.KECCAK256 => &Instructions.Keccak,
        Opcode.ADDRESS => &Instructions.Address,
        Opcode.BALANCE => &Instructions.Balance,
        Opcode.ORIGIN => &Instructions.Origin,
        Opcode.CALLER => &Instructions.Caller,
        Opcode.CALLVALUE => &Instructions.CallValue,
        Opcode.CALLDATALOAD => &Instructions.CallDataLoad,
        Opcode.CALLDATASIZE => &Instructions.CallDataSize,
        Opcode.CALLDATACOPY => &Instructions.CallDataCopy,
        Opcode.CODESIZE => &Instructions.CodeSize,
        Opcode.CODECOPY => &Instructions.CodeCopy,
        Opcode.GASPRICE => &Instructions.GasPrice,
        Opcode.EXTCODESIZE => &Instructions.ExtCodeSize,
        Opcode.EXTCODECOPY => &Instructions.ExtCodeCopy,
        Opcode.RETURNDATASIZE => &Instructions.ReturnDataSize,
        Opcode.RETURNDATACOPY => &Instructions.ReturnDataCopy,
        Opcode.EXTCODEHASH => &Instructions.ExtCodeHash,
        Opcode.BLOCKHASH => &Instructions.BlockHash,
        Opcode.COINBASE => &Instructions.Coinbase,
        Opcode.TIMESTAMP => &Instructions.Timestamp,
        Opcode.NUMBER => &Instructions.Number,
        Opcode.PREVRANDAO => &Instructions.PrevRandao,
        Opcode.GASLIMIT => &Instructions.GasLimit,
        Opcode.CHAINID => &Instructions.ChainId,
        Opcode.SELFBALANCE => &Instructions.SelfBalance,
        Opcode.BASEFEE => &Instructions.BaseFee,
        Opcode.BLOBHASH => &Instructions.BlobHash,
        Opcode.BLOBBASEFEE => &Instructions.BlobBaseFee,
        Opcode.POP => &Instructions.Pop,
        Opcode.MLOAD => &Instructions.MLoad,
        Opcode.MSTORE => &Instructions.MStore,
        Opcode.MSTORE8 => &Instructions.MStore8,
        Opcode.SLOAD => &Instructions.SLoad,
        Opcode.SSTORE => &Instructions.SStore,
        Opcode.JUMP => &Instructions.Jump,
        Opcode.JUMPI => &Instructions.JumpI,
        Opcode.PC => &Instructions.Pc,
        Opcode.MSIZE => &Instructions.MSize,
        Opcode.GAS => &Instructions.Gas,
        Opcode.JUMPDEST => &Instructions.JumpDest,
        Opcode.TLOAD => &Instructions.TLoad,
        Opcode.TSTORE => &Instructions.TStore,
        Opcode.MCOPY => &Instructions.MCopy,
        Opcode.PUSH0 => &Instructions.Push0,
        Opcode.PUSH1 => &Instructions.Push1,
        > Opcode.PUSH1 and <= Opcode.PUSH32 => &Instructions.PushN,
        >= Opcode.DUP1 and <= Opcode.DUP16 => &Instructions.Dup,
        >= Opcode.SWAP1 and <= Opcode.SWAP16 => &Instructions.Swap,
        >= Opcode.LOG0 and <= Opcode.LOG4 => &Instructions.Log,
        Opcode.CREATE => &Instructions.Create,
        Opcode.CALL => &Instructions.Call,
        Opcode.CALLCODE => &Instructions.CallCode,
        Opcode.RETURN => &Instructions.Return,
        Opcode.DELEGATECALL => &Instructions.DelegateCall,
        Opcode.CREATE2 => &Instructions.Create2,
        Opcode.STATICCALL => &Instructions.StaticCall,
        Opcode.REVERT => &Instructions.Revert,
        Opcode.SELFDESTRUCT => &Instructions.SelfDestruct,
        _ => throw new InvalidOperationException($"opcode 0x{op:x2} is defined but has no handler"),
    };
}

/// <summary>
/// The opcodes the cold-code loop (<see cref="Compiled.CompiledHelpers.InterpretRange"/>) runs inline, numbered densely
/// so that its switch is one jump table rather than a tree of compares on the opcode byte.
/// </summary>
internal enum ColdCase : byte
{
    Table,
    Push1,
    Push2,
    PushN,
    Dup,
    Swap,
    Pop,
    JumpDest,
    Jump,
    JumpI,
    Add,
    Sub,
    And,
    MLoad,
    MStore,
    SignExtend,
}
