namespace Hyperion.Evm.Interpreter;

/// <summary>
/// Static facts about one opcode at one fork: its name (for traces), the constant part of its gas, how many stack
/// items it pops and pushes, and whether it exists at all. Dynamic gas (memory, cold access, copy words…) is the
/// instruction's own business.
/// </summary>
public readonly record struct OpcodeInfo(string Name, long StaticGas, byte Pops, byte Pushes, bool Defined)
{
    /// <summary>Largest stack height the instruction tolerates before it would overflow 1024 items.</summary>
    public int MaxStackBefore => Math.Min(OpcodeTable.StackLimit, OpcodeTable.StackLimit - Pushes + Pops);
}

/// <summary>The per-fork opcode tables (256 entries each), built once.</summary>
public static class OpcodeTable
{
    /// <summary>Maximum number of items on the EVM stack.</summary>
    public const int StackLimit = 1024;

    private static readonly OpcodeInfo[][] ByFork = BuildAll();

    /// <summary>The 256-entry table for <paramref name="fork"/>; undefined opcodes have <c>Defined == false</c>.</summary>
    public static ReadOnlySpan<OpcodeInfo> For(Fork fork) => ByFork[(int)fork];

    /// <summary>
    /// Mnemonic of <paramref name="op"/> as EIP-3155 traces spell it (e.g. "PUSH1", "opcode 0xc0"), from the newest
    /// rule set's table: opcodes are only ever added, so it names every one an older fork knows.
    /// </summary>
    public static string NameOf(byte op) => ByFork[^1][op].Name;

    private static OpcodeInfo[][] BuildAll()
    {
        Fork[] forks = Enum.GetValues<Fork>();
        var tables = new OpcodeInfo[forks.Length][];
        foreach (Fork fork in forks)
        {
            tables[(int)fork] = Build(fork);
        }

        return tables;
    }

    private static OpcodeInfo[] Build(Fork fork)
    {
        var t = new OpcodeInfo[256];
        for (int i = 0; i < 256; i++)
        {
            t[i] = new OpcodeInfo($"opcode 0x{i:x2}", 0, 0, 0, false);
        }

        void Set(Opcode op, long gas, byte pops, byte pushes) => t[(byte)op] = new OpcodeInfo(op.ToString(), gas, pops, pushes, true);

        Set(Opcode.STOP, 0, 0, 0);
        Set(Opcode.ADD, GasCost.VeryLow, 2, 1);
        Set(Opcode.MUL, GasCost.Low, 2, 1);
        Set(Opcode.SUB, GasCost.VeryLow, 2, 1);
        Set(Opcode.DIV, GasCost.Low, 2, 1);
        Set(Opcode.SDIV, GasCost.Low, 2, 1);
        Set(Opcode.MOD, GasCost.Low, 2, 1);
        Set(Opcode.SMOD, GasCost.Low, 2, 1);
        Set(Opcode.ADDMOD, GasCost.Mid, 3, 1);
        Set(Opcode.MULMOD, GasCost.Mid, 3, 1);
        Set(Opcode.EXP, GasCost.Exp, 2, 1);
        Set(Opcode.SIGNEXTEND, GasCost.Low, 2, 1);
        foreach (Opcode op in (ReadOnlySpan<Opcode>)[Opcode.LT, Opcode.GT, Opcode.SLT, Opcode.SGT, Opcode.EQ, Opcode.AND, Opcode.OR, Opcode.XOR, Opcode.BYTE, Opcode.SHL, Opcode.SHR, Opcode.SAR])
        {
            Set(op, GasCost.VeryLow, 2, 1);
        }

        Set(Opcode.ISZERO, GasCost.VeryLow, 1, 1);
        Set(Opcode.NOT, GasCost.VeryLow, 1, 1);
        Set(Opcode.KECCAK256, GasCost.Keccak256, 2, 1);

        Set(Opcode.ADDRESS, GasCost.Base, 0, 1);
        Set(Opcode.BALANCE, GasCost.WarmAccess, 1, 1);
        Set(Opcode.ORIGIN, GasCost.Base, 0, 1);
        Set(Opcode.CALLER, GasCost.Base, 0, 1);
        Set(Opcode.CALLVALUE, GasCost.Base, 0, 1);
        Set(Opcode.CALLDATALOAD, GasCost.VeryLow, 1, 1);
        Set(Opcode.CALLDATASIZE, GasCost.Base, 0, 1);
        Set(Opcode.CALLDATACOPY, GasCost.VeryLow, 3, 0);
        Set(Opcode.CODESIZE, GasCost.Base, 0, 1);
        Set(Opcode.CODECOPY, GasCost.VeryLow, 3, 0);
        Set(Opcode.GASPRICE, GasCost.Base, 0, 1);
        Set(Opcode.EXTCODESIZE, GasCost.WarmAccess, 1, 1);
        Set(Opcode.EXTCODECOPY, GasCost.WarmAccess, 4, 0);
        Set(Opcode.RETURNDATASIZE, GasCost.Base, 0, 1);
        Set(Opcode.RETURNDATACOPY, GasCost.VeryLow, 3, 0);
        Set(Opcode.EXTCODEHASH, GasCost.WarmAccess, 1, 1);

        Set(Opcode.BLOCKHASH, GasCost.BlockHash, 1, 1);
        Set(Opcode.COINBASE, GasCost.Base, 0, 1);
        Set(Opcode.TIMESTAMP, GasCost.Base, 0, 1);
        Set(Opcode.NUMBER, GasCost.Base, 0, 1);
        Set(Opcode.PREVRANDAO, GasCost.Base, 0, 1);
        if (fork < Fork.Paris)
        {
            t[(byte)Opcode.PREVRANDAO] = t[(byte)Opcode.PREVRANDAO] with { Name = "DIFFICULTY" };
        }

        Set(Opcode.GASLIMIT, GasCost.Base, 0, 1);
        Set(Opcode.CHAINID, GasCost.Base, 0, 1);
        Set(Opcode.SELFBALANCE, GasCost.Low, 0, 1);
        if (fork >= Fork.London)
        {
            Set(Opcode.BASEFEE, GasCost.Base, 0, 1);
        }

        if (fork >= Fork.Cancun)
        {
            Set(Opcode.BLOBHASH, GasCost.VeryLow, 1, 1);
            Set(Opcode.BLOBBASEFEE, GasCost.Base, 0, 1);
        }

        Set(Opcode.POP, GasCost.Base, 1, 0);
        Set(Opcode.MLOAD, GasCost.VeryLow, 1, 1);
        Set(Opcode.MSTORE, GasCost.VeryLow, 2, 0);
        Set(Opcode.MSTORE8, GasCost.VeryLow, 2, 0);
        Set(Opcode.SLOAD, 0, 1, 1);
        Set(Opcode.SSTORE, 0, 2, 0);
        Set(Opcode.JUMP, GasCost.Mid, 1, 0);
        Set(Opcode.JUMPI, GasCost.High, 2, 0);
        Set(Opcode.PC, GasCost.Base, 0, 1);
        Set(Opcode.MSIZE, GasCost.Base, 0, 1);
        Set(Opcode.GAS, GasCost.Base, 0, 1);
        Set(Opcode.JUMPDEST, GasCost.JumpDest, 0, 0);
        if (fork >= Fork.Cancun)
        {
            Set(Opcode.TLOAD, GasCost.WarmAccess, 1, 1);
            Set(Opcode.TSTORE, GasCost.WarmAccess, 2, 0);
            Set(Opcode.MCOPY, GasCost.VeryLow, 3, 0);
        }

        if (fork >= Fork.Shanghai)
        {
            Set(Opcode.PUSH0, GasCost.Base, 0, 1);
        }

        for (int n = 1; n <= 32; n++)
        {
            t[(int)Opcode.PUSH1 + n - 1] = new OpcodeInfo($"PUSH{n}", GasCost.VeryLow, 0, 1, true);
        }

        for (int n = 1; n <= 16; n++)
        {
            t[(int)Opcode.DUP1 + n - 1] = new OpcodeInfo($"DUP{n}", GasCost.VeryLow, (byte)n, (byte)(n + 1), true);
            t[(int)Opcode.SWAP1 + n - 1] = new OpcodeInfo($"SWAP{n}", GasCost.VeryLow, (byte)(n + 1), (byte)(n + 1), true);
        }

        for (int n = 0; n <= 4; n++)
        {
            t[(int)Opcode.LOG0 + n] = new OpcodeInfo($"LOG{n}", GasCost.Log + (n * GasCost.LogTopic), (byte)(n + 2), 0, true);
        }

        Set(Opcode.CREATE, GasCost.Create, 3, 1);
        Set(Opcode.CALL, GasCost.WarmAccess, 7, 1);
        Set(Opcode.CALLCODE, GasCost.WarmAccess, 7, 1);
        Set(Opcode.RETURN, 0, 2, 0);
        Set(Opcode.DELEGATECALL, GasCost.WarmAccess, 6, 1);
        Set(Opcode.CREATE2, GasCost.Create, 4, 1);
        Set(Opcode.STATICCALL, GasCost.WarmAccess, 6, 1);
        Set(Opcode.REVERT, 0, 2, 0);
        Set(Opcode.SELFDESTRUCT, GasCost.SelfDestruct, 1, 0);

        // INVALID (0xfe) is "designated invalid": named in traces, but executing it fails like any undefined opcode.
        t[(byte)Opcode.INVALID] = new OpcodeInfo("INVALID", 0, 0, 0, false);
        return t;
    }
}
