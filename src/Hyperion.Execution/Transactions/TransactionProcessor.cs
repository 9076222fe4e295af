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
/// The transaction handler (revm's handler, execution-specs' process_transaction): validates a transaction against
/// the block and the sender's account, buys the gas, bumps the nonce, warms what EIP-2929/2930/3651 make warm, runs
/// the call or creation on MetisVM, applies the refund cap, returns unused gas, pays the priority fee to the
/// coinbase (the base fee and blob fee are burned) and finishes the transaction on the world state.
/// </summary>
/// <remarks>One instance per block; <see cref="Execute"/> runs one transaction at a time.</remarks>
public sealed class TransactionProcessor
{
    private const ulong MaxNonce = ulong.MaxValue;

    private readonly BlockEnvironment _block;
    private readonly PrecompileTable _precompiles;
    private readonly Address[] _warmPrecompiles;

    public TransactionProcessor(BlockEnvironment block, PrecompileTable? precompiles = null)
    {
        ArgumentNullException.ThrowIfNull(block);
        _block = block;
        _precompiles = precompiles ?? PrecompileTable.ForFork(block.Fork);

        // EIP-2929 warms every precompile address of the fork, whether or not this build implements it yet.
        int count = block.Fork >= Fork.Cancun ? 0x0a : 0x09;
        _warmPrecompiles = new Address[count];
        for (int i = 0; i < count; i++)
        {
            _warmPrecompiles[i] = PrecompileTable.AddressOf((byte)(i + 1));
        }
    }

    /// <summary>
    /// Validates and executes <paramref name="tx"/>, sent by <paramref name="sender"/> (already recovered; the
    /// signature is not checked here), on <paramref name="state"/>. An invalid transaction returns a rejection and
    /// leaves the state untouched; a valid one always ends with <see cref="IWorldState.FinishTransaction"/>.
    /// </summary>
    /// <param name="blockGasAvailable">Gas the block has left for this transaction (its gas limit by default).</param>
    public TransactionResult Execute(IWorldState state, Transaction tx, Address sender, IEvmTracer? tracer = null, ulong blockGasAvailable = ulong.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(tx);
        Fork fork = _block.Fork;

        TransactionResult? rejection = Validate(state, tx, sender, Math.Min(blockGasAvailable, _block.GasLimit), out long intrinsicGas, out UInt256 effectiveGasPrice, out ulong blobGasUsed);
        if (rejection is not null)
        {
            return rejection;
        }

        // Buy gas (blob gas at the block's blob base fee) and bump the nonce.
        long gasLimit = (long)tx.GasLimit;
        UInt256 gasCost = new UInt256(tx.GasLimit) * effectiveGasPrice;
        UInt256 blobCost = new UInt256(blobGasUsed) * _block.BlobBaseFee;
        state.SubtractBalance(sender, gasCost + blobCost);
        Address? created = tx.IsCreate ? ContractAddress.From(sender, tx.Nonce) : null;
        state.SetNonce(sender, tx.Nonce + 1);

        // Warm sets: sender, callee or new contract, precompiles, access list, coinbase (EIP-3651, Shanghai).
        state.WarmAccount(sender);
        state.WarmAccount(tx.To ?? created!.Value);
        foreach (Address precompile in _warmPrecompiles)
        {
            state.WarmAccount(precompile);
        }

        foreach (AccessListEntry item in tx.AccessList)
        {
            state.WarmAccount(item.Address);
            foreach (Hash256 key in item.StorageKeys)
            {
                state.WarmStorage(item.Address, UInt256.FromBigEndian(key.Bytes));
            }
        }

        if (fork >= Fork.Shanghai)
        {
            state.WarmAccount(_block.Coinbase);
        }

        var environment = new TransactionEnvironment
        {
            Origin = sender,
            GasPrice = effectiveGasPrice,
            BlobHashes = tx.BlobVersionedHashes,
        };
        var vm = new MetisVm(state, _block, environment, _precompiles, tracer);
        long executionGas = gasLimit - intrinsicGas;
        ExecutionResult result = tx.IsCreate
            ? vm.Create(sender, created!.Value, tx.Value, tx.Data, executionGas)
            : vm.Call(sender, tx.To!.Value, tx.Value, tx.Data, executionGas);

        // Refund: capped at gasUsed/2 before London and gasUsed/5 from London (EIP-3529). A failed frame's
        // refunds were reverted with its journal.
        long gasUsed = gasLimit - result.GasLeft;
        long refundQuotient = fork >= Fork.London ? GasCost.MaxRefundQuotient : 2;
        long refund = result.Success ? Math.Clamp(state.Refund, 0, gasUsed / refundQuotient) : 0;
        gasUsed -= refund;

        state.AddBalance(sender, new UInt256((ulong)(gasLimit - gasUsed)) * effectiveGasPrice);

        // The priority fee goes to the coinbase; the base fee is burned. A zero tip still touches the coinbase.
        UInt256 tipPerGas = fork >= Fork.London ? effectiveGasPrice - _block.BaseFee : effectiveGasPrice;
        state.AddBalance(_block.Coinbase, new UInt256((ulong)gasUsed) * tipPerGas);

        Log[] logs = result.Success ? [.. state.Logs] : [];
        state.FinishTransaction(deleteTouchedEmpty: true);
        return TransactionResult.Executed(
            result.Success,
            gasUsed,
            blobGasUsed,
            logs,
            tx.IsCreate && result.Success ? created : null,
            result.Output,
            result.Error);
    }

    /// <summary>Every validity rule; null when valid. Reads the state but never changes it.</summary>
    private TransactionResult? Validate(IWorldState state, Transaction tx, Address sender, ulong gasAvailable, out long intrinsicGas, out UInt256 effectiveGasPrice, out ulong blobGasUsed)
    {
        Fork fork = _block.Fork;
        intrinsicGas = 0;
        effectiveGasPrice = UInt256.Zero;
        blobGasUsed = 0;

        bool typeActive = tx.Type switch
        {
            TransactionType.Legacy or TransactionType.AccessList => true,
            TransactionType.DynamicFee => fork >= Fork.London,
            TransactionType.Blob => fork >= Fork.Cancun,
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

            if (blobs > BlobSchedule.Cancun.MaxBlobsPerBlock)
            {
                return TransactionResult.Rejected(TransactionRejectionReason.BlobCountExceeded, $"{blobs} blobs exceed the limit of {BlobSchedule.Cancun.MaxBlobsPerBlock}");
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

        intrinsicGas = Evm.Transactions.IntrinsicGas.Calculate(fork, tx.Data.Span, tx.IsCreate, tx.AccessList.Length, accessListKeys);
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
        UInt256 maxPricePerGas;
        if (tx.HasDynamicFee)
        {
            if (tx.MaxPriorityFeePerGas > tx.MaxFeePerGas)
            {
                return TransactionResult.Rejected(TransactionRejectionReason.PriorityGreaterThanMaxFee, $"max priority fee {tx.MaxPriorityFeePerGas} exceeds max fee {tx.MaxFeePerGas}");
            }

            if (tx.MaxFeePerGas < _block.BaseFee)
            {
                return TransactionResult.Rejected(TransactionRejectionReason.InsufficientMaxFeePerGas, $"max fee {tx.MaxFeePerGas} is below the base fee {_block.BaseFee}");
            }

            effectiveGasPrice = tx.EffectiveGasPrice(_block.BaseFee);
            maxPricePerGas = tx.MaxFeePerGas;
        }
        else
        {
            if (fork >= Fork.London && tx.GasPrice < _block.BaseFee)
            {
                return TransactionResult.Rejected(TransactionRejectionReason.InsufficientMaxFeePerGas, $"gas price {tx.GasPrice} is below the base fee {_block.BaseFee}");
            }

            effectiveGasPrice = tx.GasPrice;
            maxPricePerGas = tx.GasPrice;
        }

        UInt256 maxBlobCost = UInt256.Zero;
        if (tx.Type == TransactionType.Blob)
        {
            if (tx.MaxFeePerBlobGas < _block.BlobBaseFee)
            {
                return TransactionResult.Rejected(TransactionRejectionReason.InsufficientMaxFeePerBlobGas, $"max fee per blob gas {tx.MaxFeePerBlobGas} is below the blob base fee {_block.BlobBaseFee}");
            }

            blobGasUsed = tx.BlobGas;
            if (UInt256.MultiplyOverflow(new UInt256(blobGasUsed), tx.MaxFeePerBlobGas, out maxBlobCost))
            {
                return TransactionResult.Rejected(TransactionRejectionReason.InsufficientFunds, "blob gas × max fee per blob gas overflows 256 bits");
            }
        }

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

        // Balance ≥ gasLimit × maxPrice + value + blob gas × max blob fee, with every step checked for overflow.
        UInt256 balance = state.GetBalance(sender);
        if (UInt256.MultiplyOverflow(new UInt256(tx.GasLimit), maxPricePerGas, out UInt256 maxCost) ||
            UInt256.AddOverflow(maxCost, tx.Value, out maxCost) ||
            UInt256.AddOverflow(maxCost, maxBlobCost, out maxCost))
        {
            return TransactionResult.Rejected(TransactionRejectionReason.InsufficientFunds, "gas limit × price + value overflows 256 bits");
        }

        if (balance < maxCost)
        {
            return TransactionResult.Rejected(TransactionRejectionReason.InsufficientFunds, $"balance {balance} of {sender} is below gas limit × max price + value = {maxCost}");
        }

        return null;
    }
}
