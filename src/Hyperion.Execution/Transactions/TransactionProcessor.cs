using Hyperion.Core;
using Hyperion.Core.Blocks;
using Hyperion.Core.Transactions;
using Hyperion.Evm;
using Hyperion.Evm.Precompiles;
using Hyperion.Evm.Tracing;
using Hyperion.State;

namespace Hyperion.Execution.Transactions;

/// <summary>Runs transactions of one block through a <see cref="TransactionHandler"/>, one at a time.</summary>
public sealed class TransactionProcessor
{
    private readonly BlockEnvironment _block;
    private readonly BlobSchedule? _blobs;
    private readonly PrecompileTable _precompiles;
    private readonly TransactionHandler _handler;

    /// <param name="block">The block's environment.</param>
    /// <param name="blobs">The block's blob parameters (required from Cancun; blob transactions are invalid without them).</param>
    /// <param name="precompiles">The block's precompiles (default: the fork's standard set).</param>
    /// <param name="handler">The transaction rules (default: Ethereum's).</param>
    public TransactionProcessor(BlockEnvironment block, BlobSchedule? blobs, PrecompileTable? precompiles = null, TransactionHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(block);
        _block = block;
        _blobs = blobs;
        _precompiles = precompiles ?? PrecompileTable.ForFork(block.Fork);
        _handler = handler ?? TransactionHandler.Ethereum;
    }

    /// <summary>
    /// Validates and executes <paramref name="tx"/>, sent by <paramref name="sender"/> (already recovered; the
    /// signature is not checked here), on <paramref name="state"/> (see <see cref="TransactionHandler.Run"/>).
    /// </summary>
    /// <param name="blockGasAvailable">Gas the block has left for this transaction (its gas limit by default).</param>
    public TransactionResult Execute(IWorldState state, Transaction tx, Address sender, IEvmTracer? tracer = null, ulong blockGasAvailable = ulong.MaxValue) =>
        Run(state, tx, sender, tracer, blockGasAvailable, isCall: false);

    /// <summary>As <see cref="Execute"/> for a call: the block's gas limit does not bound <paramref name="tx"/> (see <see cref="TransactionContext.IsCall"/>).</summary>
    public TransactionResult Call(IWorldState state, Transaction tx, Address sender, IEvmTracer? tracer = null) =>
        Run(state, tx, sender, tracer, ulong.MaxValue, isCall: true);

    private TransactionResult Run(IWorldState state, Transaction tx, Address sender, IEvmTracer? tracer, ulong blockGasAvailable, bool isCall)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(tx);
        // One context per thread rather than one per transaction; a run inside a run on this thread (a handler or
        // tracer executing another transaction) finds the slot empty and uses a new one.
        TransactionContext context = t_spareContext ?? TransactionContext.Reusable();
        t_spareContext = null;
        context.Begin(_block, _blobs, state, tx, sender, _precompiles, tracer, blockGasAvailable, isCall);
        try
        {
            return _handler.Run(context);
        }
        finally
        {
            context.End();
            t_spareContext = context;
        }
    }

    [ThreadStatic]
    private static TransactionContext? t_spareContext;
}
