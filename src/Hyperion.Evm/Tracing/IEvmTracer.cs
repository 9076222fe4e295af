using Hyperion.Core;

namespace Hyperion.Evm.Tracing;

/// <summary>
/// Receives one call per executed instruction (before it runs) and the fault, if any, that ended it. Tracing is
/// off when the VM is given no tracer; the interpreter then runs a loop compiled without any tracing code.
/// </summary>
public interface IEvmTracer
{
    /// <summary>
    /// An instruction is about to run. <paramref name="stack"/> is bottom-first and valid only during the call;
    /// <paramref name="depth"/> is 1 for the top-level frame; <paramref name="gasCost"/> is the static part
    /// (<see cref="OnStepCost"/> follows with the full cost once the instruction has charged it).
    /// </summary>
    void OnStep(int pc, byte opcode, long gas, long gasCost, long memorySize, ReadOnlySpan<UInt256> stack, int depth, long refund);

    /// <summary>
    /// The full cost of the instruction last reported by <see cref="OnStep"/>, once it has charged all of it: static
    /// plus dynamic gas (memory expansion, cold access, storage, copied words), and for the CALL family the gas
    /// handed to the callee (as geth reports it; the callee's steps come after this). Not called for an
    /// instruction that fails before it has paid.
    /// </summary>
    void OnStepCost(long gasCost);

    /// <summary>The instruction last reported by <see cref="OnStep"/> failed (out of gas, bad jump, REVERT, …).</summary>
    void OnFault(string error);
}
