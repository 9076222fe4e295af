using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Hyperion.Core.Crypto;

/// <summary>
/// The Keccak-f[1600] permutation (FIPS 202 section 3). Lane (x, y) of the state is element x + 5y.
/// Two implementations, chosen once per process: AVX-512 (five row vectors) where the CPU has it, else scalar.
/// </summary>
internal static class KeccakPermutation
{
    /// <summary>Rate in bytes of Keccak-256 (1600 - 2*256 bits).</summary>
    public const int Rate256 = 136;

    private static ReadOnlySpan<ulong> RoundConstants =>
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

    /// <summary>True when <see cref="Permute"/> takes the AVX-512 path (a JIT-time constant: the branch folds away).</summary>
    internal static readonly bool UsesAvx512 = Avx512F.IsSupported;

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

    public static void Permute(Span<ulong> state)
    {
        ref ulong lanes = ref LanesOf(state);
        if (UsesAvx512)
        {
            PermuteAvx512(ref lanes);
        }
        else
        {
            PermuteScalar(ref lanes);
        }
    }

    /// <summary>The scalar path, forced (tests and benchmarks).</summary>
    internal static void PermuteScalar(Span<ulong> state) => PermuteScalar(ref LanesOf(state));

    /// <summary>The AVX-512 path, forced (tests and benchmarks); only where <see cref="Avx512F.IsSupported"/>.</summary>
    internal static void PermuteAvx512(Span<ulong> state)
    {
        if (!Avx512F.IsSupported)
        {
            throw new PlatformNotSupportedException("The AVX-512 Keccak path needs AVX-512F.");
        }

        PermuteAvx512(ref LanesOf(state));
    }

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

    /// <summary>
    /// AVX-512 on one state (XKCP's AVX-512 "plain" layout): five row vectors, row y holding lanes (0..4, y) in its
    /// elements 0..4 (elements 5..7 carry junk that never reaches 0..4). Theta is two <c>vpternlogq</c> for C and one per
    /// row for A ^ D; rho is one <c>vprolvq</c> per row; pi is split into a permutation inside each row (row x becomes
    /// column x of B) and a 5x5 transpose after chi; chi then runs down the columns, one <c>vpternlogq</c> each.
    /// </summary>
    private static void PermuteAvx512(ref ulong state)
    {
        Vector512<ulong> r0 = Vector512.LoadUnsafe(ref state, 0);
        Vector512<ulong> r1 = Vector512.LoadUnsafe(ref state, 5);
        Vector512<ulong> r2 = Vector512.LoadUnsafe(ref state, 10);
        Vector512<ulong> r3 = Vector512.LoadUnsafe(ref state, 15);
        // Lanes 20..24 loaded from 17 (the 25-lane state has no room for an 8-lane load at 20), shifted down by 3.
        Vector512<ulong> tail = Vector512.LoadUnsafe(ref state, 17);
        Vector512<ulong> r4 = Avx512F.AlignRight64(tail, tail, 3);

        Vector512<ulong> thetaPrevious = Vector512.Create(4UL, 0, 1, 2, 3, 5, 6, 7);
        Vector512<ulong> thetaNext = Vector512.Create(1UL, 2, 3, 4, 0, 5, 6, 7);
        Vector512<ulong> rho0 = Vector512.Create(0UL, 1, 62, 28, 27, 0, 0, 0);
        Vector512<ulong> rho1 = Vector512.Create(36UL, 44, 6, 55, 20, 0, 0, 0);
        Vector512<ulong> rho2 = Vector512.Create(3UL, 10, 43, 25, 39, 0, 0, 0);
        Vector512<ulong> rho3 = Vector512.Create(41UL, 45, 15, 21, 8, 0, 0, 0);
        Vector512<ulong> rho4 = Vector512.Create(18UL, 2, 61, 56, 14, 0, 0, 0);
        // Row x to column x of B: element Y takes lane (x + 3Y) mod 5.
        Vector512<ulong> pi0 = Vector512.Create(0UL, 3, 1, 4, 2, 5, 6, 7);
        Vector512<ulong> pi1 = Vector512.Create(1UL, 4, 2, 0, 3, 5, 6, 7);
        Vector512<ulong> pi2 = Vector512.Create(2UL, 0, 3, 1, 4, 5, 6, 7);
        Vector512<ulong> pi3 = Vector512.Create(3UL, 1, 4, 2, 0, 5, 6, 7);
        Vector512<ulong> pi4 = Vector512.Create(4UL, 2, 0, 3, 1, 5, 6, 7);
        // Transpose: pairs of columns interleaved, column 4's elements dropped into the free elements 6 and 7, then gathered.
        Vector512<ulong> withColumn4Even = Vector512.Create(0UL, 1, 2, 3, 4, 5, 8, 10);
        Vector512<ulong> withColumn4Odd = Vector512.Create(0UL, 1, 2, 3, 4, 5, 9, 11);
        Vector512<ulong> gatherLow = Vector512.Create(0UL, 1, 8, 9, 6, 5, 6, 7);
        Vector512<ulong> gatherMiddle = Vector512.Create(2UL, 3, 10, 11, 7, 5, 6, 7);
        Vector512<ulong> gatherHigh = Vector512.Create(4UL, 5, 12, 13, 4, 5, 6, 7);
        Vector512<ulong> element4 = Vector512.Create(0UL, 0, 0, 0, ulong.MaxValue, 0, 0, 0);

        ref ulong roundConstant = ref MemoryMarshal.GetReference(RoundConstants);
        for (int round = 0; round < 24; round++)
        {
            const byte xor3 = 0x96; // a ^ b ^ c
            const byte chi = 0xD2; // a ^ (~b & c)
            Vector512<ulong> c = Avx512F.TernaryLogic(Avx512F.TernaryLogic(r0, r1, r2, xor3), r3, r4, xor3);
            Vector512<ulong> cPrevious = Avx512F.PermuteVar8x64(c, thetaPrevious);
            Vector512<ulong> cNextRotated = Avx512F.RotateLeft(Avx512F.PermuteVar8x64(c, thetaNext), 1);
            Vector512<ulong> b0 = Avx512F.PermuteVar8x64(Avx512F.RotateLeftVariable(Avx512F.TernaryLogic(r0, cPrevious, cNextRotated, xor3), rho0), pi0);
            Vector512<ulong> b1 = Avx512F.PermuteVar8x64(Avx512F.RotateLeftVariable(Avx512F.TernaryLogic(r1, cPrevious, cNextRotated, xor3), rho1), pi1);
            Vector512<ulong> b2 = Avx512F.PermuteVar8x64(Avx512F.RotateLeftVariable(Avx512F.TernaryLogic(r2, cPrevious, cNextRotated, xor3), rho2), pi2);
            Vector512<ulong> b3 = Avx512F.PermuteVar8x64(Avx512F.RotateLeftVariable(Avx512F.TernaryLogic(r3, cPrevious, cNextRotated, xor3), rho3), pi3);
            Vector512<ulong> b4 = Avx512F.PermuteVar8x64(Avx512F.RotateLeftVariable(Avx512F.TernaryLogic(r4, cPrevious, cNextRotated, xor3), rho4), pi4);
            Vector512<ulong> e0 = Avx512F.TernaryLogic(b0, b1, b2, chi) ^ Vector512.CreateScalar(Unsafe.Add(ref roundConstant, round));
            Vector512<ulong> e1 = Avx512F.TernaryLogic(b1, b2, b3, chi);
            Vector512<ulong> e2 = Avx512F.TernaryLogic(b2, b3, b4, chi);
            Vector512<ulong> e3 = Avx512F.TernaryLogic(b3, b4, b0, chi);
            Vector512<ulong> e4 = Avx512F.TernaryLogic(b4, b0, b1, chi);
            Vector512<ulong> even01 = Avx512F.PermuteVar8x64x2(Avx512F.UnpackLow(e0, e1), withColumn4Even, e4);
            Vector512<ulong> odd01 = Avx512F.PermuteVar8x64x2(Avx512F.UnpackHigh(e0, e1), withColumn4Odd, e4);
            Vector512<ulong> even23 = Avx512F.UnpackLow(e2, e3);
            Vector512<ulong> odd23 = Avx512F.UnpackHigh(e2, e3);
            r0 = Avx512F.PermuteVar8x64x2(even01, gatherLow, even23);
            r1 = Avx512F.PermuteVar8x64x2(odd01, gatherLow, odd23);
            r2 = Avx512F.PermuteVar8x64x2(even01, gatherMiddle, even23);
            r3 = Avx512F.PermuteVar8x64x2(odd01, gatherMiddle, odd23);
            r4 = Avx512F.BlendVariable(Avx512F.PermuteVar8x64x2(even01, gatherHigh, even23), e4, element4);
        }

        // In order, each 8-lane store's junk is overwritten by the next; the last puts lanes 17..24 (row 3's 2..4, row 4).
        r0.StoreUnsafe(ref state, 0);
        r1.StoreUnsafe(ref state, 5);
        r2.StoreUnsafe(ref state, 10);
        r3.StoreUnsafe(ref state, 15);
        Avx512F.PermuteVar8x64x2(r3, Vector512.Create(2UL, 3, 4, 8, 9, 10, 11, 12), r4).StoreUnsafe(ref state, 17);
    }

    [InlineArray(25)]
    private struct ScalarScratch
    {
        private ulong _lane;
    }
}
