using Hyperion.Inference.Numerics;

namespace Hyperion.Inference.Reference;

/// <summary>Float sampling (llama2.c semantics) for the reference path; seeded by the same <see cref="DeterministicRng"/>.</summary>
public sealed class FloatSampler(int vocabSize, float temperature, float topP, ulong seed)
{
    private readonly float[] _probabilities = new float[vocabSize];
    private readonly int[] _order = new int[vocabSize];
    private DeterministicRng _rng = new(seed);

    public static int ArgMax(ReadOnlySpan<float> logits)
    {
        int best = 0;
        for (int i = 1; i < logits.Length; i++)
        {
            if (logits[i] > logits[best]) best = i;
        }

        return best;
    }

    public int Sample(ReadOnlySpan<float> logits)
    {
        if (temperature == 0f) return ArgMax(logits);
        for (int i = 0; i < logits.Length; i++) _probabilities[i] = logits[i] / temperature;
        FloatTransformer.Softmax(_probabilities);
        float coin = _rng.NextFractionQ32() / 4294967296f;
        if (topP <= 0f || topP >= 1f)
        {
            float cdf = 0;
            for (int i = 0; i < _probabilities.Length; i++)
            {
                cdf += _probabilities[i];
                if (coin < cdf) return i;
            }

            return _probabilities.Length - 1;
        }

        float cutoff = (1f - topP) / (_probabilities.Length - 1);
        int count = 0;
        for (int i = 0; i < _probabilities.Length; i++)
        {
            if (_probabilities[i] >= cutoff) _order[count++] = i;
        }

        float[] p = _probabilities;
        Array.Sort(_order, 0, count, Comparer<int>.Create((a, b) => p[a] != p[b] ? p[b].CompareTo(p[a]) : a.CompareTo(b)));
        float cumulative = 0;
        int last = count - 1;
        for (int k = 0; k < count; k++)
        {
            cumulative += p[_order[k]];
            if (cumulative > topP)
            {
                last = k;
                break;
            }
        }

        float r = coin * cumulative, running = 0;
        for (int k = 0; k <= last; k++)
        {
            running += p[_order[k]];
            if (r < running) return _order[k];
        }

        return _order[last];
    }
}
