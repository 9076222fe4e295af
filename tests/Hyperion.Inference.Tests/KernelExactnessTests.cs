using CsCheck;
using Hyperion.Inference.Engine;
using Hyperion.Inference.Model;
using Hyperion.Inference.Numerics;

namespace Hyperion.Inference.Tests;

/// <summary>
/// The fast integer kernels against the plain definitions they replace (Int128 sums, 64-bit divisions): they
/// must give the same bits for every input in range, including the extremes where the fast paths change route.
/// </summary>
public class KernelExactnessTests
{
    /// <summary>The definition: Σ_g dot_g·xScale_g·wScale_g in Int128, then round half away from zero and saturate.</summary>
    private static int ReferenceRow(QuantizedTensor w, sbyte[] x, long[] xScales, int row)
    {
        Int128 sum = 0;
        for (int g = 0; g < w.GroupsPerRow; g++)
        {
            long dot = 0;
            for (int i = 0; i < w.GroupSize; i++)
                dot += (long)w.Values[(long)row * w.PaddedCols + g * w.GroupSize + i] * x[g * w.GroupSize + i];
            sum += (Int128)dot * xScales[g] * w.Scales[(long)row * w.GroupsPerRow + g];
        }

        int shift = w.ScaleShift + Int8Kernels.ActivationScaleBits - 16;
        Int128 half = (Int128)1 << (shift - 1);
        Int128 result = sum >= 0 ? (sum + half) >> shift : -((-sum + half) >> shift);
        return result > int.MaxValue ? int.MaxValue : result < int.MinValue ? int.MinValue : (int)result;
    }

    private static QuantizedTensor RandomTensor(DeterministicRng rng, int rows, int cols, int groupSize, int scaleShift, bool extreme)
    {
        int groups = (cols + groupSize - 1) / groupSize;
        var values = new sbyte[rows * groups * groupSize];
        var scales = new int[rows * groups];
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < cols; c++)
                values[r * groups * groupSize + c] = extreme ? (sbyte)(rng.NextUInt64() % 2 == 0 ? 127 : -127) : (sbyte)((int)(rng.NextUInt64() % 255) - 127);
        }

        for (int i = 0; i < scales.Length; i++)
            scales[i] = extreme ? (1 << QuantizedTensor.MaxScaleBits) - 1 - (int)(rng.NextUInt64() % 4) : (int)(rng.NextUInt64() % (1UL << QuantizedTensor.MaxScaleBits));
        return new QuantizedTensor(rows, cols, groupSize, scaleShift, values, scales);
    }

    [Theory]
    [InlineData(32, false)]
    [InlineData(32, true)]
    [InlineData(64, false)]
    [InlineData(64, true)]
    public void MatVec_matches_the_int128_definition(int groupSize, bool extreme)
    {
        var rng = new DeterministicRng((ulong)groupSize * 7 + (extreme ? 1UL : 0UL));
        foreach (int cols in new[] { 32, 288, 300, 768, 1000, 70_000 })
        {
            foreach (int scaleShift in new[] { 0, 1, 20, 37, 48, 50, 62 })
            {
                QuantizedTensor w = RandomTensor(rng, 9, cols, groupSize, scaleShift, extreme);
                var input = new int[cols];
                for (int i = 0; i < cols; i++)
                {
                    input[i] = extreme
                        ? (rng.NextUInt64() % 2 == 0 ? int.MaxValue : int.MinValue + (int)(rng.NextUInt64() % 3))
                        : (int)(rng.NextUInt64() >> 40) - (1 << 23);
                }

                var xq = new sbyte[w.PaddedCols];
                var xScales = new long[w.GroupsPerRow];
                Int8Kernels.QuantizeActivations(input, xq, xScales, groupSize);
                var output = new int[w.Rows];
                Int8Kernels.MatVec(w, xq, xScales, output, 0, w.Rows);
                for (int r = 0; r < w.Rows; r++)
                    Assert.True(ReferenceRow(w, xq, xScales, r) == output[r], $"cols {cols} shift {scaleShift} row {r}");

                // The int16-held entry point is the same product.
                var xq16 = new short[w.PaddedCols];
                var xScales16 = new long[w.GroupsPerRow];
                Int8Kernels.QuantizeActivations(input, xq16, xScales16, groupSize);
                Assert.Equal(xScales, xScales16);
                Assert.Equal(xq.Select(v => (short)v).ToArray(), xq16);
                var output16 = new int[w.Rows];
                Int8Kernels.MatVec(w, xq16, xScales16, output16, 0, w.Rows);
                Assert.Equal(output, output16);
            }
        }
    }

    [Fact]
    public void Quantization_matches_the_division_definition()
    {
        Gen.Int.Array[1, 100].Sample(input =>
        {
            int groups = (input.Length + 31) / 32;
            var q = new sbyte[groups * 32];
            var scales = new long[groups];
            Int8Kernels.QuantizeActivations(input, q, scales, 32);
            for (int g = 0; g < groups; g++)
            {
                long max = 0;
                for (int i = g * 32; i < Math.Min(g * 32 + 32, input.Length); i++) max = Math.Max(max, Math.Abs((long)input[i]));
                long scale = ((max << 14) + 126) / 127;
                Assert.Equal(scale, scales[g]);
                for (int i = g * 32; i < g * 32 + 32; i++)
                {
                    long expected = 0;
                    if (i < input.Length && scale != 0)
                    {
                        long numerator = (long)input[i] << 15;
                        expected = Math.Clamp(numerator >= 0 ? (numerator + scale) / (2 * scale) : (numerator - scale) / (2 * scale), -127, 127);
                    }

                    Assert.Equal(expected, q[i]);
                }
            }
        });
    }

    [Fact]
    public void MulShiftRound_matches_int128()
    {
        static long Reference(long a, long b, int shift)
        {
            Int128 result = ((Int128)a * b + ((Int128)1 << (shift - 1))) >> shift;
            return result > long.MaxValue ? long.MaxValue : result < long.MinValue ? long.MinValue : (long)result;
        }

        Gen.Select(Gen.Long, Gen.Long, Gen.Int[1, 100]).Sample((a, b, shift) => Assert.Equal(Reference(a, b, shift), FixedPointMath.MulShiftRound(a, b, shift)));
        Gen.Select(Gen.Int, Gen.Long[-(1L << 40), 1L << 40], Gen.Int[1, 63]).Sample((a, b, shift) => Assert.Equal(Reference(a, b, shift), FixedPointMath.MulShiftRound(a, b, shift)));
        foreach (long a in new[] { long.MinValue, long.MaxValue, -1L, 0L, 1L })
        {
            foreach (long b in new[] { long.MinValue, long.MaxValue, -1L, 1L })
            {
                for (int shift = 1; shift < 100; shift++) Assert.Equal(Reference(a, b, shift), FixedPointMath.MulShiftRound(a, b, shift));
            }
        }
    }
}
