namespace Hyperion.Core.Transactions;

/// <summary>
/// Which transaction rules apply: the chain id and the fork-dependent features. Presets follow the Ethereum forks;
/// an OP-stack chain sets <see cref="AllowDeposits"/>.
/// </summary>
public sealed record TransactionRules
{
    public required ulong ChainId { get; init; }

    /// <summary>EIP-2930 (Berlin).</summary>
    public bool AllowAccessListTransactions { get; init; }

    /// <summary>EIP-1559 (London).</summary>
    public bool AllowDynamicFeeTransactions { get; init; }

    /// <summary>EIP-4844 (Cancun).</summary>
    public bool AllowBlobTransactions { get; init; }

    /// <summary>EIP-7702 (Prague).</summary>
    public bool AllowSetCodeTransactions { get; init; }

    /// <summary>OP-stack deposit transactions (0x7E), which only an L2 derivation pipeline may include.</summary>
    public bool AllowDeposits { get; init; }

    /// <summary>EIP-3860 init code size limit and word cost (Shanghai).</summary>
    public bool InitCodeLimit { get; init; }

    /// <summary>EIP-7623 calldata floor on the gas limit (Prague).</summary>
    public bool CalldataFloor { get; init; }

    /// <summary>The per-block blob limit, which also bounds one transaction (6 in Cancun, 9 in Prague).</summary>
    public int MaxBlobsPerBlock { get; init; }

    public static TransactionRules Berlin(ulong chainId) => new() { ChainId = chainId, AllowAccessListTransactions = true };

    public static TransactionRules London(ulong chainId) => Berlin(chainId) with { AllowDynamicFeeTransactions = true };

    public static TransactionRules Shanghai(ulong chainId) => London(chainId) with { InitCodeLimit = true };

    public static TransactionRules Cancun(ulong chainId) => Shanghai(chainId) with { AllowBlobTransactions = true, MaxBlobsPerBlock = 6 };

    public static TransactionRules Prague(ulong chainId) =>
        Cancun(chainId) with { AllowSetCodeTransactions = true, CalldataFloor = true, MaxBlobsPerBlock = 9 };

    public bool Allows(TransactionType type) => type switch
    {
        TransactionType.Legacy => true,
        TransactionType.AccessList => AllowAccessListTransactions,
        TransactionType.DynamicFee => AllowDynamicFeeTransactions,
        TransactionType.Blob => AllowBlobTransactions,
        TransactionType.SetCode => AllowSetCodeTransactions,
        TransactionType.Deposit => AllowDeposits,
        _ => false,
    };
}
