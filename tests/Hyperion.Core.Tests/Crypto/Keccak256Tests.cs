using System.Security.Cryptography;
using System.Text;
using Hyperion.Core.Crypto;

namespace Hyperion.Core.Tests.Crypto;

public class Keccak256Tests
{
    [Theory]
    [InlineData("", "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470")]
    [InlineData("abc", "0x4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45")]
    [InlineData("The quick brown fox jumps over the lazy dog", "0x4d741b6f1eb29cb2a9b9911c82f56fa8d73b04959d3d9d222895df6c0b28aa15")]
    public void KnownVectors(string input, string expected)
    {
        Assert.Equal(expected, Keccak256.Hash(Encoding.ASCII.GetBytes(input)).ToString());
    }

    [Fact]
    public void WellKnownConstants()
    {
        Assert.Equal("0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470", Keccak256.OfEmpty.ToString());
        Assert.Equal("0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421", Keccak256.EmptyTrieRoot.ToString());
        Assert.Equal("0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347", Keccak256.OfEmptyList.ToString());
    }

    [Fact]
    public void MillionAs()
    {
        // Keccak-256 of one million 'a' characters (widely published test vector).
        byte[] data = new byte[1_000_000];
        data.AsSpan().Fill((byte)'a');
        Assert.Equal("0xfadae6b49f129bbb812be8407b7b2894f34aecf6dbd1f9b0f0c7e9853098fc96", Keccak256.Hash(data).ToString());
    }

    public static TheoryData<int> Lengths() => new() { 0, 1, 31, 32, 33, 135, 136, 137, 271, 272, 273, 1000, 4096 };

    /// <summary>Same sponge with SHA3 padding must agree with the platform's FIPS 202 SHA3-256 at every length, including block boundaries.</summary>
    [Theory]
    [MemberData(nameof(Lengths))]
    public void SpongeMatchesPlatformSha3(int length)
    {
        Assert.True(SHA3_256.IsSupported, "platform SHA3-256 (OpenSSL 1.1.1+) is needed for this cross-check");

        byte[] data = new byte[length];
        new Random(length).NextBytes(data);
        Span<byte> ours = stackalloc byte[32];
        Keccak256.HashCore(data, ours, Keccak256.Sha3Domain);
        Assert.Equal(SHA3_256.HashData(data), ours.ToArray());
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void IncrementalMatchesOneShotForRandomSplits(int length)
    {
        var random = new Random(1000 + length);
        byte[] data = new byte[length];
        random.NextBytes(data);
        Hash256 expected = Keccak256.Hash(data);
        for (int trial = 0; trial < 20; trial++)
        {
            var hasher = new KeccakHasher();
            int position = 0;
            while (position < length)
            {
                int chunk = random.Next(0, Math.Min(300, length - position) + 1);
                hasher.Update(data.AsSpan(position, chunk));
                position += chunk;
            }

            Assert.Equal(expected, hasher.Finish());
        }
    }

    [Fact]
    public void HasherResetsAfterFinish()
    {
        var hasher = new KeccakHasher();
        hasher.Update("abc"u8);
        _ = hasher.Finish();
        Assert.Equal(Keccak256.OfEmpty, hasher.Finish());
        hasher.Update("ab"u8);
        hasher.Reset();
        hasher.Update("abc"u8);
        Assert.Equal(Keccak256.Hash("abc"u8), hasher.Finish());
    }

    [Fact]
    public void SpanOverloadWritesDigest()
    {
        Span<byte> digest = stackalloc byte[32];
        Keccak256.Hash("abc"u8, digest);
        Assert.Equal(Keccak256.Hash("abc"u8).ToArray(), digest.ToArray());
        Assert.Throws<ArgumentException>(() => Keccak256.Hash("abc"u8, new byte[31]));
    }
}
