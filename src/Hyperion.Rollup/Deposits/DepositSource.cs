using System.Buffers.Binary;
using System.Text;
using Hyperion.Core;
using Hyperion.Core.Crypto;

namespace Hyperion.Rollup.Deposits;

/// <summary>
/// The source hash of a deposit transaction (deposits.md "Source hash computation"):
/// <c>keccak256(bytes32(uint256(domain)) ++ keccak256(domain-specific input))</c>. Distinct domains keep deposits of
/// different kinds from ever colliding.
/// </summary>
public static class DepositSource
{
    /// <summary>Domain 0: a user deposit, from the L1 block hash and the log index of its TransactionDeposited event.</summary>
    public const byte UserDepositDomain = 0;

    /// <summary>Domain 1: the L1 attributes deposit, from the L1 origin's hash and the L2 block's sequence number.</summary>
    public const byte L1InfoDepositDomain = 1;

    /// <summary>Domain 2: a network-upgrade deposit, from a human-readable intent string.</summary>
    public const byte UpgradeDepositDomain = 2;

    /// <summary>Source hash of the user deposit emitted at <paramref name="logIndex"/> (index of the log in the whole L1 block).</summary>
    public static Hash256 UserDeposit(in Hash256 l1BlockHash, ulong logIndex) => HashWithCounter(UserDepositDomain, l1BlockHash, logIndex);

    /// <summary>Source hash of the L1 attributes deposit of the L2 block that is <paramref name="sequenceNumber"/> blocks into its epoch.</summary>
    public static Hash256 L1InfoDeposit(in Hash256 l1BlockHash, ulong sequenceNumber) => HashWithCounter(L1InfoDepositDomain, l1BlockHash, sequenceNumber);

    /// <summary>Source hash of an upgrade deposit identified by <paramref name="intent"/> (e.g. "Ecotone: L1 Block Deployment").</summary>
    public static Hash256 Upgrade(string intent)
    {
        ArgumentNullException.ThrowIfNull(intent);
        return WithDomain(UpgradeDepositDomain, Keccak256.Hash(Encoding.UTF8.GetBytes(intent)));
    }

    private static Hash256 HashWithCounter(byte domain, in Hash256 l1BlockHash, ulong counter)
    {
        Span<byte> input = stackalloc byte[64];
        l1BlockHash.CopyTo(input);
        BinaryPrimitives.WriteUInt64BigEndian(input[56..], counter);
        return WithDomain(domain, Keccak256.Hash(input));
    }

    private static Hash256 WithDomain(byte domain, in Hash256 inner)
    {
        Span<byte> outer = stackalloc byte[64];
        outer[31] = domain;
        inner.CopyTo(outer[32..]);
        return Keccak256.Hash(outer);
    }
}
