using System.Globalization;
using System.Numerics;
using System.Security.Cryptography;
using System.Text;
using CsCheck;
using Hyperion.Core.Crypto;

namespace Hyperion.Core.Tests.Crypto;

public class Secp256k1Tests
{
    private static readonly BigInteger N = BigInteger.Parse("0FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141", NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    private static readonly Gen<byte[]> PrivateKey = Gen.Byte.Array[32].Where(k => Secp256k1.IsValidPrivateKey(k));

    [Fact]
    public void Curve_constants_match_n()
    {
        Assert.Equal(N, Secp256k1.CurveOrder.ToBigInteger());
        Assert.Equal(N / 2, Secp256k1.HalfCurveOrder.ToBigInteger());
    }

    [Fact]
    public void Anvil_key_0_gives_its_address()
    {
        byte[] key = Hex.Decode("0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80");
        Assert.Equal("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266", Secp256k1.AddressFromPrivateKey(key).ToChecksumString());
    }

    [Fact]
    public void Key_one_gives_the_generator()
    {
        byte[] key = new byte[32];
        key[31] = 1;
        Span<byte> compressed = stackalloc byte[33];
        Secp256k1.CompressedPublicKeyFromPrivateKey(key, compressed);
        Assert.Equal("0x0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798", Hex.Encode(compressed));

        Span<byte> uncompressed = stackalloc byte[64];
        Secp256k1.PublicKeyFromPrivateKey(key, uncompressed);
        Assert.Equal("0x79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8", Hex.Encode(uncompressed));
        // The address of the generator point is a well-known constant.
        Assert.Equal(Address.Parse("0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf"), Secp256k1.AddressFromPublicKey(uncompressed));
    }

    [Fact]
    public void Recovers_the_go_ethereum_ecrecover_vector()
    {
        byte[] hash = Hex.Decode("0x456e9aea5e197a1f1af7a3e85a3212fa4049a3ba34c2289b4c860fc0b0c64ef3");
        byte[] r = Hex.Decode("0x9242685bf161793cc25603c231bc2f568eb630ea16aa137d2664ac8038825608");
        byte[] s = Hex.Decode("0x4f8ae3bd7535248d0bd448298cc2e2071e56992d0774dc340c368ae950852ada");
        Assert.True(Secp256k1.TryRecoverAddress(hash, r, s, 1, out Address address));
        Assert.Equal(Address.Parse("0x7156526fbd7a3c72969b54f64e42c10fbb768c8a"), address);

        // The other recovery id gives a different (valid) key.
        Assert.True(Secp256k1.TryRecoverAddress(hash, r, s, 0, out Address other));
        Assert.NotEqual(address, other);
    }

    [Fact]
    public void Sign_is_RFC6979_deterministic_with_low_s()
    {
        // Widely published vector: key 1, message sha256("Satoshi Nakamoto"), low-s form.
        byte[] key = new byte[32];
        key[31] = 1;
        byte[] hash = SHA256.HashData(Encoding.ASCII.GetBytes("Satoshi Nakamoto"));
        EcdsaSignature signature = Secp256k1.Sign(hash, key);
        Assert.Equal(UInt256.Parse("0x934b1ea10a4b3c1757e2b0c017d0b6143ce3c9a7e6a4a49860d7a6ab210ee3d8"), signature.R);
        Assert.Equal(UInt256.Parse("0x2442ce9d2b916064108014783e923ec36b49743e2ffa1c4496f01a512aafd9e5"), signature.S);
        Assert.Equal(signature, Secp256k1.Sign(hash, key));
    }

    [Fact]
    public void Sign_then_recover_round_trips() =>
        Gen.Select(PrivateKey, Gen.Byte.Array[32]).Sample((key, hash) =>
        {
            EcdsaSignature signature = Secp256k1.Sign(hash, key);
            Address expected = Secp256k1.AddressFromPrivateKey(key);
            Assert.True(Secp256k1.AreValidSignatureValues(signature.R, signature.S));
            Assert.True(Secp256k1.IsLowS(signature.S));
            Assert.InRange(signature.RecoveryId, 0, 1);

            Assert.True(Secp256k1.TryRecoverAddress(hash, signature.R, signature.S, signature.RecoveryId, out Address recovered));
            Assert.Equal(expected, recovered);

            Span<byte> publicKey = stackalloc byte[64];
            Assert.True(Secp256k1.TryRecoverPublicKey(hash, signature.R.ToBigEndian(), signature.S.ToBigEndian(), signature.RecoveryId, publicKey));
            Assert.Equal(expected, Secp256k1.AddressFromPublicKey(publicKey));

            // The high-s twin (n - s) with the flipped recovery id recovers the same key: why EIP-2 must reject it.
            UInt256 highS = Secp256k1.CurveOrder - signature.S;
            Assert.False(Secp256k1.IsLowS(highS));
            Assert.True(Secp256k1.TryRecoverAddress(hash, signature.R, highS, (byte)(signature.RecoveryId ^ 1), out Address twin));
            Assert.Equal(expected, twin);
        }, iter: 200);

    [Fact]
    public void Rejects_out_of_range_signature_values()
    {
        byte[] hash = Hex.Decode("0x456e9aea5e197a1f1af7a3e85a3212fa4049a3ba34c2289b4c860fc0b0c64ef3");
        UInt256 r = UInt256.Parse("0x9242685bf161793cc25603c231bc2f568eb630ea16aa137d2664ac8038825608");
        UInt256 s = UInt256.Parse("0x4f8ae3bd7535248d0bd448298cc2e2071e56992d0774dc340c368ae950852ada");
        UInt256 n = Secp256k1.CurveOrder;

        foreach ((UInt256 badR, UInt256 badS) in new[] { (UInt256.Zero, s), (r, UInt256.Zero), (n, s), (r, n), (n + 1, s), (r, UInt256.MaxValue) })
        {
            Assert.False(Secp256k1.AreValidSignatureValues(badR, badS));
            Assert.False(Secp256k1.TryRecoverAddress(hash, badR, badS, 1, out _));
            Assert.False(Secp256k1.TryRecoverAddress(hash, badR.ToBigEndian(), badS.ToBigEndian(), 1, out Address none));
            Assert.Equal(Address.Zero, none);
        }

        foreach (byte recoveryId in new byte[] { 2, 3, 4, 27, 255 })
        {
            Assert.False(Secp256k1.TryRecoverAddress(hash, r, s, recoveryId, out _));
        }

        Assert.False(Secp256k1.TryRecoverAddress(hash.AsSpan(1), r.ToBigEndian(), s.ToBigEndian(), 1, out _));
        Assert.False(Secp256k1.TryRecoverAddress(hash, r.ToBigEndian().AsSpan(1), s.ToBigEndian(), 1, out _));
        Assert.False(Secp256k1.TryRecoverPublicKey(hash, r.ToBigEndian(), s.ToBigEndian(), 1, new byte[65]));
    }

    [Fact]
    public void Rejects_r_that_is_not_an_x_coordinate()
    {
        // x = 5 has no point on the curve (5^3 + 7 = 132 is not a square mod p).
        byte[] hash = new byte[32];
        hash[0] = 1;
        Assert.False(Secp256k1.TryRecoverAddress(hash, new UInt256(5), new UInt256(1), 0, out _));
    }

    [Fact]
    public void Low_s_boundary_is_half_n()
    {
        Assert.True(Secp256k1.IsLowS(Secp256k1.HalfCurveOrder));
        Assert.False(Secp256k1.IsLowS(Secp256k1.HalfCurveOrder + 1));
        Assert.True(Secp256k1.IsLowS(Secp256k1.HalfCurveOrder.ToBigEndian()));
        Assert.False(Secp256k1.IsLowS((Secp256k1.HalfCurveOrder + 1).ToBigEndian()));
        Assert.False(Secp256k1.IsLowS(new byte[31]));
    }

    [Fact]
    public void Private_key_range_is_1_to_n_minus_1()
    {
        Assert.False(Secp256k1.IsValidPrivateKey(new byte[32]));
        Assert.False(Secp256k1.IsValidPrivateKey(Secp256k1.CurveOrder.ToBigEndian()));
        Assert.True(Secp256k1.IsValidPrivateKey((Secp256k1.CurveOrder - 1).ToBigEndian()));
        Assert.True(Secp256k1.IsValidPrivateKey(UInt256.One.ToBigEndian()));
        Assert.False(Secp256k1.IsValidPrivateKey(new byte[31]));
        Assert.Throws<ArgumentException>(() => Secp256k1.AddressFromPrivateKey(new byte[32]));
        Assert.Throws<ArgumentException>(() => Secp256k1.Sign(new byte[32], new byte[32]));
    }

    [Fact]
    public void Tweak_add_is_addition_mod_n() =>
        Gen.Select(PrivateKey, Gen.Byte.Array[32]).Sample((key, tweak) =>
        {
            BigInteger k = new(key, isUnsigned: true, isBigEndian: true);
            BigInteger t = new(tweak, isUnsigned: true, isBigEndian: true);
            byte[] result = (byte[])key.Clone();
            bool ok = Secp256k1.PrivateKeyTweakAdd(result, tweak);
            BigInteger sum = (k + t) % N;
            if (t >= N || sum.IsZero)
            {
                Assert.False(ok);
                Assert.Equal(key, result);
            }
            else
            {
                Assert.True(ok);
                Assert.Equal(sum, new BigInteger(result, isUnsigned: true, isBigEndian: true));
            }
        }, iter: 200);

    [Fact]
    public void Tweak_add_fails_and_keeps_the_key_when_tweak_is_n_or_sum_is_zero()
    {
        byte[] key = UInt256.One.ToBigEndian();
        Assert.False(Secp256k1.PrivateKeyTweakAdd(key, Secp256k1.CurveOrder.ToBigEndian()));
        Assert.Equal(UInt256.One.ToBigEndian(), key);
        Assert.False(Secp256k1.PrivateKeyTweakAdd(key, (Secp256k1.CurveOrder - 1).ToBigEndian()));
        Assert.Equal(UInt256.One.ToBigEndian(), key);
    }

    [Fact]
    public void Compress_public_key_matches_compressed_from_private_key() =>
        PrivateKey.Sample(key =>
        {
            Span<byte> uncompressed = stackalloc byte[64];
            Span<byte> fromPublic = stackalloc byte[33];
            Span<byte> fromPrivate = stackalloc byte[33];
            Secp256k1.PublicKeyFromPrivateKey(key, uncompressed);
            Secp256k1.CompressPublicKey(uncompressed, fromPublic);
            Secp256k1.CompressedPublicKeyFromPrivateKey(key, fromPrivate);
            Assert.True(fromPublic.SequenceEqual(fromPrivate));
            Assert.Equal(uncompressed[..32].ToArray(), fromPrivate[1..].ToArray());
            Assert.Equal(0x02 | (uncompressed[63] & 1), fromPrivate[0]);
        }, iter: 100);

    [Fact]
    public void Compress_rejects_a_point_off_the_curve()
    {
        byte[] notOnCurve = new byte[64];
        notOnCurve[31] = 1;
        notOnCurve[63] = 1;
        Assert.Throws<ArgumentException>(() => Secp256k1.CompressPublicKey(notOnCurve, new byte[33]));
    }

    [Fact]
    public void Library_is_available_here() => Assert.True(Secp256k1.IsAvailable);

    [Fact]
    public void Missing_library_error_names_the_package()
    {
        var error = Assert.Throws<DllNotFoundException>(() => Secp256k1.LoadLibrary("libsecp256k1-not-installed.so.9"));
        Assert.Equal("libsecp256k1 not found: install it with `apt-get install -y libsecp256k1-1`", error.Message);
    }
}
