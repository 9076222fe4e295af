namespace Hyperion.Evm.Interpreter;

/// <summary>Gas constants of the Yellow Paper fee schedule as amended through Cancun (EIP numbers where they changed).</summary>
public static class GasCost
{
    public const long Base = 2;
    public const long VeryLow = 3;
    public const long Low = 5;
    public const long Mid = 8;
    public const long High = 10;
    public const long JumpDest = 1;
    public const long Exp = 10;

    /// <summary>Per byte of the exponent (EIP-160).</summary>
    public const long ExpByte = 50;
    public const long Keccak256 = 30;
    public const long Keccak256Word = 6;
    public const long CopyWord = 3;
    public const long BlockHash = 20;
    public const long Log = 375;
    public const long LogTopic = 375;
    public const long LogByte = 8;
    public const long Memory = 3;

    /// <summary>Quadratic memory cost divisor: cost(words) = 3·words + words²/512.</summary>
    public const long QuadraticMemoryDivisor = 512;

    // EIP-2929 access costs.
    public const long WarmAccess = 100;
    public const long ColdAccountAccess = 2600;
    public const long ColdSload = 2100;

    /// <summary>EIP-2930 access list entries charged in intrinsic gas.</summary>
    public const long AccessListAddress = Core.Transactions.IntrinsicGas.AccessListAddress;
    public const long AccessListStorageKey = Core.Transactions.IntrinsicGas.AccessListStorageKey;

    // SSTORE (EIP-2200 with EIP-2929/3529 amendments).
    public const long SstoreSet = 20000;
    public const long SstoreReset = 5000 - ColdSload;
    public const long SstoreSentry = 2300;

    /// <summary>Refund for clearing a slot: EIP-3529 lowers it to SSTORE_RESET + ACCESS_LIST_STORAGE_KEY = 4800.</summary>
    public const long SstoreClearRefund = 4800;

    public const long Create = 32000;

    /// <summary>Per word of init code (EIP-3860), charged by CREATE/CREATE2 and creation transactions.</summary>
    public const long InitCodeWord = Core.Transactions.IntrinsicGas.InitCodeWord;
    public const long CodeDeposit = 200;
    public const long Call = 0;
    public const long CallValue = 9000;
    public const long CallStipend = 2300;
    public const long NewAccount = 25000;
    public const long SelfDestruct = 5000;

    // Transaction intrinsic gas (defined with its computation in Core).
    public const long Transaction = Core.Transactions.IntrinsicGas.Transaction;
    public const long TransactionCreate = Core.Transactions.IntrinsicGas.TransactionCreate;
    public const long TxDataZero = Core.Transactions.IntrinsicGas.TxDataZero;
    public const long TxDataNonZero = Core.Transactions.IntrinsicGas.TxDataNonZero;

    /// <summary>EIP-3529: refunds are capped at gasUsed / 5 (London and later).</summary>
    public const long MaxRefundQuotient = 5;

    /// <summary>EIP-170 maximum deployed code size and EIP-3860 maximum init code size.</summary>
    public const int MaxCodeSize = 24576;
    public const int MaxInitCodeSize = Core.Transactions.IntrinsicGas.MaxInitCodeSize;

    public const int MaxCallDepth = 1024;

    /// <summary>Cost of memory of <paramref name="words"/> 32-byte words; callers bound words so this cannot overflow.</summary>
    public static long MemoryCost(long words) => (Memory * words) + (words * words / QuadraticMemoryDivisor);

    /// <summary>Number of 32-byte words covering <paramref name="bytes"/> bytes.</summary>
    public static long Words(long bytes) => (bytes + 31) >> 5;
}
