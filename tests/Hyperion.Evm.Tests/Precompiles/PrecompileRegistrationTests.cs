using Hyperion.Evm.Precompiles;

namespace Hyperion.Evm.Tests.Precompiles;

public class PrecompileRegistrationTests
{
    [Theory]
    [InlineData(3, 600)]
    [InlineData(5, 200)]
    [InlineData(6, 150)]
    [InlineData(7, 6000)]
    [InlineData(8, 45000)]
    [InlineData(9, 0)]
    public void RegisteredAtTheirAddressWithTheirGasRule(byte index, long gasForEmptyInput)
    {
        Assert.True(PrecompileTable.ForFork(Fork.Cancun).TryGet(PrecompileTable.AddressOf(index), out IPrecompile precompile));
        Assert.Equal(gasForEmptyInput, precompile.RequiredGas([]));
    }

    [Fact]
    public void Blake2fThroughTheTableRejectsMalformedInput()
    {
        Assert.True(PrecompileTable.ForFork(Fork.Cancun).TryGet(PrecompileTable.AddressOf(9), out IPrecompile blake2f));
        Assert.False(blake2f.TryRun(new byte[5], out _));
    }
}
