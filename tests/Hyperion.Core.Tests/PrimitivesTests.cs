using CsCheck;
using Hyperion.Core.Crypto;

namespace Hyperion.Core.Tests;

public class HexTests
{
    [Theory]
    [InlineData("", new byte[0])]
    [InlineData("0x", new byte[0])]
    [InlineData("0x00ff10", new byte[] { 0x00, 0xff, 0x10 })]
    [InlineData("ABcd", new byte[] { 0xab, 0xcd })]
    [InlineData("0XaB", new byte[] { 0xab })]
    public void DecodesValidHex(string hex, byte[] expected) => Assert.Equal(expected, Hex.Decode(hex));

    [Theory]
    [InlineData("0x123", "odd")]
    [InlineData("0x12g4", "'g' at position 4")]
    [InlineData("zz", "'z' at position 0")]
    public void RejectsBadHexWithClearMessage(string hex, string fragment)
    {
        var ex = Assert.Throws<FormatException>(() => Hex.Decode(hex));
        Assert.Contains(fragment, ex.Message);
    }

    [Fact]
    public void EncodeIsLowercaseAndRoundTrips()
    {
        byte[] data = [0xde, 0xad, 0xBE, 0xef, 0x00];
        Assert.Equal("0xdeadbeef00", Hex.Encode(data));
        Assert.Equal("deadbeef00", Hex.Encode(data, withPrefix: false));
        Assert.Equal("0x", Hex.Encode([]));
        Assert.Equal("", Hex.Encode([], withPrefix: false));
        byte[] big = new byte[1000];
        new Random(7).NextBytes(big);
        Assert.Equal(big, Hex.Decode(Hex.Encode(big)));
    }

    [Fact]
    public void TryDecodeReportsFailure()
    {
        Span<byte> buffer = stackalloc byte[4];
        Assert.True(Hex.TryDecode("0x0102", buffer, out int written));
        Assert.Equal(2, written);
        Assert.False(Hex.TryDecode("0x010", buffer, out _));
        Assert.False(Hex.TryDecode("0x01zz", buffer, out _));
        Assert.False(Hex.TryDecode("0x0102030405", buffer, out _));
    }
}

public class Hash256Tests
{
    private const string Sample = "0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421";

    [Fact]
    public void ParseFormatRoundTrip()
    {
        Hash256 hash = Hash256.Parse(Sample);
        Assert.Equal(Sample, hash.ToString());
        Assert.Equal(Hex.Decode(Sample), hash.ToArray());
        Assert.Equal(Hex.Decode(Sample), hash.Bytes.ToArray());
        Assert.Equal(Keccak256.EmptyTrieRoot, hash);
        Assert.True(Hash256.TryParse(Sample.ToUpperInvariant().Replace("0X", "0x"), out var upper));
        Assert.Equal(hash, upper);
    }

    [Fact]
    public void A_known_checksum_form_still_rejects_every_other_casing()
    {
        // The checksum forms parsed last are kept (a Keccak each): once the right form is known, a wrong casing of
        // the same address, and of addresses sharing its slot in the table, must still fail.
        const string good = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";
        Assert.True(Address.TryParse(good, out Address address));
        for (int i = 2; i < good.Length; i++)
        {
            char c = good[i];
            if (!char.IsLetter(c))
            {
                continue;
            }

            string flipped = good[..i] + (char.IsUpper(c) ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c)) + good[(i + 1)..];
            bool mixed = flipped[2..].Any(char.IsUpper) && flipped[2..].Any(char.IsLower);
            Assert.Equal(!mixed, Address.TryParse(flipped, out _));
        }

        for (int n = 0; n < 2000; n++)
        {
            var other = new Address(Hyperion.Core.Crypto.Keccak256.Hash(BitConverter.GetBytes(n)).ToArray().AsSpan(0, Address.Size));
            string form = other.ToChecksumString();
            Assert.True(Address.TryParse(form, out Address parsed));
            Assert.Equal(other, parsed);
            int letter = form.IndexOfAny("abcdefABCDEF".ToCharArray(), 2);
            string flipped = form[..letter] + (char)(form[letter] ^ 0x20) + form[(letter + 1)..];
            if (flipped[2..].Any(char.IsUpper) && flipped[2..].Any(char.IsLower))
            {
                Assert.False(Address.TryParse(flipped, out _));
            }
        }

        Assert.True(Address.TryParse(good, out Address again));
        Assert.Equal(address, again);
        Assert.False(Address.TryParse("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD", out _));
    }

    [Theory]
    [InlineData("0x1234")]
    [InlineData("0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b42g")]
    [InlineData("0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b42100")]
    public void RejectsMalformed(string hex)
    {
        Assert.Throws<FormatException>(() => Hash256.Parse(hex));
        Assert.False(Hash256.TryParse(hex, out _));
    }

    [Fact]
    public void ConstructorChecksLength() => Assert.Throws<ArgumentException>(() => new Hash256(new byte[31]));

    [Fact]
    public void EqualityHashingAndOrdering()
    {
        byte[] a = new byte[32];
        byte[] b = new byte[32];
        a[0] = 1;
        b[31] = 0xff;
        var ha = new Hash256(a);
        var hb = new Hash256(b);
        Assert.True(ha > hb); // lexicographic: first byte dominates
        Assert.True(Hash256.Zero < hb);
        Assert.NotEqual(ha, hb);
        Assert.Equal(ha, new Hash256(a));
        Assert.Equal(ha.GetHashCode(), new Hash256(a).GetHashCode());
        Assert.True(Hash256.Zero.IsZero);
        Assert.False(ha.IsZero);

        var random = new Random(3);
        var list = Enumerable.Range(0, 200).Select(_ => { var x = new byte[32]; random.NextBytes(x); return x; }).ToList();
        var byStruct = list.Select(x => new Hash256(x)).Order().Select(h => h.ToString()).ToList();
        var byHex = list.Select(x => Hex.Encode(x)).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(byHex, byStruct);
    }
}

public class AddressTests
{
    // EIP-55 reference vectors.
    [Theory]
    [InlineData("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed")]
    [InlineData("0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359")]
    [InlineData("0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB")]
    [InlineData("0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb")]
    public void ChecksumVectors(string checksummed)
    {
        Address address = Address.Parse(checksummed);
        Assert.Equal(checksummed, address.ToChecksumString());
        Assert.Equal(checksummed.ToLowerInvariant(), address.ToString());
        Assert.Equal(address, Address.Parse(checksummed.ToLowerInvariant()));
        Assert.Equal(address, Address.Parse("0x" + checksummed[2..].ToUpperInvariant()));
    }

    [Fact]
    public void RejectsBadChecksum()
    {
        var ex = Assert.Throws<FormatException>(() => Address.Parse("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD"));
        Assert.Contains("EIP-55", ex.Message);
        Assert.False(Address.TryParse("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD", out _));
        Assert.True(Address.TryParse("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", out _));
    }

    [Theory]
    [InlineData("0x1234")]
    [InlineData("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaeg")]
    public void RejectsMalformed(string hex)
    {
        Assert.Throws<FormatException>(() => Address.Parse(hex));
        Assert.False(Address.TryParse(hex, out _));
    }

    [Fact]
    public void FromHashTakesLastTwentyBytes()
    {
        Hash256 hash = Keccak256.Hash("abc"u8);
        Address address = Address.FromHash(hash);
        Assert.Equal(hash.ToArray()[12..], address.ToArray());
        Assert.Equal(20, address.Bytes.Length);
    }

    [Fact]
    public void EqualityAndOrdering()
    {
        var a = Address.Parse("0x0000000000000000000000000000000000000001");
        var b = Address.Parse("0x1000000000000000000000000000000000000000");
        Assert.True(a < b);
        Assert.True(Address.Zero.IsZero);
        Assert.NotEqual(a, b);
        Assert.Equal(a, Address.Parse("0x0000000000000000000000000000000000000001"));
        Assert.Throws<ArgumentException>(() => new Address(new byte[21]));
    }

    // Pairs that share a prefix of 0..20 bytes, so that every word and every byte position decides some pairs
    // (independent random addresses almost always differ in their first byte).
    private static readonly Gen<(byte[] Left, byte[] Right)> SharedPrefixPairs =
        Gen.Select(Gen.Byte.Array[Address.Size], Gen.Byte.Array[Address.Size], Gen.Int[0, Address.Size], Gen.Int[0, 2])
            .Select(t =>
            {
                byte[] right = t.Item1.ToArray();
                t.Item2.AsSpan(t.Item3).CopyTo(right.AsSpan(t.Item3));
                if (t.Item3 < Address.Size && t.Item4 > 0)
                {
                    // Differ at the first differing byte only by one, in either direction.
                    right[t.Item3] = (byte)(t.Item1[t.Item3] + (t.Item4 == 1 ? 1 : -1));
                }

                return (t.Item1, right);
            });

    [Fact]
    public void CompareToIsTheByteWiseLexicographicOrder() =>
        SharedPrefixPairs.Sample(pair =>
        {
            int expected = Math.Sign(pair.Left.AsSpan().SequenceCompareTo(pair.Right));
            var left = new Address(pair.Left);
            var right = new Address(pair.Right);
            Assert.Equal(expected, Math.Sign(left.CompareTo(right)));
            Assert.Equal(-expected, Math.Sign(right.CompareTo(left)));
            Assert.Equal(expected < 0, left < right);
            Assert.Equal(expected == 0, left == right);
        }, iter: 20_000);
}
