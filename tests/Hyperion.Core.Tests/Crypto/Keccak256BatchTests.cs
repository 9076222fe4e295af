using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Security.Cryptography;
using CsCheck;
using Hyperion.Core.Crypto;

namespace Hyperion.Core.Tests.Crypto;

public class Keccak256BatchTests
{
    /// <summary>Every path: each test runs all that this machine supports and says which (a machine without AVX-512 still tests AVX2 and the scalar one).</summary>
    public static TheoryData<string> Paths() => [.. Enum.GetNames<Keccak256Batch.Path>()];

    /// <summary>Lengths around the rate (136 bytes): one short, exact and one over, of one to five blocks, and a lane's word edges.</summary>
    private static readonly int[] Boundaries = [0, 1, 7, 8, 9, 31, 32, 33, 127, 128, 129, 134, 135, 136, 137, 271, 272, 273, 407, 408, 409, 543, 544, 545, 679, 680, 681];

    private static readonly Gen<int> GenLength = Gen.Frequency((1, Gen.Int[0, Boundaries.Length - 1].Select(i => Boundaries[i])), (1, Gen.Int[0, 700]));

    /// <summary>Message sets: 1 to 17 messages (2 full batches of 8 and one more), of independent lengths.</summary>
    private static readonly Gen<byte[][]> GenMessages = GenLength.SelectMany(length => Gen.Byte.Array[length]).Array[1, 17];

    [Theory]
    [MemberData(nameof(Paths))]
    public void Batch_equals_one_hash_at_a_time(string pathName)
    {
        Keccak256Batch.Path path = Enum.Parse<Keccak256Batch.Path>(pathName);
        if (!Keccak256Batch.IsSupported(path))
        {
            Assert.Throws<PlatformNotSupportedException>(() => Hash(path, [[1, 2, 3]], Keccak256.KeccakDomain));
            return;
        }

        GenMessages.Sample(messages =>
        {
            Hash256[] hashes = Hash(path, messages, Keccak256.KeccakDomain);
            for (int i = 0; i < messages.Length; i++)
            {
                Assert.Equal(Keccak256.Hash(messages[i]), hashes[i]);
            }
        }, iter: 300);
    }

    /// <summary>With SHA3's domain byte the batch must equal the platform's FIPS 202 SHA3-256: an oracle that shares no code with this one.</summary>
    [Theory]
    [MemberData(nameof(Paths))]
    public void Batch_with_sha3_padding_equals_the_platform_sha3(string pathName)
    {
        Keccak256Batch.Path path = Enum.Parse<Keccak256Batch.Path>(pathName);
        Assert.True(SHA3_256.IsSupported, "platform SHA3-256 (OpenSSL 1.1.1+) is needed for this cross-check");
        if (!Keccak256Batch.IsSupported(path))
        {
            return;
        }

        GenMessages.Sample(messages =>
        {
            Hash256[] hashes = Hash(path, messages, Keccak256.Sha3Domain);
            for (int i = 0; i < messages.Length; i++)
            {
                Assert.Equal(SHA3_256.HashData(messages[i]), hashes[i].Bytes.ToArray());
            }
        }, iter: 100);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Every_boundary_length_in_one_batch_and_alone(string pathName)
    {
        Keccak256Batch.Path path = Enum.Parse<Keccak256Batch.Path>(pathName);
        if (!Keccak256Batch.IsSupported(path))
        {
            return;
        }

        var random = new Random(136);
        byte[][] messages = [.. Boundaries.Select(length => RandomBytes(random, length))];
        Hash256[] hashes = Hash(path, messages, Keccak256.KeccakDomain);
        for (int i = 0; i < messages.Length; i++)
        {
            Assert.Equal(Keccak256.Hash(messages[i]), hashes[i]);
            Assert.Equal(Keccak256.Hash(messages[i]), Hash(path, [messages[i]], Keccak256.KeccakDomain)[0]);
        }
    }

    /// <summary>Each lane of the lane-parallel permutation equals the single permutation of that lane's state (different states per lane).</summary>
    [Fact]
    public void Lane_permutation_equals_the_single_permutation_on_every_lane()
    {
        var random = new Random(1600);
        if (KeccakLanes512.IsSupported)
        {
            AssertLanesPermuteAsOne<Vector512<ulong>, KeccakLanes512>(random);
        }

        if (KeccakLanes256Avx512.IsSupported)
        {
            AssertLanesPermuteAsOne<Vector256<ulong>, KeccakLanes256Avx512>(random);
        }

        if (KeccakLanes256.IsSupported)
        {
            AssertLanesPermuteAsOne<Vector256<ulong>, KeccakLanes256>(random);
        }
    }

    private static void AssertLanesPermuteAsOne<TVector, TOps>(Random random)
        where TVector : unmanaged
        where TOps : struct, IKeccakLaneOps<TVector>
    {
        int width = Unsafe.SizeOf<TVector>() / sizeof(ulong);
        ulong[] lanes = new ulong[25 * width];
        for (int i = 0; i < lanes.Length; i++)
        {
            lanes[i] = (ulong)random.NextInt64() ^ ((ulong)random.Next() << 63);
        }

        ulong[][] expected = [.. Enumerable.Range(0, width).Select(j => Enumerable.Range(0, 25).Select(w => lanes[(w * width) + j]).ToArray())];
        foreach (ulong[] one in expected)
        {
            KeccakPermutation.Permute(one);
        }

        KeccakLanes.Permute<TVector, TOps>(MemoryMarshal.Cast<ulong, TVector>(lanes.AsSpan()));
        for (int j = 0; j < width; j++)
        {
            Assert.Equal(expected[j], Enumerable.Range(0, 25).Select(w => lanes[(w * width) + j]).ToArray());
        }
    }

    [Fact]
    public void Known_vectors_and_the_chosen_path()
    {
        byte[][] messages = [[], "abc"u8.ToArray(), "The quick brown fox jumps over the lazy dog"u8.ToArray()];
        byte[] all = [.. messages.SelectMany(m => m)];
        var hashes = new Hash256[3];
        Keccak256Batch.Hash(all, [.. messages.Select(m => m.Length)], hashes);
        Assert.Equal(Keccak256.OfEmpty, hashes[0]);
        Assert.Equal("0x4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45", hashes[1].ToString());
        Assert.Equal("0x4d741b6f1eb29cb2a9b9911c82f56fa8d73b04959d3d9d222895df6c0b28aa15", hashes[2].ToString());
        Assert.Equal(Keccak256Batch.Path.Scalar, Keccak256Batch.Best(1));
        Assert.True(Keccak256Batch.IsSupported(Keccak256Batch.Best(3)));
        Assert.True(Keccak256Batch.IsSupported(Keccak256Batch.Best(8)));
    }

    [Fact]
    public void Hashes_past_the_messages_and_bytes_past_the_lengths_are_left_alone()
    {
        var hashes = new Hash256[3];
        hashes[2] = Keccak256.OfEmptyList;
        Keccak256Batch.Hash([1, 2, 3, 4, 5], [2, 1], hashes);
        Assert.Equal(Keccak256.Hash([1, 2]), hashes[0]);
        Assert.Equal(Keccak256.Hash([3]), hashes[1]);
        Assert.Equal(Keccak256.OfEmptyList, hashes[2]);
        Keccak256Batch.Hash([], [], []);
    }

    [Fact]
    public void Lengths_beyond_the_messages_or_too_few_hashes_are_refused()
    {
        Assert.Throws<ArgumentException>(() => Keccak256Batch.Hash([1, 2], [2, 1], new Hash256[2]));
        Assert.Throws<ArgumentException>(() => Keccak256Batch.Hash([1, 2], [1, 1], new Hash256[1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => Keccak256Batch.Hash([1, 2], [-1, 1], new Hash256[2]));
    }

    private static Hash256[] Hash(Keccak256Batch.Path path, byte[][] messages, byte domain)
    {
        byte[] all = [.. messages.SelectMany(m => m), 0xEE]; // a byte past the last message, which must not be read
        var hashes = new Hash256[messages.Length];
        Keccak256Batch.Hash(all, [.. messages.Select(m => m.Length)], hashes, domain, path);
        return hashes;
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        byte[] bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }
}
