using Hyperion.Inference.Model;

namespace Hyperion.Inference.Reference;

/// <summary>
/// Float32 reference forward pass (llama2.c semantics), off-chain only: it measures how close the integer engine
/// is, and serves `hyperion infer --float`. Never used for consensus.
/// </summary>
public sealed class FloatTransformer
{
    private readonly FloatModel _m;
    private readonly ModelConfig _c;
    private readonly float _eps;
    private readonly float[] _x, _xb, _xb2, _hb, _hb2, _q, _att, _logits;
    private readonly float[] _keyCache, _valueCache;

    public FloatTransformer(FloatModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        model.Validate();
        _m = model;
        _c = model.Config;
        _eps = (float)(_c.RmsEpsQ32 / 4294967296.0);
        _x = new float[_c.Dim];
        _xb = new float[_c.Dim];
        _xb2 = new float[_c.Dim];
        _q = new float[_c.Dim];
        _hb = new float[_c.HiddenDim];
        _hb2 = new float[_c.HiddenDim];
        _att = new float[_c.SeqLen];
        _logits = new float[_c.VocabSize];
        _keyCache = new float[(long)_c.Layers * _c.SeqLen * _c.KvDim];
        _valueCache = new float[(long)_c.Layers * _c.SeqLen * _c.KvDim];
    }

    public ReadOnlySpan<float> Forward(int token, int pos)
    {
        if ((uint)token >= (uint)_c.VocabSize) throw new ArgumentOutOfRangeException(nameof(token));
        if ((uint)pos >= (uint)_c.SeqLen) throw new ArgumentOutOfRangeException(nameof(pos));
        int dim = _c.Dim, kvDim = _c.KvDim, headSize = _c.HeadSize, groupFactor = _c.Heads / _c.KvHeads;
        _m.TokenEmbedding.AsSpan(token * dim, dim).CopyTo(_x);
        for (int l = 0; l < _c.Layers; l++)
        {
            FloatLayer layer = _m.Layers[l];
            RmsNorm(_xb, _x, layer.AttentionNorm);
            int cacheOffset = (l * _c.SeqLen + pos) * kvDim;
            Span<float> key = _keyCache.AsSpan(cacheOffset, kvDim);
            Span<float> value = _valueCache.AsSpan(cacheOffset, kvDim);
            MatMul(_q, _xb, layer.Wq, dim, dim);
            MatMul(key, _xb, layer.Wk, dim, kvDim);
            MatMul(value, _xb, layer.Wv, dim, kvDim);
            for (int i = 0; i < dim; i += 2)
            {
                int headDim = i % headSize;
                double frequency = 1.0 / Math.Pow(_c.RopeTheta, headDim / (double)headSize);
                double angle = pos * frequency;
                float cos = (float)Math.Cos(angle), sin = (float)Math.Sin(angle);
                Rotate(_q, i, cos, sin);
                if (i < kvDim) Rotate(key, i, cos, sin);
            }

            int layerOffset = l * _c.SeqLen * kvDim;
            float invSqrt = 1f / MathF.Sqrt(headSize);
            for (int h = 0; h < _c.Heads; h++)
            {
                ReadOnlySpan<float> q = _q.AsSpan(h * headSize, headSize);
                int kvOffset = h / groupFactor * headSize;
                for (int t = 0; t <= pos; t++)
                {
                    ReadOnlySpan<float> k = _keyCache.AsSpan(layerOffset + t * kvDim + kvOffset, headSize);
                    float score = 0;
                    for (int i = 0; i < headSize; i++) score += q[i] * k[i];
                    _att[t] = score * invSqrt;
                }

                Softmax(_att.AsSpan(0, pos + 1));
                Span<float> output = _xb.AsSpan(h * headSize, headSize);
                output.Clear();
                for (int t = 0; t <= pos; t++)
                {
                    ReadOnlySpan<float> v = _valueCache.AsSpan(layerOffset + t * kvDim + kvOffset, headSize);
                    float a = _att[t];
                    for (int i = 0; i < headSize; i++) output[i] += a * v[i];
                }
            }

            MatMul(_xb2, _xb, layer.Wo, dim, dim);
            for (int i = 0; i < dim; i++) _x[i] += _xb2[i];
            RmsNorm(_xb, _x, layer.FfnNorm);
            MatMul(_hb, _xb, layer.W1, dim, _c.HiddenDim);
            MatMul(_hb2, _xb, layer.W3, dim, _c.HiddenDim);
            for (int i = 0; i < _hb.Length; i++)
            {
                float v = _hb[i];
                _hb[i] = v * (1f / (1f + MathF.Exp(-v))) * _hb2[i];
            }

            MatMul(_xb, _hb, layer.W2, _c.HiddenDim, dim);
            for (int i = 0; i < dim; i++) _x[i] += _xb[i];
        }

        RmsNorm(_x, _x, _m.FinalNorm);
        MatMul(_logits, _x, _m.Classifier, dim, _c.VocabSize);
        return _logits;
    }

    private static void Rotate(Span<float> v, int i, float cos, float sin)
    {
        float v0 = v[i], v1 = v[i + 1];
        v[i] = v0 * cos - v1 * sin;
        v[i + 1] = v0 * sin + v1 * cos;
    }

    private void RmsNorm(Span<float> output, ReadOnlySpan<float> x, ReadOnlySpan<float> weight)
    {
        float ss = 0;
        foreach (float v in x) ss += v * v;
        ss = ss / x.Length + _eps;
        float scale = 1f / MathF.Sqrt(ss);
        for (int i = 0; i < x.Length; i++) output[i] = weight[i] * (scale * x[i]);
    }

    public static void Softmax(Span<float> x)
    {
        float max = float.NegativeInfinity;
        foreach (float v in x) max = Math.Max(max, v);
        float sum = 0;
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = MathF.Exp(x[i] - max);
            sum += x[i];
        }

        for (int i = 0; i < x.Length; i++) x[i] /= sum;
    }

    private static void MatMul(Span<float> output, ReadOnlySpan<float> x, float[] w, int n, int d)
    {
        for (int i = 0; i < d; i++)
        {
            ReadOnlySpan<float> row = w.AsSpan(i * n, n);
            float sum = 0;
            for (int j = 0; j < n; j++) sum += row[j] * x[j];
            output[i] = sum;
        }
    }
}
