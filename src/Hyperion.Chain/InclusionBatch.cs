namespace Hyperion.Chain;

/// <summary>
/// The sends of one JSON-RPC batch, admitted to the pool together and then included together. While a batch is open on
/// the current async flow, a sender whose transaction would be mined or preconfirmed on its own thread
/// (<see cref="InclusionWaits"/>) leaves that to <see cref="Include"/>: a batch of N sends becomes one block (as many
/// as the block's gas allows), not N blocks that each pay the per-block costs. Each send still answers only once its
/// transaction is included.
/// </summary>
public sealed class InclusionBatch : IDisposable
{
    private static readonly AsyncLocal<InclusionBatch?> s_current = new();
    private readonly InclusionBatch? _outer;
    /// <summary>The deferred inclusions: each the producer's include step and the send's wait it is given (no closure per send).</summary>
    private readonly List<(Action<Task> Include, Task Done)> _deferred = [];
    private bool _disposed;

    private InclusionBatch(InclusionBatch? outer) => _outer = outer;

    /// <summary>Opens a batch on the current async flow (the dispatcher's, and the handlers it calls).</summary>
    public static InclusionBatch Begin()
    {
        var batch = new InclusionBatch(s_current.Value);
        s_current.Value = batch;
        return batch;
    }

    /// <summary>The batch open on the current async flow, if any.</summary>
    internal static InclusionBatch? Current => s_current.Value is { _disposed: false } batch ? batch : null;

    /// <summary>A send's inclusion, left for <see cref="Include"/>.</summary>
    internal void Defer(Action<Task> include, Task done)
    {
        lock (_deferred)
        {
            _deferred.Add((include, done));
        }
    }

    /// <summary>
    /// Includes what the batch's sends admitted so far: the first deferred inclusion mines (or preconfirms) everything
    /// pending, and the ones after it find their transactions already included (the group commit).
    /// </summary>
    public void Include()
    {
        (Action<Task> Include, Task Done)[] deferred;
        lock (_deferred)
        {
            if (_deferred.Count == 0)
            {
                return;
            }

            deferred = [.. _deferred];
            _deferred.Clear();
        }

        foreach ((Action<Task> include, Task done) in deferred)
        {
            include(done);
        }
    }

    /// <summary>Includes what is left (no send of the batch waits forever) and closes the batch.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        try
        {
            Include();
        }
        finally
        {
            _disposed = true;
            s_current.Value = _outer;
        }
    }
}
