namespace Hyperion.Inference.Engine;

/// <summary>Work split into fixed parts: part p of P computes rows [rows·p/P, rows·(p+1)/P) of each of its outputs.</summary>
public interface IRowJob
{
    void Run(int part, int parts);
}

/// <summary>
/// Persistent worker threads for the parallel stages of a forward pass. Rows are split into fixed contiguous chunks
/// (chunk t = [rows·t/T, rows·(t+1)/T)); every row is computed by the same code whichever thread runs it, so
/// the output bits do not depend on the thread count. No allocation per dispatch.
/// </summary>
/// <remarks>
/// A stage lasts tens of microseconds and a forward pass has about four per layer, so the hand-off must cost far
/// less than a kernel wake-up: waiting threads spin on a generation counter and only then block on a monitor, so an
/// idle transformer uses no CPU. The spin budget adapts per waiting thread: it shrinks when spinning fails (the other
/// thread is descheduled, as on an oversubscribed machine, where spinning only burns CPU) and grows back when it
/// succeeds.
/// </remarks>
public sealed class RowWorkers : IDisposable
{
    /// <summary>Longest and shortest spin before a waiting thread blocks (50 µs and 1 µs).</summary>
    private static readonly long MaxSpinTicks = Math.Max(2, System.Diagnostics.Stopwatch.Frequency / 20_000);
    private static readonly long MinSpinTicks = Math.Max(1, System.Diagnostics.Stopwatch.Frequency / 1_000_000);

    private long _dispatcherSpinTicks = MaxSpinTicks;

    private readonly Thread[] _threads;
    private readonly object _gate = new();
    private IRowJob? _job;
    private long _generation;
    private int _pending;
    private int _sleepers;
    private volatile bool _stopping;
    private Exception? _failure;

    public RowWorkers(int threadCount)
    {
        if (threadCount < 1) throw new ArgumentOutOfRangeException(nameof(threadCount), "need at least one thread");
        ThreadCount = threadCount;
        _threads = new Thread[threadCount - 1];
        for (int i = 0; i < _threads.Length; i++)
        {
            int index = i + 1;
            _threads[i] = new Thread(() => WorkerLoop(index)) { IsBackground = true, Name = $"inference-worker-{index}" };
            _threads[i].Start();
        }
    }

    public int ThreadCount { get; }

    public void Run(IRowJob job)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (ThreadCount == 1)
        {
            job.Run(0, 1);
            return;
        }

        _job = job;
        _failure = null;
        Volatile.Write(ref _pending, ThreadCount - 1);
        Interlocked.Increment(ref _generation); // full fence: publishes the job before the sleepers check
        if (Volatile.Read(ref _sleepers) != 0)
        {
            lock (_gate) Monitor.PulseAll(_gate);
        }

        Exception? own = null;
        try
        {
            job.Run(0, ThreadCount);
        }
        catch (Exception e)
        {
            own = e;
        }

        WaitUntil(long.MinValue, ref _dispatcherSpinTicks);
        _job = null;
        if (own is not null) throw new InvalidOperationException("inference part failed", own);
        if (_failure is not null) throw new InvalidOperationException("inference worker failed", _failure);
    }

    /// <summary>Start of part <paramref name="part"/> of <paramref name="parts"/> over <paramref name="rows"/> rows.</summary>
    public static int PartStart(int rows, int part, int parts) => (int)((long)rows * part / parts);

    /// <summary>
    /// The dispatcher waits for all parts (<paramref name="seenGeneration"/> = long.MinValue); a worker waits for a
    /// generation other than the one it has seen, or for shutdown.
    /// </summary>
    private bool Ready(long seenGeneration) => seenGeneration == long.MinValue
        ? Volatile.Read(ref _pending) == 0
        : _stopping || Volatile.Read(ref _generation) != seenGeneration;

    /// <summary>Spins on <see cref="Ready"/> for up to <paramref name="spinTicks"/>, then sleeps on the gate until it holds.</summary>
    private void WaitUntil(long seenGeneration, ref long spinTicks)
    {
        if (Ready(seenGeneration)) return;
        long deadline = System.Diagnostics.Stopwatch.GetTimestamp() + spinTicks;
        while (System.Diagnostics.Stopwatch.GetTimestamp() < deadline)
        {
            for (int i = 0; i < 16; i++)
            {
                if (Ready(seenGeneration))
                {
                    spinTicks = Math.Min(MaxSpinTicks, spinTicks + MaxSpinTicks / 8);
                    return;
                }

                Thread.SpinWait(4);
            }
        }

        spinTicks = Math.Max(MinSpinTicks, spinTicks / 2);

        lock (_gate)
        {
            // Dekker pairing with the signaller: it changes the state with a full fence and then reads _sleepers;
            // this increments _sleepers with a full fence and then re-reads the state, so one of the two sees the other.
            Interlocked.Increment(ref _sleepers);
            while (!Ready(seenGeneration)) Monitor.Wait(_gate);
            Interlocked.Decrement(ref _sleepers);
        }
    }

    private void WorkerLoop(int index)
    {
        long seen = 0, spinTicks = MaxSpinTicks;
        while (true)
        {
            WaitUntil(seen, ref spinTicks);
            if (_stopping) return;
            seen = Volatile.Read(ref _generation);
            try
            {
                _job!.Run(index, ThreadCount);
            }
            catch (Exception e)
            {
                _failure = e;
            }
            finally
            {
                if (Interlocked.Decrement(ref _pending) == 0 && Volatile.Read(ref _sleepers) != 0)
                {
                    lock (_gate) Monitor.PulseAll(_gate);
                }
            }
        }
    }

    public void Dispose()
    {
        _stopping = true;
        Interlocked.Increment(ref _generation);
        lock (_gate) Monitor.PulseAll(_gate);
        foreach (Thread t in _threads) t.Join();
    }
}
