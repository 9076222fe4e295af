using System.Collections.Concurrent;
using Hyperion.Evm.Interpreter;

namespace Hyperion.Evm.Compiled;

/// <summary>
/// Compiles hot code off the executing threads, one piece at a time on one thread-pool thread, from a bounded queue:
/// code arriving faster than it compiles waits (or, past <see cref="MaxQueued"/>, is asked for again later), so
/// compiling never takes more than one core however much code turns hot.
/// </summary>
internal static class BackgroundCompiler
{
    /// <summary>Most pieces of code waiting to be compiled.</summary>
    public const int MaxQueued = 256;

    private static readonly ConcurrentQueue<(CodeEntry Entry, Fork Fork)> Queue = new();
    private static int _queued;
    private static int _draining;
    private static long _compiled;
    private static long _failed;

    /// <summary>Pieces of code compiled in the background so far (statistics).</summary>
    public static long Compiled => Interlocked.Read(ref _compiled);

    /// <summary>Compilations that threw (a compiler bug; the code stays interpreted).</summary>
    public static long Failed => Interlocked.Read(ref _failed);

    public static bool TryQueue(CodeEntry entry, Fork fork)
    {
        if (Interlocked.Increment(ref _queued) > MaxQueued)
        {
            Interlocked.Decrement(ref _queued);
            return false;
        }

        Queue.Enqueue((entry, fork));
        if (Interlocked.CompareExchange(ref _draining, 1, 0) == 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(_ => Drain(), null);
        }

        return true;
    }

    private static void Drain()
    {
        while (true)
        {
            while (Queue.TryDequeue(out (CodeEntry Entry, Fork Fork) item))
            {
                Interlocked.Decrement(ref _queued);
                try
                {
                    item.Entry.CompileNow(item.Fork);
                    Interlocked.Increment(ref _compiled);
                }
#pragma warning disable CA1031 // A compiler bug must not take the node down: the code stays interpreted.
                catch (Exception)
#pragma warning restore CA1031
                {
                    Interlocked.Increment(ref _failed);
                }
            }

            Volatile.Write(ref _draining, 0);
            // Something queued after the last TryDequeue but before the flag cleared would otherwise wait for the next TryQueue.
            if (Queue.IsEmpty || Interlocked.CompareExchange(ref _draining, 1, 0) != 0)
            {
                return;
            }
        }
    }
}
