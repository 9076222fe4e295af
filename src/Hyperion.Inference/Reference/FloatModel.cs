using Hyperion.Inference.Model;

namespace Hyperion.Inference.Reference;

/// <summary>Float weights of one block (row-major [out, in] matrices, as llama2.c).</summary>
public sealed record FloatLayer(float[] AttentionNorm, float[] Wq, float[] Wk, float[] Wv, float[] Wo, float[] FfnNorm, float[] W1, float[] W2, float[] W3);

/// <summary>A Llama model in float32: what checkpoints load into (off-chain only), and what the quantizer reads.</summary>
public sealed record FloatModel(ModelConfig Config, float[] TokenEmbedding, IReadOnlyList<FloatLayer> Layers, float[] FinalNorm, float[] Classifier)
{
    /// <summary>Checks every array length against the config.</summary>
    public void Validate()
    {
        ModelConfig c = Config;
        c.Validate();
        Check(TokenEmbedding, (long)c.VocabSize * c.Dim, "token_embedding");
        Check(Classifier, (long)c.VocabSize * c.Dim, "classifier");
        Check(FinalNorm, c.Dim, "final_norm");
        if (Layers.Count != c.Layers) throw new InvalidDataException($"Model declares {c.Layers} layers but has {Layers.Count}.");
        foreach (FloatLayer l in Layers)
        {
            Check(l.AttentionNorm, c.Dim, "attention_norm");
            Check(l.FfnNorm, c.Dim, "ffn_norm");
            Check(l.Wq, (long)c.Dim * c.Dim, "wq");
            Check(l.Wk, (long)c.KvDim * c.Dim, "wk");
            Check(l.Wv, (long)c.KvDim * c.Dim, "wv");
            Check(l.Wo, (long)c.Dim * c.Dim, "wo");
            Check(l.W1, (long)c.HiddenDim * c.Dim, "w1");
            Check(l.W2, (long)c.Dim * c.HiddenDim, "w2");
            Check(l.W3, (long)c.HiddenDim * c.Dim, "w3");
        }
    }

    private static void Check(float[] a, long expected, string name)
    {
        if (a.LongLength != expected) throw new InvalidDataException($"Tensor {name} has {a.LongLength} values, expected {expected}.");
    }
}
