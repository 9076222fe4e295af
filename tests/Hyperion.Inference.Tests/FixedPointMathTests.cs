using Hyperion.Inference.Numerics;

namespace Hyperion.Inference.Tests;

/// <summary>The integer-generated tables against the platform's double math (tests only).</summary>
public class FixedPointMathTests
{
    [Fact]
    public void ExpNeg_table_matches_exp()
    {
        for (long y = 0; y < 25L << 16; y += 997)
        {
            double expected = Math.Exp(-y / 65536.0) * (1 << 30);
            Assert.True(Math.Abs(ExpTable.ExpNegQ16(y) - expected) <= 1 + expected * 2e-9, $"exp(-{y / 65536.0})");
        }
    }

    [Fact]
    public void Rope_table_matches_sin_cos()
    {
        var table = new RopeTable(48, 256, 10000);
        for (int p = 0; p < 256; p++)
        {
            for (int j = 0; j < 24; j++)
            {
                double angle = p / Math.Pow(10000, 2.0 * j / 48);
                Assert.True(Math.Abs(table.Cos[p * 24 + j] - Math.Cos(angle) * (1 << 30)) <= 2, $"cos p={p} j={j}");
                Assert.True(Math.Abs(table.Sin[p * 24 + j] - Math.Sin(angle) * (1 << 30)) <= 2, $"sin p={p} j={j}");
            }
        }
    }

    [Fact]
    public void Ln_matches_log()
    {
        foreach (ulong v in new ulong[] { 1, 2, 3, 10, 10000, 500000, 1000000, ulong.MaxValue })
            Assert.True(Math.Abs((double)FixedPointMath.LnQ60(v) / Math.Pow(2, 60) - Math.Log(v)) < 1e-12, $"ln {v}");
    }

    [Fact]
    public void Silu_matches_reference()
    {
        for (int x = -20 << 16; x <= 20 << 16; x += 4099)
        {
            double v = x / 65536.0;
            double expected = v / (1 + Math.Exp(-v)) * 65536;
            Assert.True(Math.Abs(ExpTable.SiluQ16(x) - expected) <= 1.01, $"silu({v})");
        }
    }
}
