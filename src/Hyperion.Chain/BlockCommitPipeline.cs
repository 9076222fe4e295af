using Hyperion.Core;
using Hyperion.Core.Diagnostics;
using Hyperion.Evm;
using Hyperion.Execution.Blocks;
using Hyperion.State;
using Hyperion.State.World;

namespace Hyperion.Chain;

/// <summary>
/// A block's durable commit overlapped with the execution of the next one (issue 14): once block N is sealed (its state
/// staged and its root in its header), its block log append and fsync, the state's publish (MetisDB's write-ahead log
/// fsync and head commit), the pool's move to the new head and the announcement run on this pipeline's thread while
/// the producer executes block N+1 on N's post-state held in memory (<see cref="ParentState"/>: N's change set over
/// the latest published state). N+1 is sealed only after N's commit finished (<see cref="Settle"/>), since its state
/// root builds on N's stored state; a failed commit surfaces there.
/// </summary>
/// <remarks>
/// Nothing about N becomes visible before it is durable: <see cref="ChainProvider.AddBuilt"/> runs unchanged on this
/// thread (log fsync, then state publish, then the block visible, then subscribers), and nothing about N+1 is
/// published before N's commit is settled. At most one commit is in flight, and only while the producer holds the
/// chain's write lock: it settles before it lets the lock go, so every other writer (dev controls, rewinds, the
/// rollup engine) finds the chain at rest exactly as before. One owner thread (the lock holder) calls every member.
/// </remarks>
public sealed class BlockCommitPipeline : IDisposable
{
    private readonly ChainProvider _chain;
    /// <summary>
    /// Whether the producer (waiting for a commit) sleeps without a spin. A persistent chain's commit waits for an fsync,
    /// so a spin rarely catches it, and on a small machine a spinning thread after each commit (~65 <c>sched_yield</c>s)
    /// took a core from the answer and the sender's receipt poll (issue 14); in memory a commit is short and the spin
    /// saves a wake-up, which paid under concurrent sends.
    /// </summary>
    private readonly bool _sleepAtOnce;

    /// <summary>
    /// The next block to commit, which the commit thread waits for without a spin: the next block comes after a whole
    /// block's execution and seal (overlapped) or a new round (single sends), far later than a spin lasts, so its
    /// ~30 yields after every commit only took the core from the request threads (issue 14).
    /// </summary>
    private readonly ManualResetEventSlim _work;
    private Thread? _thread;
    private InFlight? _inFlight;
    private volatile bool _stopping;

    /// <summary>A sealed block being made durable, with the change set the next block executes over.</summary>
    private sealed class InFlight(StoredBlock block, StateChangeSet changes, Action commit, ManualResetEventSlim done)
    {
        public StoredBlock Block { get; } = block;

        /// <summary>The includer's phases of this block (<see cref="BlockCpuProbe"/>), to which the commit's are added; null when the probe is off.</summary>
        public long[]? CpuSample { get; set; }

        public StateChangeSet Changes { get; } = changes;

        public HashSet<Hash256> Transactions { get; } = HashesOf(block.Block.Transactions);

        public Action Commit { get; } = commit;

        public ManualResetEventSlim Done { get; } = done;

        public Exception? Failure { get; set; }

        /// <summary>The set sized once for the block (a set grown one hash at a time copies itself about log2(n) times).</summary>
        private static HashSet<Hash256> HashesOf(Core.Transactions.Transaction[] transactions)
        {
            var hashes = new HashSet<Hash256>(transactions.Length);
            foreach (Core.Transactions.Transaction tx in transactions)
            {
                hashes.Add(tx.Hash);
            }

            return hashes;
        }
    }

    public BlockCommitPipeline(ChainProvider chain)
    {
        ArgumentNullException.ThrowIfNull(chain);
        _chain = chain;
        _sleepAtOnce = chain.Store.IsPersistent;
        _work = new ManualResetEventSlim(false, spinCount: 0);
    }

    private ManualResetEventSlim NewEvent() => _sleepAtOnce ? new ManualResetEventSlim(false, spinCount: 0) : new ManualResetEventSlim(false);

    /// <summary>Whether a sealed block's commit is in flight (the next block builds on it, not on the store's head).</summary>
    public bool Committing => _inFlight is not null;

    /// <summary>The block the next one builds on: the one being committed, else the chain's head.</summary>
    public StoredBlock Parent => _inFlight?.Block ?? _chain.Store.Head;

    /// <summary>The transactions of the block being committed (still in the pool until its commit moves the pool on); none when settled.</summary>
    public IReadOnlySet<Hash256> CommittingTransactions => _inFlight?.Transactions ?? (IReadOnlySet<Hash256>)EmptyHashes;

    private static readonly HashSet<Hash256> EmptyHashes = [];

    /// <summary>
    /// The in-flight block's post-state: its change set over the latest published state, which is its parent's until its
    /// commit publishes it and its own after (the change set gives the same values over either). Read through the
    /// reference-counted <see cref="IChainState.Latest"/>, never the writer's unguarded view, whose snapshot the
    /// commit replaces. Null when settled.
    /// </summary>
    public IStateReader? ParentState() => _inFlight is { } inFlight ? new ChangeSetOverlay(_chain.States.Latest, inFlight.Changes) : null;

    /// <summary>The block hashes the next block's BLOCKHASH reads: the in-flight block's own, which the store does not have yet, then the store's.</summary>
    public IBlockHashProvider BlockHashes() => _inFlight is { } inFlight ? new WithInFlight(inFlight.Block, _chain.Store) : _chain.Store;

    /// <summary>
    /// Starts making <paramref name="block"/> (sealed: its state staged as <paramref name="changes"/>) durable and visible
    /// on the pipeline's thread: <see cref="ChainProvider.AddBuilt"/>, then <paramref name="announced"/> with the
    /// transactions the pool dropped; <paramref name="addresses"/> is what the producer collected for the address index. The
    /// previous commit must be settled.
    /// </summary>
    public void Begin(StoredBlock block, StateChangeSet changes, BlockExecution execution, ITransactionPool pool, TimeSpan buildTime, BlockAddresses? addresses, Action<SkippedTransaction[]> announced)
    {
        ArgumentNullException.ThrowIfNull(block);
        ArgumentNullException.ThrowIfNull(changes);
        ArgumentNullException.ThrowIfNull(execution);
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(announced);
        ObjectDisposedException.ThrowIf(_stopping, this);
        if (_inFlight is not null)
        {
            throw new InvalidOperationException($"block {_inFlight.Block.Number}'s commit is not settled");
        }

        long cpu = BlockCpuProbe.Start();
        _inFlight = new InFlight(block, changes, () => Announce(announced, _chain.AddBuilt(block, execution, pool, buildTime, addresses)), NewEvent());
        BlockCpuProbe.Stop(BlockCpuPhase.HandOff, cpu);
        _inFlight.CpuSample = BlockCpuProbe.TakeThreadSample();
        if (_thread is null)
        {
            _thread = new Thread(CommitLoop) { IsBackground = true, Name = "hyperion-commit" };
            _thread.Start();
        }

        _work.Set();
    }

    private static void Announce(Action<SkippedTransaction[]> announced, SkippedTransaction[] dropped)
    {
        long cpu = BlockCpuProbe.Start();
        announced(dropped);
        BlockCpuProbe.Stop(BlockCpuPhase.Announce, cpu);
    }

    /// <summary>
    /// Waits for the commit in flight, if any; throws <see cref="BlockCommitFailedException"/> when it failed (the block
    /// was aborted: the chain stays at its parent, and whatever was built on it must be discarded).
    /// </summary>
    public void Settle()
    {
        if (_inFlight is not { } inFlight)
        {
            return;
        }

        inFlight.Done.Wait();
        _inFlight = null;
        inFlight.Done.Dispose();
        if (inFlight.Failure is { } failure)
        {
            throw new BlockCommitFailedException(inFlight.Block, failure);
        }
    }

    private void CommitLoop()
    {
        while (true)
        {
            _work.Wait();
            _work.Reset(); // before the commit: the next Begin (the only other Set) comes after its Done
            if (_stopping)
            {
                return;
            }

            InFlight inFlight = Volatile.Read(ref _inFlight)!;
            // Read before the commit is done: the includer may take the next block's place in _inFlight at once after.
            long[]? cpuSample = inFlight.CpuSample;
            int transactions = inFlight.Block.Block.Transactions.Length;
            long cpu = BlockCpuProbe.Start();
            bool committed = false;
            try
            {
                inFlight.Commit();
                committed = true;
            }
            catch (Exception e)
            {
                inFlight.Failure = e;
            }
            finally
            {
                inFlight.Done.Set();
            }

            if (committed)
            {
                long index = BlockCpuProbe.Start();
                IndexBetweenBlocks();
                BlockCpuProbe.Stop(BlockCpuPhase.IndexBetween, index);
            }

            BlockCpuProbe.Stop(BlockCpuPhase.CommitBlock, cpu);
            BlockCpuProbe.Record(cpuSample, transactions);
        }
    }

    /// <summary>
    /// The chain index's batch, due every <see cref="ChainStore.IndexBatchBlocks"/> blocks, written once the block's
    /// senders are answered rather than first thing in the next block's commit (where single sends waited for it). A
    /// failure is left to that next append, which retries the batch and fails with it.
    /// </summary>
    private void IndexBetweenBlocks()
    {
        try
        {
            _chain.Store.IndexIfDue();
        }
        catch (Exception)
        {
            // Any failure (LMDB's own exceptions included) is the next append's to report: the blocks stay unindexed,
            // and readable from the recent blocks, until its own attempt.
        }
    }

    /// <summary>Settles what is in flight (a failure is left to the chain's state: the block was aborted) and stops the thread.</summary>
    public void Dispose()
    {
        if (_stopping)
        {
            return;
        }

        try
        {
            Settle();
        }
        catch (BlockCommitFailedException)
        {
            // The owner stops: the failed block was aborted, as a failed synchronous commit would have been.
        }

        _stopping = true;
        _work.Set();
        _thread?.Join();
        _work.Dispose();
    }

    private sealed class WithInFlight(StoredBlock inFlight, ChainStore store) : IBlockHashProvider
    {
        public Hash256 GetBlockHash(ulong number) => number == inFlight.Number ? inFlight.Hash : store.GetBlockHash(number);
    }
}

/// <summary>A sealed block's durable commit, overlapped with the next block's execution, failed: the block was never published.</summary>
public sealed class BlockCommitFailedException(StoredBlock block, Exception inner) : IOException(
    $"block {block.Number} ({block.Hash}) was sealed but could not be made durable ({inner.Message}); it was not published and the " +
    $"chain stays at block {block.Number - 1}: the block built on it is discarded", inner)
{
    public ulong BlockNumber { get; } = block.Number;
}
