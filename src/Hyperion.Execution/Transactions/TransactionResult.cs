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
/// block's bytes. Its optional fields are kept as values and flags rather than nullable fields, so it copies small.
/// </remarks>
public readonly struct TransactionResult
{
    private readonly IReadOnlyList<Log>? _logs;
    private readonly Address _createdAddress;
    private readonly ulong _depositNonce;
    private readonly ulong _depositReceiptVersion;
    private readonly Fields _fields;

    [Flags]
    private enum Fields : byte
    {
        None = 0,
        Success = 1,
        CreatedAddress = 2,
        DepositNonce = 4,
        DepositReceiptVersion = 8,
    }

    private TransactionResult(TransactionRejection? rejection, Fields fields, long gasUsed, ulong blobGasUsed, IReadOnlyList<Log>? logs, Address createdAddress, ReadOnlyMemory<byte> output, string? error, ulong depositNonce, ulong depositReceiptVersion)
    {
        Rejection = rejection;
        _fields = fields;
        GasUsed = gasUsed;
        BlobGasUsed = blobGasUsed;
        _logs = logs;
        _createdAddress = createdAddress;
        Output = output;
        Error = error;
        _depositNonce = depositNonce;
        _depositReceiptVersion = depositReceiptVersion;
    }

    public TransactionRejection? Rejection { get; }

    public bool IsValid => Rejection is null;

    /// <summary>The call or creation finished without REVERT or an exceptional halt.</summary>
    public bool Success => (_fields & Fields.Success) != 0;

    /// <summary>Gas charged to the sender after the refund (the receipt's gas used).</summary>
    public long GasUsed { get; }

    /// <summary>EIP-4844 blob gas charged (blob count × 2^17).</summary>
    public ulong BlobGasUsed { get; }

    /// <summary>The logs (none for a rejection or a failed execution); a default result's are none too.</summary>
    public IReadOnlyList<Log> Logs => _logs ?? [];

    /// <summary>The new contract's address for a successful creation.</summary>
    public Address? CreatedAddress => (_fields & Fields.CreatedAddress) != 0 ? _createdAddress : null;

    /// <summary>Return data, or revert data when reverted.</summary>
    public ReadOnlyMemory<byte> Output { get; }

    /// <summary>Why execution failed (e.g. "execution reverted", "out of gas"); null on success.</summary>
    public string? Error { get; }

    /// <summary>OP-stack deposits (Regolith on): the sender's nonce before the deposit, kept in the receipt.</summary>
    public ulong? DepositNonce => (_fields & Fields.DepositNonce) != 0 ? _depositNonce : null;

    /// <summary>OP-stack deposits (Canyon on): the deposit receipt version (1), kept in the receipt.</summary>
    public ulong? DepositReceiptVersion => (_fields & Fields.DepositReceiptVersion) != 0 ? _depositReceiptVersion : null;

    /// <summary>This result with the deposit receipt fields a rollup's receipts carry.</summary>
    public TransactionResult WithDepositReceipt(ulong nonce, ulong? receiptVersion) =>
        new(Rejection, (_fields & ~Fields.DepositReceiptVersion) | Fields.DepositNonce | (receiptVersion is null ? Fields.None : Fields.DepositReceiptVersion),
            GasUsed, BlobGasUsed, Logs, _createdAddress, Output, Error, nonce, receiptVersion ?? 0);

    public static TransactionResult Rejected(TransactionRejectionReason reason, string message) =>
        new(new TransactionRejection(reason, message), Fields.None, 0, 0, null, default, default, null, 0, 0);

    public static TransactionResult Executed(bool success, long gasUsed, ulong blobGasUsed, IReadOnlyList<Log> logs, Address? createdAddress, ReadOnlyMemory<byte> output, string? error) =>
        new(null, (success ? Fields.Success : Fields.None) | (createdAddress is null ? Fields.None : Fields.CreatedAddress),
            gasUsed, blobGasUsed, logs, createdAddress ?? default, output, error, 0, 0);
}
