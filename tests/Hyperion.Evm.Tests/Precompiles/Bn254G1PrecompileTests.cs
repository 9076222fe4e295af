using Hyperion.Evm.Precompiles;

namespace Hyperion.Evm.Tests.Precompiles;

/// <summary>EIP-196 add/mul: known multiples of the generator (1, 2), group-order wrap, and malformed points.</summary>
public class Bn254G1PrecompileTests
{
    private const string Generator =
        "0000000000000000000000000000000000000000000000000000000000000001" +
        "0000000000000000000000000000000000000000000000000000000000000002";

    private const string NegatedGenerator =
        "0000000000000000000000000000000000000000000000000000000000000001" +
        "30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd45";

    private const string TwoG =
        "030644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd3" +
        "15ed738c0e0a7c92e7845f96b2ae9c0a68a6a449e3538fc7ff3ebf7a5a18a2c4";

    private const string GroupOrder = "30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001";
    private const string FieldModulus = "30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd47";
    private static readonly string Zero64 = new('0', 128);

    private static string Add(string hex)
    {
        Assert.True(Bn254AddPrecompile.TryRun(Convert.FromHexString(hex), out byte[] output));
        return Convert.ToHexStringLower(output);
    }

    private static string Mul(string hex)
    {
        Assert.True(Bn254MulPrecompile.TryRun(Convert.FromHexString(hex), out byte[] output));
        return Convert.ToHexStringLower(output);
    }

    [Fact]
    public void GeneratorPlusGeneratorIsTwoG() => Assert.Equal(TwoG, Add(Generator + Generator));

    [Fact]
    public void TwoTimesGeneratorIsTwoG() => Assert.Equal(TwoG, Mul(Generator + new string('0', 62) + "02"));

    [Fact]
    public void ThreeGByAddAndMulAgree() =>
        Assert.Equal(Add(TwoG + Generator), Mul(Generator + new string('0', 62) + "03"));

    [Fact]
    public void PointPlusNegationIsInfinity() => Assert.Equal(Zero64, Add(Generator + NegatedGenerator));

    [Fact]
    public void OrderTimesGeneratorIsInfinity() => Assert.Equal(Zero64, Mul(Generator + GroupOrder));

    [Fact]
    public void OrderMinusOneTimesGeneratorIsNegation() =>
        Assert.Equal(NegatedGenerator, Mul(Generator + "30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000000"));

    [Fact]
    public void EmptyInputIsInfinityPlusInfinity()
    {
        Assert.Equal(Zero64, Add(""));
        Assert.Equal(Zero64, Mul(""));
        Assert.Equal(Generator, Add(Generator));
    }

    [Fact]
    public void LongInputIsTruncated() => Assert.Equal(TwoG, Add(Generator + Generator + "ffff"));

    [Fact]
    public void RejectsPointOffCurve()
    {
        string offCurve = new string('0', 63) + "1" + new string('0', 63) + "3";
        Assert.False(Bn254AddPrecompile.TryRun(Convert.FromHexString(offCurve + Generator), out _));
        Assert.False(Bn254MulPrecompile.TryRun(Convert.FromHexString(offCurve + new string('0', 62) + "02"), out _));
    }

    [Fact]
    public void RejectsCoordinateNotBelowFieldModulus()
    {
        // x = p + 1 is congruent to the valid x = 1 but is not a canonical encoding.
        string xPlusP = "30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd48" + new string('0', 63) + "2";
        Assert.False(Bn254AddPrecompile.TryRun(Convert.FromHexString(xPlusP + Generator), out _));
        Assert.False(Bn254AddPrecompile.TryRun(Convert.FromHexString(FieldModulus + new string('0', 64) + Generator), out _));
    }

    [Fact]
    public void AddsTwoArbitraryPoints() =>
        Assert.Equal(
            "2243525c5efd4b9c3d3c45ac0ca3fe4dd85e830a4ce6b65fa1eeaee202839703301d1d33be6da8e509df21cc35964723180eed7532537db9ae5e7d48f195c915",
            Add("18b18acfb4c2c30276db5411368e7185b311dd124691610c5d3b74034e093dc9063c909c4720840cb5134cb9f59fa749755796819658d32efc0d288198f37266" +
                "07c2b7f58a84bd6145f00c9c2bc0bb1a187f20ff2c92963a88019e7c6a014eed06614e20c147e940f2d70da3f74c9a17df361706a4485c742bd6788478fa17d7"));

    [Fact]
    public void IstanbulGas()
    {
        Assert.Equal(150, Bn254AddPrecompile.RequiredGas([]));
        Assert.Equal(6000, Bn254MulPrecompile.RequiredGas([]));
    }
}
