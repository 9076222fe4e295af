using Hyperion.Core;
using Hyperion.Core.Blocks;
using Hyperion.Core.Transactions;
using Hyperion.Execution.Blocks;
using Hyperion.Execution.Specs;

namespace Hyperion.Chain;

/// <summary>
/// The parts of a locally produced chain and their defaults. Each component left null gets the default: the state
/// store from <see cref="DataDirectory"/>, <see cref="TxPool"/>, the <see cref="Chain.Sequencer"/>.
/// </summary>
public sealed record ChainOptions
{
    /// <summary>Block interval, coinbase and block size of the default producer.</summary>
    public SequencerOptions Sequencer { get; init; } = new();

    public TxPoolOptions Pool { get; init; } = new();

    /// <summary>Directory for the durable chain (block log, and the state in MetisDB under <c>state/</c>); null keeps everything in memory.</summary>
    public string? DataDirectory { get; init; }

    /// <summary>Receives what the operator should know about: a state store rebuilt at start, transactions the pool dropped, a block the sequencer could not make durable.</summary>
    public Action<string>? Warning { get; init; }

    /// <summary>The chain's precompiles (default: Ethereum's at each fork); the dev chain adds the inference precompile.</summary>
    public ChainPrecompiles Precompiles { get; init; } = ChainPrecompiles.Standard;

    /// <summary>Creates the block executor from the chain's spec and precompiles; null: Ethereum's <see cref="BlockExecutor"/>.</summary>
    public Func<ChainSpec, ChainPrecompiles, IBlockExecutor>? ExecutorFactory { get; init; }

    /// <summary>Where the state is kept; null: MetisDB under <see cref="DataDirectory"/>, or memory without one.</summary>
    public IStateStore? StateStore { get; init; }

    /// <summary>Creates the transaction pool over the opened chain; null: a <see cref="Chain.TxPool"/> with <see cref="Pool"/>.</summary>
    public Func<IChainReader, ITransactionPool>? PoolFactory { get; init; }

    /// <summary>Creates the block producer; null: the <see cref="Chain.Sequencer"/>.</summary>
    public Func<ChainProvider, ITransactionPool, IBlockClock, IBlockProducer>? ProducerFactory { get; init; }
}

/// <summary>
/// A chain produced here, composed from its parts: the chain (blocks and state, recovered from the data directory),
/// the transaction pool, the block producer, the dev controls and the proof provider. The node builder adds RPC on top.
/// </summary>
public sealed class LocalChain : IDisposable
{
    private LocalChain(ChainProvider chain, ITransactionPool pool, IBlockProducer producer, DevControls dev, RecoveryReport recovery)
    {
        Chain = chain;
        Pool = pool;
        Producer = producer;
        Dev = dev;
        Proofs = new StateProofProvider(chain);
        Recovery = recovery;
    }

    public ChainProvider Chain { get; }

    public ITransactionPool Pool { get; }

    public IBlockProducer Producer { get; }

    public IDevControls Dev { get; }

    public IStateProofProvider Proofs { get; }

    /// <summary>What opening the chain found (re-executed blocks, a rebuilt state store).</summary>
    public RecoveryReport Recovery { get; }

    /// <summary>Opens the chain (or creates it from <paramref name="genesis"/>), composes its parts and starts producing blocks.</summary>
    public static LocalChain Start(Genesis genesis, ChainOptions options)
    {
        ArgumentNullException.ThrowIfNull(genesis);
        ArgumentNullException.ThrowIfNull(options);
        IStateStore stateStore = options.StateStore ?? ChainRecovery.DefaultStateStore(options.DataDirectory);
        IBlockExecutor executor = options.ExecutorFactory?.Invoke(genesis.Spec, options.Precompiles) ?? new BlockExecutor(genesis.Spec, options.Precompiles);
        ChainProvider chain = ChainRecovery.Open(genesis, options.DataDirectory, stateStore, executor, options.Warning, out RecoveryReport recovery);
        IBlockProducer? producer = null;
        try
        {
            ITransactionPool pool = options.PoolFactory?.Invoke(chain) ?? DefaultPool(chain, options.Pool);
            pool.TransactionDropped += dropped => options.Warning?.Invoke(
                $"txpool: dropped transaction {dropped.Hash} (sender {dropped.Sender}, nonce {dropped.Nonce}), {dropped.Reason}");
            var clock = new DevClock();
            producer = options.ProducerFactory?.Invoke(chain, pool, clock) ?? new Sequencer(chain, pool, clock, options.Sequencer, options.Warning);
            var local = new LocalChain(chain, pool, producer, new DevControls(chain, producer, pool, clock, stateStore), recovery);
            producer.Start();
            return local;
        }
        catch
        {
            producer?.Dispose();
            chain.Dispose();
            throw;
        }
    }

    /// <summary>The default pool: <see cref="TxPool"/> with the spec's transaction rules for the next block, at the chain's head.</summary>
    public static TxPool DefaultPool(IChainReader chain, TxPoolOptions options)
    {
        ArgumentNullException.ThrowIfNull(chain);
        BlockHeader head = chain.Blocks.Head.Header;
        ChainSpec spec = chain.Executor.Spec;
        TransactionRules rules = spec.TransactionRulesAt(head.Number + 1, head.Timestamp + 1);
        return new TxPool(options, rules, chain.LatestState, chain.NextBaseFee(head), head.GasLimit);
    }

    /// <summary>Stops the producer, then closes the chain (blocks are already durable).</summary>
    public void Dispose()
    {
        Producer.Dispose();
        Chain.Dispose();
    }
}
