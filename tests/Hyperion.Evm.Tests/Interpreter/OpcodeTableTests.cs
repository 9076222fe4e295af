using Hyperion.Evm.Interpreter;

namespace Hyperion.Evm.Tests.Interpreter;

public class OpcodeTableTests
{
    [Fact]
    public void Push0ExistsFromShanghai()
    {
        Assert.False(OpcodeTable.For(Fork.Paris)[(byte)Opcode.PUSH0].Defined);
        Assert.True(OpcodeTable.For(Fork.Shanghai)[(byte)Opcode.PUSH0].Defined);
    }

    [Theory]
    [InlineData(Opcode.TLOAD)]
    [InlineData(Opcode.TSTORE)]
    [InlineData(Opcode.MCOPY)]
    [InlineData(Opcode.BLOBHASH)]
    [InlineData(Opcode.BLOBBASEFEE)]
    public void CancunOpcodesExistOnlyInCancun(Opcode op)
    {
        Assert.False(OpcodeTable.For(Fork.Shanghai)[(byte)op].Defined);
        Assert.True(OpcodeTable.For(Fork.Cancun)[(byte)op].Defined);
    }

    [Fact]
    public void BaseFeeFromLondon()
    {
        Assert.False(OpcodeTable.For(Fork.Berlin)[(byte)Opcode.BASEFEE].Defined);
        Assert.True(OpcodeTable.For(Fork.London)[(byte)Opcode.BASEFEE].Defined);
    }

    [Fact]
    public void NamesAndStackShapes()
    {
        ReadOnlySpan<OpcodeInfo> table = OpcodeTable.For(Fork.Cancun);
        Assert.Equal("PUSH32", table[0x7f].Name);
        Assert.Equal("SWAP16", table[0x9f].Name);
        Assert.Equal(17, table[0x9f].Pops);
        Assert.Equal(17, table[0x8f].Pushes);
        Assert.Equal(375 + (4 * 375), table[(byte)Opcode.LOG4].StaticGas);
        Assert.Equal("opcode 0x0c", OpcodeTable.NameOf(0x0c));
        Assert.False(table[(byte)Opcode.INVALID].Defined);
        Assert.Equal("DIFFICULTY", OpcodeTable.For(Fork.London)[0x44].Name);
        Assert.Equal("PREVRANDAO", table[0x44].Name);
    }

    [Fact]
    public void StackBoundsFollowFromPopsAndPushes()
    {
        Assert.Equal(1023, OpcodeTable.For(Fork.Cancun)[(byte)Opcode.PUSH1].MaxStackBefore);
        Assert.Equal(1024, OpcodeTable.For(Fork.Cancun)[(byte)Opcode.ADD].MaxStackBefore);
    }
}
