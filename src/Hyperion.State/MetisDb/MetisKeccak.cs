using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Hyperion.State.MetisDb;

/// <summary>
/// Keccak-256 (the pre-NIST padding Ethereum uses) for trie node hashing inside MetisDB.
/// Kept internal to the store: the state root is computed here, below the EVM layer.
/// </summary>
internal static class MetisKeccak
{
    private const int Rate = 136;

    private static readonly ulong[] RoundConstants =
    [
        0x0000000000000001UL, 0x0000000000008082UL, 0x800000000000808aUL, 0x8000000080008000UL,
        0x000000000000808bUL, 0x0000000080000001UL, 0x8000000080008081UL, 0x8000000000008009UL,
        0x000000000000008aUL, 0x0000000000000088UL, 0x0000000080008009UL, 0x000000008000000aUL,
        0x000000008000808bUL, 0x800000000000008bUL, 0x8000000000008089UL, 0x8000000000008003UL,
        0x8000000000008002UL, 0x8000000000000080UL, 0x000000000000800aUL, 0x800000008000000aUL,
        0x8000000080008081UL, 0x8000000000008080UL, 0x0000000080000001UL, 0x8000000080008008UL,
    ];

    public static void Hash(ReadOnlySpan<byte> input, Span<byte> output32)
    {
        Span<ulong> state = stackalloc ulong[25];
        state.Clear();
        while (input.Length >= Rate)
        {
            Absorb(state, input[..Rate]);
            Permute(state);
            input = input[Rate..];
        }

        Span<byte> last = stackalloc byte[Rate];
        last.Clear();
        input.CopyTo(last);
        last[input.Length] ^= 0x01;
        last[Rate - 1] ^= 0x80;
        Absorb(state, last);
        Permute(state);
        for (int i = 0; i < 4; i++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(output32[(i * 8)..], state[i]);
        }
    }

    public static byte[] Hash(ReadOnlySpan<byte> input)
    {
        var result = new byte[32];
        Hash(input, result);
        return result;
    }

    private static void Absorb(Span<ulong> state, ReadOnlySpan<byte> block)
    {
        for (int i = 0; i < Rate / 8; i++)
        {
            state[i] ^= BinaryPrimitives.ReadUInt64LittleEndian(block[(i * 8)..]);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Permute(Span<ulong> a)
    {
        ulong a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3], a4 = a[4], a5 = a[5], a6 = a[6], a7 = a[7], a8 = a[8], a9 = a[9];
        ulong a10 = a[10], a11 = a[11], a12 = a[12], a13 = a[13], a14 = a[14], a15 = a[15], a16 = a[16], a17 = a[17];
        ulong a18 = a[18], a19 = a[19], a20 = a[20], a21 = a[21], a22 = a[22], a23 = a[23], a24 = a[24];
        for (int round = 0; round < 24; round++)
        {
            // theta
            ulong c0 = a0 ^ a5 ^ a10 ^ a15 ^ a20;
            ulong c1 = a1 ^ a6 ^ a11 ^ a16 ^ a21;
            ulong c2 = a2 ^ a7 ^ a12 ^ a17 ^ a22;
            ulong c3 = a3 ^ a8 ^ a13 ^ a18 ^ a23;
            ulong c4 = a4 ^ a9 ^ a14 ^ a19 ^ a24;
            ulong d0 = c4 ^ BitOperations.RotateLeft(c1, 1);
            ulong d1 = c0 ^ BitOperations.RotateLeft(c2, 1);
            ulong d2 = c1 ^ BitOperations.RotateLeft(c3, 1);
            ulong d3 = c2 ^ BitOperations.RotateLeft(c4, 1);
            ulong d4 = c3 ^ BitOperations.RotateLeft(c0, 1);
            a0 ^= d0; a5 ^= d0; a10 ^= d0; a15 ^= d0; a20 ^= d0;
            a1 ^= d1; a6 ^= d1; a11 ^= d1; a16 ^= d1; a21 ^= d1;
            a2 ^= d2; a7 ^= d2; a12 ^= d2; a17 ^= d2; a22 ^= d2;
            a3 ^= d3; a8 ^= d3; a13 ^= d3; a18 ^= d3; a23 ^= d3;
            a4 ^= d4; a9 ^= d4; a14 ^= d4; a19 ^= d4; a24 ^= d4;

            // rho and pi: b[y, 2x+3y] = rot(a[x, y], r[x, y])
            ulong b0 = a0;
            ulong b10 = BitOperations.RotateLeft(a1, 1);
            ulong b20 = BitOperations.RotateLeft(a2, 62);
            ulong b5 = BitOperations.RotateLeft(a3, 28);
            ulong b15 = BitOperations.RotateLeft(a4, 27);
            ulong b16 = BitOperations.RotateLeft(a5, 36);
            ulong b1 = BitOperations.RotateLeft(a6, 44);
            ulong b11 = BitOperations.RotateLeft(a7, 6);
            ulong b21 = BitOperations.RotateLeft(a8, 55);
            ulong b6 = BitOperations.RotateLeft(a9, 20);
            ulong b7 = BitOperations.RotateLeft(a10, 3);
            ulong b17 = BitOperations.RotateLeft(a11, 10);
            ulong b2 = BitOperations.RotateLeft(a12, 43);
            ulong b12 = BitOperations.RotateLeft(a13, 25);
            ulong b22 = BitOperations.RotateLeft(a14, 39);
            ulong b23 = BitOperations.RotateLeft(a15, 41);
            ulong b8 = BitOperations.RotateLeft(a16, 45);
            ulong b18 = BitOperations.RotateLeft(a17, 15);
            ulong b3 = BitOperations.RotateLeft(a18, 21);
            ulong b13 = BitOperations.RotateLeft(a19, 8);
            ulong b14 = BitOperations.RotateLeft(a20, 18);
            ulong b24 = BitOperations.RotateLeft(a21, 2);
            ulong b9 = BitOperations.RotateLeft(a22, 61);
            ulong b19 = BitOperations.RotateLeft(a23, 56);
            ulong b4 = BitOperations.RotateLeft(a24, 14);

            // chi
            a0 = b0 ^ (~b1 & b2); a1 = b1 ^ (~b2 & b3); a2 = b2 ^ (~b3 & b4); a3 = b3 ^ (~b4 & b0); a4 = b4 ^ (~b0 & b1);
            a5 = b5 ^ (~b6 & b7); a6 = b6 ^ (~b7 & b8); a7 = b7 ^ (~b8 & b9); a8 = b8 ^ (~b9 & b5); a9 = b9 ^ (~b5 & b6);
            a10 = b10 ^ (~b11 & b12); a11 = b11 ^ (~b12 & b13); a12 = b12 ^ (~b13 & b14); a13 = b13 ^ (~b14 & b10); a14 = b14 ^ (~b10 & b11);
            a15 = b15 ^ (~b16 & b17); a16 = b16 ^ (~b17 & b18); a17 = b17 ^ (~b18 & b19); a18 = b18 ^ (~b19 & b15); a19 = b19 ^ (~b15 & b16);
            a20 = b20 ^ (~b21 & b22); a21 = b21 ^ (~b22 & b23); a22 = b22 ^ (~b23 & b24); a23 = b23 ^ (~b24 & b20); a24 = b24 ^ (~b20 & b21);

            // iota
            a0 ^= RoundConstants[round];
        }

        a[0] = a0; a[1] = a1; a[2] = a2; a[3] = a3; a[4] = a4; a[5] = a5; a[6] = a6; a[7] = a7; a[8] = a8; a[9] = a9;
        a[10] = a10; a[11] = a11; a[12] = a12; a[13] = a13; a[14] = a14; a[15] = a15; a[16] = a16; a[17] = a17;
        a[18] = a18; a[19] = a19; a[20] = a20; a[21] = a21; a[22] = a22; a[23] = a23; a[24] = a24;
    }
}
