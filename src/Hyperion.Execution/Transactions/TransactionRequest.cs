using Hyperion.Core;

namespace Hyperion.Execution.Transactions;

/// <summary>The EIP-2718 transaction types the handler executes.</summary>
public enum TransactionType : byte
{
    Legacy = 0,

    /// <summary>EIP-2930: legacy pricing plus an access list.</summary>
    AccessList = 1,

    /// <summary>EIP-1559: max fee and max priority fee.</summary>
    DynamicFee = 2,

    /// <summary>EIP-4844: dynamic fee plus blobs (never a creation).</summary>
    Blob = 3,
}

/// <summary>An EIP-2930 access list entry: an address and storage keys to warm before execution.</summary>
public sealed record AccessListItem(Address Address, IReadOnlyList<Hash256> StorageKeys);

/// <summary>
/// What the transaction handler needs of a transaction, with the sender already recovered: built from a decoded
/// signed transaction by the chain, or from a state-test template by the test runner.
/// </summary>
public sealed record TransactionRequest
{
    public required TransactionType Type { get; init; }

    public required Address Sender { get; init; }

    /// <summary>The callee; null for a contract creation.</summary>
    public Address? To { get; init; }

    public required ulong Nonce { get; init; }

    public required ulong GasLimit { get; init; }

    public UInt256 Value { get; init; }

    public ReadOnlyMemory<byte> Data { get; init; }

    /// <summary>Legacy and EIP-2930 price per gas.</summary>
    public UInt256 GasPrice { get; init; }

    /// <summary>EIP-1559 and EIP-4844 fee cap per gas.</summary>
    public UInt256 MaxFeePerGas { get; init; }

    /// <summary>EIP-1559 and EIP-4844 tip cap per gas.</summary>
    public UInt256 MaxPriorityFeePerGas { get; init; }

    public IReadOnlyList<AccessListItem> AccessList { get; init; } = [];

    /// <summary>EIP-4844 fee cap per blob gas.</summary>
    public UInt256 MaxFeePerBlobGas { get; init; }

    /// <summary>EIP-4844 versioned hashes of the blobs.</summary>
    public IReadOnlyList<Hash256> BlobVersionedHashes { get; init; } = [];

    public bool IsCreate => To is null;

    /// <summary>True for the types priced with max fee and priority fee (EIP-1559).</summary>
    public bool HasDynamicFee => Type is TransactionType.DynamicFee or TransactionType.Blob;
}
