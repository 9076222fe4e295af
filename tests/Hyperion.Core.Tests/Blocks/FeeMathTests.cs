using Hyperion.Core.Blocks;

namespace Hyperion.Core.Tests.Blocks;

/// <summary>EIP-1559 and EIP-4844 fee math; expected values come from the EIPs' integer pseudocode.</summary>
public class FeeMathTests
{
    [Theory]
    [InlineData(30_000_000UL, 15_000_000UL, 1_000_000_000UL, 1_000_000_000UL)] // at target: unchanged
    [InlineData(30_000_000UL, 30_000_000UL, 1_000_000_000UL, 1_125_000_000UL)] // full block: +12.5 %
    [InlineData(30_000_000UL, 0UL, 1_000_000_000UL, 875_000_000UL)] // empty block: -12.5 %
    [InlineData(30_000_000UL, 15_000_001UL, 7UL, 8UL)] // tiny increase is at least 1
    [InlineData(30_000_000UL, 14_000_000UL, 1000UL, 992UL)]
    public void NextBaseFee(ulong gasLimit, ulong gasUsed, ulong baseFee, ulong expected) =>
        Assert.Equal((UInt256)expected, BaseFee.Next(gasLimit, gasUsed, baseFee));

    [Fact]
    public void NextBaseFeeUsesFull256BitProducts() =>
        Assert.Equal(UInt256.Parse("104166666666666666666"), BaseFee.Next(30_000_000, 20_000_000, UInt256.Parse("100000000000000000000")));

    [Fact]
    public void FirstLondonBlockGetsTheInitialBaseFee()
    {
        var preLondon = new BlockHeader { ParentHash = Hash256.Zero, GasLimit = 30_000_000, GasUsed = 30_000_000 };
        Assert.Equal((UInt256)1_000_000_000UL, BaseFee.Next(preLondon));
        var london = new BlockHeader { ParentHash = Hash256.Zero, GasLimit = 30_000_000, GasUsed = 0, BaseFeePerGas = 1000 };
        Assert.Equal((UInt256)875UL, BaseFee.Next(london));
    }

    [Theory]
    [InlineData(0UL, "1")]
    [InlineData(1UL, "1")]
    [InlineData(3_338_477UL, "2")]
    [InlineData(6_676_954UL, "7")]
    [InlineData(10_000_000UL, "19")]
    [InlineData(39_321_600UL, "130392")]
    [InlineData(100_000_000UL, "10203769476395")]
    public void BlobBaseFeeFromExcessBlobGas(ulong excess, string expected) =>
        Assert.Equal(UInt256.Parse(expected), BlobGas.BaseFeePerBlobGas(excess, BlobSchedule.Cancun));

    [Fact]
    public void PragueScheduleUsesItsOwnUpdateFraction() =>
        Assert.Equal((UInt256)20UL, BlobGas.BaseFeePerBlobGas(5_007_716 * 3, BlobSchedule.Prague));

    [Fact]
    public void BlobBaseFeeBeyond256BitsIsReportedNotWrapped()
    {
        // fake_exponential(1, 600_000_000, 3338477) ≈ 1.13e78 > 2^256.
        Assert.False(BlobGas.TryFakeExponential(1, 600_000_000, 3_338_477, out _));
        Assert.Throws<InvalidOperationException>(() => BlobGas.BaseFeePerBlobGas(600_000_000, BlobSchedule.Cancun));
    }

    [Theory]
    [InlineData(0UL, 0UL, 0UL)]
    [InlineData(0UL, 393_216UL, 0UL)] // at target
    [InlineData(0UL, 786_432UL, 393_216UL)] // six blobs: one target's worth of excess
    [InlineData(393_216UL, 131_072UL, 131_072UL)]
    [InlineData(100_000UL, 131_072UL, 0UL)] // below target: back to zero
    public void NextExcessBlobGas(ulong parentExcess, ulong parentUsed, ulong expected) =>
        Assert.Equal(expected, BlobGas.NextExcessBlobGas(parentExcess, parentUsed, BlobSchedule.Cancun));

    [Fact]
    public void ScheduleConstants()
    {
        Assert.Equal(393_216UL, BlobSchedule.Cancun.TargetBlobGasPerBlock);
        Assert.Equal(786_432UL, BlobSchedule.Cancun.MaxBlobGasPerBlock);
        Assert.Equal(131_072UL, BlobGas.GasPerBlob);
    }
}
