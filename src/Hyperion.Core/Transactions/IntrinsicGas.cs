namespace Hyperion.Core.Transactions;

/// <summary>
/// The gas a transaction costs before any code runs: base cost (21000, or 53000 for a creation), calldata
/// (4 per zero byte, 16 per non-zero byte), EIP-2930 access list entries, from Shanghai the EIP-3860 init-code
/// word cost for creations, and from Prague 25000 per EIP-7702 authorization. A transaction whose gas limit is
/// below this (or, from Prague, below the EIP-7623 calldata floor) is invalid. The EVM uses this same code.
/// </summary>
public static class IntrinsicGas
{
    public const long Transaction = 21000;
    public const long TransactionCreate = 53000;
    public const long TxDataZero = 4;
    public const long TxDataNonZero = 16;
    public const long AccessListAddress = 2400;
    public const long AccessListStorageKey = 1900;

    /// <summary>Per 32-byte word of init code (EIP-3860).</summary>
    public const long InitCodeWord = 2;

    /// <summary>EIP-7702 PER_EMPTY_ACCOUNT_COST, charged per authorization tuple.</summary>
    public const long PerAuthorization = 25000;

    /// <summary>EIP-7623 TOTAL_COST_FLOOR_PER_TOKEN; a non-zero calldata byte is 4 tokens, a zero byte 1.</summary>
    public const long FloorPerToken = 10;

    /// <summary>EIP-3860 maximum init code size (twice the EIP-170 code size limit).</summary>
    public const int MaxInitCodeSize = 2 * 24576;

    /// <summary>The intrinsic gas of a transaction with the given shape.</summary>
    /// <param name="chargeInitCodeWords">EIP-3860 is active (Shanghai and later).</param>
    public static long Calculate(
        ReadOnlySpan<byte> data, bool isCreate, int accessListAddresses, int accessListStorageKeys, bool chargeInitCodeWords, int authorizations = 0)
    {
        long gas = isCreate ? TransactionCreate : Transaction;
        int zeros = data.Count((byte)0);
        gas += (zeros * TxDataZero) + ((data.Length - zeros) * TxDataNonZero);
        gas += (accessListAddresses * AccessListAddress) + (accessListStorageKeys * AccessListStorageKey);
        gas += authorizations * PerAuthorization;
        if (isCreate && chargeInitCodeWords)
        {
            gas += InitCodeWord * Words(data.Length);
        }

        return gas;
    }

    /// <summary>The intrinsic gas of <paramref name="transaction"/> under <paramref name="rules"/>.</summary>
    public static long Calculate(Transaction transaction, TransactionRules rules)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        ArgumentNullException.ThrowIfNull(rules);
        int storageKeys = 0;
        foreach (AccessListEntry entry in transaction.AccessList)
        {
            storageKeys += entry.StorageKeys.Length;
        }

        return Calculate(
            transaction.Data.Span, transaction.IsCreate, transaction.AccessList.Length, storageKeys,
            rules.InitCodeLimit, transaction.AuthorizationList.Length);
    }

    /// <summary>EIP-7623 floor: 21000 + 10 per calldata token (zero byte 1 token, non-zero byte 4).</summary>
    public static long CalldataFloor(ReadOnlySpan<byte> data)
    {
        int zeros = data.Count((byte)0);
        long tokens = zeros + (4L * (data.Length - zeros));
        return Transaction + (FloorPerToken * tokens);
    }

    private static long Words(long bytes) => (bytes + 31) >> 5;
}
