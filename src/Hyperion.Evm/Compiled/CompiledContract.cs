using Hyperion.Evm.Interpreter;

namespace Hyperion.Evm.Compiled;

/// <summary>
/// One compiled region's IL: runs the frame from <paramref name="block"/> (one of the region's; <c>c.Pc</c> need not
/// be kept at it) until the frame ends, asks for a child frame, falls back to the interpreter (a
/// <see cref="StepResult"/>, with <c>c.Pc</c> where the interpreter goes on), or leaves for a block of another region
/// (<see cref="CompiledHelpers.Transfer"/> plus that block's index, with <c>c.Pc</c> not set: the next region is
/// entered by index; but a block that starts with a JUMPDEST run is entered with <c>c.Pc</c> at the JUMPDEST where
/// control enters it).
/// </summary>
internal delegate int CompiledRegion(ref InstructionContext c, int block);

/// <summary>
/// One piece of code compiled for one fork by <see cref="EvmCompiler"/>: its regions (one IL method each, a run of
/// consecutive basic blocks under the IL budget), which region holds each block, and the tables the IL reads (block
/// index per code offset).
/// </summary>
internal sealed class CompiledContract
{
    /// <summary>Block index starting at each offset (−1 where no block starts), one entry past the code's end.</summary>
    internal readonly int[] BlockAtPc;

    /// <summary>The code offset where each block starts (the end of the code for the final, empty block).</summary>
    internal readonly int[] BlockPc;

    /// <summary>Region index per block; −1 for a block left to the interpreter (a compile budget ran out before it).</summary>
    internal readonly int[] RegionOfBlock;

    /// <summary>The regions' IL methods, filled in by the compiler as it goes.</summary>
    internal readonly List<CompiledRegion> Regions = [];

    /// <summary>The fork's instruction table, for the cold code the regions interpret (<see cref="CompiledHelpers.InterpretRange"/>).</summary>
    internal readonly InstructionTable Table;

    internal CompiledContract(int[] blockAtPc, int[] blockPc, InstructionTable table)
    {
        Table = table;
        BlockAtPc = blockAtPc;
        BlockPc = blockPc;
        RegionOfBlock = new int[blockPc.Length];
        Array.Fill(RegionOfBlock, -1);
    }

    /// <summary>
    /// Runs the frame from <c>c.Pc</c> region after region; returns what ends it or asks for a child frame, or
    /// <see cref="StepResult.Interpret"/> with <c>c.Pc</c> where the interpreter must go on (a failed check, a block
    /// in no region, an offset that is no block).
    /// </summary>
    internal StepResult Run(ref InstructionContext c)
    {
        int block = (uint)c.Pc < (uint)BlockAtPc.Length ? BlockAtPc[c.Pc] : -1;
        if (block < 0)
        {
            return StepResult.Interpret;
        }

        // A transfer names the next block by index, so moving between regions costs no Pc store and no lookups by
        // offset: the next region switches on the index it is given.
        CompiledRegion[] regions = _regionArray;
        while (true)
        {
            int region = RegionOfBlock[block];
            if ((uint)region >= (uint)regions.Length)
            {
                // A block starting with a JUMPDEST run is entered with c.Pc at any of them: the interpreter goes on there.
                if ((uint)c.Pc >= (uint)BlockAtPc.Length || BlockAtPc[c.Pc] != block)
                {
                    c.Pc = BlockPc[block];
                }

                return StepResult.Interpret;
            }

            int result = regions[region](ref c, block);
            if (result < CompiledHelpers.Transfer)
            {
                return (StepResult)result;
            }

            block = result - CompiledHelpers.Transfer;
        }
    }

    /// <summary>The regions as an array for <see cref="Run"/>, set once the compiler is done (<see cref="Seal"/>).</summary>
    private CompiledRegion[] _regionArray = [];

    /// <summary>Called by the compiler once every region is added: from then on <see cref="Run"/> enters them.</summary>
    internal void Seal() => _regionArray = [.. Regions];

    /// <summary>Number of basic blocks.</summary>
    public int Blocks { get; init; }

    /// <summary>Bytes of IL emitted, all regions.</summary>
    public int IlBytes { get; set; }

    /// <summary>Blocks in no cycle of the control flow, which the regions interpret (see <see cref="CompiledHelpers.InterpretRange"/>).</summary>
    public int ColdBlocks { get; init; }

    /// <summary>Blocks left to the interpreter because a compile budget ran out.</summary>
    public int InterpretedBlocks { get; set; }

    /// <summary>Wall time to analyse, emit and JIT (statistics and the compile-time budget only, never consensus).</summary>
    public TimeSpan CompileTime { get; set; }
}

/// <summary>What compiling one piece of code took (see <see cref="EvmCompiler.Measure"/>).</summary>
public readonly record struct CompileStatistics(int CodeBytes, int Blocks, int ColdBlocks, int Regions, int InterpretedBlocks, int IlBytes, TimeSpan Time, long AllocatedBytes);
