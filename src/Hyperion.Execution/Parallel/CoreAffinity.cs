using System.Runtime.InteropServices;

namespace Hyperion.Execution.Parallel;

/// <summary>
/// Keeps a block's helper thread off the core its caller runs on while it helps. On this project's 2-vCPU host
/// (docs/benchmarks.md, s44stm) the kernel left a woken helper on the caller's vCPU for milliseconds while the other
/// one idled: the two time-shared one core, the helper joined the workers ~3 ms into a 6 ms block, and the caller ran
/// at half speed beside it. Only where the thread runs changes, never what it computes.
/// </summary>
internal static partial class CoreAffinity
{
    /// <summary>Bytes of a CPU set (1,024 CPUs, glibc's cpu_set_t).</summary>
    public const int SetBytes = 128;

    private static readonly bool Supported = OperatingSystem.IsLinux() && Environment.ProcessorCount > 1;

    /// <summary>The CPU the calling thread runs on now, -1 where unknown.</summary>
    public static int CurrentCpu()
    {
        if (!Supported)
        {
            return -1;
        }

        try
        {
            return GetCpu();
        }
        catch (EntryPointNotFoundException)
        {
            return -1;
        }
    }

    /// <summary>
    /// Takes <paramref name="cpu"/> out of the calling thread's allowed CPUs (the kernel moves the thread off it at
    /// once) when another one stays allowed, until the scope is disposed; <paramref name="before"/>
    /// (<see cref="SetBytes"/> bytes) keeps the set to give back.
    /// </summary>
    public static Scope Avoid(int cpu, Span<byte> before) => new(TryAvoid(cpu, before) ? before[..SetBytes] : default);

    private static bool TryAvoid(int cpu, Span<byte> before)
    {
        if (!Supported || cpu < 0 || cpu >= SetBytes * 8 || before.Length < SetBytes)
        {
            return false;
        }

        before = before[..SetBytes];
        if (GetAffinity(0, SetBytes, before) != 0 || (before[cpu / 8] & (1 << (cpu % 8))) == 0)
        {
            return false;
        }

        Span<byte> without = stackalloc byte[SetBytes];
        before.CopyTo(without);
        without[cpu / 8] &= (byte)~(1 << (cpu % 8));
        return without.IndexOfAnyExcept((byte)0) >= 0 && SetAffinity(0, SetBytes, without) == 0;
    }

    /// <summary>While not disposed, the calling thread keeps off a CPU (nothing when the set was not changed).</summary>
    public readonly ref struct Scope
    {
        private readonly Span<byte> _before;

        internal Scope(Span<byte> before) => _before = before;

        /// <summary>Gives the thread back the CPUs it was allowed before.</summary>
        public void Dispose()
        {
            if (!_before.IsEmpty)
            {
                _ = SetAffinity(0, SetBytes, _before);
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "sched_getcpu")]
    private static partial int GetCpu();

    [LibraryImport("libc", EntryPoint = "sched_getaffinity")]
    private static partial int GetAffinity(int pid, nint size, Span<byte> mask);

    [LibraryImport("libc", EntryPoint = "sched_setaffinity")]
    private static partial int SetAffinity(int pid, nint size, ReadOnlySpan<byte> mask);
}
