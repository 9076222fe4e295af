using Hyperion.Core;
using Hyperion.Core.Crypto;
using Hyperion.Evm.Precompiles;

namespace Hyperion.Evm.Tests.Precompiles;

public class EcRecoverPrecompileTests
{
    // go-ethereum's ValidKey vector: hash ‖ v=28 ‖ r ‖ s.
    private const string Hash = "456e9aea5e197a1f1af7a3e85a3212fa4049a3ba34c2289b4c860fc0b0c64ef3";
    private const string R = "9242685bf161793cc25603c231bc2f568eb630ea16aa137d2664ac8038825608";
    private const string S = "4f8ae3bd7535248d0bd448298cc2e2071e56992d0774dc340c368ae950852ada";
    private const string Signer = "0000000000000000000000007156526fbd7a3c72969b54f64e42c10fbb768c8a";

    private static byte[] Input(string v, string r = R, string s = S, string hash = Hash) =>
        Convert.FromHexString(hash + v.PadLeft(64, '0') + r + s);

    private static byte[] Run(byte[] input)
    {
        Assert.True(EcRecoverPrecompile.TryRun(input, out byte[] output));
        return output;
    }

    [Fact]
    public void Recovers_the_signer_left_padded_to_a_word() =>
        Assert.Equal(Signer, Convert.ToHexStringLower(Run(Input("1c"))));

    [Fact]
    public void Gas_is_3000_whatever_the_input()
    {
        Assert.Equal(3000, EcRecoverPrecompile.RequiredGas([]));
        Assert.Equal(3000, EcRecoverPrecompile.RequiredGas(new byte[128]));
        Assert.Equal(3000, EcRecoverPrecompile.RequiredGas(new byte[10_000]));
    }

    [Fact]
    public void Is_registered_at_0x01()
    {
        Assert.True(PrecompileTable.ForFork(Fork.Berlin).TryGet(PrecompileTable.AddressOf(1), out IPrecompile ecrecover));
        Assert.Equal(3000, ecrecover.RequiredGas([]));
        Assert.True(ecrecover.TryRun(Input("1c"), out byte[] output));
        Assert.Equal(Signer, Convert.ToHexStringLower(output));
    }

    [Fact]
    public void V_27_recovers_the_other_key()
    {
        byte[] output = Run(Input("1b"));
        Assert.Equal(32, output.Length);
        Assert.Equal(new byte[12], output[..12]);
        Assert.NotEqual(Signer, Convert.ToHexStringLower(output));
    }

    [Theory]
    [InlineData("00")]
    [InlineData("01")]
    [InlineData("1a")]
    [InlineData("1d")]
    [InlineData("ff")]
    [InlineData("011c")] // 28 + 256: low byte right, high bytes not zero
    [InlineData("1c00000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("010000000000000000000000000000000000000000000000000000000000001c")]
    public void V_other_than_27_or_28_gives_empty_success(string v) => Assert.Empty(Run(Input(v)));

    [Theory]
    [InlineData("0000000000000000000000000000000000000000000000000000000000000000", S)]
    [InlineData(R, "0000000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141", S)] // r = n
    [InlineData(R, "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141")] // s = n
    [InlineData(R, "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff")]
    [InlineData("0000000000000000000000000000000000000000000000000000000000000005", S)] // not an x coordinate
    public void Out_of_range_r_or_s_gives_empty_success(string r, string s) =>
        Assert.Empty(Run(Input("1c", r, s)));

    [Fact]
    public void High_s_is_accepted_unlike_transactions()
    {
        UInt256 highS = Secp256k1.CurveOrder - UInt256.Parse("0x" + S);
        byte[] output = Run(Input("1b", s: Convert.ToHexStringLower(highS.ToBigEndian())));
        Assert.Equal(Signer, Convert.ToHexStringLower(output));
    }

    [Fact]
    public void Input_beyond_128_bytes_is_ignored() =>
        Assert.Equal(Signer, Convert.ToHexStringLower(Run([.. Input("1c"), 1, 2, 3, .. new byte[100]])));

    [Fact]
    public void Short_input_is_zero_padded()
    {
        Assert.Empty(Run([]));
        Assert.Empty(Run(Input("1c")[..64])); // r and s are zero
        Assert.Empty(Run(Input("1c")[..96])); // s is zero
        Assert.Equal(32, Run(Input("1c")[..100]).Length); // s = its first 4 bytes, then zeros: still a valid value

        // Dropping a trailing zero byte of s must give the same result as sending it.
        byte[] full = Input("1c", s: S[..62] + "00");
        Assert.Equal(Run(full), Run(full[..127]));
        Assert.Equal(32, Run(full).Length);
    }

    [Fact]
    public void Round_trips_a_signature_made_here()
    {
        byte[] key = Convert.FromHexString("ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80");
        byte[] hash = Keccak256.Hash("hyperion"u8).ToArray();
        EcdsaSignature signature = Secp256k1.Sign(hash, key);
        byte[] input = [.. hash, .. new UInt256((ulong)(27 + signature.RecoveryId)).ToBigEndian(), .. signature.R.ToBigEndian(), .. signature.S.ToBigEndian()];
        Assert.Equal("000000000000000000000000f39fd6e51aad88f6f4ce6ab8827279cfffb92266", Convert.ToHexStringLower(Run(input)));
    }
}
