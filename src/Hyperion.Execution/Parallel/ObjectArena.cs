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
    private T[] _pooled = [];
    private int _taken;

    /// <summary>Objects taken since the last <see cref="Reset"/> (including those allocated beyond the pool).</summary>
    public int Taken => Volatile.Read(ref _taken);

    /// <summary>An object, pooled or new, as its previous taker left it; safe from any thread.</summary>
    public T Take()
    {
        int index = Interlocked.Increment(ref _taken) - 1;
        T[] pooled = _pooled;
        return (uint)index < (uint)pooled.Length ? pooled[index] : new T();
    }

    /// <summary>
    /// Makes every object taken so far available again: only once nothing reads or writes them (the block is done),
    /// and from one thread.
    /// </summary>
    public void Reset()
    {
        int wanted = Math.Min(_taken, maximum);
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

        _taken = 0;
    }
}
