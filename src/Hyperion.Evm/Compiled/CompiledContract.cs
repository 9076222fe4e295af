using Hyperion.Evm.Interpreter;

namespace Hyperion.Evm.Compiled;

/// <summary>The compiled code's entry point: runs the frame from <c>c.Pc</c> until it ends, asks for a child frame or falls back.</summary>
internal delegate StepResult CompiledEntry(ref InstructionContext c);

/// <summary>
/// One piece of code compiled for one fork by <see cref="EvmCompiler"/>: the delegate over its IL and the tables the
/// IL reads (block index per code offset, PUSH constants too wide for an immediate).
/// </summary>
internal sealed class CompiledContract
{
    /// <summary>Block index starting at each offset (−1 where no block starts), one entry past the code's end.</summary>
    internal readonly int[] BlockAtPc;

    /// <summary>PUSH immediates wider than 64 bits, indexed by the IL.</summary>
    internal readonly Core.UInt256[] Constants;

    internal CompiledContract(int[] blockAtPc, Core.UInt256[] constants)
    {
        BlockAtPc = blockAtPc;
        Constants = constants;
    }

    internal CompiledEntry Run { get; set; } = null!;

    /// <summary>Number of basic blocks.</summary>
    public int Blocks { get; init; }

    /// <summary>Bytes of IL emitted.</summary>
    public int IlBytes { get; init; }

    /// <summary>Wall time to analyse, emit and JIT (statistics only, never consensus).</summary>
    public TimeSpan CompileTime { get; set; }
}

/// <summary>What compiling one piece of code took (see <see cref="EvmCompiler.Measure"/>).</summary>
public readonly record struct CompileStatistics(int CodeBytes, int Blocks, int IlBytes, TimeSpan Time, long AllocatedBytes);
