using Hyperion.Core;

namespace Hyperion.Execution.Transactions;

/// <summary>Why a transaction is invalid (it cannot be included; the state is untouched).</summary>
public enum TransactionRejectionReason
{
    TypeNotSupported,
    IntrinsicGasTooLow,
    NonceTooLow,
    NonceTooHigh,
    NonceIsMax,
    SenderNotEoa,
    GasAllowanceExceeded,
    InitCodeSizeExceeded,
    InsufficientMaxFeePerGas,
    PriorityGreaterThanMaxFee,
    InsufficientFunds,
    BlobContractCreation,
    NoBlobs,
    BlobCountExceeded,
    InvalidBlobVersionedHash,
    InsufficientMaxFeePerBlobGas,
}

/// <summary>A typed rejection with a message that names the offending values.</summary>
public sealed record TransactionRejection(TransactionRejectionReason Reason, string Message)
{
    public override string ToString() => $"{Reason}: {Message}";
}

/// <summary>
/// The outcome of a transaction: either a <see cref="Rejection"/> (invalid, state untouched) or an executed
/// transaction, successful or not (a failed execution still consumes gas and bumps the nonce).
/// </summary>
/// <remarks>
/// A value, held inline by whoever keeps it (a block's <c>ExecutedTransaction</c>, a Block-STM record, a chunk's
/// results): an object per transaction beside its receipt and its executed transaction was a tenth of a transfer
/// block's bytes. What only a rejection, a creation or a deposit has (the rejection, the new contract's address, the
/// deposit receipt's fields) is in an object of its own made for those alone: inline, their 44 bytes were a third of
/// every other executed transaction (one per transaction a block makes and a node keeps).
/// </remarks>
public readonly struct TransactionResult
{
    private readonly IReadOnlyList<Log>? _logs;
    private readonly RareFields? _rare;
    private readonly bool _success;

    private sealed class RareFields(TransactionRejection? rejection, Address? createdAddress, ulong? depositNonce, ulong? depositReceiptVersion)
    {
        public readonly TransactionRejection? Rejection = rejection;
        public readonly Address? CreatedAddress = createdAddress;
        public readonly ulong? DepositNonce = depositNonce;
        public readonly ulong? DepositReceiptVersion = depositReceiptVersion;
    }

    private TransactionResult(bool success, long gasUsed, ulong blobGasUsed, IReadOnlyList<Log>? logs, RareFields? rare, ReadOnlyMemory<byte> output, string? error)
    {
        _success = success;
        GasUsed = gasUsed;
        BlobGasUsed = blobGasUsed;
        _logs = logs;
        _rare = rare;
        Output = output;
        Error = error;
    }

    public TransactionRejection? Rejection => _rare?.Rejection;

    public bool IsValid => Rejection is null;

    /// <summary>The call or creation finished without REVERT or an exceptional halt.</summary>
    public bool Success => _success;

    /// <summary>Gas charged to the sender after the refund (the receipt's gas used).</summary>
    public long GasUsed { get; }

    /// <summary>EIP-4844 blob gas charged (blob count × 2^17).</summary>
    public ulong BlobGasUsed { get; }

    /// <summary>The logs (none for a rejection or a failed execution); a default result's are none too.</summary>
    public IReadOnlyList<Log> Logs => _logs ?? [];

    /// <summary>The new contract's address for a successful creation.</summary>
    public Address? CreatedAddress => _rare?.CreatedAddress;

    /// <summary>Return data, or revert data when reverted.</summary>
    public ReadOnlyMemory<byte> Output { get; }

    /// <summary>Why execution failed (e.g. "execution reverted", "out of gas"); null on success.</summary>
    public string? Error { get; }

    /// <summary>OP-stack deposits (Regolith on): the sender's nonce before the deposit, kept in the receipt.</summary>
    public ulong? DepositNonce => _rare?.DepositNonce;

    /// <summary>OP-stack deposits (Canyon on): the deposit receipt version (1), kept in the receipt.</summary>
    public ulong? DepositReceiptVersion => _rare?.DepositReceiptVersion;

    /// <summary>This result with the deposit receipt fields a rollup's receipts carry.</summary>
    public TransactionResult WithDepositReceipt(ulong nonce, ulong? receiptVersion) =>
        new(_success, GasUsed, BlobGasUsed, _logs, new RareFields(Rejection, CreatedAddress, nonce, receiptVersion), Output, Error);

    public static TransactionResult Rejected(TransactionRejectionReason reason, string message) =>
        new(false, 0, 0, null, new RareFields(new TransactionRejection(reason, message), null, null, null), default, null);

    public static TransactionResult Executed(bool success, long gasUsed, ulong blobGasUsed, IReadOnlyList<Log> logs, Address? createdAddress, ReadOnlyMemory<byte> output, string? error) =>
        new(success, gasUsed, blobGasUsed, logs, createdAddress is null ? null : new RareFields(null, createdAddress, null, null), output, error);
}
