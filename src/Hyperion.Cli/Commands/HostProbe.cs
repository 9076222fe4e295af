using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;

namespace Hyperion.Cli.Commands;

/// <summary>
/// How fast the host lets this guest run right now: a fixed integer workload (a dependent multiply–xorshift chain in
/// registers, no memory) timed on the calling thread alone, then on it and a partner thread at once. On this kind of
/// VM the vCPUs slow down for seconds, by up to half, without guest load or steal time (the host's other work on the
/// physical cores behind them): a benchmark's figures read beside this one show which blocks ran in a slow interval.
/// </summary>
internal sealed class HostProbe : IDisposable
{
    /// <summary>Chain steps per probe: about a millisecond at 3 GHz.</summary>
    public const int Steps = 1 << 19;

    private readonly Thread _partner;
    private readonly SemaphoreSlim _wake = new(0);
    private int _partnerReady;
    private int _go;
    private int _partnerDone;
    private bool _disposed;
    private double _partnerMilliseconds;
    private ulong _sink;

    public HostProbe()
    {
        _partner = new Thread(PartnerLoop) { IsBackground = true, Name = "host probe" };
        _partner.Start();
    }

    /// <summary>The workload's wall ms on this thread alone, then the slower of this thread and the partner running it at once.</summary>
    public (double AloneMs, double BothMs) Measure()
    {
        long start = Stopwatch.GetTimestamp();
        _sink += Chain(_sink, Steps);
        double alone = Stopwatch.GetElapsedTime(start).TotalMilliseconds;

        // The partner spins once woken, so both chains start together however long its wake-up took.
        Volatile.Write(ref _partnerReady, 0);
        Volatile.Write(ref _partnerDone, 0);
        _wake.Release();
        var spin = default(SpinWait);
        while (Volatile.Read(ref _partnerReady) == 0)
        {
            spin.SpinOnce(sleep1Threshold: -1);
        }

        Volatile.Write(ref _go, 1);
        start = Stopwatch.GetTimestamp();
        _sink += Chain(_sink, Steps);
        double mine = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        spin = default;
        while (Volatile.Read(ref _partnerDone) == 0)
        {
            spin.SpinOnce(sleep1Threshold: -1);
        }

        Volatile.Write(ref _go, 0);
        return (alone, Math.Max(mine, Volatile.Read(ref _partnerMilliseconds)));
    }

    private void PartnerLoop()
    {
        ulong seed = 1;
        while (true)
        {
            _wake.Wait();
            if (Volatile.Read(ref _disposed))
            {
                return;
            }

            Volatile.Write(ref _partnerReady, 1);
            var spin = default(SpinWait);
            while (Volatile.Read(ref _go) == 0)
            {
                spin.SpinOnce(sleep1Threshold: -1);
            }

            long start = Stopwatch.GetTimestamp();
            seed += Chain(seed, Steps);
            Volatile.Write(ref _partnerMilliseconds, Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            Volatile.Write(ref _partnerDone, 1);
        }
    }

    /// <summary>
    /// A dependent chain: each step needs the one before, so its time is the core's latency, not its width. Optimized
    /// at once: tiered, its instrumented tier ran at half speed for a dozen calls and read as a slow host.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static ulong Chain(ulong x, int steps)
    {
        for (int i = 0; i < steps; i++)
        {
            x = (x * 6364136223846793005UL) + 1442695040888963407UL;
            x ^= x >> 29;
        }

        return x;
    }

    public void Dispose()
    {
        Volatile.Write(ref _disposed, true);
        _wake.Release();
        _partner.Join();
        _wake.Dispose();
    }

    /// <summary>The guest's steal and total CPU time so far, in jiffies (/proc/stat's first line); zeros where it cannot be read.</summary>
    public static (long Steal, long Total) StealJiffies()
    {
        try
        {
            using var reader = new StreamReader("/proc/stat");
            string[] fields = (reader.ReadLine() ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 9 || fields[0] != "cpu")
            {
                return (0, 0);
            }

            long total = 0;
            for (int i = 1; i < fields.Length && i <= 8; i++)
            {
                total += long.Parse(fields[i], CultureInfo.InvariantCulture);
            }

            return (long.Parse(fields[8], CultureInfo.InvariantCulture), total);
        }
        catch (IOException)
        {
            return (0, 0);
        }
        catch (UnauthorizedAccessException)
        {
            return (0, 0);
        }
    }
}
