using System.Text;
using Hyperion.Inference.Model;
using Hyperion.Inference.Numerics;
using Hyperion.Inference.Reference;
using Hyperion.Inference.Tokenization;

namespace Hyperion.Inference.Import;

/// <summary>Seeded random models of the llama2.c "tinyllamas" shapes, with a synthetic vocabulary, for tests and benchmarks.</summary>
public static class RandomModels
{
    public static readonly ModelConfig Stories260K = new(64, 172, 5, 8, 4, 512, 512);
    public static readonly ModelConfig Stories15M = new(288, 768, 6, 6, 6, 32000, 256);

    public static ModelConfig Shape(string name) => name switch
    {
        "stories260K" => Stories260K,
        "stories15M" => Stories15M,
        _ => throw new ArgumentException($"unknown shape '{name}' (expected stories260K or stories15M)", nameof(name)),
    };

    /// <summary>Uniform weights: embedding in [−1, 1), matrices in ±√3/√fan_in (unit variance out), norms 1 ± 0.1.</summary>
    public static FloatModel Generate(ModelConfig config, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        var rng = new DeterministicRng(seed);
        float[] Matrix(int rows, int cols) => Uniform(ref rng, (long)rows * cols, MathF.Sqrt(3f / cols));
        float[] Norm(int n)
        {
            float[] v = Uniform(ref rng, n, 0.1f);
            for (int i = 0; i < n; i++) v[i] += 1f;
            return v;
        }

        float[] embedding = Uniform(ref rng, (long)config.VocabSize * config.Dim, 1f);
        var layers = new FloatLayer[config.Layers];
        for (int l = 0; l < config.Layers; l++)
        {
            layers[l] = new FloatLayer(Norm(config.Dim), Matrix(config.Dim, config.Dim), Matrix(config.KvDim, config.Dim), Matrix(config.KvDim, config.Dim),
                Matrix(config.Dim, config.Dim), Norm(config.Dim), Matrix(config.HiddenDim, config.Dim), Matrix(config.Dim, config.HiddenDim),
                Matrix(config.HiddenDim, config.Dim));
        }

        float[] finalNorm = Norm(config.Dim);
        float[] classifier = config.SharedClassifier ? embedding : Uniform(ref rng, (long)config.VocabSize * config.Dim, 1f);
        return new FloatModel(config, embedding, layers, finalNorm, classifier);
    }

    private static float[] Uniform(ref DeterministicRng rng, long count, float amplitude)
    {
        var values = new float[count];
        for (long i = 0; i < count; i++)
            values[i] = ((rng.NextUInt64() >> 40) / 16777216f * 2f - 1f) * amplitude;
        return values;
    }

    /// <summary>
    /// A deterministic vocabulary of <paramref name="size"/> tokens: &lt;unk&gt;, &lt;s&gt;, &lt;/s&gt;, the 256
    /// byte tokens &lt;0xXX&gt;, printable ASCII characters, then merged pieces (" a".." z", two- and three-letter
    /// lowercase strings with and without a leading space), longer pieces scoring higher so BPE builds words.
    /// </summary>
    public static Vocabulary SyntheticVocabulary(int size)
    {
        if (size < 259) throw new ArgumentOutOfRangeException(nameof(size), "a byte-level vocabulary needs at least 259 tokens");
        var pieces = new List<byte[]> { "<unk>"u8.ToArray(), "<s>"u8.ToArray(), "\n</s>\n"u8.ToArray() };
        var scores = new List<float> { 0f, 0f, 0f };
        for (int b = 0; b < 256; b++)
        {
            pieces.Add(Encoding.ASCII.GetBytes($"<0x{b:X2}>"));
            scores.Add(0f);
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        void Add(string piece, float score)
        {
            if (pieces.Count < size && seen.Add(piece))
            {
                pieces.Add(Encoding.ASCII.GetBytes(piece));
                scores.Add(score);
            }
        }

        for (char ch = ' '; ch <= '~'; ch++) Add(ch.ToString(), -1000f);
        const string letters = "etaoinshrdlcumwfgypbvkjxqz"; // frequency order: common merges score higher
        for (int i = 0; i < letters.Length; i++) Add(" " + letters[i], -100f - i);
        for (int i = 0; i < letters.Length; i++)
        {
            for (int j = 0; j < letters.Length; j++) Add(string.Concat(letters[i], letters[j]), -200f - i - j);
        }

        for (int i = 0; i < letters.Length; i++)
        {
            for (int j = 0; j < letters.Length; j++) Add(string.Concat(" ", letters[i], letters[j]), -50f - i - j);
        }

        for (int i = 0; i < letters.Length && pieces.Count < size; i++)
        {
            for (int j = 0; j < letters.Length; j++)
            {
                for (int k = 0; k < letters.Length; k++)
                {
                    Add(string.Concat(letters[i], letters[j], letters[k]), -300f - i - j - k);
                    Add(string.Concat(" ", letters[i], letters[j], letters[k]), -20f - i - j - k);
                }
            }
        }

        for (int n = 0; pieces.Count < size; n++) Add($"<extra_{n}>", -10000f);
        return new Vocabulary(pieces, scores.Select(BitConverter.SingleToInt32Bits).ToArray(), pieces.Max(p => p.Length));
    }
}
