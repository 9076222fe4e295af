using Hyperion.Trie;

namespace Hyperion.Execution.Parallel;

/// <summary>
/// Items split into chunks that threads claim one at a time, each a pure function of what the block recorded,
/// written where only the caller reads it once it is done. The caller does not wait for a chunk another thread
/// claimed: once none is left to claim it does the unfinished ones itself (<see cref="Finish"/>), so a helper
/// that lost its core while holding one (on a loaded machine, for milliseconds) does not hold the block's end.
/// Both write the same values (a chunk done twice costs its time, not its result).
/// </summary>
internal sealed class ClaimedChunks
{
    /// <summary>
    /// Leaves (receipts or transactions) one thread hashes at a time in a block's end: one call of
    /// <see cref="Hyperion.Core.Crypto.Keccak256Batch"/> (the trie hashes up to 64 leaves per call, 8 lanes refilled
    /// as their leaves finish: lanes idle only in a call's last few permutations).
    /// </summary>
    internal const int LeavesPerChunk = 64;

    private readonly int _from;
    private readonly int _count;
    private readonly int _chunks;
    private readonly int[] _done;
    private readonly Action<int, int> _work;
    private int _next = -1;

    /// <param name="count">The items.</param>
    /// <param name="work">Does the items from the first index up to the second.</param>
    /// <param name="from">The first item to do (those before it were done already).</param>
    public ClaimedChunks(int count, Action<int, int> work, int from = 0)
    {
        _from = from;
        _count = count;
        _chunks = (count - from + LeavesPerChunk - 1) / LeavesPerChunk;
        _done = new int[_chunks];
        _work = work;
    }

    /// <summary>Does chunks until none is left to claim.</summary>
    public void Take()
    {
        while (TakeOne())
        {
        }
    }

    /// <summary>Does one chunk; false when none was left to claim.</summary>
    public bool TakeOne()
    {
        int chunk = Interlocked.Increment(ref _next);
        if (chunk >= _chunks)
        {
            return false;
        }

        Do(chunk);
        return true;
    }

    /// <summary>After <see cref="Take"/>: does every chunk not done yet (claimed by a thread that has not finished it).</summary>
    public void Finish()
    {
        for (int chunk = 0; chunk < _chunks; chunk++)
        {
            if (Volatile.Read(ref _done[chunk]) == 0)
            {
                Do(chunk);
            }
        }
    }

    private void Do(int chunk)
    {
        _work(_from + chunk * LeavesPerChunk, Math.Min(_count, _from + (chunk + 1) * LeavesPerChunk));

        // Released after the chunk's writes: the caller that reads the flag set reads what they wrote.
        Volatile.Write(ref _done[chunk], 1);
    }
}

/// <summary>A list trie's leaves, hashed in chunks by whichever threads take them (a trie of none: nothing to take).</summary>
internal sealed class LeafChunks
{
    private readonly ClaimedChunks _chunks;

    /// <param name="fromLeaf">The first leaf to take (those before it were hashed already).</param>
    public LeafChunks(ListTrie? trie, int fromLeaf = 0)
    {
        Trie = trie;
        _chunks = new ClaimedChunks(trie?.LeafCount ?? 0, (from, to) => trie!.HashLeaves(from, to), fromLeaf);
    }

    public ListTrie? Trie { get; }

    /// <summary>Hashes chunks until none is left.</summary>
    public void Take() => _chunks.Take();

    /// <summary>Hashes one chunk; false when none was left. (Nothing to finish: the root hashes a leaf no thread hashed.)</summary>
    public bool TakeOne() => _chunks.TakeOne();
}
