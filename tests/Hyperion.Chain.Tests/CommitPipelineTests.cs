using Hyperion.Core;
using Hyperion.Core.Blocks;
using Hyperion.Core.Transactions;
using Hyperion.State;
using Hyperion.State.World;

namespace Hyperion.Chain.Tests;

/// <summary>
/// The commit of block N overlapped with the execution of block N+1 (<see cref="BlockCommitPipeline"/>): N+1 runs
/// while N's state publish (after its block log fsync) is held, and nothing of N or N+1 shows before N is durable.
/// </summary>
public sealed class CommitPipelineTests : IDisposable
{
    private static readonly Address Bob = TestChain.Accounts[1].Address;
    private static readonly Address Alice = TestChain.Accounts[0].Address;
    private readonly string _directory = TestChain.TempDirectory();

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task The_next_block_executes_while_the_commit_runs_and_nothing_shows_before_it_is_durable()
    {
        using var state = new GatedStateStore(ChainRecovery.DefaultStateStore(_directory));
        using LocalChain chain = LocalChain.Start(TestChain.Genesis(), new ChainOptions { DataDirectory = _directory, StateStore = state });
        var added = new List<ulong>();
        chain.Chain.BlockAdded += e => { lock (added) { added.Add(e.Block.Number); } };
        Transaction first = TestChain.Transfer(0, Bob, 1, nonce: 0);
        Transaction second = TestChain.Transfer(0, Bob, 2, nonce: 1); // valid only on block 1's post-state
        Transaction third = TestChain.Transfer(2, Bob, 3, nonce: 0); // its sender's account is read from the stored state
        state.Gated = 1;
        state.OnStage = number =>
        {
            if (number == 1)
            {
                // They arrive while block 1 is built: the round goes on to block 2.
                Assert.Null(chain.Pool.Add(second));
                Assert.Null(chain.Pool.Add(third));
            }
        };

        // Sent in a batch, so that the sender's answer (its wait) is in hand while the batch includes it on another thread.
        using PendingInclusion inclusion = chain.Producer.ExpectInclusion(first.Hash)!;
        var answer = new TaskCompletionSource<Task>();
        Task sent = Task.Run(() =>
        {
            using InclusionBatch batch = InclusionBatch.Begin();
            Assert.Null(chain.Pool.Add(first));
            answer.SetResult(inclusion.Submitted());
        });
        Task answered = await answer.Task;

        // Block 1's publish (its block log record is fsynced by now) is held on the commit thread; block 2 executes meanwhile.
        Assert.True(state.PublishEntered.Wait(TimeSpan.FromSeconds(30)));
        Assert.True(SpinWait.SpinUntil(() => Volatile.Read(ref state.ReadsDuringCommit) > 0, TimeSpan.FromSeconds(30)), $"block 2 did not execute beside block 1's commit {sent.Exception}");
        Thread.Sleep(50); // time for anything published too early to show

        Assert.False(answered.IsCompleted); // the sender of block 1's transaction has no answer yet
        Assert.False(sent.IsCompleted);
        Assert.Equal(0UL, chain.Chain.Store.Head.Number);
        Assert.Null(chain.Chain.Store.GetByNumber(1));
        Assert.False(chain.Chain.Store.TryFindTransaction(first.Hash, out _, out _));
        Assert.False(chain.Chain.Store.TryFindTransaction(second.Hash, out _, out _));
        Assert.False(chain.Chain.Store.TryFindTransaction(third.Hash, out _, out _));
        Assert.Equal(0UL, Nonce(chain.Chain.LatestState));
        lock (added)
        {
            Assert.Empty(added);
        }

        Assert.False(state.StagedAfterGate); // block 2 is sealed only after block 1's commit

        state.Release.Set();
        Assert.Same(sent, await Task.WhenAny(sent, Task.Delay(TimeSpan.FromSeconds(30))));
        await sent;
        Assert.True(answered.IsCompletedSuccessfully);
        Assert.True(state.StagedAfterGate);

        // The round settled block 2's commit before it let the write lock go.
        Assert.Equal(2UL, chain.Chain.Store.Head.Number);
        Assert.True(chain.Chain.Store.TryFindTransaction(first.Hash, out StoredBlock block1, out _));
        Assert.True(chain.Chain.Store.TryFindTransaction(second.Hash, out StoredBlock block2, out int index));
        Assert.Equal(1UL, block1.Number);
        Assert.Equal(2UL, block2.Number);
        Assert.Equal(block1.Hash, block2.Header.ParentHash);
        Assert.True(block2.Receipts[index].Success);
        Assert.True(chain.Chain.Store.TryFindTransaction(third.Hash, out StoredBlock block2Too, out _));
        Assert.Equal(block2.Hash, block2Too.Hash);
        Assert.Equal(2UL, Nonce(chain.Chain.LatestState));
        Assert.Equal(block2.Header.StateRoot, chain.Chain.States.StateRoot(2));
        lock (added)
        {
            Assert.Equal([1UL, 2UL], added);
        }
    }

    [Fact]
    public void A_failed_commit_fails_the_block_built_on_it_and_neither_shows_then_the_chain_goes_on_and_restarts()
    {
        var options = new ChainOptions { DataDirectory = _directory };
        Transaction first = TestChain.Transfer(0, Bob, 1, nonce: 0);
        Transaction second = TestChain.Transfer(0, Bob, 2, nonce: 1);
        Hash256 head;
        using var state = new GatedStateStore(ChainRecovery.DefaultStateStore(_directory));
        using (LocalChain chain = LocalChain.Start(TestChain.Genesis(), options with { StateStore = state }))
        {
            state.Gated = 1;
            state.Failure = new IOException("No space left on device (simulated)");
            state.OnStage = number =>
            {
                if (number == 1 && !chain.Pool.TryGet(second.Hash, out _))
                {
                    Assert.Null(chain.Pool.Add(second));
                }
            };

            using PendingInclusion inclusion = chain.Producer.ExpectInclusion(first.Hash)!;
            Assert.Null(chain.Pool.Add(first));

            // Block 1's publish fails once block 2 has executed on it: block 2 is not sealed, the send fails clearly.
            var error = Assert.Throws<BlockCommitFailedException>(() => inclusion.Submitted().GetAwaiter().GetResult());
            Assert.Equal(1UL, error.BlockNumber);
            Assert.Contains("No space left on device", error.Message);
            Assert.Contains("chain stays at block 0", error.Message);
            Assert.False(state.StagedAfterGate);
            Assert.Equal(0UL, chain.Chain.Store.Head.Number);
            Assert.False(chain.Chain.Store.TryFindTransaction(first.Hash, out _, out _));
            Assert.Equal(0UL, Nonce(chain.Chain.LatestState));
            Assert.Equal(0UL, chain.Chain.States.Head);

            // The disk recovers: the next block (the sequencer's thread, woken by the second transaction, builds it)
            // holds both transactions, on the durable head.
            state.Failure = null;
            state.Gated = null;
            StoredBlock mined = TestChain.WaitForInclusion(chain, second.Hash);
            Assert.Equal(1UL, mined.Number);
            Assert.Equal([first.Hash, second.Hash], mined.Block.Transactions.Select(t => t.Hash));
            Assert.Equal(2UL, Nonce(chain.Chain.LatestState));
            head = chain.Chain.Store.Head.Hash;
        }

        using LocalChain reopened = LocalChain.Start(TestChain.Genesis(), options);
        Assert.Equal(head, reopened.Chain.Store.Head.Hash);
        Assert.Equal(2UL, Nonce(reopened.Chain.LatestState));
    }

    [Fact]
    public void A_commit_that_fails_on_the_sequencers_own_thread_is_reported_and_retried_and_the_process_goes_on()
    {
        var warnings = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var options = new ChainOptions { DataDirectory = _directory, Warning = warnings.Enqueue };
        Transaction first = TestChain.Transfer(0, Bob, 1, nonce: 0);
        using var state = new GatedStateStore(ChainRecovery.DefaultStateStore(_directory));
        using LocalChain chain = LocalChain.Start(TestChain.Genesis(), options with { StateStore = state });
        state.Gated = 1;
        state.FailAtOnce = true;
        state.Failure = new IOException("No space left on device (simulated)");

        // No sender waits for it: the sequencer's thread builds block 1, whose publish fails (an unhandled exception
        // there would end the test host).
        Assert.Null(chain.Pool.Add(first));
        Assert.True(SpinWait.SpinUntil(() => warnings.Any(w => w.Contains("No space left on device")), TimeSpan.FromSeconds(30)));
        string warning = warnings.First(w => w.Contains("No space left on device"));
        Assert.StartsWith("sequencer: block 1 ", warning);
        Assert.Contains("trying again in 1 s", warning);
        Assert.Equal(0UL, chain.Chain.Store.Head.Number);
        Assert.True(chain.Pool.TryGet(first.Hash, out _));

        // The disk recovers: the retry, unprompted, mines the transaction that stayed pending.
        state.Gated = null;
        state.Failure = null;
        StoredBlock mined = TestChain.WaitForInclusion(chain, first.Hash);
        Assert.Equal(1UL, mined.Number);
        Assert.Equal(1UL, Nonce(chain.Chain.LatestState));
    }

    [Fact]
    public void The_chain_index_batch_is_written_after_its_block_is_answered_not_on_the_next_blocks_path()
    {
        using LocalChain chain = LocalChain.Start(TestChain.Genesis(), new ChainOptions { DataDirectory = _directory });
        for (ulong nonce = 0; nonce < ChainStore.IndexBatchBlocks; nonce++)
        {
            Transaction transfer = TestChain.Transfer(0, Bob, 1, nonce);
            Assert.Null(chain.Pool.Add(transfer));
            Assert.Equal(nonce + 1, TestChain.WaitForInclusion(chain, transfer.Hash).Number);
        }

        // The 64th block's commit thread writes the batch once its block is out: no 65th block has to come first.
        Assert.True(SpinWait.SpinUntil(() => chain.Chain.Store.UnindexedBlocks == 0, TimeSpan.FromSeconds(30)), $"{chain.Chain.Store.UnindexedBlocks} blocks still wait for the index");

        // The next block appends after the batch: it alone waits for the next one.
        Transaction last = TestChain.Transfer(0, Bob, 1, ChainStore.IndexBatchBlocks);
        Assert.Null(chain.Pool.Add(last));
        Assert.Equal((ulong)ChainStore.IndexBatchBlocks + 1, TestChain.WaitForInclusion(chain, last.Hash).Number);
        Assert.Equal(1, chain.Chain.Store.UnindexedBlocks);
    }

    private static ulong Nonce(IStateReader state) => state.TryGetAccount(Alice, out Account account) ? account.Nonce : 0;

    /// <summary>
    /// The chain's real state store, with block <see cref="Gated"/>'s publish held until released (or failing), and the
    /// reads of the latest state counted from its stage to the end of its publish (its commit).
    /// </summary>
    private sealed class GatedStateStore(IStateStore inner) : IStateStore, IDisposable
    {
        public ulong? Gated;
        public Exception? Failure;
        public volatile bool FailAtOnce; // fail without waiting for the next block's execution to read
        public Action<ulong>? OnStage;
        public int ReadsDuringCommit;
        public volatile bool Committing;
        public volatile bool StagedAfterGate;
        public readonly ManualResetEventSlim PublishEntered = new(false);
        public readonly ManualResetEventSlim Release = new(false);

        public string Location => inner.Location;

        public void Dispose()
        {
            PublishEntered.Dispose();
            Release.Dispose();
        }

        public bool HoldsState => inner.HoldsState;

        public IChainState Open(Func<InMemoryStateReader> genesis, BlockHeader genesisHeader, IBlockReader blocks, out string? rebuildReason) =>
            new GatedState(this, inner.Open(genesis, genesisHeader, blocks, out rebuildReason));

        public IChainState Recreate(IChainState current, Func<InMemoryStateReader> genesis) =>
            new GatedState(this, inner.Recreate(((GatedState)current).Inner, genesis));

        private sealed class GatedState(GatedStateStore gate, IChainState inner) : IChainState
        {
            public IChainState Inner => inner;

            public ulong Head => inner.Head;

            public ulong Oldest => inner.Oldest;

            public IStateReader Latest => new Counting(gate, inner.Latest);

            public IStateReader LatestForExecution => inner.LatestForExecution;

            public IStateReader? At(ulong number) => inner.At(number);

            public Hash256 StateRoot(ulong number) => inner.StateRoot(number);

            public Hash256 StateRootAfter(ulong number, IReadOnlyList<StateChangeSet> spans) => inner.StateRootAfter(number, spans);

            public Hash256 Stage(ulong number, StateChangeSet changes)
            {
                if (gate.Gated is ulong gated && number > gated)
                {
                    gate.StagedAfterGate = true;
                }

                Hash256 root = inner.Stage(number, changes);
                gate.OnStage?.Invoke(number);
                gate.Committing |= gate.Gated == number; // its commit starts now (the block log first, then the publish)
                return root;
            }

            public void Publish(ulong number)
            {
                if (gate.Gated == number)
                {
                    gate.PublishEntered.Set();
                    try
                    {
                        if (gate.Failure is { } failure)
                        {
                            if (gate.FailAtOnce)
                            {
                                throw failure;
                            }

                            SpinWait.SpinUntil(() => Volatile.Read(ref gate.ReadsDuringCommit) > 0, TimeSpan.FromSeconds(30));
                            Thread.Sleep(20); // the next block's execution goes on reading
                            throw failure;
                        }

                        gate.Release.Wait(TimeSpan.FromSeconds(60));
                    }
                    finally
                    {
                        gate.Committing = false;
                    }
                }

                inner.Publish(number);
            }

            public void Abort(ulong number) => inner.Abort(number);

            public bool TryWalk(ulong number, Action<IStateEnumerator> walk) => inner.TryWalk(number, walk);

            public void Dispose() => inner.Dispose();
        }

        private sealed class Counting(GatedStateStore gate, IStateReader inner) : IStateReader
        {
            public bool TryGetAccount(in Address address, out Account account)
            {
                Count();
                return inner.TryGetAccount(address, out account);
            }

            public UInt256 GetStorage(in Address address, in UInt256 key)
            {
                Count();
                return inner.GetStorage(address, key);
            }

            public byte[] GetCode(in Hash256 codeHash)
            {
                Count();
                return inner.GetCode(codeHash);
            }

            private void Count()
            {
                if (gate.Committing)
                {
                    Interlocked.Increment(ref gate.ReadsDuringCommit);
                }
            }
        }
    }
}
