using Hyperion.Chain;
using Hyperion.Core;
using Hyperion.Core.Blocks;
using Hyperion.Core.Crypto;
using Hyperion.Core.Transactions;
using Hyperion.Core.Wallet;
using Hyperion.Rollup.Batcher;
using Hyperion.Rollup.Config;
using Hyperion.Rollup.Deposits;
using Hyperion.Rollup.Derivation;
using Hyperion.Rollup.Node.Engine;
using Hyperion.Rollup.Node.Execution;
using Hyperion.Rollup.Node.L2Genesis;
using Hyperion.Rollup.Node.Sequencing;
using Microsoft.Extensions.Logging;

namespace Hyperion.Rollup.Node.Tests;

/// <summary>How a test batcher posts a channel.</summary>
internal enum BatchMode
{
    Calldata,
    Blobs,
}

/// <summary>
/// A rollup over an in-memory L1: the config, the L2 genesis, nodes (sequencer and verifiers) composed as the CLI
/// composes them, and a test batcher that posts the sequencer's blocks to L1 as channels of frames, signed by the
/// batcher key, in calldata or blobs, singular or span batches.
/// </summary>
internal sealed class RollupTestNet : IAsyncDisposable
{
    public const ulong L2ChainId = 901;
    public static readonly Address Portal = Address.Parse("0x4000000000000000000000000000000000000004");
    public static readonly Address SystemConfigContract = Address.Parse("0x5000000000000000000000000000000000000005");
    private static readonly IReadOnlyList<DevAccount> Accounts = DevAccounts.Derive(DevAccounts.DefaultMnemonic, 4);
    private readonly List<RollupNode> _nodes = [];
    private ulong _channelId = 1;
    private ulong _l1Nonce;

    public RollupTestNet(ulong seqWindowSize = 8)
    {
        L1 = new InMemoryL1(1_700_000_000);
        RollupConfig draft = new()
        {
            GenesisL1 = new BlockId(L1.Genesis.Hash, 0),
            GenesisL2 = new BlockId(Keccak256.Hash([1]), 0),
            GenesisL2Time = L1.Genesis.Timestamp,
            GenesisSystemConfig = new SystemConfig
            {
                BatcherAddress = Batcher.Address,
                Scalar = SystemConfig.EncodeEcotoneScalar(1368, 810_949),
                GasLimit = 30_000_000,
            },
            BlockTime = 1,
            MaxSequencerDrift = 600,
            SeqWindowSize = seqWindowSize,
            ChannelTimeoutBedrock = 4,
            L1ChainId = 900,
            L2ChainId = L2ChainId,
            RegolithTime = 0,
            CanyonTime = 0,
            DeltaTime = 0,
            EcotoneTime = 0,
            FjordTime = 0,
            BatchInboxAddress = Address.Parse("0xff00000000000000000000000000000000000901"),
            DepositContractAddress = Portal,
            L1SystemConfigAddress = SystemConfigContract,
        };
        draft = draft with
        {
            Hyperion = new HyperionRollupSettings
            {
                FundedAccounts = new SortedDictionary<Address, UInt256> { [User.Address] = new UInt256(1_000_000_000_000_000_000UL) },
            },
        };
        Config = draft with { GenesisL2 = new BlockId(RollupGenesis.ComputeHash(draft), 0) };
        Genesis = RollupGenesis.Build(Config);
        Config.EnsureValid();
    }

    public static DevAccount Batcher => Accounts[0];

    public static DevAccount User => Accounts[1];

    public static DevAccount Stranger => Accounts[2];

    public InMemoryL1 L1 { get; }

    public RollupConfig Config { get; }

    public Genesis Genesis { get; }

    public List<string> Log { get; } = [];

    /// <summary>The wall clock the nodes' sequencers see (fixed unless a test moves it).</summary>
    public FixedClock Clock { get; } = new();

    /// <param name="execThreads">0: the sequential executor; else Block-STM on that many threads for every block, however small (not measured).</param>
    public RollupNode Start(bool sequencer, string? dataDirectory = null, int execThreads = 0)
    {
        RollupConfig config = Config;
        RollupNode node = RollupNode.Create(new RollupNodeOptions
        {
            Config = config,
            L1 = L1,
            Genesis = Genesis,
            Executor = (spec, precompiles) => RollupExecution.CreateExecutor(spec, precompiles, config, execThreads, sequentialBelow: 0, measured: false),
            DataDirectory = dataDirectory,
            Sequencer = sequencer ? new RollupSequencerOptions() : null,
            LoggerFactory = new ListLoggerFactory(Log),
            Time = Clock,
            PollInterval = TimeSpan.FromMilliseconds(20),
        });
        _nodes.Add(node);
        return node;
    }

    public async Task StopAsync(RollupNode node)
    {
        _nodes.Remove(node);
        await node.DisposeAsync();
    }

    /// <summary>The sequencer builds <paramref name="count"/> blocks (no wall clock: one after the other).</summary>
    public static async Task SequenceAsync(RollupNode sequencer, int count)
    {
        for (int i = 0; i < count; i++)
        {
            string? failure = await sequencer.Sequencer!.BuildNextAsync(sequencer.Engine.Unsafe, CancellationToken.None);
            Assert.Null(failure);
        }
    }

    /// <summary>Runs the node's derivation until it waits for L1.</summary>
    public static async Task DeriveAsync(RollupNode node)
    {
        for (int i = 0; i < 10_000 && await node.Pipeline.StepAsync(CancellationToken.None); i++)
        {
        }
    }

    /// <summary>L1 mines a block; the sequencer then fills the L2 blocks up to its time.</summary>
    public async Task<BlockHeader> MineL1Async(RollupNode? sequencer, IReadOnlyList<Transaction>? transactions = null, IReadOnlyList<Log>? logs = null, IReadOnlyList<byte[]>? blobs = null)
    {
        BlockHeader header = L1.Mine(transactions, logs, blobs);
        if (sequencer is not null)
        {
            while (sequencer.Engine.Unsafe.Time + Config.BlockTime <= header.Timestamp + InMemoryL1.BlockTime - 1)
            {
                await SequenceAsync(sequencer, 1);
            }
        }

        return header;
    }

    /// <summary>The singular batches of the sequencer's blocks <paramref name="from"/>..<paramref name="to"/> (deposits left out).</summary>
    public static List<SingularBatch> Batches(RollupNode sequencer, ulong from, ulong to)
    {
        List<SingularBatch> batches = [];
        for (ulong n = from; n <= to; n++)
        {
            StoredBlock block = sequencer.Node.Chain.Chain.Store.GetByNumber(n)!;
            L2BlockRef reference = sequencer.Engine.RefOf(block);
            batches.Add(new SingularBatch(
                block.Header.ParentHash, reference.L1Origin.Number, reference.L1Origin.Hash, block.Header.Timestamp,
                [.. block.Block.Transactions.Where(t => t.Type != TransactionType.Deposit).Select(t => t.Envelope)]));
        }

        return batches;
    }

    /// <summary>A channel of the batches (one span batch when <paramref name="span"/>) as batcher transactions and blobs.</summary>
    public (List<Transaction> Transactions, List<byte[]> Blobs) Channel(IReadOnlyList<SingularBatch> batches, BatchMode mode, bool span = false,
        CompressionAlgorithm compression = CompressionAlgorithm.Zlib, DevAccount? signer = null, ulong firstSequenceNumber = 1)
    {
        var channel = new ChannelOut(new Hyperion.Rollup.Derivation.ChannelId(_channelId++), compression, RollupConfig.MaxRlpBytesPerChannelFjord);
        if (span)
        {
            Assert.True(channel.TryAddBatch(SpanBatch.FromSingularBatches(batches, firstSequenceNumber).Encode(Config.GenesisL2Time, Config.BlockTime, Config.L2ChainId)));
        }
        else
        {
            foreach (SingularBatch batch in batches)
            {
                Assert.True(channel.TryAddBatch(batch.Encode()));
            }
        }

        if (mode == BatchMode.Blobs)
        {
            List<byte[]> blobs = [.. channel.ToBlobs()];
            return ([BatcherTransaction([], [.. blobs.Select(InMemoryL1.VersionedHash)], signer)], blobs);
        }

        return ([.. channel.ToFrames(400).Select(f => BatcherTransaction(Frame.EncodeBatcherData([f]), [], signer))], []);
    }

    /// <summary>A transaction to the batch inbox carrying <paramref name="data"/> (or blobs), signed by the batcher unless told otherwise.</summary>
    public Transaction BatcherTransaction(byte[] data, Hash256[] blobHashes, DevAccount? signer = null)
    {
        Transaction tx = new()
        {
            Type = blobHashes.Length > 0 ? TransactionType.Blob : TransactionType.DynamicFee,
            ChainId = Config.L1ChainId,
            Nonce = _l1Nonce++,
            GasLimit = 1_000_000,
            MaxFeePerGas = new UInt256(10_000_000_000),
            MaxPriorityFeePerGas = UInt256.One,
            MaxFeePerBlobGas = blobHashes.Length > 0 ? new UInt256(1_000) : UInt256.Zero,
            To = Config.BatchInboxAddress,
            Data = data,
            BlobVersionedHashes = blobHashes,
        };
        return Sign(tx, signer ?? Batcher);
    }

    /// <summary>A signed L2 transfer from <see cref="User"/>.</summary>
    public static Transaction Transfer(ulong nonce, Address to, ulong wei) => L2Transaction(User, nonce, to, wei, [], 21_000);

    /// <summary>A signed EIP-1559 L2 transaction (10 gwei fee cap, a tip of 1 wei); a creation when <paramref name="to"/> is null.</summary>
    public static Transaction L2Transaction(DevAccount from, ulong nonce, Address? to, ulong wei, byte[] data, ulong gas) => Sign(new Transaction
    {
        Type = TransactionType.DynamicFee,
        ChainId = L2ChainId,
        Nonce = nonce,
        GasLimit = gas,
        MaxFeePerGas = new UInt256(10_000_000_000),
        MaxPriorityFeePerGas = UInt256.One,
        To = to,
        Value = new UInt256(wei),
        Data = data,
    }, from);

    /// <summary>An L1 deposit log of the portal: <paramref name="wei"/> minted to <paramref name="to"/>.</summary>
    public static Log Deposit(Address to, ulong wei) =>
        DepositEvent.Encode(Portal, Stranger.Address, to, new UInt256(wei), new UInt256(wei), 100_000, false, []);

    public static Transaction Sign(Transaction tx, DevAccount account)
    {
        EcdsaSignature signature = Secp256k1.Sign(tx.SigningHash().Bytes, account.PrivateKey.Span);
        return tx.WithSignature(signature.R, signature.S, signature.RecoveryId);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (RollupNode node in _nodes)
        {
            await node.DisposeAsync();
        }
    }
}

/// <summary>A clock that says what the test sets (timers still run in real time).</summary>
internal sealed class FixedClock : TimeProvider
{
    public DateTimeOffset Now { get; set; } = DateTimeOffset.FromUnixTimeSeconds(0);

    public override DateTimeOffset GetUtcNow() => Now;
}

/// <summary>Collects log messages (warnings and above) for assertions.</summary>
internal sealed class ListLoggerFactory(List<string> messages) : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName) => new ListLogger(messages);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    private sealed class ListLogger(List<string> messages) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel >= LogLevel.Warning)
            {
                lock (messages)
                {
                    messages.Add(formatter(state, exception));
                }
            }
        }
    }
}
