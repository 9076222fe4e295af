using Hyperion.Core;
using Hyperion.Core.Transactions;
using Hyperion.Evm;
using Hyperion.Evm.Interpreter;
using Hyperion.Execution.Transactions;
using Hyperion.Rollup.Config;
using Hyperion.Rollup.Fees;
using Hyperion.State;

namespace Hyperion.Rollup.Node.Execution;

/// <summary>
/// OP-stack transaction rules (op-geth's state transition, Regolith onward; Ecotone is active from genesis):
/// <list type="bullet">
/// <item>Deposits (0x7E, deposits.md "Execution"): the mint is credited first and kept whatever happens; no signature,
/// nonce, balance or fee checks, no gas bought or refunded, no fee paid; the nonce is bumped. A deposit that fails
/// before execution (intrinsic gas, value above the balance, init code size, a system transaction after Regolith)
/// is still included: its effects after the mint are undone, the nonce bumped, and all its gas counts as used. One
/// that reverts counts the gas it used. Receipts carry the nonce before the deposit and, from Canyon, version 1.</item>
/// <item>Other transactions: the L1 data fee (Ecotone, or Fjord's FastLZ estimate) of the signed envelope, at the
/// L1Block predeploy's stored parameters, is charged up front with the gas and paid to the L1FeeVault; the base fee
/// goes to the BaseFeeVault instead of being burned; the priority fee goes to the coinbase (the SequencerFeeVault, as
/// derivation sets it). Calls (eth_call, eth_estimateGas) pay no L1 fee, as op-geth's carry no rollup cost data.
/// Blob transactions are not valid on L2.</item>
/// </list>
/// </summary>
/// <remarks>Stateless: one instance serves every block and thread.</remarks>
public sealed class RollupTransactionHandler(RollupConfig config) : TransactionHandler
{
    /// <summary>Canyon's deposit receipt version.</summary>
    public const ulong CanyonDepositReceiptVersion = 1;

    // The L1Block predeploy's storage (OP's layout): base fee, the Ecotone scalars beside the sequence number, blob base fee.
    private static readonly UInt256 L1BaseFeeSlot = 1;
    private static readonly UInt256 ScalarsSlot = 3;
    private static readonly UInt256 L1BlobBaseFeeSlot = 7;

    private readonly RollupConfig _config = config ?? throw new ArgumentNullException(nameof(config));

    /// <summary>The L1 fee parameters stored in the L1Block predeploy of <paramref name="state"/>.</summary>
    public static L1FeeParameters ReadL1FeeParameters(IWorldState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        return ReadL1FeeParameters(slot => state.GetStorage(Predeploys.L1Block, slot));
    }

    /// <summary>The L1 fee parameters stored in the L1Block predeploy of <paramref name="state"/>.</summary>
    public static L1FeeParameters ReadL1FeeParameters(IStateReader state)
    {
        ArgumentNullException.ThrowIfNull(state);
        return ReadL1FeeParameters(slot => state.GetStorage(Predeploys.L1Block, slot));
    }

    /// <summary>
    /// The pool's view of the L1 data fee (<c>TxPoolOptions.AdditionalCost</c>): what the handler will charge, at the
    /// head state's L1Block values (Fjord's formula when the config has it, which is then active from genesis).
    /// </summary>
    public static Func<Transaction, IStateReader, UInt256> PoolL1Cost(RollupConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return (tx, state) => L1CostOf(config, tx.Envelope.Span, ulong.MaxValue, ReadL1FeeParameters(state)).Fee;
    }

    private static L1FeeParameters ReadL1FeeParameters(Func<UInt256, UInt256> l1BlockStorage)
    {
        Span<byte> scalars = stackalloc byte[32];
        l1BlockStorage(ScalarsSlot).WriteBigEndian(scalars);
        return new L1FeeParameters(
            l1BlockStorage(L1BaseFeeSlot),
            l1BlockStorage(L1BlobBaseFeeSlot),
            BaseFeeScalar: System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(scalars[16..]),
            BlobBaseFeeScalar: System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(scalars[20..]));
    }

    /// <summary>The L1 data fee of <paramref name="signedEnvelope"/> in a block at <paramref name="timestamp"/> (Fjord's formula once active).</summary>
    public static L1Cost L1CostOf(RollupConfig config, ReadOnlySpan<byte> signedEnvelope, ulong timestamp, in L1FeeParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(config);
        return config.IsFjord(timestamp) ? L1Fee.Fjord(signedEnvelope, parameters) : L1Fee.Ecotone(signedEnvelope, parameters);
    }

    public override TransactionResult Run(TransactionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Transaction.Type == TransactionType.Deposit ? RunDeposit(context) : base.Run(context);
    }

    protected override TransactionResult? ValidateAgainstBlock(TransactionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Transaction.Type == TransactionType.Blob)
        {
            return TransactionResult.Rejected(TransactionRejectionReason.TypeNotSupported, "blob transactions are not valid on the L2");
        }

        TransactionResult? rejection = base.ValidateAgainstBlock(context);
        if (rejection is null && !context.IsCall)
        {
            L1FeeParameters parameters = ReadL1FeeParameters(context.State);
            context.AdditionalCost = L1CostOf(_config, context.Transaction.Envelope.Span, context.Block.Timestamp, parameters).Fee;
        }

        return rejection;
    }

    /// <summary>The priority fee to the coinbase (as Ethereum), the base fee to the BaseFeeVault, the L1 fee to the L1FeeVault.</summary>
    protected override void Reward(TransactionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        base.Reward(context);
        context.State.AddBalance(Predeploys.BaseFeeVault, new UInt256((ulong)context.GasUsed) * context.Block.BaseFee);
        context.State.AddBalance(Predeploys.L1FeeVault, context.AdditionalCost);
    }

    /// <summary>Every non-deposit transaction pays the coinbase, the BaseFeeVault and the L1FeeVault.</summary>
    public override IReadOnlyList<Address> FeeRecipients(BlockEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        return [environment.Coinbase, Predeploys.BaseFeeVault, Predeploys.L1FeeVault];
    }

    private TransactionResult RunDeposit(TransactionContext context)
    {
        Transaction tx = context.Transaction;
        IWorldState state = context.State;
        Address from = context.Sender;
        ulong nonce = state.GetNonce(from);
        ulong? receiptVersion = _config.IsCanyon(context.Block.Timestamp) ? CanyonDepositReceiptVersion : null;
        if (tx.GasLimit > context.BlockGasAvailable)
        {
            // The one deposit error that is not a failed deposit (op-geth's ErrGasLimitReached): the block cannot hold it.
            return TransactionResult.Rejected(TransactionRejectionReason.GasAllowanceExceeded, $"deposit gas limit {tx.GasLimit} exceeds the gas left in the block {context.BlockGasAvailable}");
        }

        state.AddBalance(from, tx.Mint);
        int afterMint = state.TakeSnapshot();
        string? failure = DepositFailure(context);
        if (failure is not null)
        {
            state.RevertToSnapshot(afterMint);
            state.SetNonce(from, nonce + 1);
            state.FinishTransaction(deleteTouchedEmpty: true);
            return TransactionResult.Executed(false, (long)tx.GasLimit, 0, [], null, ReadOnlyMemory<byte>.Empty, $"failed deposit: {failure}")
                .WithDepositReceipt(nonce, receiptVersion);
        }

        // Gas is free (price 0): nothing bought, nothing refunded, nothing paid; the refund only lowers the gas used.
        context.EffectiveGasPrice = UInt256.Zero;
        context.CreatedAddress = tx.IsCreate ? ContractAddress.From(from, nonce) : null;
        state.SetNonce(from, nonce + 1);

        Warm(context);
        context.Execution = Execute(context);
        ExecutionResult result = context.Execution;
        long gasUsed = (long)tx.GasLimit - result.GasLeft;
        long refund = result.Success ? Math.Clamp(state.Refund, 0, gasUsed / GasCost.MaxRefundQuotient) : 0;
        context.GasUsed = gasUsed - refund;
        return Finish(context).WithDepositReceipt(nonce, receiptVersion);
    }

    /// <summary>Why a deposit fails before execution (op-geth's consensus errors inside a deposit), or null.</summary>
    private string? DepositFailure(TransactionContext context)
    {
        Transaction tx = context.Transaction;
        if (tx.IsSystemTransaction)
        {
            return $"system transactions are not supported after Regolith (from {context.Sender})";
        }

        long intrinsicGas = Evm.Transactions.IntrinsicGas.Calculate(context.Block.Fork, tx.Data.Span, tx.IsCreate, 0, 0);
        context.IntrinsicGas = intrinsicGas;
        if (tx.GasLimit < (ulong)intrinsicGas)
        {
            return $"intrinsic gas too low: have {tx.GasLimit}, want {intrinsicGas}";
        }

        if (tx.IsCreate && context.Block.Fork >= Fork.Shanghai && tx.Data.Length > GasCost.MaxInitCodeSize)
        {
            return $"max initcode size exceeded: code size {tx.Data.Length} limit {GasCost.MaxInitCodeSize}";
        }

        if (!tx.Value.IsZero && context.State.GetBalance(context.Sender) < tx.Value)
        {
            return $"insufficient funds for transfer: address {context.Sender}";
        }

        return null;
    }
}
