using Hyperion.Core;
using Hyperion.Core.Blocks;
using Hyperion.Core.Transactions;
using Hyperion.Evm;
using Hyperion.Evm.Precompiles;
using Hyperion.Evm.Tracing;
using Hyperion.State;

namespace Hyperion.Execution.Transactions;

/// <summary>
/// One transaction on its way through the <see cref="TransactionHandler"/>'s phases: what it runs on (block, state,
/// precompiles) and what each phase works out for the next (validation: intrinsic gas and prices; pre-execution: the
/// new contract's address; execution: the frame's result; post-execution: the gas charged).
/// </summary>
/// <remarks>
/// <see cref="TransactionProcessor"/> reuses one per thread (<see cref="Begin"/> sets every field, as a new one has
/// it): the handler's phases must not keep it beyond <see cref="TransactionHandler.Run"/>.
/// </remarks>
public sealed class TransactionContext
{
    private BlockEnvironment _block = null!;
    private BlobSchedule? _blobs;
    private IWorldState _state = null!;
    private Transaction _transaction = null!;
    private Address _sender;
    private PrecompileTable _precompiles = null!;
    private IEvmTracer? _tracer;
    private ulong _blockGasAvailable = ulong.MaxValue;
    private bool _isCall;

    public required BlockEnvironment Block { get => _block; init => _block = value; }

    /// <summary>The blob parameters of the block; null before Cancun.</summary>
    public required BlobSchedule? Blobs { get => _blobs; init => _blobs = value; }

    public required IWorldState State { get => _state; init => _state = value; }

    public required Transaction Transaction { get => _transaction; init => _transaction = value; }

    /// <summary>The recovered sender (the signature is not checked by the handler).</summary>
    public required Address Sender { get => _sender; init => _sender = value; }

    public required PrecompileTable Precompiles { get => _precompiles; init => _precompiles = value; }

    public IEvmTracer? Tracer { get => _tracer; init => _tracer = value; }

    /// <summary>Gas the block has left for this transaction.</summary>
    public ulong BlockGasAvailable { get => _blockGasAvailable; init => _blockGasAvailable = value; }

    /// <summary>
    /// A call (eth_call, eth_estimateGas, debug_traceCall): only its own gas bounds it, not the block's gas limit, as
    /// geth gives calls an unlimited gas pool; GASLIMIT still reads the block's.
    /// </summary>
    public bool IsCall { get => _isCall; init => _isCall = value; }

    /// <summary>Validation: the gas charged before execution starts.</summary>
    public long IntrinsicGas { get; set; }

    /// <summary>Validation: the price per gas the sender pays.</summary>
    public UInt256 EffectiveGasPrice { get; set; }

    /// <summary>Validation: the price cap per gas the balance must cover.</summary>
    public UInt256 MaxPricePerGas { get; set; }

    /// <summary>Validation: EIP-4844 blob gas (blob count × 2^17).</summary>
    public ulong BlobGasUsed { get; set; }

    /// <summary>Validation: blob gas × the max fee per blob gas, which the balance must cover.</summary>
    public UInt256 MaxBlobCost { get; set; }

    /// <summary>
    /// Validation: what the chain charges beyond gas, blob gas and value (an OP-stack rollup's L1 data fee), which the
    /// balance must cover and pre-execution deducts with the gas; zero on Ethereum.
    /// </summary>
    public UInt256 AdditionalCost { get; set; }

    /// <summary>Pre-execution: the address a creation deploys to.</summary>
    public Address? CreatedAddress { get; set; }

    /// <summary>Execution: the outermost frame's result.</summary>
    public ExecutionResult Execution { get; set; }

    /// <summary>Post-execution: gas charged to the sender after the refund (the receipt's gas used).</summary>
    public long GasUsed { get; set; }

    /// <summary>A context for <see cref="Begin"/> to fill.</summary>
    internal static TransactionContext Reusable() =>
        new() { Block = null!, Blobs = null, State = null!, Transaction = null!, Sender = default, Precompiles = null! };

    /// <summary>Makes this context what a new one with these inputs is: every phase's field back to its default.</summary>
    internal void Begin(BlockEnvironment block, BlobSchedule? blobs, IWorldState state, Transaction transaction, Address sender,
        PrecompileTable precompiles, IEvmTracer? tracer, ulong blockGasAvailable, bool isCall)
    {
        _block = block;
        _blobs = blobs;
        _state = state;
        _transaction = transaction;
        _sender = sender;
        _precompiles = precompiles;
        _tracer = tracer;
        _blockGasAvailable = blockGasAvailable;
        _isCall = isCall;
        IntrinsicGas = 0;
        EffectiveGasPrice = default;
        MaxPricePerGas = default;
        BlobGasUsed = 0;
        MaxBlobCost = default;
        AdditionalCost = default;
        CreatedAddress = null;
        Execution = default;
        GasUsed = 0;
    }

    /// <summary>Lets go of what the transaction ran on (state, transaction, tracer, result), so that a kept context holds nothing of it.</summary>
    internal void End() => Begin(null!, null, null!, null!, default, null!, null, ulong.MaxValue, false);
}
