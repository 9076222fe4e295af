using System.Text;
using Hyperion.Evm.Precompiles;
using Hyperion.Evm.Precompiles.Hashing;

namespace Hyperion.Evm.Tests.Precompiles;

public class HashPrecompileTests
{
    [Theory]
    [InlineData("", "9c1185a5c5e9fc54612808977ee8f548b2258d31")]
    [InlineData("a", "0bdc9d2d256b3ee9daae347be6f4dc835a467ffe")]
    [InlineData("abc", "8eb208f7e05d987a9b044a8e98c6b087f15a0bfc")]
    [InlineData("message digest", "5d0689ef49d2fae572b881b123a85ffa21595f36")]
    [InlineData("abcdefghijklmnopqrstuvwxyz", "f71c27109c692c1b56bbdceb5b9d2865b3708dbc")]
    [InlineData("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "12a053384a9c0c88e405a06c27dcf49ada62eb2b")]
    public void Ripemd160MatchesReferenceVectors(string message, string expected)
    {
        Span<byte> digest = stackalloc byte[20];
        Ripemd160.HashData(Encoding.ASCII.GetBytes(message), digest);
        Assert.Equal(expected, Convert.ToHexStringLower(digest));
    }

    [Fact]
    public void Ripemd160MillionA()
    {
        Span<byte> digest = stackalloc byte[20];
        Ripemd160.HashData(Enumerable.Repeat((byte)'a', 1_000_000).ToArray(), digest);
        Assert.Equal("52783243c1697bdbe16d37f97f68f08325dc1528", Convert.ToHexStringLower(digest));
    }

    [Fact]
    public void Ripemd160PrecompileLeftPadsAndPrices()
    {
        Assert.True(Ripemd160Precompile.TryRun("abc"u8, out byte[] output));
        Assert.Equal("0000000000000000000000008eb208f7e05d987a9b044a8e98c6b087f15a0bfc", Convert.ToHexStringLower(output));
        Assert.Equal(600, Ripemd160Precompile.RequiredGas([]));
        Assert.Equal(720, Ripemd160Precompile.RequiredGas(new byte[32]));
        Assert.Equal(840, Ripemd160Precompile.RequiredGas(new byte[33]));
    }

    [Fact]
    public void Sha256PrecompileHashesAndPrices()
    {
        Assert.True(Sha256Precompile.TryRun("abc"u8, out byte[] output));
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", Convert.ToHexStringLower(output));
        Assert.True(Sha256Precompile.TryRun([], out output));
        Assert.Equal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", Convert.ToHexStringLower(output));
        Assert.Equal(60, Sha256Precompile.RequiredGas([]));
        Assert.Equal(72, Sha256Precompile.RequiredGas(new byte[1]));
        Assert.Equal(84, Sha256Precompile.RequiredGas(new byte[64]));
    }

    [Fact]
    public void IdentityCopiesAndPrices()
    {
        byte[] input = [1, 2, 3];
        Assert.True(IdentityPrecompile.TryRun(input, out byte[] output));
        Assert.Equal(input, output);
        Assert.NotSame(input, output);
        Assert.Equal(15, IdentityPrecompile.RequiredGas([]));
        Assert.Equal(18, IdentityPrecompile.RequiredGas(input));
        Assert.Equal(21, IdentityPrecompile.RequiredGas(new byte[33]));
    }
}
