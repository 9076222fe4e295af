using Hyperion.Inference.Model;

namespace Hyperion.MetisAi;

/// <summary>
/// Gas of an inference call, proportional to the integer work fixed by the model shape and the positions run:
/// <c>gas = 50,000 + Σ_{pos &lt; n} ⌈MACs(pos) / macsPerGas⌉</c> with
/// <c>MACs(pos) = L·(2·dim² + 2·dim·kvDim + 3·dim·hidden) + vocab·dim + 2·L·dim·(pos+1)</c> and
/// <c>n = min(seqLen, promptTokens − 1 + maxNewTokens)</c> forward passes (the generator's own bound), charged up front.
/// </summary>
public static class InferenceGas
{
    /// <summary>Fixed part: decoding, the registry lookup and setting up the model.</summary>
    public const long BaseGas = 50_000;

    /// <summary>Multiply-accumulates of the position-independent part of one forward pass (matrices and classifier).</summary>
    public static long MacsPerPassFixed(ModelConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        long dim = config.Dim, kv = config.KvDim, hidden = config.HiddenDim, layers = config.Layers;
        return (layers * ((2 * dim * dim) + (2 * dim * kv) + (3 * dim * hidden))) + ((long)config.VocabSize * dim);
    }

    /// <summary>MACs of the forward pass at <paramref name="position"/> (attention grows with the position).</summary>
    public static long MacsAt(ModelConfig config, int position) =>
        MacsPerPassFixed(config) + (2L * config.Layers * config.Dim * (position + 1L));

    /// <summary>Forward passes a call runs at most: the prompt minus its last token, plus the new tokens, within the context.</summary>
    public static int Positions(ModelConfig config, int promptTokens, int maxNewTokens)
    {
        ArgumentNullException.ThrowIfNull(config);
        return (int)Math.Min(config.SeqLen, (long)promptTokens - 1 + maxNewTokens);
    }

    /// <summary>Gas for <paramref name="positions"/> forward passes at <paramref name="macsPerGas"/>; saturates at <see cref="long.MaxValue"/>.</summary>
    public static long ForPositions(ModelConfig config, int positions, uint macsPerGas)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentOutOfRangeException.ThrowIfZero(macsPerGas);
        UInt128 total = BaseGas;
        for (int pos = 0; pos < positions; pos++)
        {
            total += ((ulong)MacsAt(config, pos) + macsPerGas - 1) / macsPerGas;
        }

        return total > long.MaxValue ? long.MaxValue : (long)total;
    }
}
