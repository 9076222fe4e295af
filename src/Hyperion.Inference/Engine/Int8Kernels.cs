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
    public static string ActivePath => Avx2.IsSupported ? "avx2" : Ssse3.IsSupported ? "ssse3" : "scalar";

    /// <summary>
    /// Quantizes Q16 activations to int8 per group: scale = ⌈max|x|·2^14/127⌉ (Q30), q = round(x·2^14/scale).
    /// <paramref name="quantized"/> has the padded length; padding is zeroed.
    /// </summary>
    public static void QuantizeActivations(ReadOnlySpan<int> x, Span<short> quantized, Span<long> scales, int groupSize)
    {
        Span<sbyte> bytes = quantized.Length <= 4096 ? stackalloc sbyte[quantized.Length] : new sbyte[quantized.Length];
        QuantizeActivations(x, bytes, scales, groupSize);
        for (int i = 0; i < bytes.Length; i++) quantized[i] = bytes[i];
    }

    /// <summary>The same quantization into int8 storage (what the kernels read).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot from the first call: skip the unoptimized tier
    public static void QuantizeActivations(ReadOnlySpan<int> x, Span<sbyte> quantized, Span<long> scales, int groupSize)
    {
        int groups = scales.Length;
        if (quantized.Length < groups * groupSize) throw new ArgumentException("quantized buffer shorter than the groups");
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
            if (scale == 0)
            {
                quantized.Slice(start, groupSize).Clear();
                continue;
            }

            // q = sign(x)·⌊(|x|·2^15 + scale) / (2·scale)⌋ (round half away from zero, at most 127); the dividend
            // is below 2^47, so the reciprocal division is exact.
            ulong d = 2 * (ulong)scale;
            ulong reciprocal = ExactDivision.Reciprocal(d);
            for (int i = start; i < end; i++)
            {
                int v = x[i];
                ulong q = ExactDivision.Divide(((ulong)Math.Abs((long)v) << 15) + (ulong)scale, d, reciprocal);
                int clamped = (int)Math.Min(q, 127UL);
                quantized[i] = (sbyte)(v < 0 ? -clamped : clamped);
            }

            for (int i = end; i < start + groupSize; i++) quantized[i] = 0;
        }
    }

    /// <summary>out[r] = Σ_c W[r,c]·x[c] in Q16 for rows [rowStart, rowEnd) (int16-held activations).</summary>
    public static void MatVec(QuantizedTensor w, ReadOnlySpan<short> xq, ReadOnlySpan<long> xScales, Span<int> output, int rowStart, int rowEnd)
    {
        ArgumentNullException.ThrowIfNull(w);
        if (xq.Length < w.PaddedCols) throw new ArgumentException("activation buffer smaller than the tensor row");
        Span<sbyte> bytes = w.PaddedCols <= 4096 ? stackalloc sbyte[w.PaddedCols] : new sbyte[w.PaddedCols];
        for (int i = 0; i < bytes.Length; i++)
        {
            if (xq[i] is < -127 or > 127) throw new ArgumentException("quantized activations must be in [−127, 127]");
            bytes[i] = (sbyte)xq[i];
        }

        MatVec(w, bytes, xScales, output, rowStart, rowEnd);
    }

    /// <summary>
    /// out[r] = Σ_c W[r,c]·x[c] in Q16 for rows [rowStart, rowEnd): per group an exact int32 dot d_g, then
    /// round(Σ_g d_g·xScale_g·wScale_g / 2^(shift)) with the sum exact. Activations in [−127, 127].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MatVec(QuantizedTensor w, ReadOnlySpan<sbyte> xq, ReadOnlySpan<long> xScales, Span<int> output, int rowStart, int rowEnd)
    {
        ArgumentNullException.ThrowIfNull(w);
        int groups = w.GroupsPerRow, groupSize = w.GroupSize, padded = w.PaddedCols;
        int shift = w.ScaleShift + ActivationScaleBits - 16;
        if (xq.Length < padded || xScales.Length < groups) throw new ArgumentException("activation buffer smaller than the tensor row");
        if ((uint)rowStart > (uint)rowEnd || rowEnd > w.Rows || output.Length < rowEnd) throw new ArgumentOutOfRangeException(nameof(rowEnd), "row range outside the tensor or the output");
        int chunk = Math.Min(groups, DotChunkGroups);
        Span<int> dots = stackalloc int[(chunk + 7) & ~7];
        fixed (sbyte* weights = w.Values)
        fixed (int* weightScales = w.Scales)
        fixed (sbyte* x = xq)
        fixed (long* xs = xScales)
        fixed (int* dot = dots)
        fixed (int* outputs = output)
        {
            for (int r = rowStart; r < rowEnd; r++)
            {
                sbyte* row = weights + (long)r * padded;
                int* rowScales = weightScales + (long)r * groups;
                if (groups <= DotChunkGroups)
                {
                    GroupDots(row, x, groups, groupSize, dot);
                    (long high, long low) = ScaleAndSum(dot, rowScales, xs, groups);
                    outputs[r] = RoundShift(high, low, shift);
                    continue;
                }

                Int128 total = 0;
                for (int g0 = 0; g0 < groups; g0 += DotChunkGroups)
                {
                    int n = Math.Min(DotChunkGroups, groups - g0);
                    GroupDots(row + (long)g0 * groupSize, x + (long)g0 * groupSize, n, groupSize, dot);
                    (long high, long low) = ScaleAndSum(dot, rowScales + g0, xs + g0, n);
                    total += ((Int128)high << 31) + low;
                }

                outputs[r] = RoundShift(total, shift);
            }
        }
    }

    /// <summary>
    /// Groups per exact 64-bit pass. With |d_g| ≤ 64·127² &lt; 2^20 and the 62-bit scale product split into two
    /// 31-bit halves, each partial product is below 2^51, so 2^11 of them sum without overflow.
    /// </summary>
    private const int DotChunkGroups = 2048;

    /// <summary>
    /// Σ_g d_g·(xScale_g·wScale_g) as high·2^31 + low, exactly: the product xScale·wScale &lt; 2^38·2^24 = 2^62 is
    /// split into 31-bit halves so both partial sums stay in a long (see <see cref="DotChunkGroups"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (long High, long Low) ScaleAndSum(int* dots, int* rowScales, long* xs, int groups)
    {
        long high = 0, low = 0;
        for (int g = 0; g < groups; g++)
        {
            long scale = xs[g] * rowScales[g];
            long d = dots[g];
            low += d * (scale & 0x7FFF_FFFF);
            high += d * (scale >> 31);
        }

        return (high, low);
    }

    /// <summary>round(value / 2^shift) half away from zero, saturated to int; value = high·2^31 + low, shift in [1, 127].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int RoundShift(long high, long low, int shift)
    {
        // The 128-bit value as two words (typical products exceed 2^63, so this is the common path).
        ulong lo = ((ulong)high << 31) + (ulong)low;
        long hi = (high >> 33) + (low >> 63) + (lo < (ulong)high << 31 ? 1 : 0);
        return RoundShiftWords(hi, lo, shift);
    }

    private static int RoundShift(Int128 value, int shift) => RoundShiftWords((long)(value >> 64), (ulong)value, shift);

    /// <summary>
    /// round((hi·2^64 + lo) / 2^shift) half away from zero, saturated to int: the magnitude plus half, shifted;
    /// anything from 2^31 up saturates (for a negative value, −2^31 is exactly int.MinValue as well).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int RoundShiftWords(long hi, ulong lo, int shift)
    {
        bool negative = hi < 0;
        ulong magnitudeLo = lo, magnitudeHi = (ulong)hi;
        if (negative)
        {
            magnitudeLo = ~lo + 1;
            magnitudeHi = ~(ulong)hi + (magnitudeLo == 0 ? 1UL : 0UL);
        }

        ulong shiftedLo, shiftedHi;
        if (shift < 64)
        {
            ulong sum = magnitudeLo + (1UL << (shift - 1));
            magnitudeHi += sum < magnitudeLo ? 1UL : 0UL;
            shiftedLo = (sum >> shift) | (magnitudeHi << (64 - shift));
            shiftedHi = magnitudeHi >> shift;
        }
        else
        {
            // Half is 2^(shift−1) ≥ 2^63: for shift = 64 it is a carry into bit 63 of the low word.
            if (shift == 64)
            {
                ulong sum = magnitudeLo + (1UL << 63);
                magnitudeHi += sum < magnitudeLo ? 1UL : 0UL;
            }
            else
            {
                magnitudeHi += 1UL << (shift - 65);
            }

            shiftedLo = magnitudeHi >> (shift - 64);
            shiftedHi = 0;
        }

        if (shiftedHi != 0 || shiftedLo > int.MaxValue) return negative ? int.MinValue : int.MaxValue;
        return negative ? -(int)shiftedLo : (int)shiftedLo;
    }

    /// <summary>dots[g] = Σ_{i in group g} w[i]·x[i] exactly, for <paramref name="groups"/> groups of 32 or 64.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void GroupDots(sbyte* w, sbyte* x, int groups, int groupSize, int* dots)
    {
        if (Avx2.IsSupported)
        {
            int g = 0;
            if (groupSize == 32)
            {
                for (; g + 8 <= groups; g += 8)
                {
                    sbyte* wg = w + g * 32;
                    sbyte* xg = x + g * 32;
                    Vector256<int> sums = Reduce8(
                        Dot32(wg, xg), Dot32(wg + 32, xg + 32), Dot32(wg + 64, xg + 64), Dot32(wg + 96, xg + 96),
                        Dot32(wg + 128, xg + 128), Dot32(wg + 160, xg + 160), Dot32(wg + 192, xg + 192), Dot32(wg + 224, xg + 224));
                    Avx.Store(dots + g, sums);
                }

                for (; g < groups; g++) dots[g] = Sum(Dot32(w + g * 32, x + g * 32));
            }
            else
            {
                for (; g < groups; g++) dots[g] = Sum(Avx2.Add(Dot32(w + g * 64, x + g * 64), Dot32(w + g * 64 + 32, x + g * 64 + 32)));
            }

            return;
        }

        if (Ssse3.IsSupported)
        {
            for (int g = 0; g < groups; g++)
            {
                sbyte* wg = w + g * groupSize;
                sbyte* xg = x + g * groupSize;
                Vector128<int> acc = Vector128<int>.Zero;
                for (int i = 0; i < groupSize; i += 16)
                    acc = Sse2.Add(acc, Dot16(wg + i, xg + i));
                acc = Ssse3.HorizontalAdd(acc, acc);
                acc = Ssse3.HorizontalAdd(acc, acc);
                dots[g] = acc.ToScalar();
            }

            return;
        }

        for (int g = 0; g < groups; g++)
        {
            sbyte* wg = w + g * groupSize;
            sbyte* xg = x + g * groupSize;
            int sum = 0;
            for (int i = 0; i < groupSize; i++) sum += wg[i] * xg[i];
            dots[g] = sum;
        }
    }

    /// <summary>
    /// Eight int32 partial sums of a 32-element int8 dot: |w|·(x·sign w) with <c>vpmaddubsw</c> (each pair at most
    /// 2·127² &lt; 2^15, so no saturation; values are never −128), then <c>vpmaddwd</c> by ones.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Dot32(sbyte* w, sbyte* x)
    {
        Vector256<sbyte> wv = Avx.LoadVector256(w);
        Vector256<short> pairs = Avx2.MultiplyAddAdjacent(Avx2.Abs(wv), Avx2.Sign(Avx.LoadVector256(x), wv));
        return Avx2.MultiplyAddAdjacent(pairs, Vector256<short>.One);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<int> Dot16(sbyte* w, sbyte* x)
    {
        Vector128<sbyte> wv = Sse2.LoadVector128(w);
        Vector128<short> pairs = Ssse3.MultiplyAddAdjacent(Ssse3.Abs(wv), Ssse3.Sign(Sse2.LoadVector128(x), wv));
        return Sse2.MultiplyAddAdjacent(pairs, Vector128<short>.One);
    }

    /// <summary>Lane g of the result = the sum of the eight lanes of v_g.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Reduce8(Vector256<int> v0, Vector256<int> v1, Vector256<int> v2, Vector256<int> v3,
        Vector256<int> v4, Vector256<int> v5, Vector256<int> v6, Vector256<int> v7)
    {
        Vector256<int> a = Avx2.HorizontalAdd(Avx2.HorizontalAdd(v0, v1), Avx2.HorizontalAdd(v2, v3));
        Vector256<int> b = Avx2.HorizontalAdd(Avx2.HorizontalAdd(v4, v5), Avx2.HorizontalAdd(v6, v7));
        return Avx2.Add(Avx2.Permute2x128(a, b, 0x20), Avx2.Permute2x128(a, b, 0x31));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Sum(Vector256<int> v)
    {
        Vector128<int> s = Sse2.Add(v.GetLower(), v.GetUpper());
        s = Sse2.Add(s, Sse2.Shuffle(s, 0b_01_00_11_10));
        s = Sse2.Add(s, Sse2.Shuffle(s, 0b_10_11_00_01));
        return s.ToScalar();
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
            return Sum(acc);
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
