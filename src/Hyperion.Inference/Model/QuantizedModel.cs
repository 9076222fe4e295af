using Hyperion.Inference.Tokenization;

namespace Hyperion.Inference.Model;

/// <summary>Weights of one transformer block.</summary>
public sealed record QuantizedLayer(
    int[] AttentionNorm,
    QuantizedTensor Wq,
    QuantizedTensor Wk,
    QuantizedTensor Wv,
    QuantizedTensor Wo,
    int[] FfnNorm,
    QuantizedTensor W1,
    QuantizedTensor W2,
    QuantizedTensor W3);

/// <summary>
/// A Llama model in the deterministic integer format: int8 matrices with per-group integer scales, RMSNorm
/// weights in Q24 (<see cref="NormBits"/>), plus the vocabulary. The classifier is the embedding when shared.
/// </summary>
public sealed class QuantizedModel
{
    public const int NormBits = 24;

    public QuantizedModel(ModelConfig config, int groupSize, QuantizedTensor tokenEmbedding, IReadOnlyList<QuantizedLayer> layers,
        int[] finalNorm, QuantizedTensor? classifier, Vocabulary? vocabulary)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(tokenEmbedding);
        ArgumentNullException.ThrowIfNull(layers);
        ArgumentNullException.ThrowIfNull(finalNorm);
        config.Validate();
        Config = config;
        GroupSize = groupSize;
        TokenEmbedding = tokenEmbedding;
        Layers = layers;
        FinalNorm = finalNorm;
        Classifier = config.SharedClassifier ? tokenEmbedding : classifier ?? throw new InvalidDataException("Model has an unshared classifier but no classifier tensor.");
        Vocabulary = vocabulary;
        Validate();
    }

    public ModelConfig Config { get; }
    public int GroupSize { get; }
    public QuantizedTensor TokenEmbedding { get; }
    public IReadOnlyList<QuantizedLayer> Layers { get; }
    public int[] FinalNorm { get; }
    public QuantizedTensor Classifier { get; }
    public Vocabulary? Vocabulary { get; }

    private void Validate()
    {
        ModelConfig c = Config;
        if (Layers.Count != c.Layers) throw new InvalidDataException($"Model declares {c.Layers} layers but has {Layers.Count}.");
        Shape(TokenEmbedding, c.VocabSize, c.Dim, "token_embedding");
        Shape(Classifier, c.VocabSize, c.Dim, "classifier");
        Norm(FinalNorm, c.Dim, "final_norm");
        for (int i = 0; i < Layers.Count; i++)
        {
            QuantizedLayer l = Layers[i];
            Norm(l.AttentionNorm, c.Dim, $"layer {i} attention_norm");
            Norm(l.FfnNorm, c.Dim, $"layer {i} ffn_norm");
            Shape(l.Wq, c.Dim, c.Dim, $"layer {i} wq");
            Shape(l.Wk, c.KvDim, c.Dim, $"layer {i} wk");
            Shape(l.Wv, c.KvDim, c.Dim, $"layer {i} wv");
            Shape(l.Wo, c.Dim, c.Dim, $"layer {i} wo");
            Shape(l.W1, c.HiddenDim, c.Dim, $"layer {i} w1");
            Shape(l.W2, c.Dim, c.HiddenDim, $"layer {i} w2");
            Shape(l.W3, c.HiddenDim, c.Dim, $"layer {i} w3");
        }

        if (Vocabulary is not null && Vocabulary.Count != c.VocabSize)
            throw new InvalidDataException($"Vocabulary has {Vocabulary.Count} tokens but the model has {c.VocabSize}.");
    }

    private void Shape(QuantizedTensor t, int rows, int cols, string name)
    {
        if (t.Rows != rows || t.Cols != cols) throw new InvalidDataException($"Tensor {name} is {t.Rows}×{t.Cols}, expected {rows}×{cols}.");
        if (t.GroupSize != GroupSize) throw new InvalidDataException($"Tensor {name} has group size {t.GroupSize}, model uses {GroupSize}.");
        t.Validate(name);
    }

    private static void Norm(int[] weights, int length, string name)
    {
        if (weights.Length != length) throw new InvalidDataException($"Norm {name} has {weights.Length} weights, expected {length}.");
    }
}
