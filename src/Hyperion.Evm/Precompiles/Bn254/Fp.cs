using System.Runtime.CompilerServices;
using Hyperion.Core;

namespace Hyperion.Evm.Precompiles.Bn254;

/// <summary>
/// An element of the bn254 base field, p = 21888242871839275222246405745257275088696311157297823662689037894645226208583,
/// in Montgomery form (a·2^256 mod p) as four little-endian 64-bit limbs, always fully reduced below p so equality
/// is limb equality. Multiplication is CIOS Montgomery; p's top limb is below 2^62, so the running sum never needs a
/// fifth word and the result needs at most one subtraction of p.
/// </summary>
internal readonly struct Fp : IField<Fp>, IEquatable<Fp>
{
    private const ulong P0 = 0x3c208c16d87cfd47, P1 = 0x97816a916871ca8d, P2 = 0xb85045b68181585d, P3 = 0x30644e72e131a029;

    /// <summary>−p⁻¹ mod 2^64.</summary>
    private const ulong PInverseNegated = 0x87d20782e4866389;

    public readonly ulong L0, L1, L2, L3;

    private Fp(ulong l0, ulong l1, ulong l2, ulong l3)
    {
        L0 = l0;
        L1 = l1;
        L2 = l2;
        L3 = l3;
    }

    /// <summary>p itself, for exponents and tests.</summary>
    public static UInt256 Modulus => new(P0, P1, P2, P3);

    public static Fp Zero => default;

    /// <summary>1 in Montgomery form: 2^256 mod p.</summary>
    public static Fp One => new(0xd35d438dc58f0d9d, 0x0a78eb28f5c70b3d, 0x666ea36f7879462c, 0x0e0a77c19a07df2f);

    /// <summary>2^512 mod p: Montgomery-multiplying a plain value by it converts the value to Montgomery form.</summary>
    private static Fp RSquared => new(0xf32cfc5b538afa89, 0xb5e71911d44501fb, 0x47ab1eff0a417ff6, 0x06d89f71cab8351f);

    /// <summary>2^768 mod p: turns the binary-GCD inverse of a Montgomery value back into Montgomery form.</summary>
    private static Fp RCubed => new(0xb1cd6dafda1530df, 0x62f210e6a7283db6, 0xef7f0b0c0ada0afb, 0x20fd6e902d592544);

    public bool IsZero => (L0 | L1 | L2 | L3) == 0;

    /// <summary>Converts a value below p to the field; false if it is ≥ p (a non-canonical encoding).</summary>
    public static bool TryFromUInt256(in UInt256 value, out Fp result)
    {
        ulong borrow = 0;
        SubtractWithBorrow(value.U0, P0, ref borrow);
        SubtractWithBorrow(value.U1, P1, ref borrow);
        SubtractWithBorrow(value.U2, P2, ref borrow);
        SubtractWithBorrow(value.U3, P3, ref borrow);
        if (borrow == 0)
        {
            result = default;
            return false;
        }

        result = new Fp(value.U0, value.U1, value.U2, value.U3) * RSquared;
        return true;
    }

    /// <summary>Reads a 32-byte big-endian field element; false if it is ≥ p.</summary>
    public static bool TryReadBigEndian(ReadOnlySpan<byte> bytes32, out Fp result) =>
        TryFromUInt256(UInt256.FromBigEndian(bytes32[..32]), out result);

    public static Fp FromUInt64(ulong value) => new Fp(value, 0, 0, 0) * RSquared;

    /// <summary>The canonical value (out of Montgomery form).</summary>
    public UInt256 ToUInt256()
    {
        Fp plain = this * new Fp(1, 0, 0, 0);
        return new UInt256(plain.L0, plain.L1, plain.L2, plain.L3);
    }

    public void WriteBigEndian(Span<byte> destination32) => ToUInt256().WriteBigEndian(destination32[..32]);

    // ---- arithmetic ----

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong AddWithCarry(ulong a, ulong b, ref ulong carry)
    {
        ulong sum = a + b + carry;
        carry = ((a & b) | ((a | b) & ~sum)) >> 63;
        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong SubtractWithBorrow(ulong a, ulong b, ref ulong borrow)
    {
        ulong difference = a - b - borrow;
        borrow = ((~a & b) | (~(a ^ b) & difference)) >> 63;
        return difference;
    }

    /// <summary>Low word of t + x·y + carryIn; the high word goes to <paramref name="carryOut"/> (the sum fits 128 bits).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong MultiplyAdd(ulong t, ulong x, ulong y, ulong carryIn, out ulong carryOut)
    {
        ulong high = Math.BigMul(x, y, out ulong low);
        low += t;
        high += low < t ? 1UL : 0UL;
        low += carryIn;
        high += low < carryIn ? 1UL : 0UL;
        carryOut = high;
        return low;
    }

    /// <summary>Subtracts p once if the value (below 2p) is not below p.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Fp ReduceOnce(ulong t0, ulong t1, ulong t2, ulong t3)
    {
        ulong borrow = 0;
        ulong r0 = SubtractWithBorrow(t0, P0, ref borrow);
        ulong r1 = SubtractWithBorrow(t1, P1, ref borrow);
        ulong r2 = SubtractWithBorrow(t2, P2, ref borrow);
        ulong r3 = SubtractWithBorrow(t3, P3, ref borrow);
        return borrow == 0 ? new Fp(r0, r1, r2, r3) : new Fp(t0, t1, t2, t3);
    }

    public static Fp operator +(in Fp a, in Fp b)
    {
        // Both are below p < 2^254, so the sum cannot overflow 256 bits.
        ulong carry = 0;
        ulong t0 = AddWithCarry(a.L0, b.L0, ref carry);
        ulong t1 = AddWithCarry(a.L1, b.L1, ref carry);
        ulong t2 = AddWithCarry(a.L2, b.L2, ref carry);
        ulong t3 = AddWithCarry(a.L3, b.L3, ref carry);
        return ReduceOnce(t0, t1, t2, t3);
    }

    public static Fp operator -(in Fp a, in Fp b)
    {
        ulong borrow = 0;
        ulong t0 = SubtractWithBorrow(a.L0, b.L0, ref borrow);
        ulong t1 = SubtractWithBorrow(a.L1, b.L1, ref borrow);
        ulong t2 = SubtractWithBorrow(a.L2, b.L2, ref borrow);
        ulong t3 = SubtractWithBorrow(a.L3, b.L3, ref borrow);
        if (borrow == 0)
        {
            return new Fp(t0, t1, t2, t3);
        }

        ulong carry = 0;
        t0 = AddWithCarry(t0, P0, ref carry);
        t1 = AddWithCarry(t1, P1, ref carry);
        t2 = AddWithCarry(t2, P2, ref carry);
        t3 = AddWithCarry(t3, P3, ref carry);
        return new Fp(t0, t1, t2, t3);
    }

    public static Fp operator -(in Fp a)
    {
        if (a.IsZero)
        {
            return a;
        }

        ulong borrow = 0;
        ulong t0 = SubtractWithBorrow(P0, a.L0, ref borrow);
        ulong t1 = SubtractWithBorrow(P1, a.L1, ref borrow);
        ulong t2 = SubtractWithBorrow(P2, a.L2, ref borrow);
        ulong t3 = SubtractWithBorrow(P3, a.L3, ref borrow);
        return new Fp(t0, t1, t2, t3);
    }

    /// <summary>One CIOS round: t = (t + a·b_i + m·p) / 2^64 with m chosen so the division is exact.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MontgomeryRound(in Fp a, ulong bi, ref ulong t0, ref ulong t1, ref ulong t2, ref ulong t3)
    {
        t0 = MultiplyAdd(t0, a.L0, bi, 0, out ulong carryA);
        ulong m = t0 * PInverseNegated;
        MultiplyAdd(t0, m, P0, 0, out ulong carryM);
        t1 = MultiplyAdd(t1, a.L1, bi, carryA, out carryA);
        t0 = MultiplyAdd(t1, m, P1, carryM, out carryM);
        t2 = MultiplyAdd(t2, a.L2, bi, carryA, out carryA);
        t1 = MultiplyAdd(t2, m, P2, carryM, out carryM);
        t3 = MultiplyAdd(t3, a.L3, bi, carryA, out carryA);
        t2 = MultiplyAdd(t3, m, P3, carryM, out carryM);
        t3 = carryM + carryA;
    }

    public static Fp operator *(in Fp a, in Fp b)
    {
        ulong t0 = 0, t1 = 0, t2 = 0, t3 = 0;
        MontgomeryRound(a, b.L0, ref t0, ref t1, ref t2, ref t3);
        MontgomeryRound(a, b.L1, ref t0, ref t1, ref t2, ref t3);
        MontgomeryRound(a, b.L2, ref t0, ref t1, ref t2, ref t3);
        MontgomeryRound(a, b.L3, ref t0, ref t1, ref t2, ref t3);
        return ReduceOnce(t0, t1, t2, t3);
    }

    public static bool operator ==(in Fp a, in Fp b) => ((a.L0 ^ b.L0) | (a.L1 ^ b.L1) | (a.L2 ^ b.L2) | (a.L3 ^ b.L3)) == 0;

    public static bool operator !=(in Fp a, in Fp b) => !(a == b);

    public bool Equals(Fp other) => this == other;

    public override bool Equals(object? obj) => obj is Fp other && this == other;

    public override int GetHashCode() => HashCode.Combine(L0, L1, L2, L3);

    public override string ToString() => ToUInt256().ToHexString();

    // ---- IField ----

    public static Fp Add(in Fp a, in Fp b) => a + b;

    public static Fp Subtract(in Fp a, in Fp b) => a - b;

    public static Fp Negate(in Fp a) => -a;

    public static Fp Double(in Fp a) => a + a;

    public static Fp Multiply(in Fp a, in Fp b) => a * b;

    public static Fp Square(in Fp a) => a * a;

    public static bool AreEqual(in Fp a, in Fp b) => a == b;

    /// <summary>
    /// Binary extended Euclid on the Montgomery representative x = a·R: yields x⁻¹ = a⁻¹·R⁻¹, and one Montgomery
    /// multiplication by R³ turns that into a⁻¹·R. Variable time, which is fine: every input here is public.
    /// </summary>
    public static Fp Inverse(in Fp a)
    {
        if (a.IsZero)
        {
            return a;
        }

        // Invariants: x1·a ≡ u and x2·a ≡ v (mod p); u, v odd-reduced towards gcd = 1.
        ulong u0 = a.L0, u1 = a.L1, u2 = a.L2, u3 = a.L3;
        ulong v0 = P0, v1 = P1, v2 = P2, v3 = P3;
        ulong x10 = 1, x11 = 0, x12 = 0, x13 = 0;
        ulong x20 = 0, x21 = 0, x22 = 0, x23 = 0;
        while (!IsOne(u0, u1, u2, u3) && !IsOne(v0, v1, v2, v3))
        {
            while ((u0 & 1) == 0)
            {
                ShiftRightOne(ref u0, ref u1, ref u2, ref u3);
                HalveModP(ref x10, ref x11, ref x12, ref x13);
            }

            while ((v0 & 1) == 0)
            {
                ShiftRightOne(ref v0, ref v1, ref v2, ref v3);
                HalveModP(ref x20, ref x21, ref x22, ref x23);
            }

            ulong borrow = 0;
            ulong d0 = SubtractWithBorrow(u0, v0, ref borrow);
            ulong d1 = SubtractWithBorrow(u1, v1, ref borrow);
            ulong d2 = SubtractWithBorrow(u2, v2, ref borrow);
            ulong d3 = SubtractWithBorrow(u3, v3, ref borrow);
            if (borrow == 0)
            {
                u0 = d0; u1 = d1; u2 = d2; u3 = d3;
                SubtractModP(ref x10, ref x11, ref x12, ref x13, x20, x21, x22, x23);
            }
            else
            {
                borrow = 0;
                v0 = SubtractWithBorrow(v0, u0, ref borrow);
                v1 = SubtractWithBorrow(v1, u1, ref borrow);
                v2 = SubtractWithBorrow(v2, u2, ref borrow);
                v3 = SubtractWithBorrow(v3, u3, ref borrow);
                SubtractModP(ref x20, ref x21, ref x22, ref x23, x10, x11, x12, x13);
            }
        }

        Fp inversePlain = IsOne(u0, u1, u2, u3) ? new Fp(x10, x11, x12, x13) : new Fp(x20, x21, x22, x23);
        return inversePlain * RCubed;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsOne(ulong l0, ulong l1, ulong l2, ulong l3) => l0 == 1 && (l1 | l2 | l3) == 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ShiftRightOne(ref ulong l0, ref ulong l1, ref ulong l2, ref ulong l3)
    {
        l0 = (l0 >> 1) | (l1 << 63);
        l1 = (l1 >> 1) | (l2 << 63);
        l2 = (l2 >> 1) | (l3 << 63);
        l3 >>= 1;
    }

    /// <summary>x / 2 mod p for x below p: adds p first when x is odd (x + p &lt; 2^255, so no overflow).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void HalveModP(ref ulong l0, ref ulong l1, ref ulong l2, ref ulong l3)
    {
        if ((l0 & 1) != 0)
        {
            ulong carry = 0;
            l0 = AddWithCarry(l0, P0, ref carry);
            l1 = AddWithCarry(l1, P1, ref carry);
            l2 = AddWithCarry(l2, P2, ref carry);
            l3 = AddWithCarry(l3, P3, ref carry);
        }

        ShiftRightOne(ref l0, ref l1, ref l2, ref l3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SubtractModP(ref ulong l0, ref ulong l1, ref ulong l2, ref ulong l3, ulong s0, ulong s1, ulong s2, ulong s3)
    {
        ulong borrow = 0;
        l0 = SubtractWithBorrow(l0, s0, ref borrow);
        l1 = SubtractWithBorrow(l1, s1, ref borrow);
        l2 = SubtractWithBorrow(l2, s2, ref borrow);
        l3 = SubtractWithBorrow(l3, s3, ref borrow);
        if (borrow != 0)
        {
            ulong carry = 0;
            l0 = AddWithCarry(l0, P0, ref carry);
            l1 = AddWithCarry(l1, P1, ref carry);
            l2 = AddWithCarry(l2, P2, ref carry);
            l3 = AddWithCarry(l3, P3, ref carry);
        }
    }

    /// <summary>a^e by square-and-multiply (setup and tests only; not on any per-call path).</summary>
    public static Fp Pow(in Fp a, in UInt256 exponent)
    {
        Fp result = One;
        for (int bit = exponent.BitLength - 1; bit >= 0; bit--)
        {
            result *= result;
            if (((exponent >> bit).U0 & 1) != 0)
            {
                result *= a;
            }
        }

        return result;
    }
}
