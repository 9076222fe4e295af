using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Hyperion.Core.Crypto;

/// <summary>The Keccak-f[1600] permutation (FIPS 202 section 3). Lane (x, y) of the state is element x + 5y.</summary>
internal static class KeccakPermutation
{
    /// <summary>Rate in bytes of Keccak-256 (1600 - 2*256 bits).</summary>
    public const int Rate256 = 136;

    internal static ReadOnlySpan<ulong> RoundConstants =>
    [
        0x0000000000000001UL,
        0x0000000000008082UL,
        0x800000000000808AUL,
        0x8000000080008000UL,
        0x000000000000808BUL,
        0x0000000080000001UL,
        0x8000000080008081UL,
        0x8000000000008009UL,
        0x000000000000008AUL,
        0x0000000000000088UL,
        0x0000000080008009UL,
        0x000000008000000AUL,
        0x000000008000808BUL,
        0x800000000000008BUL,
        0x8000000000008089UL,
        0x8000000000008003UL,
        0x8000000000008002UL,
        0x8000000000000080UL,
        0x000000000000800AUL,
        0x800000008000000AUL,
        0x8000000080008081UL,
        0x8000000000008080UL,
        0x0000000080000001UL,
        0x8000000080008008UL
    ];

    /// <summary>XORs one rate-sized block (little-endian lanes) into the state and permutes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AbsorbBlock(Span<ulong> state, ReadOnlySpan<byte> block)
    {
        for (int i = 0; i < Rate256 / 8; i++)
        {
            state[i] ^= BinaryPrimitives.ReadUInt64LittleEndian(block.Slice(i * 8, 8));
        }
        Permute(state);
    }

    public static void Permute(Span<ulong> state) => PermuteScalar(ref LanesOf(state));

    /// <summary>The scalar path, forced (tests and benchmarks).</summary>
    internal static void PermuteScalar(Span<ulong> state) => PermuteScalar(ref LanesOf(state));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ref ulong LanesOf(Span<ulong> state)
    {
        if (state.Length < 25)
        {
            ThrowStateTooShort();
        }

        return ref MemoryMarshal.GetReference(state);
    }

    private static void ThrowStateTooShort() => throw new ArgumentException("Keccak state must have 25 lanes.", "state");

    /// <summary>
    /// Scalar rounds plane by plane through memory (the compact "in place" schedule): a round reads the 25 lanes of
    /// one buffer and writes the next state to the other, holding only C/D and one output plane in registers, so the
    /// JIT needs no spills (the 25-lanes-in-locals form spilled ~half the lanes every round). Two rounds per
    /// iteration, state to scratch and back, so no copies between rounds.
    /// </summary>
    [SkipLocalsInit]
    private static void PermuteScalar(ref ulong state)
    {
        Unsafe.SkipInit(out ScalarScratch scratch);
        ref ulong other = ref scratch[0];
        ref ulong roundConstant = ref MemoryMarshal.GetReference(RoundConstants);
        for (int round = 0; round < 24; round += 2)
        {
            ScalarRound(ref state, ref other, Unsafe.Add(ref roundConstant, round));
            ScalarRound(ref other, ref state, Unsafe.Add(ref roundConstant, round + 1));
        }
    }

    /// <summary>One round from <paramref name="a"/> into <paramref name="e"/>: theta, rho and pi per output plane, then chi and iota.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ScalarRound(ref ulong a, ref ulong e, ulong roundConstant)
    {
        ulong c0 = a ^ Unsafe.Add(ref a, 5) ^ Unsafe.Add(ref a, 10) ^ Unsafe.Add(ref a, 15) ^ Unsafe.Add(ref a, 20);
        ulong c1 = Unsafe.Add(ref a, 1) ^ Unsafe.Add(ref a, 6) ^ Unsafe.Add(ref a, 11) ^ Unsafe.Add(ref a, 16) ^ Unsafe.Add(ref a, 21);
        ulong c2 = Unsafe.Add(ref a, 2) ^ Unsafe.Add(ref a, 7) ^ Unsafe.Add(ref a, 12) ^ Unsafe.Add(ref a, 17) ^ Unsafe.Add(ref a, 22);
        ulong c3 = Unsafe.Add(ref a, 3) ^ Unsafe.Add(ref a, 8) ^ Unsafe.Add(ref a, 13) ^ Unsafe.Add(ref a, 18) ^ Unsafe.Add(ref a, 23);
        ulong c4 = Unsafe.Add(ref a, 4) ^ Unsafe.Add(ref a, 9) ^ Unsafe.Add(ref a, 14) ^ Unsafe.Add(ref a, 19) ^ Unsafe.Add(ref a, 24);
        ulong d0 = c4 ^ BitOperations.RotateLeft(c1, 1);
        ulong d1 = c0 ^ BitOperations.RotateLeft(c2, 1);
        ulong d2 = c1 ^ BitOperations.RotateLeft(c3, 1);
        ulong d3 = c2 ^ BitOperations.RotateLeft(c4, 1);
        ulong d4 = c3 ^ BitOperations.RotateLeft(c0, 1);

        // Output plane Y takes lane X from input lane ((X + 3Y) mod 5, X), rotated by rho: B[X, Y] = A[(X + 3Y) % 5, X].
        ulong b0 = a ^ d0;
        ulong b1 = BitOperations.RotateLeft(Unsafe.Add(ref a, 6) ^ d1, 44);
        ulong b2 = BitOperations.RotateLeft(Unsafe.Add(ref a, 12) ^ d2, 43);
        ulong b3 = BitOperations.RotateLeft(Unsafe.Add(ref a, 18) ^ d3, 21);
        ulong b4 = BitOperations.RotateLeft(Unsafe.Add(ref a, 24) ^ d4, 14);
        e = b0 ^ (~b1 & b2) ^ roundConstant;
        Unsafe.Add(ref e, 1) = b1 ^ (~b2 & b3);
        Unsafe.Add(ref e, 2) = b2 ^ (~b3 & b4);
        Unsafe.Add(ref e, 3) = b3 ^ (~b4 & b0);
        Unsafe.Add(ref e, 4) = b4 ^ (~b0 & b1);

        ChiPlane(ref Unsafe.Add(ref e, 5),
            BitOperations.RotateLeft(Unsafe.Add(ref a, 3) ^ d3, 28),
            BitOperations.RotateLeft(Unsafe.Add(ref a, 9) ^ d4, 20),
            BitOperations.RotateLeft(Unsafe.Add(ref a, 10) ^ d0, 3),
            BitOperations.RotateLeft(Unsafe.Add(ref a, 16) ^ d1, 45),
            BitOperations.RotateLeft(Unsafe.Add(ref a, 22) ^ d2, 61));
        ChiPlane(ref Unsafe.Add(ref e, 10),
            BitOperations.RotateLeft(Unsafe.Add(ref a, 1) ^ d1, 1),
            BitOperations.RotateLeft(Unsafe.Add(ref a, 7) ^ d2, 6),
            BitOperations.RotateLeft(Unsafe.Add(ref a, 13) ^ d3, 25),
            BitOperations.RotateLeft(Unsafe.Add(ref a, 19) ^ d4, 8),
            BitOperations.RotateLeft(Unsafe.Add(ref a, 20) ^ d0, 18));
        ChiPlane(ref Unsafe.Add(ref e, 15),
            BitOperations.RotateLeft(Unsafe.Add(ref a, 4) ^ d4, 27),
            BitOperations.RotateLeft(Unsafe.Add(ref a, 5) ^ d0, 36),
            BitOperations.RotateLeft(Unsafe.Add(ref a, 11) ^ d1, 10),
            BitOperations.RotateLeft(Unsafe.Add(ref a, 17) ^ d2, 15),
            BitOperations.RotateLeft(Unsafe.Add(ref a, 23) ^ d3, 56));
        ChiPlane(ref Unsafe.Add(ref e, 20),
            BitOperations.RotateLeft(Unsafe.Add(ref a, 2) ^ d2, 62),
            BitOperations.RotateLeft(Unsafe.Add(ref a, 8) ^ d3, 55),
            BitOperations.RotateLeft(Unsafe.Add(ref a, 14) ^ d4, 39),
            BitOperations.RotateLeft(Unsafe.Add(ref a, 15) ^ d0, 41),
            BitOperations.RotateLeft(Unsafe.Add(ref a, 21) ^ d1, 2));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ChiPlane(ref ulong plane, ulong b0, ulong b1, ulong b2, ulong b3, ulong b4)
    {
        plane = b0 ^ (~b1 & b2);
        Unsafe.Add(ref plane, 1) = b1 ^ (~b2 & b3);
        Unsafe.Add(ref plane, 2) = b2 ^ (~b3 & b4);
        Unsafe.Add(ref plane, 3) = b3 ^ (~b4 & b0);
        Unsafe.Add(ref plane, 4) = b4 ^ (~b0 & b1);
    }

    [InlineArray(25)]
    private struct ScalarScratch
    {
        private ulong _lane;
    }
}
