using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Hyperion.Core.Crypto;

/// <summary>
/// The operations the lane-parallel Keccak-f[1600] needs on a vector of 64-bit lanes, one lane per independent state
/// (element j of every vector belongs to state j). Implemented per instruction set; every one must be inlined with
/// constant rotation counts for the permutation to be fast (the ops are static and the types structs, so the JIT
/// compiles <see cref="KeccakLanes.Permute{TVector, TOps}"/> once per implementation).
/// </summary>
internal interface IKeccakLaneOps<TVector>
    where TVector : unmanaged
{
    static abstract TVector Xor(TVector a, TVector b);

    static abstract TVector Xor3(TVector a, TVector b, TVector c);

    /// <summary><paramref name="a"/> ^ (~<paramref name="b"/> &amp; <paramref name="c"/>): the χ step.</summary>
    static abstract TVector XorAndNot(TVector a, TVector b, TVector c);

    static abstract TVector RotateLeft(TVector value, [ConstantExpected(Min = 1, Max = 63)] byte count);

    static abstract TVector Broadcast(ulong value);
}

/// <summary>Eight states in 512-bit vectors: AVX-512F's rotate (<c>vprolq</c>) and three-input logic (<c>vpternlogq</c>).</summary>
internal readonly struct KeccakLanes512 : IKeccakLaneOps<Vector512<ulong>>
{
    /// <summary>True where the JIT emits these (and 512-bit vectors are not slower than two 256-bit ones).</summary>
    public static bool IsSupported => Avx512F.IsSupported && Vector512.IsHardwareAccelerated;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<ulong> Xor(Vector512<ulong> a, Vector512<ulong> b) => a ^ b;

    // vpternlogq's immediate is the truth table over (a, b, c) = (0xF0, 0xCC, 0xAA): a ^ b ^ c = 0x96, a ^ (~b & c) = 0xD2.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<ulong> Xor3(Vector512<ulong> a, Vector512<ulong> b, Vector512<ulong> c) => Avx512F.TernaryLogic(a, b, c, 0x96);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<ulong> XorAndNot(Vector512<ulong> a, Vector512<ulong> b, Vector512<ulong> c) => Avx512F.TernaryLogic(a, b, c, 0xD2);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<ulong> RotateLeft(Vector512<ulong> value, [ConstantExpected(Min = 1, Max = 63)] byte count) => Avx512F.RotateLeft(value, count);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<ulong> Broadcast(ulong value) => Vector512.Create(value);
}

/// <summary>Four states in 256-bit vectors with AVX-512VL's rotate and three-input logic on them.</summary>
internal readonly struct KeccakLanes256Avx512 : IKeccakLaneOps<Vector256<ulong>>
{
    public static bool IsSupported => Avx512F.VL.IsSupported;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<ulong> Xor(Vector256<ulong> a, Vector256<ulong> b) => a ^ b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<ulong> Xor3(Vector256<ulong> a, Vector256<ulong> b, Vector256<ulong> c) => Avx512F.VL.TernaryLogic(a, b, c, 0x96);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<ulong> XorAndNot(Vector256<ulong> a, Vector256<ulong> b, Vector256<ulong> c) => Avx512F.VL.TernaryLogic(a, b, c, 0xD2);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<ulong> RotateLeft(Vector256<ulong> value, [ConstantExpected(Min = 1, Max = 63)] byte count) => Avx512F.VL.RotateLeft(value, count);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<ulong> Broadcast(ulong value) => Vector256.Create(value);
}

/// <summary>Four states in 256-bit vectors with AVX2's operations only: a rotate is two shifts and an or.</summary>
internal readonly struct KeccakLanes256 : IKeccakLaneOps<Vector256<ulong>>
{
    public static bool IsSupported => Avx2.IsSupported;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<ulong> Xor(Vector256<ulong> a, Vector256<ulong> b) => a ^ b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<ulong> Xor3(Vector256<ulong> a, Vector256<ulong> b, Vector256<ulong> c) => a ^ b ^ c;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<ulong> XorAndNot(Vector256<ulong> a, Vector256<ulong> b, Vector256<ulong> c) => a ^ Vector256.AndNot(c, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<ulong> RotateLeft(Vector256<ulong> value, [ConstantExpected(Min = 1, Max = 63)] byte count) =>
        Vector256.ShiftLeft(value, count) | Vector256.ShiftRightLogical(value, 64 - count);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<ulong> Broadcast(ulong value) => Vector256.Create(value);
}

/// <summary>
/// Keccak-f[1600] on several independent states at once, lane-interleaved: lane w of every state is the vector
/// <c>state[w]</c> (FIPS 202 order, w = x + 5y), its element j belonging to state j.
/// </summary>
internal static class KeccakLanes
{
    // Optimized at its first call: ReadyToRun cannot hold it (AVX-512, Vector512), and its unoptimized tiers call
    // every lane operation (a profile of `bench exec` had more of the Keccak in them than in the optimized code).
    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Permute<TVector, TOps>(Span<TVector> state)
        where TVector : unmanaged
        where TOps : struct, IKeccakLaneOps<TVector>
    {
        if (state.Length < 25)
        {
            throw new ArgumentException("Keccak state must have 25 lanes.", nameof(state));
        }

        // Names aXY: column x, row y (the scalar permutation's names), so the ρ offsets read as in FIPS 202 table 2.
        TVector a00 = state[0], a10 = state[1], a20 = state[2], a30 = state[3], a40 = state[4];
        TVector a01 = state[5], a11 = state[6], a21 = state[7], a31 = state[8], a41 = state[9];
        TVector a02 = state[10], a12 = state[11], a22 = state[12], a32 = state[13], a42 = state[14];
        TVector a03 = state[15], a13 = state[16], a23 = state[17], a33 = state[18], a43 = state[19];
        TVector a04 = state[20], a14 = state[21], a24 = state[22], a34 = state[23], a44 = state[24];

        ReadOnlySpan<ulong> roundConstants = KeccakPermutation.RoundConstants;
        for (int round = 0; round < 24; round++)
        {
            // θ
            TVector c0 = TOps.Xor3(TOps.Xor3(a00, a01, a02), a03, a04);
            TVector c1 = TOps.Xor3(TOps.Xor3(a10, a11, a12), a13, a14);
            TVector c2 = TOps.Xor3(TOps.Xor3(a20, a21, a22), a23, a24);
            TVector c3 = TOps.Xor3(TOps.Xor3(a30, a31, a32), a33, a34);
            TVector c4 = TOps.Xor3(TOps.Xor3(a40, a41, a42), a43, a44);
            TVector d0 = TOps.Xor(c4, TOps.RotateLeft(c1, 1));
            TVector d1 = TOps.Xor(c0, TOps.RotateLeft(c2, 1));
            TVector d2 = TOps.Xor(c1, TOps.RotateLeft(c3, 1));
            TVector d3 = TOps.Xor(c2, TOps.RotateLeft(c4, 1));
            TVector d4 = TOps.Xor(c3, TOps.RotateLeft(c0, 1));

            // ρ and π: bXY = rot(a at π⁻¹(X, Y)).
            TVector b00 = TOps.Xor(a00, d0);
            TVector b13 = TOps.RotateLeft(TOps.Xor(a01, d0), 36);
            TVector b21 = TOps.RotateLeft(TOps.Xor(a02, d0), 3);
            TVector b34 = TOps.RotateLeft(TOps.Xor(a03, d0), 41);
            TVector b42 = TOps.RotateLeft(TOps.Xor(a04, d0), 18);
            TVector b02 = TOps.RotateLeft(TOps.Xor(a10, d1), 1);
            TVector b10 = TOps.RotateLeft(TOps.Xor(a11, d1), 44);
            TVector b23 = TOps.RotateLeft(TOps.Xor(a12, d1), 10);
            TVector b31 = TOps.RotateLeft(TOps.Xor(a13, d1), 45);
            TVector b44 = TOps.RotateLeft(TOps.Xor(a14, d1), 2);
            TVector b04 = TOps.RotateLeft(TOps.Xor(a20, d2), 62);
            TVector b12 = TOps.RotateLeft(TOps.Xor(a21, d2), 6);
            TVector b20 = TOps.RotateLeft(TOps.Xor(a22, d2), 43);
            TVector b33 = TOps.RotateLeft(TOps.Xor(a23, d2), 15);
            TVector b41 = TOps.RotateLeft(TOps.Xor(a24, d2), 61);
            TVector b01 = TOps.RotateLeft(TOps.Xor(a30, d3), 28);
            TVector b14 = TOps.RotateLeft(TOps.Xor(a31, d3), 55);
            TVector b22 = TOps.RotateLeft(TOps.Xor(a32, d3), 25);
            TVector b30 = TOps.RotateLeft(TOps.Xor(a33, d3), 21);
            TVector b43 = TOps.RotateLeft(TOps.Xor(a34, d3), 56);
            TVector b03 = TOps.RotateLeft(TOps.Xor(a40, d4), 27);
            TVector b11 = TOps.RotateLeft(TOps.Xor(a41, d4), 20);
            TVector b24 = TOps.RotateLeft(TOps.Xor(a42, d4), 39);
            TVector b32 = TOps.RotateLeft(TOps.Xor(a43, d4), 8);
            TVector b40 = TOps.RotateLeft(TOps.Xor(a44, d4), 14);

            // χ, and ι on lane (0, 0).
            a00 = TOps.Xor(TOps.XorAndNot(b00, b10, b20), TOps.Broadcast(roundConstants[round]));
            a10 = TOps.XorAndNot(b10, b20, b30);
            a20 = TOps.XorAndNot(b20, b30, b40);
            a30 = TOps.XorAndNot(b30, b40, b00);
            a40 = TOps.XorAndNot(b40, b00, b10);
            a01 = TOps.XorAndNot(b01, b11, b21);
            a11 = TOps.XorAndNot(b11, b21, b31);
            a21 = TOps.XorAndNot(b21, b31, b41);
            a31 = TOps.XorAndNot(b31, b41, b01);
            a41 = TOps.XorAndNot(b41, b01, b11);
            a02 = TOps.XorAndNot(b02, b12, b22);
            a12 = TOps.XorAndNot(b12, b22, b32);
            a22 = TOps.XorAndNot(b22, b32, b42);
            a32 = TOps.XorAndNot(b32, b42, b02);
            a42 = TOps.XorAndNot(b42, b02, b12);
            a03 = TOps.XorAndNot(b03, b13, b23);
            a13 = TOps.XorAndNot(b13, b23, b33);
            a23 = TOps.XorAndNot(b23, b33, b43);
            a33 = TOps.XorAndNot(b33, b43, b03);
            a43 = TOps.XorAndNot(b43, b03, b13);
            a04 = TOps.XorAndNot(b04, b14, b24);
            a14 = TOps.XorAndNot(b14, b24, b34);
            a24 = TOps.XorAndNot(b24, b34, b44);
            a34 = TOps.XorAndNot(b34, b44, b04);
            a44 = TOps.XorAndNot(b44, b04, b14);
        }

        state[0] = a00; state[1] = a10; state[2] = a20; state[3] = a30; state[4] = a40;
        state[5] = a01; state[6] = a11; state[7] = a21; state[8] = a31; state[9] = a41;
        state[10] = a02; state[11] = a12; state[12] = a22; state[13] = a32; state[14] = a42;
        state[15] = a03; state[16] = a13; state[17] = a23; state[18] = a33; state[19] = a43;
        state[20] = a04; state[21] = a14; state[22] = a24; state[23] = a34; state[24] = a44;
    }
}
