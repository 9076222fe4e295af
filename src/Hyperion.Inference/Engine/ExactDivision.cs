namespace Hyperion.Inference.Engine;

/// <summary>
/// ⌊n/d⌋ for many n and one d without a 64-bit divide each: with r = ⌊(2^64−1)/d⌋ and n &lt; 2^62,
/// n·r/2^64 lies in (n/d − 1/4, n/d), so ⌊n·r/2^64⌋ is the quotient or one less, and one multiply-compare
/// corrects it. The result is the exact quotient, bit for bit what the division gives.
/// </summary>
internal static class ExactDivision
{
    public const ulong MaxDividend = (1UL << 62) - 1;

    public static ulong Reciprocal(ulong divisor) => ulong.MaxValue / divisor;

    /// <summary>⌊n/d⌋ for n ≤ <see cref="MaxDividend"/>, d ≥ 1, r = <see cref="Reciprocal"/>(d).</summary>
    public static ulong Divide(ulong n, ulong divisor, ulong reciprocal)
    {
        ulong q = Math.BigMul(n, reciprocal, out _);
        return n - q * divisor >= divisor ? q + 1 : q;
    }
}
