using System.Globalization;
using System.Text.Json.Nodes;
using Hyperion.Evm;

namespace Hyperion.Rpc;

/// <summary>
/// Bounds on the methods that run the EVM (eth_call, eth_estimateGas, eth_createAccessList, debug_trace*): each run
/// is aborted after <see cref="EvmTimeout"/> (geth's --rpc.evmtimeout), at most <see cref="MaxConcurrentExecutions"/>
/// run at once, each on its request's thread (the thread pool keeps that many threads in reserve, so cheap methods are
/// answered meanwhile), and one batch may spend at most <see cref="BatchExecutionBudget"/> of EVM time in total.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "SemaphoreSlim holds no handle unless AvailableWaitHandle is read, which it never is; the limits live as long as the node.")]
public sealed class RpcExecutionLimits
{
    /// <summary>geth's default --rpc.evmtimeout.</summary>
    public static readonly TimeSpan DefaultEvmTimeout = TimeSpan.FromSeconds(5);

    public static readonly TimeSpan DefaultBatchExecutionBudget = TimeSpan.FromSeconds(10);

    private static readonly AsyncLocal<BatchBudget?> CurrentBatch = new();

    private readonly SemaphoreSlim _slots;

    public RpcExecutionLimits(TimeSpan evmTimeout, int maxConcurrentExecutions, TimeSpan batchExecutionBudget)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(evmTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxConcurrentExecutions, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchExecutionBudget, TimeSpan.Zero);
        EvmTimeout = evmTimeout;
        MaxConcurrentExecutions = maxConcurrentExecutions;
        BatchExecutionBudget = batchExecutionBudget;
        _slots = new SemaphoreSlim(maxConcurrentExecutions, maxConcurrentExecutions);
        ReserveThreads(maxConcurrentExecutions);
    }

    public RpcExecutionLimits() : this(DefaultEvmTimeout, DefaultMaxConcurrentExecutions, DefaultBatchExecutionBudget) { }

    /// <summary>One per core, at least two: more would only share the cores, and the rest of the RPC keeps the pool.</summary>
    public static int DefaultMaxConcurrentExecutions => Math.Max(2, Environment.ProcessorCount);

    /// <summary>Longest one EVM method may run; zero for no limit.</summary>
    public TimeSpan EvmTimeout { get; }

    public int MaxConcurrentExecutions { get; }

    /// <summary>Most EVM time all entries of one batch may use together; zero for no limit.</summary>
    public TimeSpan BatchExecutionBudget { get; }

    /// <summary>Opens the budget of a batch for the current async flow (the dispatcher, for the batch's entries).</summary>
    internal void BeginBatch() => CurrentBatch.Value = BatchExecutionBudget > TimeSpan.Zero ? new BatchBudget(BatchExecutionBudget) : null;

    /// <summary>
    /// Runs <paramref name="work"/> (which runs the EVM) on the calling thread once a slot is free, aborting its EVM
    /// runs at the time limit (the smaller of <see cref="EvmTimeout"/> and what the batch has left). The request's
    /// own thread, not a hand-off to a thread of the limits' own: the two wake-ups of a hand-off cost more than a
    /// short eth_call itself on a busy machine; the slots bound how many pool threads it holds (see
    /// <see cref="ReserveThreads"/>), and the interpreter's checks of <see cref="EvmAbort"/> stop it at the limit.
    /// </summary>
    /// <exception cref="RpcException">The time limit or the batch's budget was reached.</exception>
    internal ValueTask<JsonNode?> RunAsync(Func<JsonNode?> work, CancellationToken requestAborted)
    {
        BatchBudget? batch = CurrentBatch.Value;
        TimeSpan limit = EvmTimeout;
        bool batchBound = false;
        if (batch is not null)
        {
            TimeSpan left = batch.Left;
            if (left <= TimeSpan.Zero)
            {
                throw batch.Exhausted();
            }

            if (limit == TimeSpan.Zero || left < limit)
            {
                (limit, batchBound) = (left, true);
            }
        }

        return _slots.Wait(0, CancellationToken.None)
            ? new ValueTask<JsonNode?>(RunInSlot(work, limit, batch, batchBound, requestAborted))
            : WaitForSlotAsync(work, limit, batch, batchBound, requestAborted);
    }

    private async ValueTask<JsonNode?> WaitForSlotAsync(Func<JsonNode?> work, TimeSpan limit, BatchBudget? batch, bool batchBound, CancellationToken requestAborted)
    {
        await _slots.WaitAsync(requestAborted).ConfigureAwait(false);
        return RunInSlot(work, limit, batch, batchBound, requestAborted);
    }

    /// <summary>
    /// EVM time a call tried on the thread that read its request (<see cref="TryRunInline"/>) may take before it is
    /// abandoned: that thread may be the socket engine's, serving every other connection meanwhile.
    /// </summary>
    public TimeSpan InlineBudget { get; init; } = DefaultInlineBudget;

    /// <summary>
    /// Two milliseconds: the timer counts whole milliseconds, so a budget of one fired anywhere from 0 to 1 ms into a
    /// call and abandoned short calls at random (in a trial, 0.4 ms calls mostly ended on the pool); two give every
    /// call at least one millisecond, many times the ~50 µs the hand-off costs.
    /// </summary>
    public static readonly TimeSpan DefaultInlineBudget = TimeSpan.FromMilliseconds(2);

    /// <summary>
    /// Runs <paramref name="work"/> (which runs the EVM and must have no effect but its result) on the calling thread
    /// when a slot is free at once, with <see cref="InlineBudget"/> as its time limit. A run that reaches the budget
    /// is abandoned (<see cref="InlineRun.OverBudget"/>) for the caller to run again in full elsewhere
    /// (<see cref="RunAsync"/>); so no result, error or timeout differs from a run on the pool, only where it ran.
    /// </summary>
    internal InlineRun TryRunInline(Func<JsonNode?> work, CancellationToken requestAborted, out JsonNode? result)
    {
        result = null;
        bool fitsTimeout = EvmTimeout == TimeSpan.Zero || EvmTimeout > InlineBudget;
        if (InlineBudget <= TimeSpan.Zero || !fitsTimeout || CurrentBatch.Value is not null || !_slots.Wait(0, CancellationToken.None))
        {
            return InlineRun.Busy;
        }

        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        return !TryRunInSlot(work, InlineBudget, null, false, abandonAtLimit: true, requestAborted, out result) ? InlineRun.OverBudget
            : System.Diagnostics.Stopwatch.GetElapsedTime(started) < InlineBudget / 2 ? InlineRun.Finished
            : InlineRun.FinishedLate;
    }

    /// <summary>Runs <paramref name="work"/> in the slot the caller holds, then releases it.</summary>
    private JsonNode? RunInSlot(Func<JsonNode?> work, TimeSpan limit, BatchBudget? batch, bool batchBound, CancellationToken requestAborted)
    {
        TryRunInSlot(work, limit, batch, batchBound, abandonAtLimit: false, requestAborted, out JsonNode? result);
        return result;
    }

    /// <summary>
    /// Runs <paramref name="work"/> in the slot the caller holds, then releases it; at the limit it throws the timeout
    /// (or the batch's exhaustion), or, with <paramref name="abandonAtLimit"/>, returns false with no result.
    /// </summary>
    private bool TryRunInSlot(Func<JsonNode?> work, TimeSpan limit, BatchBudget? batch, bool batchBound, bool abandonAtLimit, CancellationToken requestAborted, out JsonNode? result)
    {
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        // One token for the EVM to watch, cancelled at the limit or when the client goes away; the thread's last one
        // is reused when it was not cancelled (a source, its timer and a linked source each call cost more than a
        // small call's EVM work).
        CancellationTokenSource abort = t_abort ?? new CancellationTokenSource();
        t_abort = null;
        CancellationTokenRegistration clientGone = requestAborted.UnsafeRegister(static source => ((CancellationTokenSource)source!).Cancel(), abort);
        try
        {
            if (limit > TimeSpan.Zero)
            {
                abort.CancelAfter(limit);
            }

            try
            {
                using (EvmAbort.Open(abort.Token))
                {
                    result = work();
                }

                // A parent frame may end normally after an aborted child: the result is not the call's.
                abort.Token.ThrowIfCancellationRequested();
                return true;
            }
            catch (Exception) when (abort.IsCancellationRequested && !requestAborted.IsCancellationRequested)
            {
                result = null;
                return abandonAtLimit ? false : throw (batchBound ? batch!.Exhausted() : TimedOut(limit));
            }
        }
        finally
        {
            clientGone.Dispose();
            TimeSpan elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(started);
            // Well before the limit its timer cannot be firing, so a reset source cannot be cancelled late by it.
            if ((limit == TimeSpan.Zero || elapsed < limit / 2) && abort.TryReset())
            {
                t_abort = abort;
            }
            else
            {
                abort.Dispose();
            }

            batch?.Spend(elapsed);
            _slots.Release();
        }
    }

    /// <summary>The abort source of this thread's last call, uncancelled and reset (see <see cref="RunInSlot"/>).</summary>
    [ThreadStatic]
    private static CancellationTokenSource? t_abort;

    /// <summary>
    /// Raises the thread pool's minimum by this instance's slots: each slot may hold a pool thread for up to the
    /// timeout, and without the reserve a pool whose threads are all held adds one only every half second or so (its
    /// starvation rule), so cheap methods would wait behind EVM calls. Process-wide and additive, because every
    /// instance (several nodes in one process, as in tests) can hold its slots' threads at the same time; capped so a
    /// process that creates many instances does not raise it without bound.
    /// </summary>
    private static void ReserveThreads(int slots)
    {
        lock (ReservedLock)
        {
            int add = Math.Min(slots, MaxReservedThreads - s_reservedThreads);
            if (add <= 0)
            {
                return;
            }

            ThreadPool.GetMinThreads(out int workers, out int completionPorts);
            ThreadPool.SetMinThreads(workers + add, completionPorts);
            s_reservedThreads += add;
        }
    }

    private const int MaxReservedThreads = 256;
    private static readonly Lock ReservedLock = new();
    private static int s_reservedThreads;

    /// <summary>geth's words for the same limit.</summary>
    private static RpcException TimedOut(TimeSpan limit) => new($"execution aborted (timeout = {GoDuration(limit)})");

    /// <summary>A duration below a minute written as Go prints it, in whole seconds or milliseconds ("5s", "250ms").</summary>
    public static string GoDuration(TimeSpan duration) =>
        duration.Ticks % TimeSpan.TicksPerSecond == 0
            ? ((long)duration.TotalSeconds).ToString(CultureInfo.InvariantCulture) + "s"
            : ((long)duration.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + "ms";

    /// <summary>EVM time left to one batch; its entries run one after another.</summary>
    private sealed class BatchBudget(TimeSpan total)
    {
        private long _spentTicks;

        public TimeSpan Left => total - TimeSpan.FromTicks(Interlocked.Read(ref _spentTicks));

        public void Spend(TimeSpan elapsed) => Interlocked.Add(ref _spentTicks, elapsed.Ticks);

        public RpcException Exhausted() =>
            new(RpcErrorCodes.LimitExceeded, $"batch execution budget exceeded: the batch's EVM calls may run {GoDuration(total)} in total (--rpc-batch-evm-budget)");
    }
}

/// <summary>How <see cref="RpcExecutionLimits.TryRunInline"/> went.</summary>
internal enum InlineRun
{
    /// <summary>Ran to its end (or its error) within half the budget: the result is the call's.</summary>
    Finished,
    /// <summary>
    /// Ran to its end within the budget but past its half: the result is the call's, but calls like it are as likely
    /// to reach the budget (the timer fires 1–2 ms in) as to finish, and gain little from the saved hand-off.
    /// </summary>
    FinishedLate,
    /// <summary>Not tried: no free slot, a batch, or a time limit no longer than the budget.</summary>
    Busy,
    /// <summary>Reached the budget and was abandoned: it has to run again in full.</summary>
    OverBudget,
}
