using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;
using static Hyperion.Core.LimbArithmetic;

namespace Hyperion.Core;

public readonly partial struct UInt256
{
    /// <summary>
    /// Knuth's algorithm D (TAOCP vol. 2, 4.3.1) on 64-bit limbs: <paramref name="dividend"/> (up to 8 limbs)
    /// divided by <paramref name="divisor"/> (up to 4 limbs, not zero). Writes every limb of
    /// <paramref name="quotient"/> (at least dividend.Length) and <paramref name="remainder"/> (at least divisor.Length).
    /// </summary>
    [SkipLocalsInit]
    private static void DivideLimbs(ReadOnlySpan<ulong> dividend, ReadOnlySpan<ulong> divisor, Span<ulong> quotient, Span<ulong> remainder)
    {
        int n = SignificantLimbs(divisor);
        int m = SignificantLimbs(dividend);
        quotient.Clear();
        remainder.Clear();
        if (m < n)
        {
            dividend[..m].CopyTo(remainder);
            return;
        }

        if (n == 1)
        {
            ulong d = divisor[0];
            ulong rest = 0;
            for (int i = m - 1; i >= 0; i--)
            {
                quotient[i] = DivideRemainder128(rest, dividend[i], d, out rest);
            }
            remainder[0] = rest;
            return;
        }

        // Normalize so the divisor's top limb has its top bit set: then each quotient-limb estimate
        // from the top two dividend limbs is at most 2 too large.
        int shift = BitOperations.LeadingZeroCount(divisor[n - 1]);
        Span<ulong> v = stackalloc ulong[n];
        Span<ulong> u = stackalloc ulong[m + 1];
        ShiftLimbsLeft(divisor[..n], shift, v, out _);
        ShiftLimbsLeft(dividend[..m], shift, u[..m], out u[m]);

        ulong vTop = v[n - 1];
        ulong vNext = v[n - 2];
        for (int j = m - n; j >= 0; j--)
        {
            ulong uTop = u[j + n];
            ulong uNext = u[j + n - 1];
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

            // Refine with the next limb: while estimate * vNext > (estimateRemainder : u[j+n-2]), decrease.
            while (!remainderOverflowed)
            {
                ulong productHigh = Math.BigMul(estimate, vNext, out ulong productLow);
                if (productHigh < estimateRemainder || (productHigh == estimateRemainder && productLow <= u[j + n - 2]))
                {
                    break;
                }
                estimate--;
                estimateRemainder += vTop;
                remainderOverflowed = estimateRemainder < vTop;
            }

            // u[j..j+n] -= estimate * v
            ulong carry = 0;
            ulong borrow = 0;
            for (int i = 0; i < n; i++)
            {
                carry = MultiplyAdd(estimate, v[i], 0, carry, out ulong productLow);
                u[i + j] = SubtractWithBorrow(u[i + j], productLow, ref borrow);
            }
            u[j + n] = SubtractWithBorrow(u[j + n], carry, ref borrow);

            if (borrow != 0)
            {
                // The estimate was one too large (rare): add the divisor back.
                estimate--;
                ulong addCarry = 0;
                for (int i = 0; i < n; i++)
                {
                    u[i + j] = AddWithCarry(u[i + j], v[i], ref addCarry);
                }
                u[j + n] += addCarry;
            }
            quotient[j] = estimate;
        }

        // Denormalize the remainder.
        for (int i = 0; i < n; i++)
        {
            remainder[i] = shift == 0 ? u[i] : (u[i] >> shift) | (u[i + 1] << (64 - shift));
        }
    }

    private static int SignificantLimbs(ReadOnlySpan<ulong> limbs)
    {
        int length = limbs.Length;
        while (length > 0 && limbs[length - 1] == 0)
        {
            length--;
        }
        return length;
    }

    /// <summary>destination = source &lt;&lt; shift (0..63), same length; the bits shifted out go to <paramref name="overflow"/>.</summary>
    private static void ShiftLimbsLeft(ReadOnlySpan<ulong> source, int shift, Span<ulong> destination, out ulong overflow)
    {
        if (shift == 0)
        {
            source.CopyTo(destination);
            overflow = 0;
            return;
        }
        ulong previous = 0;
        for (int i = 0; i < source.Length; i++)
        {
            ulong limb = source[i];
            destination[i] = (limb << shift) | (previous >> (64 - shift));
            previous = limb;
        }
        overflow = previous >> (64 - shift);
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
