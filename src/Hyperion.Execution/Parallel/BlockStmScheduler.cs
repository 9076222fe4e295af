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
    private readonly int _count;
    private readonly TransactionState[] _states;
    private int _executionIndex;
    private int _validationIndex;
    private int _decreaseCount;
    private int _activeTasks;
    private volatile bool _done;
    private volatile bool _stoppedForSequential;

    // Incarnations started and conflicts met (a read that waited on an ESTIMATE, an aborted validation): what tells
    // a helper worker that the block is a chain its work only re-executes.
    private int _incarnations;
    private int _conflicts;

    public BlockStmScheduler(int count)
    {
        _count = count;
        _states = new TransactionState[count];
        for (int i = 0; i < count; i++)
        {
            _states[i] = new TransactionState();
        }
    }

    public bool Done => _done;

    /// <summary>Incarnations started and conflicts met so far in the block: the mark <see cref="MostlyConflictsSince"/> judges from.</summary>
    public (int Incarnations, int Conflicts) Progress => (Volatile.Read(ref _incarnations), Volatile.Read(ref _conflicts));

    /// <summary>
    /// True once at least <see cref="ConflictSample"/> incarnations started since <paramref name="mark"/> and a third
    /// or more of them met a conflict: the block is mostly a dependency chain, where a second worker only executes
    /// transactions too early and makes the first wait on their aborts (a fully dependent chain ran 1.7× slower on
    /// two workers than on one). Helpers stop taking tasks then; what they leave, the remaining worker runs, so only
    /// the timing changes. Judged from when a helper joined: one that joins late (its thread waited for a core) must
    /// not count the conflict-free incarnations the first worker ran alone.
    /// </summary>
    public bool MostlyConflictsSince((int Incarnations, int Conflicts) mark)
    {
        int incarnations = Volatile.Read(ref _incarnations) - mark.Incarnations;
        return incarnations >= ConflictSample && (Volatile.Read(ref _conflicts) - mark.Conflicts) * 3 >= incarnations;
    }

    /// <summary>The incarnations seen before <see cref="MostlyConflictsSince"/> may judge.</summary>
    private const int ConflictSample = 16;

    /// <summary>Stops every worker (a worker failed).</summary>
    public void Halt() => _done = true;

    /// <summary>
    /// Stops every worker so that the rest of the block runs sequentially (it proved to be a dependency chain): what
    /// is executed stays recorded, and the block keeps the longest prefix of it that validates (<see cref="IsExecuted"/>).
    /// </summary>
    public void StopForSequential()
    {
        _stoppedForSequential = true;
        _done = true;
    }

    /// <summary>Whether <see cref="StopForSequential"/> ended the block's parallel execution.</summary>
    public bool StoppedForSequential => _stoppedForSequential;

    /// <summary>Whether the transaction's latest incarnation finished executing (not aborted, not running, not waiting to run).</summary>
    public bool IsExecuted(int index)
    {
        TransactionState state = _states[index];
        lock (state.Gate)
        {
            return state.Status == Status.Executed;
        }
    }

    /// <summary>The next task, or null when there is none right now.</summary>
    public StmTask? NextTask()
    {
        if (Volatile.Read(ref _validationIndex) < Volatile.Read(ref _executionIndex))
        {
            if (NextVersionToValidate() is { } validation)
            {
                return validation;
            }
        }
        else if (NextVersionToExecute() is { } execution)
        {
            return execution;
        }

        return null;
    }

    /// <summary>
    /// Suspends <paramref name="index"/> until <paramref name="blocking"/> finishes executing; false when it already
    /// has (the caller executes again at once).
    /// </summary>
    public bool AddDependency(int index, int blocking)
    {
        TransactionState blocker = _states[blocking];
        lock (blocker.Gate)
        {
            if (blocker.Status == Status.Executed)
            {
                return false;
            }

            TransactionState state = _states[index];
            lock (state.Gate)
            {
                state.Status = Status.Aborting;
            }

            blocker.Dependents.Add(index);
        }

        Interlocked.Increment(ref _conflicts);
        Interlocked.Decrement(ref _activeTasks);
        return true;
    }

    /// <summary>
    /// Marks the incarnation executed and resumes the transactions waiting on it; the validation of this incarnation
    /// when it is the caller's to do next.
    /// </summary>
    public StmTask? FinishExecution(int index, int incarnation, bool wroteNewLocation)
    {
        TransactionState state = _states[index];
        List<int> dependents;
        lock (state.Gate)
        {
            state.Status = Status.Executed;
            dependents = state.Dependents;
            state.Dependents = [];
        }

        ResumeDependencies(dependents);
        if (Volatile.Read(ref _validationIndex) > index)
        {
            if (!wroteNewLocation)
            {
                return new StmTask(true, index, incarnation);
            }

            DecreaseValidationIndex(index);
        }

        Interlocked.Decrement(ref _activeTasks);
        return null;
    }

    /// <summary>True when this validation aborts the incarnation (it is still the executed one and no one aborted it yet).</summary>
    public bool TryValidationAbort(int index, int incarnation)
    {
        TransactionState state = _states[index];
        lock (state.Gate)
        {
            if (state.Incarnation == incarnation && state.Status == Status.Executed)
            {
                state.Status = Status.Aborting;
                Interlocked.Increment(ref _conflicts);
                return true;
            }

            return false;
        }
    }

    /// <summary>Ends a validation; after an abort, the re-execution when the caller should do it at once.</summary>
    public StmTask? FinishValidation(int index, bool aborted)
    {
        if (aborted)
        {
            SetReady(index);
            DecreaseValidationIndex(index + 1);
            if (Volatile.Read(ref _executionIndex) > index && TryIncarnate(index) is { } execution)
            {
                return execution;
            }
        }

        Interlocked.Decrement(ref _activeTasks);
        return null;
    }

    private StmTask? NextVersionToExecute()
    {
        if (Volatile.Read(ref _executionIndex) >= _count)
        {
            CheckDone();
            return null;
        }

        Interlocked.Increment(ref _activeTasks);
        int index = Interlocked.Increment(ref _executionIndex) - 1;
        if (index < _count && TryIncarnate(index) is { } task)
        {
            return task;
        }

        Interlocked.Decrement(ref _activeTasks);
        return null;
    }

    private StmTask? NextVersionToValidate()
    {
        if (Volatile.Read(ref _validationIndex) >= _count)
        {
            CheckDone();
            return null;
        }

        Interlocked.Increment(ref _activeTasks);
        int index = Interlocked.Increment(ref _validationIndex) - 1;
        if (index < _count)
        {
            TransactionState state = _states[index];
            lock (state.Gate)
            {
                if (state.Status == Status.Executed)
                {
                    return new StmTask(true, index, state.Incarnation);
                }
            }
        }

        Interlocked.Decrement(ref _activeTasks);
        return null;
    }

    /// <summary>Ready → executing; the caller accounts for the active task either way.</summary>
    private StmTask? TryIncarnate(int index)
    {
        TransactionState state = _states[index];
        lock (state.Gate)
        {
            if (state.Status != Status.ReadyToExecute)
            {
                return null;
            }

            state.Status = Status.Executing;
            Interlocked.Increment(ref _incarnations);
            return new StmTask(false, index, state.Incarnation);
        }
    }

    private void SetReady(int index)
    {
        TransactionState state = _states[index];
        lock (state.Gate)
        {
            state.Incarnation++;
            state.Status = Status.ReadyToExecute;
        }
    }

    private void ResumeDependencies(List<int> dependents)
    {
        if (dependents.Count == 0)
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
        InterlockedMin(ref _executionIndex, target);
        Interlocked.Increment(ref _decreaseCount);
    }

    private void DecreaseValidationIndex(int target)
    {
        InterlockedMin(ref _validationIndex, target);
        Interlocked.Increment(ref _decreaseCount);
    }

    private void CheckDone()
    {
        int observed = Volatile.Read(ref _decreaseCount);
        if (Math.Min(Volatile.Read(ref _executionIndex), Volatile.Read(ref _validationIndex)) >= _count &&
            Volatile.Read(ref _activeTasks) == 0 &&
            observed == Volatile.Read(ref _decreaseCount))
        {
            _done = true;
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

    private enum Status : byte
    {
        ReadyToExecute,
        Executing,
        Executed,
        Aborting,
    }

    private sealed class TransactionState
    {
        /// <summary>
        /// A <see cref="Lock"/> rather than the instance's monitor: every task takes a transaction's lock, and the
        /// monitor's enter took its slow path (a profile's largest lock cost once the memory's first touch was lock-free).
        /// </summary>
        public readonly Lock Gate = new();

        public int Incarnation;
        public Status Status;
        public List<int> Dependents = [];
    }
}
