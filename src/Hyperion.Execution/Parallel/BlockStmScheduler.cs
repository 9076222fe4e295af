namespace Hyperion.Execution.Parallel;

/// <summary>A task of the collaborative scheduler: execute or validate incarnation <see cref="Incarnation"/> of transaction <see cref="Index"/>.</summary>
internal readonly record struct StmTask(bool IsValidation, int Index, int Incarnation);

/// <summary>
/// Block-STM's collaborative scheduler (Gelashvili et al., "Block-STM", 2022): every worker takes the lower of the
/// next transaction to execute and the next to validate, so validation keeps up with optimistic execution. A
/// transaction whose read met an ESTIMATE is suspended on the transaction that wrote it and resumed when that one
/// finishes; an aborted validation makes the transaction ready again with the next incarnation and sends validation
/// back to the transactions after it. The block is done when both indices are past the end and no task is active.
/// </summary>
internal sealed class BlockStmScheduler
{
    // A transaction's state is one word, changed by compare-and-swap: its incarnation above the status and flag bits, whether some
    // transaction waits on it (HasDependents), and its Status. A lock per transaction (an object, a Lock and a List of
    // dependents allocated for each of a block's transactions) cost two lock round trips per task, and the words
    // of neighbouring transactions, which the two workers of a block change at the same time, sat on one cache line:
    // each word has a line of its own (StateStride), in an array rented for the block.
    private const int StatusMask = 0b11;
    private const int HasDependents = 0b100;
    private const int IncarnationShift = 3;

    /// <summary>Ints from one transaction's word to the next: a 64-byte cache line.</summary>
    private const int StateStride = 16;

    private readonly int _count;
    private int[] _states;

    // The shared counters, each on a cache line of its own: every task changes one of the indices, and on one line
    // each change by one worker took the line away from the other worker's next change of a different one.
    private PaddedInt _executionIndex;
    private PaddedInt _validationIndex;
    private PaddedInt _decreaseCount;

    // Per worker, on a line of its own that only that worker writes: whether it holds a task (the paper's count of
    // active tasks, which every task incremented and decremented twice on a line both workers changed: a line taken
    // from the other core four times a transaction) and the incarnations it started. Both are read by others only at
    // the block's end (CheckDone) or when the conflicts make the block look like a chain.
    private readonly WorkerSlot[] _workers;

    // Conflicts met (a read that waited on an ESTIMATE, an aborted validation, an incarnation that read what a
    // transaction too close before it wrote): with the incarnations, what tells a worker that the block is a chain.
    private PaddedInt _conflicts;

    // Read by every worker between tasks, written once: on a line no counter changes.
    private PaddedFlags _flags;

    // The transactions waiting on each transaction (rare: only on an ESTIMATE), allocated on the first wait.
    private readonly Lock _dependencyGate = new();
    private List<int>?[]? _dependents;

    /// <param name="count">The block's transactions.</param>
    /// <param name="workers">The workers that take tasks, numbered from 0 (each passes its number).</param>
    /// <param name="conflictSample">The incarnations a third of which must meet a conflict before <see cref="MostlyConflictsSince"/> judges a chain.</param>
    public BlockStmScheduler(int count, int workers = 1, int conflictSample = DefaultConflictSample)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(conflictSample, 1);
        _count = count;
        _conflictSample = conflictSample;
        _workers = new WorkerSlot[workers];
        int length = Math.Max(count, 1) * StateStride;
        _states = System.Buffers.ArrayPool<int>.Shared.Rent(length);
        Array.Clear(_states, 0, length);
    }

    public bool Done => Volatile.Read(ref _flags.Done);

    /// <summary>Incarnations started and conflicts met so far in the block: the mark <see cref="MostlyConflictsSince"/> judges from.</summary>
    public (int Incarnations, int Conflicts) Progress => (Incarnations, Volatile.Read(ref _conflicts.Value));

    /// <summary>The incarnations every worker started.</summary>
    private int Incarnations
    {
        get
        {
            int incarnations = 0;
            for (int worker = 0; worker < _workers.Length; worker++)
            {
                incarnations += Volatile.Read(ref _workers[worker].Incarnations);
            }

            return incarnations;
        }
    }

    /// <summary>
    /// True once a third or more of the incarnations started since <paramref name="mark"/> met a conflict, counting
    /// at least the conflict sample of them (those not started yet as conflict-free): the block is mostly a
    /// dependency chain, where a second worker only executes transactions too early and makes the first wait on their
    /// aborts (a fully dependent chain ran 1.7× slower on two workers than on one). Helpers stop taking tasks then;
    /// what they leave, the remaining worker runs, so only the timing changes. Judged from when a helper joined: one
    /// that joins late (its thread waited for a core) must not count the conflict-free incarnations the first worker
    /// ran alone.
    /// </summary>
    /// <remarks>
    /// A third of at least the sample: a chain is judged as soon as it met a third of the sample's conflicts (6,
    /// about as many incarnations on a chain) rather than once the sample's 16 incarnations ran, and a block judged
    /// a chain now is one the sample would have judged a chain too once it reached the sample (its conflicts only grow). Each incarnation of a
    /// chain before the stop is Block-STM's work that the sequential executor then does again.
    /// </remarks>
    public bool MostlyConflictsSince((int Incarnations, int Conflicts) mark)
    {
        // The conflicts first: below a third of the sample no count of incarnations makes a chain, and the workers'
        // counts (lines the other workers write) need not be read between every two tasks of an independent block.
        int conflicts = Volatile.Read(ref _conflicts.Value) - mark.Conflicts;
        return conflicts * 3 >= _conflictSample && conflicts * 3 >= Incarnations - mark.Incarnations;
    }

    /// <summary>The incarnations a third of which must meet a conflict before <see cref="MostlyConflictsSince"/> judges a chain, by default.</summary>
    public const int DefaultConflictSample = 16;

    private readonly int _conflictSample;

    /// <summary>
    /// Counts an incarnation that read a value written by a transaction too close before it for the two to run at
    /// once (see the caller) as a conflict: a worker running the block alone meets no ESTIMATE and no failed
    /// validation even on a chain, and must still tell one (on a loaded machine the other workers may not get a core).
    /// </summary>
    public void CloseDependency() => Interlocked.Increment(ref _conflicts.Value);

    /// <summary>Stops every worker (a worker failed).</summary>
    public void Halt() => Volatile.Write(ref _flags.Done, true);

    /// <summary>
    /// Stops every worker so that the rest of the block runs sequentially (it proved to be a dependency chain): what
    /// is executed stays recorded, and the block keeps the longest prefix of it that validates (<see cref="IsExecuted"/>).
    /// </summary>
    public void StopForSequential()
    {
        Volatile.Write(ref _flags.StoppedForSequential, true);
        Volatile.Write(ref _flags.Done, true);
    }

    /// <summary>Whether <see cref="StopForSequential"/> ended the block's parallel execution.</summary>
    public bool StoppedForSequential => Volatile.Read(ref _flags.StoppedForSequential);

    /// <summary>Whether the transaction's latest incarnation finished executing (not aborted, not running, not waiting to run).</summary>
    public bool IsExecuted(int index) => StatusOf(State(index)) == Status.Executed;

    /// <summary>
    /// Gives the transactions' states back to the pool: only once no worker uses the scheduler any more. A scheduler
    /// never returned is simply collected.
    /// </summary>
    public void Return()
    {
        int[] states = _states;
        _states = [];
        if (states.Length > 0)
        {
            System.Buffers.ArrayPool<int>.Shared.Return(states);
        }
    }

    /// <summary>
    /// The next task, or null when there is none right now: the validation of the next transaction when it is
    /// executed, else the execution of the next one.
    /// </summary>
    /// <remarks>
    /// The validation index waits at a transaction still executing rather than passing it as the paper's does: a
    /// first incarnation writes locations new to it, so one passed while executing sent the index back to itself when
    /// it finished, and every transaction validated meanwhile was validated again (at two workers on independent
    /// transfers, ~45 % more validations than transactions). Waiting validates each once, after everything below it
    /// was executed; the other worker executes ahead meanwhile.
    /// </remarks>
    public StmTask? NextTask(int worker)
    {
        int validation = Volatile.Read(ref _validationIndex.Value);
        if (validation < Math.Min(Volatile.Read(ref _executionIndex.Value), _count) && NextVersionToValidate(worker, validation) is { } task)
        {
            return task;
        }

        return NextVersionToExecute(worker);
    }

    /// <summary>
    /// Suspends <paramref name="index"/> until <paramref name="blocking"/> finishes executing; false when it already
    /// has (the caller executes again at once).
    /// </summary>
    public bool AddDependency(int worker, int index, int blocking)
    {
        lock (_dependencyGate)
        {
            // The flag is set only while the blocker is not executed; FinishExecution clears it in the same
            // compare-and-swap that makes it executed, and takes the list under this gate when it was set.
            ref int blocker = ref StateRef(blocking);
            int word = Volatile.Read(ref blocker);
            while (true)
            {
                if (StatusOf(word) == Status.Executed)
                {
                    return false;
                }

                int seen = Interlocked.CompareExchange(ref blocker, word | HasDependents, word);
                if (seen == word)
                {
                    break;
                }

                word = seen;
            }

            _dependents ??= new List<int>?[_count];
            (_dependents[blocking] ??= []).Add(index);

            // Only this worker changes the state of a transaction it is executing, but a blocker's flag may be set on it.
            Change(index, static word => (word & ~StatusMask) | (int)Status.Aborting);
        }

        Interlocked.Increment(ref _conflicts.Value);
        EndTask(worker);
        return true;
    }

    /// <summary>
    /// Marks the incarnation executed and resumes the transactions waiting on it; the validation of this incarnation
    /// when it is the caller's to do next.
    /// </summary>
    public StmTask? FinishExecution(int worker, int index, int incarnation, bool wroteNewLocation)
    {
        int before = Change(index, static word => (word & ~(StatusMask | HasDependents)) | (int)Status.Executed);
        if ((before & HasDependents) != 0)
        {
            List<int>? dependents;
            lock (_dependencyGate)
            {
                dependents = _dependents![index];
                _dependents[index] = null;
            }

            ResumeDependencies(dependents);
        }

        if (Volatile.Read(ref _validationIndex.Value) > index)
        {
            if (!wroteNewLocation)
            {
                return new StmTask(true, index, incarnation);
            }

            DecreaseValidationIndex(index);
        }

        EndTask(worker);
        return null;
    }

    /// <summary>True when this validation aborts the incarnation (it is still the executed one and no one aborted it yet).</summary>
    public bool TryValidationAbort(int index, int incarnation)
    {
        // Executed words carry no dependents flag (a transaction executed is waited on by no one).
        ref int state = ref StateRef(index);
        int executed = (incarnation << IncarnationShift) | (int)Status.Executed;
        if (Interlocked.CompareExchange(ref state, (incarnation << IncarnationShift) | (int)Status.Aborting, executed) != executed)
        {
            return false;
        }

        Interlocked.Increment(ref _conflicts.Value);
        return true;
    }

    /// <summary>Ends a validation; after an abort, the re-execution when the caller should do it at once.</summary>
    public StmTask? FinishValidation(int worker, int index, bool aborted)
    {
        if (aborted)
        {
            SetReady(index);
            DecreaseValidationIndex(index + 1);
            if (Volatile.Read(ref _executionIndex.Value) > index && TryIncarnate(worker, index) is { } execution)
            {
                return execution;
            }
        }

        EndTask(worker);
        return null;
    }

    private StmTask? NextVersionToExecute(int worker)
    {
        if (Volatile.Read(ref _executionIndex.Value) >= _count)
        {
            CheckDone();
            return null;
        }

        // Active before the index moves past the transaction (the increment's full fence publishes it first):
        // CheckDone must not see the index past the end and no worker active while this one holds the task.
        StartTask(worker);
        int index = Interlocked.Increment(ref _executionIndex.Value) - 1;
        if (index < _count && TryIncarnate(worker, index) is { } task)
        {
            return task;
        }

        EndTask(worker);
        return null;
    }

    /// <summary>The validation of <paramref name="index"/> (the validation index) when it is executed and no other worker took it first.</summary>
    private StmTask? NextVersionToValidate(int worker, int index)
    {
        int word = State(index);
        if (StatusOf(word) != Status.Executed)
        {
            return null;
        }

        // Active before the index moves past it, as for an execution: CheckDone must not see both at once.
        StartTask(worker);
        if (Interlocked.CompareExchange(ref _validationIndex.Value, index + 1, index) == index)
        {
            return new StmTask(true, index, word >> IncarnationShift);
        }

        EndTask(worker);
        return null;
    }

    /// <summary>Ready → executing; the caller accounts for the active task either way.</summary>
    private StmTask? TryIncarnate(int worker, int index)
    {
        ref int state = ref StateRef(index);
        int word = Volatile.Read(ref state);
        while (StatusOf(word) == Status.ReadyToExecute)
        {
            int seen = Interlocked.CompareExchange(ref state, (word & ~StatusMask) | (int)Status.Executing, word);
            if (seen == word)
            {
                // Only this worker writes its count.
                ref int incarnations = ref _workers[worker].Incarnations;
                Volatile.Write(ref incarnations, incarnations + 1);
                return new StmTask(false, index, word >> IncarnationShift);
            }

            word = seen;
        }

        return null;
    }

    private void SetReady(int index) =>
        Change(index, static word => (((word >> IncarnationShift) + 1) << IncarnationShift) | (word & HasDependents) | (int)Status.ReadyToExecute);

    private void ResumeDependencies(List<int>? dependents)
    {
        if (dependents is null || dependents.Count == 0)
        {
            return;
        }

        foreach (int dependent in dependents)
        {
            SetReady(dependent);
        }

        DecreaseExecutionIndex(dependents.Min());
    }

    private void DecreaseExecutionIndex(int target)
    {
        InterlockedMin(ref _executionIndex.Value, target);
        Interlocked.Increment(ref _decreaseCount.Value);
    }

    private void DecreaseValidationIndex(int target)
    {
        InterlockedMin(ref _validationIndex.Value, target);
        Interlocked.Increment(ref _decreaseCount.Value);
    }

    private void CheckDone()
    {
        int observed = Volatile.Read(ref _decreaseCount.Value);
        if (Math.Min(Volatile.Read(ref _executionIndex.Value), Volatile.Read(ref _validationIndex.Value)) >= _count &&
            NoTaskActive() &&
            observed == Volatile.Read(ref _decreaseCount.Value))
        {
            Volatile.Write(ref _flags.Done, true);
        }
    }

    private bool NoTaskActive()
    {
        for (int worker = 0; worker < _workers.Length; worker++)
        {
            if (Volatile.Read(ref _workers[worker].Active) != 0)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The worker holds a task (a worker holds at most one). Followed by an interlocked change of an index, which publishes it first.</summary>
    private void StartTask(int worker) => Volatile.Write(ref _workers[worker].Active, 1);

    /// <summary>The worker's task is done; released after what the task changed (an index lowered, a transaction's state).</summary>
    private void EndTask(int worker) => Volatile.Write(ref _workers[worker].Active, 0);

    private ref int StateRef(int index) => ref _states[index * StateStride];

    private int State(int index) => Volatile.Read(ref StateRef(index));

    private static Status StatusOf(int word) => (Status)(word & StatusMask);

    /// <summary>Applies <paramref name="change"/> to the transaction's word atomically; the word before.</summary>
    private int Change(int index, Func<int, int> change)
    {
        ref int state = ref StateRef(index);
        int word = Volatile.Read(ref state);
        while (true)
        {
            int seen = Interlocked.CompareExchange(ref state, change(word), word);
            if (seen == word)
            {
                return word;
            }

            word = seen;
        }
    }

    private static void InterlockedMin(ref int location, int value)
    {
        int current = Volatile.Read(ref location);
        while (value < current)
        {
            int seen = Interlocked.CompareExchange(ref location, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }

    private enum Status
    {
        ReadyToExecute,
        Executing,
        Executed,
        Aborting,
    }

    /// <summary>An int alone on its cache line (the 64 bytes before it and the 60 after are padding).</summary>
    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Explicit, Size = 128)]
    private struct PaddedInt
    {
        [System.Runtime.InteropServices.FieldOffset(64)]
        public int Value;
    }

    /// <summary>One worker's state, on a line of its own (the 64 bytes before it and the 56 after are padding).</summary>
    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Explicit, Size = 128)]
    private struct WorkerSlot
    {
        /// <summary>1 while the worker holds a task.</summary>
        [System.Runtime.InteropServices.FieldOffset(64)]
        public int Active;

        /// <summary>The incarnations the worker started.</summary>
        [System.Runtime.InteropServices.FieldOffset(68)]
        public int Incarnations;
    }

    /// <summary>The flags every worker polls, on a line of their own.</summary>
    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Explicit, Size = 128)]
    private struct PaddedFlags
    {
        [System.Runtime.InteropServices.FieldOffset(64)]
        public bool Done;

        [System.Runtime.InteropServices.FieldOffset(65)]
        public bool StoppedForSequential;
    }
}
