using System.Globalization;
using System.Text.Json.Nodes;
using Hyperion.Evm;

namespace Hyperion.Rpc;

/// <summary>
/// Bounds on the methods that run the EVM (eth_call, eth_estimateGas, eth_createAccessList, debug_trace*): each run
/// is aborted after <see cref="EvmTimeout"/> (geth's --rpc.evmtimeout), at most <see cref="MaxConcurrentExecutions"/>
/// run at once on a fixed set of long-lived threads of their own (so cheap methods are answered from the thread pool meanwhile), and one batch
/// may spend at most <see cref="BatchExecutionBudget"/> of EVM time in total.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "SemaphoreSlim holds no handle unless AvailableWaitHandle is read, which it never is; the limits live as long as the node.")]
public sealed class RpcExecutionLimits
{
    /// <summary>geth's default --rpc.evmtimeout.</summary>
    public static readonly TimeSpan DefaultEvmTimeout = TimeSpan.FromSeconds(5);

    public static readonly TimeSpan DefaultBatchExecutionBudget = TimeSpan.FromSeconds(10);

    private static readonly AsyncLocal<BatchBudget?> CurrentBatch = new();

    private readonly SemaphoreSlim _slots;

    private readonly ExecutionThreads _workers;

    public RpcExecutionLimits(TimeSpan evmTimeout, int maxConcurrentExecutions, TimeSpan batchExecutionBudget)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(evmTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxConcurrentExecutions, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchExecutionBudget, TimeSpan.Zero);
        EvmTimeout = evmTimeout;
        MaxConcurrentExecutions = maxConcurrentExecutions;
        BatchExecutionBudget = batchExecutionBudget;
        _slots = new SemaphoreSlim(maxConcurrentExecutions, maxConcurrentExecutions);
        _workers = new ExecutionThreads(maxConcurrentExecutions);
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
    /// Runs <paramref name="work"/> (which runs the EVM) on one of the execution threads once a slot is free, aborting its EVM
    /// runs at the time limit (the smaller of <see cref="EvmTimeout"/> and what the batch has left).
    /// </summary>
    /// <exception cref="RpcException">The time limit or the batch's budget was reached.</exception>
    internal async ValueTask<JsonNode?> RunAsync(Func<JsonNode?> work, CancellationToken requestAborted)
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

        await _slots.WaitAsync(requestAborted).ConfigureAwait(false);
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            using var timeout = new CancellationTokenSource();
            using var abort = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, requestAborted);
            if (limit > TimeSpan.Zero)
            {
                timeout.CancelAfter(limit);
            }

            return await _workers.Run(() =>
            {
                try
                {
                    JsonNode? result;
                    using (EvmAbort.Open(abort.Token))
                    {
                        result = work();
                    }

                    // A parent frame may end normally after an aborted child: the result is not the call's.
                    abort.Token.ThrowIfCancellationRequested();
                    return result;
                }
                catch (Exception) when (timeout.IsCancellationRequested)
                {
                    throw batchBound ? batch!.Exhausted() : TimedOut(limit);
                }
            }).ConfigureAwait(false);
        }
        finally
        {
            batch?.Spend(System.Diagnostics.Stopwatch.GetElapsedTime(started));
            _slots.Release();
        }
    }

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

    /// <summary>
    /// The threads EVM methods run on: at most one per slot, kept while calls keep coming and ended after
    /// <see cref="IdleTimeout"/> without one (so a node that is gone, or idle, holds none). A new thread per call (what
    /// a LongRunning task is) cost more than a short eth_call itself; the thread pool is not used so that a slow call
    /// never holds a thread the cheap methods need. The slots bound the work queued here to the thread count.
    /// </summary>
    private sealed class ExecutionThreads(int count)
    {
        private static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(30);

        private readonly System.Collections.Concurrent.BlockingCollection<WorkItem> _queue = [];
        private int _live;

        public Task<JsonNode?> Run(Func<JsonNode?> work)
        {
            var item = new WorkItem(work, ExecutionContext.Capture());
            _queue.Add(item);
            lock (_queue)
            {
                // Checked after adding: a thread that ends does so only with the queue empty (see Serve).
                if (_live < count)
                {
                    _live++;
                    new Thread(Serve) { IsBackground = true, Name = "rpc-evm" }.Start();
                }
            }

            return item.Completion.Task;
        }

        private void Serve()
        {
            while (true)
            {
                if (_queue.TryTake(out WorkItem? item, IdleTimeout))
                {
                    item.Execute();
                    continue;
                }

                lock (_queue)
                {
                    if (_queue.Count == 0)
                    {
                        _live--;
                        return;
                    }
                }
            }
        }
    }

    private sealed class WorkItem(Func<JsonNode?> work, ExecutionContext? context)
    {
        // Continuations (the rest of the request, up to its first wait for I/O) run on this thread, as they did on a
        // task's: handing them to the pool costs a wake-up per call, which on a busy machine is the larger cost.
        public TaskCompletionSource<JsonNode?> Completion { get; } = new();

        public void Execute()
        {
            if (context is null)
            {
                Complete();
            }
            else
            {
                // The request's async-locals (logging scopes, tracing) flow to the run as they did to a task's.
                ExecutionContext.Run(context, static state => ((WorkItem)state!).Complete(), this);
            }
        }

        private void Complete()
        {
            try
            {
                Completion.SetResult(work());
            }
            catch (Exception ex)
            {
                Completion.SetException(ex);
            }
        }
    }
}
