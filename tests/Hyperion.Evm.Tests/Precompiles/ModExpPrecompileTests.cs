using Hyperion.Evm.Precompiles;

namespace Hyperion.Evm.Tests.Precompiles;

public class ModExpPrecompileTests
{
    private const string SecpPrime = "fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2f";
    private const string SecpPrimeMinus1 = "fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2e";

    private static string Word(ulong value) => value.ToString("x64", System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void Eip198FermatExample()
    {
        byte[] input = Convert.FromHexString(Word(1) + Word(32) + Word(32) + "03" + SecpPrimeMinus1 + SecpPrime);
        Assert.True(ModExpPrecompile.TryRun(input, out byte[] output));
        Assert.Equal(Word(1), Convert.ToHexStringLower(output));
        // EIP-2565: words = 4, complexity 16, iterations 255 -> 16*255/3.
        Assert.Equal(1360, ModExpPrecompile.RequiredGas(input));
    }

    [Fact]
    public void Eip198ZeroBaseExample()
    {
        byte[] input = Convert.FromHexString(Word(0) + Word(32) + Word(32) + SecpPrimeMinus1 + SecpPrime);
        Assert.True(ModExpPrecompile.TryRun(input, out byte[] output));
        Assert.Equal(Word(0), Convert.ToHexStringLower(output));
    }

    [Fact]
    public void ShortInputIsZeroPaddedAndOutputHasModulusLength()
    {
        // base 2, exp 10, mod 1000 (3 bytes, last byte missing -> 0x03e800 = 256000): 1024 mod 256000.
        byte[] input = Convert.FromHexString(Word(1) + Word(1) + Word(3) + "02" + "0a" + "03e8");
        Assert.True(ModExpPrecompile.TryRun(input, out byte[] output));
        Assert.Equal("000400", Convert.ToHexStringLower(output));
        Assert.Equal(200, ModExpPrecompile.RequiredGas(input));
    }

    [Fact]
    public void ZeroModulusGivesZeros()
    {
        byte[] input = Convert.FromHexString(Word(1) + Word(1) + Word(2) + "05" + "03" + "0000");
        Assert.True(ModExpPrecompile.TryRun(input, out byte[] output));
        Assert.Equal("0000", Convert.ToHexStringLower(output));
    }

    [Fact]
    public void ZeroLengthModulusGivesEmptyOutputWithoutAllocatingExponent()
    {
        // Exponent length is astronomically large, but with base and modulus empty the complexity is zero.
        byte[] input = Convert.FromHexString(Word(0) + new string('f', 64) + Word(0));
        Assert.Equal(200, ModExpPrecompile.RequiredGas(input));
        Assert.True(ModExpPrecompile.TryRun(input, out byte[] output));
        Assert.Empty(output);
    }

    [Fact]
    public void HugeLengthsSaturateGas()
    {
        Assert.Equal(long.MaxValue, ModExpPrecompile.RequiredGas(Convert.FromHexString(new string('f', 64) + Word(0) + Word(1))));
        Assert.Equal(long.MaxValue, ModExpPrecompile.RequiredGas(Convert.FromHexString(Word(1) + Word(0) + new string('f', 64))));
        Assert.Equal(long.MaxValue, ModExpPrecompile.RequiredGas(Convert.FromHexString(Word(1) + new string('f', 64) + Word(1) + "ff")));
    }

    [Fact]
    public void LargeExponentIterationCount()
    {
        // exp_len 64 with head 0x01 followed by zeros: iterations = 8*(64-32) + (bitlen(head)-1) = 256 + 248.
        string exponent = "01" + new string('0', 126);
        byte[] input = Convert.FromHexString(Word(32) + Word(64) + Word(32) + Word(3) + exponent + SecpPrime);
        Assert.Equal(16 * (256 + 248) / 3, ModExpPrecompile.RequiredGas(input));
    }

    [Fact]
    public void EmptyInputIsMinimumGasAndEmptyOutput()
    {
        Assert.Equal(200, ModExpPrecompile.RequiredGas([]));
        Assert.True(ModExpPrecompile.TryRun([], out byte[] output));
        Assert.Empty(output);
    }
}
