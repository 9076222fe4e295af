using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using CsCheck;
using Hyperion.Core.Crypto;

namespace Hyperion.Core.Tests.Crypto;

/// <summary>
/// Every Keccak-f[1600] path, each forced, against a textbook permutation whose rotation offsets and round constants
/// are derived here (FIPS 202 algorithms 2 and 5), not copied from the implementation's tables.
/// </summary>
public class KeccakPermutationTests
{
    public delegate void Permutation(Span<ulong> state);

    /// <summary>The paths this machine can run.</summary>
    public static TheoryData<string> Paths() => new(PathNames());

    private static string[] PathNames() => ["scalar"];

    private static Permutation PathNamed(string path) => path switch
    {
        "scalar" => KeccakPermutation.PermuteScalar,
        _ => throw new ArgumentOutOfRangeException(nameof(path)),
    };

    [Theory]
    [MemberData(nameof(Paths))]
    public void ZeroStateGivesThePublishedFirstLane(string path)
    {
        // Keccak-f[1600] of the all-zero state: lane 0 is 0xF1258F7940E1DDE7 (Keccak team's intermediate values).
        ulong[] state = new ulong[25];
        PathNamed(path)(state);
        Assert.Equal(0xF1258F7940E1DDE7UL, state[0]);
        ulong[] expected = new ulong[25];
        TextbookPermute(expected);
        Assert.Equal(expected, state);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void PathMatchesTextbookOnRandomStates(string path)
    {
        Permutation permute = PathNamed(path);
        Gen.ULong.Array[25].Sample(lanes =>
        {
            ulong[] actual = (ulong[])lanes.Clone();
            ulong[] expected = (ulong[])lanes.Clone();
            permute(actual);
            TextbookPermute(expected);
            return actual.AsSpan().SequenceEqual(expected);
        });
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void PathLeavesLanesBeyond25Alone(string path)
    {
        // Nothing past lane 24 may be read into the result or written.
        ulong[] buffer = new ulong[32];
        for (int i = 0; i < buffer.Length; i++)
        {
            buffer[i] = 0x0123456789ABCDEFUL * (ulong)(i + 1);
        }

        ulong[] expected = buffer[..25];
        TextbookPermute(expected);
        PathNamed(path)(buffer.AsSpan(0, 25));
        Assert.Equal(expected, buffer[..25]);
        for (int i = 25; i < buffer.Length; i++)
        {
            Assert.Equal(0x0123456789ABCDEFUL * (ulong)(i + 1), buffer[i]);
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void PathRejectsShortState(string path)
    {
        Assert.Throws<ArgumentException>(() => PathNamed(path)(new ulong[24]));
    }

    public static TheoryData<string, string, int> KnownAnswers()
    {
        var data = new TheoryData<string, string, int>();
        foreach (string path in PathNames())
        {
            data.Add(path, "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470", 0);
            data.Add(path, "0x4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45", 3);
            data.Add(path, "0xfadae6b49f129bbb812be8407b7b2894f34aecf6dbd1f9b0f0c7e9853098fc96", 1_000_000);
        }

        return data;
    }

    /// <summary>Keccak-256 of "" and "abc", and of one million 'a' (7,353 permutations), through each forced path.</summary>
    [Theory]
    [MemberData(nameof(KnownAnswers))]
    public void KeccakKnownAnswersThroughPath(string path, string expected, int length)
    {
        byte[] data = length == 3 ? Encoding.ASCII.GetBytes("abc") : Enumerable.Repeat((byte)'a', length).ToArray();
        Assert.Equal(expected, "0x" + Convert.ToHexStringLower(Sponge(PathNamed(path), data, Keccak256.KeccakDomain)));
    }

    /// <summary>SHA3-256 through each forced path against the platform's, at and around the 136-byte rate.</summary>
    [Theory]
    [MemberData(nameof(Paths))]
    public void Sha3MatchesPlatformThroughPath(string path)
    {
        Assert.True(SHA3_256.IsSupported, "platform SHA3-256 (OpenSSL 1.1.1+) is needed for this cross-check");
        foreach (int length in new[] { 0, 1, 8, 31, 32, 64, 135, 136, 137, 271, 272, 273, 1_000_000 })
        {
            byte[] data = new byte[length];
            new Random(length).NextBytes(data);
            Assert.Equal(SHA3_256.HashData(data), Sponge(PathNamed(path), data, Keccak256.Sha3Domain));
        }
    }

    /// <summary>The production one-shot hash (default path, lane-wise padding) against the test sponge at every short length.</summary>
    [Fact]
    public void OneShotMatchesTestSpongeAtEveryLengthUpTo300()
    {
        var random = new Random(3);
        for (int length = 0; length <= 300; length++)
        {
            byte[] data = new byte[length];
            random.NextBytes(data);
            Assert.Equal(Sponge(KeccakPermutation.PermuteScalar, data, Keccak256.KeccakDomain), Keccak256.Hash(data).ToArray());
        }
    }

    /// <summary>A plain sponge (rate 136, 32-byte output) over a chosen permutation, with a byte-wise padded last block.</summary>
    private static byte[] Sponge(Permutation permute, ReadOnlySpan<byte> data, byte domain)
    {
        const int rate = 136;
        ulong[] state = new ulong[25];
        byte[] last = new byte[rate];
        int fullBlocks = data.Length / rate;
        data[(fullBlocks * rate)..].CopyTo(last);
        last[data.Length - fullBlocks * rate] ^= domain;
        last[rate - 1] ^= 0x80;
        for (int block = 0; block <= fullBlocks; block++)
        {
            ReadOnlySpan<byte> bytes = block < fullBlocks ? data.Slice(block * rate, rate) : last;
            for (int i = 0; i < rate / 8; i++)
            {
                state[i] ^= BinaryPrimitives.ReadUInt64LittleEndian(bytes[(i * 8)..]);
            }

            permute(state);
        }

        byte[] digest = new byte[32];
        for (int i = 0; i < 4; i++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(digest.AsSpan(i * 8), state[i]);
        }

        return digest;
    }

    /// <summary>FIPS 202 section 3.2 step by step on A[x, y] = state[x + 5y], constants computed, not tabulated.</summary>
    private static void TextbookPermute(ulong[] state)
    {
        int[,] offsets = new int[5, 5];
        for (int t = 0, x = 1, y = 0; t < 24; t++)
        {
            offsets[x, y] = (t + 1) * (t + 2) / 2 % 64;
            (x, y) = (y, (2 * x + 3 * y) % 5);
        }

        for (int round = 0; round < 24; round++)
        {
            ulong[] c = new ulong[5];
            for (int x = 0; x < 5; x++)
            {
                c[x] = state[x] ^ state[x + 5] ^ state[x + 10] ^ state[x + 15] ^ state[x + 20];
            }

            for (int x = 0; x < 5; x++)
            {
                ulong d = c[(x + 4) % 5] ^ ulong.RotateLeft(c[(x + 1) % 5], 1);
                for (int y = 0; y < 5; y++)
                {
                    state[x + 5 * y] ^= d;
                }
            }

            ulong[] b = new ulong[25];
            for (int x = 0; x < 5; x++)
            {
                for (int y = 0; y < 5; y++)
                {
                    b[y + 5 * ((2 * x + 3 * y) % 5)] = ulong.RotateLeft(state[x + 5 * y], offsets[x, y]);
                }
            }

            for (int x = 0; x < 5; x++)
            {
                for (int y = 0; y < 5; y++)
                {
                    state[x + 5 * y] = b[x + 5 * y] ^ (~b[(x + 1) % 5 + 5 * y] & b[(x + 2) % 5 + 5 * y]);
                }
            }

            ulong roundConstant = 0;
            for (int j = 0; j <= 6; j++)
            {
                if (Rc(j + 7 * round))
                {
                    roundConstant |= 1UL << ((1 << j) - 1);
                }
            }

            state[0] ^= roundConstant;
        }
    }

    /// <summary>FIPS 202 algorithm 5: the round-constant bit rc(t) from the LFSR x^8 + x^6 + x^5 + x^4 + 1.</summary>
    private static bool Rc(int t)
    {
        if (t % 255 == 0)
        {
            return true;
        }

        int r = 0x01;
        for (int i = 1; i <= t % 255; i++)
        {
            r <<= 1;
            if ((r & 0x100) != 0)
            {
                r ^= 0x171;
            }
        }

        return (r & 1) != 0;
    }
}
