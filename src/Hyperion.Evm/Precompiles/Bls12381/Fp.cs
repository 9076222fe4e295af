using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using static Hyperion.Core.LimbArithmetic;
using static Hyperion.Evm.Precompiles.Words;

namespace Hyperion.Evm.Precompiles.Bls12381;

/// <summary>
/// An element of the BLS12-381 base field Fp (p is 381 bits), stored as six little-endian 64-bit limbs in Montgomery
/// form (a·2³⁸⁴ mod p). Always fully reduced, so limb equality is value equality.
/// </summary>
internal readonly struct Fp : IField<Fp>
{
    internal readonly ulong L0, L1, L2, L3, L4, L5;

    // p = 0x1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab
    internal const ulong P0 = 0xb9feffffffffaaab, P1 = 0x1eabfffeb153ffff, P2 = 0x6730d2a0f6b0f624;
    internal const ulong P3 = 0x64774b84f38512bf, P4 = 0x4b1ba7b6434bacd7, P5 = 0x1a0111ea397fe69a;

    /// <summary>−p⁻¹ mod 2⁶⁴ (Montgomery reduction constant).</summary>
    internal const ulong Inv = 0x89f3fffcfffcfffd;

    public const int ByteLength = 48;

    public static readonly BigInteger Modulus = new(
        Convert.FromHexString("1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab"),
        isUnsigned: true, isBigEndian: true);

    // 2^768 mod p: multiplying by it (Montgomery) converts a canonical value into Montgomery form.
    private static readonly Fp R2 = FromLimbsUnchecked(BigInteger.ModPow(2, 768, Modulus));
    private static readonly Fp MontgomeryOne = FromLimbsUnchecked(BigInteger.ModPow(2, 384, Modulus));
    // 2^1152 mod p: Montgomery-multiplying a plain inverse of a·R by it gives a⁻¹ in Montgomery form.
    private static readonly Fp R3 = FromLimbsUnchecked(BigInteger.ModPow(2, 1152, Modulus));
    private static readonly ulong[] PMinusTwo = FieldMath.Limbs(Modulus - 2);
    private static readonly ulong[] SqrtExponent = FieldMath.Limbs((Modulus + 1) / 4);

    internal Fp(ulong l0, ulong l1, ulong l2, ulong l3, ulong l4, ulong l5)
    {
        L0 = l0; L1 = l1; L2 = l2; L3 = l3; L4 = l4; L5 = l5;
    }

    public static Fp Zero => default;

    public static Fp One => MontgomeryOne;

    public bool IsZero => (L0 | L1 | L2 | L3 | L4 | L5) == 0;

    public bool IsOne => AreEqual(this, MontgomeryOne);

    /// <summary>Parses a 48-byte big-endian integer; false unless it is below p (canonical).</summary>
    public static bool TryFromBigEndian(ReadOnlySpan<byte> bytes, out Fp value)
    {
        var raw = new Fp(
            BinaryPrimitives.ReadUInt64BigEndian(bytes[40..]), BinaryPrimitives.ReadUInt64BigEndian(bytes[32..]),
            BinaryPrimitives.ReadUInt64BigEndian(bytes[24..]), BinaryPrimitives.ReadUInt64BigEndian(bytes[16..]),
            BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]), BinaryPrimitives.ReadUInt64BigEndian(bytes));
        if (!IsBelowModulus(raw))
        {
            value = default;
            return false;
        }

        value = Multiply(raw, R2);
        return true;
    }

    /// <summary>Writes the canonical value as 48 big-endian bytes.</summary>
    public void WriteBigEndian(Span<byte> destination)
    {
        Fp raw = Multiply(this, new Fp(1, 0, 0, 0, 0, 0));
        BinaryPrimitives.WriteUInt64BigEndian(destination, raw.L5);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], raw.L4);
        BinaryPrimitives.WriteUInt64BigEndian(destination[16..], raw.L3);
        BinaryPrimitives.WriteUInt64BigEndian(destination[24..], raw.L2);
        BinaryPrimitives.WriteUInt64BigEndian(destination[32..], raw.L1);
        BinaryPrimitives.WriteUInt64BigEndian(destination[40..], raw.L0);
    }

    /// <summary>For constants and tests: the element equal to <paramref name="value"/> mod p.</summary>
    public static Fp FromBigInteger(BigInteger value)
    {
        BigInteger reduced = BigInteger.Remainder(value, Modulus);
        if (reduced.Sign < 0)
        {
            reduced += Modulus;
        }

        return Multiply(FromLimbsUnchecked(reduced), R2);
    }

    public BigInteger ToBigInteger()
    {
        Span<byte> bytes = stackalloc byte[ByteLength];
        WriteBigEndian(bytes);
        return new BigInteger(bytes, isUnsigned: true, isBigEndian: true);
    }

    private static Fp FromLimbsUnchecked(BigInteger value)
    {
        ulong[] limbs = FieldMath.Limbs(value);
        Array.Resize(ref limbs, 6);
        return new Fp(limbs[0], limbs[1], limbs[2], limbs[3], limbs[4], limbs[5]);
    }

    private static bool IsBelowModulus(in Fp a)
    {
        ulong borrow = 0;
        SubtractWithBorrow(a.L0, P0, ref borrow);
        SubtractWithBorrow(a.L1, P1, ref borrow);
        SubtractWithBorrow(a.L2, P2, ref borrow);
        SubtractWithBorrow(a.L3, P3, ref borrow);
        SubtractWithBorrow(a.L4, P4, ref borrow);
        SubtractWithBorrow(a.L5, P5, ref borrow);
        return borrow != 0;
    }

    /// <summary>
    /// True when the canonical value exceeds (p−1)/2, i.e. it is the larger of {y, −y}: the "sign" of the ZCash
    /// compressed encoding.
    /// </summary>
    public bool IsLexicographicallyLargest()
    {
        Fp raw = Multiply(this, new Fp(1, 0, 0, 0, 0, 0));
        // raw > (p-1)/2  <=>  2·raw > p-1  <=>  2·raw ≥ p  (raw < p < 2^381, so doubling cannot overflow).
        var doubled = new Fp(raw.L0 << 1, (raw.L1 << 1) | (raw.L0 >> 63), (raw.L2 << 1) | (raw.L1 >> 63),
            (raw.L3 << 1) | (raw.L2 >> 63), (raw.L4 << 1) | (raw.L3 >> 63), (raw.L5 << 1) | (raw.L4 >> 63));
        return !IsBelowModulus(doubled);
    }

    /// <summary>Subtracts p when the value is at least p (the input is below 2p).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Fp ReduceOnce(ulong t0, ulong t1, ulong t2, ulong t3, ulong t4, ulong t5)
    {
        ulong r0 = t0 - P0;
        ulong borrow = BorrowOf(t0, P0, r0);
        ulong r1 = t1 - P1 - borrow;
        borrow = BorrowOf(t1, P1, r1);
        ulong r2 = t2 - P2 - borrow;
        borrow = BorrowOf(t2, P2, r2);
        ulong r3 = t3 - P3 - borrow;
        borrow = BorrowOf(t3, P3, r3);
        ulong r4 = t4 - P4 - borrow;
        borrow = BorrowOf(t4, P4, r4);
        ulong r5 = t5 - P5 - borrow;
        borrow = BorrowOf(t5, P5, r5);
        return borrow == 0 ? new Fp(r0, r1, r2, r3, r4, r5) : new Fp(t0, t1, t2, t3, t4, t5);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Fp Add(in Fp a, in Fp b)
    {
        // Both are below p < 2^381, so the sum cannot overflow 384 bits.
        ulong t0 = a.L0 + b.L0;
        ulong carry = CarryOf(t0, b.L0);
        ulong t1 = a.L1 + b.L1 + carry;
        carry = CarryOf(a.L1, b.L1, t1);
        ulong t2 = a.L2 + b.L2 + carry;
        carry = CarryOf(a.L2, b.L2, t2);
        ulong t3 = a.L3 + b.L3 + carry;
        carry = CarryOf(a.L3, b.L3, t3);
        ulong t4 = a.L4 + b.L4 + carry;
        carry = CarryOf(a.L4, b.L4, t4);
        ulong t5 = a.L5 + b.L5 + carry;
        return ReduceOnce(t0, t1, t2, t3, t4, t5);
    }

    public static Fp Double(in Fp a) => Add(a, a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Fp Subtract(in Fp a, in Fp b)
    {
        ulong t0 = a.L0 - b.L0;
        ulong borrow = BorrowOf(a.L0, b.L0, t0);
        ulong t1 = a.L1 - b.L1 - borrow;
        borrow = BorrowOf(a.L1, b.L1, t1);
        ulong t2 = a.L2 - b.L2 - borrow;
        borrow = BorrowOf(a.L2, b.L2, t2);
        ulong t3 = a.L3 - b.L3 - borrow;
        borrow = BorrowOf(a.L3, b.L3, t3);
        ulong t4 = a.L4 - b.L4 - borrow;
        borrow = BorrowOf(a.L4, b.L4, t4);
        ulong t5 = a.L5 - b.L5 - borrow;
        borrow = BorrowOf(a.L5, b.L5, t5);
        if (borrow == 0)
        {
            return new Fp(t0, t1, t2, t3, t4, t5);
        }

        // Wrapped below zero: add p back (the carry out of the top word cancels the borrow).
        ulong s0 = t0 + P0;
        ulong carry = CarryOf(s0, P0);
        ulong s1 = t1 + P1 + carry;
        carry = CarryOf(t1, P1, s1);
        ulong s2 = t2 + P2 + carry;
        carry = CarryOf(t2, P2, s2);
        ulong s3 = t3 + P3 + carry;
        carry = CarryOf(t3, P3, s3);
        ulong s4 = t4 + P4 + carry;
        carry = CarryOf(t4, P4, s4);
        ulong s5 = t5 + P5 + carry;
        return new Fp(s0, s1, s2, s3, s4, s5);
    }

    public static Fp Negate(in Fp a) => a.IsZero ? a : Subtract(default, a);

    public static Fp Multiply(in Fp a, in Fp b)
    {
        // CIOS, unrolled, with every intermediate in a local (see Words). No final carry word: p's top limb is below
        // 2⁶³ − 1, so t stays below 2p between rows.
        ulong a0 = a.L0, a1 = a.L1, a2 = a.L2, a3 = a.L3, a4 = a.L4, a5 = a.L5;
        ulong t0 = 0, t1 = 0, t2 = 0, t3 = 0, t4 = 0, t5 = 0;
        ulong lo, hi, carryA, carryM, m, bi;
        bi = b.L0;
        lo = a0 * bi; hi = MultiplyHigh(a0, bi); lo += t0; hi += CarryOf(lo, t0); t0 = lo; carryA = hi;
        m = t0 * Inv;
        lo = m * P0; hi = MultiplyHigh(m, P0); lo += t0; hi += CarryOf(lo, t0); carryM = hi;
        lo = a1 * bi; hi = MultiplyHigh(a1, bi); lo += t1; hi += CarryOf(lo, t1); lo += carryA; hi += CarryOf(lo, carryA); t1 = lo; carryA = hi;
        lo = m * P1; hi = MultiplyHigh(m, P1); lo += t1; hi += CarryOf(lo, t1); lo += carryM; hi += CarryOf(lo, carryM); t0 = lo; carryM = hi;
        lo = a2 * bi; hi = MultiplyHigh(a2, bi); lo += t2; hi += CarryOf(lo, t2); lo += carryA; hi += CarryOf(lo, carryA); t2 = lo; carryA = hi;
        lo = m * P2; hi = MultiplyHigh(m, P2); lo += t2; hi += CarryOf(lo, t2); lo += carryM; hi += CarryOf(lo, carryM); t1 = lo; carryM = hi;
        lo = a3 * bi; hi = MultiplyHigh(a3, bi); lo += t3; hi += CarryOf(lo, t3); lo += carryA; hi += CarryOf(lo, carryA); t3 = lo; carryA = hi;
        lo = m * P3; hi = MultiplyHigh(m, P3); lo += t3; hi += CarryOf(lo, t3); lo += carryM; hi += CarryOf(lo, carryM); t2 = lo; carryM = hi;
        lo = a4 * bi; hi = MultiplyHigh(a4, bi); lo += t4; hi += CarryOf(lo, t4); lo += carryA; hi += CarryOf(lo, carryA); t4 = lo; carryA = hi;
        lo = m * P4; hi = MultiplyHigh(m, P4); lo += t4; hi += CarryOf(lo, t4); lo += carryM; hi += CarryOf(lo, carryM); t3 = lo; carryM = hi;
        lo = a5 * bi; hi = MultiplyHigh(a5, bi); lo += t5; hi += CarryOf(lo, t5); lo += carryA; hi += CarryOf(lo, carryA); t5 = lo; carryA = hi;
        lo = m * P5; hi = MultiplyHigh(m, P5); lo += t5; hi += CarryOf(lo, t5); lo += carryM; hi += CarryOf(lo, carryM); t4 = lo; carryM = hi;
        t5 = carryM + carryA;
        bi = b.L1;
        lo = a0 * bi; hi = MultiplyHigh(a0, bi); lo += t0; hi += CarryOf(lo, t0); t0 = lo; carryA = hi;
        m = t0 * Inv;
        lo = m * P0; hi = MultiplyHigh(m, P0); lo += t0; hi += CarryOf(lo, t0); carryM = hi;
        lo = a1 * bi; hi = MultiplyHigh(a1, bi); lo += t1; hi += CarryOf(lo, t1); lo += carryA; hi += CarryOf(lo, carryA); t1 = lo; carryA = hi;
        lo = m * P1; hi = MultiplyHigh(m, P1); lo += t1; hi += CarryOf(lo, t1); lo += carryM; hi += CarryOf(lo, carryM); t0 = lo; carryM = hi;
        lo = a2 * bi; hi = MultiplyHigh(a2, bi); lo += t2; hi += CarryOf(lo, t2); lo += carryA; hi += CarryOf(lo, carryA); t2 = lo; carryA = hi;
        lo = m * P2; hi = MultiplyHigh(m, P2); lo += t2; hi += CarryOf(lo, t2); lo += carryM; hi += CarryOf(lo, carryM); t1 = lo; carryM = hi;
        lo = a3 * bi; hi = MultiplyHigh(a3, bi); lo += t3; hi += CarryOf(lo, t3); lo += carryA; hi += CarryOf(lo, carryA); t3 = lo; carryA = hi;
        lo = m * P3; hi = MultiplyHigh(m, P3); lo += t3; hi += CarryOf(lo, t3); lo += carryM; hi += CarryOf(lo, carryM); t2 = lo; carryM = hi;
        lo = a4 * bi; hi = MultiplyHigh(a4, bi); lo += t4; hi += CarryOf(lo, t4); lo += carryA; hi += CarryOf(lo, carryA); t4 = lo; carryA = hi;
        lo = m * P4; hi = MultiplyHigh(m, P4); lo += t4; hi += CarryOf(lo, t4); lo += carryM; hi += CarryOf(lo, carryM); t3 = lo; carryM = hi;
        lo = a5 * bi; hi = MultiplyHigh(a5, bi); lo += t5; hi += CarryOf(lo, t5); lo += carryA; hi += CarryOf(lo, carryA); t5 = lo; carryA = hi;
        lo = m * P5; hi = MultiplyHigh(m, P5); lo += t5; hi += CarryOf(lo, t5); lo += carryM; hi += CarryOf(lo, carryM); t4 = lo; carryM = hi;
        t5 = carryM + carryA;
        bi = b.L2;
        lo = a0 * bi; hi = MultiplyHigh(a0, bi); lo += t0; hi += CarryOf(lo, t0); t0 = lo; carryA = hi;
        m = t0 * Inv;
        lo = m * P0; hi = MultiplyHigh(m, P0); lo += t0; hi += CarryOf(lo, t0); carryM = hi;
        lo = a1 * bi; hi = MultiplyHigh(a1, bi); lo += t1; hi += CarryOf(lo, t1); lo += carryA; hi += CarryOf(lo, carryA); t1 = lo; carryA = hi;
        lo = m * P1; hi = MultiplyHigh(m, P1); lo += t1; hi += CarryOf(lo, t1); lo += carryM; hi += CarryOf(lo, carryM); t0 = lo; carryM = hi;
        lo = a2 * bi; hi = MultiplyHigh(a2, bi); lo += t2; hi += CarryOf(lo, t2); lo += carryA; hi += CarryOf(lo, carryA); t2 = lo; carryA = hi;
        lo = m * P2; hi = MultiplyHigh(m, P2); lo += t2; hi += CarryOf(lo, t2); lo += carryM; hi += CarryOf(lo, carryM); t1 = lo; carryM = hi;
        lo = a3 * bi; hi = MultiplyHigh(a3, bi); lo += t3; hi += CarryOf(lo, t3); lo += carryA; hi += CarryOf(lo, carryA); t3 = lo; carryA = hi;
        lo = m * P3; hi = MultiplyHigh(m, P3); lo += t3; hi += CarryOf(lo, t3); lo += carryM; hi += CarryOf(lo, carryM); t2 = lo; carryM = hi;
        lo = a4 * bi; hi = MultiplyHigh(a4, bi); lo += t4; hi += CarryOf(lo, t4); lo += carryA; hi += CarryOf(lo, carryA); t4 = lo; carryA = hi;
        lo = m * P4; hi = MultiplyHigh(m, P4); lo += t4; hi += CarryOf(lo, t4); lo += carryM; hi += CarryOf(lo, carryM); t3 = lo; carryM = hi;
        lo = a5 * bi; hi = MultiplyHigh(a5, bi); lo += t5; hi += CarryOf(lo, t5); lo += carryA; hi += CarryOf(lo, carryA); t5 = lo; carryA = hi;
        lo = m * P5; hi = MultiplyHigh(m, P5); lo += t5; hi += CarryOf(lo, t5); lo += carryM; hi += CarryOf(lo, carryM); t4 = lo; carryM = hi;
        t5 = carryM + carryA;
        bi = b.L3;
        lo = a0 * bi; hi = MultiplyHigh(a0, bi); lo += t0; hi += CarryOf(lo, t0); t0 = lo; carryA = hi;
        m = t0 * Inv;
        lo = m * P0; hi = MultiplyHigh(m, P0); lo += t0; hi += CarryOf(lo, t0); carryM = hi;
        lo = a1 * bi; hi = MultiplyHigh(a1, bi); lo += t1; hi += CarryOf(lo, t1); lo += carryA; hi += CarryOf(lo, carryA); t1 = lo; carryA = hi;
        lo = m * P1; hi = MultiplyHigh(m, P1); lo += t1; hi += CarryOf(lo, t1); lo += carryM; hi += CarryOf(lo, carryM); t0 = lo; carryM = hi;
        lo = a2 * bi; hi = MultiplyHigh(a2, bi); lo += t2; hi += CarryOf(lo, t2); lo += carryA; hi += CarryOf(lo, carryA); t2 = lo; carryA = hi;
        lo = m * P2; hi = MultiplyHigh(m, P2); lo += t2; hi += CarryOf(lo, t2); lo += carryM; hi += CarryOf(lo, carryM); t1 = lo; carryM = hi;
        lo = a3 * bi; hi = MultiplyHigh(a3, bi); lo += t3; hi += CarryOf(lo, t3); lo += carryA; hi += CarryOf(lo, carryA); t3 = lo; carryA = hi;
        lo = m * P3; hi = MultiplyHigh(m, P3); lo += t3; hi += CarryOf(lo, t3); lo += carryM; hi += CarryOf(lo, carryM); t2 = lo; carryM = hi;
        lo = a4 * bi; hi = MultiplyHigh(a4, bi); lo += t4; hi += CarryOf(lo, t4); lo += carryA; hi += CarryOf(lo, carryA); t4 = lo; carryA = hi;
        lo = m * P4; hi = MultiplyHigh(m, P4); lo += t4; hi += CarryOf(lo, t4); lo += carryM; hi += CarryOf(lo, carryM); t3 = lo; carryM = hi;
        lo = a5 * bi; hi = MultiplyHigh(a5, bi); lo += t5; hi += CarryOf(lo, t5); lo += carryA; hi += CarryOf(lo, carryA); t5 = lo; carryA = hi;
        lo = m * P5; hi = MultiplyHigh(m, P5); lo += t5; hi += CarryOf(lo, t5); lo += carryM; hi += CarryOf(lo, carryM); t4 = lo; carryM = hi;
        t5 = carryM + carryA;
        bi = b.L4;
        lo = a0 * bi; hi = MultiplyHigh(a0, bi); lo += t0; hi += CarryOf(lo, t0); t0 = lo; carryA = hi;
        m = t0 * Inv;
        lo = m * P0; hi = MultiplyHigh(m, P0); lo += t0; hi += CarryOf(lo, t0); carryM = hi;
        lo = a1 * bi; hi = MultiplyHigh(a1, bi); lo += t1; hi += CarryOf(lo, t1); lo += carryA; hi += CarryOf(lo, carryA); t1 = lo; carryA = hi;
        lo = m * P1; hi = MultiplyHigh(m, P1); lo += t1; hi += CarryOf(lo, t1); lo += carryM; hi += CarryOf(lo, carryM); t0 = lo; carryM = hi;
        lo = a2 * bi; hi = MultiplyHigh(a2, bi); lo += t2; hi += CarryOf(lo, t2); lo += carryA; hi += CarryOf(lo, carryA); t2 = lo; carryA = hi;
        lo = m * P2; hi = MultiplyHigh(m, P2); lo += t2; hi += CarryOf(lo, t2); lo += carryM; hi += CarryOf(lo, carryM); t1 = lo; carryM = hi;
        lo = a3 * bi; hi = MultiplyHigh(a3, bi); lo += t3; hi += CarryOf(lo, t3); lo += carryA; hi += CarryOf(lo, carryA); t3 = lo; carryA = hi;
        lo = m * P3; hi = MultiplyHigh(m, P3); lo += t3; hi += CarryOf(lo, t3); lo += carryM; hi += CarryOf(lo, carryM); t2 = lo; carryM = hi;
        lo = a4 * bi; hi = MultiplyHigh(a4, bi); lo += t4; hi += CarryOf(lo, t4); lo += carryA; hi += CarryOf(lo, carryA); t4 = lo; carryA = hi;
        lo = m * P4; hi = MultiplyHigh(m, P4); lo += t4; hi += CarryOf(lo, t4); lo += carryM; hi += CarryOf(lo, carryM); t3 = lo; carryM = hi;
        lo = a5 * bi; hi = MultiplyHigh(a5, bi); lo += t5; hi += CarryOf(lo, t5); lo += carryA; hi += CarryOf(lo, carryA); t5 = lo; carryA = hi;
        lo = m * P5; hi = MultiplyHigh(m, P5); lo += t5; hi += CarryOf(lo, t5); lo += carryM; hi += CarryOf(lo, carryM); t4 = lo; carryM = hi;
        t5 = carryM + carryA;
        bi = b.L5;
        lo = a0 * bi; hi = MultiplyHigh(a0, bi); lo += t0; hi += CarryOf(lo, t0); t0 = lo; carryA = hi;
        m = t0 * Inv;
        lo = m * P0; hi = MultiplyHigh(m, P0); lo += t0; hi += CarryOf(lo, t0); carryM = hi;
        lo = a1 * bi; hi = MultiplyHigh(a1, bi); lo += t1; hi += CarryOf(lo, t1); lo += carryA; hi += CarryOf(lo, carryA); t1 = lo; carryA = hi;
        lo = m * P1; hi = MultiplyHigh(m, P1); lo += t1; hi += CarryOf(lo, t1); lo += carryM; hi += CarryOf(lo, carryM); t0 = lo; carryM = hi;
        lo = a2 * bi; hi = MultiplyHigh(a2, bi); lo += t2; hi += CarryOf(lo, t2); lo += carryA; hi += CarryOf(lo, carryA); t2 = lo; carryA = hi;
        lo = m * P2; hi = MultiplyHigh(m, P2); lo += t2; hi += CarryOf(lo, t2); lo += carryM; hi += CarryOf(lo, carryM); t1 = lo; carryM = hi;
        lo = a3 * bi; hi = MultiplyHigh(a3, bi); lo += t3; hi += CarryOf(lo, t3); lo += carryA; hi += CarryOf(lo, carryA); t3 = lo; carryA = hi;
        lo = m * P3; hi = MultiplyHigh(m, P3); lo += t3; hi += CarryOf(lo, t3); lo += carryM; hi += CarryOf(lo, carryM); t2 = lo; carryM = hi;
        lo = a4 * bi; hi = MultiplyHigh(a4, bi); lo += t4; hi += CarryOf(lo, t4); lo += carryA; hi += CarryOf(lo, carryA); t4 = lo; carryA = hi;
        lo = m * P4; hi = MultiplyHigh(m, P4); lo += t4; hi += CarryOf(lo, t4); lo += carryM; hi += CarryOf(lo, carryM); t3 = lo; carryM = hi;
        lo = a5 * bi; hi = MultiplyHigh(a5, bi); lo += t5; hi += CarryOf(lo, t5); lo += carryA; hi += CarryOf(lo, carryA); t5 = lo; carryA = hi;
        lo = m * P5; hi = MultiplyHigh(m, P5); lo += t5; hi += CarryOf(lo, t5); lo += carryM; hi += CarryOf(lo, carryM); t4 = lo; carryM = hi;
        t5 = carryM + carryA;
        return ReduceOnce(t0, t1, t2, t3, t4, t5);
    }

    public static Fp Square(in Fp a) => Multiply(a, a);

    /// <summary>a⁻¹ by Fermat (a^(p−2)); the inverse of zero is zero. Reference for <see cref="Invert"/>.</summary>
    internal static Fp InvertByFermat(in Fp a) => FieldMath.Pow(a, PMinusTwo);

    /// <summary>
    /// a⁻¹ by the binary extended Euclidean algorithm on the Montgomery representation A = a·R (variable time: every
    /// value inverted here is public), then a Montgomery multiplication by R³ turns A⁻¹ into (a⁻¹)·R. Zero maps to
    /// zero.
    /// </summary>
    [SkipLocalsInit]
    public static Fp Invert(in Fp a)
    {
        if (a.IsZero)
        {
            return a;
        }

        // Invariants: x1·A ≡ u and x2·A ≡ v (mod p), with gcd(u, v) = 1 throughout.
        Span<ulong> u = [a.L0, a.L1, a.L2, a.L3, a.L4, a.L5];
        Span<ulong> v = [P0, P1, P2, P3, P4, P5];
        Span<ulong> x1 = [1, 0, 0, 0, 0, 0];
        Span<ulong> x2 = [0, 0, 0, 0, 0, 0];
        while (!IsOneLimbs(u) && !IsOneLimbs(v))
        {
            HalveWhileEven(u, x1);
            HalveWhileEven(v, x2);
            if (CompareLimbs(u, v) >= 0)
            {
                SubtractLimbs(u, v);
                SubtractModP(x1, x2);
            }
            else
            {
                SubtractLimbs(v, u);
                SubtractModP(x2, x1);
            }
        }

        Span<ulong> x = IsOneLimbs(u) ? x1 : x2;
        return Multiply(new Fp(x[0], x[1], x[2], x[3], x[4], x[5]), R3);
    }

    private static bool IsOneLimbs(ReadOnlySpan<ulong> n) => n[0] == 1 && (n[1] | n[2] | n[3] | n[4] | n[5]) == 0;

    private static int CompareLimbs(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b)
    {
        for (int i = 5; i >= 0; i--)
        {
            if (a[i] != b[i])
            {
                return a[i] > b[i] ? 1 : -1;
            }
        }

        return 0;
    }

    /// <summary>a −= b for a ≥ b.</summary>
    private static void SubtractLimbs(Span<ulong> a, ReadOnlySpan<ulong> b)
    {
        ulong borrow = 0;
        for (int i = 0; i < 6; i++)
        {
            a[i] = SubtractWithBorrow(a[i], b[i], ref borrow);
        }
    }

    /// <summary>a = a − b mod p for a, b &lt; p.</summary>
    private static void SubtractModP(Span<ulong> a, ReadOnlySpan<ulong> b)
    {
        ulong borrow = 0;
        for (int i = 0; i < 6; i++)
        {
            a[i] = SubtractWithBorrow(a[i], b[i], ref borrow);
        }

        if (borrow != 0)
        {
            AddP(a);
        }
    }

    /// <summary>a += p; the caller guarantees the sum fits in six limbs (a &lt; p &lt; 2³⁸¹, or wraps back below p).</summary>
    private static void AddP(Span<ulong> a)
    {
        ulong carry = 0;
        a[0] = AddWithCarry(a[0], P0, ref carry);
        a[1] = AddWithCarry(a[1], P1, ref carry);
        a[2] = AddWithCarry(a[2], P2, ref carry);
        a[3] = AddWithCarry(a[3], P3, ref carry);
        a[4] = AddWithCarry(a[4], P4, ref carry);
        a[5] = AddWithCarry(a[5], P5, ref carry);
    }

    /// <summary>Divides n by 2 while it is even, halving x mod p alongside (x odd: (x + p)/2, which fits since x &lt; p).</summary>
    private static void HalveWhileEven(Span<ulong> n, Span<ulong> x)
    {
        while ((n[0] & 1) == 0)
        {
            ShiftRightOne(n);
            if ((x[0] & 1) != 0)
            {
                AddP(x);
            }

            ShiftRightOne(x);
        }
    }

    private static void ShiftRightOne(Span<ulong> n)
    {
        for (int i = 0; i < 5; i++)
        {
            n[i] = (n[i] >> 1) | (n[i + 1] << 63);
        }

        n[5] >>= 1;
    }

    /// <summary>A square root when one exists (p ≡ 3 mod 4, so it is a^((p+1)/4)).</summary>
    public static bool TrySqrt(in Fp a, out Fp root)
    {
        root = FieldMath.Pow(a, SqrtExponent);
        return AreEqual(Square(root), a);
    }

    public static bool AreEqual(in Fp a, in Fp b) =>
        ((a.L0 ^ b.L0) | (a.L1 ^ b.L1) | (a.L2 ^ b.L2) | (a.L3 ^ b.L3) | (a.L4 ^ b.L4) | (a.L5 ^ b.L5)) == 0;

    public override string ToString() => "0x" + ToBigInteger().ToString("x", System.Globalization.CultureInfo.InvariantCulture);
}
