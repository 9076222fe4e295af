using Hyperion.Core;

namespace Hyperion.Evm.Tracing;

/// <summary>
/// A tracer that also sees call frames: every message call and creation (the transaction's own frame at depth 0)
/// is reported on entry and exit, nested in execution order.
/// </summary>
public interface ICallFrameTracer : IEvmTracer
{
    /// <summary>
    /// A frame starts. <paramref name="type"/> is CALL, CALLCODE, DELEGATECALL, STATICCALL or CREATE (CREATE2 frames
    /// are reported as CREATE); <paramref name="to"/> is the account whose code and storage the frame acts on.
    /// </summary>
    void OnEnter(string type, Address from, Address to, in UInt256 value, ReadOnlySpan<byte> input, long gas, int depth);

    /// <summary>The frame last entered ends; <paramref name="error"/> is null on success.</summary>
    void OnExit(long gasUsed, ReadOnlySpan<byte> output, string? error, bool reverted);
}
