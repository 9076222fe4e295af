using System.Buffers.Binary;
using System.Numerics;

namespace Hyperion.Evm.Precompiles;

/// <summary>0x09 blake2f (EIP-152): the BLAKE2b compression function F; gas = rounds.</summary>
public static class Blake2fPrecompile
{
    public const int InputLength = 213;

    private static ReadOnlySpan<ulong> Iv =>
    [
        0x6a09e667f3bcc908UL, 0xbb67ae8584caa73bUL, 0x3c6ef372fe94f82bUL, 0xa54ff53a5f1d36f1UL,
        0x510e527fade682d1UL, 0x9b05688c2b3e6c1fUL, 0x1f83d9abfb41bd6bUL, 0x5be0cd19137e2179UL,
    ];

    private static ReadOnlySpan<byte> Sigma =>
    [
        0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
        14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3,
        11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4,
        7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8,
        9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13,
        2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9,
        12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11,
        13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10,
        6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5,
        10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0,
    ];

    /// <summary>Gas is the 4-byte big-endian round count; malformed input costs nothing before failing.</summary>
    public static long RequiredGas(ReadOnlySpan<byte> input) =>
        input.Length == InputLength ? BinaryPrimitives.ReadUInt32BigEndian(input) : 0;

    public static bool TryRun(ReadOnlySpan<byte> input, out byte[] output)
    {
        if (input.Length != InputLength || input[212] > 1)
        {
            output = [];
            return false;
        }

        uint rounds = BinaryPrimitives.ReadUInt32BigEndian(input);
        Span<ulong> h = stackalloc ulong[8];
        Span<ulong> m = stackalloc ulong[16];
        for (int i = 0; i < 8; i++)
        {
            h[i] = BinaryPrimitives.ReadUInt64LittleEndian(input.Slice(4 + i * 8));
        }

        for (int i = 0; i < 16; i++)
        {
            m[i] = BinaryPrimitives.ReadUInt64LittleEndian(input.Slice(68 + i * 8));
        }

        ulong t0 = BinaryPrimitives.ReadUInt64LittleEndian(input.Slice(196));
        ulong t1 = BinaryPrimitives.ReadUInt64LittleEndian(input.Slice(204));
        Compress(rounds, h, m, t0, t1, input[212] == 1);

        output = new byte[64];
        for (int i = 0; i < 8; i++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(output.AsSpan(i * 8), h[i]);
        }

        return true;
    }

    /// <summary>BLAKE2b F with a caller-chosen round count (RFC 7693 §3.2).</summary>
    public static void Compress(uint rounds, Span<ulong> h, ReadOnlySpan<ulong> m, ulong t0, ulong t1, bool final)
    {
        Span<ulong> v = stackalloc ulong[16];
        h[..8].CopyTo(v);
        Iv.CopyTo(v[8..]);
        v[12] ^= t0;
        v[13] ^= t1;
        if (final)
        {
            v[14] = ~v[14];
        }

        for (uint r = 0; r < rounds; r++)
        {
            ReadOnlySpan<byte> s = Sigma.Slice((int)(r % 10) * 16, 16);
            Mix(v, 0, 4, 8, 12, m[s[0]], m[s[1]]);
            Mix(v, 1, 5, 9, 13, m[s[2]], m[s[3]]);
            Mix(v, 2, 6, 10, 14, m[s[4]], m[s[5]]);
            Mix(v, 3, 7, 11, 15, m[s[6]], m[s[7]]);
            Mix(v, 0, 5, 10, 15, m[s[8]], m[s[9]]);
            Mix(v, 1, 6, 11, 12, m[s[10]], m[s[11]]);
            Mix(v, 2, 7, 8, 13, m[s[12]], m[s[13]]);
            Mix(v, 3, 4, 9, 14, m[s[14]], m[s[15]]);
        }

        for (int i = 0; i < 8; i++)
        {
            h[i] ^= v[i] ^ v[i + 8];
        }
    }

    private static void Mix(Span<ulong> v, int a, int b, int c, int d, ulong x, ulong y)
    {
        v[a] = v[a] + v[b] + x;
        v[d] = BitOperations.RotateRight(v[d] ^ v[a], 32);
        v[c] = v[c] + v[d];
        v[b] = BitOperations.RotateRight(v[b] ^ v[c], 24);
        v[a] = v[a] + v[b] + y;
        v[d] = BitOperations.RotateRight(v[d] ^ v[a], 16);
        v[c] = v[c] + v[d];
        v[b] = BitOperations.RotateRight(v[b] ^ v[c], 63);
    }
}
