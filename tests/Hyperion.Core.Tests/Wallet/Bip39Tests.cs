using System.Security.Cryptography;
using System.Text;
using Hyperion.Core.Wallet;

namespace Hyperion.Core.Tests.Wallet;

public class Bip39Tests
{
    // Official BIP-39 vectors (trezor/python-mnemonic vectors.json, passphrase "TREZOR"): entropy, mnemonic, seed, master xprv.
    public static TheoryData<string, string, string, string> TrezorVectors => new()
    {
        {
            "00000000000000000000000000000000",
            "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about",
            "c55257c360c07c72029aebc1b53c05ed0362ada38ead3e3e9efa3708e53495531f09a6987599d18264c1e1c92f2cf141630c7a3c4ab7c81b2f001698e7463b04",
            "xprv9s21ZrQH143K3h3fDYiay8mocZ3afhfULfb5GX8kCBdno77K4HiA15Tg23wpbeF1pLfs1c5SPmYHrEpTuuRhxMwvKDwqdKiGJS9XFKzUsAF"
        },
        {
            "ffffffffffffffffffffffffffffffff",
            "zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo wrong",
            "ac27495480225222079d7be181583751e86f571027b0497b5b5d11218e0a8a13332572917f0f8e5a589620c6f15b11c61dee327651a14c34e18231052e48c069",
            "xprv9s21ZrQH143K2V4oox4M8Zmhi2Fjx5XK4Lf7GKRvPSgydU3mjZuKGCTg7UPiBUD7ydVPvSLtg9hjp7MQTYsW67rZHAXeccqYqrsx8LcXnyd"
        },
        {
            "808080808080808080808080808080808080808080808080",
            "letter advice cage absurd amount doctor acoustic avoid letter advice cage absurd amount doctor acoustic avoid letter always",
            "107d7c02a5aa6f38c58083ff74f04c607c2d2c0ecc55501dadd72d025b751bc27fe913ffb796f841c49b1d33b610cf0e91d3aa239027f5e99fe4ce9e5088cd65",
            "xprv9s21ZrQH143K3VPCbxbUtpkh9pRG371UCLDz3BjceqP1jz7XZsQ5EnNkYAEkfeZp62cDNj13ZTEVG1TEro9sZ9grfRmcYWLBhCocViKEJae"
        },
        {
            "7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f",
            "legal winner thank year wave sausage worth useful legal winner thank year wave sausage worth useful legal winner thank year wave sausage worth title",
            "bc09fca1804f7e69da93c2f2028eb238c227f2e9dda30cd63699232578480a4021b146ad717fbb7e451ce9eb835f43620bf5c514db0f8add49f5d121449d3e87",
            "xprv9s21ZrQH143K3Y1sd2XVu9wtqxJRvybCfAetjUrMMco6r3v9qZTBeXiBZkS8JxWbcGJZyio8TrZtm6pkbzG8SYt1sxwNLh3Wx7to5pgiVFU"
        },
        {
            "9e885d952ad362caeb4efe34a8e91bd2",
            "ozone drill grab fiber curtain grace pudding thank cruise elder eight picnic",
            "274ddc525802f7c828d8ef7ddbcdc5304e87ac3535913611fbbfa986d0c9e5476c91689f9c8a54fd55bd38606aa6a8595ad213d4c9c9f9aca3fb217069a41028",
            "xprv9s21ZrQH143K2oZ9stBYpoaZ2ktHj7jLz7iMqpgg1En8kKFTXJHsjxry1JbKH19YrDTicVwKPehFKTbmaxgVEc5TpHdS1aYhB2s9aFJBeJH"
        },
        {
            "6610b25967cdcca9d59875f5cb50b0ea75433311869e930b",
            "gravity machine north sort system female filter attitude volume fold club stay feature office ecology stable narrow fog",
            "628c3827a8823298ee685db84f55caa34b5cc195a778e52d45f59bcf75aba68e4d7590e101dc414bc1bbd5737666fbbef35d1f1903953b66624f910feef245ac",
            "xprv9s21ZrQH143K3uT8eQowUjsxrmsA9YUuQQK1RLqFufzybxD6DH6gPY7NjJ5G3EPHjsWDrs9iivSbmvjc9DQJbJGatfa9pv4MZ3wjr8qWPAK"
        },
        {
            "f585c11aec520db57dd353c69554b21a89b20fb0650966fa0a9d6f74fd989d8f",
            "void come effort suffer camp survey warrior heavy shoot primary clutch crush open amazing screen patrol group space point ten exist slush involve unfold",
            "01f5bced59dec48e362f2c45b5de68b9fd6c92c6634f44d6d40aab69056506f0e35524a518034ddc1192e1dacd32c1ed3eaa3c3b131c88ed8e7e54c49a5d0998",
            "xprv9s21ZrQH143K39rnQJknpH1WEPFJrzmAqqasiDcVrNuk926oizzJDDQkdiTvNPr2FYDYzWgiMiC63YmfPAa2oPyNB23r2g7d1yiK6WpqaQS"
        },
    };

    [Theory]
    [MemberData(nameof(TrezorVectors))]
    public void Matches_the_official_vectors(string entropyHex, string mnemonic, string seedHex, string masterXprv)
    {
        byte[] entropy = Convert.FromHexString(entropyHex);
        Assert.Equal(mnemonic, Bip39.EntropyToMnemonic(entropy));
        Assert.Equal(entropy, Bip39.MnemonicToEntropy(mnemonic));
        byte[] seed = Bip39.MnemonicToSeed(mnemonic, "TREZOR");
        Assert.Equal(seedHex, Convert.ToHexStringLower(seed));

        var (depth, childNumber, chainCode, keyData) = Base58Check.DecodeExtendedKey(masterXprv);
        ExtendedPrivateKey master = ExtendedPrivateKey.FromSeed(seed);
        Assert.Equal(0, depth);
        Assert.Equal(0u, childNumber);
        Assert.Equal(chainCode, master.ChainCode.ToArray());
        Assert.Equal(keyData, [0, .. master.PrivateKey.ToArray()]);
    }

    [Fact]
    public void Embedded_word_list_is_the_published_one()
    {
        IReadOnlyList<string> words = Bip39.EnglishWords;
        Assert.Equal(2048, words.Count);
        Assert.Equal("abandon", words[0]);
        Assert.Equal("zoo", words[2047]);
        byte[] file = Encoding.UTF8.GetBytes(string.Join('\n', words) + "\n");
        Assert.Equal("2f5eed53a4727b4bf8880d8f3f199efc90e58503646d9ff8eff3a2ed3b24dbda", Convert.ToHexStringLower(SHA256.HashData(file)));
    }

    [Fact]
    public void Wrong_word_is_named_in_the_error()
    {
        var error = Assert.Throws<FormatException>(() => Bip39.MnemonicToSeed("test test test test test test test test test test test jumk"));
        Assert.Contains("Word 12", error.Message);
        Assert.Contains("jumk", error.Message);
        Assert.False(Bip39.IsValidMnemonic("test test test test test test test test test test test jumk"));
    }

    [Fact]
    public void Bad_checksum_is_rejected()
    {
        // Every word is in the list, but the last word's checksum bits do not match.
        var error = Assert.Throws<FormatException>(() => Bip39.MnemonicToSeed("test test test test test test test test test test test test"));
        Assert.Contains("checksum", error.Message);
        Assert.Throws<FormatException>(() => Bip39.MnemonicToEntropy("abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon"));
        // Swapping two words breaks the checksum too.
        Assert.False(Bip39.IsValidMnemonic("zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo wrong zoo"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("test test test test test test test test test test junk")]
    [InlineData("abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about")]
    public void Wrong_word_count_is_rejected(string mnemonic)
    {
        var error = Assert.Throws<FormatException>(() => Bip39.MnemonicToEntropy(mnemonic));
        Assert.Contains("12, 15, 18, 21 or 24 words", error.Message);
    }

    [Fact]
    public void Extra_whitespace_does_not_change_the_seed() =>
        Assert.Equal(
            Bip39.MnemonicToSeed(DevAccounts.DefaultMnemonic),
            Bip39.MnemonicToSeed("  test test\ttest test test test test test test test test\n junk "));

    [Fact]
    public void Passphrase_is_NFKD_normalized()
    {
        string mnemonic = DevAccounts.DefaultMnemonic;
        // Composed é vs e + combining acute; fullwidth Ａ vs A: NFKD makes each pair identical.
        Assert.Equal(Bip39.MnemonicToSeed(mnemonic, "caf\u00e9"), Bip39.MnemonicToSeed(mnemonic, "cafe\u0301"));
        Assert.Equal(Bip39.MnemonicToSeed(mnemonic, "\uFF21"), Bip39.MnemonicToSeed(mnemonic, "A"));
        Assert.NotEqual(Bip39.MnemonicToSeed(mnemonic, "A"), Bip39.MnemonicToSeed(mnemonic, ""));
    }

    [Fact]
    public void Entropy_length_is_checked()
    {
        Assert.Throws<ArgumentException>(() => Bip39.EntropyToMnemonic(new byte[15]));
        Assert.Throws<ArgumentException>(() => Bip39.EntropyToMnemonic(new byte[17]));
        Assert.Throws<ArgumentException>(() => Bip39.EntropyToMnemonic(new byte[36]));
    }
}
