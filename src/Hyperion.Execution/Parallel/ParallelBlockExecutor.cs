using System.Runtime.ExceptionServices;
using Hyperion.Core;
using Hyperion.Core.Blocks;
using Hyperion.Core.Transactions;
using Hyperion.Evm;
using Hyperion.Evm.Precompiles;
using Hyperion.Evm.Tracing;
using Hyperion.Execution.Blocks;
using Hyperion.Execution.Specs;
using Hyperion.Execution.Transactions;
using Hyperion.State;
using Hyperion.State.World;
using Hyperion.Trie;

namespace Hyperion.Execution.Parallel;

/// <summary>
/// Executes a block's transactions in parallel with Block-STM (optimistic execution on a multi-version memory,
/// validation of what each transaction read, re-execution of those that read too early), with results identical
/// to the sequential <see cref="BlockExecutor"/>'s: the same receipts, logs, gas, state changes and errors.
/// </summary>
/// <remarks>
/// <para>Each transaction runs through the same <see cref="TransactionHandler"/> phases (any subclass: the executor
/// only sees the world state it gives the handler), on a journaled world state that reads through the multi-version
/// memory. The pre-block system calls run first and the withdrawals and rewards last, sequentially.</para>
/// <para>Inclusion is decided afterwards in block order, as the sequential executor decides it: the receipts'
/// cumulative gas is a prefix sum, and on import the first transaction that does not fit the block's gas or blob gas,
/// is invalid or needs an unavailable precompile makes the block invalid with the same message. When building, the
/// first transaction that does not fit the gas left ends the parallel prefix: it is skipped and the transactions
/// after it run sequentially on the prefix's state, so the block is the one the sequential builder makes.</para>
/// <para>Blocks with fewer than <c>sequentialBelow</c> transactions (and a block whose credits would delete an empty
/// account that has storage, which no credit can express) run on the sequential executor.</para>
/// </remarks>
public sealed class ParallelBlockExecutor : IBlockExecutor
{
    /// <summary>Blocks with fewer transactions than this run sequentially by default (below it the workers cost more than they gain).</summary>
    public const int DefaultSequentialBelow = 8;

    private readonly BlockExecutor _sequential;
    private readonly int _threads;
    private readonly int _sequentialBelow;
    private readonly MeasuredExecutorChoice? _choice;
    private readonly ChainBackoff _chains = new();

    // After a block whose contiguous chunks conflicted, the next ones go to Block-STM directly (1, 2, 4, up to 8 blocks):
    // the same backoff as after a chain, for blocks alike in the same way (a shared pool, a hot contract).
    private readonly ChainBackoff _chunkConflicts = new();
    private ContiguousChunks.Scratch? _chunkScratch;

    // The contracts recent chunk tries conflicted on: a block with transactions to them runs laned (ContiguousChunks),
    // past the backoff above (those conflicts caused it), under a backoff of its own after a laned run that conflicted.
    private readonly HotContracts _hotContracts = new();
    private readonly ChainBackoff _laneConflicts = new();
    private long _lanedBlocks;
    private long _lanedBlocksConflicted;

    // Whether the last block tried in parallel was judged a dependency chain: the next one is probed first
    // (ProbeIsChain), consecutive blocks tending to be alike.
    private volatile bool _lastStoppedForChain;
    private long _chunkedBlocks;
    private long _chunkedBlocksConflicted;
    private long _stoppedForSequential;
    private long _sequentialAfterChain;
    private long _sequentialByChoice;

    // What the workers of every block run through Block-STM did (Statistics): each worker counts its own, added here once at its end.
    private long _incarnations;
    private long _dependencyWaits;
    private long _validations;
    private long _abortedValidations;
    private long _parallelBlocks;

    /// <param name="threads">Worker threads per block (0: one per core).</param>
    /// <param name="sequentialBelow">Blocks with fewer transactions run sequentially (default <see cref="DefaultSequentialBelow"/>; with one thread, every block).</param>
    /// <param name="measured">
    /// Run each block on whichever of Block-STM and the sequential executor has been faster on recent blocks (timed
    /// per block; the results are the same either way): what a node wants. Off, every block of enough transactions
    /// goes through Block-STM: what the tests of it want.
    /// </param>
    public ParallelBlockExecutor(ChainSpec spec, ChainPrecompiles? precompiles = null, TransactionHandler? handler = null, int threads = 0, int? sequentialBelow = null, bool measured = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(threads);
        if (sequentialBelow is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(sequentialBelow), sequentialBelow, "must not be negative");
        }

        _sequential = new BlockExecutor(spec, precompiles, handler);
        _threads = threads == 0 ? System.Environment.ProcessorCount : threads;
        _sequentialBelow = sequentialBelow ?? (_threads == 1 ? int.MaxValue : DefaultSequentialBelow);
        _choice = measured ? new MeasuredExecutorChoice() : null;
        BackOffAfterChains = _sequentialBelow > 0;
    }

    public ChainSpec Spec => _sequential.Spec;

    public ChainPrecompiles Precompiles => _sequential.Precompiles;

    /// <summary>Worker threads per block.</summary>
    public int Threads => _threads;

    /// <summary>Blocks with fewer transactions run on the sequential executor, never on Block-STM.</summary>
    public int SequentialBelow => _sequentialBelow;

    /// <summary>Blocks whose workers stopped on a dependency chain, the rest of the block then run sequentially (for tests and diagnostics).</summary>
    internal long BlocksStoppedForSequential => Interlocked.Read(ref _stoppedForSequential);

    /// <summary>When imported blocks run as <see cref="ContiguousChunks"/> before Block-STM.</summary>
    public enum ChunkUse
    {
        /// <summary>Every imported block tries them first, except the blocks after one whose chunks conflicted (see <c>_chunkConflicts</c>).</summary>
        AfterBackoff,

        /// <summary>Every imported block (tests of the chunks).</summary>
        Always,

        /// <summary>None: Block-STM only (tests of Block-STM).</summary>
        Never,
    }

    /// <summary>Whether imported blocks try <see cref="ContiguousChunks"/> first (default: yes, with a backoff after conflicts).</summary>
    public ChunkUse Chunks { get; init; }

    /// <summary>Blocks imported through contiguous chunks, and those of them where a chunk conflicted (the rest then ran sequentially).</summary>
    public (long Blocks, long Conflicted) ChunkStatistics => (Interlocked.Read(ref _chunkedBlocks), Interlocked.Read(ref _chunkedBlocksConflicted));

    /// <summary>Blocks imported laned (see <see cref="ContiguousChunks.TryImport"/>), and those of them whose parts were not independent (the block then ran sequentially).</summary>
    public (long Blocks, long Conflicted) LaneStatistics => (Interlocked.Read(ref _lanedBlocks), Interlocked.Read(ref _lanedBlocksConflicted));

    /// <summary>The contracts whose transactions are laned (for tests and diagnostics).</summary>
    internal HotContracts HotContracts => _hotContracts;

    /// <summary>Blocks run sequentially, without trying Block-STM, because the blocks before them were chains (<see cref="ChainBackoff"/>; for tests and diagnostics).</summary>
    public long BlocksSequentialAfterChain => Interlocked.Read(ref _sequentialAfterChain);

    /// <summary>Blocks the measured choice ran sequentially because the sequential executor had been faster lately (for diagnostics and the benchmark).</summary>
    public long BlocksSequentialByChoice => Interlocked.Read(ref _sequentialByChoice);

    /// <summary>What the workers of the blocks run through Block-STM so far did, summed over those blocks (for diagnostics and the benchmark).</summary>
    public BlockStmStatistics Statistics => new(
        Interlocked.Read(ref _parallelBlocks),
        Interlocked.Read(ref _incarnations),
        Interlocked.Read(ref _dependencyWaits),
        Interlocked.Read(ref _validations),
        Interlocked.Read(ref _abortedValidations));

    /// <summary>
    /// Whether the blocks after one Block-STM stopped as a dependency chain run sequentially (<see cref="ChainBackoff"/>).
    /// On by default, except for a caller that sends every block through Block-STM (sequentialBelow 0: the block
    /// tests and the benchmark), which gets exactly that.
    /// </summary>
    internal bool BackOffAfterChains { get; init; }

    /// <summary>
    /// Whether a block whose workers stopped with less than half of it validated runs again, whole, on the sequential
    /// executor (the default) rather than only its rest on the tail. The tail reads through the multi-version memory
    /// and records what it does, and measured as slow per transaction as one Block-STM worker (~1.6–2× the
    /// sequential executor); the bench's chains stopped with 1–9 % validated. Off for the tests of the tail.
    /// </summary>
    internal bool RedoShortPrefix { get; init; } = true;

    /// <summary>
    /// The caller's incarnations without a close dependency, net of those with one, after which helpers join the
    /// workers. Until then the caller runs alone, so that on a dependency chain (every incarnation after the first
    /// reads what the one before wrote) it judges the chain by its own close dependencies and stops for the
    /// sequential executor before a helper took a task: a helper there only executed transactions too early (its
    /// aborts and ESTIMATE waits), competed for the cores with the caller, and was waited for to leave its task.
    /// On independent transactions the caller passes it with its second incarnation, before a helper woken with
    /// the block usually gets a core.
    /// </summary>
    internal const int DefaultHelperProbe = 2;

    /// <summary>
    /// The caller's incarnations without a close dependency, net of those with one, before helpers join (default
    /// <see cref="DefaultHelperProbe"/>); 0: at once (the property tests of small random blocks, so that helpers take part
    /// from their first transaction).
    /// </summary>
    internal int HelperProbe { get; init; } = DefaultHelperProbe;

    /// <summary>
    /// The conflict sample (see <see cref="BlockStmScheduler.MostlyConflictsSince"/>) of the probe of a block after a
    /// chain: a third of it (2 close dependencies in 3 incarnations) judges a chain, where the default sample lets a
    /// chain run 7 incarnations through Block-STM before the sequential executor redoes them.
    /// </summary>
    internal const int ConflictSampleAfterChain = 6;

    /// <summary>The transactions a block after a chain is probed on (<see cref="ProbeIsChain"/>); a block of no more runs as usual.</summary>
    internal const int ChainProbeTransactions = 8;

    /// <summary>
    /// Whether a block after one judged a dependency chain is first probed on its first transactions and, judged a
    /// chain again, run sequentially (the default). Off for the tests that force the stop of a whole block's run.
    /// </summary>
    internal bool ProbeAfterChain { get; init; } = true;

    /// <summary>
    /// For the tests of the stop: when positive, a worker stops the block for sequential once this many incarnations
    /// started, whatever the conflicts (whether a helper judges a chain in time is a matter of thread timing).
    /// </summary>
    internal int StopAfterIncarnations { get; init; }

    /// <summary>
    /// For tests: no helper thread is started, the caller's thread is the block's only worker (as when no helper gets a
    /// core before the block is done), while the threads still set what counts as too close a dependency.
    /// </summary>
    internal bool WithoutHelpers { get; init; }

    public BlockEnvironment Environment(BlockHeader header, IBlockHashProvider? blockHashes) => _sequential.Environment(header, blockHashes);

    public BlockEnvironment CallEnvironment(BlockHeader parent, IBlockHashProvider? blockHashes) => _sequential.CallEnvironment(parent, blockHashes);

    public TransactionResult Replay(BlockInput block, IStateReader parentState, int index, IEvmTracer? tracer) => _sequential.Replay(block, parentState, index, tracer);

    public BlockExecution Simulate(BlockInput block, IStateReader parentState, int calls, SimulatedCall nextCall, Func<int, IWorldState, IEvmTracer?>? tracer, out TransactionRejection? rejection) =>
        _sequential.Simulate(block, parentState, calls, nextCall, tracer, out rejection);

    /// <summary>Incremental building runs one transaction at a time: the sequential executor's.</summary>
    public BlockBuilder Open(BlockInput block, IStateReader parentState) => _sequential.Open(block, parentState);

    public TransactionResult Call(BlockEnvironment environment, IStateReader state, Transaction tx, Address sender, IEvmTracer? tracer = null, AccessRecorder? accesses = null) =>
        _sequential.Call(environment, state, tx, sender, tracer, accesses);

    public BlockExecution Execute(BlockInput block, IStateReader parentState, BlockExecutionMode mode)
    {
        ArgumentNullException.ThrowIfNull(block);
        ArgumentNullException.ThrowIfNull(parentState);
        if (block.Transactions.Count < _sequentialBelow)
        {
            return _sequential.Execute(block, parentState, mode);
        }

        // The previous blocks' verdict first: it is the caller's own, so it holds however late the helpers get a core.
        bool parallel = _choice?.ChooseParallel() ?? true;
        if (!parallel)
        {
            Interlocked.Increment(ref _sequentialByChoice);
        }

        if (parallel && BackOffAfterChains && !_chains.TryParallel())
        {
            parallel = false;
            Interlocked.Increment(ref _sequentialAfterChain);
        }

        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        BlockExecution execution;
        if (parallel && _lastStoppedForChain && ProbeAfterChain && block.Transactions.Count > ChainProbeTransactions && ProbeIsChain(block, parentState))
        {
            // A chain again, judged on its first transactions: the sequential executor runs it, as Block-STM's stop
            // would have ended it, without Block-STM's set-up for the whole block.
            execution = _sequential.Execute(block, parentState, mode);
            RecordChain(stoppedForChain: true);
        }
        else if (parallel && TryContiguousChunks(block, parentState, mode) is { } chunked)
        {
            execution = chunked;
        }
        else if (parallel)
        {
            execution = ExecuteParallel(block, parentState, mode, out bool stoppedForChain);
            RecordChain(stoppedForChain);
        }
        else
        {
            execution = _sequential.Execute(block, parentState, mode);
        }

        _choice?.Record(parallel, System.Diagnostics.Stopwatch.GetTimestamp() - started, execution.GasUsed);
        return execution;
    }

    /// <summary>How a block tried on Block-STM (or probed) ended, for the backoffs and the next block's probe.</summary>
    private void RecordChain(bool stoppedForChain)
    {
        _lastStoppedForChain = stoppedForChain;
        if (BackOffAfterChains)
        {
            _chains.Record(stoppedForChain);
        }

        // A chain's chunks conflict too, and a conflicted try runs the rest of the block after a helper's whole chunk
        // (on the bench's chain about two sequential blocks): while blocks keep being chains, the chunks' backoff
        // stays at its longest.
        if (stoppedForChain && Chunks == ChunkUse.AfterBackoff)
        {
            _chunkConflicts.Record(true);
        }
    }

    /// <summary>
    /// Whether the first <see cref="ChainProbeTransactions"/> transactions of <paramref name="block"/>, run through
    /// Block-STM on this thread alone, are judged a dependency chain on the smaller sample. Nothing of the probe is
    /// kept: it only chooses the executor, whose results are the same either way; so it runs without the block's
    /// system calls (their writes, at position 0, never count as a close dependency). On the
    /// bench's chain it stops after 3 incarnations, where a whole block's Block-STM try paid the memory and scheduler
    /// of every position, a helper's wake-up and 7 incarnations before the sequential redo.
    /// </summary>
    private bool ProbeIsChain(BlockInput block, IStateReader parentState)
    {
        var first = new (Transaction Transaction, Address Sender)[ChainProbeTransactions];
        for (int i = 0; i < first.Length; i++)
        {
            first[i] = block.Transactions[i];
        }

        try
        {
            var run = new BlockRun(this, Environment(block.Header, block.BlockHashes), first, parentState, probe: true);
            run.RecordSystemCalls(null);
            run.RunWorkers(mayStopForSequential: true);
            bool chain = run.StoppedForSequential;
            run.ReturnBuffers();
            if (chain)
            {
                // The probe stands for the block's Block-STM run (stopped), in the counts as in the backoffs.
                Interlocked.Increment(ref _parallelBlocks);
                Interlocked.Increment(ref _stoppedForSequential);
            }

            return chain;
        }
        catch (SequentialFallbackException)
        {
            // The block's own run decides what to do with it.
            return false;
        }
    }

    /// <summary>
    /// An imported block through <see cref="ContiguousChunks"/> (as <see cref="Chunks"/> says); null when it is not
    /// tried, or cannot express the block, and Block-STM runs it.
    /// </summary>
    private BlockExecution? TryContiguousChunks(BlockInput block, IStateReader parentState, BlockExecutionMode mode)
    {
        if (mode != BlockExecutionMode.Import || Chunks == ChunkUse.Never)
        {
            return null;
        }

        bool[]? lane = _hotContracts.Lane(block.Transactions, Math.Min(_threads, block.Transactions.Count), out int laned);
        if (Chunks == ChunkUse.AfterBackoff && !(lane is null ? _chunkConflicts : _laneConflicts).TryParallel())
        {
            return null;
        }

        BlockEnvironment environment = Environment(block.Header, block.BlockHashes);
        PrecompileTable precompiles = Precompiles.For(environment.Fork);
        // One block at a time takes the scratch; a block imported meanwhile makes its own.
        ContiguousChunks.Scratch scratch = Interlocked.Exchange(ref _chunkScratch, null) ?? new ContiguousChunks.Scratch();
        BlockExecution? execution;
        bool conflicted;
        try
        {
            execution = ContiguousChunks.TryImport(_sequential, block, parentState, environment, precompiles, _sequential.Processor(environment, precompiles), _threads, scratch, out conflicted, lane, laned, _hotContracts);
        }
        finally
        {
            Volatile.Write(ref _chunkScratch, scratch);
        }

        if (execution is not null)
        {
            Interlocked.Increment(ref lane is null ? ref _chunkedBlocks : ref _lanedBlocks);
            if (conflicted)
            {
                Interlocked.Increment(ref lane is null ? ref _chunkedBlocksConflicted : ref _lanedBlocksConflicted);
            }

            (lane is null ? _chunkConflicts : _laneConflicts).Record(conflicted);
            if (!conflicted)
            {
                // Independent: no chain to probe the next block for.
                _lastStoppedForChain = false;
            }
        }

        return execution;
    }

    private BlockExecution ExecuteParallel(BlockInput block, IStateReader parentState, BlockExecutionMode mode, out bool stoppedForChain)
    {
        stoppedForChain = false;
        try
        {
            var run = new BlockRun(this, Environment(block.Header, block.BlockHashes), block.Transactions, parentState, block.CollectAddresses);
            Interlocked.Increment(ref _parallelBlocks);
            BlockExecution execution;
            run.StartHelpers(stayForEnd: true);
            try
            {
                // A block redone whole on the sequential executor is redone before the helpers are waited for: one
                // still in its last task (or without a core) holds the run's buffers, not the block. The parent state
                // outlives both (they return before this does).
                execution = run.Execute(block, mode) ?? _sequential.Execute(block, parentState, mode);
            }
            finally
            {
                run.DismissHelpers();
            }

            stoppedForChain = run.StoppedForSequential;
            run.ReturnBuffers();
            return execution;
        }
        catch (SequentialFallbackException)
        {
            // Nothing was kept: the block is a pure function of its parent state.
            return _sequential.Execute(block, parentState, mode);
        }
    }

    /// <summary>
    /// Runs <paramref name="transactions"/> in parallel on <paramref name="parentState"/> in <paramref name="environment"/>,
    /// with nothing of a block around them (no system calls, gas limit, withdrawals or rewards): how a state test
    /// runs its transaction through this executor (as contiguous chunks first unless <see cref="Chunks"/> is Never, then
    /// through Block-STM). The results are in order (a rejected transaction leaves the state
    /// untouched); an exception of a transaction is thrown as executing them in order would throw it.
    /// </summary>
    public (IReadOnlyList<TransactionResult> Results, StateChangeSet Changes) ExecuteTransactions(BlockEnvironment environment, IStateReader parentState, IReadOnlyList<(Transaction Transaction, Address Sender)> transactions)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(parentState);
        ArgumentNullException.ThrowIfNull(transactions);
        if (Chunks != ChunkUse.Never)
        {
            PrecompileTable precompiles = Precompiles.For(environment.Fork);
            ContiguousChunks.Scratch scratch = Interlocked.Exchange(ref _chunkScratch, null) ?? new ContiguousChunks.Scratch();
            try
            {
                if (ContiguousChunks.TryExecuteTransactions(_sequential, transactions, parentState, environment, precompiles, _sequential.Processor(environment, precompiles), _threads, scratch) is { } chunked)
                {
                    return chunked;
                }
            }
            finally
            {
                Volatile.Write(ref _chunkScratch, scratch);
            }
        }

        var results = new TransactionResult[transactions.Count];
        try
        {
            var run = new BlockRun(this, environment, transactions, parentState);
            run.StartHelpers(stayForEnd: false);
            try
            {
                run.RecordSystemCalls(null);
                run.RunWorkers(mayStopForSequential: false);
            }
            finally
            {
                run.DismissHelpers();
            }

            for (int i = 0; i < results.Length; i++)
            {
                PositionRecord record = run.Memory.RecordAt(i + 1)!;
                record.Failure?.Throw();
                results[i] = record.Result!.Value;
            }

            StateChangeSet changes = run.Memory.Changes(transactions.Count + 1);
            run.ReturnBuffers();
            return (results, changes);
        }
        catch (SequentialFallbackException)
        {
            var state = new WorldState(parentState);
            TransactionProcessor processor = _sequential.Processor(environment, Precompiles.For(environment.Fork));
            for (int i = 0; i < results.Length; i++)
            {
                results[i] = processor.Execute(state, transactions[i].Transaction, transactions[i].Sender);
            }

            return (results, state.CollectChanges());
        }
    }

    /// <summary>One block's parallel execution.</summary>
    private sealed class BlockRun
    {
        private readonly ParallelBlockExecutor _executor;
        private readonly IReadOnlyList<(Transaction Transaction, Address Sender)> _transactions;
        private readonly BlockEnvironment _environment;
        private readonly PrecompileTable _precompiles;
        private readonly TransactionProcessor _processor;
        private readonly BlockStmScheduler _scheduler;
        private readonly bool _collectAddresses;

        // Every recorder of this block (one per worker, the system calls' and the tail's): their arenas hold the
        // records' lists and go back to the pool once the block is complete.
        private readonly List<IncarnationRecorder> _recorders = [];
        private readonly Lock _recordersGate = new();
        private bool _mayStopForSequential;

        // The block's helper threads: pool threads started with the run, so that their wake-up overlaps its set-up
        // (the memory, the system calls). Each waits for the workers to open, works, and in a block's run stays for the
        // block's end — the prepared step, then the end's items — instead of a pool thread being woken anew for each
        // (on a loaded machine a wake-up can wait milliseconds for a core). A helper that comes to a phase after the
        // caller closed it skips it; the caller waits only for helpers inside a phase (one waiting between phases reads
        // nothing of the block but its flags, so a helper that lost its core there holds no one up).
        private readonly LateHelpers _working = new();
        private readonly LateHelpers _ending = new();
        private int _lastWorker;
        private bool _helpersStayForEnd;

        // A probe of a block's first transactions (see the constructor): no helpers, the smaller conflict sample.
        private readonly bool _probe;
        private volatile bool _open;
        private volatile bool _endOpen;
        private volatile bool _dismissed;
        private volatile bool _helpersAdmitted;

        // Whether the workers stopped for sequential with too few incarnations for a validated prefix to be half the
        // block (RedoShortPrefix): it is redone whole on the sequential executor, without waiting for the helpers first.
        private bool _redoesWhole;
        private volatile bool _tailRunsTransactions;
        private volatile EndItems? _end;

        // The receipts' leaves, published as soon as the caller built their trie (before the end's items: see Execute).
        private volatile LeafChunks? _receiptLeaves;
        private ExceptionDispatchInfo? _workerFailure;
        private ExceptionDispatchInfo? _helperFailure;

        // The prepared step (see Execute): claimed by whichever thread comes to it first, published when done.
        private int _prepareClaimed;
        private volatile PreparedEnd? _prepared;

        /// <param name="collectAddresses">Whether each incarnation's record keeps its address-index entries (<see cref="BlockInput.CollectAddresses"/>).</param>
        /// <param name="probe">
        /// A run of a block's first transactions that only judges whether they are a chain (<see cref="ProbeIsChain"/>):
        /// on the caller alone (no helper to wake), judged on the smaller sample (<see cref="ConflictSampleAfterChain"/>).
        /// </param>
        public BlockRun(ParallelBlockExecutor executor, BlockEnvironment environment, IReadOnlyList<(Transaction Transaction, Address Sender)> transactions, IStateReader parentState, bool collectAddresses = false, bool probe = false)
        {
            _executor = executor;
            _probe = probe;
            _collectAddresses = collectAddresses;
            _transactions = transactions;
            _environment = environment;
            _precompiles = executor.Precompiles.For(environment.Fork);
            _processor = executor._sequential.Processor(environment, _precompiles);

            // Positions: 0 the system calls, 1…n the transactions, n + 1 the end of the block. Every transaction pays
            // the handler's fee recipients (the coinbase; a rollup's fee vaults too): their credits are kept a slot
            // per position.
            // A probe's memory is sized for its own transactions' gas: the block's would clear buckets for the whole block.
            Memory = new MultiVersionMemory(parentState, transactions.Count + 2, probe ? GasOf(transactions) : environment.GasLimit, executor._sequential.Handler.FeeRecipients(environment));
            _scheduler = new BlockStmScheduler(transactions.Count, HelperCount + 1, probe ? ConflictSampleAfterChain : BlockStmScheduler.DefaultConflictSample);
            _helpersAdmitted = executor.HelperProbe <= 0;
        }

        public MultiVersionMemory Memory { get; }

        /// <summary>What <paramref name="transactions"/> may spend at most: a bound on the locations they touch, as the block's gas limit is on the block's.</summary>
        private static ulong GasOf(IReadOnlyList<(Transaction Transaction, Address Sender)> transactions)
        {
            ulong gas = 0;
            for (int i = 0; i < transactions.Count; i++)
            {
                gas = ulong.Min(gas + ulong.Min(transactions[i].Transaction.GasLimit, long.MaxValue), long.MaxValue);
            }

            return gas;
        }

        /// <summary>Whether the workers stopped on a dependency chain (the rest of the block ran sequentially).</summary>
        public bool StoppedForSequential => _scheduler.StoppedForSequential;

        /// <summary>Position 0: the pre-block system calls of <paramref name="block"/> (none without a block).</summary>
        public void RecordSystemCalls(BlockInput? block)
        {
            IncarnationRecorder recorder = NewRecorder();
            var system = new WorldState(recorder.Reader);
            if (block is not null)
            {
                _executor._sequential.RunSystemCalls(system, block, _environment, _precompiles);
            }

            Memory.Record(0, 0, recorder.Record(system, [], null));
        }

        /// <summary>A recorder whose arenas <see cref="ReturnBuffers"/> returns.</summary>
        private IncarnationRecorder NewRecorder()
        {
            var recorder = new IncarnationRecorder(Memory);
            lock (_recordersGate)
            {
                _recorders.Add(recorder);
            }

            return recorder;
        }

        /// <summary>
        /// Gives the records' arenas, the memory's buckets and the scheduler's states back to the pool: only once nothing
        /// reads them any more (every worker and the net changes are done). A block that ends in an exception leaves them
        /// to the garbage collector.
        /// </summary>
        public void ReturnBuffers()
        {
            lock (_recordersGate)
            {
                foreach (IncarnationRecorder recorder in _recorders)
                {
                    recorder.Return();
                }

                _recorders.Clear();
            }

            Memory.Return();
            _scheduler.Return();
        }

        /// <summary>Starts the block's helper threads (one fewer than its workers); <see cref="DismissHelpers"/> must follow.</summary>
        /// <param name="stayForEnd">Whether they stay after the workers for the block's end (a block's run; not <see cref="ExecuteTransactions"/>).</param>
        public void StartHelpers(bool stayForEnd)
        {
            _helpersStayForEnd = stayForEnd;
            for (int i = 0; i < HelperCount; i++)
            {
                Task.Factory.StartNew(Help, CancellationToken.None, TaskCreationOptions.DenyChildAttach, TaskScheduler.Default);
            }
        }

        /// <summary>The helper threads the block starts: one fewer than its workers, none for a block of one transaction.</summary>
        private int HelperCount => _executor.WithoutHelpers || _probe ? 0 : Math.Max(0, Math.Min(_executor._threads, _transactions.Count) - 1);

        /// <summary>Sends the helpers still waiting for a phase away and waits for those inside one (they read the block's records) to leave it.</summary>
        public void DismissHelpers()
        {
            SendHelpersAway();
            _working.CloseAndWait();
            _ending.CloseAndWait();
        }

        /// <summary>Sends the helpers away without waiting for those inside a phase (<see cref="DismissHelpers"/> must still follow before the buffers go back).</summary>
        private void SendHelpersAway()
        {
            _dismissed = true;
            _working.Close();
            _ending.Close();
        }

        /// <summary>A helper thread's part of the block: the workers' phase, then (<see cref="_helpersStayForEnd"/>) the block's end.</summary>
        private void Help()
        {
            try
            {
                // The workers open, and the caller's first incarnations admit helpers (see DefaultHelperProbe).
                var spin = default(SpinWait);
                while (!(_open && _helpersAdmitted) && !_dismissed && !_working.IsClosed)
                {
                    spin.SpinOnce(NeverSleep);
                }

                if (_dismissed)
                {
                    return;
                }

                if (_working.TryEnter())
                {
                    try
                    {
                        Worker(helper: true);
                    }
                    finally
                    {
                        _working.Exit();
                    }
                }

                if (_helpersStayForEnd)
                {
                    HelpEnd();
                }
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref _helperFailure, ExceptionDispatchInfo.Capture(e), null);
            }
        }

        /// <summary>
        /// A helper's part of the block's end: the prepared step (once every worker is out and the block goes on to its
        /// end: it reads their records), then the transactions' leaves and the receipts' (once the caller built their
        /// trie) until the end's items are published, then those items, then the transactions' root while the caller
        /// hashes the receipts'.
        /// </summary>
        /// <remarks>
        /// The helper is inside the end (<see cref="_ending"/>, which the caller waits for) only while it reads the
        /// workers' records (the prepared step, the net changes' ranges), whose buffers go back to the pool after the
        /// block: the tries' leaves are the caller's to finish if the helper has not (see
        /// <see cref="ClaimedChunks"/>), and it waits for the caller's next publication outside. A helper that lost its
        /// core while waiting or holding one of those held the caller's end until it got one back; and one that left
        /// when it found nothing more to take (before the receipts' leaves were published: they were the largest item
        /// of a token transfers' block, ~3 Keccak blocks a receipt with its log) left them all to the caller.
        /// </remarks>
        private void HelpEnd()
        {
            var spin = default(SpinWait);
            while (!_endOpen && !_dismissed)
            {
                spin.SpinOnce(NeverSleep);
            }

            if (_dismissed || !_ending.TryEnter())
            {
                return;
            }

            LeafChunks? transactionLeaves;
            try
            {
                transactionLeaves = TryPrepare()?.TransactionLeaves;
            }
            finally
            {
                _ending.Exit();
            }

            // Until the caller publishes the end's items, the transactions' leaves (which do not depend on execution)
            // and the receipts' once published, a chunk at a time so as to turn to the end's items as soon as they are there.
            spin.Reset();
            EndItems? end;
            while ((end = _end) is null && !_dismissed && !_ending.IsClosed)
            {
                if ((transactionLeaves is null || !transactionLeaves.TakeOne()) && (_receiptLeaves is not { } receiptsEarly || !receiptsEarly.TakeOne()))
                {
                    // The caller's receipts' assembly is a fraction of a millisecond: a sleep (SpinWait's default
                    // from its 20th turn, ≥ 1 ms) made the helper join the end's items milliseconds late. A tail
                    // that runs transactions sequentially (after a skipped one) is long: then it may sleep.
                    spin.SpinOnce(_tailRunsTransactions ? SleepAfterSpins : NeverSleep);
                }
            }

            if (end is null)
            {
                return;
            }

            end.Take();

            // The transactions' root while the caller hashes the receipts' (the nodes above the leaves, a tenth of the end).
            end.TakeTransactionsRoot();
        }

        /// <summary>
        /// What the block's end needs of the workers' records alone, once they are done: the changed addresses sorted
        /// and the trie of all transactions, built but not hashed (its leaves are hashed in chunks by every thread,
        /// with the receipts' leaves). Null when another thread claimed it.
        /// </summary>
        private PreparedEnd? TryPrepare()
        {
            if (Interlocked.Exchange(ref _prepareClaimed, 1) != 0)
            {
                return null;
            }

            var prepared = new PreparedEnd(
                Memory.ChangedAccounts(_transactions.Count + 1),
                new LeafChunks(BlockLists.TransactionsTrie(_transactions)));
            _prepared = prepared;
            return prepared;
        }

        /// <summary>
        /// The prepared step: this thread's when no helper claimed it, else the helper's once it is done, this thread
        /// hashing <paramref name="meanwhile"/>'s leaves until then.
        /// </summary>
        private PreparedEnd WaitPrepared(LeafChunks meanwhile)
        {
            if (TryPrepare() is { } mine)
            {
                return mine;
            }

            var spin = default(SpinWait);
            PreparedEnd? prepared;
            while ((prepared = _prepared) is null)
            {
                Volatile.Read(ref _helperFailure)?.Throw();
                if (!meanwhile.TakeOne())
                {
                    spin.SpinOnce(NeverSleep);
                }
            }

            return prepared;
        }

        /// <summary>The block's execution; null when the workers stopped early on a chain and the sequential executor should run it whole (<see cref="RedoShortPrefix"/>).</summary>
        public BlockExecution? Execute(BlockInput block, BlockExecutionMode mode)
        {
            BlockExecutor sequential = _executor._sequential;
            RecordSystemCalls(block);
            RunWorkers(mayStopForSequential: true);
            int count = _transactions.Count;
            int executed = count;
            if (_scheduler.StoppedForSequential)
            {
                Interlocked.Increment(ref _executor._stoppedForSequential);
                if (_redoesWhole)
                {
                    // No prefix can be half the block: the helpers are not waited for (see ExecuteParallel).
                    SendHelpersAway();
                    return null;
                }

                // The helpers' prepared step would be of no use: the tail's position replaces a transaction's, so
                // the changed accounts are gathered again, and the trie of all transactions is not the block's.
                DismissHelpers();
                executed = ValidatedPrefix();
                if (_executor.RedoShortPrefix && executed * 2L < count)
                {
                    return null;
                }
            }
            else
            {
                // Every worker is out and the records are final: the helpers may prepare (they read the records).
                _endOpen = true;
            }

            // With two or more threads, a helper prepares what the block's end needs of the workers' records alone
            // (TryPrepare) while this thread assembles the receipts and runs the tail; this one prepares it itself
            // when no helper has come to it by then. (Hashing the transactions' root on one thread here left the
            // caller waiting for it, a millisecond of a 10 ms block; hashing it on a helper worker before it took
            // tasks made a dependency chain slower: the helper found the conflicts later, so less of the block went
            // to the sequential executor.)

            // In block order, as the sequential executor takes them; the first transaction that does not fit ends the
            // parallel prefix (on import that is an invalid block, thrown by the assembly).
            // Workers stopped for a dependency chain: the parallel prefix ends at the first transaction not validated,
            // and the tail runs the rest from it.
            var assembly = new BlockAssembly(sequential, block, _environment, mode);
            int prefix = executed;
            int tailFrom = executed;
            for (int i = 0; i < executed; i++)
            {
                (Transaction tx, Address sender) = _transactions[i];
                if (!assembly.Fits(tx, sender))
                {
                    prefix = i;
                    tailFrom = i + 1;
                    break;
                }

                PositionRecord record = Memory.RecordAt(i + 1)!;
                if (record.Failure is { SourceException: PrecompileUnavailableException unavailable })
                {
                    assembly.Unavailable(tx, sender, unavailable);
                }
                else if (record.Failure is { } failure)
                {
                    failure.Throw();
                }
                else
                {
                    assembly.Add(tx, sender, record.Result!.Value, record.LogsBloom, record.Addresses);
                }
            }

            // The rest of the block runs sequentially on the prefix's state: the transactions after a skipped one (or
            // from the first one not validated), then withdrawals and rewards. Its position replaces the speculative
            // writes of the transaction at the prefix's end.
            int end = prefix + 1;
            IncarnationRecorder tailRecorder = NewRecorder();
            tailRecorder.Reader.Reset(end);
            var tail = new WorldState(tailRecorder.Reader);
            if (tailFrom < count)
            {
                _tailRunsTransactions = true;
                BlockExecutor.ExecuteTransactions(tail, block, tailFrom, _processor, assembly);
            }

            sequential.FinishBlock(tail, block);
            PositionRecord tailRecord = tailRecorder.Record(tail, [], null);
            Memory.Record(end, 0, tailRecord);
            if (_executor._threads == 1)
            {
                return assembly.Complete(Memory.Changes(end + 1));
            }

            // The receipts' trie needs only the assembly: built now, and its leaves hashed while a helper prepares (the
            // caller spun there for 0.16 ms of its 1.8 ms end on the swap mix); published, so that the helper takes
            // them too.
            ListTrie receipts = assembly.ReceiptsTrie();
            var receiptLeaves = new LeafChunks(receipts);
            _receiptLeaves = receiptLeaves;
            PreparedEnd prepared = WaitPrepared(receiptLeaves);
            ChangedAccounts changed = prepared.Changed;
            if (end == count + 1)
            {
                changed.Include(tailRecord);
            }
            else
            {
                // A skipped transaction: the tail's position replaced its record, and the positions after it are not the block's.
                changed = Memory.ChangedAccounts(end + 1);
            }

            // The trie of all transactions is the block's only when every one was executed (none skipped).
            StateChangeSet netChanges = CompleteInParallel(assembly, receipts, receiptLeaves, changed, end + 1, assembly.Executed.Count == count ? prepared.TransactionLeaves : null);
            return assembly.Complete(netChanges);
        }

        /// <summary>
        /// After the workers stopped for a dependency chain: how many transactions from the block's start are final —
        /// each executed (its latest incarnation recorded, none aborted or pending) and its reads still what the
        /// transactions before it wrote. Validated in order, so each is checked against a prefix already final: the
        /// prefix is what executing it sequentially gives, and no ESTIMATE lies below its end.
        /// </summary>
        private int ValidatedPrefix()
        {
            int prefix = 0;
            while (prefix < _transactions.Count && _scheduler.IsExecuted(prefix)
                && Memory.RecordAt(prefix + 1) is { Failure: null } record && Memory.Validate(prefix + 1, record.Reads))
            {
                prefix++;
            }

            return prefix;
        }

        /// <summary>
        /// The block's serial end on every thread: the receipts' root (of <paramref name="receipts"/>, their leaves
        /// <paramref name="receiptLeaves"/> writing their envelopes), the transactions' root (when
        /// <paramref name="transactions"/>, the leaves of the trie of all of them, are the block's) and the net changes
        /// of <paramref name="changed"/> at <paramref name="end"/> range by range, each a pure function of what is
        /// recorded (so the result does not depend on which thread takes what); the threads take the next item until
        /// none is left. Together they were a third of a one-worker block.
        /// </summary>
        private StateChangeSet CompleteInParallel(BlockAssembly assembly, ListTrie receipts, LeafChunks receiptLeaves, ChangedAccounts changed, int end, LeafChunks? transactions)
        {
            var items = new EndItems(this, changed, end, transactions, receiptLeaves);

            // The helpers waiting in HelpEnd take the net changes' ranges, then the two tries' leaves (a receipt's leaf
            // writes its envelope as it is hashed), then the transactions' root above its leaves while this one hashes
            // the receipts'. This thread takes the ranges first too (the larger items: the leaves, smaller, even out
            // the threads' ends). Leaves a helper claimed and has not hashed are hashed by the roots (a lazy hash, the
            // same whoever computes it). Only the ranges, which read the records, are waited for.
            _end = items;
            items.TakeRanges();
            receiptLeaves.Take();
            transactions?.Take();
            _ending.CloseAndWait();
            Volatile.Read(ref _helperFailure)?.Throw();

            // The receipts' root first: a helper that is done with the leaves hashes the transactions' meanwhile (a
            // root another thread is hashing is hashed here too, the same nodes to the same hashes, rather than waited for).
            assembly.CompleteReceiptsRoot(receipts);
            if (transactions is not null)
            {
                items.TakeTransactionsRoot();
                assembly.CompleteTransactionsRoot(transactions.Trie!.Root, _transactions.Count);
            }

            return MultiVersionMemory.Combine(changed, items.Parts);
        }

        /// <summary>What <see cref="TryPrepare"/> makes.</summary>
        private sealed record PreparedEnd(ChangedAccounts Changed, LeafChunks TransactionLeaves);

        /// <summary>The block's end, as items for the threads to take.</summary>
        private sealed class EndItems
        {
            private readonly BlockRun _run;
            private readonly ChangedAccounts _changed;
            private readonly int _end;
            private readonly LeafChunks? _transactions;
            private readonly int _ranges;
            private int _nextRange = -1;
            private readonly LeafChunks _receiptLeaves;
            private int _transactionsRootClaimed;

            public EndItems(BlockRun run, ChangedAccounts changed, int end, LeafChunks? transactions, LeafChunks receiptLeaves)
            {
                _run = run;
                _changed = changed;
                _end = end;
                _transactions = transactions;
                _receiptLeaves = receiptLeaves;
                _ranges = Math.Min(NetChangeRanges, Math.Max(1, changed.Count / MinimumAccountsPerRange));
                Parts = new NetChangePart[_ranges];
            }

            public NetChangePart[] Parts { get; }

            /// <summary>A helper's turn: every item it can take, inside the end only for the ranges (they read the records).</summary>
            public void Take()
            {
                if (_run._ending.TryEnter())
                {
                    try
                    {
                        TakeRanges();
                    }
                    finally
                    {
                        _run._ending.Exit();
                    }
                }

                _transactions?.Take();
                _receiptLeaves.Take();
            }

            /// <summary>Hashes the transactions' trie above its leaves, unless another thread claimed it (the root reads the hashes it left).</summary>
            public void TakeTransactionsRoot()
            {
                if (_transactions is not null && Interlocked.Exchange(ref _transactionsRootClaimed, 1) == 0)
                {
                    _ = _transactions.Trie!.Root;
                }
            }

            public void TakeRanges()
            {
                int range;
                while ((range = Interlocked.Increment(ref _nextRange)) < _ranges)
                {
                    int from = (int)((long)_changed.Count * range / _ranges), to = (int)((long)_changed.Count * (range + 1) / _ranges);
                    var part = new NetChangePart(to - from);
                    _run.Memory.AccountChanges(_changed, from, to, _end, part);
                    Parts[range] = part;
                }
            }
        }

        /// <summary>
        /// For <see cref="SpinWait.SpinOnce(int)"/>: yield, never sleep — the waits of the block's phases are for
        /// another thread's fraction of a millisecond, which a sleep (≥ 1 ms) would overshoot.
        /// </summary>
        private const int NeverSleep = -1;

        /// <summary>For <see cref="SpinWait.SpinOnce(int)"/>: its default, a millisecond's sleep from the 20th turn.</summary>
        private const int SleepAfterSpins = 20;

        /// <summary>The ranges the block's net changes are split into, for the threads to share.</summary>
        private const int NetChangeRanges = 16;

        /// <summary>Accounts below which a range is not worth a hand-off.</summary>
        private const int MinimumAccountsPerRange = 64;

        /// <param name="mayStopForSequential">
        /// Whether a helper that finds the block mostly a dependency chain may stop every worker, leaving the rest of
        /// the block to the sequential tail (a block's run; not <see cref="ExecuteTransactions"/>, which has none).
        /// </param>
        public void RunWorkers(bool mayStopForSequential)
        {
            _mayStopForSequential = mayStopForSequential;
            if (_transactions.Count == 0)
            {
                return;
            }

            // The helpers started with the run join now (once the caller's first incarnations admit them); one that has
            // not started by the time the workers are done is not waited for (the scheduler has no task left for it then).
            _open = true;
            Worker(helper: false);
            // Judged once (a helper may still start an incarnation after the stop): Execute acts on the same answer.
            _redoesWhole = _scheduler.StoppedForSequential && _executor.RedoShortPrefix && _scheduler.Progress.Incarnations * 2L < _transactions.Count;
            if (_redoesWhole)
            {
                // Nothing the workers did is kept: a helper still in its last task is waited for after the redo.
                return;
            }

            _working.CloseAndWait();
            _workerFailure?.Throw();
        }


        private void Worker(bool helper)
        {
            try
            {
                Work(helper);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref _workerFailure, ExceptionDispatchInfo.Capture(e), null);
                _scheduler.Halt();
            }
        }

        /// <summary>
        /// A worker: takes tasks from the scheduler until the block is done; between tasks it stops the block for
        /// the sequential tail once the block proves to be mostly a dependency chain (a helper, where there is no
        /// tail, only leaves).
        /// </summary>
        private void Work(bool helper)
        {
            // The caller is the scheduler's worker 0, each helper that works the next number.
            var scratch = new WorkerScratch(NewRecorder(), _collectAddresses, helper ? Interlocked.Increment(ref _lastWorker) : 0);
            try
            {
                Work(helper, scratch);
            }
            finally
            {
                scratch.AddCounts(_executor);
            }
        }

        private void Work(bool helper, WorkerScratch scratch)
        {
            (int, int) joined = _scheduler.Progress;
            StmTask? task = null;
            var spin = default(SpinWait);
            while (!_scheduler.Done)
            {
                if (_mayStopForSequential && _executor.StopAfterIncarnations > 0 && _scheduler.Progress.Incarnations >= _executor.StopAfterIncarnations)
                {
                    _scheduler.StopForSequential();
                    return;
                }

                // The caller judges too: under load a helper may not get a core before the block is done, and the
                // caller alone still sees a chain by its close dependencies.
                if ((helper || _mayStopForSequential) && _scheduler.MostlyConflictsSince(joined))
                {
                    // On a chain the one worker left would still pay for the multi-version memory (a chain ran ~2× the
                    // sequential executor's time on one worker): the rest of the block runs sequentially instead, at
                    // once (a task in hand is left: the prefix kept is only what validates).
                    if (_mayStopForSequential)
                    {
                        _scheduler.StopForSequential();
                        return;
                    }

                    if (task is null)
                    {
                        return;
                    }
                }

                // A task done without a follow-up goes straight to the next one: a spin there cost every task a pause.
                task = task is { } current ? (current.IsValidation ? Validate(current, scratch) : Execute(current, scratch)) ?? _scheduler.NextTask(scratch.Worker) : _scheduler.NextTask(scratch.Worker);
                if (task is null)
                {
                    spin.SpinOnce();
                }
                else
                {
                    spin.Reset();
                }
            }
        }

        private StmTask? Execute(StmTask task, WorkerScratch scratch)
        {
            while (true)
            {
                int position = task.Index + 1;
                PositionRecord? record = RunIncarnation(task.Index, scratch, out int blocking);
                scratch.Incarnations++;
                if (record is null)
                {
                    scratch.DependencyWaits++;
                    if (_scheduler.AddDependency(scratch.Worker, task.Index, blocking - 1))
                    {
                        return null;
                    }

                    continue;
                }

                // A read of what a transaction fewer than a worker per position before it wrote: at this many
                // workers the two could not have run at once, as on a chain.
                int writer = scratch.Recorder.Reader.NearestWriter;
                bool close = writer > 0 && position - writer < _executor._threads;
                if (close)
                {
                    _scheduler.CloseDependency();
                }

                if (!_helpersAdmitted && (scratch.Probe += close ? -1 : 1) >= _executor.HelperProbe)
                {
                    _helpersAdmitted = true;
                }

                bool wroteNewLocation = Memory.Record(position, task.Incarnation, record);
                return _scheduler.FinishExecution(scratch.Worker, task.Index, task.Incarnation, wroteNewLocation);
            }
        }

        private StmTask? Validate(StmTask task, WorkerScratch scratch)
        {
            int position = task.Index + 1;
            bool valid = Memory.Validate(position, Memory.RecordAt(position)!.Reads);
            bool aborted = !valid && _scheduler.TryValidationAbort(task.Index, task.Incarnation);
            scratch.Validations++;
            if (aborted)
            {
                scratch.AbortedValidations++;
                Memory.MarkEstimates(position);
            }

            return _scheduler.FinishValidation(scratch.Worker, task.Index, aborted);
        }

        /// <summary>Runs transaction <paramref name="index"/> on its position's view; null when a read met an ESTIMATE (of <paramref name="blocking"/>).</summary>
        private PositionRecord? RunIncarnation(int index, WorkerScratch scratch, out int blocking)
        {
            blocking = -1;
            (Transaction tx, Address sender) = _transactions[index];
            scratch.Reset(index + 1);
            IncarnationRecorder recorder = scratch.Recorder;
            DeferredCreditState state = scratch.State;
            BlockAddressCollector? addresses = scratch.Addresses;
            addresses?.Begin(index);
            try
            {
                TransactionResult result = _processor.Execute(state, tx, sender, addresses);
                PositionRecord record = recorder.Record(scratch.World, state.PendingCredits(), result);

                // This incarnation's entries go with its record: the block keeps the committed incarnation's.
                record.Addresses = addresses?.Take();

                // The receipt's bloom (a hash per log address and topic) on the worker rather than at assembly.
                record.LogsBloom = result.IsValid && result.Logs.Count > 0 ? Receipt.LogsBloomOf(result.Logs, scratch.LogAddressBits) : null;
                return record;
            }
            catch (ReadDependencyException e)
            {
                addresses?.Discard();
                blocking = e.Position;
                return null;
            }
            catch (Exception e) when (e is not SequentialFallbackException and not OutOfMemoryException)
            {
                // An incarnation may have read a mix of states no sequential run sees, and fail where the final one
                // will not; its failure stands only if it is final (validated), and is then the block's, as it
                // would have been sequentially.
                addresses?.Discard();
                return recorder.Failed(ExceptionDispatchInfo.Capture(e));
            }
        }
    }

    /// <summary>
    /// What one worker runs its incarnations on, reset for each rather than allocated: the reader, the journaled
    /// world state (its dozen collections and journal keep the capacity they grew to) and the credit layer.
    /// </summary>
    private sealed class WorkerScratch
    {
        /// <summary>Journal entries allocated up front (a token transfer makes a few dozen).</summary>
        private const int JournalCapacity = 64;

        public WorkerScratch(IncarnationRecorder recorder, bool collectAddresses, int worker)
        {
            Worker = worker;
            Recorder = recorder;
            Addresses = collectAddresses ? new BlockAddressCollector() : null;
            World = new WorldState(recorder.Reader, JournalCapacity);
            State = new DeferredCreditState(World);
        }

        /// <summary>The worker's number at the scheduler.</summary>
        public int Worker { get; }

        /// <summary>The reader the world state loads through, and what turns an incarnation into its record.</summary>
        public IncarnationRecorder Recorder { get; }

        public WorldState World { get; }

        public DeferredCreditState State { get; }

        /// <summary>When the block collects its address-index entries: the tracer of each incarnation, whose entries go to its record.</summary>
        public BlockAddressCollector? Addresses { get; }

        /// <summary>The caller's incarnations without a close dependency net of those with one, until helpers are admitted (see DefaultHelperProbe).</summary>
        public int Probe;

        // What this worker did in the block (see Statistics).
        public long Incarnations;
        public long DependencyWaits;
        public long Validations;
        public long AbortedValidations;

        /// <summary>Adds this worker's counts to the executor's.</summary>
        public void AddCounts(ParallelBlockExecutor executor)
        {
            Interlocked.Add(ref executor._incarnations, Incarnations);
            Interlocked.Add(ref executor._dependencyWaits, DependencyWaits);
            Interlocked.Add(ref executor._validations, Validations);
            Interlocked.Add(ref executor._abortedValidations, AbortedValidations);
        }

        /// <summary>The bloom bits of the log addresses this worker met in the block (see <see cref="Receipt.BloomOf"/>).</summary>
        public Dictionary<Address, BloomBits> LogAddressBits { get; } = [];

        /// <summary>Ready for an incarnation at <paramref name="position"/>, as if all were new.</summary>
        public void Reset(int position)
        {
            Recorder.Reader.Reset(position);
            World.Reset(Recorder.Reader);
            State.Reset();
        }
    }

    /// <summary>
    /// Turns what one incarnation did into its position's record: the accounts it changed (an account whose fields it
    /// left as it read them is not written, so a contract whose storage every transaction changes is not a conflict),
    /// wipes of storage that existed, slots, code and credits. Its reads, writes and changed addresses go to arenas
    /// of its own (one recorder per worker), which the record takes as they are: nothing is copied or allocated per
    /// incarnation but the record itself.
    /// </summary>
    private sealed class IncarnationRecorder : IStateChangeSink
    {
        private readonly SegmentArena<VersionedRead> _reads = new();
        private readonly SegmentArena<VersionedWrite> _writes = new();
        private readonly SegmentArena<Address> _changed = new();
        private readonly List<KeyValuePair<Hash256, byte[]>> _code = [];
        private readonly MultiVersionMemory _memory;

        public IncarnationRecorder(MultiVersionMemory memory)
        {
            _memory = memory;
            Reader = new VersionedStateReader(memory, 0, _reads);
        }

        /// <summary>The reader an incarnation's world state loads through (reset for each incarnation).</summary>
        public VersionedStateReader Reader { get; }

        /// <summary>The record of an incarnation that ended on <paramref name="state"/> (its transaction finished) with <paramref name="credits"/>.</summary>
        public PositionRecord Record(WorldState state, IReadOnlyList<(Address Address, UInt256 Amount)> credits, TransactionResult? result)
        {
            _code.Clear();
            state.CollectChanges(this);
            // Indexed, not foreach: an interface's enumerator is an allocation per incarnation.
            for (int i = 0; i < credits.Count; i++)
            {
                (Address address, UInt256 amount) = credits[i];
                _changed.Add(address);
                _writes.Add(VersionedWrite.Credit(address, amount));
            }

            return _memory.NewRecord(Reader.TakeReads(), _writes.Take(), _code.Count == 0 ? [] : [.. _code], _changed.Take(), result);
        }

        /// <summary>The record of an incarnation that ended in <paramref name="failure"/>: what it read, nothing written.</summary>
        public PositionRecord Failed(ExceptionDispatchInfo failure)
        {
            _writes.Discard();
            _changed.Discard();
            return _memory.NewRecord(Reader.TakeReads(), ArraySegment<VersionedWrite>.Empty, [], ArraySegment<Address>.Empty, failure: failure);
        }

        /// <summary>Gives the arenas back to the pool (see <see cref="SegmentArena{T}.Return"/>).</summary>
        public void Return()
        {
            _reads.Return();
            _writes.Return();
            _changed.Return();
        }

        void IStateChangeSink.Account(in Address address, bool deleted, ulong nonce, in UInt256 balance, in Hash256 codeHash, bool storageCleared)
        {
            _changed.Add(address);
            AccountValue read = Reader.AccountRead(address);
            AccountValue now = deleted ? AccountValue.Missing : new AccountValue(true, nonce, balance, codeHash);
            if (now != read)
            {
                _writes.Add(VersionedWrite.OfAccount(address, now));
            }

            // A missing account has no storage to wipe (the memory keeps that so: deletions of existing accounts wipe).
            if (storageCleared && read.Exists)
            {
                _writes.Add(VersionedWrite.Wipe(address));
            }
        }

        void IStateChangeSink.Slot(in Address address, in UInt256 key, in UInt256 value) => _writes.Add(VersionedWrite.OfSlot(address, key, value));

        void IStateChangeSink.Code(in Hash256 codeHash, byte[] code) => _code.Add(new KeyValuePair<Hash256, byte[]>(codeHash, code));
    }
}

/// <summary>
/// What Block-STM's workers did over a number of blocks: incarnations started (a transaction's first execution and
/// every re-execution), those that stopped on another transaction's ESTIMATE, validations, and validations that found
/// a read changed and aborted the incarnation.
/// </summary>
public readonly record struct BlockStmStatistics(long Blocks, long Incarnations, long DependencyWaits, long Validations, long AbortedValidations)
{
    public static BlockStmStatistics operator -(BlockStmStatistics after, BlockStmStatistics before) => new(
        after.Blocks - before.Blocks,
        after.Incarnations - before.Incarnations,
        after.DependencyWaits - before.DependencyWaits,
        after.Validations - before.Validations,
        after.AbortedValidations - before.AbortedValidations);
}
