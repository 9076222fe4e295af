using Hyperion.Core;

namespace Hyperion.Rollup;

/// <summary>OP-stack L2 predeploy and system addresses (predeploys.md), at the same addresses as on OP chains.</summary>
public static class Predeploys
{
    /// <summary>The sender of the L1 attributes deposit (deposits.md "L1 Attributes Depositor Account").</summary>
    public static readonly Address L1AttributesDepositor = Address.Parse("0xdeaddeaddeaddeaddeaddeaddeaddeaddead0001");

    public static readonly Address WrappedEther = Address.Parse("0x4200000000000000000000000000000000000006");
    public static readonly Address L2CrossDomainMessenger = Address.Parse("0x4200000000000000000000000000000000000007");
    public static readonly Address GasPriceOracle = Address.Parse("0x420000000000000000000000000000000000000f");
    public static readonly Address L2StandardBridge = Address.Parse("0x4200000000000000000000000000000000000010");
    public static readonly Address SequencerFeeVault = Address.Parse("0x4200000000000000000000000000000000000011");
    public static readonly Address OptimismMintableErc20Factory = Address.Parse("0x4200000000000000000000000000000000000012");
    public static readonly Address L1Block = Address.Parse("0x4200000000000000000000000000000000000015");
    public static readonly Address L2ToL1MessagePasser = Address.Parse("0x4200000000000000000000000000000000000016");
    public static readonly Address BaseFeeVault = Address.Parse("0x4200000000000000000000000000000000000019");
    public static readonly Address L1FeeVault = Address.Parse("0x420000000000000000000000000000000000001a");
}
