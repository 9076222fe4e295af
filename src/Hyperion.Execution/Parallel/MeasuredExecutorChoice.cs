namespace Hyperion.Execution.Parallel;

/// <summary>
/// Picks, per block, the sequential executor or the parallel paths (contiguous chunks, Block-STM), whichever has been
/// faster on recent blocks: both give the same results, so the choice only moves time, never the outcome (it may use
/// the clock). The cost of a block is its wall time per unit of gas.
/// </summary>
/// <remarks>
/// <para>What a block costs depends on what ran before it: the first parallel block after sequential ones pays for a
/// parked helper and caches the other side left cold (10–15 % on this machine's benchmark blocks, at times more than
/// half), the first sequential one after parallel ones a little. So only <em>warm</em> blocks (after a block on the same
/// side) are measured, and each side's figure is a low order statistic of its last <see cref="Window"/> warm blocks
/// (the second lowest of four), which one slow block (a collection, a moment of the host's) does not move.</para>
/// <para>The other side is explored in a burst: a cold block, then up to <see cref="ExploreWarmBlocks"/> warm ones,
/// cut short when a block shows it is clearly slower. It is preferred when its warm blocks beat the preferred side by
/// more than a small margin, and the switch is undone as soon as the new side's own window is worse than the figure
/// the side it left still holds (an exploration's two blocks may be a moment of the host's). How often it is explored follows what the last exploration found: after a switch every
/// <see cref="MinExploreInterval"/> blocks, doubling while the preferred side stays ahead (×4 when the other side was
/// clearly slower) up to <see cref="MaxExploreInterval"/>; sooner (after
/// <see cref="MinExploreInterval"/>) when the preferred side's own figure moved by a quarter, a change of workload or
/// load.</para>
/// <para>Deterministic given the times, allocation-free; <see cref="ChooseParallel"/> and <see cref="Record"/> are
/// called in pairs per block, but a block whose execution threw (no <see cref="Record"/>) leaves it consistent.</para>
/// </remarks>
internal sealed class MeasuredExecutorChoice
{
    /// <summary>Warm blocks per side the figure is taken from.</summary>
    public const int Window = 4;

    /// <summary>Warm blocks a side needs for a figure the choice acts on.</summary>
    private const int FigureBlocks = 2;

    /// <summary>Warm blocks of the other side an exploration runs at most, after its cold first block.</summary>
    public const int ExploreWarmBlocks = 2;

    /// <summary>Blocks on the preferred side between explorations right after a switch, and at least before one a drift starts.</summary>
    public const int MinExploreInterval = 16;

    /// <summary>Blocks on the preferred side between explorations at most.</summary>
    public const int MaxExploreInterval = 128;

    private readonly Lock _lock = new();
    private readonly CostWindow _sequential = new();
    private readonly CostWindow _parallel = new();

    // The side run outside explorations; the parallel paths until measured otherwise.
    private bool _preferParallel = true;

    // The side of the last recorded block (null before the first): a block on the other side is cold, not measured.
    private bool? _lastParallel;

    // An exploration: on from its first block until the choice after its last decides; the blocks it still runs.
    private bool _exploring;
    private int _burstLeft;

    private int _interval = MinExploreInterval;

    // Blocks chosen on the preferred side since the last decision; the first exploration starts as soon as the
    // preferred side has a figure.
    private int _sinceDecision = MaxExploreInterval;

    // The preferred side's figure once its window holds only blocks after the last decision (0 before): a drift from it
    // by a quarter is a change of workload or load.
    private long _reference;
    private int _warmSinceDecision;

    // Blocks chosen on the preferred side since it last measured a warm one.
    private int _unmeasuredChoices;

    // The last decision switched on an exploration's blocks: checked once the new side has a full window.
    private bool _checkSwitch;

    /// <summary>Whether the next block should run on the parallel paths.</summary>
    public bool ChooseParallel()
    {
        lock (_lock)
        {
            if (_burstLeft > 0)
            {
                _burstLeft--;
                return !_preferParallel;
            }

            if (_exploring)
            {
                Decide();
            }

            if (_unmeasuredChoices >= Window && Side(!_preferParallel).Count >= FigureBlocks)
            {
                // The blocks chosen on the preferred side ran on the other (the executor's chain backoff sends blocks
                // chosen parallel to the sequential executor), so the preferred side's figure is not what they cost.
                Switch();
            }

            CostWindow preferred = Side(_preferParallel);

            if (preferred.Count >= FigureBlocks && (_sinceDecision >= _interval || (_sinceDecision >= MinExploreInterval && Drifted(preferred.Figure))))
            {
                // This block is the exploration's cold first; the other side's older blocks are not its cost now.
                _exploring = true;
                _burstLeft = ExploreWarmBlocks;
                Side(!_preferParallel).Clear();
                return !_preferParallel;
            }

            _sinceDecision = Math.Min(_sinceDecision + 1, MaxExploreInterval);
            _unmeasuredChoices++;
            return _preferParallel;
        }
    }

    /// <summary>Records that a block of <paramref name="gasUsed"/> took <paramref name="elapsedTicks"/> (Stopwatch ticks) on the side it ran on.</summary>
    public void Record(bool parallel, long elapsedTicks, ulong gasUsed)
    {
        UInt128 scaled = (UInt128)(ulong)Math.Max(0, elapsedTicks) * 1_000_000UL / Math.Max(gasUsed, 1);
        long cost = (long)UInt128.Clamp(scaled, 1, long.MaxValue / 2);
        lock (_lock)
        {
            bool warm = _lastParallel == parallel;
            _lastParallel = parallel;
            if (_exploring && parallel != _preferParallel)
            {
                // Costs are at most long.MaxValue / 2, so the doubled figure does not overflow.
                long preferred = Side(_preferParallel).Figure;
                if (!warm)
                {
                    // Cold blocks are not measured, but one twice the preferred side's cost is not worth warming up:
                    // it ends the exploration as the side's figure.
                    if (cost > 2 * preferred)
                    {
                        Side(parallel).Add(cost);
                        _burstLeft = 0;
                    }

                    return;
                }

                Side(parallel).Add(cost);
                if (cost >= preferred + (preferred / 8))
                {
                    _burstLeft = 0;
                }

                return;
            }

            // The preferred side, or the other one run for a reason of the executor's own (the chain backoff).
            if (warm)
            {
                Side(parallel).Add(cost);
                if (parallel == _preferParallel)
                {
                    _unmeasuredChoices = 0;
                    if (++_warmSinceDecision == Window)
                    {
                        _reference = Side(parallel).Figure;
                        CheckSwitch();
                    }
                }
            }
        }
    }

    /// <summary>Each side's figure (ticks per million gas of its warm blocks; 0 until measured), for tests and diagnostics.</summary>
    public (long Sequential, long Parallel) Costs
    {
        get
        {
            lock (_lock)
            {
                return (_sequential.Figure, _parallel.Figure);
            }
        }
    }

    private CostWindow Side(bool parallel) => parallel ? _parallel : _sequential;

    private bool Drifted(long figure) => _reference != 0 && (figure > _reference + (_reference / 4) || figure < _reference - (_reference / 5));

    // The end of an exploration: switch when the other side's warm blocks beat the preferred side by more than 1/32 (a
    // switch costs a cold block), and set when to explore next.
    private void Decide()
    {
        _exploring = false;
        CostWindow preferred = Side(_preferParallel);
        CostWindow other = Side(!_preferParallel);
        long preferredFigure = preferred.Figure;
        if (other.Count > 0 && other.Figure < preferredFigure - (preferredFigure / 32))
        {
            Switch();
            _checkSwitch = true;
            return;
        }

        bool clearlySlower = other.Count > 0 && other.Figure >= preferredFigure + (preferredFigure / 8);
        _interval = Math.Min((clearlySlower ? 4 : 2) * _interval, MaxExploreInterval);
        Restart();
    }

    // A switch made on an exploration's few blocks is checked once the new side has a full window: the side left
    // still holds its last warm blocks, and when they beat the new side's, the exploration was a moment of the host's.
    private void CheckSwitch()
    {
        CostWindow left = Side(!_preferParallel);
        bool mistaken = _checkSwitch && left.Count >= FigureBlocks && left.Figure < _reference - (_reference / 32);
        _checkSwitch = false;
        if (mistaken)
        {
            _preferParallel = !_preferParallel;
            _interval = 2 * MinExploreInterval;
            Restart();
        }
    }

    private void Switch()
    {
        _preferParallel = !_preferParallel;
        _interval = MinExploreInterval;
        _unmeasuredChoices = 0;
        Restart();
    }

    // A decision was made: the interval and the drift's reference count from here.
    private void Restart()
    {
        _sinceDecision = 0;
        _reference = 0;
        _warmSinceDecision = 0;
    }

    /// <summary>A side's last <see cref="Window"/> warm blocks' costs; its figure is the lower median (the second lowest of four).</summary>
    private sealed class CostWindow
    {
        private readonly long[] _costs = new long[Window];
        private int _next;

        public int Count { get; private set; }

        public long Figure
        {
            get
            {
                if (Count == 0)
                {
                    return 0;
                }

                Span<long> sorted = stackalloc long[Window];
                sorted = sorted[..Count];
                _costs.AsSpan(0, Count).CopyTo(sorted);
                sorted.Sort();
                return sorted[(Count - 1) / 2];
            }
        }

        public void Add(long cost)
        {
            _costs[_next] = cost;
            _next = (_next + 1) % Window;
            Count = Math.Min(Count + 1, Window);
        }

        public void Clear()
        {
            _next = 0;
            Count = 0;
        }
    }
}
