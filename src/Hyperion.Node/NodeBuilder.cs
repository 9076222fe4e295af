using Hyperion.Chain;
using Hyperion.Core.Wallet;
using Hyperion.Execution.Blocks;
using Hyperion.Execution.Specs;
using Hyperion.Rpc;
using Hyperion.Rpc.Eth;

namespace Hyperion.Node;

/// <summary>
/// Composes a node from parts, each with a default and replaceable: the genesis (its chain spec and allocation), the
/// block executor, the state store (memory or MetisDB), the transaction pool, the block producer, the RPC modules and
/// the metrics. The
/// default composition is the dev chain of <c>hyperion dev</c>; another chain type is another composition.
/// </summary>
/// <example>
/// <code>
/// using HyperionNode node = new NodeBuilder(genesis)
///     .WithChain(o => o with { DataDirectory = dir })
///     .WithPool(chain => new MyPool(chain))
///     .AddRpcModule(parts => new MyModule(parts.Chain))
///     .Build();
/// await using RpcServer server = await node.StartRpcAsync(new RpcServerOptions { Port = 8545 });
/// </code>
/// </example>
public sealed class NodeBuilder
{
    private readonly Genesis _genesis;
    private readonly List<Func<LocalChain, IRpcModule>> _modules = [];
    private ChainOptions _chain = new();
    private IReadOnlyList<DevAccount> _accounts = [];
    private ulong _rpcGasCap = EthModule.DefaultRpcGasCap;
    private RpcExecutionLimits _executionLimits = new();
    private LogQueryLimits _logLimits = LogQueryLimits.Default;
    private long _maxTraceBytes = StructLogTracer.DefaultMaxBytes;
    private int _maxFiltersPerClient = EventModule.DefaultMaxFiltersPerClient;
    private bool _devControls = true;
    private Func<LocalChain, INodeMetrics?> _metrics = chain => new NodeMetrics(chain.Chain, chain.Pool);

    public NodeBuilder(Genesis genesis)
    {
        ArgumentNullException.ThrowIfNull(genesis);
        _genesis = genesis;
    }

    /// <summary>Block time, coinbase, data directory, precompiles and the other chain options.</summary>
    public NodeBuilder WithChain(Func<ChainOptions, ChainOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        _chain = configure(_chain);
        return this;
    }

    /// <summary>Where the state is kept (default: MetisDB under the data directory, memory without one).</summary>
    public NodeBuilder WithStateStore(IStateStore store) => WithChain(o => o with { StateStore = store });

    /// <summary>
    /// The block executor, from the chain's spec and precompiles (default: Ethereum's <see cref="BlockExecutor"/>; a
    /// rollup passes its own transaction handler to it).
    /// </summary>
    public NodeBuilder WithBlockExecutor(Func<ChainSpec, ChainPrecompiles, IBlockExecutor> executor) => WithChain(o => o with { ExecutorFactory = executor });

    /// <summary>The transaction pool (default: <see cref="TxPool"/>).</summary>
    public NodeBuilder WithPool(Func<IChainReader, ITransactionPool> pool) => WithChain(o => o with { PoolFactory = pool });

    /// <summary>The block producer (default: the <see cref="Sequencer"/>).</summary>
    public NodeBuilder WithBlockProducer(Func<ChainProvider, ITransactionPool, IBlockClock, IBlockProducer> producer) =>
        WithChain(o => o with { ProducerFactory = producer });

    /// <summary>Accounts whose keys the node holds (eth_accounts, eth_sendTransaction, eth_sign).</summary>
    public NodeBuilder WithDevAccounts(IReadOnlyList<DevAccount> accounts)
    {
        ArgumentNullException.ThrowIfNull(accounts);
        _accounts = accounts;
        return this;
    }

    /// <summary>The most gas one eth_call or eth_estimateGas may use; 0 for no cap.</summary>
    public NodeBuilder WithRpcGasCap(ulong cap)
    {
        _rpcGasCap = cap;
        return this;
    }

    /// <summary>Time limit, concurrency and batch budget of the methods that run the EVM (eth_call, debug_trace*, …).</summary>
    public NodeBuilder WithRpcExecutionLimits(RpcExecutionLimits limits)
    {
        _executionLimits = limits ?? throw new ArgumentNullException(nameof(limits));
        return this;
    }

    /// <summary>Bounds on large answers: eth_getLogs/eth_getFilterLogs (blocks scanned, logs returned) and struct-log traces (bytes).</summary>
    public NodeBuilder WithRpcResultLimits(LogQueryLimits logs, long maxTraceBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTraceBytes, 1);
        _logLimits = logs ?? throw new ArgumentNullException(nameof(logs));
        _maxTraceBytes = maxTraceBytes;
        return this;
    }

    /// <summary>Filters one client (an HTTP remote address, a WebSocket connection) may have installed at once.</summary>
    public NodeBuilder WithMaxFiltersPerClient(int filters)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(filters, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(filters, EventModule.MaxFilters);
        _maxFiltersPerClient = filters;
        return this;
    }

    /// <summary>Leaves out evm_mine, evm_snapshot/revert and the other dev controls (a chain others depend on).</summary>
    public NodeBuilder WithoutDevControls()
    {
        _devControls = false;
        return this;
    }

    /// <summary>Adds a module beside the default ones (eth, txpool, debug, filters and subscriptions, dev controls).</summary>
    public NodeBuilder AddRpcModule(Func<LocalChain, IRpcModule> module)
    {
        ArgumentNullException.ThrowIfNull(module);
        _modules.Add(module);
        return this;
    }

    /// <summary>The metrics served on /metrics (default: <see cref="NodeMetrics"/>); null for none.</summary>
    public NodeBuilder WithMetrics(Func<LocalChain, INodeMetrics?> metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        _metrics = metrics;
        return this;
    }

    /// <summary>Opens the chain, starts producing blocks and registers the RPC methods; <see cref="HyperionNode.StartRpcAsync"/> serves them.</summary>
    public HyperionNode Build()
    {
        LocalChain chain = LocalChain.Start(_genesis, _chain);
        var disposables = new List<IDisposable>();
        try
        {
            var registry = new RpcMethodRegistry { ExecutionLimits = _executionLimits };
            RpcServer.AddBuiltIns(registry, chain.Chain.ChainId, _devControls ? RpcServer.DevClientVersion : RpcServer.ClientVersion);
            var eth = new EthModule(chain.Chain, chain.Pool, chain.Proofs, _accounts) {
                RpcGasCap = _rpcGasCap,
                Producer = chain.Producer,
                LogLimits = _logLimits,
                // Sending without the key is a dev-chain control: a chain built without them never impersonates.
                IsImpersonated = _devControls ? address => chain.Dev.IsImpersonated(address) : null,
            };
            var events = new EventModule(chain.Chain, chain.Pool, chain.Producer.Preconfirmations) { LogLimits = _logLimits, MaxFiltersPerClient = _maxFiltersPerClient };
            disposables.Add(events);
            var debug = new DebugModule(chain.Chain, eth) { MaxTraceBytes = _maxTraceBytes };
            var history = new AccountHistoryModule(chain.Chain);
            var background = new CoalescingWorker("hyperion-background", AddressIndex.CatchUpInterval);
            disposables.Add(background);
            var addresses = new AddressIndex(chain.Chain, _chain.DataDirectory, _chain.Warning, background);
            disposables.Add(addresses);
            var modules = new List<IRpcModule> { eth, debug, new TraceModule(chain.Chain, debug, eth), new SimulateModule(chain.Chain, eth), history, new OtterscanModule(chain.Chain, eth, debug, history, addresses), events };
            if (_devControls)
            {
                modules.Add(new DevModule(chain.Dev, chain.Chain));
            }

            modules.AddRange(_modules.Select(module => module(chain)));
            foreach (IRpcModule module in modules)
            {
                module.Register(registry);
            }

            return new HyperionNode(_genesis, chain, registry, eth, _metrics(chain), background, disposables);
        }
        catch
        {
            disposables.ForEach(d => d.Dispose());
            chain.Dispose();
            throw;
        }
    }
}
