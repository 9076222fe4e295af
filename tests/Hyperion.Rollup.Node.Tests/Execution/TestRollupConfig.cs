using Hyperion.Core;
using Hyperion.Core.Crypto;
using Hyperion.Rollup.Config;

namespace Hyperion.Rollup.Node.Tests.Execution;

/// <summary>A devnet-like rollup config: every upgrade to Ecotone (optionally Fjord) at genesis, funded accounts.</summary>
internal static class TestRollupConfig
{
    public const ulong GenesisTime = 1_700_000_000;

    public static readonly Address Funded = Address.Parse("0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266");
    public static readonly Address L1Bridge = Address.Parse("0x5fbdb2315678afecb367f032d93f642f64180aa3");
    public static readonly Address VaultRecipient = Address.Parse("0x70997970c51812dc3a010c7d01b50e0d17dc79c8");

    public static RollupConfig Create(bool fjord = false) => new()
    {
        GenesisL1 = new BlockId(Keccak256.Hash([1]), 10),
        GenesisL2 = new BlockId(Keccak256.Hash([2]), 0),
        GenesisL2Time = GenesisTime,
        GenesisSystemConfig = new SystemConfig
        {
            BatcherAddress = Address.Parse("0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc"),
            Scalar = SystemConfig.EncodeEcotoneScalar(1368, 810_949),
            GasLimit = 30_000_000,
        },
        BlockTime = 2,
        MaxSequencerDrift = 600,
        SeqWindowSize = 3600,
        ChannelTimeoutBedrock = 300,
        L1ChainId = 900,
        L2ChainId = 901,
        RegolithTime = 0,
        CanyonTime = 0,
        DeltaTime = 0,
        EcotoneTime = 0,
        FjordTime = fjord ? 0 : null,
        BatchInboxAddress = Address.Parse("0xff00000000000000000000000000000000000901"),
        DepositContractAddress = Address.Parse("0x9fe46736679d2d9a65f0992f2272de9f3c7fa6e0"),
        L1SystemConfigAddress = Address.Parse("0xe7f1725e7734ce288f8367e1bb143e90bb3f0512"),
        Hyperion = new HyperionRollupSettings
        {
            L1StandardBridge = L1Bridge,
            SequencerFeeVaultRecipient = VaultRecipient,
            BaseFeeVaultRecipient = VaultRecipient,
            L1FeeVaultRecipient = VaultRecipient,
            FundedAccounts = new SortedDictionary<Address, UInt256> { [Funded] = UInt256.Parse("10000000000000000000000") },
        },
    };
}
