namespace Hyperion.Inference.Numerics;

/// <summary>
/// e^(−y) for y ≥ 0 given in Q16, result in Q30, from two lookup tables: y = hi/256 + lo/65536 with
/// e^(−y) = e^(−hi/256) · e^(−lo/65536). Tables are generated once by <see cref="FixedPointMath"/> (integer only).
/// Relative error is about 2^−29; inputs past 22 return 0 (e^(−22)·2^30 &lt; 0.5).
/// </summary>
public static class ExpTable
{
    public const int OutputBits = 30;
    public const int One = 1 << OutputBits;
    private const int CoarseSteps = 22 * 256;

    private static readonly int[] Coarse = BuildCoarse();
    private static readonly int[] Fine = BuildFine();

    /// <summary>e^(−y), y in Q16 (y ≥ 0), as Q30.</summary>
    public static int ExpNegQ16(long yQ16)
    {
        if (yQ16 <= 0) return One;
        long hi = yQ16 >> 8;
        if (hi >= CoarseSteps) return 0;
        long product = (long)Coarse[hi] * Fine[yQ16 & 0xFF];
        return (int)((product + (1L << (OutputBits - 1))) >> OutputBits);
    }

    /// <summary>σ(x) = 1/(1+e^(−x)) for x in Q16, as Q30.</summary>
    public static int SigmoidQ16(long xQ16)
    {
        long e = ExpNegQ16(xQ16 >= 0 ? xQ16 : -xQ16);
        long denominator = One + e;
        // Round to nearest: (num + den/2) / den.
        return xQ16 >= 0
            ? (int)(((1L << (2 * OutputBits)) + denominator / 2) / denominator)
            : (int)(((e << OutputBits) + denominator / 2) / denominator);
    }

    /// <summary>SiLU(x) = x·σ(x) for x in Q16, as Q16 (saturated).</summary>
    public static int SiluQ16(int xQ16)
    {
        long product = (long)xQ16 * SigmoidQ16(xQ16);
        return FixedPoint64.ShiftRound(product, OutputBits);
    }

    private static int[] BuildCoarse()
    {
        var table = new int[CoarseSteps];
        for (int j = 0; j < table.Length; j++)
            table[j] = (int)FixedPointMath.RoundQ60To(FixedPointMath.ExpNegQ60(((Int128)j << FixedPointMath.Q60Bits) / 256), OutputBits);
        return table;
    }

    private static int[] BuildFine()
    {
        var table = new int[256];
        for (int l = 0; l < table.Length; l++)
            table[l] = (int)FixedPointMath.RoundQ60To(FixedPointMath.ExpNegQ60(((Int128)l << FixedPointMath.Q60Bits) / 65536), OutputBits);
        return table;
    }
}

/// <summary>Small 64-bit fixed-point helpers for the hot path.</summary>
public static class FixedPoint64
{
    /// <summary>value >> shift rounded half away from zero, saturated to int.</summary>
    public static int ShiftRound(long value, int shift)
    {
        long half = 1L << (shift - 1);
        long result = value >= 0 ? (value + half) >> shift : -((-value + half) >> shift);
        return FixedPointMath.Saturate(result);
    }
}
