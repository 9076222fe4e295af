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
public sealed class TransactionContext
{
    public required BlockEnvironment Block { get; init; }

    /// <summary>The blob parameters of the block; null before Cancun.</summary>
    public required BlobSchedule? Blobs { get; init; }

    public required IWorldState State { get; init; }

    public required Transaction Transaction { get; init; }

    /// <summary>The recovered sender (the signature is not checked by the handler).</summary>
    public required Address Sender { get; init; }

    public required PrecompileTable Precompiles { get; init; }

    public IEvmTracer? Tracer { get; init; }

    /// <summary>Gas the block has left for this transaction.</summary>
    public ulong BlockGasAvailable { get; init; } = ulong.MaxValue;

    /// <summary>
    /// A call (eth_call, eth_estimateGas, debug_traceCall): only its own gas bounds it, not the block's gas limit, as
    /// geth gives calls an unlimited gas pool; GASLIMIT still reads the block's.
    /// </summary>
    public bool IsCall { get; init; }

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
}
