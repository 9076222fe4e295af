using Hyperion.Core;
using Hyperion.Rollup.Config;

namespace Hyperion.Rollup.Tests;

internal static class TestConfig
{
    public static readonly RollupConfig Default = new()
    {
        GenesisL1 = new BlockId(Hash256.Parse("0x1000000000000000000000000000000000000000000000000000000000000001"), 100),
        GenesisL2 = new BlockId(Hash256.Parse("0x2000000000000000000000000000000000000000000000000000000000000002"), 0),
        GenesisL2Time = 1_700_000_000,
        GenesisSystemConfig = new SystemConfig
        {
            BatcherAddress = Address.Parse("0x3000000000000000000000000000000000000003"),
            Scalar = Hash256.Parse("0x010000000000000000000000000000000000000000000000000c5fc500000558"),
            GasLimit = 30_000_000,
        },
        BlockTime = 2,
        MaxSequencerDrift = 600,
        SeqWindowSize = 10,
        ChannelTimeoutBedrock = 5,
        L1ChainId = 900,
        L2ChainId = Gens.ChainId,
        RegolithTime = 0,
        CanyonTime = 0,
        DeltaTime = 0,
        EcotoneTime = 0,
        FjordTime = 0,
        BatchInboxAddress = Address.Parse("0xff00000000000000000000000000000000000901"),
        DepositContractAddress = Address.Parse("0x4000000000000000000000000000000000000004"),
        L1SystemConfigAddress = Address.Parse("0x5000000000000000000000000000000000000005"),
    };
}
