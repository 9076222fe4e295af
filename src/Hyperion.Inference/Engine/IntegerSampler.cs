using Hyperion.Inference.Numerics;

namespace Hyperion.Inference.Engine;

/// <summary>
/// Token selection on Q16 logits with integer arithmetic only. Temperature 0 is greedy (argmax, lowest id on
/// ties). Otherwise logits are divided by the Q16 temperature, turned into Q30 probabilities with the exp
/// table, optionally cut to the smallest top-p nucleus (sorted by probability, then id), and one Q32 draw of
/// <see cref="DeterministicRng"/> picks the token. Buffers are preallocated.
/// </summary>
public sealed class IntegerSampler
{
    private readonly int[] _probabilities;
    private readonly long[] _sortKeys;
    private readonly int _temperatureQ16;
    private readonly int _topPQ16;
    private DeterministicRng _rng;

    public IntegerSampler(int vocabSize, int temperatureQ16, int topPQ16, ulong seed)
    {
        if (vocabSize is <= 0 or > 1 << 24) throw new ArgumentOutOfRangeException(nameof(vocabSize));
        if (temperatureQ16 < 0) throw new ArgumentOutOfRangeException(nameof(temperatureQ16), "temperature must be ≥ 0");
        if (topPQ16 < 0) throw new ArgumentOutOfRangeException(nameof(topPQ16), "top-p must be ≥ 0");
        _probabilities = new int[vocabSize];
        _sortKeys = new long[vocabSize];
        _temperatureQ16 = temperatureQ16;
        _topPQ16 = topPQ16;
        _rng = new DeterministicRng(seed);
    }

    public static int ArgMax(ReadOnlySpan<int> logits)
    {
        int best = 0;
        for (int i = 1; i < logits.Length; i++)
        {
            if (logits[i] > logits[best]) best = i;
        }

        return best;
    }

    public int Sample(ReadOnlySpan<int> logits)
    {
        if (logits.Length != _probabilities.Length) throw new ArgumentException($"expected {_probabilities.Length} logits, got {logits.Length}", nameof(logits));
        if (_temperatureQ16 == 0) return ArgMax(logits);

        // Scaled logits (Q16) = logit / temperature; probabilities ∝ e^(scaled − max).
        long max = long.MinValue;
        for (int i = 0; i < logits.Length; i++)
        {
            long scaled = ((long)logits[i] << 16) / _temperatureQ16;
            if (scaled > max) max = scaled;
        }

        long total = 0;
        for (int i = 0; i < logits.Length; i++)
        {
            long scaled = ((long)logits[i] << 16) / _temperatureQ16;
            int e = ExpTable.ExpNegQ16(max - scaled);
            _probabilities[i] = e;
            total += e;
        }

        uint coin = _rng.NextFractionQ32();
        if (_topPQ16 <= 0 || _topPQ16 >= 1 << 16)
        {
            long target = (long)(((UInt128)coin * (ulong)total) >> 32);
            long cdf = 0;
            for (int i = 0; i < _probabilities.Length; i++)
            {
                cdf += _probabilities[i];
                if (cdf > target) return i;
            }

            return _probabilities.Length - 1;
        }

        // Nucleus: candidates with p ≥ (1 − topP)/(n − 1) of the total can be in it (as llama2.c prunes), sorted
        // by probability descending then id ascending via one integer key each.
        long topPMass = (long)(((UInt128)(ulong)total * (ulong)_topPQ16) >> 16);
        long cutoff = logits.Length > 1 ? (long)(((UInt128)(ulong)total * (ulong)((1 << 16) - _topPQ16)) >> 16) / (logits.Length - 1) : 0;
        int count = 0;
        for (int i = 0; i < _probabilities.Length; i++)
        {
            if (_probabilities[i] >= cutoff)
                _sortKeys[count++] = ((long)(ExpTable.One - _probabilities[i]) << 24) | (long)i;
        }

        Span<long> candidates = _sortKeys.AsSpan(0, count);
        candidates.Sort();
        long cumulative = 0;
        int last = count - 1;
        for (int k = 0; k < count; k++)
        {
            cumulative += _probabilities[(int)(candidates[k] & 0xFFFFFF)];
            if (cumulative > topPMass)
            {
                last = k;
                break;
            }
        }

        long nucleusTarget = (long)(((UInt128)coin * (ulong)cumulative) >> 32);
        long running = 0;
        for (int k = 0; k <= last; k++)
        {
            int id = (int)(candidates[k] & 0xFFFFFF);
            running += _probabilities[id];
            if (running > nucleusTarget) return id;
        }

        return (int)(candidates[last] & 0xFFFFFF);
    }
}
