using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Hyperion.Inference.Model;
using Hyperion.Inference.Numerics;

namespace Hyperion.Inference.Engine;

/// <summary>
/// The integer matrix-vector product: int8 weights × int8 activations (held as int16), exact int32 dot per group,
/// scaled by (activation scale × weight scale) into a 128-bit accumulator. Integer sums do not depend on the
/// order of addition, so the AVX2, SSE4.1 and scalar paths give identical bits.
/// </summary>
public static unsafe class Int8Kernels
{
    /// <summary>Activation scales are Q30: real scale = scale / 2^30.</summary>
    public const int ActivationScaleBits = 30;

    /// <summary>Which kernel this process uses (for reporting).</summary>
    public static string ActivePath => Avx2.IsSupported ? "avx2" : Sse41.IsSupported ? "sse4.1" : "scalar";

    /// <summary>
    /// Quantizes Q16 activations to int8 per group: scale = ⌈max|x|·2^14/127⌉ (Q30), q = round(x·2^14/scale).
    /// <paramref name="quantized"/> has the padded length; padding is zeroed.
    /// </summary>
    public static void QuantizeActivations(ReadOnlySpan<int> x, Span<short> quantized, Span<long> scales, int groupSize)
    {
        int groups = scales.Length;
        for (int g = 0; g < groups; g++)
        {
            int start = g * groupSize;
            int end = Math.Min(start + groupSize, x.Length);
            long max = 0;
            for (int i = start; i < end; i++)
            {
                long a = Math.Abs((long)x[i]);
                if (a > max) max = a;
            }

            long scale = ((max << 14) + 126) / 127;
            scales[g] = scale;
            for (int i = start; i < start + groupSize; i++)
            {
                if (i >= end || scale == 0)
                {
                    quantized[i] = 0;
                    continue;
                }

                long numerator = (long)x[i] << 15; // 2·x·2^14
                long q = numerator >= 0 ? (numerator + scale) / (2 * scale) : (numerator - scale) / (2 * scale);
                quantized[i] = (short)Math.Clamp(q, -127, 127);
            }
        }
    }

    /// <summary>out[r] = Σ_c W[r,c]·x[c] in Q16 for rows [rowStart, rowEnd).</summary>
    public static void MatVec(QuantizedTensor w, ReadOnlySpan<short> xq, ReadOnlySpan<long> xScales, Span<int> output, int rowStart, int rowEnd)
    {
        int groups = w.GroupsPerRow, groupSize = w.GroupSize, padded = w.PaddedCols;
        int shift = w.ScaleShift + ActivationScaleBits - 16;
        if (xq.Length < padded || xScales.Length < groups) throw new ArgumentException("activation buffer smaller than the tensor row");
        fixed (sbyte* weights = w.Values)
        fixed (int* weightScales = w.Scales)
        fixed (short* x = xq)
        fixed (long* xs = xScales)
        {
            for (int r = rowStart; r < rowEnd; r++)
            {
                sbyte* row = weights + (long)r * padded;
                int* rowScales = weightScales + (long)r * groups;
                long hi = 0;
                ulong lo = 0;
                for (int g = 0; g < groups; g++)
                {
                    int dot = Dot(row + g * groupSize, x + g * groupSize, groupSize);
                    long high = Math.BigMul(dot, xs[g] * rowScales[g], out long low);
                    ulong sum = lo + (ulong)low;
                    hi += high + (sum < lo ? 1 : 0);
                    lo = sum;
                }

                output[r] = RoundShift(hi, lo, shift);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int RoundShift(long hi, ulong lo, int shift)
    {
        Int128 value = new((ulong)hi, lo);
        Int128 half = (Int128)1 << (shift - 1);
        Int128 result = value >= 0 ? (value + half) >> shift : -((-value + half) >> shift);
        return result > int.MaxValue ? int.MaxValue : result < int.MinValue ? int.MinValue : (int)result;
    }

    /// <summary>Exact Σ w[i]·x[i] for n a multiple of 16 (|sum| ≤ n·127², fits int for n ≤ 2^17).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Dot(sbyte* w, short* x, int n)
    {
        if (Avx2.IsSupported)
        {
            Vector256<int> acc = Vector256<int>.Zero;
            for (int i = 0; i < n; i += 16)
                acc = Avx2.Add(acc, Avx2.MultiplyAddAdjacent(Avx2.ConvertToVector256Int16(w + i), Avx.LoadVector256(x + i)));
            Vector128<int> s = Sse2.Add(acc.GetLower(), acc.GetUpper());
            s = Sse2.Add(s, Sse2.Shuffle(s, 0b_01_00_11_10));
            s = Sse2.Add(s, Sse2.Shuffle(s, 0b_10_11_00_01));
            return s.ToScalar();
        }

        if (Sse41.IsSupported)
        {
            Vector128<int> acc = Vector128<int>.Zero;
            for (int i = 0; i < n; i += 8)
                acc = Sse2.Add(acc, Sse2.MultiplyAddAdjacent(Sse41.ConvertToVector128Int16(w + i), Sse2.LoadVector128(x + i)));
            acc = Sse2.Add(acc, Sse2.Shuffle(acc, 0b_01_00_11_10));
            acc = Sse2.Add(acc, Sse2.Shuffle(acc, 0b_10_11_00_01));
            return acc.ToScalar();
        }

        int sum = 0;
        for (int i = 0; i < n; i++) sum += w[i] * x[i];
        return sum;
    }

    /// <summary>Dequantizes one row of <paramref name="w"/> into Q16 (the embedding lookup).</summary>
    public static void DequantizeRow(QuantizedTensor w, int row, Span<int> output)
    {
        int groups = w.GroupsPerRow, groupSize = w.GroupSize;
        ReadOnlySpan<sbyte> values = w.Values.AsSpan(row * w.PaddedCols, w.PaddedCols);
        ReadOnlySpan<int> scales = w.Scales.AsSpan(row * groups, groups);
        for (int c = 0; c < w.Cols; c++)
        {
            long product = (long)values[c] * scales[c / groupSize];
            output[c] = w.ScaleShift >= 16
                ? (w.ScaleShift == 16 ? FixedPointMath.Saturate(product) : FixedPoint64.ShiftRound(product, w.ScaleShift - 16))
                : FixedPointMath.Saturate(product << (16 - w.ScaleShift));
        }
    }
}
