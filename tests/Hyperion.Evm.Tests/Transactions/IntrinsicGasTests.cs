using Hyperion.Evm.Transactions;

namespace Hyperion.Evm.Tests.Transactions;

public class IntrinsicGasTests
{
    [Fact]
    public void PlainTransferCosts21000() =>
        Assert.Equal(21000, IntrinsicGas.Calculate(Fork.Cancun, [], isCreate: false, 0, 0));

    [Fact]
    public void CalldataZeroAndNonZeroBytes() =>
        Assert.Equal(21000 + 4 + 4 + 16, IntrinsicGas.Calculate(Fork.London, [0, 0, 7], isCreate: false, 0, 0));

    [Fact]
    public void AccessListEntries() =>
        Assert.Equal(21000 + 2400 * 2 + 1900 * 3, IntrinsicGas.Calculate(Fork.Berlin, [], isCreate: false, 2, 3));

    [Fact]
    public void CreationPaysInitCodeWordsFromShanghai()
    {
        byte[] initCode = new byte[33];
        initCode[0] = 1;
        long calldata = 32 * 4 + 16;
        Assert.Equal(53000 + calldata, IntrinsicGas.Calculate(Fork.Paris, initCode, isCreate: true, 0, 0));
        Assert.Equal(53000 + calldata + 2 * 2, IntrinsicGas.Calculate(Fork.Shanghai, initCode, isCreate: true, 0, 0));
    }
}
