using Hyperion.Core;
using Hyperion.Core.Blocks;
using Hyperion.Core.Transactions;
using Hyperion.Evm.Precompiles;
using Hyperion.Execution.Blocks;
using Hyperion.Execution.Parallel;
using Hyperion.Execution.Specs;
using Hyperion.State.World;
using static Hyperion.Evm.Tests.Execution.Parallel.ParallelExecutorPropertyTests;

namespace Hyperion.Evm.Tests.Execution.Parallel;

/// <summary>
/// Imported blocks through contiguous chunks (<see cref="ContiguousChunks"/>) at 2, 4 and 8 threads: 16 transactions,
/// the first (in the first chunk) writing what the last (in the last chunk) reads, the rest independent transfers.
/// Each block's outcome must be the sequential executor's — a chunk validated wrongly keeps a result computed on the
/// stale pre-state, which differs — and the chunks must have conflicted (the rest of the block then ran sequentially).
/// </summary>
public sealed class ContiguousChunksTests
{
    private const int Transactions = 16;

    // Calldata empty: sstore(1, sload(0)); else sstore(0, calldataload(0)).
    internal static readonly byte[] SlotCode = [0x36, 0x60, 0x0a, 0x57, 0x5f, 0x54, 0x60, 0x01, 0x55, 0x00, 0x5b, 0x5f, 0x35, 0x5f, 0x55, 0x00];

    // sstore(a, balance(a)) for the address a in calldata.
    internal static readonly byte[] BalanceReaderCode = [0x5f, 0x35, 0x80, 0x31, 0x90, 0x55, 0x00];

    // sstore(a, extcodehash(a)) for the address a in calldata.
    private static readonly byte[] CodeHashReaderCode = [0x5f, 0x35, 0x80, 0x3f, 0x90, 0x55, 0x00];

    // sstore(caller, create2(callvalue, calldata, salt 0)).
    internal static readonly byte[] FactoryCode = [0x36, 0x5f, 0x5f, 0x37, 0x5f, 0x36, 0x5f, 0x34, 0xf5, 0x33, 0x55, 0x00];

    // Calldata empty: selfdestruct(caller); else sstore(0, sload(0) + 1).
    private static readonly byte[] KillableCode = [0x36, 0x60, 0x06, 0x57, 0x33, 0xff, 0x5b, 0x5f, 0x54, 0x60, 0x01, 0x01, 0x5f, 0x55, 0x00];

    // Deploys the one-byte code STOP.
    private static readonly byte[] InitCode = [0x60, 0x00, 0x5f, 0x53, 0x60, 0x01, 0x5f, 0xf3];

    private static readonly Address Coinbase = Addr(0xc0);
    private static readonly Address Slots = Addr(0x1100);
    private static readonly Address BalanceReader = Addr(0x1200);
    private static readonly Address CodeHashReader = Addr(0x1300);
    private static readonly Address Factory = Addr(0x1400);
    private static readonly Address Killable = Addr(0x1500);
    private static readonly Address Fresh = Addr(0x1600);

    // A sender no other transaction touches.
    private static readonly Address Bystander = Addr(0x2100);

    private static Address Sender(int i) => Addr(0x2000 + i);

    private static InMemoryStateReader PreState()
    {
        var pre = new InMemoryStateReader();
        for (int i = 0; i < Transactions; i++)
        {
            pre.SetAccount(Sender(i), 0, new UInt256(1_000_000_000_000_000_000UL), []);
        }

        pre.SetAccount(Bystander, 0, new UInt256(1_000_000_000_000_000_000UL), []);
        pre.SetAccount(Coinbase, 0, new UInt256(1), []);
        pre.SetAccount(Slots, 1, UInt256.Zero, SlotCode);
        pre.SetAccount(BalanceReader, 1, UInt256.Zero, BalanceReaderCode);
        pre.SetAccount(CodeHashReader, 1, UInt256.Zero, CodeHashReaderCode);
        pre.SetAccount(Factory, 1, UInt256.Zero, FactoryCode);
        pre.SetAccount(Killable, 1, new UInt256(1000), KillableCode);
        pre.SetStorage(Killable, UInt256.Zero, new UInt256(5));
        return pre;
    }

    internal static Transaction Tx(ulong nonce, Address? to, byte[] data, ulong gas = 200_000, ulong value = 0) => new()
    {
        Type = TransactionType.DynamicFee,
        ChainId = 1,
        Nonce = nonce,
        To = to,
        Data = data,
        GasLimit = gas,
        Value = new UInt256(value),
        MaxFeePerGas = new UInt256(10),
        MaxPriorityFeePerGas = new UInt256(2),
    };

    /// <summary>
    /// 16 transactions: <paramref name="first"/> from sender 0, <paramref name="last"/> from the sender it names (sender
    /// 15 unless the nonce test reuses sender 0), transfers from the others to addresses of their own between them.
    /// </summary>
    private static BlockInput Block((Transaction Tx, Address Sender) first, (Transaction Tx, Address Sender) last, ulong gasLimit = 30_000_000UL)
    {
        var txs = new List<(Transaction, Address)> { first };
        for (int i = 1; i < Transactions - 1; i++)
        {
            txs.Add((Tx(0, Addr(0x3000 + i), [], gas: 21_000, value: 1), Sender(i)));
        }

        txs.Add(last);
        return new BlockInput(Header(Coinbase, gasLimit), txs);
    }

    private static readonly string[] ConflictNames = ["slot", "balance", "code", "nonce", "creation", "create2 collision", "selfdestruct", "coinbase balance"];

    public static TheoryData<string> Conflicts() => [.. ConflictNames];

    private static (ChainSpec Spec, BlockInput Block) Case(string conflict) => conflict switch
    {
        // The last reads slot 0 (into slot 1), which the first wrote.
        "slot" => (Cancun, Block((Tx(0, Slots, Word(new UInt256(42))), Sender(0)), (Tx(0, Slots, []), Sender(15)))),
        // The first pays the last's sender, whose balance the last stores.
        "balance" => (Cancun, Block((Tx(0, Sender(15), [], gas: 21_000, value: 7), Sender(0)), (Tx(0, BalanceReader, Word(Sender(15))), Sender(15)))),
        // The first deploys a contract (sender 0's first creation), whose code hash the last stores.
        "code" => (Cancun, Block((Tx(0, null, InitCode), Sender(0)), (Tx(0, CodeHashReader, Word(ContractAddress.From(Sender(0), 0))), Sender(15)))),
        // Sender 0's two transactions: the last has nonce 1 (on the stale pre-state it would be rejected).
        "nonce" => (Cancun, Block((Tx(0, Addr(0x3100), [], gas: 21_000, value: 1), Sender(0)), (Tx(1, Addr(0x3101), [], gas: 21_000, value: 1), Sender(0)))),
        // The first creates a fresh account by paying it; the last stores its code hash (zero for no account).
        "creation" => (Cancun, Block((Tx(0, Fresh, [], gas: 21_000, value: 1), Sender(0)), (Tx(0, CodeHashReader, Word(Fresh)), Sender(15)))),
        // Both create the same contract through the factory: the last's CREATE2 collides.
        "create2 collision" => (Cancun, Block((Tx(0, Factory, InitCode), Sender(0)), (Tx(0, Factory, InitCode), Sender(15)))),
        // Before Cancun: the first deletes the contract with its storage; the last calls it (on the stale pre-state its
        // code would still run and write its slot).
        "selfdestruct" => (Shanghai, Block((Tx(0, Killable, []), Sender(0)), (Tx(0, Killable, [1]), Sender(15)))),
        // The last stores the coinbase's balance, which every transaction before it paid.
        "coinbase balance" => (Cancun, Block((Tx(0, Addr(0x3100), [], gas: 21_000, value: 1), Sender(0)), (Tx(0, BalanceReader, Word(Coinbase)), Sender(15)))),
        _ => throw new ArgumentOutOfRangeException(nameof(conflict)),
    };

    private static readonly ChainSpec Cancun = ChainSpec.AllActiveFrom(1, Hardfork.Cancun);
    private static readonly ChainSpec Shanghai = ChainSpec.AllActiveFrom(1, Hardfork.Shanghai);

    [Theory]
    [MemberData(nameof(Conflicts))]
    public void A_chunk_reading_what_an_earlier_chunk_wrote_conflicts_and_comes_out_as_sequentially(string conflict)
    {
        (ChainSpec spec, BlockInput block) = Case(conflict);
        InMemoryStateReader pre = PreState();
        string expected = Outcome(new BlockExecutor(spec), block, pre, BlockExecutionMode.Import);
        Assert.DoesNotContain("invalid block", expected, StringComparison.Ordinal);
        foreach (int threads in new[] { 2, 4, 8 })
        {
            var executor = new ParallelBlockExecutor(spec, threads: threads, sequentialBelow: 0) { Chunks = ParallelBlockExecutor.ChunkUse.Always };
            Assert.Equal(expected, Outcome(executor, block, pre, BlockExecutionMode.Import));
            Assert.Equal((1L, 1L), executor.ChunkStatistics);
        }
    }

    /// <summary>The same blocks without the conflict (the last transaction replaced by a transfer of a sender of its own): no chunk conflicts.</summary>
    [Fact]
    public void Independent_chunks_do_not_conflict_and_come_out_as_sequentially()
    {
        foreach (string conflict in ConflictNames)
        {
            (ChainSpec spec, BlockInput block) = Case(conflict);
            var txs = block.Transactions.ToList();
            txs[^1] = (Tx(0, Addr(0x3200), [], gas: 21_000, value: 1), Bystander);
            block = block with { Transactions = txs };
            InMemoryStateReader pre = PreState();
            string expected = Outcome(new BlockExecutor(spec), block, pre, BlockExecutionMode.Import);
            foreach (int threads in new[] { 2, 4, 8 })
            {
                var executor = new ParallelBlockExecutor(spec, threads: threads, sequentialBelow: 0) { Chunks = ParallelBlockExecutor.ChunkUse.Always };
                Assert.Equal(expected, Outcome(executor, block, pre, BlockExecutionMode.Import));
                Assert.True(executor.ChunkStatistics == (1L, 0L), $"{conflict} at {threads} threads: {executor.ChunkStatistics}");
            }
        }
    }

    /// <summary>
    /// The last transaction's gas limit fits the gas its chunk's transactions used but not the whole prefix's: the
    /// block is invalid with the sequential executor's message (the check is against the true cumulative gas).
    /// </summary>
    [Fact]
    public void A_gas_limit_overflow_seen_only_with_the_whole_prefix_makes_the_block_invalid_as_sequentially()
    {
        const ulong gasLimit = 1_000_000;
        BlockInput block = Block(
            (Tx(0, Addr(0x3100), [], gas: 21_000, value: 1), Sender(0)),
            (Tx(0, Addr(0x3101), [], gas: gasLimit - ((Transactions - 1) * 21_000UL) + 1, value: 1), Sender(15)),
            gasLimit);
        InMemoryStateReader pre = PreState();
        string expected = Outcome(new BlockExecutor(Cancun), block, pre, BlockExecutionMode.Import);
        Assert.StartsWith("invalid block", expected, StringComparison.Ordinal);
        foreach (int threads in new[] { 2, 4, 8 })
        {
            var executor = new ParallelBlockExecutor(Cancun, threads: threads, sequentialBelow: 0) { Chunks = ParallelBlockExecutor.ChunkUse.Always };
            Assert.Equal(expected, Outcome(executor, block, pre, BlockExecutionMode.Import));
        }
    }

    /// <summary>
    /// The split follows the caller's wait: a caller that waited gets a larger first chunk, one the helpers waited for a
    /// smaller one, within bounds; an even split for another number of chunks.
    /// </summary>
    [Fact]
    public void The_first_chunks_share_moves_towards_ending_with_the_helpers_within_bounds()
    {
        var scratch = new ContiguousChunks.Scratch();
        const int even = (1 << ContiguousChunks.Scratch.ShareBits) / 2;
        Assert.Equal(even, scratch.FirstChunkShare(2));

        // 100 ticks of waiting at 1 tick a transaction: 50 transactions would even it out; half of that is taken.
        scratch.Rebalance(2, 1000, callerWaited: 100, ticksPerTransaction: 1);
        Assert.Equal(even + ((25 << ContiguousChunks.Scratch.ShareBits) / 1000), scratch.FirstChunkShare(2));
        scratch.Rebalance(2, 1000, callerWaited: -100, ticksPerTransaction: 1);
        Assert.Equal(even, scratch.FirstChunkShare(2), tolerance: 1);

        for (int i = 0; i < 100; i++)
        {
            scratch.Rebalance(2, 1000, callerWaited: 1_000_000, ticksPerTransaction: 1);
        }

        Assert.Equal((1 << ContiguousChunks.Scratch.ShareBits) * 3 / 4, scratch.FirstChunkShare(2));
        for (int i = 0; i < 100; i++)
        {
            scratch.Rebalance(2, 1000, callerWaited: -1_000_000, ticksPerTransaction: 1);
        }

        Assert.Equal(even / 2, scratch.FirstChunkShare(2));
        Assert.Equal((1 << ContiguousChunks.Scratch.ShareBits) / 4, scratch.FirstChunkShare(4));
    }

    /// <summary>Blocks split far from evenly (the first chunk's share at its bounds) come out as sequentially, conflicted or not.</summary>
    [Theory]
    [InlineData(2, 1_000_000)]
    [InlineData(2, -1_000_000)]
    [InlineData(4, 1_000_000)]
    [InlineData(4, -1_000_000)]
    public void Blocks_split_unevenly_come_out_as_sequentially(int threads, long callerWaited)
    {
        foreach (string conflict in ConflictNames)
        {
            (ChainSpec spec, BlockInput block) = Case(conflict);
            InMemoryStateReader pre = PreState();
            string expected = Outcome(new BlockExecutor(spec), block, pre, BlockExecutionMode.Import);
            var scratch = new ContiguousChunks.Scratch();
            scratch.FirstChunkShare(threads);
            for (int i = 0; i < 100; i++)
            {
                scratch.Rebalance(threads, block.Transactions.Count, callerWaited, ticksPerTransaction: 1);
            }

            var sequential = new BlockExecutor(spec);
            bool conflicted = false;
            string outcome = Outcome(
                input =>
                {
                    BlockEnvironment environment = sequential.Environment(input.Header, input.BlockHashes);
                    PrecompileTable precompiles = sequential.Precompiles.For(environment.Fork);
                    return ContiguousChunks.TryImport(sequential, input, pre, environment, precompiles, sequential.Processor(environment, precompiles), threads, scratch, out conflicted)!;
                },
                block,
                pre);
            Assert.Equal(expected, outcome);
            Assert.True(conflicted, conflict);
        }
    }

    /// <summary>
    /// Blocks back to back on one scratch, as a backlog is imported: the helpers waiting after a block join the next
    /// (claimed, not started on the pool) — through conflicts, an invalid block thrown while a helper ran its chunk,
    /// and independent blocks — and every block comes out as sequentially.
    /// </summary>
    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public void Blocks_back_to_back_with_helpers_kept_between_them_come_out_as_sequentially(int threads)
    {
        InMemoryStateReader pre = PreState();
        var blocks = new List<(ChainSpec Spec, BlockInput Block)>();
        foreach (string conflict in ConflictNames)
        {
            (ChainSpec spec, BlockInput block) = Case(conflict);
            blocks.Add((spec, block));
            var txs = block.Transactions.ToList();
            txs[^1] = (Tx(0, Addr(0x3200), [], gas: 21_000, value: 1), Bystander);
            blocks.Add((spec, block with { Transactions = txs }));
        }

        const ulong gasLimit = 1_000_000;
        blocks.Add((Cancun, Block(
            (Tx(0, Addr(0x3100), [], gas: 21_000, value: 1), Sender(0)),
            (Tx(0, Addr(0x3101), [], gas: gasLimit - ((Transactions - 1) * 21_000UL) + 1, value: 1), Sender(15)),
            gasLimit)));

        // Long enough for a helper to be still waiting when the next block starts, however slow the machine.
        var scratch = new ContiguousChunks.Scratch(TimeSpan.FromMilliseconds(500));
        var expected = blocks.Select(b => Outcome(new BlockExecutor(b.Spec), b.Block, pre, BlockExecutionMode.Import)).ToList();
        for (int round = 0; round < 3; round++)
        {
            for (int b = 0; b < blocks.Count; b++)
            {
                // Mostly a helper of the block before waits now (one started on the pool may take a while to get a
                // thread; on a loaded machine one may give up before this thread gets a core).
                SpinWait.SpinUntil(() => scratch.WaitingHelpers > 0, TimeSpan.FromSeconds(1));
                var sequential = new BlockExecutor(blocks[b].Spec);
                string outcome = Outcome(
                    input =>
                    {
                        BlockEnvironment environment = sequential.Environment(input.Header, input.BlockHashes);
                        PrecompileTable precompiles = sequential.Precompiles.For(environment.Fork);
                        return ContiguousChunks.TryImport(sequential, input, pre, environment, precompiles, sequential.Processor(environment, precompiles), threads, scratch, out _)!;
                    },
                    blocks[b].Block,
                    pre);
                Assert.Equal(expected[b], outcome);
            }
        }

        Assert.True(scratch.HelpersHandedOff > 0, "no helper joined a block after the one it helped");
    }

    /// <summary>
    /// The helper that ran the second chunk claims its merge and is held there until the caller is about to close the
    /// merge (a helper preempted right after its claim): it must still find the list to merge into, and the block come
    /// out as sequentially. When the caller let go of that list before closing the merge, the helper threw with the
    /// merge claimed and the caller waited for it forever (s48gc): that order makes this test time out.
    /// </summary>
    [Fact]
    public async Task A_helper_held_after_claiming_its_merge_until_the_caller_closes_it_still_merges()
    {
        InMemoryStateReader pre = PreState();
        var txs = new List<(Transaction, Address)>();
        for (int i = 0; i < Transactions; i++)
        {
            txs.Add((Tx(0, Addr(0x3000 + i), [], gas: 21_000, value: 1), Sender(i)));
        }

        var block = new BlockInput(Header(Coinbase, 30_000_000UL), txs);
        string expected = Outcome(new BlockExecutor(Cancun), block, pre, BlockExecutionMode.Import);

        // Helpers kept waiting between blocks join the next at once: the helper runs the second chunk and waits after it
        // until the caller has merged the first (the helper's merge then open to it; a helper that starts its chunk with
        // its world state emptied ahead mostly ends first and would not find it), the caller until the helper claimed.
        var scratch = new ContiguousChunks.Scratch(TimeSpan.FromMilliseconds(500));
        var mergedAhead = new ManualResetEventSlim();
        var claimed = new ManualResetEventSlim();
        var release = new ManualResetEventSlim();
        scratch.BeforeHelperMerges = () => mergedAhead.Wait(TimeSpan.FromMilliseconds(100));
        scratch.AfterCallerMergesAhead = () =>
        {
            // Briefly: in a block whose second chunk the caller ran itself (its helper late) no claim comes.
            mergedAhead.Set();
            claimed.Wait(TimeSpan.FromMilliseconds(10));
        };
        int held = 0;
        scratch.AfterHelperClaimsMerge = () =>
        {
            claimed.Set();
            release.Wait(TimeSpan.FromSeconds(5));
        };
        scratch.BeforeCallerClosesMerge = () =>
        {
            // The helper claims right after its chunk, mostly before this thread gets here; a helper that did not run the
            // second chunk, or found the merge not yet open, never claims.
            if (claimed.Wait(TimeSpan.FromMilliseconds(100)))
            {
                held++;
            }

            release.Set();
        };

        var sequential = new BlockExecutor(Cancun);
        var blocks = Task.Factory.StartNew(() =>
        {
            for (int b = 0; b < 40 && held < 5; b++)
            {
                claimed.Reset();
                release.Reset();
                mergedAhead.Reset();
                SpinWait.SpinUntil(() => scratch.WaitingHelpers > 0, TimeSpan.FromSeconds(1));
                string outcome = Outcome(
                    input =>
                    {
                        BlockEnvironment environment = sequential.Environment(input.Header, input.BlockHashes);
                        PrecompileTable precompiles = sequential.Precompiles.For(environment.Fork);
                        return ContiguousChunks.TryImport(sequential, input, pre, environment, precompiles, sequential.Processor(environment, precompiles), 2, scratch, out _)!;
                    },
                    block,
                    pre);
                Assert.Equal(expected, outcome);
            }
        }, TaskCreationOptions.LongRunning);

        Assert.True(await Task.WhenAny(blocks, Task.Delay(TimeSpan.FromSeconds(8))) == blocks, "the caller still waits for the helper's merge");
        await blocks;
        Assert.True(held > 0, "no helper was held after claiming its merge");
    }

    /// <summary>
    /// After a block whose chunks conflicted on an account without code (nothing to lane), the next one goes to Block-STM
    /// directly, then chunks again; after one whose chunks conflicted on a contract's slot, the next ones send its two
    /// transactions into one part (laned), past the chunks' backoff.
    /// </summary>
    [Theory]
    [InlineData("nonce", 2, 0, 1)]
    [InlineData("slot", 1, 2, 0)]
    public void Blocks_after_conflicting_chunks_go_to_Block_STM_or_run_laned(string conflict, long chunked, long laned, long blockStm)
    {
        (ChainSpec spec, BlockInput conflicting) = Case(conflict);
        InMemoryStateReader pre = PreState();
        var executor = new ParallelBlockExecutor(spec, threads: 2, sequentialBelow: 0);
        string expected = Outcome(new BlockExecutor(spec), conflicting, pre, BlockExecutionMode.Import);
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(expected, Outcome(executor, conflicting, pre, BlockExecutionMode.Import));
        }

        // Every chunk try conflicted; no laned run did.
        Assert.Equal((chunked, chunked), executor.ChunkStatistics);
        Assert.Equal((laned, 0L), executor.LaneStatistics);
        Assert.Equal(blockStm, executor.Statistics.Blocks);
        Assert.Equal(laned > 0 ? [Slots] : [], executor.HotContracts.Addresses);
    }
}
