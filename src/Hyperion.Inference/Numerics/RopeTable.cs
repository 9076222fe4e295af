namespace Hyperion.Inference.Numerics;

/// <summary>
/// Rotary position embedding tables: for position p and pair j of a head, angle = p · θ^(−2j/headSize);
/// cos and sin in Q30, generated with integer math (<see cref="FixedPointMath"/>), never Math.Sin.
/// </summary>
public sealed class RopeTable
{
    public const int Bits = 30;

    public RopeTable(int headSize, int seqLen, uint theta)
    {
        if (headSize <= 0 || headSize % 2 != 0) throw new ArgumentOutOfRangeException(nameof(headSize), "head size must be even and positive");
        if (theta < 2) throw new ArgumentOutOfRangeException(nameof(theta), "rope theta must be ≥ 2");
        HeadSize = headSize;
        SeqLen = seqLen;
        int pairs = headSize / 2;
        Cos = new int[seqLen * pairs];
        Sin = new int[seqLen * pairs];
        Int128 lnTheta = FixedPointMath.LnQ60(theta);
        var frequencies = new Int128[pairs];
        for (int j = 0; j < pairs; j++)
            frequencies[j] = FixedPointMath.ExpNegQ60(lnTheta * (2 * j) / headSize);
        for (int p = 0; p < seqLen; p++)
        {
            for (int j = 0; j < pairs; j++)
            {
                (Int128 sin, Int128 cos) = FixedPointMath.SinCosQ60(frequencies[j] * p);
                Cos[p * pairs + j] = (int)FixedPointMath.RoundQ60To(cos, Bits);
                Sin[p * pairs + j] = (int)FixedPointMath.RoundQ60To(sin, Bits);
            }
        }
    }

    public int HeadSize { get; }
    public int SeqLen { get; }

    /// <summary>cos(angle) in Q30, indexed [position · headSize/2 + pair].</summary>
    public int[] Cos { get; }

    /// <summary>sin(angle) in Q30, indexed [position · headSize/2 + pair].</summary>
    public int[] Sin { get; }
}
