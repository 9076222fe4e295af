namespace Hyperion.Chain;

/// <summary>
/// Runs some work on its own background thread soon after <see cref="Signal"/>, for everything signalled so far. A
/// signal wakes the thread only when it sleeps; after each run the thread waits <c>interval</c> and runs again if
/// anything was signalled meanwhile, so a thread that signals often (the block producer, once per block) pays for a
/// thread wake-up only after a quiet spell, not per signal: on a busy machine each wake-up could cost the signaller its
/// core. The work of many signals is done in one run, at most <c>interval</c> after them. The first signal after a quiet
/// spell also waits <c>interval</c> before its run: a lone block's background work (its log line, its address index
/// entries) then runs after what its sender does next (the answer, a receipt poll) instead of taking a core beside it.
/// One thread can serve several works (<see cref="Join"/>, each a <see cref="Lane"/> signalled on its own): a block's
/// subscribers that share it wake one thread, not one each (a wake-up costs the signaller ~15 µs of CPU here).
/// </summary>
public sealed class CoalescingWorker : IDisposable
{
    private readonly TimeSpan _interval;
    private readonly Lane? _only; // the work of a worker made with one
    private readonly object _lanesLock = new();
    private Lane[] _lanes = []; // replaced, not changed, under _lanesLock: the thread reads it without the lock
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
        : this(name, interval)
    {
        _only = Join(work, failed);
    }

    /// <summary>A worker without work yet: each <see cref="Join"/> adds one, run on this worker's thread.</summary>
    /// <param name="name">The thread's name.</param>
    /// <param name="interval">The least time between two runs.</param>
    public CoalescingWorker(string name, TimeSpan interval)
    {
        _interval = interval;
        _thread = new Thread(Run) { IsBackground = true, Name = name };
        _thread.Start();
    }

    /// <summary>
    /// Adds <paramref name="work"/> to the thread's: run (after the works joined before it) in a run of the thread
    /// once its lane was signalled, until the lane is disposed.
    /// </summary>
    /// <param name="failed">Told of an exception the work threw (the worker goes on); null: it goes unseen.</param>
    public Lane Join(Action work, Action<Exception>? failed = null)
    {
        ArgumentNullException.ThrowIfNull(work);
        var lane = new Lane(this, work, failed);
        lock (_lanesLock)
        {
            _lanes = [.. _lanes, lane];
        }

        return lane;
    }

    /// <summary>Asks for a run of the work the worker was made with (a worker made without: of every lane's signalled work).</summary>
    public void Signal()
    {
        if (_only is { } only)
        {
            only.Signal();
        }
        else
        {
            SignalThread();
        }
    }

    /// <summary>Cheap and non-blocking unless the thread sleeps (then one wake-up). Does nothing once disposed.</summary>
    private void SignalThread()
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
                foreach (Lane lane in Volatile.Read(ref _lanes))
                {
                    lane.RunIfSignalled();
                }

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

    private void Leave(Lane lane)
    {
        lock (_lanesLock)
        {
            _lanes = [.. _lanes.Where(l => l != lane)];
        }
    }

    /// <summary>One work of a <see cref="CoalescingWorker"/>'s thread, with its own signal.</summary>
    public sealed class Lane : IDisposable
    {
        private readonly CoalescingWorker _worker;
        private readonly Action _work;
        private readonly Action<Exception>? _failed;
        private readonly object _running = new(); // held by a run of the work: Dispose waits for it
        private int _signalled; // 1: signalled since its last run started
        private volatile bool _stopped;

        internal Lane(CoalescingWorker worker, Action work, Action<Exception>? failed)
        {
            _worker = worker;
            _work = work;
            _failed = failed;
        }

        /// <summary>Asks for a run of this lane's work (see <see cref="CoalescingWorker.Signal"/>). Does nothing once the lane or its worker is disposed.</summary>
        public void Signal()
        {
            if (_stopped)
            {
                return;
            }

            Volatile.Write(ref _signalled, 1); // before the thread's: the run it asks for sees this lane's
            _worker.SignalThread();
        }

        /// <summary>Takes the work off the thread, after its run under way, if any (what was signalled since is not run).</summary>
        public void Dispose()
        {
            if (_stopped)
            {
                return;
            }

            _stopped = true;
            lock (_running)
            {
                // a run under way ends before the lane is gone (the lock is the thread's own when a work disposes its lane)
            }

            _worker.Leave(this);
        }

        internal void RunIfSignalled()
        {
            if (Interlocked.Exchange(ref _signalled, 0) == 0)
            {
                return;
            }

            lock (_running)
            {
                if (_stopped)
                {
                    return;
                }

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
    }
}
