using CsCheck;
using Hyperion.Core;
using Hyperion.Rollup.Fees;

namespace Hyperion.Rollup.Tests;

public class L1FeeTests
{
    // op-geth core/types/rollup_cost_test.go TestFlzCompressLen.
    [Fact]
    public void FastLz_length_matches_op_geth_vectors()
    {
        Assert.Equal(0, FastLz.CompressedLength([]));
        Assert.Equal(21, FastLz.CompressedLength(Enumerable.Repeat((byte)1, 1000).ToArray()));
        Assert.Equal(21, FastLz.CompressedLength(new byte[1000]));
        Assert.Equal(31, FastLz.CompressedLength(Hex.Decode("0xdd80808094095e7baea6a6c7c4c2dfeb977efac326af552d878080808080")));
        Assert.Equal(202, FastLz.CompressedLength(Hex.Decode(
            "0x02f901550a758302df1483be21b88304743f94f80e51afb613d764fa61751affd3313c190a86bb870151bd62fd12adb8" +
            "e41ef24f3f000000000000000000000000000000000000000000000000000000000000006e000000000000000000000000af88d065e77c8c" +
            "c2239327c5edb3a432268e5831000000000000000000000000000000000000000000000000000000000003c1e50000000000000000000000" +
            "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000a0000000" +
            "00000000000000000000000000000000000000000000000000000000148c89ed219d02f1a5be012c689b4f5b731827bebe00000000000000" +
            "0000000000c001a033fd89cb37c31b2cba46b6466e040c61fc9b2a3675a7f5f493ebd5ad77c497f8a07cdf65680e238392693019b4092f61" +
            "0222e71b7cec06449cb922b93b6a12744e")));
    }

    [Fact]
    public void FastLz_length_never_fails() =>
        Gen.Byte.Array[0, 2000].Sample(data => FastLz.CompressedLength(data) >= 0);

    // op-geth rollup_cost_test.go: base fee 1000e6, blob base fee 10e6, scalars 2 and 3, a 30-non-zero-byte transaction.
    private static readonly L1FeeParameters GethParameters = new(new UInt256(1000_000_000), new UInt256(10_000_000), 2, 3);

    [Fact]
    public void Ecotone_fee_matches_op_geth()
    {
        L1Cost cost = L1Fee.Ecotone(Enumerable.Repeat((byte)0xab, 30).ToArray(), GethParameters);
        Assert.Equal(new UInt256(960_900), cost.Fee);
        Assert.Equal(new UInt256(480), cost.GasUsed);
    }

    [Theory]
    [InlineData(100)]
    [InlineData(150)]
    [InlineData(170)]
    public void Fjord_fee_floors_at_the_minimum_size(int fastLzSize)
    {
        var estimated = L1Fee.FjordEstimatedSizeScaled(fastLzSize);
        Assert.Equal(100_000_000, (long)estimated);
        Assert.Equal(new UInt256(3_203_000), FjordCost(fastLzSize, GethParameters).Fee);
        Assert.Equal(new UInt256(1600), FjordCost(fastLzSize, GethParameters).GasUsed);
    }

    [Fact]
    public void Fjord_fee_matches_the_solidity_parity_vector()
    {
        L1Cost cost = FjordCost(235, new L1FeeParameters(new UInt256(2_000_000), new UInt256(3_000_000), 20, 15));
        Assert.Equal(new UInt256(105_484), cost.Fee);
        Assert.Equal(new UInt256(2463), cost.GasUsed);
    }

    [Fact]
    public void Gas_price_oracle_adds_the_signature_for_unsigned_transactions()
    {
        byte[] unsigned = Enumerable.Repeat((byte)0xab, 30).ToArray();
        Assert.Equal(new UInt256(480 + (68 * 16)), L1Fee.EcotoneForUnsigned(unsigned, GethParameters).GasUsed);
        int fastLz = FastLz.CompressedLength(unsigned) + 68;
        Assert.Equal(FjordCost(fastLz, GethParameters), L1Fee.FjordForUnsigned(unsigned, GethParameters));
    }

    private static L1Cost FjordCost(long fastLzSize, L1FeeParameters p) => L1Fee.FjordForFastLzSize(fastLzSize, p);
}
