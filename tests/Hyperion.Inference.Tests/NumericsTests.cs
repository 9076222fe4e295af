using CsCheck;
using Hyperion.Inference.Numerics;

namespace Hyperion.Inference.Tests;

public class NumericsTests
{
    [Fact]
    public void Rng_matches_xorshift64star_reference_values()
    {
        // Values computed independently (Python big-int reference of xorshift64* with seed 42).
        var rng = new DeterministicRng(42);
        Assert.Equal(0x56ce4ab7719ba3a0UL, rng.NextUInt64());
        Assert.Equal(0xc841eb53ebbb2ddaUL, rng.NextUInt64());
        Assert.Equal(0xca466be0c9980276UL, rng.NextUInt64());
    }

    [Fact]
    public void Rng_zero_seed_does_not_stick_at_zero()
    {
        var rng = new DeterministicRng(0);
        Assert.NotEqual(0UL, rng.NextUInt64());
    }

    [Theory]
    [InlineData("1", 65536)]
    [InlineData("0.5", 32768)]
    [InlineData(".25", 16384)]
    [InlineData("2.", 131072)]
    [InlineData("0.9", 58982)] // 0.9 * 65536 = 58982.4
    [InlineData("0.95", 62259)] // 62259.2
    [InlineData("0.00000762939453125", 1)] // exactly 2^-17: half rounds up
    [InlineData("0.00000762939453124999999", 0)] // just below half, digits past the 18th ignored safely
    [InlineData("0.000007629394531250001", 1)]
    [InlineData("32767.99999", 2147483647)]
    public void ParseDecimalQ16_rounds_half_up_exactly(string text, int expected) =>
        Assert.Equal(expected, FixedPoint.ParseDecimalQ16(text));

    [Theory]
    [InlineData("")]
    [InlineData(".")]
    [InlineData("-1")]
    [InlineData("1e3")]
    [InlineData("1.2.3")]
    [InlineData("32768")]
    [InlineData("0,5")]
    public void ParseDecimalQ16_rejects_malformed(string text) =>
        Assert.Throws<FormatException>(() => FixedPoint.ParseDecimalQ16(text));

    [Fact]
    public void FormatQ16_then_parse_roundtrips() =>
        Gen.Int[0, int.MaxValue].Sample(v => Assert.Equal(v, FixedPoint.ParseDecimalQ16(FixedPoint.FormatQ16(v))));

    [Fact]
    public void IntegerSqrt_is_floor_sqrt() =>
        Gen.ULong.Sample(v =>
        {
            ulong r = FixedPoint.IntegerSqrt(v);
            Assert.True((UInt128)r * r <= v);
            Assert.True((UInt128)(r + 1) * (r + 1) > v);
        });
}
