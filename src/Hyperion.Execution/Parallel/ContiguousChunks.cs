using System.Diagnostics;
using System.Runtime.InteropServices;
using Hyperion.Core;
using Hyperion.Core.Blocks;
using Hyperion.Core.Crypto;
using Hyperion.Core.Transactions;
using Hyperion.Evm;
using Hyperion.Evm.Precompiles;
using Hyperion.Execution.Blocks;
using Hyperion.Execution.Transactions;
using Hyperion.State;
using Hyperion.State.World;
using Hyperion.Trie;

namespace Hyperion.Execution.Parallel;

/// <summary>
/// An imported block's transactions split into contiguous chunks, one per thread, each run with the sequential
/// executor's own world state on the block's pre-state (after the pre-block system calls), as if the chunks before it
/// had changed nothing; then validated and merged in order. The cheap path for blocks that are in fact independent:
/// per transaction it costs the sequential executor's work plus a record of each location's first read from the
/// pre-state (the world state caches it, so once per chunk), where Block-STM keeps versions, records and validations
/// per transaction (1.22–1.39× the sequential executor at one thread).
/// </summary>
/// <remarks>
/// <para>Chunk k is valid when nothing it read from the pre-state was written by a chunk before it: an account read
/// against the accounts whose fields they changed (creation, deletion and a storage wipe count as a change), a slot
/// against their slots and wipes, a storage-emptiness query (EIP-7610) against any slot written or wiped. Its execution
/// then saw exactly what executing the block in order shows it, so its results and writes are the sequential ones.
/// The fee every transaction pays the fee recipients is kept as a credit (<see cref="DeferredCreditState"/>), summed
/// per chunk and applied after the valid chunks; any read of a fee recipient invalidates the chunk (its own chunk's
/// earlier credits would be missing from it).</para>
/// <para>From the first invalid chunk (or one whose transaction threw) the rest of the block runs sequentially on the
/// merged state, as the sequential executor runs it, so an invalid block fails with the same error. The receipts'
/// cumulative gas and the block's gas and blob-gas checks are taken in block order by the same
/// <see cref="BlockAssembly"/> as the sequential executor's.</para>
/// </remarks>
internal sealed class ContiguousChunks
{
    private readonly BlockExecutor _sequential;
    private readonly BlockInput? _block;
    private readonly BlockEnvironment _environment;
    private readonly PrecompileTable _precompiles;
    private readonly TransactionProcessor _processor;
    private readonly Address[] _feeRecipients;
    private readonly IReadOnlyList<(Transaction Transaction, Address Sender)> _transactions;
    private readonly Chunk[] _chunks;
    private readonly IStateReader _parent;
    private readonly Scratch _scratch;

    // A laned run's transaction at each position (the chunks being ranges of positions): the lane's and some others
    // first, in block order, then the rest in block order; null for contiguous chunks (position = index).
    private readonly int[]? _order;

    // Where the contracts a conflict names are learned (null: nowhere).
    private readonly HotContracts? _hot;

    // The block's changes so far in ascending address order (the system calls' while the chunks run; then with the
    // valid chunks', the tail's), and the code they deployed: the chunks' and the tail's reader reads through them.
    private List<MergedChange> _merged;
    private readonly Dictionary<Hash256, byte[]> _code;
    private readonly MergedReader _reader;
    private LeafChunks? _transactionLeaves;
    // The last chunk claimed: the first is the caller's own (sized by the split), the helpers claim from the second.
    private int _nextChunk;
    private volatile bool _closed;

    // Set once the chunks' pre-state is ready (the system calls merged): the helpers, started before, wait for it.
    private volatile bool _open;
    private volatile LeafChunks? _receiptLeaves;
    private int _transactionsRootClaimed;

    // This run's number among all (from 0): whose read tables a chunk holds (see Chunk.EmptyReadsAhead).
    private readonly long _number = Interlocked.Increment(ref s_runs);
    private static long s_runs = -1;

    // The first chunk's changes merged into the system calls' in the caller's wait (the chunks still read _merged, so
    // a list of its own until they are done), and the second's merged into those by the helper that ran it, while the
    // caller validates and assembles that chunk (used only if it is valid; see HelperMerge).
    private volatile List<MergedChange>? _mergedAhead;
    private List<MergedChange>? _helperMergeInto;
    private int _helperMerge;
    private const int HelperMergeOpen = 0, HelperMergeClaimed = 1, HelperMergeDone = 2, HelperMergeClosed = -1;

    /// <param name="block">The block (its system calls, withdrawals and rewards, its receipts' and transactions' tries), or null: <paramref name="transactions"/> alone (a state test's).</param>
    /// <param name="lane">The transactions that go into the first part, with some others (a laned run), or null (contiguous chunks); <paramref name="laned"/> of them, at most an even share.</param>
    private ContiguousChunks(BlockExecutor sequential, BlockInput? block, IReadOnlyList<(Transaction Transaction, Address Sender)> transactions, IStateReader parent, BlockEnvironment environment, PrecompileTable precompiles, TransactionProcessor processor, int threads, Scratch scratch, bool[]? lane = null, int laned = 0, HotContracts? hot = null)
    {
        // The helpers first: their wake-up overlaps the chunks' set-up (tables emptied) and the system calls (Start).
        int count = transactions.Count;
        int chunks = Math.Max(1, Math.Min(threads, count));
        _scratch = scratch;
        scratch.StartHelpers(this, chunks - 1);
        try
        {
            _sequential = sequential;
            _block = block;
            _parent = parent;
            _environment = environment;
            _precompiles = precompiles;
            _processor = processor;
            _feeRecipients = [.. sequential.Handler.FeeRecipients(environment).Distinct()];
            _transactions = transactions;
            _merged = scratch.TakeList();
            _code = scratch.Code;
            _reader = new MergedReader(this);
            _chunks = new Chunk[chunks];
            _hot = hot;

            // The caller's chunk (the first) takes the share the last blocks' timing gave it, the helpers' the rest evenly.
            int first = chunks == 1 ? count : Math.Clamp((int)(((long)count * scratch.FirstChunkShare(chunks)) >> Scratch.ShareBits), 1, count - (chunks - 1));
            if (lane is not null && chunks > 1 && laned <= count - (chunks - 1))
            {
                // The lane (at most an even share) and the first others fill the caller's part, the rest the helpers'.
                first = Math.Max(first, laned);
                _order = scratch.Order(count);
                int lanePart = 0, rest = first, others = 0;
                for (int i = 0; i < count; i++)
                {
                    if (lane[i] || others++ < first - laned)
                    {
                        _order[lanePart++] = i;
                    }
                    else
                    {
                        _order[rest++] = i;
                    }
                }
            }

            for (int i = 0; i < chunks; i++)
            {
                int from = i == 0 ? 0 : first + (int)((long)(count - first) * (i - 1) / (chunks - 1));
                int to = i == 0 ? first : first + (int)((long)(count - first) * i / (chunks - 1));
                _chunks[i] = scratch.Chunk(i);

                // Contiguous chunks: a chunk is checked against those before it. Laned parts interleave in block order:
                // each against every other, on every location it wrote at any point (see ReadsWritten). What a chunk
                // wrote is its sorted change list, made either way.
                _chunks[i].Begin(this, from, to, block?.CollectAddresses == true, recordReads: i > 0 || _order is not null);
            }
        }
        catch
        {
            // The helpers started wait for the run to open: it never will.
            _closed = true;
            scratch.EndHandoff(this);
            throw;
        }
    }

    /// <summary>
    /// What a block's run allocates that the next one can reuse: each chunk's world state, read and write sets and
    /// change list, the merged changes' lists (their capacity kept); and the helpers waiting after a block for the
    /// next. Not thread-safe but for that hand-off: one block at a time takes it.
    /// </summary>
    internal sealed class Scratch
    {
        private readonly List<Chunk> _chunks = [];
        private readonly Stack<List<MergedChange>> _lists = new();

        public Dictionary<Hash256, byte[]> Code { get; } = [];

        /// <summary>A change list (the system calls' or the tail's) emptied.</summary>
        public ChangeList Changes { get; } = new();

        public Chunk Chunk(int index)
        {
            while (_chunks.Count <= index)
            {
                _chunks.Add(new Chunk());
            }

            return _chunks[index];
        }

        private int[] _order = [];
        private int[] _positions = [];

        /// <summary>A laned run's order of <paramref name="count"/> transactions (see <c>_order</c>; its contents stale).</summary>
        public int[] Order(int count) => _order.Length >= count ? _order : _order = new int[count];

        /// <summary>Each of <paramref name="count"/> transactions' position in a laned run's order (its contents stale).</summary>
        public int[] Positions(int count) => _positions.Length >= count ? _positions : _positions = new int[count];

        /// <summary>An empty list for merged changes (two are used in turn).</summary>
        public List<MergedChange> TakeList()
        {
            List<MergedChange> list = _lists.TryPop(out List<MergedChange>? spare) ? spare : [];
            list.Clear();
            return list;
        }

        public void ReturnList(List<MergedChange> list) => _lists.Push(list);

        // Helpers that ended a block and wait a little for the next (see NextRun): how many are not yet claimed by a
        // block, and the block the claimed ones join (as many as it claimed, whichever of the waiting ones take it).
        private int _waitingHelpers;
        private int _handoffsLeft;
        private ContiguousChunks? _handoff;

        /// <summary>
        /// How long a helper that ended a block waits for the next before it leaves (a pool thread's wake-up costs a
        /// ×2 block ~0.2 ms; blocks of a backlog, a node catching up or importing a batch, come back to back). Bounded:
        /// an idle node's helpers spin this long after its last block, then sleep.
        /// </summary>
        private readonly long _helperWaitTicks;

        /// <param name="helperWait">How long a helper waits for the next block (default 0.3 ms; longer in tests that must see it join).</param>
        public Scratch(TimeSpan? helperWait = null) =>
            _helperWaitTicks = (long)((helperWait ?? TimeSpan.FromMicroseconds(300)).TotalSeconds * Stopwatch.Frequency);

        /// <summary>Helpers waiting after a block for the next, not yet claimed by one.</summary>
        public int WaitingHelpers => Volatile.Read(ref _waitingHelpers);

        /// <summary>How many times a helper waiting after a block joined the next one (instead of one started on the pool).</summary>
        public long HelpersHandedOff => Interlocked.Read(ref _helpersHandedOff);

        private long _helpersHandedOff;

        /// <summary>
        /// Starts <paramref name="run"/>'s <paramref name="helpers"/> helpers: those still waiting after the last block
        /// join it at once (<see cref="NextRun"/>), the others are started on the thread pool. Which thread runs which
        /// chunk changes no result (a helper that never comes leaves its chunks to the caller).
        /// </summary>
        public void StartHelpers(ContiguousChunks run, int helpers)
        {
            int claimed = 0;
            int waiting;
            while (claimed < helpers && (waiting = Volatile.Read(ref _waitingHelpers)) > 0)
            {
                if (Interlocked.CompareExchange(ref _waitingHelpers, waiting - 1, waiting) == waiting)
                {
                    claimed++;
                }
            }

            if (claimed > 0)
            {
                // The block first, then the claims on it (a helper takes a claim, then reads the block).
                Volatile.Write(ref _handoff, run);
                Interlocked.Add(ref _handoffsLeft, claimed);
                Interlocked.Add(ref _helpersHandedOff, claimed);
            }

            for (int i = claimed; i < helpers; i++)
            {
                Task.Factory.StartNew(run.HelpAndStay, CancellationToken.None, TaskCreationOptions.DenyChildAttach, TaskScheduler.Default);
            }
        }

        /// <summary>The block <paramref name="run"/> ended: a helper claimed for it that has not joined yet finds none to join.</summary>
        public void EndHandoff(ContiguousChunks run) => Interlocked.CompareExchange(ref _handoff, null, run);

        /// <summary>
        /// On a helper that ended its block: the next block that claims it within the helpers' wait, or null.
        /// A helper past its wait leaves unless a block claimed it meanwhile (then it takes that block).
        /// </summary>
        public ContiguousChunks? NextRun()
        {
            Interlocked.Increment(ref _waitingHelpers);
            long deadline = Stopwatch.GetTimestamp() + _helperWaitTicks;
            while (true)
            {
                int left = Volatile.Read(ref _handoffsLeft);
                if (left > 0 && Interlocked.CompareExchange(ref _handoffsLeft, left - 1, left) == left)
                {
                    if (Volatile.Read(ref _handoff) is { } run)
                    {
                        return run;
                    }

                    // That block ended before this helper joined it: it waits for the next one as before.
                    Interlocked.Increment(ref _waitingHelpers);
                    continue;
                }

                if (Stopwatch.GetTimestamp() > deadline)
                {
                    // Leaves by taking itself off the waiting count; at zero every waiting helper was claimed, this one too.
                    int waiting = Volatile.Read(ref _waitingHelpers);
                    if (waiting > 0 && Interlocked.CompareExchange(ref _waitingHelpers, waiting - 1, waiting) == waiting)
                    {
                        return null;
                    }
                }

                Thread.SpinWait(20);
            }
        }

        /// <summary>Shares of a block's transactions are in units of 2^-ShareBits.</summary>
        public const int ShareBits = 16;

        private int _firstChunkShare;
        private int _firstChunkShareOf;

        /// <summary>
        /// The share of a block's transactions the first chunk (the caller's) takes among <paramref name="chunks"/>:
        /// an even split until blocks have been timed. The caller also makes the receipts' trie, but a helper starts
        /// later and records its reads: the split that ends both together is measured (<see cref="Rebalance"/>), not assumed.
        /// </summary>
        public int FirstChunkShare(int chunks)
        {
            if (_firstChunkShareOf != chunks)
            {
                _firstChunkShareOf = chunks;
                _firstChunkShare = (1 << ShareBits) / chunks;
            }

            return _firstChunkShare;
        }

        /// <summary>
        /// Moves the first chunk's share by half of what would have made the caller's part of the last block (its chunk
        /// and what it did before waiting) end with the helpers' last chunk: <paramref name="callerWaited"/> ticks
        /// (negative: the helpers had ended that long before), at <paramref name="ticksPerTransaction"/> on the caller.
        /// Which thread runs which transactions changes no result (see <see cref="ContiguousChunks"/>), only when the block ends.
        /// </summary>
        public void Rebalance(int chunks, int count, long callerWaited, long ticksPerTransaction)
        {
            if (_firstChunkShareOf != chunks || count == 0 || ticksPerTransaction <= 0)
            {
                return;
            }

            // Moving d transactions to the first chunk ends the caller's part d·t later and each of the others' d·t/(chunks−1) sooner.
            long moved = callerWaited * (chunks - 1) / (ticksPerTransaction * chunks);
            long step = (moved << ShareBits) / count / 2;
            int even = (1 << ShareBits) / chunks;
            _firstChunkShare = (int)Math.Clamp(_firstChunkShare + step, even / 2, Math.Min(2 * even, (1 << ShareBits) * 3 / 4));
        }

        /// <summary>
        /// Test seams around the helper's merge (null outside tests): on the helper once it has claimed the merge, before
        /// it reads the list to merge into; on the caller before it closes the merge. A test holds the one until the
        /// other arrives, the interleaving of a helper preempted right after its claim.
        /// </summary>
        internal Action? AfterHelperClaimsMerge { get; set; }

        /// <inheritdoc cref="AfterHelperClaimsMerge"/>
        internal Action? BeforeCallerClosesMerge { get; set; }

        /// <summary>
        /// Test seams (null outside tests): on the helper after its chunk, before it looks for the merge, and on the
        /// caller once the first chunk is merged ahead (the merge open to the helper). A test holds the one until the
        /// other arrives: a helper whose chunk ends first (it starts with its world state emptied ahead) then claims.
        /// </summary>
        internal Action? BeforeHelperMerges { get; set; }

        /// <inheritdoc cref="BeforeHelperMerges"/>
        internal Action? AfterCallerMergesAhead { get; set; }

        /// <summary>Empties it for the next block once nothing of this one refers to it (the change set copies what it keeps).</summary>
        public void Clear()
        {
            Code.Clear();
            Changes.Clear();
        }
    }

    /// <summary>Whether a chunk was invalid (the rest of the block then ran sequentially), or a laned run's parts were not independent (the whole block then ran sequentially).</summary>
    public bool Conflicted { get; private set; }

    /// <summary>Whether the block ran laned (its parts subsequences of the block, see <see cref="TryImport"/>).</summary>
    public bool Laned => _order is not null;

    /// <summary>
    /// The block imported through contiguous chunks on <paramref name="threads"/> threads; null when this path cannot
    /// express it (a fee recipient that exists empty: a zero credit deletes it, with its storage, mid-block — the
    /// caller runs it otherwise).
    /// </summary>
    /// <remarks>
    /// With a <paramref name="lane"/> (<see cref="HotContracts.Lane"/>) the run is laned: the first part (the caller's)
    /// is the lane's transactions and the first others, in block order, the other parts split the rest, in block order.
    /// It is valid when no part read from the pre-state anything another part wrote at any point, and no two parts
    /// wrote one account (a slot written marks its account written): then every transaction saw what the block in
    /// order shows it, and the parts' changes are disjoint, merged in any order. Otherwise the whole block runs
    /// sequentially on the system calls' state (as the tail of a contiguous try whose first chunk conflicted).
    /// </remarks>
    /// <param name="scratch">Reused from the previous block (see <see cref="Scratch"/>); the caller gives each block its own at a time.</param>
    /// <param name="hot">Learns the contracts a conflict names (the addresses of the locations that failed validation, if they hold code).</param>
    public static BlockExecution? TryImport(BlockExecutor sequential, BlockInput block, IStateReader parent, BlockEnvironment environment, PrecompileTable precompiles, TransactionProcessor processor, int threads, Scratch scratch, out bool conflicted, bool[]? lane = null, int laned = 0, HotContracts? hot = null)
    {
        var run = new ContiguousChunks(sequential, block, block.Transactions, parent, environment, precompiles, processor, threads, scratch, lane, laned, hot);
        conflicted = false;
        try
        {
            if (!run.Start())
            {
                return null;
            }

            BlockExecution execution = run.Laned ? run.ImportLanedOnCaller() : run.ImportOnCaller();
            conflicted = run.Conflicted;
            return execution;
        }
        finally
        {
            // The helpers still waiting leave (they take nothing more of this block).
            run._closed = true;
            run.Return();
        }
    }

    /// <summary>
    /// <paramref name="transactions"/> alone (no block around them: a state test's), as executing them in order on
    /// <paramref name="parent"/> gives them — a rejected one leaves the state as it was, one that throws throws as in
    /// order —; null when this path cannot express them (see <see cref="TryImport"/>).
    /// </summary>
    public static (IReadOnlyList<TransactionResult> Results, StateChangeSet Changes)? TryExecuteTransactions(BlockExecutor sequential, IReadOnlyList<(Transaction Transaction, Address Sender)> transactions, IStateReader parent, BlockEnvironment environment, PrecompileTable precompiles, TransactionProcessor processor, int threads, Scratch scratch)
    {
        var run = new ContiguousChunks(sequential, null, transactions, parent, environment, precompiles, processor, threads, scratch);
        try
        {
            if (!run.Start())
            {
                return null;
            }

            var results = new TransactionResult[transactions.Count];
            int valid = run.ValidChunks(chunk => Array.Copy(chunk.Results, 0, results, chunk.From, chunk.To - chunk.From));
            run.Merge(valid);
            WorldState tail = run.Tail(valid);
            for (int i = valid < run._chunks.Length ? run._chunks[valid].From : transactions.Count; i < transactions.Count; i++)
            {
                results[i] = processor.Execute(tail, transactions[i].Transaction, transactions[i].Sender);
            }

            return (results, run.Changes(tail));
        }
        finally
        {
            run._closed = true;
            run.Return();
        }
    }

    /// <summary>
    /// The system calls (a block's), the helpers being on their way (started by the constructor: their wake-up, a
    /// fraction of a millisecond, overlaps the set-up); false when this path cannot express the block (a fee recipient
    /// that exists empty: a zero credit deletes it, with its storage, mid-block).
    /// </summary>
    private bool Start()
    {
        // The pre-block system calls, sequentially: their changes are the chunks' pre-state.
        if (_block is not null)
        {
            var system = new WorldState(_parent);
            _sequential.RunSystemCalls(system, _block, _environment, _precompiles);
            MergeCollected(system);
        }

        foreach (Address recipient in _feeRecipients)
        {
            if (_reader.TryGetAccount(recipient, out Account account) && account.Nonce == 0 && account.Balance.IsZero && account.CodeHash == Keccak256.OfEmpty)
            {
                _closed = true;
                return false;
            }
        }

        _open = true;
        return true;
    }

    /// <summary>The leaves of the trie of all the block's transactions (none without a block), made by whichever thread first needs them.</summary>
    private LeafChunks? TransactionLeaves()
    {
        if (_block is null || _transactionLeaves is { } made)
        {
            return _transactionLeaves;
        }

        var leaves = new LeafChunks(BlockLists.TransactionsTrie(_transactions));
        return Interlocked.CompareExchange(ref _transactionLeaves, leaves, null) ?? leaves;
    }

    /// <summary>
    /// Runs chunks on this thread until none is left to claim, then takes the chunks in order as each is done (hashing
    /// the transactions' leaves while it waits for one): validates it against the valid ones before it and hands it to
    /// <paramref name="eachValid"/> — its own chunks while the helpers still run theirs —; returns how many were valid
    /// (whose changes <see cref="Merge"/> then merges) once every chunk is done.
    /// </summary>
    /// <param name="beforeWait">Done on this thread once it has no chunk left to run, before it takes the chunks.</param>
    private int ValidChunks(Action<Chunk> eachValid, Action? beforeWait = null)
    {
        RunChunks(onCaller: true);
        beforeWait?.Invoke();
        long ready = 0;
        int valid = 0;
        var spin = default(SpinWait);
        try
        {
            while (valid < _chunks.Length)
            {
                Chunk chunk = _chunks[valid];

                // The caller's part ends at the first chunk it did not run (every chunk it ran is done; Done published RanOnCaller).
                if (ready == 0 && !(chunk.Done && chunk.RanOnCaller))
                {
                    ready = Stopwatch.GetTimestamp();
                }

                while (!chunk.Done)
                {
                    if (TransactionLeaves()?.TakeOne() != true)
                    {
                        spin.SpinOnce(-1);
                    }
                }

                if (!Valid(valid))
                {
                    break;
                }

                eachValid(chunk);
                valid++;
            }
        }
        finally
        {
            // Nothing merges, and no block reuses the chunks, while a helper still runs one (every chunk was claimed).
            foreach (Chunk chunk in _chunks)
            {
                while (!chunk.Done)
                {
                    spin.SpinOnce(-1);
                }
            }
        }

        Rebalance(ready == 0 ? Stopwatch.GetTimestamp() : ready);
        Conflicted = valid < _chunks.Length;
        return valid;
    }

    /// <summary>
    /// After the chunks of a block whose every chunk but the first (always the caller's, <see cref="RunChunks"/>) ran on
    /// a helper: the split of the next block moved towards ending both at once (<paramref name="ready"/>: when the
    /// caller had done its part).
    /// </summary>
    private void Rebalance(long ready)
    {
        Chunk first = _chunks[0];
        if (_block is null || _chunks.Length < 2 || first.To == first.From)
        {
            return;
        }

        long helpersEnded = long.MinValue;
        for (int k = 1; k < _chunks.Length; k++)
        {
            if (_chunks[k].RanOnCaller)
            {
                return;
            }

            helpersEnded = Math.Max(helpersEnded, _chunks[k].EndedAt);
        }

        _scratch.Rebalance(_chunks.Length, _transactions.Count, helpersEnded - ready, (first.EndedAt - first.StartedAt) / (first.To - first.From));
    }

    /// <summary>
    /// Merges the first <paramref name="valid"/> chunks' changes (each sorted by its thread), in order, into the block's:
    /// those the caller merged in its wait and the helper after its chunk taken as they are (every chunk is done).
    /// </summary>
    private void Merge(int valid)
    {
        int k = 0;
        if (_mergedAhead is { } ahead)
        {
            // Made only once the first chunk was valid (valid ≥ 1).
            _mergedAhead = null;
            _scratch.ReturnList(_merged);
            _merged = ahead;
            KeepCode(_chunks[0].Changes);
            k = 1;
            if (TakeHelperMerge() is { } helperMerged)
            {
                if (valid >= 2)
                {
                    _scratch.ReturnList(_merged);
                    _merged = helperMerged;
                    KeepCode(_chunks[1].Changes);
                    k = 2;
                }
                else
                {
                    _scratch.ReturnList(helperMerged);
                }
            }
        }

        for (; k < valid; k++)
        {
            MergeSorted(_chunks[k].Changes);
        }
    }

    /// <summary>
    /// In the caller's wait, the first chunk (valid, done) merged into the system calls' changes, kept aside while the
    /// other chunks still read those; with two chunks, a list for the helper to merge the second chunk's into it.
    /// </summary>
    private void MergeFirstAhead()
    {
        List<MergedChange> ahead = _scratch.TakeList();
        ChangeList first = _chunks[0].Changes;
        ahead.EnsureCapacity(_merged.Count + first.Accounts.Count);
        MergeInto(_merged, first, new MergedList(ahead));
        if (_chunks.Length == 2)
        {
            List<MergedChange> into = _scratch.TakeList();
            into.EnsureCapacity(ahead.Count + _chunks[1].To - _chunks[1].From);
            _helperMergeInto = into;
        }

        // Published after the helper's list: a helper that sees it finds that list.
        _mergedAhead = ahead;
        _scratch.AfterCallerMergesAhead?.Invoke();
    }

    /// <summary>
    /// On the helper that ran the second (last) of two chunks: its changes merged into the first chunk's merged ahead,
    /// if the caller made those already and has not closed the merge; the caller takes the result if the chunk is valid.
    /// Which thread merges changes no result (the same pass over the same lists).
    /// </summary>
    private void HelperMerge()
    {
        _scratch.BeforeHelperMerges?.Invoke();
        if (_mergedAhead is not { } ahead || Interlocked.CompareExchange(ref _helperMerge, HelperMergeClaimed, HelperMergeOpen) != HelperMergeOpen)
        {
            return;
        }

        _scratch.AfterHelperClaimsMerge?.Invoke();
        try
        {
            MergeInto(ahead, _chunks[1].Changes, new MergedList(_helperMergeInto!));
        }
        catch
        {
            // The caller merges itself (as without the helper) and takes the list back.
            _helperMergeInto!.Clear();
            Volatile.Write(ref _helperMerge, HelperMergeClosed);
            return;
        }

        Volatile.Write(ref _helperMerge, HelperMergeDone);
    }

    /// <summary>
    /// On the caller once every chunk is done: the helper's merge of the second chunk (waited for if under way), or null
    /// (none was made: the merge is closed to the helper); the helper's list goes back to the scratch either way.
    /// </summary>
    private List<MergedChange>? TakeHelperMerge()
    {
        List<MergedChange>? into = _helperMergeInto;
        if (into is null)
        {
            return null;
        }

        _scratch.BeforeCallerClosesMerge?.Invoke();
        var spin = default(SpinWait);
        int state;
        while ((state = Interlocked.CompareExchange(ref _helperMerge, HelperMergeClosed, HelperMergeOpen)) == HelperMergeClaimed)
        {
            spin.SpinOnce(-1);
        }

        // Only once the merge is closed or done: a helper that claimed it between this thread's read and its close reads
        // the list after its claim (cleared before, the helper threw on it with the merge claimed, and this loop never ended).
        _helperMergeInto = null;
        if (state == HelperMergeDone)
        {
            return into;
        }

        _scratch.ReturnList(into);
        return null;
    }

    /// <summary>The code <paramref name="changes"/> deployed, for the readers after the merge (the tail's).</summary>
    private void KeepCode(ChangeList changes)
    {
        // Most blocks deploy nothing: no pass over ~1,000 records (the helper's chunk's from the other core's cache).
        if (!changes.DeployedCode)
        {
            return;
        }

        foreach (ChangedAccount change in changes.Accounts)
        {
            if (change.Code is { } code)
            {
                _code[change.CodeHash] = code;
            }
        }
    }

    /// <summary>Merges what <paramref name="state"/> (the system calls', the tail's, on the block's changes so far) changed into the block's.</summary>
    private void MergeCollected(WorldState state) => MergeSorted(Collected(state));

    /// <summary>What <paramref name="state"/> changed, sorted (in the scratch's list).</summary>
    private ChangeList Collected(WorldState state)
    {
        ChangeList changes = _scratch.Changes;
        changes.Clear();
        state.CollectChangesByAddress(changes);
        changes.Sort();
        return changes;
    }

    /// <summary>
    /// Merges <paramref name="later"/>, made on the block's changes so far, into them in one pass over both (ascending
    /// addresses): its fields are current (the system calls' and the tail's world state read through the changes so
    /// far; a valid chunk read every account it reports from a pre-state no chunk before it changed), a deletion or a
    /// wipe drops the slots before, slots and code overwrite.
    /// </summary>
    private void MergeSorted(ChangeList later)
    {
        List<MergedChange> earlier = _merged;
        List<MergedChange> merged = _scratch.TakeList();
        merged.EnsureCapacity(earlier.Count + later.Accounts.Count);
        KeepCode(later);
        MergeInto(earlier, later, new MergedList(merged));
        _merged = merged;
        _scratch.ReturnList(earlier);
    }

    /// <summary>
    /// The pass of <see cref="MergeSorted"/>: <paramref name="earlier"/> and <paramref name="later"/> merged into
    /// <paramref name="into"/> (the code deployed is not kept for the readers: <see cref="KeepCode"/>).
    /// </summary>
    private static void MergeInto<TInto>(List<MergedChange> earlier, ChangeList later, TInto into)
        where TInto : struct, IMergedChanges
    {
        int i = 0, j = 0;
        while (i < earlier.Count || j < later.Accounts.Count)
        {
            int order = i == earlier.Count ? 1 : j == later.Accounts.Count ? -1 : earlier[i].Address.CompareTo(later.Accounts[j].Address);
            if (order < 0)
            {
                into.Add(earlier[i++]);
                continue;
            }

            ChangedAccount change = later.Accounts[j++];
            ReadOnlySpan<KeyValuePair<UInt256, UInt256>> slots = later.SlotsOf(change);
            if (order > 0 || change.Deleted || change.StorageCleared)
            {
                into.Add(new MergedChange(change.Address, change.Deleted, change.Nonce, change.Balance, change.CodeHash, change.StorageCleared, slots.IsEmpty ? [] : slots.ToArray(), change.Code));
                i += order == 0 ? 1 : 0;
                continue;
            }

            MergedChange before = earlier[i++];
            into.Add(new MergedChange(
                change.Address, false, change.Nonce, change.Balance, change.CodeHash, before.StorageCleared || before.Deleted,
                MergeSlots(before.Deleted ? [] : before.Storage, slots), change.Code ?? (before.Deleted ? null : before.Code)));
        }
    }

    /// <summary>Where a merge pass writes: the block's changes so far, or its change set (the last pass).</summary>
    private interface IMergedChanges
    {
        void Add(in MergedChange change);
    }

    private readonly struct MergedList(List<MergedChange> list) : IMergedChanges
    {
        public void Add(in MergedChange change) => list.Add(change);
    }

    /// <summary>The block's net changes as the sequential executor's world state collects them (ascending addresses, each account's slots by key) and the code they deployed.</summary>
    private readonly struct ChangeSetAccounts(List<AccountChange> accounts, SortedDictionary<Hash256, byte[]> code) : IMergedChanges
    {
        public void Add(in MergedChange change)
        {
            accounts.Add(new AccountChange(change.Address, change.Deleted, change.Nonce, change.Balance, change.CodeHash, change.StorageCleared, change.Storage));
            if (!change.Deleted && change.Code is { Length: > 0 } bytes)
            {
                code[change.CodeHash] = bytes;
            }
        }
    }

    /// <summary>Two ascending slot lists as one, <paramref name="later"/>'s value where both have a key.</summary>
    private static KeyValuePair<UInt256, UInt256>[] MergeSlots(KeyValuePair<UInt256, UInt256>[] earlier, ReadOnlySpan<KeyValuePair<UInt256, UInt256>> later)
    {
        if (later.IsEmpty)
        {
            return earlier;
        }

        if (earlier.Length == 0)
        {
            return later.ToArray();
        }

        // Counted first, then written into an array of that size: a list and its copy were twice a token's slots a block.
        int count = 0;
        for (int i = 0, j = 0; i < earlier.Length || j < later.Length; count++)
        {
            int order = i == earlier.Length ? 1 : j == later.Length ? -1 : earlier[i].Key.CompareTo(later[j].Key);
            i += order <= 0 ? 1 : 0;
            j += order >= 0 ? 1 : 0;
        }

        var merged = new KeyValuePair<UInt256, UInt256>[count];
        for (int i = 0, j = 0, k = 0; k < count; k++)
        {
            int order = i == earlier.Length ? 1 : j == later.Length ? -1 : earlier[i].Key.CompareTo(later[j].Key);
            merged[k] = order < 0 ? earlier[i] : later[j];
            i += order <= 0 ? 1 : 0;
            j += order >= 0 ? 1 : 0;
        }

        return merged;
    }

    /// <summary>The world state the rest runs on, sequentially on the merged state: with the first <paramref name="valid"/> chunks' credits applied.</summary>
    private WorldState Tail(int valid)
    {
        var tail = new WorldState(_reader);
        var credits = new List<(Address Address, UInt256 Amount)>();
        for (int k = 0; k < valid; k++)
        {
            foreach ((Address address, UInt256 amount) in _chunks[k].Credits)
            {
                int index = credits.FindIndex(c => c.Address == address);
                if (index < 0)
                {
                    credits.Add((address, amount));
                }
                else
                {
                    credits[index] = (address, credits[index].Amount + amount);
                }
            }
        }

        if (credits.Count > 0)
        {
            // Each transaction's credit was a touch deleted at its end if empty (EIP-161, the only rule under which a
            // credit stays unread): the sum does the same, the fee recipients not being empty accounts (Start).
            foreach ((Address address, UInt256 amount) in credits)
            {
                tail.AddBalance(address, amount);
            }

            tail.FinishTransaction(deleteTouchedEmpty: true);
        }

        return tail;
    }

    private BlockExecution ImportOnCaller()
    {
        BlockInput block = _block!;
        // In block order: each valid chunk's transactions added (the gas checks against the true prefix).
        var assembly = new BlockAssembly(_sequential, block, _environment, BlockExecutionMode.Import);

        // The receipts' trie is made while the caller would wait for the helpers: an import adds every transaction or fails.
        ListTrie? receiptsAhead = null;
        int receiptLeavesHashed = 0;
        int valid = ValidChunks(chunk =>
        {
            for (int i = chunk.From; i < chunk.To; i++)
            {
                (Transaction tx, Address sender) = _transactions[i];
                if (assembly.Fits(tx, sender))
                {
                    int at = i - chunk.From;
                    assembly.Add(tx, sender, chunk.Results[at], chunk.Blooms[at], chunk.Addresses?[at]);
                }
            }

            // While the next chunk runs (the caller's wait): the first chunk's changes merged, then the leaves of the
            // receipts so far, final once added.
            int next = Array.IndexOf(_chunks, chunk) + 1;
            if (next == 1 && _chunks.Length > 1)
            {
                MergeFirstAhead();
            }

            if (receiptsAhead is not null && next < _chunks.Length)
            {
                int leaves = receiptsAhead.LeavesBefore(assembly.Executed.Count);
                while (receiptLeavesHashed < leaves && !_chunks[next].Done)
                {
                    int to = Math.Min(leaves, receiptLeavesHashed + ClaimedChunks.LeavesPerChunk);
                    receiptsAhead.HashLeaves(receiptLeavesHashed, to);
                    receiptLeavesHashed = to;
                }
            }
        }, () => receiptsAhead = assembly.ReceiptsTrieAhead(_transactions.Count));

        // Every chunk valid: the receipts are final, their leaves for the helpers while this thread merges the changes.
        ListTrie? receipts = null;
        if (valid == _chunks.Length)
        {
            receipts = PublishReceipts(assembly, receiptsAhead, receiptLeavesHashed);
        }
        else
        {
            // Before the merge: the conflict is judged on the pre-state the chunks read (see ReadsWritten).
            NameConflicts(valid);
        }

        Merge(valid);

        // The tail: the transactions from the first invalid chunk, then withdrawals and rewards.
        WorldState tail = Tail(valid);
        if (valid < _chunks.Length)
        {
            BlockExecutor.ExecuteTransactions(tail, block, _chunks[valid].From, _processor, assembly);
        }

        _sequential.FinishBlock(tail, block);
        receipts ??= PublishReceipts(assembly, receiptsAhead, receiptLeavesHashed);
        return Complete(assembly, tail, receipts);
    }

    /// <summary>
    /// A laned run (see <see cref="TryImport"/>): every part run (the caller's first, its changes merged ahead in its
    /// wait), then checked against every other; valid, the results added in block order and the changes merged,
    /// else the whole block run sequentially on the system calls' state.
    /// </summary>
    private BlockExecution ImportLanedOnCaller()
    {
        BlockInput block = _block!;
        var assembly = new BlockAssembly(_sequential, block, _environment, BlockExecutionMode.Import);
        RunChunks(onCaller: true);
        if (!_chunks[0].Failed)
        {
            MergeFirstAhead();
        }

        // An import adds every transaction or fails: the receipts' trie is made before them (used either way).
        ListTrie receiptsAhead = assembly.ReceiptsTrieAhead(_transactions.Count);
        long ready = Stopwatch.GetTimestamp();
        var spin = default(SpinWait);
        foreach (Chunk chunk in _chunks)
        {
            while (!chunk.Done)
            {
                if (TransactionLeaves()?.TakeOne() != true)
                {
                    spin.SpinOnce(-1);
                }
            }
        }

        Rebalance(ready);
        Conflicted = !PartsIndependent(named: null);
        WorldState tail;
        if (!Conflicted)
        {
            int[] positions = _scratch.Positions(_transactions.Count);
            for (int p = 0; p < _transactions.Count; p++)
            {
                positions[_order![p]] = p;
            }

            for (int i = 0; i < _transactions.Count; i++)
            {
                (Transaction tx, Address sender) = _transactions[i];
                if (assembly.Fits(tx, sender))
                {
                    int p = positions[i];
                    int k = 0;
                    while (p >= _chunks[k].To)
                    {
                        k++;
                    }

                    Chunk chunk = _chunks[k];
                    int at = p - chunk.From;
                    assembly.Add(tx, sender, chunk.Results[at], chunk.Blooms[at], chunk.Addresses?[at]);
                }
            }

            Merge(_chunks.Length);
            tail = Tail(_chunks.Length);
        }
        else
        {
            if (_hot is not null)
            {
                HashSet<Address> named = [];
                PartsIndependent(named);
                LearnContracts(named);
            }

            tail = Tail(0);
            BlockExecutor.ExecuteTransactions(tail, block, 0, _processor, assembly);
        }

        _sequential.FinishBlock(tail, block);
        return Complete(assembly, tail, PublishReceipts(assembly, receiptsAhead, 0));
    }

    /// <summary>The block's end once its transactions are in <paramref name="assembly"/> and <paramref name="tail"/> finished it: its changes and the two tries' roots.</summary>
    private BlockExecution Complete(BlockAssembly assembly, WorldState tail, ListTrie receipts)
    {
        StateChangeSet changes = Changes(tail);
        _receiptLeaves!.Take();
        LeafChunks transactions = TransactionLeaves()!;
        transactions.Take();
        assembly.CompleteReceiptsRoot(receipts);
        if (assembly.Executed.Count == _transactions.Count)
        {
            assembly.CompleteTransactionsRoot(transactions.Trie!.Root, _transactions.Count);
        }

        return assembly.Complete(changes);
    }

    /// <summary>
    /// The receipts' trie (<paramref name="ahead"/> when every transaction was added), its leaves published for the
    /// helpers to hash (from <paramref name="aheadHashed"/> on when it is <paramref name="ahead"/>: those before were).
    /// </summary>
    private ListTrie PublishReceipts(BlockAssembly assembly, ListTrie? ahead, int aheadHashed)
    {
        bool all = ahead is not null && assembly.Executed.Count == _transactions.Count;
        ListTrie receipts = all ? ahead! : assembly.ReceiptsTrie();
        _receiptLeaves = new LeafChunks(receipts, all ? aheadHashed : 0);
        return receipts;
    }

    /// <summary>Gives what the next block can reuse back to the scratch (the change set keeps only the slots' arrays).</summary>
    private void Return()
    {
        _scratch.EndHandoff(this);

        // The block failed before its merge: the helper's merge (waited for: it reads the list made ahead), then that list.
        if (TakeHelperMerge() is { } helperMerged)
        {
            _scratch.ReturnList(helperMerged);
        }

        if (_mergedAhead is { } ahead)
        {
            _mergedAhead = null;
            _scratch.ReturnList(ahead);
        }

        _scratch.ReturnList(_merged);
        _scratch.Clear();
    }

    /// <summary>Runs chunks until none is left to claim: on the caller its own first, then any a helper did not claim; the last it ran, or null.</summary>
    private Chunk? RunChunks(bool onCaller)
    {
        Chunk? ran = null;
        if (onCaller)
        {
            // A helper waiting when the run opens would otherwise take the first chunk before the caller, the split meant for the caller.
            (ran = _chunks[0]).Run(onCaller: true);
        }

        int next;
        while ((next = Interlocked.Increment(ref _nextChunk)) < _chunks.Length)
        {
            (ran = _chunks[next]).Run(onCaller);
        }

        return ran;
    }

    /// <summary>
    /// A helper thread: this block's part (<see cref="Help"/>), then, for as long as <see cref="Scratch.StartHelpers"/>
    /// hands it a block before it gives up (blocks of a backlog come back to back), that block's.
    /// </summary>
    private void HelpAndStay()
    {
        ContiguousChunks? run = this;
        Scratch scratch = _scratch;
        while (run is not null)
        {
            run.Help();
            run = scratch.NextRun();
        }
    }

    /// <summary>A helper's part of a block: chunks, then the transactions' leaves, then the receipts' once the caller publishes them.</summary>
    private void Help()
    {
        var spin = default(SpinWait);
        while (!_open && !_closed)
        {
            spin.SpinOnce(-1);
        }

        if (_closed)
        {
            return;
        }

        Chunk? ran = RunChunks(onCaller: false);
        if (ran is not null && _chunks.Length == 2)
        {
            // The caller validates and assembles this chunk meanwhile; it takes the merge if the chunk is valid.
            HelperMerge();
        }

        TransactionLeaves()?.Take();

        // While the caller validates and assembles: the chunks' world states emptied for their next runs, its own first,
        // until the receipts are published (the block reads a chunk's change list, never its world state).
        ResetWorldsAhead(ran, untilPublished: true);

        spin.Reset();
        LeafChunks? receipts;
        while ((receipts = _receiptLeaves) is null && !_closed)
        {
            spin.SpinOnce(-1);
        }

        receipts?.Take();

        // The transactions' root above its leaves while the caller hashes the receipts' (hashed once: a caller asking meanwhile waits for it).
        if (receipts is not null && _block is not null && Interlocked.Exchange(ref _transactionsRootClaimed, 1) == 0)
        {
            _ = TransactionLeaves()!.Trie!.Root;
        }

        // Those the receipts' publication left (hashed first): it waits for the next block now.
        ResetWorldsAhead(ran, untilPublished: false);

        // The read tables too, now that nothing reads them (validation ends before the receipts are published).
        foreach (Chunk chunk in _chunks)
        {
            chunk.EmptyReadsAhead(_number);
        }
    }

    /// <summary>
    /// The chunks' world states emptied ahead of their next runs (<see cref="Chunk.ResetWorldAhead"/>: those run and not
    /// taken since), <paramref name="own"/>'s first; with <paramref name="untilPublished"/>, none once the receipts are.
    /// </summary>
    private void ResetWorldsAhead(Chunk? own, bool untilPublished)
    {
        if (untilPublished && _receiptLeaves is not null)
        {
            return;
        }

        own?.ResetWorldAhead();
        foreach (Chunk chunk in _chunks)
        {
            if (untilPublished && _receiptLeaves is not null)
            {
                return;
            }

            chunk.ResetWorldAhead();
        }
    }

    /// <summary>Whether chunk <paramref name="k"/> read nothing the chunks before it (all valid) wrote.</summary>
    private bool Valid(int k)
    {
        Chunk chunk = _chunks[k];
        if (chunk.Failed || chunk.ReadFeeRecipient)
        {
            return false;
        }

        for (int j = 0; j < k; j++)
        {
            if (ReadsWritten(chunk, _chunks[j], named: null))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Whether <paramref name="reader"/> read from the pre-state anything <paramref name="writer"/> wrote; with
    /// <paramref name="named"/>, every such location's address is added to it (rather than stopping at the first).
    /// </summary>
    /// <remarks>
    /// What the writer wrote is its change list (ascending addresses, each account's slots by key), looked up in the
    /// reader's read tables: an account counts as written when its fields changed, it was created or deleted, or its
    /// storage was wiped (a laned part's: every account it reports, see below); a slot when it was written or its
    /// account's storage wiped; a storage-emptiness query's account when any of its slots was written or it was wiped.
    /// Both chunks read the one pre-state (nothing merges while chunks run), so what the reader read of an account is
    /// what the writer's world state loaded it from: whether the writer changed it is judged against that.
    /// </remarks>
    private bool ReadsWritten(Chunk reader, Chunk writer, HashSet<Address>? named)
    {
        bool conflict = false;
        ChangeList writes = writer.Changes;
        foreach (ref readonly ChangedAccount change in CollectionsMarshal.AsSpan(writes.Accounts))
        {
            // The reader's filter first: its tables were filled on another thread's core, a lookup each dearer than its bit.
            (bool Exists, Account Account) read = default;
            bool readAccount = reader.ReadFilter.MayHoldAccount(change.Address) && reader.AccountReads.TryGetValue(change.Address, out read);
            bool clearsStorage = change.Deleted || change.StorageCleared;

            // A laned part's transactions interleave with the other parts' in block order: a change undone later in
            // the part (a balance paid in and out) was there for those between, so every account reported counts.
            if (readAccount && (_order is not null || Changed(change, read.Exists, read.Account) || (read.Exists && clearsStorage)) && Conflict(named, change.Address, ref conflict))
            {
                return true;
            }

            ReadOnlySpan<KeyValuePair<UInt256, UInt256>> slots = writes.SlotsOf(change);
            foreach (ref readonly KeyValuePair<UInt256, UInt256> slot in slots)
            {
                if (reader.ReadFilter.MayHoldSlot(change.Address, slot.Key) && reader.SlotReads.Contains((change.Address, slot.Key)) && Conflict(named, change.Address, ref conflict))
                {
                    return true;
                }
            }

            // A wipe of an account that existed (the reader's read of it judged above; else the pre-state's, rare).
            bool wiped = clearsStorage && (readAccount ? read.Exists : _reader.TryGetAccount(change.Address, out _));
            if ((wiped || !slots.IsEmpty) && reader.StorageQueries.Contains(change.Address) && Conflict(named, change.Address, ref conflict))
            {
                return true;
            }

            if (wiped && !readAccount && ReadsSlotOf(reader, change.Address) && Conflict(named, change.Address, ref conflict))
            {
                return true;
            }
        }

        return conflict;
    }

    /// <summary>Whether an account's change (as it ends the chunk) differs from what the chunk read of it: created, deleted, or a field other than its storage.</summary>
    private static bool Changed(in ChangedAccount change, bool existed, in Account read) =>
        change.Deleted == existed || (existed && (change.Nonce != read.Nonce || change.Balance != read.Balance || change.CodeHash != read.CodeHash));

    /// <summary>Whether <paramref name="reader"/> read any slot of <paramref name="address"/> (only for a wipe: a scan of its slot reads).</summary>
    private static bool ReadsSlotOf(Chunk reader, in Address address)
    {
        foreach ((Address slotAddress, UInt256 _) in reader.SlotReads)
        {
            if (slotAddress == address)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A conflict on <paramref name="address"/>: whether to stop (nothing to name), else it is named.</summary>
    private static bool Conflict(HashSet<Address>? named, in Address address, ref bool conflict)
    {
        conflict = true;
        if (named is null)
        {
            return true;
        }

        named.Add(address);
        return false;
    }

    /// <summary>
    /// Whether a laned run's parts are independent: none failed or read a fee recipient, none read what another
    /// wrote, no two wrote one account (every account a part's changes report counts as written, a slot written
    /// marks its account: so this covers two parts writing one slot). With <paramref name="named"/>, see <see cref="ReadsWritten"/>.
    /// </summary>
    private bool PartsIndependent(HashSet<Address>? named)
    {
        bool independent = true;
        foreach (Chunk part in _chunks)
        {
            if (part.Failed || part.ReadFeeRecipient)
            {
                return false;
            }
        }

        for (int a = 0; a < _chunks.Length; a++)
        {
            for (int b = 0; b < _chunks.Length; b++)
            {
                if (a != b && ReadsWritten(_chunks[a], _chunks[b], named))
                {
                    independent = false;
                    if (named is null)
                    {
                        return false;
                    }
                }

                if (a < b && WroteOneAccount(_chunks[a].Changes, _chunks[b].Changes, named))
                {
                    independent = false;
                    if (named is null)
                    {
                        return false;
                    }
                }
            }
        }

        return independent;
    }

    /// <summary>
    /// Whether two laned parts' changes report one account (both lists in ascending address order: one pass over both);
    /// with <paramref name="named"/>, every such address is added to it.
    /// </summary>
    private static bool WroteOneAccount(ChangeList first, ChangeList second, HashSet<Address>? named)
    {
        bool conflict = false;
        List<ChangedAccount> a = first.Accounts, b = second.Accounts;
        for (int i = 0, j = 0; i < a.Count && j < b.Count;)
        {
            int order = a[i].Address.CompareTo(b[j].Address);
            if (order == 0 && Conflict(named, a[i].Address, ref conflict))
            {
                return true;
            }

            i += order <= 0 ? 1 : 0;
            j += order >= 0 ? 1 : 0;
        }

        return conflict;
    }

    /// <summary>The conflict of contiguous chunk <paramref name="k"/> (invalid, not for a failure or a fee recipient's read) named to the hot contracts.</summary>
    private void NameConflicts(int k)
    {
        Chunk chunk = _chunks[k];
        if (_hot is null || chunk.Failed || chunk.ReadFeeRecipient)
        {
            return;
        }

        HashSet<Address> named = [];
        for (int j = 0; j < k; j++)
        {
            ReadsWritten(chunk, _chunks[j], named);
        }

        LearnContracts(named);
    }

    /// <summary>The contracts among <paramref name="named"/> (holding code on the pre-state) learned as hot, the first few (in the order named).</summary>
    private void LearnContracts(HashSet<Address> named)
    {
        int learned = 0;
        foreach (Address address in named)
        {
            if (learned < HotContracts.Capacity && _parent.TryGetAccount(address, out Account account) && account.CodeHash != Keccak256.OfEmpty)
            {
                _hot!.Learn(address);
                learned++;
            }
        }
    }

    /// <summary>
    /// The block's net changes, as the sequential executor's world state collects them (ascending addresses, each
    /// account's slots by key): the changes so far and what <paramref name="tail"/> changed on them, in one pass.
    /// </summary>
    private StateChangeSet Changes(WorldState tail)
    {
        ChangeList last = Collected(tail);
        var accounts = new List<AccountChange>(_merged.Count + last.Accounts.Count);
        var code = new SortedDictionary<Hash256, byte[]>();
        MergeInto(_merged, last, new ChangeSetAccounts(accounts, code));
        return new StateChangeSet(accounts, [.. code]);
    }

    /// <summary>One account of the block's changes so far (see <see cref="AccountChange"/>; <paramref name="Code"/>: deployed to it in the block).</summary>
    internal readonly record struct MergedChange(Address Address, bool Deleted, ulong Nonce, UInt256 Balance, Hash256 CodeHash, bool StorageCleared, KeyValuePair<UInt256, UInt256>[] Storage, byte[]? Code);

    /// <summary>A world state's changes as it hands them out, then sorted: accounts by address, each one's slots by key.</summary>
    internal sealed class ChangeList : IStateChangeSink
    {
        private int _open = -1;

        public List<ChangedAccount> Accounts { get; } = [];

        public List<KeyValuePair<UInt256, UInt256>> Slots { get; } = [];

        public ReadOnlySpan<KeyValuePair<UInt256, UInt256>> SlotsOf(in ChangedAccount account) =>
            CollectionsMarshal.AsSpan(Slots)[account.SlotsFrom..account.SlotsTo];

        /// <summary>Whether any account's change carries code (deployed in the chunk).</summary>
        public bool DeployedCode { get; private set; }

        public void Clear()
        {
            Accounts.Clear();
            Slots.Clear();
            _open = -1;
            DeployedCode = false;
        }

        public void Account(in Address address, bool deleted, ulong nonce, in UInt256 balance, in Hash256 codeHash, bool storageCleared)
        {
            Close();
            _open = Accounts.Count;
            Accounts.Add(new ChangedAccount(address, deleted, nonce, balance, codeHash, storageCleared, Slots.Count, Slots.Count, null));
        }

        public void Slot(in Address address, in UInt256 key, in UInt256 value) => Slots.Add(new KeyValuePair<UInt256, UInt256>(key, value));

        public void Code(in Hash256 codeHash, byte[] code)
        {
            Accounts[_open] = Accounts[_open] with { Code = code };
            DeployedCode = true;
        }

        /// <summary>
        /// Sorts what was collected (once every change is in): each account's slots, and the accounts unless they came in
        /// ascending order (<see cref="WorldState.CollectChangesByAddress"/>: a sort of these records, every field copied
        /// in each comparison, cost a chunk's thread more than sorting the addresses does).
        /// </summary>
        public void Sort()
        {
            Close();
            Span<KeyValuePair<UInt256, UInt256>> slots = CollectionsMarshal.AsSpan(Slots);
            bool ascending = true;
            Span<ChangedAccount> accounts = CollectionsMarshal.AsSpan(Accounts);
            for (int i = 0; i < accounts.Length; i++)
            {
                ref readonly ChangedAccount account = ref accounts[i];
                if (account.SlotsTo - account.SlotsFrom > 1)
                {
                    slots[account.SlotsFrom..account.SlotsTo].Sort(SlotOrder.ByKey);
                }

                ascending &= i == 0 || accounts[i - 1].Address.CompareTo(account.Address) < 0;
            }

            if (!ascending)
            {
                accounts.Sort(static (a, b) => a.Address.CompareTo(b.Address));
            }
        }

        /// <summary>Ends the open account's slots.</summary>
        private void Close()
        {
            if (_open >= 0 && Accounts[_open].SlotsTo != Slots.Count)
            {
                Accounts[_open] = Accounts[_open] with { SlotsTo = Slots.Count };
            }

            _open = -1;
        }
    }

    /// <summary>The parent state with the block's changes so far applied (read by several chunks at once only while nothing is merged).</summary>
    private sealed class MergedReader(ContiguousChunks run) : IStateReader
    {
        /// <summary>The index of <paramref name="address"/>'s change, or -1.</summary>
        private int Find(in Address address)
        {
            List<MergedChange> merged = run._merged;
            int low = 0, high = merged.Count - 1;
            while (low <= high)
            {
                int middle = (low + high) >>> 1;
                int order = merged[middle].Address.CompareTo(address);
                if (order == 0)
                {
                    return middle;
                }

                if (order < 0)
                {
                    low = middle + 1;
                }
                else
                {
                    high = middle - 1;
                }
            }

            return -1;
        }

        public bool TryGetAccount(in Address address, out Account account)
        {
            int index = Find(address);
            if (index < 0)
            {
                return run._parent.TryGetAccount(address, out account);
            }

            MergedChange change = run._merged[index];
            if (change.Deleted)
            {
                account = default;
                return false;
            }

            // The parent's storage root unless wiped (only storage-emptiness queries read it: HasStorage below).
            Hash256 storageRoot = !change.StorageCleared && run._parent.TryGetAccount(address, out Account before) ? before.StorageRoot : Keccak256.EmptyTrieRoot;
            account = new Account(change.Nonce, change.Balance, storageRoot, change.CodeHash);
            return true;
        }

        public UInt256 GetStorage(in Address address, in UInt256 key)
        {
            int index = Find(address);
            if (index < 0)
            {
                return run._parent.GetStorage(address, key);
            }

            MergedChange change = run._merged[index];
            KeyValuePair<UInt256, UInt256>[] storage = change.Storage;
            int low = 0, high = storage.Length - 1;
            while (low <= high)
            {
                int middle = (low + high) >>> 1;
                int order = storage[middle].Key.CompareTo(key);
                if (order == 0)
                {
                    return storage[middle].Value;
                }

                if (order < 0)
                {
                    low = middle + 1;
                }
                else
                {
                    high = middle - 1;
                }
            }

            return change.Deleted || change.StorageCleared ? UInt256.Zero : run._parent.GetStorage(address, key);
        }

        public bool HasStorage(in Address address, in Hash256 storageRoot)
        {
            int index = Find(address);
            if (index < 0)
            {
                return run._parent.HasStorage(address, storageRoot);
            }

            MergedChange change = run._merged[index];
            return !change.Deleted && !change.StorageCleared && (change.Storage.Any(slot => !slot.Value.IsZero) || run._parent.HasStorage(address, storageRoot));
        }

        public byte[] GetCode(in Hash256 codeHash) => run._code.Count > 0 && run._code.TryGetValue(codeHash, out byte[]? code) ? code : run._parent.GetCode(codeHash);
    }

    /// <summary>
    /// One chunk: its transactions run in order on a world state of its own over the pre-state, whose first reads of
    /// each location it records (this reader is the world state's); then its changes, sorted (what a later chunk's
    /// reads are checked against).
    /// </summary>
    internal sealed class Chunk : IStateReader
    {
        private ContiguousChunks _run = null!;
        private WorldState? _world;
        private DeferredCreditState? _state;

        public int From { get; private set; }

        public int To { get; private set; }

        /// <summary>
        /// The results of its transactions, from index 0 (<see cref="To"/> − <see cref="From"/> of them; the arrays are
        /// the chunk's own, kept from block to block and grown when a chunk is longer: the results are values, 96 bytes
        /// each, and a 1,000-transaction chunk's array would be a large object a block).
        /// </summary>
        public TransactionResult[] Results { get; private set; } = [];

        /// <summary>The blooms of the results' logs (null: none), as <see cref="Results"/>.</summary>
        public LogsBloom[] Blooms { get; private set; } = [];

        public TransactionAddresses?[]? Addresses { get; private set; }

        /// <summary>A transaction threw (stale state, or an invalid block): the chunk is not used.</summary>
        public bool Failed { get; private set; }

        public bool ReadFeeRecipient { get; private set; }

        private volatile bool _done;
        private bool _recordReads;

        // Its world state between runs: emptied ahead by the helper that ran it, in its idle at the block's end, or by
        // the next run at its start (whichever comes first; a run waits for a reset under way).
        private long _worldState;
        private const long WorldReset = 0, WorldUsed = 1, WorldResetting = 2, WorldRunning = 3;

        /// <summary>
        /// Ready for transactions <paramref name="from"/> up to <paramref name="to"/> of <paramref name="block"/>'s run; its
        /// tables are emptied by the thread that runs it (<see cref="Run"/>).
        /// </summary>
        /// <param name="recordReads">Whether it records its reads (every chunk but the first, which no chunk precedes).</param>
        public void Begin(ContiguousChunks block, int from, int to, bool collectAddresses, bool recordReads)
        {
            _run = block;
            _recordReads = recordReads;
            From = from;
            To = to;
            // Every entry up to To - From is written before it is read (a chunk that does not run them all fails); those
            // after are the last longer block's, never read.
            if (Results.Length < to - from)
            {
                Results = new TransactionResult[to - from];
                Blooms = new LogsBloom[to - from];
            }

            Addresses = collectAddresses ? new TransactionAddresses?[to - from] : null;
            Failed = false;
            ReadFeeRecipient = false;
            _done = false;
        }

        /// <summary>
        /// Empties the tables (their capacity kept) on the thread about to run the chunk: clearing a dictionary costs its
        /// capacity (a raw-transfer chunk's ~1,000 accounts read, as many written), which the caller paid for every chunk
        /// before the helpers could start theirs. Nothing reads them before the chunk is done. The read tables only
        /// unless a helper emptied them ahead (<see cref="EmptyReadsAhead"/>).
        /// </summary>
        private void Empty()
        {
            if (TakeReads() != ReadsEmpty)
            {
                EmptyReads();
            }

            ReadFilter.Size(To - From);
            _credits.Clear();
            Changes.Clear();

            // A cache of the block's log addresses' bloom bits: emptied, so that it does not grow over a node's blocks.
            _logAddressBits.Clear();
        }

        private void EmptyReads()
        {
            AccountReads.Clear();
            SlotReads.Clear();
            StorageQueries.Clear();
            ReadFilter.Clear();
        }

        // Its read tables between runs: emptied ahead by a helper of the block that filled them once that block's receipts
        // are published (validation, the last to read them, is done), or by the next run at its start. Filled: the
        // number of the block's run that filled them (a late helper of an earlier block must not empty a later one's).
        private long _reads = ReadsRunning;
        private const long ReadsEmpty = -1, ReadsEmptying = -2, ReadsRunning = -3;

        /// <summary>The read tables taken for a run, waiting out an emptying ahead under way: their state before.</summary>
        private long TakeReads() => Take(ref _reads, ReadsEmptying, ReadsRunning);

        /// <summary><paramref name="state"/> set to <paramref name="running"/> once it is not <paramref name="busy"/> (emptied ahead by another thread): its value before.</summary>
        private static long Take(ref long state, long busy, long running)
        {
            var spin = default(SpinWait);
            while (true)
            {
                long before = Volatile.Read(ref state);
                if (before != busy && Interlocked.CompareExchange(ref state, running, before) == before)
                {
                    return before;
                }

                spin.SpinOnce(-1);
            }
        }

        /// <summary>
        /// Empties the read tables if block run <paramref name="filledBy"/> filled them and no run has taken them since:
        /// only once nothing of that block reads them (its receipts published or it closed; validation and the
        /// conflicts' names come before).
        /// </summary>
        public void EmptyReadsAhead(long filledBy)
        {
            if (Interlocked.CompareExchange(ref _reads, ReadsEmptying, filledBy) == filledBy)
            {
                EmptyReads();
                Volatile.Write(ref _reads, ReadsEmpty);
            }
        }

        public bool Done => _done;

        /// <summary>Whether the block's caller ran it (else a helper).</summary>
        public bool RanOnCaller { get; private set; }

        /// <summary>When it started and ended running (<see cref="Stopwatch"/> ticks): how the next block is split.</summary>
        public long StartedAt { get; private set; }

        public long EndedAt { get; private set; }

        // First reads from the pre-state (the world state caches what it read).
        public Dictionary<Address, (bool Exists, Account Account)> AccountReads { get; } = [];

        public HashSet<(Address, UInt256)> SlotReads { get; } = [];

        public HashSet<Address> StorageQueries { get; } = [];

        /// <summary>The accounts and slots in <see cref="AccountReads"/> and <see cref="SlotReads"/>, as bits (see <see cref="Parallel.ReadFilter"/>).</summary>
        public ReadFilter ReadFilter { get; } = new();

        public IReadOnlyList<(Address Address, UInt256 Amount)> Credits => _credits;

        /// <summary>What the chunk changed, sorted (by its thread, once it ran).</summary>
        public ChangeList Changes { get; } = new();

        private readonly List<(Address Address, UInt256 Amount)> _credits = [];
        private readonly Dictionary<Address, BloomBits> _logAddressBits = [];
        private Address[] _stateRecipients = [];

        public void Run(bool onCaller)
        {
            RanOnCaller = onCaller;
            StartedAt = Stopwatch.GetTimestamp();
            try
            {
                Empty();
                RunTransactions();
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                Failed = true;
            }
            finally
            {
                EndedAt = Stopwatch.GetTimestamp();
                Volatile.Write(ref _reads, _run._number);
                _done = true;
            }
        }

        private void RunTransactions()
        {
            WorldState world;
            if (_world is null)
            {
                world = _world = new WorldState(this, 64, 2 * (To - From) + 8);
                _worldState = WorldRunning;
            }
            else
            {
                world = _world;
                if (TakeWorld() != WorldReset)
                {
                    world.Reset(this);
                }
            }

            // The fee recipients are the block's (the handler's for its environment): a new credit layer when they differ.
            DeferredCreditState state = _state is not null && _stateRecipients.AsSpan().SequenceEqual(_run._feeRecipients)
                ? _state
                : _state = new DeferredCreditState(world, _stateRecipients = _run._feeRecipients);
            var collector = Addresses is null ? null : new BlockAddressCollector();
            int[]? order = _run._order;
            for (int i = From; i < To; i++)
            {
                int index = order is null ? i : order[i];
                (Transaction tx, Address sender) = _run._transactions[index];
                state.Reset();
                collector?.Begin(index);
                // A throw (stale state, or an invalid block) fails the chunk (Run): the tail runs it again as the sequential executor does.
                TransactionResult result = _run._processor.Execute(state, tx, sender, collector);
                int at = i - From;
                Results[at] = result;
                Blooms[at] = result.IsValid && result.Logs.Count > 0 ? Receipt.LogsBloomOf(result.Logs, _logAddressBits) : default;
                if (collector is not null)
                {
                    Addresses![at] = collector.Take();
                }

                IReadOnlyList<(Address Address, UInt256 Amount)> credits = state.PendingCredits();
                for (int c = 0; c < credits.Count; c++)
                {
                    AddCredit(credits[c].Address, credits[c].Amount);
                }
            }

            world.CollectChangesByAddress(Changes);
            Volatile.Write(ref _worldState, WorldUsed);
            Changes.Sort();
        }

        /// <summary>The world state taken for a run, waiting out a reset ahead under way: its state before (reset ahead, used, or a failed run left it).</summary>
        private long TakeWorld() => Take(ref _worldState, WorldResetting, WorldRunning);

        /// <summary>
        /// Empties the world state of a run that collected its changes (the block reads its change list, never its world
        /// state) for the next run, unless a run has taken it since; any thread may, at most one at a time.
        /// </summary>
        public void ResetWorldAhead()
        {
            if (_world is { } world && Interlocked.CompareExchange(ref _worldState, WorldResetting, WorldUsed) == WorldUsed)
            {
                world.Reset(this);
                Volatile.Write(ref _worldState, WorldReset);
            }
        }

        private void AddCredit(in Address address, in UInt256 amount)
        {
            for (int i = 0; i < _credits.Count; i++)
            {
                if (_credits[i].Address == address)
                {
                    _credits[i] = (address, _credits[i].Amount + amount);
                    return;
                }
            }

            _credits.Add((address, amount));
        }

        bool IStateReader.TryGetAccount(in Address address, out Account account)
        {
            bool exists = _run._reader.TryGetAccount(address, out account);
            if (_recordReads)
            {
                AccountReads[address] = (exists, account);
                ReadFilter.AddAccount(address);
            }

            foreach (Address recipient in _run._feeRecipients)
            {
                if (recipient == address)
                {
                    ReadFeeRecipient = true;
                }
            }

            return exists;
        }

        UInt256 IStateReader.GetStorage(in Address address, in UInt256 key)
        {
            if (_recordReads)
            {
                SlotReads.Add((address, key));
                ReadFilter.AddSlot(address, key);
            }

            return _run._reader.GetStorage(address, key);
        }

        bool IStateReader.HasStorage(in Address address, in Hash256 storageRoot)
        {
            if (_recordReads)
            {
                StorageQueries.Add(address);
            }

            return _run._reader.HasStorage(address, storageRoot);
        }

        byte[] IStateReader.GetCode(in Hash256 codeHash) => _run._reader.GetCode(codeHash);
    }

    /// <summary>An account a chunk changed, its slots being the chunk's from <c>SlotsFrom</c> up to <c>SlotsTo</c>.</summary>
    internal readonly record struct ChangedAccount(Address Address, bool Deleted, ulong Nonce, UInt256 Balance, Hash256 CodeHash, bool StorageCleared, int SlotsFrom, int SlotsTo, byte[]? Code);
}
