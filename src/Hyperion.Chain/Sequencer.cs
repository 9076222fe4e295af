using System.Diagnostics;
using Hyperion.Core;
using Hyperion.Core.Blocks;
using Hyperion.Core.Crypto;
using Hyperion.Core.Transactions;
using Hyperion.Execution.Blocks;
using Hyperion.Execution.Specs;

namespace Hyperion.Chain;

/// <summary>How the single sequencer produces blocks.</summary>
public sealed record SequencerOptions
{
    /// <summary>Fixed block interval; null: a block as soon as transactions are pending, coalescing those that arrive within a millisecond.</summary>
    public TimeSpan? BlockTime { get; init; }

    /// <summary>Receives the priority fees.</summary>
    public Address Coinbase { get; init; }

    public int MaxTransactionsPerBlock { get; init; } = 20_000;
}

/// <summary>
/// A block was added: the block, how long it took to build (execution, roots and the durable write), and the
/// transactions dropped from the pool while building it, with the reason.
/// </summary>
public sealed record BlockAddedEvent(StoredBlock Block, TimeSpan BuildTime)
{
    public IReadOnlyList<SkippedTransaction> Dropped { get; init; } = [];
}

/// <summary>Builds blocks on a chain (the sequencer of a dev chain or a rollup; another producer for another chain type).</summary>
public interface IBlockProducer : IDisposable
{
    /// <summary>Starts producing blocks on its own schedule.</summary>
    void Start();

    /// <summary>Builds a block now with whatever is pending (possibly none).</summary>
    StoredBlock Mine();
}

/// <summary>
/// The single sequencer: takes transactions from the pool and produces blocks on the chain — on demand (a block as
/// soon as transactions are pending) or at a fixed interval. Blocks become visible only after they are durable.
/// </summary>
public sealed class Sequencer : IBlockProducer
{
    private readonly ChainProvider _chain;
    private readonly ITransactionPool _pool;
    private readonly IBlockClock _clock;
    private readonly SequencerOptions _options;
    private readonly SemaphoreSlim _wake = new(0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _producer;

    public Sequencer(ChainProvider chain, ITransactionPool pool, IBlockClock clock, SequencerOptions options)
    {
        ArgumentNullException.ThrowIfNull(chain);
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentNullException.ThrowIfNull(options);
        _chain = chain;
        _pool = pool;
        _clock = clock;
        _options = options;
        _pool.TransactionPending += _ => _wake.Release();
        _producer = new Thread(ProduceLoop) { IsBackground = true, Name = "hyperion-sequencer" };
    }

    private ChainStore Store => _chain.Store;

    public void Start() => _producer.Start();

    public StoredBlock Mine()
    {
        lock (_chain.WriteLock)
        {
            return Produce();
        }
    }

    public void Dispose()
    {
        if (!_stop.IsCancellationRequested)
        {
            _stop.Cancel();
            _wake.Release();
            if (_producer.IsAlive)
            {
                _producer.Join();
            }
        }
    }

    private void ProduceLoop()
    {
        CancellationToken stop = _stop.Token;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                if (_options.BlockTime is TimeSpan interval)
                {
                    stop.WaitHandle.WaitOne(interval);
                    if (!stop.IsCancellationRequested)
                    {
                        lock (_chain.WriteLock) { Produce(); }
                    }

                    continue;
                }

                _wake.Wait(stop);
                Thread.Sleep(1); // coalesce what arrives within a millisecond into the same block
                while (_wake.CurrentCount > 0)
                {
                    _wake.Wait(0, CancellationToken.None);
                }

                lock (_chain.WriteLock)
                {
                    // Build until nothing executable is left (a full block leaves the rest for the next).
                    while (!stop.IsCancellationRequested && _pool.SelectForBlock(_chain.NextBaseFee(Store.Head.Header), 1).Count > 0)
                    {
                        if (Produce().Block.Transactions.Length == 0)
                        {
                            break; // only transactions the builder could not include yet
                        }
                    }
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private StoredBlock Produce()
    {
        var stopwatch = Stopwatch.StartNew();
        IChainState states = _chain.States;
        StoredBlock parent = Store.Head;
        BlockHeader draft = NextHeaderDraft(parent.Header);
        List<(Transaction, Address)> candidates = _pool.SelectForBlock(draft.BaseFeePerGas ?? UInt256.Zero, _options.MaxTransactionsPerBlock);
        BlockExecution execution = _chain.Executor.Execute(new BlockInput(draft, candidates) { BlockHashes = Store }, states.LatestForExecution, BlockExecutionMode.Build);
        StoredBlock block = BlockImporter.Seal(states, draft, execution);
        try
        {
            // The log is durable before the state is published (the state store never gets ahead of the log), and the
            // state is published before the block is visible (a reader that finds the block finds its state).
            Store.Append(block, () => states.Publish(block.Number));
        }
        catch
        {
            states.Abort(block.Number);
            throw;
        }

        SkippedTransaction[] dropped = [.. execution.Skipped.Where(s => s.Permanent)];
        _pool.OnNewHead(states.Latest, _chain.NextBaseFee(block.Header), dropped.Select(s => s.Transaction.Hash));
        _chain.OnBlockAdded(new BlockAddedEvent(block, stopwatch.Elapsed) { Dropped = dropped });
        return block;
    }

    private BlockHeader NextHeaderDraft(BlockHeader parent)
    {
        ulong number = parent.Number + 1;
        ulong timestamp = _clock.NextTimestamp(parent);
        ChainSpec spec = _chain.Executor.Spec;
        ulong? excessBlobGas = spec.NextExcessBlobGas(parent, number, timestamp);
        return new BlockHeader
        {
            ParentHash = parent.Hash,
            Beneficiary = _options.Coinbase,
            Number = number,
            GasLimit = parent.GasLimit,
            Timestamp = timestamp,
            // PREVRANDAO: without a beacon chain, derive it from the parent so every replay sees the same value.
            MixHash = Keccak256.Hash(parent.Hash.Bytes),
            BaseFeePerGas = spec.NextBaseFee(parent, number, timestamp),
            ExcessBlobGas = excessBlobGas,
            // No beacon chain: the EIP-4788 contract records a zero root, as geth's dev mode does.
            ParentBeaconBlockRoot = excessBlobGas is null ? null : Hash256.Zero,
        };
    }
}
