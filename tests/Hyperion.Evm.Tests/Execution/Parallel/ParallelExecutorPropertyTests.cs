using System.Globalization;
using System.Text;
using CsCheck;
using Hyperion.Core;
using Hyperion.Core.Blocks;
using Hyperion.Core.Transactions;
using Hyperion.Execution.Blocks;
using Hyperion.Execution.Parallel;
using Hyperion.Execution.Specs;
using Hyperion.Execution.Transactions;
using Hyperion.State.World;

namespace Hyperion.Evm.Tests.Execution.Parallel;

/// <summary>
/// Random blocks built to conflict, executed by the parallel executor at 1, 2, 4 and 8 threads and by the sequential
/// one, must come out the same: receipts, logs, gas, skipped transactions (building) or the error (importing), the
/// changed accounts and the post-state root. The transactions share senders (nonce chains), move an ERC20-like
/// token between the same holders, read the coinbase with BALANCE (while every transaction pays it), create at
/// colliding CREATE2 addresses (one of which holds only storage, EIP-7610), self-destruct, revert, run out of gas,
/// pay zero tips (a touch that deletes an empty coinbase) and overdraw; block gas limits are sometimes tight.
/// </summary>
public sealed class ParallelExecutorPropertyTests
{
    private static readonly ChainSpec Spec = ChainSpec.AllActiveFrom(1, Hardfork.Cancun);
    private static readonly Address[] Senders = [.. Enumerable.Range(1, 4).Select(i => Addr(0x10 + i))];
    private static readonly Address Token = Addr(0x1000);
    private static readonly Address CoinbaseReader = Addr(0x2000);
    private static readonly Address Factory = Addr(0x3000);
    private static readonly Address KillToCoinbase = Addr(0x4000);
    private static readonly Address KillToCaller = Addr(0x4001);
    private static readonly Address Looper = Addr(0x5000);
    private static readonly Address EmptyAccount = Addr(0x6000);
    private static readonly Address EmptyWithStorage = Addr(0x6001);
    private static readonly Address[] Fresh = [Addr(0x7000), Addr(0x7001), Addr(0x7002)];

    // transfer(to, amount) on slots keyed by holder: reverts when the caller's balance is short; LOG1(to).
    private static readonly byte[] TokenCode =
    [
        0x33, 0x54, 0x80, 0x60, 0x20, 0x35, 0x11, 0x60, 0x21, 0x57, 0x60, 0x20, 0x35, 0x90, 0x03, 0x33, 0x55,
        0x5f, 0x35, 0x54, 0x60, 0x20, 0x35, 0x01, 0x5f, 0x35, 0x55, 0x5f, 0x35, 0x5f, 0x5f, 0xa1, 0x00,
        0x5b, 0x5f, 0x5f, 0xfd,
    ];

    // sstore(0, balance(coinbase)); sstore(1, selfbalance())
    private static readonly byte[] CoinbaseReaderCode = [0x41, 0x31, 0x5f, 0x55, 0x47, 0x60, 0x01, 0x55, 0x00];

    // sstore(0, create2(callvalue, calldata, salt 0))
    private static readonly byte[] FactoryCode = [0x36, 0x5f, 0x5f, 0x37, 0x5f, 0x36, 0x5f, 0x34, 0xf5, 0x5f, 0x55, 0x00];

    private static readonly byte[][] InitCodes =
    [
        [0x60, 0x00, 0x5f, 0x53, 0x60, 0x01, 0x5f, 0xf3], // deploys the one-byte code STOP
        [0x41, 0xff], // self-destructs to the coinbase in its own creation (deleted, EIP-6780)
        [0x5f, 0x5f, 0xfd], // reverts
        [0x60, 0x2a, 0x5f, 0x55, 0x00], // stores 42, deploys no code
        [0x41, 0x31, 0x5f, 0x55, 0x00], // stores the coinbase's balance
    ];

    private static readonly Address[] Coinbases = [Fresh[0], EmptyAccount, Senders[0], CoinbaseReader, Token, EmptyWithStorage];

    internal static Address Addr(int n)
    {
        var bytes = new byte[20];
        bytes[18] = (byte)(n >> 8);
        bytes[19] = (byte)n;
        return new Address(bytes);
    }

    private static InMemoryStateReader PreState()
    {
        var pre = new InMemoryStateReader();
        foreach (Address sender in Senders)
        {
            pre.SetAccount(sender, 0, new UInt256(1_000_000_000_000_000_000UL), []);
        }

        pre.SetAccount(Token, 1, UInt256.Zero, TokenCode);
        foreach (Address sender in Senders)
        {
            pre.SetStorage(Token, UInt256.FromBigEndian(Word(sender)), new UInt256(1000));
        }

        pre.SetAccount(CoinbaseReader, 1, new UInt256(5), CoinbaseReaderCode);
        pre.SetAccount(Factory, 1, UInt256.Zero, FactoryCode);
        pre.SetAccount(KillToCoinbase, 1, new UInt256(1_000_000), [0x41, 0xff]);
        pre.SetAccount(KillToCaller, 1, new UInt256(2_000_000), [0x33, 0xff]);
        pre.SetAccount(Looper, 1, UInt256.Zero, [0x5b, 0x5f, 0x56]);
        pre.SetAccount(EmptyAccount, 0, UInt256.Zero, []);
        pre.SetAccount(EmptyWithStorage, 0, UInt256.Zero, []);
        pre.SetStorage(EmptyWithStorage, UInt256.One, UInt256.One);

        // Storage alone at the factory's CREATE2 address of the first init code: that creation collides (EIP-7610).
        Address squatted = ContractAddress.FromSalt(Factory, UInt256.Zero, InitCodes[0]);
        pre.SetAccount(squatted, 0, UInt256.Zero, []);
        pre.SetStorage(squatted, UInt256.One, new UInt256(7));
        return pre;
    }

    /// <summary>One generated transaction: who sends it, what it does, and its knobs.</summary>
    private readonly record struct TxPlan(int Sender, int Kind, int Choice, int Amount, bool WrongNonce, int Tip, int GasStep);

    private static readonly Gen<TxPlan> PlanGen =
        Gen.Select(Gen.Int[0, 3], Gen.Int[0, 8], Gen.Int[0, 15], Gen.Int[0, 4], Gen.Int[0, 19], Gen.Int[0, 2], Gen.Int[0, 3])
            .Select((sender, kind, choice, amount, nonce, tip, gas) => new TxPlan(sender, kind, choice, amount, nonce == 0, tip, gas));

    private static readonly Gen<(TxPlan[] Plans, int Coinbase, bool TightGas)> BlockGen =
        Gen.Select(PlanGen.Array[1, 24], Gen.Int[0, Coinbases.Length - 1], Gen.Int[0, 3]).Select((plans, coinbase, gas) => (plans, coinbase, gas == 0));

    private static BlockInput Build((TxPlan[] Plans, int Coinbase, bool TightGas) block)
    {
        var nonces = new ulong[Senders.Length];
        var txs = new List<(Transaction, Address)>();
        UInt256[] amounts = [UInt256.Zero, UInt256.One, new UInt256(1000), new UInt256(100_000_000_000_000_000UL), new UInt256(3_000_000_000_000_000_000UL)];
        Address[] recipients = [.. Senders, .. Fresh, Token, CoinbaseReader, KillToCoinbase, EmptyAccount, Coinbases[block.Coinbase]];
        foreach (TxPlan plan in block.Plans)
        {
            Address sender = Senders[plan.Sender];
            ulong nonce = plan.WrongNonce ? nonces[plan.Sender] + 1 : nonces[plan.Sender]++;
            Address? to;
            byte[] data = [];
            ulong gas = 100_000 + (ulong)plan.GasStep * 50_000;
            UInt256 value = UInt256.Zero;
            switch (plan.Kind)
            {
                case 0: // value transfer, sometimes more than the sender has
                    to = recipients[plan.Choice % recipients.Length];
                    value = amounts[plan.Amount];
                    gas = plan.GasStep == 0 ? 21_000 : gas;
                    break;
                case 1: // token transfer to another holder; may exceed the balance and revert
                case 2:
                    to = Token;
                    data = [.. Word(recipients[plan.Choice % recipients.Length]), .. Word(new UInt256((ulong)(plan.Amount * 300)))];
                    break;
                case 3: // reads the coinbase's balance into storage
                    to = CoinbaseReader;
                    value = plan.Amount == 1 ? UInt256.One : UInt256.Zero;
                    break;
                case 4: // creation transaction
                    to = null;
                    data = InitCodes[plan.Choice % InitCodes.Length];
                    value = plan.Amount == 1 ? new UInt256(77) : UInt256.Zero;
                    break;
                case 5: // CREATE2 through the factory: the same init code collides
                    to = Factory;
                    data = InitCodes[plan.Choice % InitCodes.Length];
                    value = plan.Amount == 1 ? new UInt256(5) : UInt256.Zero;
                    break;
                case 6: // SELFDESTRUCT of an existing contract: its balance to the coinbase or the caller
                    to = plan.Choice % 2 == 0 ? KillToCoinbase : KillToCaller;
                    value = plan.Amount == 2 ? new UInt256(1000) : UInt256.Zero;
                    break;
                case 7: // runs out of gas
                    to = Looper;
                    gas = 30_000 + (ulong)plan.GasStep * 10_000;
                    break;
                default: // reads a fresh address's balance by sending it nothing, or pays a recipient from a contract
                    to = plan.Choice % 2 == 0 ? Fresh[plan.Choice % Fresh.Length] : CoinbaseReader;
                    gas = 60_000;
                    break;
            }

            txs.Add((new Transaction
            {
                Type = TransactionType.DynamicFee,
                ChainId = 1,
                To = to,
                Nonce = nonce,
                GasLimit = gas,
                Value = value,
                Data = data,
                MaxFeePerGas = new UInt256(7 + 3UL),
                MaxPriorityFeePerGas = new UInt256((ulong)plan.Tip),
            }, sender));
        }

        return new BlockInput(Header(Coinbases[block.Coinbase], block.TightGas ? 400_000UL : 30_000_000UL), txs) { Withdrawals = [new Withdrawal(0, 1, Fresh[1], 3)] };
    }

    /// <summary>Block 1 on a zero parent at base fee 7 (the transactions' fee caps are set against it).</summary>
    internal static BlockHeader Header(Address beneficiary, ulong gasLimit) => new()
    {
        ParentHash = Hash256.Zero,
        Beneficiary = beneficiary,
        Number = 1,
        Timestamp = 1000,
        GasLimit = gasLimit,
        BaseFeePerGas = new UInt256(7),
        ParentBeaconBlockRoot = Hash256.Zero,
        ExcessBlobGas = 0,
        BlobGasUsed = 0,
    };

    internal static byte[] Word(Address address)
    {
        var word = new byte[32];
        address.Bytes.CopyTo(word.AsSpan(12));
        return word;
    }

    internal static byte[] Word(UInt256 value)
    {
        var word = new byte[32];
        value.WriteBigEndian(word);
        return word;
    }

    /// <summary>Everything observable of executing <paramref name="block"/>, as text to compare (the address-index entries it collects last).</summary>
    internal static string Outcome(IBlockExecutor executor, BlockInput block, InMemoryStateReader pre, BlockExecutionMode mode) =>
        Outcome(input => executor.Execute(input, pre, mode), block, pre);

    /// <summary>As the executor's <see cref="Outcome(IBlockExecutor, BlockInput, InMemoryStateReader, BlockExecutionMode)"/>, <paramref name="execute"/> executing the block on <paramref name="pre"/>.</summary>
    internal static string Outcome(Func<BlockInput, BlockExecution> execute, BlockInput block, InMemoryStateReader pre)
    {
        BlockExecution execution;
        try
        {
            execution = execute(block with { CollectAddresses = true });
        }
        catch (InvalidBlockException e)
        {
            return $"invalid block: {e.Message}";
        }

        var text = new StringBuilder();
        InMemoryStateReader post = pre.Clone();
        post.Apply(execution.Changes);
        text.Append(CultureInfo.InvariantCulture, $"root {post.ComputeStateRoot()} gas {execution.GasUsed} receipts {execution.ReceiptsRoot} txs {execution.TransactionsRoot} bloom {Convert.ToHexString(execution.Bloom.ToArray())}\n");
        foreach (ExecutedTransaction tx in execution.Transactions)
        {
            text.Append(CultureInfo.InvariantCulture, $"tx {tx.Transaction.Hash} ok {tx.Receipt.Success} gas {tx.GasUsed} cumulative {tx.Receipt.CumulativeGasUsed} logs {tx.Receipt.Logs.Count} created {tx.ContractAddress} error {tx.Result.Error} output {Convert.ToHexString(tx.Result.Output.Span)}\n");
        }

        foreach (SkippedTransaction skipped in execution.Skipped)
        {
            text.Append(CultureInfo.InvariantCulture, $"skipped {skipped.Transaction.Hash} {skipped.Permanent}: {skipped.Reason}\n");
        }

        foreach (AccountChange change in execution.Changes.Accounts)
        {
            text.Append(CultureInfo.InvariantCulture, $"account {change.Address} deleted {change.Deleted} nonce {change.Nonce} balance {change.Balance} code {change.CodeHash}\n");
        }

        return text.Append(AddressesHeading).Append(AddressesText(execution.Addresses!)).ToString();
    }

    private const string AddressesHeading = "addresses\n";

    private static string AddressesText(BlockAddresses addresses) =>
        string.Concat(addresses.Touched.Select(t => $"touched {t.Index} {t.Address}\n")) +
        string.Concat(addresses.Created.Select(c => $"created {c.Index} {c.Contract} by {c.Creator}\n"));

    /// <summary>
    /// The address-index entries of building <paramref name="block"/> through the open block, one transaction at a
    /// time traced as it is added (the sequencer's path, and the index's re-execution): what executing it whole must collect.
    /// </summary>
    private static string OpenBlockAddresses(BlockExecutor sequential, BlockInput block, InMemoryStateReader pre)
    {
        BlockBuilder builder = sequential.Open(block, pre);
        var collector = new BlockAddressCollector();
        foreach ((Transaction tx, Address sender) in block.Transactions)
        {
            collector.Begin(builder.Included.Count);
            if (!builder.Add(tx, sender, collector))
            {
                collector.Discard();
            }
        }

        return AddressesText(collector.Addresses);
    }

    [Fact]
    public void Random_conflicting_blocks_execute_in_parallel_as_sequentially()
    {
        InMemoryStateReader pre = PreState();
        var sequential = new BlockExecutor(Spec);
        // Helpers admitted at once (these blocks are of 1–24 transactions: a probe would leave most to the caller), and
        // at 2 threads after the default probe.
        // Imported blocks through Block-STM alone, and through contiguous chunks first (a block's chunks conflict or not).
        ParallelBlockExecutor[] parallel =
        [
            .. new[] { 1, 2, 4, 8 }.Select(threads => new ParallelBlockExecutor(Spec, threads: threads, sequentialBelow: 0) { HelperProbe = 0, Chunks = ParallelBlockExecutor.ChunkUse.Never }),
            new ParallelBlockExecutor(Spec, threads: 2, sequentialBelow: 0) { Chunks = ParallelBlockExecutor.ChunkUse.Never },
            .. new[] { 1, 2, 4, 8 }.Select(threads => new ParallelBlockExecutor(Spec, threads: threads, sequentialBelow: 0) { Chunks = ParallelBlockExecutor.ChunkUse.Always }),
        ];
        BlockGen.Sample(plan => AssertSameOutcome(Build(plan), pre, sequential, parallel), iter: 300);
    }

    /// <summary>
    /// A chain whose handler also pays every transaction's base fee to a vault it lists among its fee recipients
    /// (as a rollup's BaseFeeVault): the vault's credits are kept a slot per position beside the coinbase's. The vault
    /// is sometimes an account the transactions read and write explicitly (a sender, a recipient, the coinbase itself).
    /// </summary>
    [Fact]
    public void Random_conflicting_blocks_paying_a_fee_vault_execute_in_parallel_as_sequentially()
    {
        InMemoryStateReader pre = PreState();
        Address[] vaults = [Fresh[2], Senders[1], CoinbaseReader, EmptyWithStorage, Addr(0x4200)];
        Gen.Select(BlockGen, Gen.Int[0, vaults.Length]).Sample((plan, vault) =>
        {
            // The last choice: the vault is the block's coinbase (a fee recipient named twice).
            var handler = new FeeVaultHandler(vault == vaults.Length ? Coinbases[plan.Coinbase] : vaults[vault]);
            var sequential = new BlockExecutor(Spec, handler: handler);
            ParallelBlockExecutor[] parallel =
            [
                .. new[] { 1, 2, 4 }.Select(threads => new ParallelBlockExecutor(Spec, handler: handler, threads: threads, sequentialBelow: 0) { HelperProbe = 0, Chunks = ParallelBlockExecutor.ChunkUse.Never }),
                .. new[] { 2, 4 }.Select(threads => new ParallelBlockExecutor(Spec, handler: handler, threads: threads, sequentialBelow: 0) { Chunks = ParallelBlockExecutor.ChunkUse.Always }),
            ];
            AssertSameOutcome(Build(plan), pre, sequential, parallel);
        }, iter: 150);
    }

    /// <summary>Ethereum's rules, and the base fee paid to <see cref="Vault"/> rather than burned.</summary>
    private sealed class FeeVaultHandler(Address vault) : TransactionHandler
    {
        public Address Vault { get; } = vault;

        public override IReadOnlyList<Address> FeeRecipients(BlockEnvironment environment) => [environment.Coinbase, Vault];

        protected override void Reward(TransactionContext context)
        {
            base.Reward(context);
            context.State.AddBalance(Vault, new UInt256((ulong)context.GasUsed) * context.Block.BaseFee);
        }
    }

    private static void AssertSameOutcome(BlockInput block, InMemoryStateReader pre, BlockExecutor sequential, ParallelBlockExecutor[] parallel)
    {
        foreach (BlockExecutionMode mode in new[] { BlockExecutionMode.Build, BlockExecutionMode.Import })
        {
            string expected = Outcome(sequential, block, pre, mode);
            if (mode == BlockExecutionMode.Build)
            {
                AssertOpenBlockAddresses(expected, sequential, block, pre);
            }

            foreach (ParallelBlockExecutor executor in parallel)
            {
                string actual = Outcome(executor, block, pre, mode);
                if (actual != expected)
                {
                    throw new InvalidOperationException($"{executor.Threads} threads, {mode}:\nexpected\n{expected}\nactual\n{actual}");
                }
            }
        }
    }

    /// <summary>The sequential executor's whole-block entries (the end of <paramref name="outcome"/>) are the open block's, so the parallel executor's are checked against them.</summary>
    private static void AssertOpenBlockAddresses(string outcome, BlockExecutor sequential, BlockInput block, InMemoryStateReader pre)
    {
        string reference = OpenBlockAddresses(sequential, block, pre);
        int heading = outcome.IndexOf(AddressesHeading, StringComparison.Ordinal);
        if (heading < 0 || outcome[(heading + AddressesHeading.Length)..] != reference)
        {
            throw new InvalidOperationException($"executed whole:\n{outcome}\nthrough the open block:\n{reference}");
        }
    }

    /// <summary>
    /// A fully dependent chain (every transaction increments the same slot): a helper worker finds it mostly conflicts
    /// and stops the workers, the block keeps the validated prefix and runs the rest sequentially — with the same
    /// outcome, also when a transaction that does not fit the gas left is skipped (building) or makes the block
    /// invalid (importing); and so when a short validated prefix sends the whole block to the sequential executor.
    /// Whether a helper joins in time depends on the threads and the machine, so the stop is also forced early and late.
    /// </summary>
    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void A_dependency_chain_stops_the_workers_and_ends_sequentially_as_sequentially(bool tightGas, bool redoShortPrefix)
    {
        InMemoryStateReader pre = PreState();
        BlockInput block = ChainBlock(pre, tightGas);
        var sequential = new BlockExecutor(Spec);
        foreach (int threads in new[] { 2, 4, 8 })
        {
            // 0: a helper judges the chain on its own (timing decides whether it does in time, so up to 100 runs and
            // not asserted); 40 and 280: the stop forced early (short prefix) and late (most of the block validated),
            // so both ends of the stop run every time.
            foreach (int stopAfter in new[] { 0, 40, 280 })
            {
                // Every run through Block-STM whole (no probe of the blocks after the first chain), so that the stop's both ends run every time.
                var executor = new ParallelBlockExecutor(Spec, threads: threads, sequentialBelow: 0) { RedoShortPrefix = redoShortPrefix, StopAfterIncarnations = stopAfter, Chunks = ParallelBlockExecutor.ChunkUse.Never, ProbeAfterChain = false };
                int runs = stopAfter == 0 ? 100 : 3;
                for (int run = 0; run < runs && (stopAfter > 0 || executor.BlocksStoppedForSequential == 0); run++)
                {
                    foreach (BlockExecutionMode mode in new[] { BlockExecutionMode.Build, BlockExecutionMode.Import })
                    {
                        string expected = Outcome(sequential, block, pre, mode);
                        Assert.Contains(!tightGas ? "" : mode == BlockExecutionMode.Build ? "skipped" : "invalid block", expected, StringComparison.Ordinal);
                        if (mode == BlockExecutionMode.Build)
                        {
                            AssertOpenBlockAddresses(expected, sequential, block, pre);
                        }

                        Assert.Equal(expected, Outcome(executor, block, pre, mode));
                    }
                }

                if (stopAfter > 0)
                {
                    Assert.Equal(2L * runs, executor.BlocksStoppedForSequential);
                }
            }
        }
    }

    /// <summary>
    /// 300 transactions from distinct senders that each increment the same slot (a fully dependent chain), or (not
    /// <paramref name="chain"/>) each increment a slot of a counter of their own; when <paramref name="tightGas"/>,
    /// transaction 250 (of a million gas) does not fit the block.
    /// </summary>
    private static BlockInput ChainBlock(InMemoryStateReader pre, bool tightGas, bool chain = true)
    {
        byte[] counterCode = [0x5f, 0x54, 0x60, 0x01, 0x01, 0x5f, 0x55, 0x00]; // sstore(0, sload(0) + 1)
        Address shared = Addr(0x5100);
        pre.SetAccount(shared, 1, UInt256.Zero, counterCode);
        var txs = new List<(Transaction, Address)>();
        for (int i = 0; i < 300; i++)
        {
            Address sender = Addr(0x9000 + i);
            Address counter = chain ? shared : Addr(0xa000 + i);
            pre.SetAccount(sender, 0, new UInt256(1_000_000_000_000_000_000UL), []);
            pre.SetAccount(counter, 1, UInt256.Zero, counterCode);
            txs.Add((new Transaction
            {
                Type = TransactionType.DynamicFee,
                ChainId = 1,
                To = counter,
                GasLimit = i == 250 ? 1_000_000UL : 60_000UL,
                MaxFeePerGas = new UInt256(10),
                MaxPriorityFeePerGas = new UInt256(2),
            }, sender));
        }

        return new BlockInput(Header(Fresh[0], tightGas ? 7_500_000UL : 30_000_000UL), txs);
    }

    /// <summary>
    /// The caller's thread alone (no helper got a core) tells a chain by its close dependencies and stops Block-STM
    /// for the sequential tail; on independent counters it does not. The threads set what is close: at one thread
    /// nothing is, and the chain runs through Block-STM whole.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_caller_alone_stops_a_dependency_chain_for_sequential(bool redoShortPrefix)
    {
        var sequential = new BlockExecutor(Spec);
        foreach ((bool chain, int threads, bool stops) in new[] { (true, 2, true), (true, 8, true), (false, 2, false), (true, 1, false) })
        {
            InMemoryStateReader pre = PreState();
            BlockInput block = ChainBlock(pre, tightGas: false, chain);
            var executor = new ParallelBlockExecutor(Spec, threads: threads, sequentialBelow: 0) { WithoutHelpers = true, RedoShortPrefix = redoShortPrefix, Chunks = ParallelBlockExecutor.ChunkUse.Never };
            foreach (BlockExecutionMode mode in new[] { BlockExecutionMode.Build, BlockExecutionMode.Import })
            {
                Assert.Equal(Outcome(sequential, block, pre, mode), Outcome(executor, block, pre, mode));
            }

            Assert.Equal(stops ? 2L : 0L, executor.BlocksStoppedForSequential);
        }
    }

    /// <summary>
    /// After a block Block-STM stopped as a chain the next block runs sequentially without trying Block-STM, after
    /// two chains in a row the next two; a block Block-STM completes (independent work) returns every block after it
    /// to Block-STM. The outcomes are the sequential executor's throughout.
    /// </summary>
    [Fact]
    public void Blocks_after_a_chain_run_sequentially_until_Block_STM_completes_one()
    {
        var sequential = new BlockExecutor(Spec);
        InMemoryStateReader pre = PreState();
        BlockInput chain = ChainBlock(pre, tightGas: false);
        BlockInput independent = ChainBlock(pre, tightGas: false, chain: false);
        // A caller that sends every block through Block-STM (the block tests, the benchmark) gets no backoff.
        Assert.False(new ParallelBlockExecutor(Spec, threads: 2, sequentialBelow: 0).BackOffAfterChains);
        Assert.True(new ParallelBlockExecutor(Spec, threads: 2).BackOffAfterChains);
        var executor = new ParallelBlockExecutor(Spec, threads: 2, sequentialBelow: 0) { WithoutHelpers = true, BackOffAfterChains = true, Chunks = ParallelBlockExecutor.ChunkUse.Never };
        var trace = new List<string>();
        void Run(BlockInput block)
        {
            (long stopped, long skipped) = (executor.BlocksStoppedForSequential, executor.BlocksSequentialAfterChain);
            Assert.Equal(Outcome(sequential, block, pre, BlockExecutionMode.Import), Outcome(executor, block, pre, BlockExecutionMode.Import));
            trace.Add(executor.BlocksStoppedForSequential > stopped ? "stopped" : executor.BlocksSequentialAfterChain > skipped ? "sequential" : "parallel");
        }

        foreach (BlockInput block in new[] { chain, chain, chain, independent, independent, independent, independent, chain, independent, independent })
        {
            Run(block);
        }

        Assert.Equal(
            ["stopped", "sequential", "stopped", "sequential", "sequential", "parallel", "parallel", "stopped", "sequential", "parallel"],
            trace);
    }

    /// <summary>
    /// A block after one judged a chain is first probed on its first transactions (the caller alone, the smaller
    /// sample): a chain is then judged after 3 incarnations instead of 7 and runs sequentially; an independent block
    /// after it passes the probe (8 incarnations) and completes on Block-STM. Outcomes are the sequential executor's
    /// throughout, in both modes.
    /// </summary>
    [Fact]
    public void A_chain_after_a_chain_stops_sooner_and_independent_work_after_it_still_runs_parallel()
    {
        var sequential = new BlockExecutor(Spec);
        InMemoryStateReader pre = PreState();
        BlockInput chain = ChainBlock(pre, tightGas: false);
        BlockInput independent = ChainBlock(pre, tightGas: false, chain: false);
        foreach (bool withoutHelpers in new[] { true, false })
        {
            var executor = new ParallelBlockExecutor(Spec, threads: 2, sequentialBelow: 0) { WithoutHelpers = withoutHelpers, Chunks = ParallelBlockExecutor.ChunkUse.Never };
            var trace = new List<string>();
            BlockExecutionMode[] modes = [BlockExecutionMode.Import, BlockExecutionMode.Build];
            BlockInput[] blocks = [chain, chain, chain, independent, chain, chain];
            for (int b = 0; b < blocks.Length; b++)
            {
                BlockExecutionMode mode = modes[b % 2];
                (long stopped, long incarnations, long parallelBlocks) = (executor.BlocksStoppedForSequential, executor.Statistics.Incarnations, executor.Statistics.Blocks);
                Assert.Equal(Outcome(sequential, blocks[b], pre, mode), Outcome(executor, blocks[b], pre, mode));
                Assert.Equal(1L, executor.Statistics.Blocks - parallelBlocks);
                trace.Add(executor.BlocksStoppedForSequential > stopped ? $"stopped after {executor.Statistics.Incarnations - incarnations}" : "completed");
            }

            if (withoutHelpers)
            {
                Assert.Equal(["stopped after 7", "stopped after 3", "stopped after 3", "completed", "stopped after 7", "stopped after 3"], trace);
            }
            else
            {
                // A helper may take tasks of a whole block's run (timing): only the probes' counts are certain.
                Assert.Equal(["stopped", "stopped after 3", "stopped after 3", "completed", "stopped", "stopped after 3"], trace.Select(t => t.StartsWith("stopped after 3", StringComparison.Ordinal) ? t : t.Split(' ')[0]));
            }
        }
    }

    /// <summary>
    /// While Block-STM keeps stopping blocks as chains the contiguous chunks are not tried again (their try of a
    /// chain runs a helper's whole chunk before the rest); after independent blocks complete on Block-STM, the chunks'
    /// backoff runs out and they are tried again. Outcomes are the sequential executor's throughout.
    /// </summary>
    [Fact]
    public void Chains_stopped_by_Block_STM_keep_the_chunks_backed_off()
    {
        var sequential = new BlockExecutor(Spec);
        InMemoryStateReader pre = PreState();
        BlockInput chain = ChainBlock(pre, tightGas: false);
        BlockInput independent = ChainBlock(pre, tightGas: false, chain: false);
        var executor = new ParallelBlockExecutor(Spec, threads: 2, sequentialBelow: 0) { WithoutHelpers = true };
        foreach (BlockInput block in Enumerable.Repeat(chain, 12))
        {
            Assert.Equal(Outcome(sequential, block, pre, BlockExecutionMode.Import), Outcome(executor, block, pre, BlockExecutionMode.Import));
        }

        // The first block's chunks conflicted; every later one went to Block-STM and stopped.
        Assert.Equal((1L, 1L), executor.ChunkStatistics);
        Assert.Equal(11L, executor.BlocksStoppedForSequential);
        foreach (BlockInput block in Enumerable.Repeat(independent, ChainBackoff.MaxSkipped + 1))
        {
            Assert.Equal(Outcome(sequential, block, pre, BlockExecutionMode.Import), Outcome(executor, block, pre, BlockExecutionMode.Import));
        }

        // The longest backoff on Block-STM, then the chunks again (valid).
        Assert.Equal((2L, 1L), executor.ChunkStatistics);
        Assert.Equal(11L, executor.BlocksStoppedForSequential);
    }

    /// <summary>
    /// A block large enough that the parallel executor's serial end splits the net changes into ranges shared by its
    /// threads (hundreds of changed accounts; the random blocks above change a few dozen): token transfers and value
    /// transfers to distinct holders, one transaction with a wrong nonce when building (so the transactions' root is of fewer
    /// than all), and with a tight gas limit when building (the tail replaces a skipped transaction's position).
    /// </summary>
    /// <summary>
    /// <paramref name="count"/> swaps from senders of their own: every <paramref name="sharedEvery"/>th on one of the two
    /// shared pairs (the first two), the rest on a pair of their own; every third pays its pair a wei. Each pair also
    /// holds a slot no swap touches.
    /// </summary>
    internal static (InMemoryStateReader Pre, Address[] Pairs, List<(Transaction, Address)> Transactions) SwapMix(int sharedEvery, int count)
    {
        InMemoryStateReader pre = PreState();
        Address[] pairs = [.. Enumerable.Range(0, count + 2).Select(i => Addr(0x9000 + i))];
        foreach (Address pair in pairs)
        {
            pre.SetAccount(pair, 1, UInt256.Zero, PairCode);
            pre.SetStorage(pair, UInt256.Zero, new UInt256(1_000_000_000_000_000_000UL));
            pre.SetStorage(pair, UInt256.One, new UInt256(2_000_000_000_000_000_000UL));
            pre.SetStorage(pair, new UInt256(7), new UInt256(99));
        }

        var txs = new List<(Transaction, Address)>();
        for (int i = 0; i < count; i++)
        {
            Address sender = Addr(0xc000 + i);
            pre.SetAccount(sender, 0, new UInt256(1_000_000_000_000_000_000UL), []);
            txs.Add((new Transaction
            {
                Type = TransactionType.DynamicFee,
                ChainId = 1,
                To = i % sharedEvery == 0 ? pairs[i / sharedEvery % 2] : pairs[2 + i],
                GasLimit = 100_000UL,
                Value = i % 3 == 0 ? UInt256.One : UInt256.Zero,
                Data = Word(new UInt256(1_000_000_000_000_000UL + (ulong)i)),
                MaxFeePerGas = new UInt256(10),
                MaxPriorityFeePerGas = new UInt256(2),
            }, sender));
        }

        return (pre, pairs, txs);
    }

    // A constant-product pair (as `bench exec`'s swap mix): in = calldata[0]; reserves r0 (slot 0), r1 (slot 1);
    // out = r1 * in / (r0 + in); r0 += in; r1 -= out; the caller's slot += out; LOG0.
    private static readonly byte[] PairCode =
    [
        0x5f, 0x35, 0x5f, 0x54, 0x81, 0x01, 0x80, 0x5f, 0x55, 0x60, 0x01, 0x54, 0x91, 0x82, 0x02, 0x04, 0x80, 0x33, 0x54,
        0x01, 0x33, 0x55, 0x90, 0x03, 0x60, 0x01, 0x55, 0x5f, 0x5f, 0xa0, 0x00,
    ];

    /// <summary>
    /// A swap mix: every <paramref name="sharedEvery"/>th swap on one of two shared pairs (each reads the reserves the
    /// one before on its pair wrote: a conflict at every thread count, and a chunk's read of what an earlier chunk
    /// wrote), the rest on a pair of their own. Every pair also holds a slot no swap touches, so a net change that
    /// took a pair for a new account (its storage cleared) loses it from the root: a pair whose storage alone changed,
    /// and one a swap also paid a wei (its account written).
    /// </summary>
    [Theory]
    [InlineData(8, 200)]
    [InlineData(2, 64)]
    [InlineData(1, 40)]
    public void A_swap_mix_on_shared_pairs_comes_out_as_sequentially(int sharedEvery, int count)
    {
        (InMemoryStateReader pre, _, List<(Transaction, Address)> txs) = SwapMix(sharedEvery, count);
        var block = new BlockInput(Header(Fresh[0], 30_000_000UL), txs);
        var sequential = new BlockExecutor(Spec);
        string expected = Outcome(sequential, block, pre, BlockExecutionMode.Import);
        Assert.DoesNotContain("invalid block", expected, StringComparison.Ordinal);
        Assert.DoesNotContain("ok False", expected, StringComparison.Ordinal);
        foreach (int threads in new[] { 1, 2, 4 })
        {
            foreach (ParallelBlockExecutor.ChunkUse chunks in new[] { ParallelBlockExecutor.ChunkUse.Never, ParallelBlockExecutor.ChunkUse.Always })
            {
                foreach (int helperProbe in new[] { 0, ParallelBlockExecutor.DefaultHelperProbe })
                {
                    var parallel = new ParallelBlockExecutor(Spec, threads: threads, sequentialBelow: 0) { Chunks = chunks, HelperProbe = helperProbe };
                    foreach (BlockExecutionMode mode in new[] { BlockExecutionMode.Build, BlockExecutionMode.Import })
                    {
                        Assert.Equal(Outcome(sequential, block, pre, mode), Outcome(parallel, block, pre, mode));
                    }
                }
            }
        }
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    public void Large_blocks_come_out_as_sequentially(bool tightGas, bool wrongNonce)
    {
        InMemoryStateReader pre = PreState();
        var txs = new List<(Transaction, Address)>();
        for (int i = 0; i < 400; i++)
        {
            Address sender = Addr(0x8000 + i);
            pre.SetAccount(sender, 0, new UInt256(1_000_000_000_000_000_000UL), []);
            pre.SetStorage(Token, UInt256.FromBigEndian(Word(sender)), new UInt256(1000));
            bool token = i % 2 == 0;
            txs.Add((new Transaction
            {
                Type = TransactionType.DynamicFee,
                ChainId = 1,
                To = token ? Token : Addr(0xa000 + i),
                Nonce = wrongNonce && i == 123 ? 1UL : 0UL,
                GasLimit = token ? 100_000UL : 21_000UL,
                Value = token ? UInt256.Zero : new UInt256((ulong)i + 1),
                Data = token ? (byte[])[.. Word(Addr(0xb000 + i)), .. Word(new UInt256((ulong)i))] : Array.Empty<byte>(),
                MaxFeePerGas = new UInt256(10),
                MaxPriorityFeePerGas = new UInt256(2),
            }, sender));
        }

        var block = new BlockInput(Header(Fresh[0], tightGas ? 5_000_000UL : 30_000_000UL), txs) { Withdrawals = [new Withdrawal(0, 1, Fresh[1], 3)] };
        var sequential = new BlockExecutor(Spec);
        foreach (BlockExecutionMode mode in new[] { BlockExecutionMode.Build, BlockExecutionMode.Import })
        {
            string expected = Outcome(sequential, block, pre, mode);
            if (tightGas || wrongNonce)
            {
                Assert.Contains(mode == BlockExecutionMode.Build ? "skipped" : "invalid block", expected, StringComparison.Ordinal);
            }
            else
            {
                Assert.DoesNotContain("invalid block", expected, StringComparison.Ordinal);
            }

            foreach (int threads in new[] { 1, 2, 4 })
            {
                foreach (ParallelBlockExecutor.ChunkUse chunks in new[] { ParallelBlockExecutor.ChunkUse.Never, ParallelBlockExecutor.ChunkUse.Always })
                {
                    Assert.Equal(expected, Outcome(new ParallelBlockExecutor(Spec, threads: threads, sequentialBelow: 0) { Chunks = chunks }, block, pre, mode));
                }
            }
        }
    }
}
