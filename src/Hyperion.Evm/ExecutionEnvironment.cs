using Hyperion.Core;

namespace Hyperion.Evm;

/// <summary>Gives BLOCKHASH the hashes of recent blocks.</summary>
public interface IBlockHashProvider
{
    /// <summary>The hash of block <paramref name="number"/>; the caller has checked it is one of the 256 before the current one.</summary>
    Hash256 GetBlockHash(ulong number);
}

/// <summary>The block-level values the EVM reads (COINBASE, NUMBER, TIMESTAMP, …). Immutable for a block.</summary>
public sealed record BlockEnvironment
{
    public required Fork Fork { get; init; }
    public required ulong ChainId { get; init; }
    public required Address Coinbase { get; init; }
    public required ulong Number { get; init; }
    public required ulong Timestamp { get; init; }
    public required ulong GasLimit { get; init; }

    /// <summary>EIP-1559 base fee (London and later; zero before).</summary>
    public UInt256 BaseFee { get; init; }

    /// <summary>DIFFICULTY before Paris.</summary>
    public UInt256 Difficulty { get; init; }

    /// <summary>PREVRANDAO from Paris on (the value DIFFICULTY's opcode returns).</summary>
    public Hash256 PrevRandao { get; init; }

    /// <summary>EIP-4844/7516 blob base fee (Cancun).</summary>
    public UInt256 BlobBaseFee { get; init; }

    public IBlockHashProvider? BlockHashes { get; init; }
}

/// <summary>
/// The transaction-level values the EVM reads (ORIGIN, GASPRICE, BLOBHASH). A value, not an object: one is made per
/// transaction (an object each was a twelfth of what a block of plain transfers allocated).
/// </summary>
public readonly record struct TransactionEnvironment
{
    private readonly IReadOnlyList<Hash256>? _blobHashes;

    public required Address Origin { get; init; }

    /// <summary>The effective gas price the sender pays per gas.</summary>
    public required UInt256 GasPrice { get; init; }

    /// <summary>EIP-4844 versioned hashes; empty for other transactions.</summary>
    public IReadOnlyList<Hash256> BlobHashes
    {
        get => _blobHashes ?? [];
        init => _blobHashes = value;
    }
}
