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
public sealed class TransactionResult
{
    private TransactionResult()
    {
    }

    public TransactionRejection? Rejection { get; private init; }

    public bool IsValid => Rejection is null;

    /// <summary>The call or creation finished without REVERT or an exceptional halt.</summary>
    public bool Success { get; private init; }

    /// <summary>Gas charged to the sender after the refund (the receipt's gas used).</summary>
    public long GasUsed { get; private init; }

    /// <summary>EIP-4844 blob gas charged (blob count × 2^17).</summary>
    public ulong BlobGasUsed { get; private init; }

    public IReadOnlyList<Log> Logs { get; private init; } = [];

    /// <summary>The new contract's address for a successful creation.</summary>
    public Address? CreatedAddress { get; private init; }

    /// <summary>Return data, or revert data when reverted.</summary>
    public ReadOnlyMemory<byte> Output { get; private init; }

    /// <summary>Why execution failed (e.g. "execution reverted", "out of gas"); null on success.</summary>
    public string? Error { get; private init; }

    /// <summary>OP-stack deposits (Regolith on): the sender's nonce before the deposit, kept in the receipt.</summary>
    public ulong? DepositNonce { get; private init; }

    /// <summary>OP-stack deposits (Canyon on): the deposit receipt version (1), kept in the receipt.</summary>
    public ulong? DepositReceiptVersion { get; private init; }

    /// <summary>This result with the deposit receipt fields a rollup's receipts carry.</summary>
    public TransactionResult WithDepositReceipt(ulong nonce, ulong? receiptVersion) => new()
    {
        Rejection = Rejection,
        Success = Success,
        GasUsed = GasUsed,
        BlobGasUsed = BlobGasUsed,
        Logs = Logs,
        CreatedAddress = CreatedAddress,
        Output = Output,
        Error = Error,
        DepositNonce = nonce,
        DepositReceiptVersion = receiptVersion,
    };

    public static TransactionResult Rejected(TransactionRejectionReason reason, string message) =>
        new() { Rejection = new TransactionRejection(reason, message) };

    public static TransactionResult Executed(bool success, long gasUsed, ulong blobGasUsed, IReadOnlyList<Log> logs, Address? createdAddress, ReadOnlyMemory<byte> output, string? error) =>
        new()
        {
            Success = success,
            GasUsed = gasUsed,
            BlobGasUsed = blobGasUsed,
            Logs = logs,
            CreatedAddress = createdAddress,
            Output = output,
            Error = error,
        };
}
