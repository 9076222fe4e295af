using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;
using static Hyperion.Core.LimbArithmetic;

namespace Hyperion.Core;

public readonly partial struct UInt256
{
    /// <summary>
    /// Knuth's algorithm D (TAOCP vol. 2, 4.3.1) on 64-bit limbs in caller-provided scratch memory, with no bounds
    /// checks and no allocation (the hot path of DIV, MOD, ADDMOD and MULMOD). <paramref name="u"/> holds the dividend,
    /// <paramref name="m"/> significant limbs (u[m - 1] ≠ 0) plus room for one more; <paramref name="v"/> the divisor,
    /// <paramref name="n"/> significant limbs (1 ≤ n ≤ 4 ≤ 8, n ≤ m). Both are overwritten. Writes quotient limbs
    /// 0..m−n (when <paramref name="quotient"/> is not null) and remainder limbs 0..n−1; higher limbs are left alone.
    /// </summary>
    private static unsafe void DivideLimbs(ulong* u, int m, ulong* v, int n, ulong* quotient, ulong* remainder)
    {
        if (n == 1)
        {
            ulong d = v[0];
            ulong rest = 0;
            for (int i = m - 1; i >= 0; i--)
            {
                ulong q = DivideRemainder128(rest, u[i], d, out rest);
                if (quotient != null)
                {
                    quotient[i] = q;
                }
            }

            remainder[0] = rest;
            return;
        }

        // Normalize so the divisor's top limb has its top bit set: then each quotient-limb estimate from the top
        // two dividend limbs is at most 2 too large.
        int shift = BitOperations.LeadingZeroCount(v[n - 1]);
        if (shift != 0)
        {
            int back = 64 - shift;
            for (int i = n - 1; i > 0; i--)
            {
                v[i] = (v[i] << shift) | (v[i - 1] >> back);
            }

            v[0] <<= shift;
            u[m] = u[m - 1] >> back;
            for (int i = m - 1; i > 0; i--)
            {
                u[i] = (u[i] << shift) | (u[i - 1] >> back);
            }

            u[0] <<= shift;
        }
        else
        {
            u[m] = 0;
        }

        ulong vTop = v[n - 1];
        ulong vNext = v[n - 2];
        for (int j = m - n; j >= 0; j--)
        {
            ulong* uj = u + j;
            ulong uTop = uj[n];
            ulong estimate = EstimateQuotientLimb(uTop, uj[n - 1], uj[n - 2], vTop, vNext);

            // u[j..j+n] -= estimate * v
            ulong carry = 0;
            ulong borrow = 0;
            for (int i = 0; i < n; i++)
            {
                carry = MultiplyAdd(estimate, v[i], 0, carry, out ulong productLow);
                uj[i] = SubtractWithBorrow(uj[i], productLow, ref borrow);
            }

            uj[n] = SubtractWithBorrow(uTop, carry, ref borrow);

            if (borrow != 0)
            {
                // The estimate was one too large (rare): add the divisor back.
                estimate--;
                ulong addCarry = 0;
                for (int i = 0; i < n; i++)
                {
                    uj[i] = AddWithCarry(uj[i], v[i], ref addCarry);
                }

                uj[n] += addCarry;
            }

            if (quotient != null)
            {
                quotient[j] = estimate;
            }
        }

        // Denormalize the remainder (u[n] is 0 now: the remainder is below the divisor).
        for (int i = 0; i < n; i++)
        {
            remainder[i] = shift == 0 ? u[i] : (u[i] >> shift) | (u[i + 1] << (64 - shift));
        }
    }

    /// <summary>
    /// The 8-limb number at <paramref name="u"/> (leading zero limbs allowed, one more limb of room; overwritten) modulo
    /// the 4-limb <paramref name="modulus"/> (U3 ≠ 0): <see cref="DivideLimbs"/> for m = 8, n = 4 with the divisor in
    /// registers, the limb loops unrolled and no quotient kept — MULMOD's reduction of a full 512-bit product.
    /// </summary>
    private static unsafe UInt256 Reduce512By256(ulong* u, in UInt256 modulus)
    {
        // Normalize (see DivideLimbs). (x >> 1) >> (63 - shift) is x >> (64 - shift) that is 0 for shift = 0, where a
        // plain shift by 64 would be a shift by 0.
        int shift = BitOperations.LeadingZeroCount(modulus.U3);
        int back = 63 - shift;
        ulong v3 = (modulus.U3 << shift) | ((modulus.U2 >> 1) >> back);
        ulong v2 = (modulus.U2 << shift) | ((modulus.U1 >> 1) >> back);
        ulong v1 = (modulus.U1 << shift) | ((modulus.U0 >> 1) >> back);
        ulong v0 = modulus.U0 << shift;
        u[8] = (u[7] >> 1) >> back;
        u[7] = (u[7] << shift) | ((u[6] >> 1) >> back);
        u[6] = (u[6] << shift) | ((u[5] >> 1) >> back);
        u[5] = (u[5] << shift) | ((u[4] >> 1) >> back);
        u[4] = (u[4] << shift) | ((u[3] >> 1) >> back);
        u[3] = (u[3] << shift) | ((u[2] >> 1) >> back);
        u[2] = (u[2] << shift) | ((u[1] >> 1) >> back);
        u[1] = (u[1] << shift) | ((u[0] >> 1) >> back);
        u[0] <<= shift;

        for (int j = 4; j >= 0; j--)
        {
            ulong* uj = u + j;
            ulong uTop = uj[4];
            ulong uNext = uj[3];
            ulong uThird = uj[2];
            ulong estimate = EstimateQuotientLimb(uTop, uNext, uThird, v3, v2);

            // u[j..j+4] -= estimate * v
            ulong borrow = 0;
            ulong carry = MultiplyAdd(estimate, v0, 0, 0, out ulong productLow0);
            uj[0] = SubtractWithBorrow(uj[0], productLow0, ref borrow);
            carry = MultiplyAdd(estimate, v1, 0, carry, out ulong productLow1);
            uj[1] = SubtractWithBorrow(uj[1], productLow1, ref borrow);
            carry = MultiplyAdd(estimate, v2, 0, carry, out ulong productLow2);
            uj[2] = SubtractWithBorrow(uThird, productLow2, ref borrow);
            carry = MultiplyAdd(estimate, v3, 0, carry, out ulong productLow3);
            uj[3] = SubtractWithBorrow(uNext, productLow3, ref borrow);
            uj[4] = SubtractWithBorrow(uTop, carry, ref borrow);

            if (borrow != 0)
            {
                // The estimate was one too large (rare): add the divisor back.
                ulong addCarry = 0;
                uj[0] = AddWithCarry(uj[0], v0, ref addCarry);
                uj[1] = AddWithCarry(uj[1], v1, ref addCarry);
                uj[2] = AddWithCarry(uj[2], v2, ref addCarry);
                uj[3] = AddWithCarry(uj[3], v3, ref addCarry);
                uj[4] += addCarry;
            }
        }

        // Denormalize (u[4] is 0 now: the remainder is below the divisor).
        return new UInt256(
            (u[0] >> shift) | ((u[1] << 1) << back),
            (u[1] >> shift) | ((u[2] << 1) << back),
            (u[2] >> shift) | ((u[3] << 1) << back),
            (u[3] >> shift) | ((u[4] << 1) << back));
    }

    /// <summary>
    /// Knuth D's quotient-limb estimate (step D3): (uTop : uNext) / vTop, capped at 2^64 − 1, then decreased while
    /// estimate · vNext &gt; (remainder : uThird). With the divisor normalized (vTop's top bit set) and the window below
    /// the divisor (uTop ≤ vTop) the result is the true quotient limb or one more.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong EstimateQuotientLimb(ulong uTop, ulong uNext, ulong uThird, ulong vTop, ulong vNext)
    {
        ulong estimate;
        ulong estimateRemainder;
        bool remainderOverflowed;
        if (uTop >= vTop)
        {
            // The invariant u[j+n..] < v makes this uTop == vTop, where the estimate is capped at 2^64 - 1.
            estimate = ulong.MaxValue;
            estimateRemainder = uNext + vTop;
            remainderOverflowed = estimateRemainder < uNext;
        }
        else
        {
            estimate = DivideRemainder128(uTop, uNext, vTop, out estimateRemainder);
            remainderOverflowed = false;
        }

        // Refine with the next limb: while estimate * vNext > (estimateRemainder : uThird), decrease.
        while (!remainderOverflowed)
        {
            ulong productHigh = MultiplyWide(estimate, vNext, out ulong productLow);
            if (productHigh < estimateRemainder || (productHigh == estimateRemainder && productLow <= uThird))
            {
                break;
            }

            estimate--;
            estimateRemainder += vTop;
            remainderOverflowed = estimateRemainder < vTop;
        }

        return estimate;
    }

    /// <summary>Number of limbs up to the highest non-zero one (0 for zero).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int SignificantLimbs(in UInt256 value) =>
        value.U3 != 0 ? 4 : value.U2 != 0 ? 3 : value.U1 != 0 ? 2 : value.U0 != 0 ? 1 : 0;

    /// <summary>Copies the limbs of <paramref name="value"/> to <paramref name="destination"/>[0..3].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void StoreLimbs(in UInt256 value, ulong* destination)
    {
        destination[0] = value.U0;
        destination[1] = value.U1;
        destination[2] = value.U2;
        destination[3] = value.U3;
    }

    /// <summary>
    /// a / b and a mod b for a &gt; b ≥ 2^64 or a ≥ 2^64 (the callers' fast paths take the rest); either output may be
    /// null when not wanted.
    /// </summary>
    [SkipLocalsInit]
    private static unsafe void DivideRemainder(in UInt256 a, in UInt256 b, UInt256* quotient, UInt256* remainder)
    {
        ulong* u = stackalloc ulong[5];
        ulong* v = stackalloc ulong[4];
        ulong* q = stackalloc ulong[4];
        ulong* r = stackalloc ulong[4];
        StoreLimbs(in a, u);
        StoreLimbs(in b, v);
        StoreLimbs(in Zero, q);
        StoreLimbs(in Zero, r);
        DivideLimbs(u, SignificantLimbs(in a), v, SignificantLimbs(in b), q, r);
        if (quotient != null)
        {
            *quotient = new UInt256(q[0], q[1], q[2], q[3]);
        }

        if (remainder != null)
        {
            *remainder = new UInt256(r[0], r[1], r[2], r[3]);
        }
    }

    /// <summary>
    /// The <paramref name="m"/>-limb number at <paramref name="u"/> (with room for one more limb; overwritten) modulo
    /// <paramref name="modulus"/> (not zero).
    /// </summary>
    [SkipLocalsInit]
    private static unsafe UInt256 ReduceLimbs(ulong* u, int m, in UInt256 modulus)
    {
        while (m > 0 && u[m - 1] == 0)
        {
            m--;
        }

        int n = SignificantLimbs(in modulus);
        if (m < n)
        {
            // Already below the modulus, so it has at most n ≤ 4 limbs.
            return new UInt256(m > 0 ? u[0] : 0, m > 1 ? u[1] : 0, m > 2 ? u[2] : 0);
        }

        ulong* v = stackalloc ulong[4];
        ulong* r = stackalloc ulong[4];
        StoreLimbs(in modulus, v);
        StoreLimbs(in Zero, r);
        DivideLimbs(u, m, v, n, null, r);
        return new UInt256(r[0], r[1], r[2], r[3]);
    }

    /// <summary>
    /// value / divisor for a one-limb divisor (not zero); returns the remainder. Zero top limbs are skipped, so a
    /// 128-bit dividend costs two hardware DIVs.
    /// </summary>
    private static ulong DivideBySmall(in UInt256 value, ulong divisor, out UInt256 quotient)
    {
        ulong rest = 0;
        ulong q3 = 0;
        ulong q2 = 0;
        if (value.U3 != 0)
        {
            q3 = DivideRemainder128(0, value.U3, divisor, out rest);
        }

        if ((value.U3 | value.U2) != 0)
        {
            q2 = DivideRemainder128(rest, value.U2, divisor, out rest);
        }

        ulong q1 = DivideRemainder128(rest, value.U1, divisor, out rest);
        ulong q0 = DivideRemainder128(rest, value.U0, divisor, out rest);
        quotient = new UInt256(q0, q1, q2, q3);
        return rest;
    }

    /// <summary>
    /// a / b and a mod b for b ≥ 2^64, where the quotient fits in 64 bits (Hacker's Delight, 2nd ed., 9-5 "divDu",
    /// one limb wider): the top limb of the normalized divisor into a / 2 by one hardware DIV, which cannot overflow as
    /// a / 2 &lt; 2^127; scaled back, the estimate is the quotient or one too small, and one comparison corrects it.
    /// </summary>
    private static ulong DivideWide128(UInt128 a, UInt128 b, out UInt128 remainder)
    {
        int shift = BitOperations.LeadingZeroCount((ulong)(b >> 64));
        ulong divisorTop = (ulong)((b << shift) >> 64);
        UInt128 half = a >> 1;
        ulong estimate = DivideRemainder128((ulong)(half >> 64), (ulong)half, divisorTop, out _);
        ulong quotient = (ulong)(((UInt128)estimate << shift) >> 63);
        if (quotient != 0)
        {
            quotient--;
        }

        remainder = a - quotient * b;
        if (remainder >= b)
        {
            quotient++;
            remainder -= b;
        }

        return quotient;
    }

    /// <summary>(high : low) / divisor for high &lt; divisor (so the quotient fits in 64 bits).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong DivideRemainder128(ulong high, ulong low, ulong divisor, out ulong remainder)
    {
        if (X86Base.X64.IsSupported)
        {
            // Hardware 128-by-64 DIV (experimental API, SYSLIB5004); high < divisor here, so it cannot fault.
#pragma warning disable SYSLIB5004
            (ulong q, ulong r) = X86Base.X64.DivRem(low, high, divisor);
#pragma warning restore SYSLIB5004
            remainder = r;
            return q;
        }
        UInt128 dividend = new(high, low);
        ulong quotient = (ulong)(dividend / divisor);
        remainder = low - quotient * divisor;
        return quotient;
    }
}
