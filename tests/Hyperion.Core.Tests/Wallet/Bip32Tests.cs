using Hyperion.Core.Crypto;
using Hyperion.Core.Wallet;

namespace Hyperion.Core.Tests.Wallet;

public class Bip32Tests
{
    // BIP-32 test vector 1, seed 000102…0f: path, ext pub, ext prv.
    public static TheoryData<string, string, string> Vector1 => new()
    {
        { "m", "xpub661MyMwAqRbcFtXgS5sYJABqqG9YLmC4Q1Rdap9gSE8NqtwybGhePY2gZ29ESFjqJoCu1Rupje8YtGqsefD265TMg7usUDFdp6W1EGMcet8", "xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU3TGtRBeJgk33yuGBxrMPHi" },
        { "m/0'", "xpub68Gmy5EdvgibQVfPdqkBBCHxA5htiqg55crXYuXoQRKfDBFA1WEjWgP6LHhwBZeNK1VTsfTFUHCdrfp1bgwQ9xv5ski8PX9rL2dZXvgGDnw", "xprv9uHRZZhk6KAJC1avXpDAp4MDc3sQKNxDiPvvkX8Br5ngLNv1TxvUxt4cV1rGL5hj6KCesnDYUhd7oWgT11eZG7XnxHrnYeSvkzY7d2bhkJ7" },
        { "m/0'/1", "xpub6ASuArnXKPbfEwhqN6e3mwBcDTgzisQN1wXN9BJcM47sSikHjJf3UFHKkNAWbWMiGj7Wf5uMash7SyYq527Hqck2AxYysAA7xmALppuCkwQ", "xprv9wTYmMFdV23N2TdNG573QoEsfRrWKQgWeibmLntzniatZvR9BmLnvSxqu53Kw1UmYPxLgboyZQaXwTCg8MSY3H2EU4pWcQDnRnrVA1xe8fs" },
        { "m/0'/1/2'", "xpub6D4BDPcP2GT577Vvch3R8wDkScZWzQzMMUm3PWbmWvVJrZwQY4VUNgqFJPMM3No2dFDFGTsxxpG5uJh7n7epu4trkrX7x7DogT5Uv6fcLW5", "xprv9z4pot5VBttmtdRTWfWQmoH1taj2axGVzFqSb8C9xaxKymcFzXBDptWmT7FwuEzG3ryjH4ktypQSAewRiNMjANTtpgP4mLTj34bhnZX7UiM" },
        { "m/0'/1/2'/2", "xpub6FHa3pjLCk84BayeJxFW2SP4XRrFd1JYnxeLeU8EqN3vDfZmbqBqaGJAyiLjTAwm6ZLRQUMv1ZACTj37sR62cfN7fe5JnJ7dh8zL4fiyLHV", "xprvA2JDeKCSNNZky6uBCviVfJSKyQ1mDYahRjijr5idH2WwLsEd4Hsb2Tyh8RfQMuPh7f7RtyzTtdrbdqqsunu5Mm3wDvUAKRHSC34sJ7in334" },
        { "m/0'/1/2'/2/1000000000", "xpub6H1LXWLaKsWFhvm6RVpEL9P4KfRZSW7abD2ttkWP3SSQvnyA8FSVqNTEcYFgJS2UaFcxupHiYkro49S8yGasTvXEYBVPamhGW6cFJodrTHy", "xprvA41z7zogVVwxVSgdKUHDy1SKmdb533PjDz7J6N6mV6uS3ze1ai8FHa8kmHScGpWmj4WggLyQjgPie1rFSruoUihUZREPSL39UNdE3BBDu76" },
    };

    [Theory]
    [MemberData(nameof(Vector1))]
    public void Matches_test_vector_1(string path, string xpub, string xprv)
    {
        ExtendedPrivateKey master = ExtendedPrivateKey.FromSeed(Convert.FromHexString("000102030405060708090a0b0c0d0e0f"));
        ExtendedPrivateKey key = master.Derive(path);

        var (depth, childNumber, chainCode, keyData) = Base58Check.DecodeExtendedKey(xprv);
        Assert.Equal(depth, key.Depth);
        Assert.Equal(childNumber, key.ChildNumber);
        Assert.Equal(chainCode, key.ChainCode.ToArray());
        Assert.Equal(keyData, [0, .. key.PrivateKey.ToArray()]);

        var (_, _, pubChainCode, publicKey) = Base58Check.DecodeExtendedKey(xpub);
        Assert.Equal(pubChainCode, key.ChainCode.ToArray());
        Assert.Equal(publicKey, key.CompressedPublicKey());
    }

    [Fact]
    public void Path_parsing_accepts_all_hardened_markers()
    {
        const uint h = ExtendedPrivateKey.HardenedOffset;
        Assert.Equal([44 + h, 60 + h, 0 + h, 0, 3], Bip32Path.Parse("m/44'/60'/0'/0/3"));
        Assert.Equal([44 + h, 60 + h], Bip32Path.Parse("m/44h/60H"));
        Assert.Equal([2147483647 + h, 2147483647], Bip32Path.Parse("m/2147483647'/2147483647"));
        Assert.Empty(Bip32Path.Parse("m"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("44'/60'")]
    [InlineData("M/44'")]
    [InlineData("m/")]
    [InlineData("m//0")]
    [InlineData("m/-1")]
    [InlineData("m/+1")]
    [InlineData("m/1x")]
    [InlineData("m/''")]
    [InlineData("m/2147483648")]
    [InlineData("m/2147483648'")]
    [InlineData("m/99999999999")]
    public void Bad_paths_are_rejected_with_a_clear_error(string path)
    {
        var error = Assert.Throws<FormatException>(() => Bip32Path.Parse(path));
        Assert.Contains("BIP-32 path", error.Message);
    }

    [Fact]
    public void Normal_child_matches_hardened_only_when_indices_say_so()
    {
        ExtendedPrivateKey master = ExtendedPrivateKey.FromSeed(new byte[32]);
        Assert.NotEqual(master.DeriveChild(0).PrivateKey.ToArray(), master.DeriveChild(ExtendedPrivateKey.HardenedOffset).PrivateKey.ToArray());
        Assert.Equal(master.Derive("m/0'/5").PrivateKey.ToArray(), master.DeriveChild(ExtendedPrivateKey.HardenedOffset).DeriveChild(5).PrivateKey.ToArray());
        Assert.Throws<InvalidOperationException>(() => master.DeriveChild(0).Derive("m/1"));
    }

    [Fact]
    public void Seed_length_is_checked()
    {
        Assert.Throws<ArgumentException>(() => ExtendedPrivateKey.FromSeed(new byte[15]));
        Assert.Throws<ArgumentException>(() => ExtendedPrivateKey.FromSeed(new byte[65]));
    }

    [Fact]
    public void Address_is_the_address_of_the_private_key()
    {
        ExtendedPrivateKey key = ExtendedPrivateKey.FromSeed(new byte[16]).DeriveChild(7);
        Assert.Equal(Secp256k1.AddressFromPrivateKey(key.PrivateKey), key.Address);
    }
}
