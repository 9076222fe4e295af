using Hyperion.Core;

namespace Hyperion.Rollup.Config;

/// <summary>
/// What a Hyperion verifier needs beyond op-node's rollup.json to build the L2 genesis and execute L2 blocks (on OP
/// chains this lives in the L2 genesis file and chain config): the <c>"hyperion"</c> section of rollup.json, ignored by
/// OP tools. Defaults are OP mainnet's where OP has a value.
/// </summary>
public sealed record HyperionRollupSettings
{
    /// <summary>OP mainnet's EIP-1559 elasticity, denominator and Canyon's denominator.</summary>
    public const ulong DefaultEip1559Elasticity = 6;
    public const ulong DefaultEip1559Denominator = 50;
    public const ulong DefaultEip1559DenominatorCanyon = 250;

    /// <summary>The L2 genesis block's base fee (1 gwei, op-geth's genesis default).</summary>
    public UInt256 GenesisBaseFee { get; init; } = 1_000_000_000UL;

    /// <summary>The L1 standard bridge, the L2 standard bridge's OTHER_BRIDGE (an immutable set at genesis).</summary>
    public Address L1StandardBridge { get; init; }

    /// <summary>The L1 cross-domain messenger, the L2 messenger's OTHER_MESSENGER (an immutable set at genesis).</summary>
    public Address L1CrossDomainMessenger { get; init; }

    /// <summary>Where each fee vault pays out (its immutable RECIPIENT).</summary>
    public Address SequencerFeeVaultRecipient { get; init; }

    public Address BaseFeeVaultRecipient { get; init; }

    public Address L1FeeVaultRecipient { get; init; }

    /// <summary>The fee vaults' minimum withdrawal (their immutable MIN_WITHDRAWAL_AMOUNT), in wei.</summary>
    public UInt256 FeeVaultMinimumWithdrawal { get; init; }

    public ulong Eip1559Elasticity { get; init; } = DefaultEip1559Elasticity;

    public ulong Eip1559Denominator { get; init; } = DefaultEip1559Denominator;

    public ulong Eip1559DenominatorCanyon { get; init; } = DefaultEip1559DenominatorCanyon;

    /// <summary>Accounts funded in the L2 genesis (address → wei), e.g. the devnet's.</summary>
    public IReadOnlyDictionary<Address, UInt256> FundedAccounts { get; init; } = new SortedDictionary<Address, UInt256>();

    /// <summary>Structural equality (the record's default compares the dictionary by reference).</summary>
    public bool Equals(HyperionRollupSettings? other) =>
        other is not null && GenesisBaseFee == other.GenesisBaseFee && L1StandardBridge == other.L1StandardBridge &&
        L1CrossDomainMessenger == other.L1CrossDomainMessenger &&
        SequencerFeeVaultRecipient == other.SequencerFeeVaultRecipient && BaseFeeVaultRecipient == other.BaseFeeVaultRecipient &&
        L1FeeVaultRecipient == other.L1FeeVaultRecipient && FeeVaultMinimumWithdrawal == other.FeeVaultMinimumWithdrawal &&
        Eip1559Elasticity == other.Eip1559Elasticity && Eip1559Denominator == other.Eip1559Denominator &&
        Eip1559DenominatorCanyon == other.Eip1559DenominatorCanyon &&
        FundedAccounts.Count == other.FundedAccounts.Count &&
        FundedAccounts.All(a => other.FundedAccounts.TryGetValue(a.Key, out UInt256 v) && v == a.Value);

    public override int GetHashCode() => HashCode.Combine(L1StandardBridge, SequencerFeeVaultRecipient, Eip1559Denominator, FundedAccounts.Count);
}
