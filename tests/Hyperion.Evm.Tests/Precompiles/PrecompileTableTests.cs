using Hyperion.Core;
using Hyperion.Evm.Precompiles;

namespace Hyperion.Evm.Tests.Precompiles;

public class PrecompileTableTests
{
    [Fact]
    public void Sha256IsAtAddressTwoWithLinearGas()
    {
        PrecompileTable table = PrecompileTable.ForFork(Fork.Cancun);
        Assert.True(table.TryGet(Address.Parse("0x0000000000000000000000000000000000000002"), out IPrecompile sha));
        Assert.Equal(60 + 12 * 2, sha.RequiredGas(new byte[33]));
        Assert.True(sha.TryRun([], out byte[] output));
        Assert.Equal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", Hex.Encode(output, withPrefix: false));
    }

    [Fact]
    public void IdentityEchoesInput()
    {
        Assert.True(PrecompileTable.ForFork(Fork.Berlin).TryGet(PrecompileTable.AddressOf(4), out IPrecompile identity));
        Assert.Equal(15 + 3, identity.RequiredGas([1, 2, 3]));
        Assert.True(identity.TryRun([1, 2, 3], out byte[] output));
        Assert.Equal(new byte[] { 1, 2, 3 }, output);
    }

    [Fact]
    public void OrdinaryAddressIsNotAPrecompile()
    {
        PrecompileTable table = PrecompileTable.ForFork(Fork.Cancun);
        Assert.False(table.Contains(Address.Parse("0x00000000000000000000000000000000000000ff")));
        Assert.Equal([.. table.Addresses.Order()], table.Addresses);
    }
}
