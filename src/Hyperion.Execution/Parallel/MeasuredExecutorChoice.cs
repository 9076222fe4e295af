namespace Hyperion.Execution.Parallel;

/// <summary>
/// Picks, per block, whichever of the sequential executor and the parallel paths has been faster on recent blocks: both
/// give the same results, so the choice only moves time, never the outcome (it may use the clock). Each keeps a moving
/// average of wall time per unit of gas; a block is run on the executor with the lower average, and every
/// <see cref="ExploreEvery"/> blocks <see cref="ExploreRun"/> in a row on the other one, so a change in load or workload
/// is noticed. A block run right after the other executor ran is not averaged: it pays for caches and pools the other
/// one left cold (Block-STM's first block after sequential ones is ~15 % slower than the next), which is not what a run
/// of blocks on it would cost.
/// </summary>
internal sealed class MeasuredExecutorChoice
{
    /// <summary>The period, in blocks, of the runs on the executor that is not currently the faster.</summary>
    public const int ExploreEvery = 16;

    /// <summary>Blocks in a row the slower executor runs when explored: the first is cold and not averaged.</summary>
    public const int ExploreRun = 2;

    private readonly Lock _lock = new();

    // Ticks per million gas, 0 until measured; a moving average with weight 1/4 for the newest block.
    private long _sequentialCost;
    private long _parallelCost;
    private long _blocks;

    // What the last block recorded ran (null before the first): a block on the other executor is cold.
    private bool? _lastParallel;

    /// <summary>Whether the next block should run on the parallel paths.</summary>
    public bool ChooseParallel()
    {
        lock (_lock)
        {
            _blocks++;
            if (_parallelCost == 0)
            {
                return true;
            }

            if (_sequentialCost == 0)
            {
                return false;
            }

            bool parallelFaster = _parallelCost < _sequentialCost;
            return _blocks % ExploreEvery < ExploreRun ? !parallelFaster : parallelFaster;
        }
    }

    /// <summary>
    /// Records that a block of <paramref name="gasUsed"/> took <paramref name="elapsedTicks"/> (Stopwatch ticks) on the
    /// executor it ran on; averaged unless the block before ran on the other one.
    /// </summary>
    public void Record(bool parallel, long elapsedTicks, ulong gasUsed)
    {
        UInt128 scaled = (UInt128)(ulong)Math.Max(0, elapsedTicks) * 1_000_000UL / Math.Max(gasUsed, 1);
        long cost = (long)UInt128.Clamp(scaled, 1, long.MaxValue / 2);
        lock (_lock)
        {
            bool warm = _lastParallel == parallel;
            _lastParallel = parallel;
            if (!warm)
            {
                return;
            }

            ref long average = ref parallel ? ref _parallelCost : ref _sequentialCost;
            average = average == 0 ? cost : average - average / 4 + cost / 4;
        }
    }

    /// <summary>The averages (ticks per million gas; 0 until measured), for tests and diagnostics.</summary>
    public (long Sequential, long Parallel) Costs
    {
        get
        {
            lock (_lock)
            {
                return (_sequentialCost, _parallelCost);
            }
        }
    }
}
