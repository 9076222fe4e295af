namespace Hyperion.Inference.Numerics;

/// <summary>
/// Transcendental functions in fixed point, computed with integer arithmetic only (Int128 intermediates, Q60
/// internal precision). Used to build the lookup tables of the integer engine once; every node builds the same
/// tables bit for bit because nothing here depends on the platform's floating-point unit.
/// </summary>
public static class FixedPointMath
{
    /// <summary>Fraction bits of the internal high-precision format.</summary>
    public const int Q60Bits = 60;

    public static readonly Int128 OneQ60 = (Int128)1 << Q60Bits;

    /// <summary>ln 2 · 2^60 (truncated).</summary>
    public static readonly Int128 Ln2Q60 = 799144290325165978L;

    /// <summary>π · 2^60 (truncated).</summary>
    public static readonly Int128 PiQ60 = 3622009729038561421L;

    /// <summary>2π · 2^60 (truncated).</summary>
    public static readonly Int128 TwoPiQ60 = 7244019458077122842L;

    /// <summary>e^(−y) for y ≥ 0 in Q60, by range reduction y = k·ln2 + r and a Taylor series of e^(−r).</summary>
    public static Int128 ExpNegQ60(Int128 yQ60)
    {
        if (yQ60 < 0) throw new ArgumentOutOfRangeException(nameof(yQ60), "ExpNegQ60 takes y ≥ 0.");
        Int128 k = yQ60 / Ln2Q60;
        if (k >= Q60Bits + 2) return 0;
        Int128 r = yQ60 - k * Ln2Q60; // in [0, ln 2)
        // e^(−r) = Σ (−r)^n / n!
        Int128 sum = OneQ60, term = OneQ60;
        for (int n = 1; n < 40 && term != 0; n++)
        {
            term = -(term * r >> Q60Bits) / n;
            sum += term;
        }

        return sum >> (int)k;
    }

    /// <summary>Natural logarithm of a positive integer in Q60: ln v = k·ln 2 + 2·atanh((m−1)/(m+1)), m = v/2^k ∈ [1, 2).</summary>
    public static Int128 LnQ60(ulong value)
    {
        if (value == 0) throw new ArgumentOutOfRangeException(nameof(value), "ln(0) is undefined.");
        int k = 63 - System.Numerics.BitOperations.LeadingZeroCount(value);
        // m in Q60: value · 2^60 / 2^k, exact enough since value < 2^64 and k ≤ 63.
        Int128 m = ((Int128)value << Q60Bits) >> k;
        Int128 z = ((m - OneQ60) << Q60Bits) / (m + OneQ60); // z ∈ [0, 1/3)
        Int128 z2 = z * z >> Q60Bits;
        Int128 power = z, sum = 0;
        for (int n = 1; n < 200 && power != 0; n += 2)
        {
            sum += power / n;
            power = power * z2 >> Q60Bits;
        }

        return k * Ln2Q60 + 2 * sum;
    }

    /// <summary>sin and cos of an angle (Q60 radians, any magnitude) in Q60, by reduction into [−π, π) and Taylor series.</summary>
    public static (Int128 Sin, Int128 Cos) SinCosQ60(Int128 angleQ60)
    {
        Int128 x = angleQ60 % TwoPiQ60;
        if (x < 0) x += TwoPiQ60;
        if (x >= PiQ60) x -= TwoPiQ60; // x ∈ [−π, π): |x| < 2^62, so x² < 2^124 fits Int128
        Int128 x2 = x * x >> Q60Bits;
        Int128 sin = 0, sinTerm = x;
        for (int n = 1; sinTerm != 0 && n < 80; n += 2)
        {
            sin += sinTerm;
            sinTerm = -(sinTerm * x2 >> Q60Bits) / ((n + 1) * (n + 2));
        }

        Int128 cos = 0, cosTerm = OneQ60;
        for (int n = 0; cosTerm != 0 && n < 80; n += 2)
        {
            cos += cosTerm;
            cosTerm = -(cosTerm * x2 >> Q60Bits) / ((n + 1) * (n + 2));
        }

        return (sin, cos);
    }

    /// <summary>Rounds a Q60 value to Q<paramref name="bits"/> (half away from zero).</summary>
    public static long RoundQ60To(Int128 valueQ60, int bits)
    {
        int shift = Q60Bits - bits;
        Int128 half = (Int128)1 << (shift - 1);
        return valueQ60 >= 0 ? (long)((valueQ60 + half) >> shift) : -(long)((-valueQ60 + half) >> shift);
    }

    /// <summary>Floor of the square root of a 128-bit value (integer Newton iteration).</summary>
    public static UInt128 IntegerSqrt(UInt128 value)
    {
        if (value < 2) return value;
        int bits = 128 - (int)UInt128.LeadingZeroCount(value);
        UInt128 x = (UInt128)1 << ((bits + 1) / 2);
        while (true)
        {
            UInt128 y = (x + value / x) >> 1;
            if (y >= x) return x;
            x = y;
        }
    }

    /// <summary>Clamps a 64-bit value into the int range.</summary>
    public static int Saturate(long value) =>
        value > int.MaxValue ? int.MaxValue : value < int.MinValue ? int.MinValue : (int)value;

    /// <summary>(a·b) >> shift with rounding (half up) and an exact 128-bit product, saturated to long.</summary>
    public static long MulShiftRound(long a, long b, int shift)
    {
        if (shift is >= 1 and <= 63)
        {
            // The same 128-bit arithmetic on two longs (a hot path of RMSNorm and attention): |a·b| ≤ 2^126, so
            // adding the rounding carry cannot overflow the high half.
            long high = Math.BigMul(a, b, out long lowSigned);
            ulong low = (ulong)lowSigned;
            ulong rounded = low + (1UL << (shift - 1));
            if (rounded < low) high++;
            long top = high >> shift;
            long shifted = (long)((rounded >> shift) | ((ulong)high << (64 - shift)));
            // The shifted 128-bit value fits a long exactly when its high half is the sign extension of the low half.
            if (top == shifted >> 63) return shifted;
            return high < 0 ? long.MinValue : long.MaxValue;
        }

        Int128 product = (Int128)a * b;
        Int128 result = (product + ((Int128)1 << (shift - 1))) >> shift;
        return result > long.MaxValue ? long.MaxValue : result < long.MinValue ? long.MinValue : (long)result;
    }
}
