using Hyperion.Evm.Precompiles;

namespace Hyperion.Evm.Tests.Precompiles;

/// <summary>EIP-152 test vectors.</summary>
public class Blake2fPrecompileTests
{
    private const string State =
        "48c9bdf267e6096a3ba7ca8485ae67bb2bf894fe72f36e3cf1361d5f3af54fa5d182e6ad7f520e511f6c3e2b8c68059b6bbd41fbabd9831f79217e1319cde05b";

    // Message block "abc" padded with zeros to 128 bytes, then the offset counters t0 = 3, t1 = 0.
    private static readonly string Body = State + "616263" + new string('0', 250) + "0300000000000000" + "0000000000000000";

    private static byte[] Input(string rounds, string final) => Convert.FromHexString(rounds + Body + final);

    [Theory]
    [InlineData("0000000c", "01", "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d17d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923")]
    [InlineData("0000000c", "00", "75ab69d3190a562c51aef8d88f1c2775876944407270c42c9844252c26d2875298743e7f6d5ea2f2d3e8d226039cd31b4e426ac4f2d3d666a610c2116fde4735")]
    [InlineData("00000001", "01", "b63a380cb2897d521994a85234ee2c181b5f844d2c624c002677e9703449d2fba551b3a8333bcdf5f2f7e08993d53923de3d64fcc68c034e717b9293fed7a421")]
    [InlineData("00000000", "01", "08c9bcf367e6096a3ba7ca8485ae67bb2bf894fe72f36e3cf1361d5f3af54fa5d282e6ad7f520e511f6c3e2b8c68059b9442be0454267ce079217e1319cde05b")]
    public void MatchesEip152Vectors(string rounds, string final, string expected)
    {
        byte[] input = Input(rounds, final);
        Assert.Equal(213, input.Length);
        Assert.True(Blake2fPrecompile.TryRun(input, out byte[] output));
        Assert.Equal(expected, Convert.ToHexStringLower(output));
        Assert.Equal(Convert.ToInt64(rounds, 16), Blake2fPrecompile.RequiredGas(input));
    }

    [Fact]
    public void RejectsWrongLengthAndBadFinalFlag()
    {
        byte[] good = Input("0000000c", "01");
        Assert.False(Blake2fPrecompile.TryRun(good.AsSpan(0, 212), out _));
        Assert.False(Blake2fPrecompile.TryRun([.. good, 0], out _));
        Assert.False(Blake2fPrecompile.TryRun([], out _));
        Assert.False(Blake2fPrecompile.TryRun(Input("0000000c", "02"), out _));
        Assert.Equal(0, Blake2fPrecompile.RequiredGas(good.AsSpan(0, 212)));
    }
}
