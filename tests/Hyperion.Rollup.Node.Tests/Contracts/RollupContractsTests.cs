using Hyperion.Core;
using Hyperion.Rollup.Node.Contracts;

namespace Hyperion.Rollup.Node.Tests.Contracts;

public class RollupContractsTests
{
    [Theory]
    [InlineData("OptimismPortal")]
    [InlineData("SystemConfig")]
    [InlineData("L1StandardBridge")]
    [InlineData("L1Block")]
    [InlineData("GasPriceOracle")]
    [InlineData("SequencerFeeVault")]
    [InlineData("BaseFeeVault")]
    [InlineData("L1FeeVault")]
    [InlineData("L2StandardBridge")]
    [InlineData("OptimismMintableERC20Factory")]
    [InlineData("OptimismMintableERC20")]
    [InlineData("L2OutputOracle")]
    [InlineData("L2ToL1MessagePasser")]
    [InlineData("L1CrossDomainMessenger")]
    [InlineData("L2CrossDomainMessenger")]
    public void Every_rollup_contract_has_abi_and_code(string name)
    {
        RollupContract contract = RollupContracts.Get(name);
        Assert.StartsWith("[", contract.Abi, StringComparison.Ordinal);
        Assert.True(contract.CreationBytecode.Length > contract.RuntimeBytecode.Length);
        Assert.True(contract.RuntimeBytecode.Length > 0);
    }

    [Fact]
    public void Unknown_name_is_a_clear_error()
    {
        KeyNotFoundException e = Assert.Throws<KeyNotFoundException>(() => RollupContracts.Get("NoSuchContract"));
        Assert.Contains("L1Block", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Immutables_are_written_at_every_reference()
    {
        RollupContract vault = RollupContracts.Get("SequencerFeeVault");
        Assert.Equal(["MIN_WITHDRAWAL_AMOUNT", "RECIPIENT"], vault.Immutables.Keys.Order(StringComparer.Ordinal));
        var recipient = Address.Parse("0x1111111111111111111111111111111111111111");
        byte[] code = vault.RuntimeBytecodeWith(new Dictionary<string, UInt256>
        {
            ["RECIPIENT"] = UInt256.FromBigEndian(recipient.Bytes),
            ["MIN_WITHDRAWAL_AMOUNT"] = 7,
        });
        Assert.Equal(vault.RuntimeBytecode.Length, code.Length);
        foreach (ImmutableReference r in vault.Immutables["RECIPIENT"])
        {
            Assert.True(code.AsSpan(r.Start + 12, 20).SequenceEqual(recipient.Bytes));
        }

        foreach (ImmutableReference r in vault.Immutables["MIN_WITHDRAWAL_AMOUNT"])
        {
            Assert.Equal(7, code[r.Start + 31]);
            Assert.True(vault.RuntimeBytecode.Span.Slice(r.Start, r.Length).IndexOfAnyExcept((byte)0) < 0);
        }

        Assert.Throws<ArgumentException>(() => vault.RuntimeBytecodeWith(new Dictionary<string, UInt256> { ["RECIPIENT"] = 1 }));
        Assert.Throws<ArgumentException>(() => vault.RuntimeBytecodeWith(new Dictionary<string, UInt256> { ["RECIPIENT"] = 1, ["MIN_WITHDRAWAL_AMOUNT"] = 1, ["X"] = 1 }));
    }
}
