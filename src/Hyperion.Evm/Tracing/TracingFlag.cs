namespace Hyperion.Evm.Tracing;

/// <summary>
/// A compile-time switch for the interpreter loop: instantiated with a struct, <see cref="IsActive"/> is a JIT-time
/// constant, so the untraced loop carries no per-instruction tracing check at all. Chosen once per frame.
/// </summary>
internal interface ITracingFlag
{
    static abstract bool IsActive { get; }
}

internal readonly struct TracingOn : ITracingFlag
{
    public static bool IsActive => true;
}

internal readonly struct TracingOff : ITracingFlag
{
    public static bool IsActive => false;
}
