using Hyperion.Core;
using Hyperion.Core.Diagnostics;
using Hyperion.Core.Transactions;
using Hyperion.Evm;
using Hyperion.Evm.Precompiles;
using Hyperion.Evm.Tracing;
using Hyperion.Execution.Transactions;
using Hyperion.State;
using Hyperion.State.World;

namespace Hyperion.Execution.Blocks;

/// <summary>
/// A block being built one transaction at a time on its parent state (the sequencer's open block): the pre-block
/// system calls run when it opens, each <see cref="Add"/> executes a transaction on the state so far, and
/// <see cref="Close"/> ends the block with exactly the transactions added. Executing a whole block in build mode is
/// opening one, adding every transaction and closing it, so a block built incrementally is the block built at once.
/// </summary>
/// <remarks>Not thread-safe: one thread adds and closes; <see cref="Changes"/> may be read between transactions by the same thread or under the caller's lock.</remarks>
public sealed class BlockBuilder
{
    private readonly BlockExecutor _executor;
    private readonly BlockInput _block;
    private readonly WorldState _state;
    private readonly TransactionProcessor _processor;
    private readonly BlockAssembly _assembly;
    private BlockExecution? _closed;

    /// <summary>The most accounts a block's world state is sized for up front (a larger block grows beyond).</summary>
    private const int MaxAccountCapacity = 1 << 16;

    internal BlockBuilder(BlockExecutor executor, BlockInput block, IStateReader parentState, BlockExecutionMode mode)
    {
        ArgumentNullException.ThrowIfNull(block);
        ArgumentNullException.ThrowIfNull(parentState);
        _executor = executor;
        _block = block;
        BlockEnvironment environment = executor.Environment(block.Header, block.BlockHashes);
        PrecompileTable precompiles = executor.Precompiles.For(environment.Fork);
        // About two accounts per transaction (sender and recipient), and the coinbase and system contracts.
        long cpu = BlockCpuProbe.Start();
        _state = executor.TakeBlockState(parentState, accountCapacity: Math.Min(2 * block.Transactions.Count + 8, MaxAccountCapacity));
        BlockCpuProbe.Stop(BlockCpuPhase.OpenState, cpu);
        _assembly = new BlockAssembly(executor, block, environment, mode);
        executor.RunSystemCalls(_state, block, environment, precompiles);
        _processor = executor.Processor(environment, precompiles);
    }

    /// <summary>The block's header draft (roots and gas used are what closing computes).</summary>
    public Core.Blocks.BlockHeader Header => _block.Header;

    /// <summary>The transactions included so far, in block order, with their receipts.</summary>
    public IReadOnlyList<ExecutedTransaction> Included => _assembly.Executed;

    /// <summary>The transactions left out so far, with the reason.</summary>
    public IReadOnlyList<SkippedTransaction> Skipped => _assembly.Skipped;

    /// <summary>The gas the included transactions used.</summary>
    public ulong GasUsed => _assembly.GasUsed;

    /// <summary>
    /// Executes <paramref name="tx"/> on the state so far: true when it is included (its receipt is the last of
    /// <see cref="Included"/>), false when it is skipped (the last of <see cref="Skipped"/> says why; on import the
    /// block is invalid instead). A transaction that does not fit the gas left is skipped and may fit the next block.
    /// <paramref name="tracer"/>, when given, traces the transaction (a frames-only one keeps the VM's untraced loop).
    /// </summary>
    public bool Add(Transaction tx, Address sender, IEvmTracer? tracer = null)
    {
        ArgumentNullException.ThrowIfNull(tx);
        if (_closed is not null)
        {
            throw new InvalidOperationException("the block is closed");
        }

        int included = _assembly.Executed.Count;
        BlockExecutor.ExecuteTransaction(_state, tx, sender, _processor, _assembly, tracer);
        return _assembly.Executed.Count > included;
    }

    /// <summary>The state changes of the transactions so far (the state a pending read sees); call between transactions.</summary>
    public StateChangeSet Changes() => _closed?.Changes ?? _state.CollectChanges();

    /// <summary>Ends the block (withdrawals, rewards) with the transactions added: its execution, whose receipts are those already given.</summary>
    public BlockExecution Close()
    {
        if (_closed is null)
        {
            long cpu = BlockCpuProbe.Start();
            _executor.FinishBlock(_state, _block);
            BlockCpuProbe.Stop(BlockCpuPhase.CloseFinish, cpu);
            cpu = BlockCpuProbe.Start();
            StateChangeSet changes = _state.CollectChanges();
            BlockCpuProbe.Stop(BlockCpuPhase.CloseChanges, cpu);
            cpu = BlockCpuProbe.Start();
            _closed = _assembly.Complete(changes);
            BlockCpuProbe.Stop(BlockCpuPhase.CloseListRoots, cpu);
            // Nothing reads the world state once the block is closed (Changes gives the closed block's): the next block's takes it.
            cpu = BlockCpuProbe.Start();
            _executor.ReturnBlockState(_state);
            BlockCpuProbe.Stop(BlockCpuPhase.CloseReturnState, cpu);
        }

        return _closed;
    }
}
