namespace Hyperion.Core.Transactions;

/// <summary>The EIP-2718 transaction type byte (legacy transactions have no type byte and are 0 here).</summary>
public enum TransactionType : byte
{
    Legacy = 0x00,

    /// <summary>EIP-2930: access list, gas price.</summary>
    AccessList = 0x01,

    /// <summary>EIP-1559: max fee and max priority fee per gas.</summary>
    DynamicFee = 0x02,

    /// <summary>EIP-4844: blob versioned hashes and a max fee per blob gas.</summary>
    Blob = 0x03,

    /// <summary>EIP-7702: an authorization list that sets delegation code on EOAs.</summary>
    SetCode = 0x04,

    /// <summary>OP-stack deposit transaction: derived from L1, unsigned, carries its sender.</summary>
    Deposit = 0x7E,
}
