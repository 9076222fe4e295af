namespace Hyperion.Execution.Parallel;

/// <summary>
/// Picks, per block, whichever of the sequential executor and Block-STM has been faster on recent blocks: both give
/// the same results, so the choice only moves time, never the outcome (it may use the clock). Each keeps a moving
/// average of wall time per unit of gas; a block is run on the executor with the lower average, and every
/// <see cref="ExploreEvery"/>th block on the other one, so a change in load or workload is noticed.
/// </summary>
internal sealed class MeasuredExecutorChoice
{
    /// <summary>One block in this many runs on the executor that is not currently the faster.</summary>
    public const int ExploreEvery = 16;

    private readonly Lock _lock = new();

    // Ticks per million gas, 0 until measured; a moving average with weight 1/4 for the newest block.
    private long _sequentialCost;
    private long _parallelCost;
    private long _blocks;

    /// <summary>Whether the next block should run on Block-STM.</summary>
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
            return _blocks % ExploreEvery == 0 ? !parallelFaster : parallelFaster;
        }
    }

    /// <summary>Records that a block of <paramref name="gasUsed"/> took <paramref name="elapsedTicks"/> (Stopwatch ticks) on the chosen executor.</summary>
    public void Record(bool parallel, long elapsedTicks, ulong gasUsed)
    {
        UInt128 scaled = (UInt128)(ulong)Math.Max(0, elapsedTicks) * 1_000_000UL / Math.Max(gasUsed, 1);
        long cost = (long)UInt128.Clamp(scaled, 1, long.MaxValue / 2);
        lock (_lock)
        {
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
