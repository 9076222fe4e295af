namespace Hyperion.Inference.Engine;

/// <summary>Work split into fixed parts: part p of P computes rows [rows·p/P, rows·(p+1)/P) of each of its outputs.</summary>
public interface IRowJob
{
    void Run(int part, int parts);
}

/// <summary>
/// Persistent worker threads for matrix-vector products. Rows are split into fixed contiguous chunks
/// (chunk t = [rows·t/T, rows·(t+1)/T)); every row is computed by the same code whichever thread runs it, so
/// the output bits do not depend on the thread count. No allocation per dispatch.
/// </summary>
public sealed class RowWorkers : IDisposable
{
    private readonly Thread[] _threads;
    private readonly SemaphoreSlim[] _start;
    private readonly CountdownEvent _done;
    private IRowJob? _job;
    private volatile bool _stopping;
    private Exception? _failure;

    public RowWorkers(int threadCount)
    {
        if (threadCount < 1) throw new ArgumentOutOfRangeException(nameof(threadCount), "need at least one thread");
        ThreadCount = threadCount;
        _threads = new Thread[threadCount - 1];
        _start = new SemaphoreSlim[threadCount - 1];
        _done = new CountdownEvent(1);
        for (int i = 0; i < _threads.Length; i++)
        {
            int index = i + 1;
            _start[i] = new SemaphoreSlim(0);
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
        _done.Reset(ThreadCount - 1);
        foreach (SemaphoreSlim s in _start) s.Release();
        job.Run(0, ThreadCount);
        _done.Wait();
        _job = null;
        if (_failure is not null) throw new InvalidOperationException("inference worker failed", _failure);
    }

    /// <summary>Start of part <paramref name="part"/> of <paramref name="parts"/> over <paramref name="rows"/> rows.</summary>
    public static int PartStart(int rows, int part, int parts) => (int)((long)rows * part / parts);

    private void WorkerLoop(int index)
    {
        while (true)
        {
            _start[index - 1].Wait();
            if (_stopping) return;
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
                _done.Signal();
            }
        }
    }

    public void Dispose()
    {
        _stopping = true;
        foreach (SemaphoreSlim s in _start) s.Release();
        foreach (Thread t in _threads) t.Join();
        foreach (SemaphoreSlim s in _start) s.Dispose();
        _done.Dispose();
    }
}
