using System.Text;
using Hyperion.Chain;
using Hyperion.Core;
using Hyperion.Core.Blocks;
using Hyperion.Core.Crypto;
using Hyperion.Core.Transactions;
using Hyperion.Core.Wallet;
using Hyperion.Evm;
using Hyperion.Execution.Blocks;
using Hyperion.Execution.Parallel;
using Hyperion.Execution.Specs;
using Hyperion.Execution.Transactions;
using Hyperion.Rollup.Config;
using Hyperion.Rollup.Deposits;
using Hyperion.Rollup.Fees;
using Hyperion.Rollup.L1Attributes;
using Hyperion.Rollup.Node.Execution;
using Hyperion.Rollup.Node.L2Genesis;
using Hyperion.State.World;

namespace Hyperion.Rollup.Node.Tests.Execution;

/// <summary>
/// An L2 block as derivation builds it, executed through the rollup executor: the L1 attributes deposit, user
/// deposits (a value transfer, one that reverts, one that fails before execution, a contract creation), then user
/// transactions; balances, receipts and the predeploys' view checked against the OP rules and fee formulas.
/// </summary>
public class RollupBlockTests
{
    private static readonly DevAccount User = DevAccounts.Derive(DevAccounts.DefaultMnemonic, 1)[0];
    private static readonly UInt256 Ether = 1_000_000_000_000_000_000UL;
    private static readonly Address Alice = Address.Parse("0x00000000000000000000000000000000000a11ce");
    private static readonly Address Bob = Address.Parse("0x0000000000000000000000000000000000000b0b");
    private static readonly Address Carol = Address.Parse("0x00000000000000000000000000000000000ca201");
    private static readonly Address Dave = Address.Parse("0x0000000000000000000000000000000000000da4");
    private static readonly Address Recipient = Address.Parse("0x00000000000000000000000000000000000000ee");

    // Init code returning the 10-byte runtime 602a60005260206000f3 (returns 42).
    private static readonly byte[] InitCode = Hex.Decode("0x69602a60005260206000f3600052600a6016f3");

    private static readonly L1BlockInfo Info = new()
    {
        Number = 1234,
        Time = TestRollupConfig.GenesisTime - 12,
        BaseFee = 30_000_000_000UL,
        BlobBaseFee = 7_000_000UL,
        BlockHash = Keccak256.Hash([9]),
        SequenceNumber = 0,
        BatcherHash = L1BlockInfo.BatcherHashOf(Address.Parse("0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc")),
        BaseFeeScalar = 1368,
        BlobBaseFeeScalar = 810_949,
    };

    private sealed record Executed(RollupConfig Config, IBlockExecutor Executor, BlockHeader Header, BlockExecution Result, InMemoryStateReader Before, InMemoryStateReader After);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Deposits_and_user_transactions_follow_the_OP_rules(bool fjord)
    {
        Executed run = ExecuteBlock(fjord);
        BlockExecution result = run.Result;
        Assert.Empty(result.Skipped);
        Assert.Equal(7, result.Transactions.Count);
        var before = new WorldState(run.Before);
        var after = new WorldState(run.After);

        // L1 attributes deposit: succeeds, its receipt carries the depositor's nonce and Canyon's version.
        ExecutedTransaction attributes = result.Transactions[0];
        Assert.True(attributes.Receipt.Success);
        Assert.Equal(0ul, attributes.Receipt.DepositNonce);
        Assert.Equal(1ul, attributes.Receipt.DepositReceiptVersion);

        // A transfer deposit: mint to Alice, half sent on.
        ExecutedTransaction transfer = result.Transactions[1];
        Assert.True(transfer.Receipt.Success);
        Assert.Equal(Ether / 2, after.GetBalance(Alice));
        Assert.Equal(Ether / 2, after.GetBalance(Recipient) - (UInt256)3); // + the two 1-wei and 2-wei user transfers below
        Assert.Equal(1ul, after.GetNonce(Alice));

        // A reverting deposit (L1Block refuses anyone but the depositor): status 0, the mint kept, nonce bumped, gas used below the limit.
        ExecutedTransaction reverted = result.Transactions[2];
        Assert.False(reverted.Receipt.Success);
        Assert.Equal(2 * Ether, after.GetBalance(Bob));
        Assert.Equal(1ul, after.GetNonce(Bob));
        Assert.True(reverted.GasUsed < 100_000);
        Assert.Empty(reverted.Receipt.Logs);

        // A deposit whose value exceeds balance + mint fails before execution: included, mint kept, all gas used.
        ExecutedTransaction failed = result.Transactions[3];
        Assert.False(failed.Receipt.Success);
        Assert.Equal(100_000ul, failed.GasUsed);
        Assert.Equal(Ether, after.GetBalance(Carol));
        Assert.Equal(1ul, after.GetNonce(Carol));
        Assert.Equal(0ul, failed.Receipt.DepositNonce);

        // A creation deposit deploys at CREATE(from, nonce before).
        ExecutedTransaction creation = result.Transactions[4];
        Assert.True(creation.Receipt.Success);
        Address created = ContractAddress.From(Dave, 0);
        Assert.Equal(created, creation.ContractAddress);
        Assert.Equal(Hex.Decode("0x602a60005260206000f3"), after.GetCode(created));

        // User transactions: gas at the effective price + the L1 fee from the sender; tip to the coinbase (the
        // SequencerFeeVault), base fee to the BaseFeeVault, L1 fee to the L1FeeVault.
        L1FeeParameters parameters = new(Info.BaseFee, Info.BlobBaseFee, Info.BaseFeeScalar, Info.BlobBaseFeeScalar);
        Assert.Equal(parameters, RollupTransactionHandler.ReadL1FeeParameters(after));
        UInt256 baseFee = run.Header.BaseFeePerGas!.Value;
        UInt256 spent = UInt256.Zero, tips = UInt256.Zero, baseFees = UInt256.Zero, l1Fees = UInt256.Zero;
        foreach (ExecutedTransaction user in result.Transactions.Skip(5))
        {
            Assert.True(user.Receipt.Success);
            Assert.Null(user.Receipt.DepositNonce);
            UInt256 price = user.Transaction.EffectiveGasPrice(baseFee);
            UInt256 l1 = (fjord ? L1Fee.Fjord(user.Transaction.Envelope.Span, parameters) : L1Fee.Ecotone(user.Transaction.Envelope.Span, parameters)).Fee;
            Assert.False(l1.IsZero);
            spent += (new UInt256(user.GasUsed) * price) + l1 + user.Transaction.Value;
            tips += new UInt256(user.GasUsed) * (price - baseFee);
            baseFees += new UInt256(user.GasUsed) * baseFee;
            l1Fees += l1;
        }

        Assert.Equal(before.GetBalance(User.Address) - spent, after.GetBalance(User.Address));
        Assert.Equal(tips, after.GetBalance(Predeploys.SequencerFeeVault));
        Assert.Equal(baseFees, after.GetBalance(Predeploys.BaseFeeVault));
        Assert.Equal(l1Fees, after.GetBalance(Predeploys.L1FeeVault));

        // Deposits pay nothing and the vaults hold exactly the users' fees.
        Assert.Equal(result.Transactions.Sum(t => (long)t.GasUsed), (long)result.GasUsed);
    }

    [Fact]
    public void Import_reproduces_the_built_block_and_its_deposit_receipts()
    {
        Executed run = ExecuteBlock(fjord: false);
        BlockInput input = Input(run.Header, run.Result.Transactions.Select(t => (t.Transaction, t.Sender)).ToList());
        BlockExecution imported = run.Executor.Execute(input, RollupGenesis.Build(run.Config).BuildState(), BlockExecutionMode.Import);
        Assert.Equal(run.Result.ReceiptsRoot, imported.ReceiptsRoot);

        // The deposit receipt's consensus encoding ends with the deposit nonce and version (op-geth's depositReceiptRLP).
        Receipt receipt = imported.Transactions[4].Receipt;
        Receipt decoded = Receipt.DecodeEnvelope(receipt.EncodeEnvelope());
        Assert.Equal(TransactionType.Deposit, decoded.Type);
        Assert.Equal(0ul, decoded.DepositNonce);
        Assert.Equal(1ul, decoded.DepositReceiptVersion);
    }

    [Fact]
    public void L1Block_storage_after_the_attributes_deposit_equals_the_L1_block_info()
    {
        Executed run = ExecuteBlock(fjord: false);
        Assert.Equal((UInt256)Info.Number, CallWord(run, Predeploys.L1Block, "number()"));
        Assert.Equal((UInt256)Info.Time, CallWord(run, Predeploys.L1Block, "timestamp()"));
        Assert.Equal(Info.BaseFee, CallWord(run, Predeploys.L1Block, "basefee()"));
        Assert.Equal(UInt256.FromBigEndian(Info.BlockHash.Bytes), CallWord(run, Predeploys.L1Block, "hash()"));
        Assert.Equal((UInt256)Info.SequenceNumber, CallWord(run, Predeploys.L1Block, "sequenceNumber()"));
        Assert.Equal(UInt256.FromBigEndian(Info.BatcherHash.Bytes), CallWord(run, Predeploys.L1Block, "batcherHash()"));
        Assert.Equal(Info.BlobBaseFee, CallWord(run, Predeploys.L1Block, "blobBaseFee()"));
        Assert.Equal((UInt256)Info.BaseFeeScalar, CallWord(run, Predeploys.L1Block, "baseFeeScalar()"));
        Assert.Equal((UInt256)Info.BlobBaseFeeScalar, CallWord(run, Predeploys.L1Block, "blobBaseFeeScalar()"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void GasPriceOracle_getL1Fee_equals_the_fee_the_node_computes(bool fjord)
    {
        Executed run = ExecuteBlock(fjord);
        L1FeeParameters parameters = RollupTransactionHandler.ReadL1FeeParameters(new WorldState(run.After));
        foreach (ExecutedTransaction user in run.Result.Transactions.Skip(5))
        {
            byte[] unsigned = user.Transaction.Envelope.ToArray(); // any bytes: the oracle adds 68 signature bytes to what it is given
            L1Cost expected = fjord ? L1Fee.FjordForUnsigned(unsigned, parameters) : L1Fee.EcotoneForUnsigned(unsigned, parameters);
            Assert.Equal(expected.Fee, CallWord(run, Predeploys.GasPriceOracle, "getL1Fee(bytes)", AbiBytes(unsigned)));
            Assert.Equal(expected.GasUsed, CallWord(run, Predeploys.GasPriceOracle, "getL1GasUsed(bytes)", AbiBytes(unsigned)));
        }

        Assert.Equal(fjord ? UInt256.One : UInt256.Zero, CallWord(run, Predeploys.GasPriceOracle, "isFjord()"));
    }

    [Fact]
    public void A_sender_who_cannot_pay_the_L1_fee_is_rejected_and_calls_pay_none()
    {
        RollupConfig config = TestRollupConfig.Create();
        ChainSpec spec = RollupChainSpec.From(config);
        IBlockExecutor executor = RollupExecution.CreateExecutor(spec, null, config);
        Genesis genesis = RollupGenesis.Build(config);
        BlockHeader header = NextHeader(spec, genesis);

        // Exactly gas × price + value, nothing left for the L1 fee.
        Address poor = User.Address;
        var poorConfig = config with { Hyperion = config.Hyperion with { FundedAccounts = new SortedDictionary<Address, UInt256> { [poor] = 21_000UL * 3_000_000_000UL } } };
        Transaction tx = Sign(new Transaction
        {
            Type = TransactionType.DynamicFee, ChainId = config.L2ChainId, Nonce = 0, GasLimit = 21_000, To = Recipient,
            MaxFeePerGas = 3_000_000_000UL, MaxPriorityFeePerGas = 1_000_000_000UL,
        });
        BlockExecution result = executor.Execute(
            Input(header, [(Info.ToEcotoneDeposit(), Predeploys.L1AttributesDepositor), (tx, poor)]),
            RollupGenesis.Build(poorConfig).BuildState(),
            BlockExecutionMode.Build);
        Assert.Single(result.Transactions);
        Assert.Contains("L1 data fee", result.Skipped.Single().Reason, StringComparison.Ordinal);

        // The same transfer as a call is not charged the L1 fee (op-geth's calls carry no rollup cost data).
        var state = RollupGenesis.Build(poorConfig).BuildState();
        state.Apply(result.Changes);
        TransactionResult call = executor.Call(executor.CallEnvironment(header, null), state, tx with { }, poor);
        Assert.True(call.IsValid, call.Rejection?.Message);
    }

    [Fact]
    public void The_pool_wants_the_L1_fee_covered_too()
    {
        Executed run = ExecuteBlock(fjord: false);
        UInt256 baseFee = run.Header.BaseFeePerGas!.Value;
        var options = new TxPoolOptions { AdditionalCost = RollupTransactionHandler.PoolL1Cost(run.Config), AllowBlobTransactions = false };
        Transaction Transfer(ulong nonce, UInt256 value) => Sign(new Transaction
        {
            Type = TransactionType.DynamicFee, ChainId = run.Config.L2ChainId, Nonce = nonce, GasLimit = 21_000, To = Recipient,
            Value = value, MaxFeePerGas = 3_000_000_000UL, MaxPriorityFeePerGas = 1_000_000_000UL,
        });

        // The user's balance after the block, less exactly gas × max fee: enough for gas and value, not the L1 fee.
        UInt256 balance = new WorldState(run.After).GetBalance(User.Address);
        Transaction tooMuch = Transfer(2, balance - (21_000UL * 3_000_000_000UL));
        var pool = new TxPool(options, run.Executor.Spec.TransactionRulesAt(2, run.Header.Timestamp + 2), run.After, baseFee, 30_000_000);
        Assert.StartsWith("insufficient funds for gas * price + value + l1 cost", pool.Add(tooMuch, null), StringComparison.Ordinal);

        UInt256 l1Cost = RollupTransactionHandler.PoolL1Cost(run.Config)(tooMuch, run.After);
        Assert.False(l1Cost.IsZero);
        Assert.Null(pool.Add(Transfer(2, balance - (21_000UL * 3_000_000_000UL) - (2 * l1Cost)), null));
    }

    [Fact]
    public void Blob_transactions_are_not_valid_on_the_L2()
    {
        RollupConfig config = TestRollupConfig.Create();
        ChainSpec spec = RollupChainSpec.From(config);
        IBlockExecutor executor = RollupExecution.CreateExecutor(spec, null, config);
        Genesis genesis = RollupGenesis.Build(config);
        Transaction blob = Sign(new Transaction
        {
            Type = TransactionType.Blob, ChainId = config.L2ChainId, GasLimit = 21_000, To = Recipient, MaxFeePerGas = 3_000_000_000UL,
            MaxFeePerBlobGas = 1, BlobVersionedHashes = [new Hash256(Hex.Decode("0x01" + new string('0', 62)))],
        });
        BlockExecution result = executor.Execute(Input(NextHeader(spec, genesis), [(blob, User.Address)]), genesis.BuildState(), BlockExecutionMode.Build);
        Assert.Contains("blob", result.Skipped.Single().Reason, StringComparison.Ordinal);
    }

    /// <summary>
    /// Block-STM with the rollup's handler: every user transaction pays the coinbase and both fee vaults, whose credits
    /// it keeps a slot per position (the handler's fee recipients); the block comes out as sequentially.
    /// </summary>
    [Theory]
    [InlineData(false, 1)]
    [InlineData(true, 2)]
    [InlineData(true, 4)]
    public void The_parallel_executor_with_the_rollup_handler_executes_as_sequentially(bool fjord, int threads)
    {
        Executed sequential = ExecuteBlock(fjord);
        Executed parallel = ExecuteBlock(fjord, threads);
        Assert.Equal(sequential.After.ComputeStateRoot(), parallel.After.ComputeStateRoot());
        Assert.Equal(sequential.Result.ReceiptsRoot, parallel.Result.ReceiptsRoot);
        Assert.Equal(sequential.Result.GasUsed, parallel.Result.GasUsed);
        Assert.Equal(sequential.Result.Transactions.Count, parallel.Result.Transactions.Count);
    }

    [Fact]
    public void The_rollup_handler_names_the_coinbase_and_both_fee_vaults_as_fee_recipients()
    {
        var handler = new RollupTransactionHandler(TestRollupConfig.Create(fjord: true));
        Address coinbase = Predeploys.SequencerFeeVault;
        var environment = new BlockEnvironment { Fork = Fork.Cancun, ChainId = 10, Coinbase = coinbase, Number = 1, Timestamp = 1, GasLimit = 30_000_000 };
        Assert.Equal([coinbase, Predeploys.BaseFeeVault, Predeploys.L1FeeVault], handler.FeeRecipients(environment));
    }

    private static Executed ExecuteBlock(bool fjord, int parallelThreads = 0)
    {
        RollupConfig config = TestRollupConfig.Create(fjord) with
        {
            Hyperion = TestRollupConfig.Create(fjord).Hyperion with
            {
                FundedAccounts = new SortedDictionary<Address, UInt256> { [User.Address] = 10 * Ether },
            },
        };
        ChainSpec spec = RollupChainSpec.From(config);
        IBlockExecutor executor = RollupExecution.CreateExecutor(spec, null, config);
        if (parallelThreads > 0)
        {
            executor = new ParallelBlockExecutor(spec, executor.Precompiles, new RollupTransactionHandler(config), parallelThreads, sequentialBelow: 0);
        }

        Genesis genesis = RollupGenesis.Build(config);
        BlockHeader header = NextHeader(spec, genesis);
        Hash256 l1Block = Keccak256.Hash([7]);
        Transaction Deposit(ulong logIndex, Address from, Address? to, UInt256 mint, UInt256 value, byte[] data) => new()
        {
            Type = TransactionType.Deposit,
            SourceHash = DepositSource.UserDeposit(l1Block, logIndex),
            From = from,
            To = to,
            Mint = mint,
            Value = value,
            GasLimit = 100_000,
            Data = data,
        };
        Transaction UserTransaction(ulong nonce, UInt256 value, byte[] data) => Sign(new Transaction
        {
            Type = TransactionType.DynamicFee, ChainId = config.L2ChainId, Nonce = nonce, GasLimit = 60_000, To = Recipient,
            Value = value, Data = data, MaxFeePerGas = 3_000_000_000UL, MaxPriorityFeePerGas = 1_000_000_000UL,
        });

        List<(Transaction, Address)> transactions =
        [
            (Info.ToEcotoneDeposit(), Predeploys.L1AttributesDepositor),
            (Deposit(0, Alice, Recipient, Ether, Ether / 2, []), Alice),
            (Deposit(1, Bob, Predeploys.L1Block, 2 * Ether, UInt256.Zero, Info.EncodeEcotone()), Bob),
            (Deposit(2, Carol, Recipient, Ether, 3 * Ether, []), Carol),
            (Deposit(3, Dave, null, UInt256.Zero, UInt256.Zero, InitCode), Dave),
            (UserTransaction(0, 1, []), User.Address),
            (UserTransaction(1, 2, Encoding.ASCII.GetBytes("some calldata, with zeros \0\0\0\0 and more bytes to compress compress compress")), User.Address),
        ];
        InMemoryStateReader before = genesis.BuildState();
        BlockExecution result = executor.Execute(Input(header, transactions), before, BlockExecutionMode.Build);
        InMemoryStateReader after = genesis.BuildState();
        after.Apply(result.Changes);
        return new Executed(config, executor, header, result, before, after);
    }

    /// <summary>The block of <see cref="ExecuteBlock"/> as the chain stores it, for RPC formatting.</summary>
    internal static (StoredBlock Block, BlockExecution Execution, RollupParameters Rollup) ExecuteAndStore(bool fjord)
    {
        Executed run = ExecuteBlock(fjord);
        BlockExecution result = run.Result;
        var block = new Block(run.Header, new BlockBody([.. result.Transactions.Select(t => t.Transaction)], [], []));
        var stored = new StoredBlock(block, [.. result.Transactions.Select(t => t.Receipt)], [.. result.Transactions.Select(t => t.Sender)]);
        return (stored, result, run.Executor.Spec.Rollup!);
    }

    private static BlockHeader NextHeader(ChainSpec spec, Genesis genesis)
    {
        BlockHeader parent = genesis.BuildHeader(genesis.BuildState().ComputeStateRoot());
        ulong time = parent.Timestamp + 2;
        return new BlockHeader
        {
            ParentHash = parent.Hash,
            Beneficiary = Predeploys.SequencerFeeVault,
            Number = 1,
            Timestamp = time,
            GasLimit = parent.GasLimit,
            BaseFeePerGas = spec.NextBaseFee(parent, 1, time),
            MixHash = Keccak256.Hash([3]),
            WithdrawalsRoot = Keccak256.EmptyTrieRoot,
            BlobGasUsed = 0,
            ExcessBlobGas = 0,
            ParentBeaconBlockRoot = Keccak256.Hash([4]),
        };
    }

    private static BlockInput Input(BlockHeader header, IReadOnlyList<(Transaction, Address)> transactions) => new(header, transactions);

    private static Transaction Sign(Transaction tx)
    {
        EcdsaSignature signature = Secp256k1.Sign(tx.SigningHash().Bytes, User.PrivateKey.Span);
        return tx.WithSignature(signature.R, signature.S, signature.RecoveryId);
    }

    private static UInt256 CallWord(Executed run, Address contract, string signature, byte[]? arguments = null)
    {
        byte[] data = [.. Keccak256.Hash(Encoding.ASCII.GetBytes(signature)).Bytes[..4], .. arguments ?? []];
        var call = new Transaction { Type = TransactionType.Legacy, GasLimit = 10_000_000, To = contract, Data = data };
        TransactionResult result = run.Executor.Call(run.Executor.CallEnvironment(run.Header, null), run.After, call, Address.Zero);
        Assert.True(result.Success, $"{signature}: {result.Error}");
        return UInt256.FromBigEndian(result.Output.Span[..32]);
    }

    private static byte[] AbiBytes(byte[] value)
    {
        int padded = (value.Length + 31) / 32 * 32;
        byte[] encoded = new byte[64 + padded];
        encoded[31] = 0x20;
        new UInt256((ulong)value.Length).WriteBigEndian(encoded.AsSpan(32, 32));
        value.CopyTo(encoded, 64);
        return encoded;
    }
}
