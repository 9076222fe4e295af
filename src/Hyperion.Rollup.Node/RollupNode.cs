using Hyperion.Chain;
using Hyperion.Core.Blocks;
using Hyperion.Execution.Blocks;
using Hyperion.Execution.Specs;
using Hyperion.Node;
using Hyperion.Rollup.Config;
using Hyperion.Rollup.Node.Derivation;
using Hyperion.Rollup.Node.Engine;
using Hyperion.Rollup.Node.L1;
using Hyperion.Rollup.Node.Rpc;
using Hyperion.Rollup.Node.Sequencing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Hyperion.Rollup.Node;

/// <summary>What a rollup node is composed from: the rollup config, L1, the L2 genesis and executor, and its role.</summary>
public sealed record RollupNodeOptions
{
    public required RollupConfig Config { get; init; }

    public required IL1Source L1 { get; init; }

    /// <summary>The L2 genesis (a function of the rollup config); its block hash must be the config's genesis.l2.hash.</summary>
    public required Genesis Genesis { get; init; }

    /// <summary>The L2 block executor (deposits, L1 data fee, fee vaults) from the chain's spec and precompiles.</summary>
    public required Func<ChainSpec, ChainPrecompiles, IBlockExecutor> Executor { get; init; }

    /// <summary>Where the chain and the safe/finalized heads are kept; null keeps everything in memory.</summary>
    public string? DataDirectory { get; init; }

    /// <summary>Sequencer options; null runs a verifier (everything derived from L1).</summary>
    public RollupSequencerOptions? Sequencer { get; init; }

    /// <summary>L1's blob fee schedule (the blob base fee recorded in the L1 attributes).</summary>
    public BlobSchedule L1BlobSchedule { get; init; } = BlobSchedule.Cancun;

    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>How often L1 is polled for new blocks and heads.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Further node composition (RPC limits, metrics).</summary>
    public Func<NodeBuilder, NodeBuilder>? Configure { get; init; }
}

/// <summary>
/// A rollup node, verifier or sequencer, composed with <see cref="NodeBuilder"/>: the <see cref="RollupEngine"/> as
/// the block producer over the rollup's executor, the derivation pipeline and its driver, the sequencer when asked,
/// and the optimism_* RPC module beside eth_* (no dev controls). <see cref="Run"/> starts the loops.
/// </summary>
public sealed class RollupNode : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = [];
    private readonly RollupDriver _driver;
    private bool _disposed;

    private RollupNode(HyperionNode node, RollupEngine engine, DerivationPipeline pipeline, RollupDriver driver, L1Status status, RollupSequencer? sequencer)
    {
        Node = node;
        Engine = engine;
        Pipeline = pipeline;
        _driver = driver;
        Status = status;
        Sequencer = sequencer;
    }

    public HyperionNode Node { get; }

    public RollupEngine Engine { get; }

    public DerivationPipeline Pipeline { get; }

    public L1Status Status { get; }

    /// <summary>The sequencer's driver; null for a verifier.</summary>
    public RollupSequencer? Sequencer { get; }

    /// <summary>Opens (or creates) the chain and composes the node; nothing runs until <see cref="Run"/>.</summary>
    /// <exception cref="RollupConfigException">The genesis does not hash to the config's genesis.l2.</exception>
    public static RollupNode Create(RollupNodeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        RollupConfig config = options.Config;
        ILoggerFactory loggers = options.LoggerFactory;
        IStateStore stateStore = ChainRecovery.DefaultStateStore(options.DataDirectory);
        var status = new L1Status();
        RollupEngine? engine = null;
        NodeBuilder builder = new NodeBuilder(options.Genesis)
            .WithChain(o => o with { DataDirectory = options.DataDirectory })
            .WithStateStore(stateStore)
            .WithBlockExecutor(options.Executor)
            .WithBlockProducer((chain, pool, _) => engine = new RollupEngine(chain, pool, stateStore, config, options.DataDirectory, loggers.CreateLogger<RollupEngine>(), preconfirm: options.Sequencer?.Preconfirm == true))
            .WithoutDevControls()
            .AddRpcModule(chain => new OptimismModule(engine!, status, chain.Proofs));
        builder = options.Configure?.Invoke(builder) ?? builder;
        HyperionNode node = builder.Build();
        var l1 = new L1Cache(options.L1);
        var attributes = new AttributesSource(config, l1, engine!, options.L1BlobSchedule, loggers.CreateLogger<AttributesSource>());
        var pipeline = new DerivationPipeline(config, l1, engine!, attributes, loggers.CreateLogger<DerivationPipeline>());
        var driver = new RollupDriver(pipeline, l1, status, loggers.CreateLogger<RollupDriver>()) { PollInterval = options.PollInterval };
        RollupSequencer? sequencer = options.Sequencer is { } sequencerOptions
            ? new RollupSequencer(config, l1, engine!, attributes, sequencerOptions, options.Time, loggers.CreateLogger<RollupSequencer>())
            : null;
        return new RollupNode(node, engine!, pipeline, driver, status, sequencer);
    }

    /// <summary>Starts the derivation driver and, for a sequencer, block production, until disposed.</summary>
    public void Run()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_loops.Count > 0)
        {
            throw new InvalidOperationException("the node is already running");
        }

        _loops.Add(Task.Run(() => _driver.RunAsync(_stop.Token)));
        if (Sequencer is not null)
        {
            _loops.Add(Task.Run(() => Sequencer.RunAsync(_stop.Token)));
        }
    }

    /// <summary>Stops the loops, then the node (blocks and heads are already durable).</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await _stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_loops).ConfigureAwait(false);
        _stop.Dispose();
        Node.Dispose();
    }
}
