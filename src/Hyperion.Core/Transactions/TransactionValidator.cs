using Hyperion.Core.Crypto;

namespace Hyperion.Core.Transactions;

/// <summary>
/// Stateless validity of a transaction under a fork's rules: what can be checked without the sender's account
/// (nonce and balance checks belong to execution). Sender recovery is separate (<see cref="Transaction.TryRecoverSender"/>).
/// </summary>
public static class TransactionValidator
{
    /// <summary>EIP-4844 version byte of a KZG commitment's versioned hash.</summary>
    public const byte BlobCommitmentVersionKzg = 0x01;

    /// <summary>Null when <paramref name="transaction"/> is valid under <paramref name="rules"/>; otherwise why not.</summary>
    public static string? Validate(Transaction transaction, TransactionRules rules)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        ArgumentNullException.ThrowIfNull(rules);
        Transaction tx = transaction;
        if (!rules.Allows(tx.Type))
        {
            return $"transaction type 0x{(byte)tx.Type:x2} is not supported by these rules";
        }

        if (tx.Type == TransactionType.Deposit)
        {
            // Deposits come from L1 derivation: no signature, nonce or fee checks; a deposit that runs out of gas
            // is still included (it fails, it is not invalid).
            return null;
        }

        if (tx.Nonce == ulong.MaxValue)
        {
            return "nonce 2^64-1 is not allowed (EIP-2681)";
        }

        string? signatureError = ValidateSignature(tx, rules);
        if (signatureError is not null)
        {
            return signatureError;
        }

        if (tx.HasDynamicFee && tx.MaxPriorityFeePerGas > tx.MaxFeePerGas)
        {
            return $"max priority fee per gas {tx.MaxPriorityFeePerGas} exceeds max fee per gas {tx.MaxFeePerGas}";
        }

        if (UInt256.MultiplyOverflow(new UInt256(tx.GasLimit), tx.FeeCap, out _))
        {
            return "gas limit × fee per gas overflows 256 bits";
        }

        if (tx.IsCreate && rules.InitCodeLimit && tx.Data.Length > IntrinsicGas.MaxInitCodeSize)
        {
            return $"init code of {tx.Data.Length} bytes exceeds the EIP-3860 limit of {IntrinsicGas.MaxInitCodeSize}";
        }

        string? typeError = tx.Type switch
        {
            TransactionType.Blob => ValidateBlob(tx, rules),
            TransactionType.SetCode => ValidateSetCode(tx),
            _ => null,
        };
        if (typeError is not null)
        {
            return typeError;
        }

        long intrinsic = IntrinsicGas.Calculate(tx, rules);
        if ((ulong)intrinsic > tx.GasLimit)
        {
            return $"gas limit {tx.GasLimit} is below the intrinsic gas {intrinsic}";
        }

        if (rules.CalldataFloor)
        {
            long floor = IntrinsicGas.CalldataFloor(tx.Data.Span);
            if ((ulong)floor > tx.GasLimit)
            {
                return $"gas limit {tx.GasLimit} is below the EIP-7623 calldata floor {floor}";
            }
        }

        return null;
    }

    private static string? ValidateSignature(Transaction tx, TransactionRules rules)
    {
        if (tx.Type == TransactionType.Legacy)
        {
            if (tx.V is not (27 or 28) && tx.V < 35)
            {
                return $"legacy v = {tx.V} is neither 27/28 nor an EIP-155 value (chainId·2 + 35/36)";
            }
        }
        else if (tx.V > 1)
        {
            return $"y parity {tx.V} is not 0 or 1";
        }

        if (tx.ChainId is ulong chainId && chainId != rules.ChainId)
        {
            return $"chain id {chainId} does not match the chain's {rules.ChainId}";
        }

        if (!tx.TryGetRecoveryId(out _))
        {
            return $"v = {tx.V} does not encode a recovery id for chain id {tx.ChainId}";
        }

        if (!Secp256k1.AreValidSignatureValues(tx.R, tx.S))
        {
            return "signature r and s must be in [1, n-1]";
        }

        if (!Secp256k1.IsLowS(tx.S))
        {
            return "signature s is above n/2 (EIP-2 requires the low form)";
        }

        return null;
    }

    private static string? ValidateBlob(Transaction tx, TransactionRules rules)
    {
        if (tx.To is null)
        {
            return "a blob transaction cannot create a contract ('to' is required)";
        }

        if (tx.BlobVersionedHashes.Length == 0)
        {
            return "a blob transaction needs at least one blob versioned hash";
        }

        if (tx.BlobVersionedHashes.Length > rules.MaxBlobsPerBlock)
        {
            return $"{tx.BlobVersionedHashes.Length} blobs exceed the per-block limit of {rules.MaxBlobsPerBlock}";
        }

        foreach (Hash256 hash in tx.BlobVersionedHashes)
        {
            if (hash.Bytes[0] != BlobCommitmentVersionKzg)
            {
                return $"blob versioned hash {hash} has version 0x{hash.Bytes[0]:x2}, expected 0x01";
            }
        }

        if (UInt256.MultiplyOverflow(new UInt256(tx.BlobGas), tx.MaxFeePerBlobGas, out _))
        {
            return "blob gas × max fee per blob gas overflows 256 bits";
        }

        return null;
    }

    private static string? ValidateSetCode(Transaction tx)
    {
        if (tx.To is null)
        {
            return "a set-code transaction cannot create a contract ('to' is required)";
        }

        return tx.AuthorizationList.Length == 0 ? "a set-code transaction needs a non-empty authorization list" : null;
    }
}
