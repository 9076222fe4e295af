namespace Hyperion.Execution.Parallel;

/// <summary>
/// Objects a block takes one by one from any thread and gives back all at once when it is done (<see cref="Reset"/>),
/// so that the next block takes the same objects again: the multi-version memory's versions and map nodes, thousands a
/// block, all living to the block's end. Allocated anew each block they were a fifth of a token-transfer block's bytes,
/// and a gen0 collection in the middle of the block found them alive and promoted them (most of the block's gen1
/// collections); kept, they are old objects that point at each other, which no young collection traces.
/// </summary>
/// <remarks>
/// A taker sets every field of what it takes (an object comes back as the previous block left it). Beyond the pooled
/// objects a take allocates; <see cref="Reset"/> then grows the pool to what the block took, up to
/// <paramref name="maximum"/> (a block far above the usual size does not keep its objects for ever).
/// </remarks>
/// <param name="maximum">The most objects kept across blocks.</param>
internal sealed class ObjectArena<T>(int maximum)
    where T : class, new()
{
    /// <summary>
    /// Objects a thread claims at once: its own run of neighbouring objects. Claimed one at a time, the workers took
    /// alternate objects, so that one thread's writes shared cache lines with the other's (and every take was a
    /// contended interlocked add): a ×2 ERC20 block's wall time rose by a fifth.
    /// </summary>
    private const int ClaimedAtOnce = 32;

    /// <summary>Which of the calling thread's runs (<see cref="ObjectArenaRuns"/>) is this type's: one per type of object.</summary>
    private static readonly int s_kind = ObjectArenaRuns.NewKind();

    // Read once from the generic static: in shared generic code a static (and above all a thread static: four of them
    // per take before) is a lookup through the type's dictionary.
    private readonly int _kind = s_kind;
    private T[] _pooled = [];
    private int _claimed;
    private int _generation;

    /// <summary>An object, pooled or new, as its previous taker left it; safe from any thread.</summary>
    public T Take()
    {
        ref ObjectArenaRuns.Run run = ref ObjectArenaRuns.Of(_kind);
        if (run.Next == run.End || !ReferenceEquals(run.Arena, this) || run.Generation != _generation)
        {
            int end = Interlocked.Add(ref _claimed, ClaimedAtOnce);
            run.Arena = this;
            run.Generation = _generation;
            run.Next = end - ClaimedAtOnce;
            run.End = end;
        }

        int index = run.Next++;
        T[] pooled = _pooled;
        return (uint)index < (uint)pooled.Length ? pooled[index] : new T();
    }

    /// <summary>
    /// Makes every object taken so far available again: only once nothing reads or writes them (the block is done),
    /// and from one thread.
    /// </summary>
    /// <param name="release">
    /// Called on each object taken, to let go of what it points at: a kept object is old, and what it still held
    /// would be kept alive by it into the next block and promoted (the block's results, for a record).
    /// </param>
    public void Reset(Action<T>? release = null)
    {
        if (release is not null)
        {
            int taken = Math.Min(_claimed, _pooled.Length);
            for (int i = 0; i < taken; i++)
            {
                release(_pooled[i]);
            }
        }

        // A run a thread claimed and did not use up is counted too: a few tens of objects a thread.
        int wanted = Math.Min(_claimed, maximum);
        if (wanted > _pooled.Length)
        {
            // The objects allocated beyond the pool are not known here (they are still the finished block's): new
            // ones are made once, and the next block of this size takes them.
            int had = _pooled.Length;
            Array.Resize(ref _pooled, wanted);
            for (int i = had; i < wanted; i++)
            {
                _pooled[i] = new T();
            }
        }

        _claimed = 0;
        // The threads' claimed runs were this block's: their next take claims anew.
        _generation++;
    }
}

/// <summary>
/// Each thread's claimed runs of <see cref="ObjectArena{T}"/>s, one per type of object (a thread takes from the arenas
/// of several types in turn, each in runs of its own): in a non-generic class, whose thread static the JIT reads inline.
/// </summary>
internal static class ObjectArenaRuns
{
    // Runs left unused at both ends of a thread's array: the arrays of two threads, neighbours in the heap once the
    // collector has compacted them, then share no cache line (each take writes its run).
    private const int Padding = 4;

    private static int s_kinds;

    [ThreadStatic]
    private static Run[]? t_runs;

    /// <summary>A run's index for one more type of object.</summary>
    public static int NewKind() => Interlocked.Increment(ref s_kinds) - 1;

    /// <summary>The calling thread's run of the type <paramref name="kind"/>.</summary>
    public static ref Run Of(int kind)
    {
        Run[]? runs = t_runs;
        if (runs is null || (uint)(Padding + kind) >= (uint)(runs.Length - Padding))
        {
            runs = Grow(kind);
        }

        return ref runs[Padding + kind];
    }

    private static Run[] Grow(int kind)
    {
        Run[] runs = t_runs ?? [];
        Array.Resize(ref runs, Padding + Math.Max(kind + 1, 8) + Padding);
        t_runs = runs;
        return runs;
    }

    /// <summary>A thread's claimed run: of which arena, in which of its blocks, up to where.</summary>
    public struct Run
    {
        public object? Arena;
        public int Generation;
        public int Next;
        public int End;
    }
}
