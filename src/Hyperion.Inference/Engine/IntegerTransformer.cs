using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Hyperion.Inference.Model;
using Hyperion.Inference.Numerics;

namespace Hyperion.Inference.Engine;

/// <summary>
/// The consensus forward pass: integer-only Llama (RMSNorm, RoPE, grouped-query attention with a KV cache,
/// SwiGLU, classifier). Activations are Q16 ints; matrices go through <see cref="Int8Kernels"/>. All buffers are
/// allocated once; <see cref="Forward"/> allocates nothing.
/// </summary>
public sealed class IntegerTransformer : IDisposable
{
    private readonly QuantizedModel _model;
    private readonly ModelConfig _c;
    private readonly RopeTable _rope;
    private readonly RowWorkers _workers;
    private readonly long _invSqrtHeadSizeQ30;

    private readonly int[] _x, _xb, _xb2, _hb, _hb2, _q, _logits;
    private readonly sbyte[] _xq;
    private readonly long[] _xScales;
    private readonly int[] _keyCache, _valueCache;
    private readonly int[][] _scores;
    private readonly long[][] _headAccumulators;
    private readonly StageJob _job;
    private readonly bool[] _parallelStage;

    /// <summary>
    /// Default multiply-adds below which a stage runs on the calling thread: handing a stage to the workers costs tens
    /// of microseconds on a small VM, more than splitting ~0.5 M MACs saves (for stories15M only the classifier is split).
    /// </summary>
    public const long DefaultMinParallelMacs = 1L << 20;

    /// <param name="minParallelMacs">Stages with fewer multiply-adds run on one thread (0: split every stage). Never changes the bits.</param>
    public IntegerTransformer(QuantizedModel model, int threads = 1, long minParallelMacs = DefaultMinParallelMacs)
    {
        ArgumentNullException.ThrowIfNull(model);
        _model = model;
        _c = model.Config;
        _rope = new RopeTable(_c.HeadSize, _c.SeqLen, _c.RopeTheta);
        _workers = new RowWorkers(threads);
        // 1/√headSize in Q30 = √(2^60 / headSize).
        _invSqrtHeadSizeQ30 = (long)FixedPointMath.IntegerSqrt(((UInt128)1 << 60) / (ulong)_c.HeadSize);

        int maxCols = Math.Max(_c.Dim, _c.HiddenDim);
        int paddedMax = (maxCols + model.GroupSize - 1) / model.GroupSize * model.GroupSize;
        _x = new int[_c.Dim];
        _xb = new int[_c.Dim];
        _xb2 = new int[_c.Dim];
        _q = new int[_c.Dim];
        _hb = new int[_c.HiddenDim];
        _hb2 = new int[_c.HiddenDim];
        _logits = new int[_c.VocabSize];
        _xq = new sbyte[paddedMax];
        _xScales = new long[paddedMax / model.GroupSize];
        _keyCache = new int[(long)_c.Layers * _c.SeqLen * _c.KvDim];
        _valueCache = new int[(long)_c.Layers * _c.SeqLen * _c.KvDim];
        // Attention scratch per part (parts run concurrently).
        _scores = new int[threads][];
        _headAccumulators = new long[threads][];
        for (int t = 0; t < threads; t++)
        {
            _scores[t] = new int[_c.SeqLen];
            _headAccumulators[t] = new long[_c.HeadSize];
        }

        _job = new StageJob(this);
        long dim = _c.Dim, kvDim = _c.KvDim, hidden = _c.HiddenDim;
        long[] stageMacs =
        [
            dim * (dim + (2 * kvDim)), // Attention: q, k, v
            dim * dim, // AttentionOutput: Wo
            2 * dim * hidden, // FeedForwardUp: W1, W3
            hidden * dim, // FeedForwardDown: W2
            dim * _c.VocabSize, // Classifier
        ];
        _parallelStage = [.. stageMacs.Select(macs => threads > 1 && macs >= minParallelMacs)];
    }

    public QuantizedModel Model => _model;
    public int Threads => _workers.ThreadCount;

    /// <summary>Runs one token at position <paramref name="pos"/> and returns the logits in Q16 (valid until the next call).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot from the first token: skip the unoptimized tier
    public ReadOnlySpan<int> Forward(int token, int pos)
    {
        if ((uint)token >= (uint)_c.VocabSize) throw new ArgumentOutOfRangeException(nameof(token), $"token {token} outside vocabulary of {_c.VocabSize}");
        if ((uint)pos >= (uint)_c.SeqLen) throw new ArgumentOutOfRangeException(nameof(pos), $"position {pos} past the context of {_c.SeqLen}");
        Int8Kernels.DequantizeRow(_model.TokenEmbedding, token, _x);
        _job.Position = pos;

        // Four parallel stages per layer; between them only what needs the whole vector (RMSNorm, quantization).
        for (int l = 0; l < _c.Layers; l++)
        {
            QuantizedLayer layer = _model.Layers[l];
            _job.Layer = l;
            RmsNorm(_xb, _x, layer.AttentionNorm);
            Quantize(_xb);
            RunStage(Stage.Attention);
            Quantize(_xb);
            RunStage(Stage.AttentionOutput);
            RmsNorm(_xb, _x, layer.FfnNorm);
            Quantize(_xb);
            RunStage(Stage.FeedForwardUp);
            Quantize(_hb);
            RunStage(Stage.FeedForwardDown);
        }

        RmsNorm(_x, _x, _model.FinalNorm);
        Quantize(_x);
        RunStage(Stage.Classifier);
        return _logits;
    }

    private void RunStage(Stage stage)
    {
        _job.Stage = stage;
        if (_parallelStage[(int)stage])
        {
            _workers.Run(_job);
        }
        else
        {
            _job.Run(0, 1); // same bits: every output element is computed the same way whatever part it falls in
        }
    }

    private void Quantize(ReadOnlySpan<int> input)
    {
        int groups = (input.Length + _model.GroupSize - 1) / _model.GroupSize;
        Int8Kernels.QuantizeActivations(input, _xq.AsSpan(0, groups * _model.GroupSize), _xScales.AsSpan(0, groups), _model.GroupSize);
    }

    private enum Stage
    {
        /// <summary>q, k, v for a part's KV heads (and the query heads sharing them), RoPE, attention into <c>_xb</c>.</summary>
        Attention,

        /// <summary>Wo rows, added to the residual stream.</summary>
        AttentionOutput,

        /// <summary>W1 and W3 rows, then SwiGLU on the same rows of the hidden vector.</summary>
        FeedForwardUp,

        /// <summary>W2 rows, added to the residual stream.</summary>
        FeedForwardDown,

        Classifier,
    }

    /// <summary>
    /// One stage of the forward pass, split into parts. Every output element (a matrix row, a head, one residual
    /// entry) is computed by the same code whatever part it falls in, so the bits do not depend on the thread count.
    /// </summary>
    private sealed class StageJob(IntegerTransformer owner) : IRowJob
    {
        public Stage Stage;
        public int Layer, Position;

        public void Run(int part, int parts) => owner.RunPart(Stage, Layer, Position, part, parts);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void RunPart(Stage stage, int l, int pos, int part, int parts)
    {
        switch (stage)
        {
            case Stage.Attention:
            {
                QuantizedLayer layer = _model.Layers[l];
                int headSize = _c.HeadSize, kvDim = _c.KvDim, groupFactor = _c.Heads / _c.KvHeads;
                int kvStart = RowWorkers.PartStart(_c.KvHeads, part, parts), kvEnd = RowWorkers.PartStart(_c.KvHeads, part + 1, parts);
                if (kvEnd == kvStart) return;
                int cacheOffset = (int)(((long)l * _c.SeqLen + pos) * kvDim);
                int kvRow = kvStart * headSize, kvRows = (kvEnd - kvStart) * headSize;
                int qRow = kvStart * groupFactor * headSize, qRows = (kvEnd - kvStart) * groupFactor * headSize;
                MatVec(layer.Wq, _q, 0, qRow, qRow + qRows);
                MatVec(layer.Wk, _keyCache, cacheOffset, kvRow, kvRow + kvRows);
                MatVec(layer.Wv, _valueCache, cacheOffset, kvRow, kvRow + kvRows);
                ApplyRope(_q.AsSpan(qRow, qRows), pos);
                ApplyRope(_keyCache.AsSpan(cacheOffset + kvRow, kvRows), pos);
                for (int h = kvStart * groupFactor; h < kvEnd * groupFactor; h++) AttentionHead(l, pos, h, _scores[part], _headAccumulators[part]);
                return;
            }

            case Stage.AttentionOutput:
                MatVecAddResidual(_model.Layers[l].Wo, _xb2, part, parts);
                return;
            case Stage.FeedForwardUp:
            {
                QuantizedLayer layer = _model.Layers[l];
                int start = RowWorkers.PartStart(_c.HiddenDim, part, parts), end = RowWorkers.PartStart(_c.HiddenDim, part + 1, parts);
                if (end == start) return;
                MatVec(layer.W1, _hb, 0, start, end);
                MatVec(layer.W3, _hb2, 0, start, end);
                for (int i = start; i < end; i++)
                    _hb[i] = FixedPoint64.ShiftRound((long)ExpTable.SiluQ16(_hb[i]) * _hb2[i], 16);
                return;
            }

            case Stage.FeedForwardDown:
                MatVecAddResidual(_model.Layers[l].W2, _xb, part, parts);
                return;
            case Stage.Classifier:
            {
                int start = RowWorkers.PartStart(_c.VocabSize, part, parts), end = RowWorkers.PartStart(_c.VocabSize, part + 1, parts);
                if (end > start) MatVec(_model.Classifier, _logits, 0, start, end);
                return;
            }

            default:
                throw new InvalidOperationException($"unknown stage {stage}");
        }
    }

    /// <summary>Rows [start, end) of w·x into output[offset + row].</summary>
    private void MatVec(QuantizedTensor w, int[] output, int offset, int start, int end) =>
        Int8Kernels.MatVec(w, _xq, _xScales, output.AsSpan(offset, w.Rows), start, end);

    /// <summary>This part's rows of w·x, then x[row] += result (saturating).</summary>
    private void MatVecAddResidual(QuantizedTensor w, int[] scratch, int part, int parts)
    {
        int start = RowWorkers.PartStart(w.Rows, part, parts), end = RowWorkers.PartStart(w.Rows, part + 1, parts);
        if (end == start) return;
        MatVec(w, scratch, 0, start, end);
        for (int i = start; i < end; i++) _x[i] = FixedPointMath.Saturate((long)_x[i] + scratch[i]);
    }

    /// <summary>One head: scores, softmax, weighted value sum into its slice of <c>_xb</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private unsafe void AttentionHead(int layer, int pos, int h, int[] scores, long[] accumulator)
    {
        int headSize = _c.HeadSize, kvDim = _c.KvDim, groupFactor = _c.Heads / _c.KvHeads;
        long layerOffset = (long)layer * _c.SeqLen * kvDim;
        int kvOffset = h / groupFactor * headSize;
        fixed (int* qHead = &_q[h * headSize])
        fixed (int* keys = &_keyCache[layerOffset + kvOffset])
        fixed (int* values = &_valueCache[layerOffset + kvOffset])
        fixed (int* score = scores)
        fixed (long* acc = accumulator)
        {
            int max = int.MinValue;
            for (int t = 0; t <= pos; t++)
            {
                long dot = DotWrapping(qHead, keys + (long)t * kvDim, headSize);
                // dot is Q32; score = dot / √headSize in Q16.
                int s = FixedPointMath.Saturate(FixedPointMath.MulShiftRound(dot, _invSqrtHeadSizeQ30, 46));
                score[t] = s;
                if (s > max) max = s;
            }

            long sum = 0;
            for (int t = 0; t <= pos; t++)
            {
                int e = ExpTable.ExpNegQ16((long)max - score[t]);
                score[t] = e;
                sum += e;
            }

            // Probabilities in Q30: (e·2^30)/sum with e ≤ 2^30 (dividend < 2^61) and sum ≥ the maximum's e = 2^30.
            ulong reciprocal = ExactDivision.Reciprocal((ulong)sum);
            new Span<long>(acc, headSize).Clear();
            for (int t = 0; t <= pos; t++)
            {
                long p = (long)ExactDivision.Divide((ulong)score[t] << 30, (ulong)sum, reciprocal);
                if (p == 0) continue;
                AccumulateScaled(acc, (int)p, values + (long)t * kvDim, headSize);
            }

            Span<int> output = _xb.AsSpan(h * headSize, headSize);
            for (int i = 0; i < headSize; i++) output[i] = FixedPoint64.ShiftRound(acc[i], 30);
        }
    }

    /// <summary>Σ a[i]·b[i] in int64 with wrap-around (addition mod 2^64 is order-independent, so SIMD matches scalar).</summary>
    private static unsafe long DotWrapping(int* a, int* b, int n)
    {
        long sum = 0;
        int i = 0;
        if (Avx2.IsSupported)
        {
            Vector256<long> acc = Vector256<long>.Zero;
            for (; i + 4 <= n; i += 4)
            {
                // vpmovsxdq then vpmuldq: the low dword of each lane is the value, the product is the full int64.
                acc = Avx2.Add(acc, Avx2.Multiply(Avx2.ConvertToVector256Int64(a + i).AsInt32(), Avx2.ConvertToVector256Int64(b + i).AsInt32()));
            }

            sum = unchecked(acc.GetElement(0) + acc.GetElement(1) + acc.GetElement(2) + acc.GetElement(3));
        }

        for (; i < n; i++) sum = unchecked(sum + (long)a[i] * b[i]);
        return sum;
    }

    /// <summary>acc[i] += p·v[i] in int64 with wrap-around, p in [0, 2^31).</summary>
    private static unsafe void AccumulateScaled(long* acc, int p, int* v, int n)
    {
        int i = 0;
        if (Avx2.IsSupported)
        {
            Vector256<int> scale = Vector256.Create((long)p).AsInt32();
            for (; i + 4 <= n; i += 4)
                Avx.Store(acc + i, Avx2.Add(Avx.LoadVector256(acc + i), Avx2.Multiply(Avx2.ConvertToVector256Int64(v + i).AsInt32(), scale)));
        }

        for (; i < n; i++) acc[i] = unchecked(acc[i] + (long)p * v[i]);
    }

    private void ApplyRope(Span<int> vector, int pos)
    {
        int headSize = _c.HeadSize, pairs = headSize / 2;
        ReadOnlySpan<int> cos = _rope.Cos.AsSpan(pos * pairs, pairs);
        ReadOnlySpan<int> sin = _rope.Sin.AsSpan(pos * pairs, pairs);
        for (int i = 0; i < vector.Length; i += 2)
        {
            int j = i % headSize / 2;
            long v0 = vector[i], v1 = vector[i + 1];
            vector[i] = FixedPoint64.ShiftRound(v0 * cos[j] - v1 * sin[j], RopeTable.Bits);
            vector[i + 1] = FixedPoint64.ShiftRound(v0 * sin[j] + v1 * cos[j], RopeTable.Bits);
        }
    }

    /// <summary>out = x / √(mean(x²) + ε) · weight, with weight in Q24, integer square root.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void RmsNorm(Span<int> output, ReadOnlySpan<int> x, ReadOnlySpan<int> weight)
    {
        UInt128 sumSquares = 0;
        foreach (int v in x) sumSquares += (ulong)((long)v * v);
        UInt128 meanQ32 = sumSquares / (ulong)x.Length + _c.RmsEpsQ32;
        ulong rmsQ24 = (ulong)FixedPointMath.IntegerSqrt(meanQ32 << 16);
        long invRmsQ32 = (long)(((UInt128)1 << 56) / rmsQ24);
        for (int i = 0; i < x.Length; i++)
        {
            long normalized = FixedPointMath.MulShiftRound(x[i], invRmsQ32, 32);
            output[i] = FixedPointMath.Saturate(FixedPointMath.MulShiftRound(normalized, weight[i], QuantizedModel.NormBits));
        }
    }

    public void Dispose() => _workers.Dispose();
}
