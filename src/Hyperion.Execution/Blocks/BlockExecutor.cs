using Hyperion.Core;
using Hyperion.Core.Blocks;
using Hyperion.Core.Diagnostics;
using Hyperion.Core.Transactions;
using Hyperion.Evm;
using Hyperion.Evm.Precompiles;
using Hyperion.Evm.Tracing;
using Hyperion.Execution.Specs;
using Hyperion.Execution.Transactions;
using Hyperion.State;
using Hyperion.State.World;
using Hyperion.Trie;

namespace Hyperion.Execution.Blocks;

/// <summary>
/// Executes blocks and single transactions under a chain's spec (reth's block executor): the one place where a
/// block's pre-block system calls, transactions, withdrawals and rewards run. The sequencer builds with it, the
/// importer and the block-test runner import with it, and the RPC calls, estimates and traces with it.
/// </summary>
public interface IBlockExecutor
{
    ChainSpec Spec { get; }

    ChainPrecompiles Precompiles { get; }

    /// <summary>The EVM's view of the block with <paramref name="header"/> (its rules from the spec).</summary>
    BlockEnvironment Environment(BlockHeader header, IBlockHashProvider? blockHashes);

    /// <summary>
    /// The context calls run in on the state after <paramref name="parent"/>: the next block (number and timestamp
    /// one up) with no base fee, as geth's eth_call without a gas price.
    /// </summary>
    BlockEnvironment CallEnvironment(BlockHeader parent, IBlockHashProvider? blockHashes);

    /// <summary>
    /// Executes <paramref name="block"/> on <paramref name="parentState"/>: the pre-block system calls, the
    /// transactions in order, then withdrawals and (before Paris) the block and ommer rewards.
    /// </summary>
    /// <exception cref="InvalidBlockException">In <see cref="BlockExecutionMode.Import"/>, a transaction cannot be included.</exception>
    /// <exception cref="UnsupportedForkException">The block needs rules MetisVM does not implement.</exception>
    BlockExecution Execute(BlockInput block, IStateReader parentState, BlockExecutionMode mode);

    /// <summary>
    /// Opens <paramref name="block"/> (its header; its transactions are ignored) on <paramref name="parentState"/> for
    /// building one transaction at a time (the sequencer's preconfirmations); closing it gives what
    /// <see cref="Execute"/> in build mode gives for the transactions added.
    /// </summary>
    BlockBuilder Open(BlockInput block, IStateReader parentState);

    /// <summary>
    /// Re-executes <paramref name="block"/> up to its transaction <paramref name="index"/> (system calls included)
    /// and returns that transaction's result, traced by <paramref name="tracer"/> (debug_traceTransaction).
    /// </summary>
    /// <exception cref="InvalidBlockException">An earlier transaction does not re-execute.</exception>
    TransactionResult Replay(BlockInput block, IStateReader parentState, int index, IEvmTracer? tracer);

    /// <summary>
    /// Runs <paramref name="tx"/> from <paramref name="sender"/> on <paramref name="state"/> without keeping its
    /// effects (eth_call, eth_estimateGas, eth_createAccessList, debug_traceCall).
    /// </summary>
    TransactionResult Call(BlockEnvironment environment, IStateReader state, Transaction tx, Address sender, IEvmTracer? tracer = null, AccessRecorder? accesses = null);

    /// <summary>
    /// A simulated block (eth_simulateV1) on <paramref name="parentState"/>: the pre-block system calls, then
    /// <paramref name="calls"/> transactions one after another, each made by <paramref name="nextCall"/> from the state so
    /// far and the block gas left (a call takes its sender's current nonce and, without a gas limit, what is left), each
    /// traced by what <paramref name="tracer"/> gives for it; then the block's end. The first call that cannot be included
    /// stops the block: it is the result's only skipped transaction, and <paramref name="rejection"/> says why when the
    /// transaction was invalid (null when it did not fit in the block's gas).
    /// </summary>
    BlockExecution Simulate(BlockInput block, IStateReader parentState, int calls, SimulatedCall nextCall, Func<int, IWorldState, IEvmTracer?>? tracer, out TransactionRejection? rejection);
}

/// <summary>Makes simulated call <paramref name="index"/> of a block from the <paramref name="state"/> so far and the block gas left.</summary>
public delegate (Transaction Transaction, Address Sender) SimulatedCall(int index, IWorldState state, ulong gasLeft);

/// <summary>The Ethereum block executor, with the transaction handler it is given (Ethereum's by default).</summary>
public sealed class BlockExecutor(ChainSpec spec, ChainPrecompiles? precompiles = null, TransactionHandler? handler = null) : IBlockExecutor
{
    private static readonly UInt256 Ether = new(1_000_000_000_000_000_000UL);

    private readonly TransactionHandler _handler = handler ?? TransactionHandler.Ethereum;

    /// <summary>The transaction handler every transaction runs through.</summary>
    internal TransactionHandler Handler => _handler;

    public ChainSpec Spec { get; } = spec ?? throw new ArgumentNullException(nameof(spec));

    public ChainPrecompiles Precompiles { get; } = precompiles ?? ChainPrecompiles.Standard;

    public BlockEnvironment Environment(BlockHeader header, IBlockHashProvider? blockHashes)
    {
        ArgumentNullException.ThrowIfNull(header);
        BlobSchedule? blobs = Spec.BlobScheduleAt(header.Number, header.Timestamp);
        return new BlockEnvironment
        {
            Fork = Spec.ForkAt(header.Number, header.Timestamp),
            ChainId = Spec.ChainId,
            Coinbase = header.Beneficiary,
            Number = header.Number,
            Timestamp = header.Timestamp,
            GasLimit = header.GasLimit,
            BaseFee = header.BaseFeePerGas ?? UInt256.Zero,
            Difficulty = header.Difficulty,
            PrevRandao = header.MixHash,
            BlobBaseFee = blobs is null ? UInt256.Zero : BlobGas.BaseFeePerBlobGas(header.ExcessBlobGas ?? 0, blobs),
            BlockHashes = blockHashes,
        };
    }

    public BlockEnvironment CallEnvironment(BlockHeader parent, IBlockHashProvider? blockHashes)
    {
        ArgumentNullException.ThrowIfNull(parent);
        // Calls come many to one head: the environment (and the processor for it) is made once per head.
        if (_lastCallContext is { } last && ReferenceEquals(last.Parent, parent) && ReferenceEquals(last.BlockHashes, blockHashes))
        {
            return last.Environment;
        }

        BlockEnvironment next = Environment(parent, blockHashes) with { Number = parent.Number + 1, Timestamp = parent.Timestamp + 1 };
        next = next with { Fork = Spec.ForkAt(next.Number, next.Timestamp), BaseFee = UInt256.Zero };
        _lastCallContext = new CallContext(parent, blockHashes, next, Processor(next, Precompiles.For(next.Fork)));
        return next;
    }

    /// <summary>The call environment last made (headers and environments are immutable, so it can be shared by threads) and its processor.</summary>
    private sealed record CallContext(BlockHeader Parent, IBlockHashProvider? BlockHashes, BlockEnvironment Environment, TransactionProcessor Processor);

    private CallContext? _lastCallContext;

    public BlockExecution Execute(BlockInput block, IStateReader parentState, BlockExecutionMode mode)
    {
        ArgumentNullException.ThrowIfNull(block);
        ArgumentNullException.ThrowIfNull(parentState);
        var builder = new BlockBuilder(this, block, parentState, mode);
        foreach ((Transaction tx, Address sender) in block.Transactions)
        {
            builder.Add(tx, sender);
        }

        return builder.Close();
    }

    public BlockBuilder Open(BlockInput block, IStateReader parentState) => new(this, block, parentState, BlockExecutionMode.Build);

    /// <summary>Transactions <paramref name="from"/>… of <paramref name="block"/>, one after another on <paramref name="state"/>, into <paramref name="assembly"/>.</summary>
    internal static void ExecuteTransactions(IWorldState state, BlockInput block, int from, TransactionProcessor processor, BlockAssembly assembly)
    {
        for (int i = from; i < block.Transactions.Count; i++)
        {
            (Transaction tx, Address sender) = block.Transactions[i];
            ExecuteTransaction(state, tx, sender, processor, assembly);
        }
    }

    /// <summary>
    /// One transaction on <paramref name="state"/> into <paramref name="assembly"/>: skipped when it does not fit,
    /// otherwise executed and added; traced by <paramref name="tracer"/>, or when the block collects its addresses by
    /// the assembly's collector (the entries of a transaction not included are discarded).
    /// </summary>
    internal static void ExecuteTransaction(IWorldState state, Transaction tx, Address sender, TransactionProcessor processor, BlockAssembly assembly, IEvmTracer? tracer = null)
    {
        if (!assembly.Fits(tx, sender))
        {
            return;
        }

        int included = assembly.Executed.Count;
        BlockAddressCollector? addresses = assembly.AddressCollector;
        if (addresses is not null)
        {
            if (tracer is not null)
            {
                throw new InvalidOperationException("a block that collects its addresses takes no other tracer");
            }

            addresses.Begin(included);
            tracer = addresses;
        }

        int beforeTransaction = state.TakeSnapshot();
        try
        {
            // Types the handler does not execute come back as a permanent TypeNotSupported rejection.
            assembly.Add(tx, sender, processor.Execute(state, tx, sender, tracer));
        }
        catch (PrecompileUnavailableException e)
        {
            state.RevertToSnapshot(beforeTransaction);
            assembly.Unavailable(tx, sender, e);
        }

        if (addresses is not null && assembly.Executed.Count == included)
        {
            addresses.Discard();
        }
    }

    /// <summary>After the transactions: withdrawals (Shanghai), then before Paris the block and ommer rewards; ends with the EIP-161 clean-up.</summary>
    internal void FinishBlock(IWorldState state, BlockInput block)
    {
        BlockHeader header = block.Header;
        if (!Spec.IsActive(Hardfork.Shanghai, header.Number, header.Timestamp) && block.Withdrawals.Count > 0)
        {
            throw new InvalidBlockException($"block {header.Number} has withdrawals before Shanghai");
        }

        foreach (Withdrawal withdrawal in block.Withdrawals)
        {
            state.AddBalance(withdrawal.Address, withdrawal.AmountWei);
        }

        PayRewards(state, block);
        state.FinishTransaction(deleteTouchedEmpty: true);
    }

    public BlockExecution Simulate(BlockInput block, IStateReader parentState, int calls, SimulatedCall nextCall, Func<int, IWorldState, IEvmTracer?>? tracer, out TransactionRejection? rejection)
    {
        rejection = null;
        ArgumentNullException.ThrowIfNull(block);
        ArgumentNullException.ThrowIfNull(parentState);
        ArgumentNullException.ThrowIfNull(nextCall);
        BlockEnvironment environment = Environment(block.Header, block.BlockHashes);
        PrecompileTable precompiles = Precompiles.For(environment.Fork);
        var state = new WorldState(parentState);
        var assembly = new BlockAssembly(this, block, environment, BlockExecutionMode.Build);
        RunSystemCalls(state, block, environment, precompiles);
        TransactionProcessor processor = Processor(environment, precompiles);
        ulong gasUsed = 0;
        for (int i = 0; i < calls; i++)
        {
            (Transaction tx, Address sender) = nextCall(i, state, environment.GasLimit - gasUsed);
            if (!assembly.Fits(tx, sender))
            {
                break;
            }

            int beforeTransaction = state.TakeSnapshot();
            TransactionResult result;
            try
            {
                result = processor.Execute(state, tx, sender, tracer?.Invoke(i, state), environment.GasLimit - gasUsed);
            }
            catch (PrecompileUnavailableException e)
            {
                state.RevertToSnapshot(beforeTransaction);
                assembly.Unavailable(tx, sender, e);
                break;
            }

            assembly.Add(tx, sender, result);
            if (!result.IsValid)
            {
                rejection = result.Rejection;
                break;
            }

            gasUsed += (ulong)result.GasUsed;
        }

        FinishBlock(state, block);
        return assembly.Complete(state.CollectChanges());
    }

    public TransactionResult Replay(BlockInput block, IStateReader parentState, int index, IEvmTracer? tracer)
    {
        ArgumentNullException.ThrowIfNull(block);
        ArgumentNullException.ThrowIfNull(parentState);
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, block.Transactions.Count);
        BlockEnvironment environment = Environment(block.Header, block.BlockHashes);
        PrecompileTable precompiles = Precompiles.For(environment.Fork);
        var state = new WorldState(parentState);
        RunSystemCalls(state, block, environment, precompiles);
        var processor = Processor(environment, precompiles);
        ulong gasUsed = 0;
        for (int i = 0; ; i++)
        {
            (Transaction tx, Address sender) = block.Transactions[i];
            TransactionResult result = processor.Execute(state, tx, sender, i == index ? tracer : null, environment.GasLimit - gasUsed);
            if (!result.IsValid)
            {
                throw new InvalidBlockException($"transaction {i} of block {block.Header.Number} does not re-execute: {result.Rejection}");
            }

            if (i == index)
            {
                return result;
            }

            gasUsed += (ulong)result.GasUsed;
        }
    }

    public TransactionResult Call(BlockEnvironment environment, IStateReader state, Transaction tx, Address sender, IEvmTracer? tracer = null, AccessRecorder? accesses = null)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(state);
        TransactionProcessor processor = _lastCallContext is { } last && ReferenceEquals(last.Environment, environment)
            ? last.Processor
            : Processor(environment, Precompiles.For(environment.Fork));
        if (tracer is not null)
        {
            // A tracer may read the world state after the call: it gets one of its own.
            return processor.Call(new WorldState(state) { AccessRecorder = accesses }, tx, sender, tracer);
        }

        // A world state per thread, reset for each call: a new one (a dozen collections, the journal grown entry by
        // entry) was most of what a small eth_call allocated. Taken off the thread while in use, so a call made
        // within a call would get a new one.
        WorldState world = t_callWorld ?? new WorldState(state);
        t_callWorld = null;
        world.Reset(state);
        world.AccessRecorder = accesses;
        try
        {
            return processor.Call(world, tx, sender);
        }
        finally
        {
            world.Reset(NoState); // holds on to no state, code or recorder between calls
            t_callWorld = world;
        }
    }

    [ThreadStatic]
    private static WorldState? t_callWorld;

    // The world state of the last block built or executed, kept for the next one (a block's world state made anew grew its
    // account tables, journal, slot cache and a token's storage dictionaries from empty every block: a fifth of what a
    // sequential ERC20 block allocated). One is kept; a block opened while another is open gets a new one.
    private WorldState? _spareBlockState;

    /// <summary>A world state over <paramref name="parentState"/> for a block: the one the last closed block gave back, or a new one.</summary>
    internal WorldState TakeBlockState(IStateReader parentState, int accountCapacity)
    {
        if (Interlocked.Exchange(ref _spareBlockState, null) is { } spare)
        {
            spare.Reset(parentState);
            return spare;
        }

        return new WorldState(parentState, journalCapacity: 0, accountCapacity);
    }

    /// <summary>Keeps <paramref name="state"/>, whose block is closed and which nothing reads any more, for the next block.</summary>
    internal void ReturnBlockState(WorldState state)
    {
        state.Reset(NoState); // holds on to no parent state between blocks
        Interlocked.CompareExchange(ref _spareBlockState, state, null);
    }

    private static readonly InMemoryStateReader NoState = new();

    internal TransactionProcessor Processor(BlockEnvironment environment, PrecompileTable precompiles) =>
        new(environment, Spec.BlobScheduleAt(environment.Number, environment.Timestamp), precompiles, _handler);

    /// <summary>
    /// The pre-block system calls: EIP-4788 stores the parent beacon block root (Cancun), EIP-2935 the parent block
    /// hash (Prague). Each runs outside the block's gas, from the system address; a contract without code is skipped,
    /// as both EIPs say. EIP-4788's canonical contract is done natively (<see cref="SystemContracts.TryStoreBeaconRoot"/>).
    /// </summary>
    internal void RunSystemCalls(IWorldState state, BlockInput block, BlockEnvironment environment, PrecompileTable precompiles)
    {
        long cpu = BlockCpuProbe.Start();
        BlockHeader header = block.Header;
        if (Spec.IsActive(Hardfork.Cancun, header.Number, header.Timestamp))
        {
            Hash256 beaconRoot = header.ParentBeaconBlockRoot
                ?? throw new InvalidBlockException($"block {header.Number} is a Cancun block without a parent beacon block root");
            if (!SystemContracts.TryStoreBeaconRoot(state, header.Timestamp, beaconRoot))
            {
                SystemCall(state, environment, precompiles, SystemContracts.BeaconRootsAddress, beaconRoot.ToArray());
            }
        }

        if (Spec.IsActive(Hardfork.Prague, header.Number, header.Timestamp))
        {
            SystemCall(state, environment, precompiles, SystemContracts.HistoryStorageAddress, header.ParentHash.ToArray());
        }

        BlockCpuProbe.Stop(BlockCpuPhase.SystemCalls, cpu);
    }

    /// <summary>A system call in the EVM: <paramref name="input"/> to <paramref name="contract"/> from the system address, then the end of its transaction; nothing when the contract has no code.</summary>
    internal static void SystemCall(IWorldState state, BlockEnvironment environment, PrecompileTable precompiles, Address contract, byte[] input)
    {
        if (state.GetCode(contract).Length == 0)
        {
            return;
        }

        var origin = new TransactionEnvironment { Origin = SystemContracts.SystemAddress, GasPrice = UInt256.Zero };
        new MetisVm(state, environment, origin, precompiles).Call(SystemContracts.SystemAddress, contract, UInt256.Zero, input, SystemContracts.SystemCallGas);
        state.FinishTransaction(deleteTouchedEmpty: true);
    }

    /// <summary>Before Paris: the block reward to the coinbase, plus 1/32 of it per ommer, and each ommer's own share.</summary>
    private void PayRewards(IWorldState state, BlockInput block)
    {
        BlockHeader header = block.Header;
        if (Spec.IsActive(Hardfork.Paris, header.Number, header.Timestamp))
        {
            if (block.Ommers.Count > 0)
            {
                throw new InvalidBlockException($"block {header.Number} has ommers after the merge");
            }

            return;
        }

        UInt256 reward = Spec.IsActive(Hardfork.Constantinople, header.Number, header.Timestamp) ? Ether * 2
            : Spec.IsActive(Hardfork.Byzantium, header.Number, header.Timestamp) ? Ether * 3
            : Ether * 5;
        UInt256 minerReward = reward;
        foreach (BlockHeader ommer in block.Ommers)
        {
            if (ommer.Number >= header.Number || header.Number - ommer.Number > 6)
            {
                throw new InvalidBlockException($"ommer {ommer.Number} of block {header.Number} is not within 6 generations");
            }

            state.AddBalance(ommer.Beneficiary, new UInt256(8 + ommer.Number - header.Number) * reward / 8);
            minerReward += reward / 32;
        }

        state.AddBalance(header.Beneficiary, minerReward);
    }
}
