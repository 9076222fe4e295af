using Hyperion.Core;
using Hyperion.Core.Blocks;
using Hyperion.Core.Transactions;
using Hyperion.Execution.Blocks;
using Hyperion.Execution.Parallel;
using Hyperion.Execution.Specs;
using Hyperion.State.World;
using static Hyperion.Evm.Tests.Execution.Parallel.ContiguousChunksTests;
using static Hyperion.Evm.Tests.Execution.Parallel.ParallelExecutorPropertyTests;

namespace Hyperion.Evm.Tests.Execution.Parallel;

/// <summary>
/// Laned runs of imported blocks (<see cref="ContiguousChunks.TryImport"/> with a lane, see <see cref="HotContracts"/>):
/// the transactions to a hot contract in the caller's part, in block order, the others split across the parts, so
/// that parts interleave in block order. Each case's block has two transactions to the hot contract and one other
/// transaction, in another part, that depends on them (or they on it) through a location: a laned run validated
/// wrongly keeps a result computed without the other part's write, or merges two parts' writes in the wrong order,
/// and differs from the sequential executor's. Each must come out as sequentially, having run laned and conflicted.
/// </summary>
public sealed class HotLaneTests
{
    private const int Transactions = 16;

    // Calls the hot contract with its own calldata: calldatacopy(0, 0, calldatasize); call(gas, hot, 0, 0, calldatasize, 0, 0).
    private static byte[] ForwarderCode(Address to) => [0x36, 0x5f, 0x5f, 0x37, 0x5f, 0x5f, 0x36, 0x5f, 0x5f, 0x73, .. to.Bytes, 0x5a, 0xf1, 0x00];

    // Paid: keeps it; called without value: pays the caller 5 wei back.
    private static readonly byte[] VaultCode = [0x34, 0x60, 0x0e, 0x57, 0x5f, 0x5f, 0x5f, 0x5f, 0x60, 0x05, 0x33, 0x5a, 0xf1, 0x00, 0x5b, 0x00];

    // Deploys sstore(0, calldataload(0)).
    private static readonly byte[] InitCode = [0x64, 0x5f, 0x35, 0x5f, 0x55, 0x00, 0x5f, 0x52, 0x60, 0x05, 0x60, 0x1b, 0xf3];

    private static readonly Address Coinbase = Addr(0xc0);
    private static readonly Address Hot = Addr(0x1100);
    private static readonly Address Forwarder = Addr(0x1101);
    private static readonly Address Vault = Addr(0x1200);
    private static readonly Address BalanceReader = Addr(0x1300);
    private static readonly Address Factory = Addr(0x1400);
    private static readonly Address Created = ContractAddress.FromSalt(Factory, UInt256.Zero, InitCode);
    private static readonly ChainSpec Cancun = ChainSpec.AllActiveFrom(1, Hardfork.Cancun);

    private static Address Sender(int i) => Addr(0x2000 + i);

    private static InMemoryStateReader PreState()
    {
        var pre = new InMemoryStateReader();
        for (int i = 0; i < Transactions; i++)
        {
            pre.SetAccount(Sender(i), 0, new UInt256(1_000_000_000_000_000_000UL), []);
        }

        pre.SetAccount(Coinbase, 0, new UInt256(1), []);
        pre.SetAccount(Hot, 1, UInt256.Zero, SlotCode);
        pre.SetStorage(Hot, UInt256.Zero, new UInt256(5));
        pre.SetAccount(Forwarder, 1, UInt256.Zero, ForwarderCode(Hot));
        pre.SetAccount(Vault, 1, new UInt256(1000), VaultCode);
        pre.SetAccount(BalanceReader, 1, UInt256.Zero, BalanceReaderCode);
        pre.SetAccount(Factory, 1, UInt256.Zero, FactoryCode);
        return pre;
    }

    /// <summary>Transfers from every sender to an address of its own, but for <paramref name="special"/> (index, transaction).</summary>
    private static BlockInput Block(params (int Index, Transaction Tx)[] special)
    {
        var txs = new List<(Transaction, Address)>();
        for (int i = 0; i < Transactions; i++)
        {
            Transaction tx = special.FirstOrDefault(s => s.Index == i).Tx ?? Tx(0, Addr(0x3000 + i), [], gas: 21_000, value: 1);
            txs.Add((tx, Sender(i)));
        }

        return new BlockInput(Header(Coinbase, 30_000_000UL), txs);
    }

    private static readonly string[] CaseNames =
    [
        "reads a slot the lane wrote earlier", "wrote a slot the lane reads later", "reads a slot the lane wrote and restored",
        "reads a balance the lane paid in and out", "pays an account the lane reads later", "two parts write one slot", "reads a fee recipient", "creates a hot address",
    ];

    public static TheoryData<string> Cases() => [.. CaseNames];

    // At 2 threads the caller's part is the two transactions to the hot contract and the first six others, at 4 the first
    // two others: the other transaction here (index 8 to 14) is in another part, earlier or later in block order.
    private static (Address HotContract, BlockInput Block, int Other) Case(string name) => name switch
    {
        // The other reads (through the forwarder) slot 0, which the first written.
        "reads a slot the lane wrote earlier" => (Hot, Block((0, Tx(0, Hot, Word(new UInt256(42)))), (1, Tx(0, Hot, Word(new UInt256(43)))), (14, Tx(0, Forwarder, []))), 14),
        // The other writes slot 0 (through the forwarder), which the lane's two read after it.
        "wrote a slot the lane reads later" => (Hot, Block((8, Tx(0, Forwarder, Word(new UInt256(77)))), (12, Tx(0, Hot, [])), (13, Tx(0, Hot, []))), 8),
        // The lane writes slot 0 and writes it back before the part's end (unchanged net): the other, between, reads 42.
        "reads a slot the lane wrote and restored" => (Hot, Block((0, Tx(0, Hot, Word(new UInt256(42)))), (14, Tx(0, Forwarder, [])), (15, Tx(0, Hot, Word(new UInt256(5))))), 14),
        // The lane pays the vault 5 wei and takes them back (its balance unchanged net): the other, between, stores 1005.
        "reads a balance the lane paid in and out" => (Vault, Block((0, Tx(0, Vault, [], value: 5)), (14, Tx(0, BalanceReader, Word(Vault))), (15, Tx(0, Vault, []))), 14),
        // The other pays an account whose balance the lane stores later; it reads nothing the lane writes.
        "pays an account the lane reads later" => (BalanceReader, Block((8, Tx(0, Addr(0x3100), [], gas: 21_000, value: 7)), (12, Tx(0, BalanceReader, Word(Addr(0x3100)))), (13, Tx(0, BalanceReader, Word(Addr(0x3100))))), 8),
        // The other writes slot 0 before the lane's last write: merged in the parts' order, the other's would win.
        "two parts write one slot" => (Hot, Block((0, Tx(0, Hot, Word(new UInt256(42)))), (10, Tx(0, Forwarder, Word(new UInt256(77)))), (15, Tx(0, Hot, Word(new UInt256(43))))), 10),
        // The other stores the coinbase's balance, which every transaction before it paid.
        "reads a fee recipient" => (Hot, Block((0, Tx(0, Hot, Word(new UInt256(42)))), (1, Tx(0, Hot, [])), (14, Tx(0, BalanceReader, Word(Coinbase)))), 14),
        // A hot address that does not exist yet: the lane pays it, the other creates a contract there, the lane calls it.
        "creates a hot address" => (Created, Block((0, Tx(0, Created, [], gas: 50_000, value: 1)), (12, Tx(0, Factory, InitCode, gas: 300_000)), (15, Tx(0, Created, Word(new UInt256(42))))), 12),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_laned_run_whose_parts_depend_on_each_other_comes_out_as_sequentially(string name)
    {
        (Address hot, BlockInput block, int other) = Case(name);
        InMemoryStateReader pre = PreState();
        string expected = Outcome(new BlockExecutor(Cancun), block, pre, BlockExecutionMode.Import);
        Assert.DoesNotContain("invalid block", expected, StringComparison.Ordinal);
        Assert.DoesNotContain("ok False", expected, StringComparison.Ordinal);
        foreach (int threads in new[] { 1, 2, 4 })
        {
            var executor = new ParallelBlockExecutor(Cancun, threads: threads, sequentialBelow: 0) { Chunks = ParallelBlockExecutor.ChunkUse.Always };
            executor.HotContracts.Learn(hot);
            Assert.Equal(expected, Outcome(executor, block, pre, BlockExecutionMode.Import));
            Assert.Equal(threads == 1 ? (0L, 0L) : (1L, 1L), executor.LaneStatistics);
        }
    }

    /// <summary>The same blocks with the other transaction replaced by a transfer: the parts are independent, the run laned and used.</summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void A_laned_run_of_independent_parts_comes_out_as_sequentially(string name)
    {
        (Address hot, BlockInput block, int other) = Case(name);
        var txs = block.Transactions.ToList();
        txs[other] = (Tx(0, Addr(0x3000 + other), [], gas: 21_000, value: 1), txs[other].Sender);
        block = block with { Transactions = txs };
        InMemoryStateReader pre = PreState();
        string expected = Outcome(new BlockExecutor(Cancun), block, pre, BlockExecutionMode.Import);
        foreach (int threads in new[] { 2, 4 })
        {
            var executor = new ParallelBlockExecutor(Cancun, threads: threads, sequentialBelow: 0) { Chunks = ParallelBlockExecutor.ChunkUse.Always };
            executor.HotContracts.Learn(hot);
            Assert.Equal(expected, Outcome(executor, block, pre, BlockExecutionMode.Import));
            Assert.Equal((1L, 0L), executor.LaneStatistics);
        }
    }

    /// <summary>
    /// Blocks a laned run finds independent but that are invalid: a transaction of another part with a nonce too high,
    /// one whose gas limit fits its part's gas but not the whole prefix's. The block fails with the sequential
    /// executor's message (the results are added in block order, the gas checked against the true prefix).
    /// </summary>
    [Theory]
    [InlineData("nonce")]
    [InlineData("gas")]
    public void An_invalid_block_run_laned_fails_as_sequentially(string invalid)
    {
        const ulong gasLimit = 1_000_000;
        BlockInput block = Block(
            (0, Tx(0, Hot, Word(new UInt256(42)))),
            (1, Tx(0, Hot, [])),
            (14, invalid == "nonce" ? Tx(1, Addr(0x3100), [], gas: 21_000, value: 1) : Tx(0, Addr(0x3100), [], gas: gasLimit, value: 1)));
        block = block with { Header = Header(Coinbase, gasLimit) };
        InMemoryStateReader pre = PreState();
        string expected = Outcome(new BlockExecutor(Cancun), block, pre, BlockExecutionMode.Import);
        Assert.StartsWith("invalid block", expected, StringComparison.Ordinal);
        foreach (int threads in new[] { 2, 4 })
        {
            var executor = new ParallelBlockExecutor(Cancun, threads: threads, sequentialBelow: 0) { Chunks = ParallelBlockExecutor.ChunkUse.Always };
            executor.HotContracts.Learn(Hot);
            Assert.Equal(expected, Outcome(executor, block, pre, BlockExecutionMode.Import));
        }
    }

    /// <summary>
    /// A swap mix on shared pairs, block after block on one executor (as a node imports): the first block's chunks
    /// conflict on the shared pairs, which are learned, and the next blocks run laned past the chunks' backoff, each as
    /// sequentially; the pairs a block's transactions go to, when most of them, are not laned.
    /// </summary>
    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public void Swap_blocks_after_a_conflict_on_shared_pairs_run_laned_and_come_out_as_sequentially(int threads)
    {
        (InMemoryStateReader pre, Address[] pairs, List<(Transaction, Address)> txs) = SwapMix(8, 96);
        var block = new BlockInput(Header(Coinbase, 30_000_000UL), txs);
        string expected = Outcome(new BlockExecutor(Cancun), block, pre, BlockExecutionMode.Import);
        var executor = new ParallelBlockExecutor(Cancun, threads: threads, sequentialBelow: 0);
        for (int b = 0; b < 4; b++)
        {
            Assert.Equal(expected, Outcome(executor, block, pre, BlockExecutionMode.Import));
        }

        Assert.Equal((1L, 1L), executor.ChunkStatistics);
        Assert.Equal((3L, 0L), executor.LaneStatistics);
        Assert.Equal(0L, executor.Statistics.Blocks);
        Assert.Equal(new[] { pairs[0], pairs[1] }, executor.HotContracts.Addresses.Order());

        // Every transaction to a shared pair: the lane would be the whole block, so the chunks run (and conflict).
        var shared = new BlockInput(Header(Coinbase, 30_000_000UL), [.. txs.Select((t, i) => (t.Item1 with { To = pairs[i % 2] }, t.Item2))]);
        var chunks = new ParallelBlockExecutor(Cancun, threads: threads, sequentialBelow: 0) { Chunks = ParallelBlockExecutor.ChunkUse.Always };
        chunks.HotContracts.Learn(pairs[0]);
        chunks.HotContracts.Learn(pairs[1]);
        Assert.Equal(Outcome(new BlockExecutor(Cancun), shared, pre, BlockExecutionMode.Import), Outcome(chunks, shared, pre, BlockExecutionMode.Import));
        Assert.Equal((0L, 0L), chunks.LaneStatistics);
        Assert.Equal(1L, chunks.ChunkStatistics.Blocks);
    }
}
