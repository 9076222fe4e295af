using Hyperion.Core;
using Hyperion.Evm.Interpreter;

namespace Hyperion.Evm.Tracing;

/// <summary>
/// A tracer that also sees call frames: every message call and creation (the transaction's own frame at depth 0),
/// and every SELFDESTRUCT, is reported on entry and exit, nested in execution order.
/// </summary>
public interface ICallFrameTracer : IEvmTracer
{
    /// <summary>
    /// A frame starts. <paramref name="type"/> is one of <see cref="CallFrameTypes"/>. As geth reports frames:
    /// <paramref name="from"/> is the account of the frame that calls (the sender, for the transaction's frame) and
    /// <paramref name="to"/> the account whose code runs — for CALL, STATICCALL and creations also the account whose
    /// storage and balance the frame acts on; for DELEGATECALL and CALLCODE the code's account only, the frame acting on
    /// <paramref name="from"/>'s. <paramref name="value"/> is what a CALL, CALLCODE or creation moves, and for a
    /// DELEGATECALL the value of the frame it inherits (CALLVALUE). For SELFDESTRUCT: from the contract to the
    /// beneficiary, with the balance moved as <paramref name="value"/> and no gas. Precompile calls are frames like any
    /// other call.
    /// </summary>
    void OnEnter(string type, Address from, Address to, in UInt256 value, ReadOnlySpan<byte> input, long gas, int depth);

    /// <summary>The frame last entered ends; <paramref name="error"/> is null on success.</summary>
    void OnExit(long gasUsed, ReadOnlySpan<byte> output, string? error, bool reverted);

    /// <summary>
    /// False for a tracer that ignores <see cref="IEvmTracer.OnStep"/>, <see cref="IEvmTracer.OnStepCost"/> and
    /// <see cref="IEvmTracer.OnFault"/>: the VM then runs its untraced interpreter loop and reports only frames.
    /// </summary>
    bool WatchesInstructions => true;
}

/// <summary>Frame type names as geth's tracers spell them.</summary>
public static class CallFrameTypes
{
    public const string Call = "CALL";
    public const string CallCode = "CALLCODE";
    public const string DelegateCall = "DELEGATECALL";
    public const string StaticCall = "STATICCALL";
    public const string Create = "CREATE";
    public const string Create2 = "CREATE2";
    public const string SelfDestruct = "SELFDESTRUCT";

    internal static string Of(FrameKind kind) => kind switch
    {
        FrameKind.CallCode => CallCode,
        FrameKind.DelegateCall => DelegateCall,
        FrameKind.StaticCall => StaticCall,
        FrameKind.Create => Create,
        FrameKind.Create2 => Create2,
        _ => Call,
    };
}
