using Hyperion.Inference.Model;
using Hyperion.Inference.Reference;
using Hyperion.Inference.Tokenization;

namespace Hyperion.Inference.Import;

/// <summary>
/// Float model → deterministic int8 model (off-chain step). Per (row, group): scale = max|w|/127 stored as an
/// integer with a per-tensor shift chosen so the largest scale uses 24 bits; q = round(w·2^shift/scale).
/// Norm weights become Q24. Uses only IEEE-754 basic operations in a fixed order, so it is reproducible too.
/// </summary>
public static class Quantizer
{
    public static QuantizedModel Quantize(FloatModel model, Vocabulary? vocabulary, int groupSize = 32)
    {
        ArgumentNullException.ThrowIfNull(model);
        model.Validate();
        ModelConfig c = model.Config;
        var layers = new QuantizedLayer[c.Layers];
        for (int l = 0; l < c.Layers; l++)
        {
            FloatLayer f = model.Layers[l];
            layers[l] = new QuantizedLayer(
                Norm(f.AttentionNorm, $"layer {l} attention_norm"),
                Tensor(f.Wq, c.Dim, c.Dim, groupSize, $"layer {l} wq"),
                Tensor(f.Wk, c.KvDim, c.Dim, groupSize, $"layer {l} wk"),
                Tensor(f.Wv, c.KvDim, c.Dim, groupSize, $"layer {l} wv"),
                Tensor(f.Wo, c.Dim, c.Dim, groupSize, $"layer {l} wo"),
                Norm(f.FfnNorm, $"layer {l} ffn_norm"),
                Tensor(f.W1, c.HiddenDim, c.Dim, groupSize, $"layer {l} w1"),
                Tensor(f.W2, c.Dim, c.HiddenDim, groupSize, $"layer {l} w2"),
                Tensor(f.W3, c.HiddenDim, c.Dim, groupSize, $"layer {l} w3"));
        }

        QuantizedTensor embedding = Tensor(model.TokenEmbedding, c.VocabSize, c.Dim, groupSize, "token_embedding");
        QuantizedTensor? classifier = c.SharedClassifier ? null : Tensor(model.Classifier, c.VocabSize, c.Dim, groupSize, "classifier");
        return new QuantizedModel(c, groupSize, embedding, layers, Norm(model.FinalNorm, "final_norm"), classifier, vocabulary);
    }

    public static QuantizedTensor Tensor(float[] weights, int rows, int cols, int groupSize, string name)
    {
        ArgumentNullException.ThrowIfNull(weights);
        int groups = (cols + groupSize - 1) / groupSize, padded = groups * groupSize;
        var maxAbs = new double[rows * groups];
        double largest = 0;
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < cols; c++)
            {
                float w = weights[(long)r * cols + c];
                if (!float.IsFinite(w)) throw new InvalidDataException($"Tensor {name} has a non-finite weight at [{r}, {c}].");
                int g = r * groups + c / groupSize;
                maxAbs[g] = Math.Max(maxAbs[g], Math.Abs(w));
            }
        }

        foreach (double m in maxAbs) largest = Math.Max(largest, m / 127);
        const double scaleLimit = 1 << QuantizedTensor.MaxScaleBits;
        if (largest >= scaleLimit) throw new InvalidDataException($"Tensor {name} has weights too large to quantize (max |w| = {largest * 127}).");
        int shift = 0;
        if (largest > 0)
        {
            while (shift < QuantizedTensor.MaxScaleShift && largest * Math.Pow(2, shift + 1) < scaleLimit - 1) shift++;
        }

        double factor = Math.Pow(2, shift);
        var scales = new int[rows * groups];
        var values = new sbyte[(long)rows * padded];
        for (int r = 0; r < rows; r++)
        {
            for (int g = 0; g < groups; g++)
            {
                int index = r * groups + g;
                int scale = (int)Math.Min(scaleLimit - 1, Math.Round(maxAbs[index] / 127 * factor, MidpointRounding.AwayFromZero));
                if (scale == 0 && maxAbs[index] > 0) scale = 1;
                scales[index] = scale;
                if (scale == 0) continue;
                int end = Math.Min(cols, (g + 1) * groupSize);
                for (int c = g * groupSize; c < end; c++)
                {
                    double q = Math.Round(weights[(long)r * cols + c] * factor / scale, MidpointRounding.AwayFromZero);
                    values[(long)r * padded + c] = (sbyte)Math.Clamp(q, -127, 127);
                }
            }
        }

        return new QuantizedTensor(rows, cols, groupSize, shift, values, scales);
    }

    public static int[] Norm(float[] weights, string name)
    {
        ArgumentNullException.ThrowIfNull(weights);
        var result = new int[weights.Length];
        double one = 1 << QuantizedModel.NormBits;
        for (int i = 0; i < weights.Length; i++)
        {
            double v = Math.Round(weights[i] * one, MidpointRounding.AwayFromZero);
            if (!double.IsFinite(v) || Math.Abs(v) >= int.MaxValue) throw new InvalidDataException($"Norm {name} weight {weights[i]} at {i} is out of the Q24 range (|w| < 128).");
            result[i] = (int)v;
        }

        return result;
    }

    /// <summary>The float model the integer weights stand for (for the float path on an HQM file).</summary>
    public static FloatModel Dequantize(QuantizedModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        ModelConfig c = model.Config;
        var layers = model.Layers.Select(l => new FloatLayer(
            Norm(l.AttentionNorm), Tensor(l.Wq), Tensor(l.Wk), Tensor(l.Wv), Tensor(l.Wo),
            Norm(l.FfnNorm), Tensor(l.W1), Tensor(l.W2), Tensor(l.W3))).ToArray();
        float[] embedding = Tensor(model.TokenEmbedding);
        return new FloatModel(c, embedding, layers, Norm(model.FinalNorm), c.SharedClassifier ? embedding : Tensor(model.Classifier));
    }

    private static float[] Norm(int[] q) => q.Select(v => (float)(v / (double)(1 << QuantizedModel.NormBits))).ToArray();

    private static float[] Tensor(QuantizedTensor t)
    {
        var result = new float[(long)t.Rows * t.Cols];
        double unit = Math.Pow(2, -t.ScaleShift);
        for (int r = 0; r < t.Rows; r++)
        {
            for (int c = 0; c < t.Cols; c++)
                result[(long)r * t.Cols + c] = (float)(t.Values[(long)r * t.PaddedCols + c] * (double)t.Scales[r * t.GroupsPerRow + c / t.GroupSize] * unit);
        }

        return result;
    }
}
