using Hyperion.Core;
using Hyperion.Core.Blocks;
using Hyperion.Core.Crypto;
using Hyperion.Core.Transactions;
using Hyperion.Evm;
using Hyperion.Evm.Interpreter;
using Hyperion.Evm.Precompiles;
using Hyperion.Evm.Tracing;
using Hyperion.State;

namespace Hyperion.Execution.Transactions;

/// <summary>
/// The transaction handler in phases (revm's handler, execution-specs' process_transaction): <see cref="ValidateAgainstBlock"/>
/// and <see cref="ValidateAgainstAccount"/>, <see cref="PreExecute"/> (buy gas, bump the nonce, warm what
/// EIP-2929/2930/3651 make warm), <see cref="Execute"/> (the call or creation frame on MetisVM),
/// <see cref="PostExecute"/> (refund cap, unused gas returned) and <see cref="Reward"/> (priority fee to the
/// coinbase, base and blob fees burned). Each phase is virtual: a chain with other transaction rules (a rollup's
/// deposits that mint and are always included, its L1 data fee and fee vaults) is a subclass, not a branch here.
/// </summary>
/// <remarks>Stateless: one instance serves every block and thread.</remarks>
public class TransactionHandler
{
    private const ulong MaxNonce = ulong.MaxValue;

    /// <summary>Ethereum's transaction rules.</summary>
    public static TransactionHandler Ethereum { get; } = new();

    /// <summary>
    /// Runs every phase on <paramref name="context"/>. An invalid transaction returns a rejection and leaves the
    /// state untouched; a valid one always ends with <see cref="IWorldState.FinishTransaction"/>.
    /// </summary>
    public virtual TransactionResult Run(TransactionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        TransactionResult? rejection = ValidateAgainstBlock(context) ?? ValidateAgainstAccount(context);
        if (rejection is { } rejected)
        {
            return rejected;
        }

        PreExecute(context);
        context.Execution = Execute(context);
        PostExecute(context);
        Reward(context);
        return Finish(context);
    }

    /// <summary>
    /// Pre-execution: buys the gas (blob gas at the block's blob base fee, and the chain's <see cref="TransactionContext.AdditionalCost"/>),
    /// bumps the nonce and warms.
    /// </summary>
    protected virtual void PreExecute(TransactionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        Transaction tx = context.Transaction;
        IWorldState state = context.State;
        UInt256 gasCost = new UInt256(tx.GasLimit) * context.EffectiveGasPrice;
        UInt256 blobCost = new UInt256(context.BlobGasUsed) * context.Block.BlobBaseFee;
        state.SubtractBalance(context.Sender, gasCost + blobCost + context.AdditionalCost);
        context.CreatedAddress = tx.IsCreate ? ContractAddress.From(context.Sender, tx.Nonce) : null;
        state.SetNonce(context.Sender, tx.Nonce + 1);
        Warm(context);
    }

    /// <summary>The warm sets: sender, callee or new contract, the precompiles, the access list, the coinbase (EIP-3651, Shanghai).</summary>
    protected virtual void Warm(TransactionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        IWorldState state = context.State;
        state.WarmAccount(context.Sender);
        state.WarmAccount(context.Transaction.To ?? context.CreatedAddress!.Value);
        // Indexed, not foreach: an interface's enumerator is an allocation per transaction.
        IReadOnlyList<Address> precompiles = context.Precompiles.Addresses;
        for (int i = 0; i < precompiles.Count; i++)
        {
            state.WarmAccount(precompiles[i]);
        }

        foreach (AccessListEntry item in context.Transaction.AccessList)
        {
            state.WarmAccount(item.Address);
            foreach (Hash256 key in item.StorageKeys)
            {
                state.WarmStorage(item.Address, UInt256.FromBigEndian(key.Bytes));
            }
        }

        if (context.Block.Fork >= Fork.Shanghai)
        {
            state.WarmAccount(context.Block.Coinbase);
        }
    }

    /// <summary>Execution: the call or creation frame on MetisVM with the gas left after the intrinsic gas.</summary>
    protected virtual ExecutionResult Execute(TransactionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        Transaction tx = context.Transaction;
        var environment = new TransactionEnvironment
        {
            Origin = context.Sender,
            GasPrice = context.EffectiveGasPrice,
            BlobHashes = tx.BlobVersionedHashes,
        };
        MetisVm vm = MetisVm.ForTransaction(context.State, context.Block, environment, context.Precompiles, context.Tracer);
        long executionGas = (long)tx.GasLimit - context.IntrinsicGas;
        return tx.IsCreate
            ? vm.Create(context.Sender, context.CreatedAddress!.Value, tx.Value, tx.Data, executionGas)
            : vm.Call(context.Sender, tx.To!.Value, tx.Value, tx.Data, executionGas);
    }

    /// <summary>
    /// Post-execution: the refund, capped at gasUsed/2 before London and gasUsed/5 from London (EIP-3529; a failed
    /// frame's refunds were reverted with its journal), and the unused gas returned to the sender.
    /// </summary>
    protected virtual void PostExecute(TransactionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        ExecutionResult result = context.Execution;
        long gasLimit = (long)context.Transaction.GasLimit;
        long gasUsed = gasLimit - result.GasLeft;
        long refundQuotient = context.Block.Fork >= Fork.London ? GasCost.MaxRefundQuotient : 2;
        long refund = result.Success ? Math.Clamp(context.State.Refund, 0, gasUsed / refundQuotient) : 0;
        context.GasUsed = gasUsed - refund;
        context.State.AddBalance(context.Sender, new UInt256((ulong)(gasLimit - context.GasUsed)) * context.EffectiveGasPrice);
    }

    /// <summary>Reward: the priority fee goes to the coinbase; the base fee is burned. A zero tip still touches the coinbase.</summary>
    protected virtual void Reward(TransactionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        BlockEnvironment block = context.Block;
        UInt256 tipPerGas = block.Fork >= Fork.London ? context.EffectiveGasPrice - block.BaseFee : context.EffectiveGasPrice;
        context.State.AddBalance(block.Coinbase, new UInt256((ulong)context.GasUsed) * tipPerGas);
    }

    /// <summary>
    /// The accounts that nearly every transaction of a block in <paramref name="environment"/> credits: the
    /// recipients of the fees <see cref="Reward"/> pays (Ethereum's: the coinbase). Block-STM keeps their credits a
    /// slot per position rather than in one shared entry per account; a chain whose handler pays more accounts per
    /// transaction lists them. Only where credits are kept depends on it, never a result.
    /// </summary>
    public virtual IReadOnlyList<Address> FeeRecipients(BlockEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        return [environment.Coinbase];
    }

    /// <summary>Ends the transaction on the world state (EIP-158 deletes touched empty accounts) and builds its result.</summary>
    protected virtual TransactionResult Finish(TransactionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        ExecutionResult result = context.Execution;
        Log[] logs = result.Success ? [.. context.State.Logs] : [];
        context.State.FinishTransaction(deleteTouchedEmpty: true);
        return TransactionResult.Executed(
            result.Success,
            context.GasUsed,
            context.BlobGasUsed,
            logs,
            context.Transaction.IsCreate && result.Success ? context.CreatedAddress : null,
            result.Output,
            result.Error);
    }

    /// <summary>
    /// Validation against the block: the type is active, blob rules, intrinsic gas, the block's gas left, the nonce
    /// cap, the init code size and the fee caps. Sets the context's gas and price fields; null when valid.
    /// </summary>
    protected virtual TransactionResult? ValidateAgainstBlock(TransactionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        Transaction tx = context.Transaction;
        BlockEnvironment block = context.Block;
        Fork fork = block.Fork;
        ulong gasAvailable = context.IsCall ? ulong.MaxValue : Math.Min(context.BlockGasAvailable, block.GasLimit);

        bool typeActive = tx.Type switch
        {
            TransactionType.Legacy or TransactionType.AccessList => true,
            TransactionType.DynamicFee => fork >= Fork.London,
            TransactionType.Blob => fork >= Fork.Cancun && context.Blobs is not null,
            _ => false, // EIP-7702 and deposits are not executed by this handler
        };
        if (!typeActive)
        {
            return TransactionResult.Rejected(TransactionRejectionReason.TypeNotSupported, $"transaction type 0x{(byte)tx.Type:x2} is not valid at {fork}");
        }

        // Blob transactions' structural rules (EIP-4844) come before any gas or fee rule.
        if (tx.Type == TransactionType.Blob)
        {
            if (tx.IsCreate)
            {
                return TransactionResult.Rejected(TransactionRejectionReason.BlobContractCreation, "a blob transaction cannot create a contract");
            }

            int blobs = tx.BlobVersionedHashes.Length;
            if (blobs == 0)
            {
                return TransactionResult.Rejected(TransactionRejectionReason.NoBlobs, "a blob transaction must carry at least one blob");
            }

            if (blobs > context.Blobs!.MaxBlobsPerBlock)
            {
                return TransactionResult.Rejected(TransactionRejectionReason.BlobCountExceeded, $"{blobs} blobs exceed the limit of {context.Blobs.MaxBlobsPerBlock}");
            }

            foreach (Hash256 hash in tx.BlobVersionedHashes)
            {
                if (hash.Bytes[0] != TransactionValidator.BlobCommitmentVersionKzg)
                {
                    return TransactionResult.Rejected(TransactionRejectionReason.InvalidBlobVersionedHash, $"versioned hash {hash} does not have version 0x01");
                }
            }
        }

        int accessListKeys = 0;
        foreach (AccessListEntry item in tx.AccessList)
        {
            accessListKeys += item.StorageKeys.Length;
        }

        long intrinsicGas = Evm.Transactions.IntrinsicGas.Calculate(fork, tx.Data.Span, tx.IsCreate, tx.AccessList.Length, accessListKeys);
        context.IntrinsicGas = intrinsicGas;
        if (tx.GasLimit < (ulong)intrinsicGas)
        {
            return TransactionResult.Rejected(TransactionRejectionReason.IntrinsicGasTooLow, $"gas limit {tx.GasLimit} is below the intrinsic gas {intrinsicGas}");
        }

        if (tx.GasLimit > gasAvailable || tx.GasLimit > long.MaxValue)
        {
            return TransactionResult.Rejected(TransactionRejectionReason.GasAllowanceExceeded, $"gas limit {tx.GasLimit} exceeds the gas left in the block {gasAvailable}");
        }

        if (tx.Nonce >= MaxNonce)
        {
            return TransactionResult.Rejected(TransactionRejectionReason.NonceIsMax, $"nonce {tx.Nonce} is 2^64-1 (EIP-2681)");
        }

        if (tx.IsCreate && fork >= Fork.Shanghai && tx.Data.Length > GasCost.MaxInitCodeSize)
        {
            return TransactionResult.Rejected(TransactionRejectionReason.InitCodeSizeExceeded, $"init code of {tx.Data.Length} bytes exceeds {GasCost.MaxInitCodeSize} (EIP-3860)");
        }

        // Fees: the price cap per gas the balance must cover, and the price actually paid.
        if (tx.HasDynamicFee)
        {
            if (tx.MaxPriorityFeePerGas > tx.MaxFeePerGas)
            {
                return TransactionResult.Rejected(TransactionRejectionReason.PriorityGreaterThanMaxFee, $"max priority fee {tx.MaxPriorityFeePerGas} exceeds max fee {tx.MaxFeePerGas}");
            }

            if (tx.MaxFeePerGas < block.BaseFee)
            {
                return TransactionResult.Rejected(TransactionRejectionReason.InsufficientMaxFeePerGas, $"max fee {tx.MaxFeePerGas} is below the base fee {block.BaseFee}");
            }

            context.EffectiveGasPrice = tx.EffectiveGasPrice(block.BaseFee);
            context.MaxPricePerGas = tx.MaxFeePerGas;
        }
        else
        {
            if (fork >= Fork.London && tx.GasPrice < block.BaseFee)
            {
                return TransactionResult.Rejected(TransactionRejectionReason.InsufficientMaxFeePerGas, $"gas price {tx.GasPrice} is below the base fee {block.BaseFee}");
            }

            context.EffectiveGasPrice = tx.GasPrice;
            context.MaxPricePerGas = tx.GasPrice;
        }

        if (tx.Type == TransactionType.Blob)
        {
            if (tx.MaxFeePerBlobGas < block.BlobBaseFee)
            {
                return TransactionResult.Rejected(TransactionRejectionReason.InsufficientMaxFeePerBlobGas, $"max fee per blob gas {tx.MaxFeePerBlobGas} is below the blob base fee {block.BlobBaseFee}");
            }

            context.BlobGasUsed = tx.BlobGas;
            if (UInt256.MultiplyOverflow(new UInt256(tx.BlobGas), tx.MaxFeePerBlobGas, out UInt256 maxBlobCost))
            {
                return TransactionResult.Rejected(TransactionRejectionReason.InsufficientFunds, "blob gas × max fee per blob gas overflows 256 bits");
            }

            context.MaxBlobCost = maxBlobCost;
        }

        return null;
    }

    /// <summary>Validation against the sender's account: no code (EIP-3607), the nonce, and the balance for the worst case; null when valid.</summary>
    protected virtual TransactionResult? ValidateAgainstAccount(TransactionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        Transaction tx = context.Transaction;
        IWorldState state = context.State;
        Address sender = context.Sender;

        if (state.GetCodeHash(sender) is var codeHash && !codeHash.IsZero && codeHash != Keccak256.OfEmpty)
        {
            return TransactionResult.Rejected(TransactionRejectionReason.SenderNotEoa, $"sender {sender} has code (EIP-3607)");
        }

        ulong accountNonce = state.GetNonce(sender);
        if (tx.Nonce != accountNonce)
        {
            return tx.Nonce < accountNonce
                ? TransactionResult.Rejected(TransactionRejectionReason.NonceTooLow, $"nonce {tx.Nonce} is below the account nonce {accountNonce}")
                : TransactionResult.Rejected(TransactionRejectionReason.NonceTooHigh, $"nonce {tx.Nonce} is above the account nonce {accountNonce}");
        }

        // Balance ≥ gasLimit × maxPrice + value + blob gas × max blob fee + the chain's additional cost, with every
        // step checked for overflow.
        UInt256 balance = state.GetBalance(sender);
        if (UInt256.MultiplyOverflow(new UInt256(tx.GasLimit), context.MaxPricePerGas, out UInt256 maxCost) ||
            UInt256.AddOverflow(maxCost, tx.Value, out maxCost) ||
            UInt256.AddOverflow(maxCost, context.MaxBlobCost, out maxCost) ||
            UInt256.AddOverflow(maxCost, context.AdditionalCost, out maxCost))
        {
            return TransactionResult.Rejected(TransactionRejectionReason.InsufficientFunds, "gas limit × price + value overflows 256 bits");
        }

        if (balance < maxCost)
        {
            string additional = context.AdditionalCost.IsZero ? "" : $" + {context.AdditionalCost} (L1 data fee)";
            return TransactionResult.Rejected(TransactionRejectionReason.InsufficientFunds, $"balance {balance} of {sender} is below gas limit × max price + value{additional} = {maxCost}");
        }

        return null;
    }
}
