using System.Runtime.InteropServices;

namespace Hyperion.Cli.Commands;

/// <summary>The calling thread's own CPU time: on a loaded machine a benchmark's wall time counts its waits for a core, this does not.</summary>
internal static partial class ThreadCpuClock
{
    /// <summary>CPU time of the calling thread in ms (CLOCK_THREAD_CPUTIME_ID); NaN where that clock is not available.</summary>
    public static double Milliseconds()
    {
        const int clockThreadCpuTime = 3;
        return OperatingSystem.IsLinux() && ClockGetTime(clockThreadCpuTime, out TimeSpec now) == 0
            ? (now.Seconds * 1e3) + (now.Nanoseconds / 1e6)
            : double.NaN;
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
