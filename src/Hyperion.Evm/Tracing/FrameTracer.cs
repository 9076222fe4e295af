using Hyperion.Core;

namespace Hyperion.Evm.Tracing;

/// <summary>A tracer that only watches call frames (entries and exits), not instructions (so the VM runs untraced between frames).</summary>
public abstract class FrameTracer : ICallFrameTracer
{
    public bool WatchesInstructions => false;

    public void OnStep(int pc, byte opcode, long gas, long gasCost, long memorySize, ReadOnlySpan<UInt256> stack, int depth, long refund)
    {
    }

    public void OnStepCost(long gasCost)
    {
    }

    public void OnFault(string error)
    {
    }

    public abstract void OnEnter(string type, Address from, Address to, in UInt256 value, ReadOnlySpan<byte> input, long gas, int depth);

    public abstract void OnExit(long gasUsed, ReadOnlySpan<byte> output, string? error, bool reverted);
}
