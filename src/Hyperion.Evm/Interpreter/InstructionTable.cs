namespace Hyperion.Evm.Interpreter;

/// <summary>
/// <see cref="OpcodeTable"/> flattened into arrays the interpreter indexes by opcode byte: static gas (−1 for an
/// undefined opcode), minimum stack height, maximum stack height before the instruction.
/// </summary>
internal sealed class InstructionTable
{
    private static readonly InstructionTable[] ByFork = Build();

    public readonly long[] StaticGas = new long[256];
    public readonly int[] MinStack = new int[256];
    public readonly int[] MaxStack = new int[256];

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
                table.StaticGas[op] = info.Defined ? info.StaticGas : -1;
                table.MinStack[op] = info.Pops;
                table.MaxStack[op] = info.MaxStackBefore;
            }

            tables[(int)fork] = table;
        }

        return tables;
    }
}
