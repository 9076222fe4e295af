namespace Hyperion.Chain;

/// <summary>
/// Runs some work on its own background thread soon after <see cref="Signal"/>, for everything signalled so far. A
/// signal wakes the thread only when it sleeps; after each run the thread waits <c>interval</c> and runs again if
/// anything was signalled meanwhile, so a thread that signals often (the block producer, once per block) pays for a
/// thread wake-up only after a quiet spell, not per signal: on a busy machine each wake-up could cost the signaller its
/// core. The work of many signals is done in one run, at most <c>interval</c> after them. The first signal after a quiet
/// spell also waits <c>interval</c> before its run: a lone block's background work (its log line, its address index
/// entries) then runs after what its sender does next (the answer, a receipt poll) instead of taking a core beside it.
/// </summary>
public sealed class CoalescingWorker : IDisposable
{
    private readonly Action _work;
    private readonly TimeSpan _interval;
    private readonly Action<Exception>? _failed;
    // Not a SemaphoreSlim: its Wait spins (~140 sched_yields, a millisecond of a core) before it sleeps, after every
    // run, on a core the producer and the RPC threads need; this one sleeps at once.
    private readonly AutoResetEvent _wake = new(false);
    private readonly Thread _thread;
    private int _pending; // 1: signalled since the last run started
    private int _sleeping; // 1: the thread waits for a signal, which must wake it
    private volatile bool _stopping;

    /// <param name="name">The thread's name.</param>
    /// <param name="work">Does what the signals since its last run asked for.</param>
    /// <param name="interval">The least time between two runs.</param>
    /// <param name="failed">Told of an exception the work threw (the worker goes on); null: it goes unseen.</param>
    public CoalescingWorker(string name, Action work, TimeSpan interval, Action<Exception>? failed = null)
    {
        ArgumentNullException.ThrowIfNull(work);
        _work = work;
        _interval = interval;
        _failed = failed;
        _thread = new Thread(Run) { IsBackground = true, Name = name };
        _thread.Start();
    }

    /// <summary>Asks for a run; cheap and non-blocking unless the thread sleeps (then one wake-up). Does nothing once disposed.</summary>
    public void Signal()
    {
        if (_stopping)
        {
            return;
        }

        Volatile.Write(ref _pending, 1);
        if (Interlocked.Exchange(ref _sleeping, 0) == 1)
        {
            _wake.Set();
        }
    }

    /// <summary>Stops the thread (after the run under way, if any; what was signalled since is not run).</summary>
    public void Dispose()
    {
        if (_stopping)
        {
            return;
        }

        _stopping = true;
        _wake.Set();
        _thread.Join(); // the event is left undisposed: a late Signal must not throw on the signaller's thread
    }

    private void Run()
    {
        while (!_stopping)
        {
            if (Interlocked.Exchange(ref _pending, 0) == 1)
            {
                RunWork();
                Thread.Sleep(_interval); // what is signalled meanwhile waits for the next run, without a wake-up
                continue;
            }

            Interlocked.Exchange(ref _sleeping, 1);
            if (Volatile.Read(ref _pending) == 1 && Interlocked.Exchange(ref _sleeping, 0) == 1)
            {
                continue; // signalled between the check above and now, by a signaller that saw the thread awake
            }

            _wake.WaitOne(); // a signaller that saw the thread asleep set it (or Dispose did)
            if (!_stopping)
            {
                Thread.Sleep(_interval); // off the path of what the signaller does next; later signals join this run
            }
        }
    }

    private void RunWork()
    {
        try
        {
            _work();
        }
        catch (Exception e) when (_failed is not null)
        {
            _failed(e);
        }
    }
}
