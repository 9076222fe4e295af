using System.Runtime.InteropServices;

namespace Hyperion.Core.Diagnostics;

/// <summary>The calling thread's own CPU time: on a loaded machine a benchmark's wall time counts its waits for a core, this does not.</summary>
public static partial class ThreadCpuClock
{
    /// <summary>CPU time of the calling thread in ns (CLOCK_THREAD_CPUTIME_ID, a system call of ~0.2–0.5 µs); -1 where that clock is not available.</summary>
    public static long Nanoseconds()
    {
        const int clockThreadCpuTime = 3;
        return OperatingSystem.IsLinux() && ClockGetTime(clockThreadCpuTime, out TimeSpec now) == 0
            ? (now.Seconds * 1_000_000_000L) + now.Nanoseconds
            : -1;
    }

    /// <summary>CPU time of the calling thread in ms; NaN where that clock is not available.</summary>
    public static double Milliseconds()
    {
        long ns = Nanoseconds();
        return ns < 0 ? double.NaN : ns / 1e6;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out TimeSpec time);
}
