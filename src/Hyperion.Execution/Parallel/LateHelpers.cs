namespace Hyperion.Execution.Parallel;

/// <summary>
/// Pool threads asked to help with a block's work, which the caller waits for only once they started: a helper that
/// starts after the caller closed the gate does nothing. On a loaded machine a pool thread can take milliseconds to get
/// a core; the caller that did all the work alone meanwhile (the results are the same whoever does it) should not wait
/// for it then.
/// </summary>
internal sealed class LateHelpers
{
    private int _entered;
    private int _closed;

    /// <summary>True when the helper may work (then it must <see cref="Exit"/>); false when the caller no longer waits for it.</summary>
    public bool TryEnter()
    {
        // Both sides use full fences (Interlocked): either the caller sees this helper entered, or the helper sees the gate closed.
        Interlocked.Increment(ref _entered);
        if (Volatile.Read(ref _closed) == 0)
        {
            return true;
        }

        Interlocked.Decrement(ref _entered);
        return false;
    }

    public void Exit() => Interlocked.Decrement(ref _entered);

    /// <summary>Whether the caller closed the gate (a helper waiting outside it for more work can stop).</summary>
    public bool IsClosed => Volatile.Read(ref _closed) != 0;

    /// <summary>Closes the gate to helpers not yet started (those that did are waited for by <see cref="CloseAndWait"/>).</summary>
    public void Close() => Interlocked.Exchange(ref _closed, 1);

    /// <summary>Closes the gate to helpers not yet started and waits for those that did to exit.</summary>
    public void CloseAndWait()
    {
        Close();
        var spin = default(SpinWait);
        while (Volatile.Read(ref _entered) != 0)
        {
            spin.SpinOnce();
        }
    }
}
