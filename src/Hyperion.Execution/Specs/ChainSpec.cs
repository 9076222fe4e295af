using Hyperion.Core;
using Hyperion.Core.Blocks;
using Hyperion.Core.Transactions;
using Hyperion.Evm;

namespace Hyperion.Execution.Specs;

/// <summary>When a hardfork activates: at a block number (forks up to Paris) or at a timestamp (Shanghai on).</summary>
public readonly record struct ForkCondition(bool ByTimestamp, ulong Value)
{
    public static ForkCondition Block(ulong number) => new(false, number);

    public static ForkCondition Timestamp(ulong seconds) => new(true, seconds);

    public bool IsActive(ulong number, ulong timestamp) => ByTimestamp ? timestamp >= Value : number >= Value;

    public override string ToString() => ByTimestamp ? $"timestamp {Value}" : $"block {Value}";
}

/// <summary>One entry of a chain's fork schedule.</summary>
public readonly record struct ForkActivation(Hardfork Fork, ForkCondition Condition);

/// <summary>
/// EIP-1559 parameters: the gas target is the gas limit / <see cref="ElasticityMultiplier"/> and the base fee moves
/// by at most 1/<see cref="MaxChangeDenominator"/> per block (OP-stack chains use other values, changed at Canyon).
/// </summary>
public sealed record BaseFeeParameters(ulong ElasticityMultiplier, ulong MaxChangeDenominator)
{
    public static BaseFeeParameters Ethereum { get; } = new(BaseFee.ElasticityMultiplier, BaseFee.MaxChangeDenominator);
}

/// <summary>
/// What an OP-stack rollup adds to a chain beyond its handler (which the executor is given): a chain without one
/// (<see cref="ChainSpec.Rollup"/> null) is an ordinary Ethereum-rules chain.
/// </summary>
public sealed record RollupParameters
{
    /// <summary>
    /// The fields a receipt of transaction <c>index</c> of a block reports beyond Ethereum's, by JSON name, as
    /// quantities (OP's <c>l1Fee</c>, <c>l1GasUsed</c>, … of a non-deposit transaction); empty for none.
    /// </summary>
    public Func<Block, int, IReadOnlyList<KeyValuePair<string, UInt256>>>? ReceiptFields { get; init; }
}

/// <summary>A block needs a hardfork whose rules MetisVM does not implement.</summary>
public sealed class UnsupportedForkException(string message) : Exception(message);

/// <summary>
/// What defines a chain (reth's ChainSpec): its id, the fork schedule, the gas limit of its first block, the base-fee
/// and blob parameters and, for a rollup, the rollup's parameters. Every fork decision is <see cref="ForkAt"/> or
/// <see cref="IsActive"/> on it; no code outside the spec names a fork to run.
/// </summary>
public sealed record ChainSpec
{
    public const ulong DefaultGasLimit = 30_000_000;

    private readonly IReadOnlyList<ForkActivation> _forks = [];

    public required ulong ChainId { get; init; }

    /// <summary>
    /// The fork schedule. Ethereum hardforks must appear in their order with non-decreasing activations, block-based
    /// ones before timestamp-based ones (as geth checks); a fork left out is never active.
    /// </summary>
    public required IReadOnlyList<ForkActivation> Forks
    {
        get => _forks;
        init => _forks = Validated(value);
    }

    /// <summary>The gas limit of the first block (the sequencer keeps it).</summary>
    public ulong GasLimit { get; init; } = DefaultGasLimit;

    /// <summary>Base-fee parameters by the hardfork they apply from (newest active wins); Ethereum's from London.</summary>
    public IReadOnlyList<(Hardfork From, BaseFeeParameters Parameters)> BaseFeeSchedule { get; init; } =
        [(Hardfork.London, BaseFeeParameters.Ethereum)];

    /// <summary>Blob parameters by the hardfork they apply from (newest active wins): EIP-4844's at Cancun, EIP-7691's at Prague.</summary>
    public IReadOnlyList<(Hardfork From, BlobSchedule Schedule)> BlobSchedules { get; init; } = EthereumBlobSchedules;

    /// <summary>Ethereum's blob parameters: EIP-4844's from Cancun, EIP-7691's from Prague.</summary>
    public static IReadOnlyList<(Hardfork From, BlobSchedule Schedule)> EthereumBlobSchedules { get; } =
        [(Hardfork.Cancun, BlobSchedule.Cancun), (Hardfork.Prague, BlobSchedule.Prague)];

    /// <summary>The rollup's parameters; null for an Ethereum-rules chain.</summary>
    public RollupParameters? Rollup { get; init; }

    /// <summary>A chain with every Ethereum hardfork up to <paramref name="latest"/> active from genesis.</summary>
    public static ChainSpec AllActiveFrom(ulong chainId, Hardfork latest) => new()
    {
        ChainId = chainId,
        Forks = [.. Hardforks.Ethereum.Where(f => f <= latest).Select(f => new ForkActivation(f, ForkCondition.Block(0)))],
    };

    /// <summary>The dev chain: every hardfork MetisVM implements is active from block 0.</summary>
    public static ChainSpec Dev(ulong chainId) => AllActiveFrom(chainId, Hardforks.Of(Enum.GetValues<Fork>().Max()));

    /// <summary>Whether <paramref name="fork"/> is active in the block with <paramref name="number"/> and <paramref name="timestamp"/>.</summary>
    public bool IsActive(Hardfork fork, ulong number, ulong timestamp)
    {
        foreach (ForkActivation activation in _forks)
        {
            if (activation.Fork == fork)
            {
                return activation.Condition.IsActive(number, timestamp);
            }
        }

        return false;
    }

    /// <summary>The newest Ethereum hardfork active in the block with <paramref name="number"/> and <paramref name="timestamp"/>.</summary>
    public Hardfork LatestEthereumFork(ulong number, ulong timestamp)
    {
        Hardfork latest = Hardfork.Frontier;
        foreach (ForkActivation activation in _forks)
        {
            if (Hardforks.IsEthereum(activation.Fork) && activation.Fork > latest && activation.Condition.IsActive(number, timestamp))
            {
                latest = activation.Fork;
            }
        }

        return latest;
    }

    /// <summary>The EVM rules of the block with <paramref name="number"/> and <paramref name="timestamp"/>.</summary>
    /// <exception cref="UnsupportedForkException">The block needs a hardfork MetisVM does not implement.</exception>
    public Fork ForkAt(ulong number, ulong timestamp)
    {
        Hardfork latest = LatestEthereumFork(number, timestamp);
        return Hardforks.EvmRules(latest) ?? throw new UnsupportedForkException(
            $"block {number} (timestamp {timestamp}) of chain {ChainId} needs {Hardforks.FixtureName(latest)} rules, which MetisVM does not implement ({Hardforks.SupportedNames})");
    }

    /// <summary>The EVM rules of a block (see <see cref="ForkAt"/>); false when MetisVM does not implement them.</summary>
    public bool TryForkAt(ulong number, ulong timestamp, out Fork fork)
    {
        Fork? rules = Hardforks.EvmRules(LatestEthereumFork(number, timestamp));
        fork = rules.GetValueOrDefault();
        return rules is not null;
    }

    /// <summary>
    /// Checks that MetisVM can run every block from (<paramref name="number"/>, <paramref name="timestamp"/>) on: the
    /// rules active there and every Ethereum hardfork scheduled later. A node refuses such a chain at start rather
    /// than stopping when the fork arrives.
    /// </summary>
    /// <exception cref="UnsupportedForkException">The rules there, or a fork scheduled later, are not implemented.</exception>
    public void EnsureSupportedFrom(ulong number, ulong timestamp)
    {
        ForkAt(number, timestamp);
        foreach (ForkActivation activation in _forks)
        {
            if (Hardforks.IsEthereum(activation.Fork) && !activation.Condition.IsActive(number, timestamp) && Hardforks.EvmRules(activation.Fork) is null)
            {
                throw new UnsupportedForkException(
                    $"chain {ChainId} schedules {Hardforks.FixtureName(activation.Fork)} at {activation.Condition}, which MetisVM does not implement ({Hardforks.SupportedNames})");
            }
        }
    }

    /// <summary>The blob parameters of a block, or null before Cancun.</summary>
    public BlobSchedule? BlobScheduleAt(ulong number, ulong timestamp) => NewestActive(BlobSchedules, number, timestamp);

    /// <summary>The base-fee parameters of a block, or null before London (no base fee).</summary>
    public BaseFeeParameters? BaseFeeParametersAt(ulong number, ulong timestamp) => NewestActive(BaseFeeSchedule, number, timestamp);

    /// <summary>
    /// The base fee of the block (<paramref name="number"/>, <paramref name="timestamp"/>) after
    /// <paramref name="parent"/>: null before London, EIP-1559's initial fee on the first London block.
    /// </summary>
    public UInt256? NextBaseFee(BlockHeader parent, ulong number, ulong timestamp)
    {
        ArgumentNullException.ThrowIfNull(parent);
        if (BaseFeeParametersAt(number, timestamp) is not { } parameters)
        {
            return null;
        }

        return parent.BaseFeePerGas is UInt256 parentBaseFee
            ? BaseFee.Next(parent.GasLimit, parent.GasUsed, parentBaseFee, parameters.ElasticityMultiplier, parameters.MaxChangeDenominator)
            : new UInt256(BaseFee.InitialBaseFee);
    }

    /// <summary>The excess blob gas of a block after <paramref name="parent"/>; null before Cancun.</summary>
    public ulong? NextExcessBlobGas(BlockHeader parent, ulong number, ulong timestamp)
    {
        ArgumentNullException.ThrowIfNull(parent);
        return BlobScheduleAt(number, timestamp) is { } schedule
            ? BlobGas.NextExcessBlobGas(parent.ExcessBlobGas ?? 0, parent.BlobGasUsed ?? 0, schedule)
            : null;
    }

    /// <summary>Which transactions are valid in the block (the pool and the importer check them before execution).</summary>
    public TransactionRules TransactionRulesAt(ulong number, ulong timestamp)
    {
        Fork fork = ForkAt(number, timestamp);
        TransactionRules rules = TransactionRules.Berlin(ChainId);
        if (fork >= Fork.London)
        {
            rules = TransactionRules.London(ChainId);
        }

        if (fork >= Fork.Shanghai)
        {
            rules = TransactionRules.Shanghai(ChainId);
        }

        // An OP-stack rollup takes no blob transactions (its blobs are posted on L1), though its blocks follow Cancun.
        if (BlobScheduleAt(number, timestamp) is { } blobs && fork >= Fork.Cancun && Rollup is null)
        {
            rules = TransactionRules.Cancun(ChainId) with { MaxBlobsPerBlock = blobs.MaxBlobsPerBlock };
        }

        return rules;
    }

    private T? NewestActive<T>(IReadOnlyList<(Hardfork From, T Value)> schedule, ulong number, ulong timestamp)
        where T : class
    {
        T? result = null;
        Hardfork? newest = null;
        foreach ((Hardfork from, T value) in schedule)
        {
            if ((newest is null || from > newest) && IsActive(from, number, timestamp))
            {
                newest = from;
                result = value;
            }
        }

        return result;
    }

    /// <summary>geth's fork-order check: Ethereum forks in order, activations non-decreasing, blocks before timestamps.</summary>
    private static ForkActivation[] Validated(IReadOnlyList<ForkActivation> forks)
    {
        ArgumentNullException.ThrowIfNull(forks);
        ForkActivation[] copy = [.. forks];
        ForkActivation? previous = null;
        foreach (ForkActivation activation in copy.Where(a => Hardforks.IsEthereum(a.Fork)))
        {
            if (copy.Count(a => a.Fork == activation.Fork) > 1)
            {
                throw new ArgumentException($"{activation.Fork} is scheduled twice", nameof(forks));
            }

            if (previous is { } before)
            {
                if (activation.Fork <= before.Fork)
                {
                    throw new ArgumentException($"{activation.Fork} is scheduled after {before.Fork}, which comes later", nameof(forks));
                }

                if (before.Condition.ByTimestamp && !activation.Condition.ByTimestamp)
                {
                    throw new ArgumentException($"{activation.Fork} activates by block after {before.Fork} activates by timestamp", nameof(forks));
                }

                if (before.Condition.ByTimestamp == activation.Condition.ByTimestamp && activation.Condition.Value < before.Condition.Value)
                {
                    throw new ArgumentException($"{activation.Fork} at {activation.Condition} activates before {before.Fork} at {before.Condition}", nameof(forks));
                }
            }

            previous = activation;
        }

        // A required fork left out before a scheduled one would leave its rules out of every later block.
        if (previous is { } newest)
        {
            foreach (Hardfork required in Hardforks.Ethereum.Where(f => f < newest.Fork && !Hardforks.IsOptional(f)))
            {
                if (!copy.Any(a => a.Fork == required))
                {
                    throw new ArgumentException($"{newest.Fork} is scheduled but {required}, which comes before it, is not", nameof(forks));
                }
            }
        }

        return copy;
    }
}
