namespace Hyperion.Evm;

/// <summary>
/// Lets the code that runs an EVM call on a thread stop it from another (an RPC call past its time limit): a
/// <see cref="MetisVm"/> created on the thread while a scope is open takes its token, and checks it at every taken
/// JUMP/JUMPI (every loop passes one) and at every new frame, then ends the frame with <see cref="EvmError.Aborted"/>.
/// Thread-static rather than a parameter so that the executors between the RPC layer and the VM need no plumbing;
/// block execution never opens a scope, so consensus runs cannot be aborted.
/// </summary>
public static class EvmAbort
{
    [ThreadStatic]
    private static CancellationToken t_current;

    /// <summary>The token of the innermost scope open on this thread; none outside one.</summary>
    public static CancellationToken Current => t_current;

    /// <summary>Until disposed (on the same thread), VMs created on this thread stop when <paramref name="token"/> is cancelled.</summary>
    public static Scope Open(CancellationToken token)
    {
        var scope = new Scope(t_current);
        t_current = token;
        return scope;
    }

    /// <summary>Restores the enclosing scope's token.</summary>
    public readonly struct Scope : IDisposable
    {
        private readonly CancellationToken _previous;

        internal Scope(CancellationToken previous) => _previous = previous;

        public void Dispose() => t_current = _previous;
    }
}
