using System.Runtime.CompilerServices;
using Hyperion.Core;

using static Hyperion.Evm.Precompiles.Words;

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
    private static ulong SubtractWithBorrow(ulong a, ulong b, ref ulong borrow)
    {
        ulong difference = a - b - borrow;
        borrow = ((~a & b) | (~(a ^ b) & difference)) >> 63;
        return difference;
    }

    /// <summary>Subtracts p once if the value (below 2p) is not below p.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Fp ReduceOnce(ulong t0, ulong t1, ulong t2, ulong t3)
    {
        ulong r0 = t0 - P0;
        ulong borrow = BorrowOf(t0, P0, r0);
        ulong r1 = t1 - P1 - borrow;
        borrow = BorrowOf(t1, P1, r1);
        ulong r2 = t2 - P2 - borrow;
        borrow = BorrowOf(t2, P2, r2);
        ulong r3 = t3 - P3 - borrow;
        borrow = BorrowOf(t3, P3, r3);
        return borrow == 0 ? new Fp(r0, r1, r2, r3) : new Fp(t0, t1, t2, t3);
    }

    public static Fp operator +(in Fp a, in Fp b)
    {
        // Both are below p < 2^254, so the sum cannot overflow 256 bits.
        ulong t0 = a.L0 + b.L0;
        ulong carry = CarryOf(t0, b.L0);
        ulong t1 = a.L1 + b.L1 + carry;
        carry = CarryOf(a.L1, b.L1, t1);
        ulong t2 = a.L2 + b.L2 + carry;
        carry = CarryOf(a.L2, b.L2, t2);
        ulong t3 = a.L3 + b.L3 + carry;
        return ReduceOnce(t0, t1, t2, t3);
    }

    public static Fp operator -(in Fp a, in Fp b)
    {
        ulong t0 = a.L0 - b.L0;
        ulong borrow = BorrowOf(a.L0, b.L0, t0);
        ulong t1 = a.L1 - b.L1 - borrow;
        borrow = BorrowOf(a.L1, b.L1, t1);
        ulong t2 = a.L2 - b.L2 - borrow;
        borrow = BorrowOf(a.L2, b.L2, t2);
        ulong t3 = a.L3 - b.L3 - borrow;
        borrow = BorrowOf(a.L3, b.L3, t3);
        if (borrow == 0)
        {
            return new Fp(t0, t1, t2, t3);
        }

        // Add p back; the carry out of the top limb is the wrap-around and is dropped.
        return AddModulus(t0, t1, t2, t3);
    }

    /// <summary>t + p modulo 2^256.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Fp AddModulus(ulong t0, ulong t1, ulong t2, ulong t3)
    {
        ulong s0 = t0 + P0;
        ulong carry = CarryOf(s0, P0);
        ulong s1 = t1 + P1 + carry;
        carry = CarryOf(t1, P1, s1);
        ulong s2 = t2 + P2 + carry;
        carry = CarryOf(t2, P2, s2);
        ulong s3 = t3 + P3 + carry;
        return new Fp(s0, s1, s2, s3);
    }

    /// <summary>a/2: a itself if even, else (a + p)/2 (a + p &lt; 2^255, so no overflow).</summary>
    public static Fp Halve(in Fp a)
    {
        Fp even = (a.L0 & 1) == 0 ? a : AddModulus(a.L0, a.L1, a.L2, a.L3);
        return new Fp((even.L0 >> 1) | (even.L1 << 63), (even.L1 >> 1) | (even.L2 << 63), (even.L2 >> 1) | (even.L3 << 63), even.L3 >> 1);
    }

    public static Fp operator -(in Fp a) => a.IsZero ? a : Zero - a;

    public static Fp operator *(in Fp a, in Fp b)
    {
        // CIOS, unrolled, with every intermediate in a local: helpers taking ref/out would force the limbs onto the stack.
        ulong a0 = a.L0, a1 = a.L1, a2 = a.L2, a3 = a.L3;
        ulong t0 = 0, t1 = 0, t2 = 0, t3 = 0;
        ulong lo, hi, carryA, carryM, m, bi;
        bi = b.L0;
        lo = a0 * bi; hi = MultiplyHigh(a0, bi); lo += t0; hi += CarryOf(lo, t0); t0 = lo; carryA = hi;
        m = t0 * PInverseNegated;
        lo = m * P0; hi = MultiplyHigh(m, P0); lo += t0; hi += CarryOf(lo, t0); carryM = hi;
        lo = a1 * bi; hi = MultiplyHigh(a1, bi); lo += t1; hi += CarryOf(lo, t1); lo += carryA; hi += CarryOf(lo, carryA); t1 = lo; carryA = hi;
        lo = m * P1; hi = MultiplyHigh(m, P1); lo += t1; hi += CarryOf(lo, t1); lo += carryM; hi += CarryOf(lo, carryM); t0 = lo; carryM = hi;
        lo = a2 * bi; hi = MultiplyHigh(a2, bi); lo += t2; hi += CarryOf(lo, t2); lo += carryA; hi += CarryOf(lo, carryA); t2 = lo; carryA = hi;
        lo = m * P2; hi = MultiplyHigh(m, P2); lo += t2; hi += CarryOf(lo, t2); lo += carryM; hi += CarryOf(lo, carryM); t1 = lo; carryM = hi;
        lo = a3 * bi; hi = MultiplyHigh(a3, bi); lo += t3; hi += CarryOf(lo, t3); lo += carryA; hi += CarryOf(lo, carryA); t3 = lo; carryA = hi;
        lo = m * P3; hi = MultiplyHigh(m, P3); lo += t3; hi += CarryOf(lo, t3); lo += carryM; hi += CarryOf(lo, carryM); t2 = lo; carryM = hi;
        t3 = carryM + carryA;
        bi = b.L1;
        lo = a0 * bi; hi = MultiplyHigh(a0, bi); lo += t0; hi += CarryOf(lo, t0); t0 = lo; carryA = hi;
        m = t0 * PInverseNegated;
        lo = m * P0; hi = MultiplyHigh(m, P0); lo += t0; hi += CarryOf(lo, t0); carryM = hi;
        lo = a1 * bi; hi = MultiplyHigh(a1, bi); lo += t1; hi += CarryOf(lo, t1); lo += carryA; hi += CarryOf(lo, carryA); t1 = lo; carryA = hi;
        lo = m * P1; hi = MultiplyHigh(m, P1); lo += t1; hi += CarryOf(lo, t1); lo += carryM; hi += CarryOf(lo, carryM); t0 = lo; carryM = hi;
        lo = a2 * bi; hi = MultiplyHigh(a2, bi); lo += t2; hi += CarryOf(lo, t2); lo += carryA; hi += CarryOf(lo, carryA); t2 = lo; carryA = hi;
        lo = m * P2; hi = MultiplyHigh(m, P2); lo += t2; hi += CarryOf(lo, t2); lo += carryM; hi += CarryOf(lo, carryM); t1 = lo; carryM = hi;
        lo = a3 * bi; hi = MultiplyHigh(a3, bi); lo += t3; hi += CarryOf(lo, t3); lo += carryA; hi += CarryOf(lo, carryA); t3 = lo; carryA = hi;
        lo = m * P3; hi = MultiplyHigh(m, P3); lo += t3; hi += CarryOf(lo, t3); lo += carryM; hi += CarryOf(lo, carryM); t2 = lo; carryM = hi;
        t3 = carryM + carryA;
        bi = b.L2;
        lo = a0 * bi; hi = MultiplyHigh(a0, bi); lo += t0; hi += CarryOf(lo, t0); t0 = lo; carryA = hi;
        m = t0 * PInverseNegated;
        lo = m * P0; hi = MultiplyHigh(m, P0); lo += t0; hi += CarryOf(lo, t0); carryM = hi;
        lo = a1 * bi; hi = MultiplyHigh(a1, bi); lo += t1; hi += CarryOf(lo, t1); lo += carryA; hi += CarryOf(lo, carryA); t1 = lo; carryA = hi;
        lo = m * P1; hi = MultiplyHigh(m, P1); lo += t1; hi += CarryOf(lo, t1); lo += carryM; hi += CarryOf(lo, carryM); t0 = lo; carryM = hi;
        lo = a2 * bi; hi = MultiplyHigh(a2, bi); lo += t2; hi += CarryOf(lo, t2); lo += carryA; hi += CarryOf(lo, carryA); t2 = lo; carryA = hi;
        lo = m * P2; hi = MultiplyHigh(m, P2); lo += t2; hi += CarryOf(lo, t2); lo += carryM; hi += CarryOf(lo, carryM); t1 = lo; carryM = hi;
        lo = a3 * bi; hi = MultiplyHigh(a3, bi); lo += t3; hi += CarryOf(lo, t3); lo += carryA; hi += CarryOf(lo, carryA); t3 = lo; carryA = hi;
        lo = m * P3; hi = MultiplyHigh(m, P3); lo += t3; hi += CarryOf(lo, t3); lo += carryM; hi += CarryOf(lo, carryM); t2 = lo; carryM = hi;
        t3 = carryM + carryA;
        bi = b.L3;
        lo = a0 * bi; hi = MultiplyHigh(a0, bi); lo += t0; hi += CarryOf(lo, t0); t0 = lo; carryA = hi;
        m = t0 * PInverseNegated;
        lo = m * P0; hi = MultiplyHigh(m, P0); lo += t0; hi += CarryOf(lo, t0); carryM = hi;
        lo = a1 * bi; hi = MultiplyHigh(a1, bi); lo += t1; hi += CarryOf(lo, t1); lo += carryA; hi += CarryOf(lo, carryA); t1 = lo; carryA = hi;
        lo = m * P1; hi = MultiplyHigh(m, P1); lo += t1; hi += CarryOf(lo, t1); lo += carryM; hi += CarryOf(lo, carryM); t0 = lo; carryM = hi;
        lo = a2 * bi; hi = MultiplyHigh(a2, bi); lo += t2; hi += CarryOf(lo, t2); lo += carryA; hi += CarryOf(lo, carryA); t2 = lo; carryA = hi;
        lo = m * P2; hi = MultiplyHigh(m, P2); lo += t2; hi += CarryOf(lo, t2); lo += carryM; hi += CarryOf(lo, carryM); t1 = lo; carryM = hi;
        lo = a3 * bi; hi = MultiplyHigh(a3, bi); lo += t3; hi += CarryOf(lo, t3); lo += carryA; hi += CarryOf(lo, carryA); t3 = lo; carryA = hi;
        lo = m * P3; hi = MultiplyHigh(m, P3); lo += t3; hi += CarryOf(lo, t3); lo += carryM; hi += CarryOf(lo, carryM); t2 = lo; carryM = hi;
        t3 = carryM + carryA;
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
    /// multiplication by R³ turns that into a⁻¹·R. Variable time, which is fine: every input here is public. All
    /// state is in locals (no ref helpers) so it stays in registers.
    /// </summary>
    public static Fp Inverse(in Fp a)
    {
        if (a.IsZero)
        {
            return a;
        }

        // Invariants: x1·a ≡ u and x2·a ≡ v (mod p), with gcd(u, v) = 1 until one of them reaches 1.
        ulong u0 = a.L0, u1 = a.L1, u2 = a.L2, u3 = a.L3;
        ulong v0 = P0, v1 = P1, v2 = P2, v3 = P3;
        ulong x10 = 1, x11 = 0, x12 = 0, x13 = 0;
        ulong x20 = 0, x21 = 0, x22 = 0, x23 = 0;
        ulong s, carry, borrow;
        while (true)
        {
            if (u0 == 1 && (u1 | u2 | u3) == 0)
            {
                return new Fp(x10, x11, x12, x13) * RCubed;
            }

            if (v0 == 1 && (v1 | v2 | v3) == 0)
            {
                return new Fp(x20, x21, x22, x23) * RCubed;
            }

            while ((u0 & 1) == 0)
            {
                u0 = (u0 >> 1) | (u1 << 63);
                u1 = (u1 >> 1) | (u2 << 63);
                u2 = (u2 >> 1) | (u3 << 63);
                u3 >>= 1;
                if ((x10 & 1) != 0)
                {
                    // x1 + p < 2^255: no overflow before halving.
                    s = x10 + P0; carry = CarryOf(s, P0); x10 = s;
                    s = x11 + P1 + carry; carry = CarryOf(x11, P1, s); x11 = s;
                    s = x12 + P2 + carry; carry = CarryOf(x12, P2, s); x12 = s;
                    x13 = x13 + P3 + carry;
                }

                x10 = (x10 >> 1) | (x11 << 63);
                x11 = (x11 >> 1) | (x12 << 63);
                x12 = (x12 >> 1) | (x13 << 63);
                x13 >>= 1;
            }

            while ((v0 & 1) == 0)
            {
                v0 = (v0 >> 1) | (v1 << 63);
                v1 = (v1 >> 1) | (v2 << 63);
                v2 = (v2 >> 1) | (v3 << 63);
                v3 >>= 1;
                if ((x20 & 1) != 0)
                {
                    s = x20 + P0; carry = CarryOf(s, P0); x20 = s;
                    s = x21 + P1 + carry; carry = CarryOf(x21, P1, s); x21 = s;
                    s = x22 + P2 + carry; carry = CarryOf(x22, P2, s); x22 = s;
                    x23 = x23 + P3 + carry;
                }

                x20 = (x20 >> 1) | (x21 << 63);
                x21 = (x21 >> 1) | (x22 << 63);
                x22 = (x22 >> 1) | (x23 << 63);
                x23 >>= 1;
            }

            ulong d0 = u0 - v0; borrow = BorrowOf(u0, v0, d0);
            ulong d1 = u1 - v1 - borrow; borrow = BorrowOf(u1, v1, d1);
            ulong d2 = u2 - v2 - borrow; borrow = BorrowOf(u2, v2, d2);
            ulong d3 = u3 - v3 - borrow; borrow = BorrowOf(u3, v3, d3);
            if (borrow == 0)
            {
                u0 = d0; u1 = d1; u2 = d2; u3 = d3;
                Fp x1 = new Fp(x10, x11, x12, x13) - new Fp(x20, x21, x22, x23);
                x10 = x1.L0; x11 = x1.L1; x12 = x1.L2; x13 = x1.L3;
            }
            else
            {
                d0 = v0 - u0; borrow = BorrowOf(v0, u0, d0);
                d1 = v1 - u1 - borrow; borrow = BorrowOf(v1, u1, d1);
                d2 = v2 - u2 - borrow; borrow = BorrowOf(v2, u2, d2);
                v3 = v3 - u3 - borrow;
                v0 = d0; v1 = d1; v2 = d2;
                Fp x2 = new Fp(x20, x21, x22, x23) - new Fp(x10, x11, x12, x13);
                x20 = x2.L0; x21 = x2.L1; x22 = x2.L2; x23 = x2.L3;
            }
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
