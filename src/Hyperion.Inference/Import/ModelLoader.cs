using Hyperion.Inference.Model;
using Hyperion.Inference.Reference;
using Hyperion.Inference.Tokenization;

namespace Hyperion.Inference.Import;

/// <summary>A model file opened for inference: the integer model, and the float weights it came from when the source was float.</summary>
public sealed record LoadedModel(string Format, string TensorTypes, QuantizedModel Quantized, FloatModel Float);

/// <summary>Opens any supported model file by its magic: HQM, llama2.c (ak42 v1/v2 or legacy), GGUF.</summary>
public static class ModelLoader
{
    public static LoadedModel Load(string path, string? tokenizerPath = null, int groupSize = 32)
    {
        ArgumentNullException.ThrowIfNull(path);
        byte[] data = File.ReadAllBytes(path);
        LoadedModel loaded;
        if (HqmFormat.HasMagic(data))
        {
            QuantizedModel q = HqmFormat.Deserialize(data);
            loaded = new LoadedModel($"HQM v{HqmFormat.Version}", $"int8 (group {q.GroupSize}, integer scales), norms Q24", q, Quantizer.Dequantize(q));
        }
        else if (GgufFile.HasMagic(data))
        {
            var gguf = new GgufFile(data);
            (FloatModel model, Vocabulary? vocabulary) = gguf.ToLlama();
            string types = string.Join(", ", gguf.Tensors.GroupBy(t => t.Type).OrderBy(g => g.Key).Select(g => $"{g.Key}×{g.Count()}"));
            loaded = new LoadedModel($"GGUF v{gguf.Version} (llama)", types, Quantizer.Quantize(model, vocabulary, groupSize), model);
        }
        else
        {
            FloatModel model = Llama2cCheckpoint.Read(data);
            string format = Llama2cCheckpoint.HasMagic(data) ? $"llama2.c v{BitConverter.ToInt32(data, 4)}" : "llama2.c legacy";
            string types = format.EndsWith("v2", StringComparison.Ordinal) ? "Q8_0 matrices, F32 norms" : "F32";
            loaded = new LoadedModel(format, types, Quantizer.Quantize(model, null, groupSize), model);
        }

        if (tokenizerPath is not null)
        {
            Vocabulary vocabulary = Vocabulary.ReadLlama2c(File.ReadAllBytes(tokenizerPath), loaded.Quantized.Config.VocabSize);
            QuantizedModel q = loaded.Quantized;
            loaded = loaded with { Quantized = new QuantizedModel(q.Config, q.GroupSize, q.TokenEmbedding, q.Layers, q.FinalNorm, q.Config.SharedClassifier ? null : q.Classifier, vocabulary) };
        }

        return loaded;
    }
}
