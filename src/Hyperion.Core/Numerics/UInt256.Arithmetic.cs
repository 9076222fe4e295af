using System.Numerics;
using System.Runtime.CompilerServices;
using static Hyperion.Core.LimbArithmetic;

namespace Hyperion.Core;

public readonly partial struct UInt256
{
    // ---- addition and subtraction ----

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Add(in UInt256 a, in UInt256 b, out UInt256 result) => AddOverflow(in a, in b, out result);

    /// <summary>Wrapping addition; returns true when the sum carried out of bit 255.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool AddOverflow(in UInt256 a, in UInt256 b, out UInt256 result)
    {
        ulong carry = 0;
        ulong r0 = AddWithCarry(a.U0, b.U0, ref carry);
        ulong r1 = AddWithCarry(a.U1, b.U1, ref carry);
        ulong r2 = AddWithCarry(a.U2, b.U2, ref carry);
        ulong r3 = AddWithCarry(a.U3, b.U3, ref carry);
        result = new UInt256(r0, r1, r2, r3);
        return carry != 0;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Subtract(in UInt256 a, in UInt256 b, out UInt256 result) => SubtractUnderflow(in a, in b, out result);

    /// <summary>Wrapping subtraction; returns true when <paramref name="b"/> &gt; <paramref name="a"/> (a borrow out of bit 255).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool SubtractUnderflow(in UInt256 a, in UInt256 b, out UInt256 result)
    {
        ulong borrow = 0;
        ulong r0 = SubtractWithBorrow(a.U0, b.U0, ref borrow);
        ulong r1 = SubtractWithBorrow(a.U1, b.U1, ref borrow);
        ulong r2 = SubtractWithBorrow(a.U2, b.U2, ref borrow);
        ulong r3 = SubtractWithBorrow(a.U3, b.U3, ref borrow);
        result = new UInt256(r0, r1, r2, r3);
        return borrow != 0;
    }

    /// <summary>Two's complement negation (0 - a, wrapping).</summary>
    public static void Negate(in UInt256 a, out UInt256 result) => SubtractUnderflow(in Zero, in a, out result);

    // ---- multiplication ----

    /// <summary>x * y + addend + carry as a 128-bit value (it cannot overflow); returns the high limb.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong MultiplyAdd(ulong x, ulong y, ulong addend, ulong carry, out ulong low)
    {
        ulong high = MultiplyWide(x, y, out ulong lo);
        lo += addend;
        high += lo < addend ? 1UL : 0UL;
        lo += carry;
        high += lo < carry ? 1UL : 0UL;
        low = lo;
        return high;
    }

    /// <summary>Wrapping multiplication (low 256 bits of the product).</summary>
    public static void Multiply(in UInt256 a, in UInt256 b, out UInt256 result)
    {
        // One test on a (the top of the stack in MUL) routes a factor below 2^128 — blake2b_huff's 2^64 + 1, which
        // spreads a 64-bit lane for a rotation — to two rows; a wide a costs the one test main's 64-bit check cost.
        // Testing b as well measured slower on weierstrudel (full-width operands: one more branch per MUL).
        if ((a.U2 | a.U3) == 0)
        {
            if (a.U1 == 0 && b.IsUInt64)
            {
                ulong high = MultiplyWide(a.U0, b.U0, out ulong low);
                result = new UInt256(low, high);
                return;
            }

            MultiplyBy128(in b, a.U0, a.U1, out result);
            return;
        }

        // Schoolbook, skipping the partial products that land at or above 2^256.
        ulong carry = MultiplyAdd(a.U0, b.U0, 0, 0, out ulong r0);
        carry = MultiplyAdd(a.U0, b.U1, 0, carry, out ulong r1);
        carry = MultiplyAdd(a.U0, b.U2, 0, carry, out ulong r2);
        ulong r3 = a.U0 * b.U3 + carry;

        carry = MultiplyAdd(a.U1, b.U0, r1, 0, out r1);
        carry = MultiplyAdd(a.U1, b.U1, r2, carry, out r2);
        r3 += a.U1 * b.U2 + carry;

        carry = MultiplyAdd(a.U2, b.U0, r2, 0, out r2);
        r3 += a.U2 * b.U1 + carry;

        r3 += a.U3 * b.U0;
        result = new UInt256(r0, r1, r2, r3);
    }

    /// <summary>Wrapping multiplication of <paramref name="a"/> by y1 · 2^64 + y0: the schoolbook's rows for y0 and y1 only.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MultiplyBy128(in UInt256 a, ulong y0, ulong y1, out UInt256 result)
    {
        ulong carry = MultiplyAdd(a.U0, y0, 0, 0, out ulong r0);
        carry = MultiplyAdd(a.U1, y0, 0, carry, out ulong r1);
        carry = MultiplyAdd(a.U2, y0, 0, carry, out ulong r2);
        ulong r3 = a.U3 * y0 + carry;

        carry = MultiplyAdd(a.U0, y1, r1, 0, out r1);
        carry = MultiplyAdd(a.U1, y1, r2, carry, out r2);
        r3 += a.U2 * y1 + carry;
        result = new UInt256(r0, r1, r2, r3);
    }

    /// <summary>Wrapping multiplication; returns true when the full product does not fit in 256 bits.</summary>
    [SkipLocalsInit]
    public static unsafe bool MultiplyOverflow(in UInt256 a, in UInt256 b, out UInt256 result)
    {
        if (a.IsUInt64 && b.IsUInt64)
        {
            ulong high = MultiplyWide(a.U0, b.U0, out ulong low);
            result = new UInt256(low, high);
            return false;
        }
        ulong* product = stackalloc ulong[8];
        MultiplyFull(in a, in b, product);
        result = new UInt256(product[0], product[1], product[2], product[3]);
        return (product[4] | product[5] | product[6] | product[7]) != 0;
    }

    /// <summary>The full 512-bit product into <paramref name="product"/>[0..7] (little-endian limbs).</summary>
    private static unsafe void MultiplyFull(in UInt256 a, in UInt256 b, ulong* product)
    {
        // Unrolled schoolbook on locals (MULMOD's hot path): row i adds a.Ui * b into limbs i..i+4, and limb i is final
        // once row i is in.
        ulong y0 = b.U0, y1 = b.U1, y2 = b.U2, y3 = b.U3;

        ulong x = a.U0;
        ulong carry = MultiplyAdd(x, y0, 0, 0, out ulong r0);
        carry = MultiplyAdd(x, y1, 0, carry, out ulong r1);
        carry = MultiplyAdd(x, y2, 0, carry, out ulong r2);
        ulong r4 = MultiplyAdd(x, y3, 0, carry, out ulong r3);

        x = a.U1;
        carry = MultiplyAdd(x, y0, r1, 0, out r1);
        carry = MultiplyAdd(x, y1, r2, carry, out r2);
        carry = MultiplyAdd(x, y2, r3, carry, out r3);
        ulong r5 = MultiplyAdd(x, y3, r4, carry, out r4);

        x = a.U2;
        carry = MultiplyAdd(x, y0, r2, 0, out r2);
        carry = MultiplyAdd(x, y1, r3, carry, out r3);
        carry = MultiplyAdd(x, y2, r4, carry, out r4);
        ulong r6 = MultiplyAdd(x, y3, r5, carry, out r5);

        x = a.U3;
        carry = MultiplyAdd(x, y0, r3, 0, out r3);
        carry = MultiplyAdd(x, y1, r4, carry, out r4);
        carry = MultiplyAdd(x, y2, r5, carry, out r5);
        ulong r7 = MultiplyAdd(x, y3, r6, carry, out r6);

        product[0] = r0;
        product[1] = r1;
        product[2] = r2;
        product[3] = r3;
        product[4] = r4;
        product[5] = r5;
        product[6] = r6;
        product[7] = r7;
    }

    // ---- division ----

    /// <summary>Unsigned division, truncating; x / 0 = 0 (EVM DIV).</summary>
    public static unsafe void Divide(in UInt256 a, in UInt256 b, out UInt256 result)
    {
        if (b.IsZero)
        {
            result = Zero;
            return;
        }
        if (a.IsUInt64)
        {
            result = b.IsUInt64 ? new UInt256(a.U0 / b.U0) : Zero;
            return;
        }
        int order = Compare(in a, in b);
        if (order <= 0)
        {
            result = order == 0 ? One : Zero;
            return;
        }
        if (IsPowerOfTwo(in b))
        {
            // Division by 2^k (common: compilers and hand-written code shift this way) is a shift.
            ShiftRight(in a, b.BitLength - 1, out result);
            return;
        }
        if (b.IsUInt64)
        {
            // One-limb divisor (fixed-point scales): a hardware 128-by-64 DIV per significant dividend limb.
            DivideBySmall(in a, b.U0, out result);
            return;
        }
        if ((a.U2 | a.U3) == 0)
        {
            // Both below 2^128 and b ≥ 2^64, so the quotient fits in one limb.
            result = new UInt256(DivideWide128(new UInt128(a.U1, a.U0), new UInt128(b.U1, b.U0), out _));
            return;
        }
        UInt256 quotient;
        DivideRemainder(in a, in b, &quotient, null);
        result = quotient;
    }

    /// <summary>Unsigned remainder; x % 0 = 0 (EVM MOD).</summary>
    public static unsafe void Mod(in UInt256 a, in UInt256 b, out UInt256 result)
    {
        if (b.IsZero)
        {
            result = Zero;
            return;
        }
        if (a.IsUInt64)
        {
            result = b.IsUInt64 ? new UInt256(a.U0 % b.U0) : a;
            return;
        }
        int order = Compare(in a, in b);
        if (order <= 0)
        {
            result = order == 0 ? Zero : a;
            return;
        }
        if (IsPowerOfTwo(in b))
        {
            // a mod 2^k keeps the low k bits.
            Subtract(in b, in One, out UInt256 lowBits);
            And(in a, in lowBits, out result);
            return;
        }
        if (b.IsUInt64)
        {
            result = new UInt256(DivideBySmall(in a, b.U0, out _));
            return;
        }
        if ((a.U2 | a.U3) == 0)
        {
            DivideWide128(new UInt128(a.U1, a.U0), new UInt128(b.U1, b.U0), out UInt128 wideRemainder);
            result = new UInt256((ulong)wideRemainder, (ulong)(wideRemainder >> 64));
            return;
        }
        UInt256 remainder;
        DivideRemainder(in a, in b, null, &remainder);
        result = remainder;
    }

    /// <summary>True when exactly one bit is set.</summary>
    public static bool IsPowerOfTwo(in UInt256 value) =>
        BitOperations.PopCount(value.U0) + BitOperations.PopCount(value.U1) + BitOperations.PopCount(value.U2) + BitOperations.PopCount(value.U3) == 1;

    /// <summary>Signed (two's complement) division truncating toward zero; x / 0 = 0 and -2^255 / -1 = -2^255 (EVM SDIV).</summary>
    public static void SignedDivide(in UInt256 a, in UInt256 b, out UInt256 result)
    {
        if (b.IsZero)
        {
            result = Zero;
            return;
        }
        bool aNegative = a.IsNegative;
        bool bNegative = b.IsNegative;
        if (!aNegative && !bNegative)
        {
            Divide(in a, in b, out result);
            return;
        }
        Abs(in a, out UInt256 absA);
        Abs(in b, out UInt256 absB);
        Divide(in absA, in absB, out UInt256 quotient);
        if (aNegative != bNegative)
        {
            Negate(in quotient, out result);
        }
        else
        {
            result = quotient;
        }
    }

    /// <summary>Signed remainder taking the sign of the dividend; x % 0 = 0 (EVM SMOD).</summary>
    public static void SignedMod(in UInt256 a, in UInt256 b, out UInt256 result)
    {
        if (b.IsZero)
        {
            result = Zero;
            return;
        }
        Abs(in a, out UInt256 absA);
        Abs(in b, out UInt256 absB);
        Mod(in absA, in absB, out UInt256 remainder);
        if (a.IsNegative)
        {
            Negate(in remainder, out result);
        }
        else
        {
            result = remainder;
        }
    }

    /// <summary>Absolute value in the two's complement view (|-2^255| stays 2^255, read unsigned).</summary>
    private static void Abs(in UInt256 a, out UInt256 result)
    {
        if (a.IsNegative)
        {
            Negate(in a, out result);
        }
        else
        {
            result = a;
        }
    }

    /// <summary>(a + b) mod m over the full 257-bit sum; m = 0 gives 0 (EVM ADDMOD).</summary>
    [SkipLocalsInit]
    public static unsafe void AddMod(in UInt256 a, in UInt256 b, in UInt256 m, out UInt256 result)
    {
        if (m.IsZero)
        {
            result = Zero;
            return;
        }
        bool carry = AddOverflow(in a, in b, out UInt256 sum);
        if (LessThan(in a, in m) && LessThan(in b, in m))
        {
            // Reduced operands (the usual case in modular arithmetic): a + b < 2m, so at most one subtraction.
            if (carry || !LessThan(in sum, in m))
            {
                Subtract(in sum, in m, out sum);
            }
            result = sum;
            return;
        }
        if (m.U3 != 0)
        {
            // Unreduced operands (lazy reduction, as in weierstrudel) over the field whose reciprocal MULMOD cached: one
            // division step. ADDMOD does not cache moduli of its own.
            ref ModulusReciprocal cache = ref t_modulusReciprocal;
            if (cache.Modulus.Equals(m))
            {
                result = ReduceSumByReciprocal(in sum, carry, in cache);
                return;
            }
        }
        if (!carry)
        {
            Mod(in sum, in m, out result);
            return;
        }
        ulong* dividend = stackalloc ulong[6];
        StoreLimbs(in sum, dividend);
        dividend[4] = 1;
        result = ReduceLimbs(dividend, 5, in m);
    }

    /// <summary>(a * b) mod m over the full 512-bit product; m = 0 gives 0 (EVM MULMOD).</summary>
    [SkipLocalsInit]
    public static unsafe void MulMod(in UInt256 a, in UInt256 b, in UInt256 m, out UInt256 result)
    {
        if (m.IsZero || a.IsZero || b.IsZero)
        {
            result = Zero;
            return;
        }
        if (a.IsUInt64 && b.IsUInt64 && m.IsUInt64)
        {
            ulong high = MultiplyWide(a.U0, b.U0, out ulong low);
            ulong modulus = m.U0;
            // Reduce the high limb first so the 128-by-64 division cannot overflow.
            DivideRemainder128(0, high, modulus, out ulong highRemainder);
            DivideRemainder128(highRemainder, low, modulus, out ulong remainder64);
            result = new UInt256(remainder64);
            return;
        }
        ulong* product = stackalloc ulong[9];
        MultiplyFull(in a, in b, product);
        if (m.U3 != 0)
        {
            // A full-width modulus (modular arithmetic over a large prime field, e.g. bn254 in weierstrudel): division
            // by the modulus's cached reciprocal, or the general division specialised to 8-by-4 limbs.
            result = Reduce512(product, in m);
            return;
        }
        result = ReduceLimbs(product, 8, in m);
    }

    /// <summary>b^e mod 2^256 by square-and-multiply (EVM EXP).</summary>
    public static void Exp(in UInt256 b, in UInt256 e, out UInt256 result)
    {
        if (e.IsZero)
        {
            result = One;
            return;
        }
        if (b.IsZero || b.IsOne || e.IsOne)
        {
            result = b;
            return;
        }
        if (b.IsUInt64 && b.U0 == 2)
        {
            // 2^e: a single bit, or zero once it is shifted out.
            ShiftLeft(in One, e.IsUInt64 && e.U0 < 256 ? (int)e.U0 : 256, out result);
            return;
        }
        UInt256 accumulator = One;
        UInt256 power = b;
        int bits = e.BitLength;
        for (int i = 0; i < bits; i++)
        {
            if (((e.Limb(i >> 6) >> (i & 63)) & 1) != 0)
            {
                Multiply(in accumulator, in power, out accumulator);
            }
            if (i + 1 < bits)
            {
                Multiply(in power, in power, out power);
            }
        }
        result = accumulator;
    }

    public static UInt256 operator +(UInt256 a, UInt256 b)
    {
        Add(in a, in b, out UInt256 result);
        return result;
    }

    public static UInt256 operator -(UInt256 a, UInt256 b)
    {
        Subtract(in a, in b, out UInt256 result);
        return result;
    }

    public static UInt256 operator *(UInt256 a, UInt256 b)
    {
        Multiply(in a, in b, out UInt256 result);
        return result;
    }

    /// <summary>Unsigned division; division by zero gives zero (EVM semantics, no exception).</summary>
    public static UInt256 operator /(UInt256 a, UInt256 b)
    {
        Divide(in a, in b, out UInt256 result);
        return result;
    }

    /// <summary>Unsigned remainder; modulo zero gives zero (EVM semantics, no exception).</summary>
    public static UInt256 operator %(UInt256 a, UInt256 b)
    {
        Mod(in a, in b, out UInt256 result);
        return result;
    }

    public static UInt256 operator ++(UInt256 a) => a + One;

    public static UInt256 operator --(UInt256 a) => a - One;
}
