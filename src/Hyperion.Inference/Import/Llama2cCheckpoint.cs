using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Hyperion.Inference.Model;
using Hyperion.Inference.Reference;

namespace Hyperion.Inference.Import;

/// <summary>
/// llama2.c checkpoints: the legacy fp32 file (7 int32 header; negative vocab = unshared classifier; RoPE tables
/// stored and skipped), and the "ak42" files (magic 0x616b3432, version, 7 int32, shared flag, 256-byte header):
/// version 1 fp32, version 2 Q8_0 (int8 + fp32 scale per group, norms in fp32).
/// </summary>
public static class Llama2cCheckpoint
{
    public const uint Magic = 0x616b3432;
    private const int NewHeaderSize = 256;

    public static bool HasMagic(ReadOnlySpan<byte> data) => data.Length >= 4 && BinaryPrimitives.ReadUInt32LittleEndian(data) == Magic;

    public static FloatModel Read(ReadOnlySpan<byte> data)
    {
        if (data.Length < 28) throw new InvalidDataException($"llama2.c checkpoint is truncated: {data.Length} bytes, the header needs 28.");
        if (HasMagic(data))
        {
            if (data.Length < NewHeaderSize) throw new InvalidDataException($"llama2.c checkpoint is truncated: {data.Length} bytes, the header needs {NewHeaderSize}.");
            int version = BinaryPrimitives.ReadInt32LittleEndian(data[4..]);
            ModelConfig config = ReadConfig(data[8..], out _);
            byte shared = data[36];
            if (shared > 1) throw new InvalidDataException($"llama2.c checkpoint: shared-classifier flag {shared} must be 0 or 1.");
            config = config with { SharedClassifier = shared == 1 };
            return version switch
            {
                1 => ReadFp32(data, NewHeaderSize, config, legacyOrder: false),
                2 => ReadQ80(data, config, BinaryPrimitives.ReadInt32LittleEndian(data[37..])),
                _ => throw new InvalidDataException($"llama2.c checkpoint version {version} is not supported (1 = fp32, 2 = Q8_0)."),
            };
        }

        ModelConfig legacy = ReadConfig(data, out bool negativeVocab);
        return ReadFp32(data, 28, legacy with { SharedClassifier = !negativeVocab }, legacyOrder: true);
    }

    private static ModelConfig ReadConfig(ReadOnlySpan<byte> header, out bool negativeVocab)
    {
        Span<int> p = stackalloc int[7];
        for (int i = 0; i < 7; i++) p[i] = BinaryPrimitives.ReadInt32LittleEndian(header[(i * 4)..]);
        negativeVocab = p[5] < 0;
        int vocab = negativeVocab ? (p[5] == int.MinValue ? 0 : -p[5]) : p[5];
        var config = new ModelConfig(p[0], p[1], p[2], p[3], p[4], vocab, p[6]);
        config.Validate();
        return config;
    }

    private static FloatModel ReadFp32(ReadOnlySpan<byte> data, int offset, ModelConfig c, bool legacyOrder)
    {
        var r = new FloatReader(data, offset);
        int L = c.Layers, dim = c.Dim, kv = c.KvDim, hidden = c.HiddenDim;
        float[] embedding;
        float[][] attNorm, ffnNorm, wq, wk, wv, wo, w1, w2, w3;
        float[] finalNorm;
        if (legacyOrder)
        {
            embedding = r.Floats((long)c.VocabSize * dim, "token_embedding");
            attNorm = r.PerLayer(L, dim, "rms_att");
            wq = r.PerLayer(L, (long)dim * dim, "wq");
            wk = r.PerLayer(L, (long)kv * dim, "wk");
            wv = r.PerLayer(L, (long)kv * dim, "wv");
            wo = r.PerLayer(L, (long)dim * dim, "wo");
            ffnNorm = r.PerLayer(L, dim, "rms_ffn");
            w1 = r.PerLayer(L, (long)hidden * dim, "w1");
            w2 = r.PerLayer(L, (long)dim * hidden, "w2");
            w3 = r.PerLayer(L, (long)hidden * dim, "w3");
            finalNorm = r.Floats(dim, "rms_final");
            r.Skip(2L * c.SeqLen * (c.HeadSize / 2) * 4, "freq_cis tables");
        }
        else
        {
            attNorm = r.PerLayer(L, dim, "attention_norm");
            ffnNorm = r.PerLayer(L, dim, "ffn_norm");
            finalNorm = r.Floats(dim, "norm");
            embedding = r.Floats((long)c.VocabSize * dim, "tok_embeddings");
            wq = r.PerLayer(L, (long)dim * dim, "wq");
            wk = r.PerLayer(L, (long)kv * dim, "wk");
            wv = r.PerLayer(L, (long)kv * dim, "wv");
            wo = r.PerLayer(L, (long)dim * dim, "wo");
            w1 = r.PerLayer(L, (long)hidden * dim, "w1");
            w2 = r.PerLayer(L, (long)dim * hidden, "w2");
            w3 = r.PerLayer(L, (long)hidden * dim, "w3");
        }

        float[] classifier = c.SharedClassifier ? embedding : r.Floats((long)c.VocabSize * dim, "classifier");
        r.End();
        return Assemble(c, embedding, attNorm, wq, wk, wv, wo, ffnNorm, w1, w2, w3, finalNorm, classifier);
    }

    private static FloatModel ReadQ80(ReadOnlySpan<byte> data, ModelConfig c, int groupSize)
    {
        if (groupSize <= 0 || groupSize > 1 << 16) throw new InvalidDataException($"llama2.c Q8_0 checkpoint: group size {groupSize} out of range.");
        var r = new FloatReader(data, NewHeaderSize);
        int L = c.Layers, dim = c.Dim, kv = c.KvDim, hidden = c.HiddenDim;
        float[][] attNorm = r.PerLayer(L, dim, "attention_norm");
        float[][] ffnNorm = r.PerLayer(L, dim, "ffn_norm");
        float[] finalNorm = r.Floats(dim, "norm");
        float[] embedding = r.Q80((long)c.VocabSize * dim, groupSize, "tok_embeddings");
        var wq = new float[L][]; for (int l = 0; l < L; l++) wq[l] = r.Q80((long)dim * dim, groupSize, "wq");
        var wk = new float[L][]; for (int l = 0; l < L; l++) wk[l] = r.Q80((long)kv * dim, groupSize, "wk");
        var wv = new float[L][]; for (int l = 0; l < L; l++) wv[l] = r.Q80((long)kv * dim, groupSize, "wv");
        var wo = new float[L][]; for (int l = 0; l < L; l++) wo[l] = r.Q80((long)dim * dim, groupSize, "wo");
        var w1 = new float[L][]; for (int l = 0; l < L; l++) w1[l] = r.Q80((long)hidden * dim, groupSize, "w1");
        var w2 = new float[L][]; for (int l = 0; l < L; l++) w2[l] = r.Q80((long)dim * hidden, groupSize, "w2");
        var w3 = new float[L][]; for (int l = 0; l < L; l++) w3[l] = r.Q80((long)hidden * dim, groupSize, "w3");
        float[] classifier = c.SharedClassifier ? embedding : r.Q80((long)c.VocabSize * dim, groupSize, "output");
        r.End();
        return Assemble(c, embedding, attNorm, wq, wk, wv, wo, ffnNorm, w1, w2, w3, finalNorm, classifier);
    }

    private static FloatModel Assemble(ModelConfig c, float[] embedding, float[][] attNorm, float[][] wq, float[][] wk, float[][] wv, float[][] wo,
        float[][] ffnNorm, float[][] w1, float[][] w2, float[][] w3, float[] finalNorm, float[] classifier)
    {
        var layers = new FloatLayer[c.Layers];
        for (int l = 0; l < c.Layers; l++) layers[l] = new FloatLayer(attNorm[l], wq[l], wk[l], wv[l], wo[l], ffnNorm[l], w1[l], w2[l], w3[l]);
        var model = new FloatModel(c, embedding, layers, finalNorm, classifier);
        model.Validate();
        return model;
    }

    /// <summary>Writes a version-1 (fp32) checkpoint.</summary>
    public static byte[] WriteVersion1(FloatModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var stream = new MemoryStream();
        var header = new byte[NewHeaderSize];
        WriteHeader(header, 1, model.Config);
        stream.Write(header);
        foreach (FloatLayer l in model.Layers) Write(stream, l.AttentionNorm);
        foreach (FloatLayer l in model.Layers) Write(stream, l.FfnNorm);
        Write(stream, model.FinalNorm);
        Write(stream, model.TokenEmbedding);
        foreach (FloatLayer l in model.Layers) Write(stream, l.Wq);
        foreach (FloatLayer l in model.Layers) Write(stream, l.Wk);
        foreach (FloatLayer l in model.Layers) Write(stream, l.Wv);
        foreach (FloatLayer l in model.Layers) Write(stream, l.Wo);
        foreach (FloatLayer l in model.Layers) Write(stream, l.W1);
        foreach (FloatLayer l in model.Layers) Write(stream, l.W2);
        foreach (FloatLayer l in model.Layers) Write(stream, l.W3);
        if (!model.Config.SharedClassifier) Write(stream, model.Classifier);
        return stream.ToArray();
    }

    /// <summary>Writes a version-2 (Q8_0) checkpoint the way llama2.c's export does (symmetric int8, fp32 scale per group).</summary>
    public static byte[] WriteVersion2(FloatModel model, int groupSize)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var stream = new MemoryStream();
        var header = new byte[NewHeaderSize];
        WriteHeader(header, 2, model.Config);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(37), groupSize);
        stream.Write(header);
        foreach (FloatLayer l in model.Layers) Write(stream, l.AttentionNorm);
        foreach (FloatLayer l in model.Layers) Write(stream, l.FfnNorm);
        Write(stream, model.FinalNorm);
        WriteQ80(stream, model.TokenEmbedding, groupSize);
        foreach (FloatLayer l in model.Layers) WriteQ80(stream, l.Wq, groupSize);
        foreach (FloatLayer l in model.Layers) WriteQ80(stream, l.Wk, groupSize);
        foreach (FloatLayer l in model.Layers) WriteQ80(stream, l.Wv, groupSize);
        foreach (FloatLayer l in model.Layers) WriteQ80(stream, l.Wo, groupSize);
        foreach (FloatLayer l in model.Layers) WriteQ80(stream, l.W1, groupSize);
        foreach (FloatLayer l in model.Layers) WriteQ80(stream, l.W2, groupSize);
        foreach (FloatLayer l in model.Layers) WriteQ80(stream, l.W3, groupSize);
        if (!model.Config.SharedClassifier) WriteQ80(stream, model.Classifier, groupSize);
        return stream.ToArray();
    }

    /// <summary>Writes the legacy (headerless v0) fp32 checkpoint, including the RoPE tables it carried.</summary>
    public static byte[] WriteLegacy(FloatModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        ModelConfig c = model.Config;
        using var stream = new MemoryStream();
        var header = new byte[28];
        int[] p = [c.Dim, c.HiddenDim, c.Layers, c.Heads, c.KvHeads, c.SharedClassifier ? c.VocabSize : -c.VocabSize, c.SeqLen];
        for (int i = 0; i < 7; i++) BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(i * 4), p[i]);
        stream.Write(header);
        Write(stream, model.TokenEmbedding);
        foreach (FloatLayer l in model.Layers) Write(stream, l.AttentionNorm);
        foreach (FloatLayer l in model.Layers) Write(stream, l.Wq);
        foreach (FloatLayer l in model.Layers) Write(stream, l.Wk);
        foreach (FloatLayer l in model.Layers) Write(stream, l.Wv);
        foreach (FloatLayer l in model.Layers) Write(stream, l.Wo);
        foreach (FloatLayer l in model.Layers) Write(stream, l.FfnNorm);
        foreach (FloatLayer l in model.Layers) Write(stream, l.W1);
        foreach (FloatLayer l in model.Layers) Write(stream, l.W2);
        foreach (FloatLayer l in model.Layers) Write(stream, l.W3);
        Write(stream, model.FinalNorm);
        var rope = new float[c.SeqLen * c.HeadSize / 2];
        for (int pos = 0; pos < c.SeqLen; pos++)
        {
            for (int j = 0; j < c.HeadSize / 2; j++)
                rope[pos * c.HeadSize / 2 + j] = (float)Math.Cos(pos / Math.Pow(c.RopeTheta, 2.0 * j / c.HeadSize));
        }

        Write(stream, rope);
        for (int pos = 0; pos < c.SeqLen; pos++)
        {
            for (int j = 0; j < c.HeadSize / 2; j++)
                rope[pos * c.HeadSize / 2 + j] = (float)Math.Sin(pos / Math.Pow(c.RopeTheta, 2.0 * j / c.HeadSize));
        }

        Write(stream, rope);
        if (!c.SharedClassifier) Write(stream, model.Classifier);
        return stream.ToArray();
    }

    private static void WriteHeader(Span<byte> header, int version, ModelConfig c)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(header, Magic);
        BinaryPrimitives.WriteInt32LittleEndian(header[4..], version);
        int[] p = [c.Dim, c.HiddenDim, c.Layers, c.Heads, c.KvHeads, c.VocabSize, c.SeqLen];
        for (int i = 0; i < 7; i++) BinaryPrimitives.WriteInt32LittleEndian(header[(8 + i * 4)..], p[i]);
        header[36] = c.SharedClassifier ? (byte)1 : (byte)0;
    }

    private static void Write(Stream stream, float[] values) => stream.Write(MemoryMarshal.AsBytes(values.AsSpan()));

    private static void WriteQ80(Stream stream, float[] values, int groupSize)
    {
        if (values.Length % groupSize != 0) throw new ArgumentException($"tensor of {values.Length} values is not a multiple of group size {groupSize}");
        var q = new sbyte[values.Length];
        var scales = new float[values.Length / groupSize];
        for (int g = 0; g < scales.Length; g++)
        {
            float max = 0;
            for (int i = 0; i < groupSize; i++) max = Math.Max(max, Math.Abs(values[g * groupSize + i]));
            float scale = max / 127f;
            scales[g] = scale;
            for (int i = 0; i < groupSize; i++)
                q[g * groupSize + i] = scale == 0 ? (sbyte)0 : (sbyte)Math.Clamp(MathF.Round(values[g * groupSize + i] / scale), -127, 127);
        }

        stream.Write(MemoryMarshal.AsBytes(q.AsSpan()));
        Write(stream, scales);
    }

    private ref struct FloatReader(ReadOnlySpan<byte> data, int offset)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private long _offset = offset;

        private ReadOnlySpan<byte> Take(long bytes, string what)
        {
            if (bytes < 0 || _data.Length - _offset < bytes)
                throw new InvalidDataException($"llama2.c checkpoint is truncated in {what}: need {bytes} bytes at offset {_offset}, {_data.Length - _offset} left.");
            ReadOnlySpan<byte> slice = _data.Slice((int)_offset, (int)bytes);
            _offset += bytes;
            return slice;
        }

        public float[] Floats(long count, string what)
        {
            if (count > int.MaxValue / 4) throw new InvalidDataException($"llama2.c checkpoint: tensor {what} is too large.");
            return MemoryMarshal.Cast<byte, float>(Take(count * 4, what)).ToArray();
        }

        public float[][] PerLayer(int layers, long count, string what)
        {
            var result = new float[layers][];
            for (int l = 0; l < layers; l++) result[l] = Floats(count, $"layer {l} {what}");
            return result;
        }

        public float[] Q80(long count, int groupSize, string what)
        {
            if (count % groupSize != 0) throw new InvalidDataException($"llama2.c Q8_0 tensor {what} has {count} values, not a multiple of group size {groupSize}.");
            if (count > int.MaxValue / 4) throw new InvalidDataException($"llama2.c checkpoint: tensor {what} is too large.");
            ReadOnlySpan<sbyte> q = MemoryMarshal.Cast<byte, sbyte>(Take(count, what));
            ReadOnlySpan<float> scales = MemoryMarshal.Cast<byte, float>(Take(count / groupSize * 4, what + " scales"));
            var result = new float[count];
            for (int i = 0; i < result.Length; i++) result[i] = q[i] * scales[i / groupSize];
            return result;
        }

        public void Skip(long bytes, string what) => Take(bytes, what);

        public readonly void End()
        {
            if (_offset != _data.Length) throw new InvalidDataException($"llama2.c checkpoint has {_data.Length - _offset} unexpected trailing bytes (shape/size mismatch).");
        }
    }
}
