namespace Hyperion.Execution.Parallel;

/// <summary>
/// Remembers the blocks Block-STM stopped as dependency chains, so that the next blocks go to the sequential executor
/// without Block-STM's start (the helpers' wake-up, the multi-version memory, the sample of transactions a chain is
/// judged by, a redo of the block): consecutive blocks tend to be alike. After a chain, the next block runs
/// sequentially; after each further chain in a row, twice as many, up to <see cref="MaxSkipped"/>; a block Block-STM
/// completes without stopping ends the run of chains. Both executors give the same results, so this only moves time.
/// </summary>
internal sealed class ChainBackoff
{
    /// <summary>The most blocks run sequentially after a chain before Block-STM tries again.</summary>
    public const int MaxSkipped = 8;

    private readonly Lock _lock = new();
    private int _skipNext;
    private int _lastSkip;

    /// <summary>Whether the next block should try Block-STM (false: it runs sequentially, one of the blocks after a chain).</summary>
    public bool TryParallel()
    {
        lock (_lock)
        {
            if (_skipNext == 0)
            {
                return true;
            }

            _skipNext--;
            return false;
        }
    }

    /// <summary>Records how a block Block-STM ran ended: stopped as a dependency chain, or completed.</summary>
    public void Record(bool stoppedForChain)
    {
        lock (_lock)
        {
            _lastSkip = stoppedForChain ? Math.Min(Math.Max(1, _lastSkip * 2), MaxSkipped) : 0;
            _skipNext = _lastSkip;
        }
    }
}
