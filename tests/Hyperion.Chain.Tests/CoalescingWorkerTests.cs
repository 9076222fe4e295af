using System.Collections.Concurrent;
using System.Diagnostics;

namespace Hyperion.Chain.Tests;

/// <summary>
/// <see cref="CoalescingWorker"/>: a lone signal's run comes an interval after it; the signals during a run are covered
/// by one next run; a failing run is reported and the worker goes on; works joined to one thread run on it, each only
/// when its own lane was signalled, and not once its lane is disposed.
/// </summary>
public sealed class CoalescingWorkerTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public void A_signal_is_run_once_an_interval_after_it_not_before()
    {
        using var runs = new BlockingCollection<long>();
        using var worker = new CoalescingWorker("test-worker", () => runs.Add(Stopwatch.GetTimestamp()), Interval);

        // A signal before the new thread first goes to sleep finds it awake and is run at once; the property is of a
        // sleeping worker, so the first run and a quiet spell come first.
        worker.Signal();
        Assert.True(runs.TryTake(out _, Patience));
        Assert.False(runs.TryTake(out _, TimeSpan.FromMilliseconds(500))); // nothing signalled since: no second run

        long signalled = Stopwatch.GetTimestamp();
        worker.Signal();
        Assert.True(runs.TryTake(out long ran, Patience));
        Assert.True(Stopwatch.GetElapsedTime(signalled, ran) >= Interval, $"ran {Stopwatch.GetElapsedTime(signalled, ran).TotalMilliseconds} ms after the signal");
        Assert.False(runs.TryTake(out _, Interval * 5)); // nothing signalled since: no second run
    }

    [Fact]
    public void Signals_during_a_run_are_covered_by_one_next_run()
    {
        using var inRun = new ManualResetEventSlim(false);
        using var release = new ManualResetEventSlim(false);
        int queued = 0;
        using var seen = new BlockingCollection<int>();
        int runCount = 0;
        using var worker = new CoalescingWorker("test-worker", () =>
        {
            if (Interlocked.Increment(ref runCount) == 1)
            {
                inRun.Set();
                release.Wait();
            }

            seen.Add(Volatile.Read(ref queued));
        }, Interval);
        worker.Signal();
        Assert.True(inRun.Wait(Patience));
        for (int i = 0; i < 50; i++)
        {
            Interlocked.Increment(ref queued);
            worker.Signal();
        }

        release.Set();
        Assert.True(seen.TryTake(out _, Patience)); // the first run
        Assert.True(seen.TryTake(out int second, Patience));
        Assert.Equal(50, second); // the second run saw everything queued before the signals
        Assert.False(seen.TryTake(out _, Interval * 5));
        Assert.Equal(2, Volatile.Read(ref runCount));
    }

    [Fact]
    public void A_failing_run_is_reported_and_the_worker_goes_on()
    {
        using var failures = new BlockingCollection<Exception>();
        int runCount = 0;
        using var worker = new CoalescingWorker("test-worker", () =>
        {
            if (Interlocked.Increment(ref runCount) == 1)
            {
                throw new InvalidOperationException("first");
            }
        }, Interval, failures.Add);
        worker.Signal();
        Assert.True(failures.TryTake(out Exception? failure, Patience));
        Assert.Equal("first", failure!.Message);
        worker.Signal();
        DateTime deadline = DateTime.UtcNow + Patience;
        while (Volatile.Read(ref runCount) < 2 && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(5);
        }

        Assert.Equal(2, Volatile.Read(ref runCount));
    }

    [Fact]
    public void Lanes_run_on_the_one_thread_each_only_when_signalled_and_not_once_disposed()
    {
        using var runs = new BlockingCollection<(string Lane, int Thread)>();
        using var worker = new CoalescingWorker("test-worker", Interval);
        CoalescingWorker.Lane first = worker.Join(() => runs.Add(("first", Environment.CurrentManagedThreadId)));
        using CoalescingWorker.Lane second = worker.Join(() => runs.Add(("second", Environment.CurrentManagedThreadId)));

        second.Signal();
        Assert.True(runs.TryTake(out (string Lane, int Thread) ran, Patience));
        Assert.Equal("second", ran.Lane);
        Assert.False(runs.TryTake(out _, Interval * 5)); // the first lane was not signalled: not run

        first.Signal();
        second.Signal();
        Assert.True(runs.TryTake(out (string Lane, int Thread) a, Patience));
        Assert.True(runs.TryTake(out (string Lane, int Thread) b, Patience));
        Assert.Equal(("first", "second"), (a.Lane, b.Lane)); // in the order joined, in one run
        Assert.Equal(ran.Thread, a.Thread);
        Assert.Equal(ran.Thread, b.Thread);

        first.Dispose();
        first.Signal();
        second.Signal();
        Assert.True(runs.TryTake(out (string Lane, int Thread) after, Patience));
        Assert.Equal("second", after.Lane);
        Assert.False(runs.TryTake(out _, Interval * 5)); // the disposed lane's signal ran nothing
    }

    [Fact]
    public void Disposing_a_lane_waits_for_its_run_under_way()
    {
        using var inRun = new ManualResetEventSlim(false);
        int finished = 0;
        using var worker = new CoalescingWorker("test-worker", Interval);
        CoalescingWorker.Lane lane = worker.Join(() =>
        {
            inRun.Set();
            Thread.Sleep(200);
            Volatile.Write(ref finished, 1);
        });
        lane.Signal();
        Assert.True(inRun.Wait(Patience));
        lane.Dispose();
        Assert.Equal(1, Volatile.Read(ref finished));
    }
}
