using Hyperion.Core;

namespace Hyperion.Evm.Tracing;

/// <summary>
/// Receives one call per executed instruction (before it runs) and the fault, if any, that ended it. Tracing is
/// off when the VM is given no tracer, so the interpreter pays one null check per instruction.
/// </summary>
public interface IEvmTracer
{
    /// <summary>
    /// An instruction is about to run. <paramref name="stack"/> is bottom-first and valid only during the call;
    /// <paramref name="depth"/> is 1 for the top-level frame; <paramref name="gasCost"/> is the static part.
    /// </summary>
    void OnStep(int pc, byte opcode, long gas, long gasCost, long memorySize, ReadOnlySpan<UInt256> stack, int depth, long refund);

    /// <summary>The instruction last reported by <see cref="OnStep"/> failed (out of gas, bad jump, REVERT, …).</summary>
    void OnFault(string error);
}
