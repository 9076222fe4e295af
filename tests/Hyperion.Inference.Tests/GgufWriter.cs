using System.Buffers.Binary;
using System.Text;
using Hyperion.Inference.Import;
using Hyperion.Inference.Reference;
using Hyperion.Inference.Tokenization;

namespace Hyperion.Inference.Tests;

/// <summary>Minimal GGUF v3 writer (llama metadata, one tensor type) to produce test files for the reader.</summary>
internal static class GgufWriter
{
    public static byte[] Write(FloatModel model, Vocabulary vocabulary, GgufTensorType type)
    {
        var c = model.Config;
        using var s = new MemoryStream();
        var w = new BinaryWriter(s);
        var tensors = new List<(string Name, ulong[] Dims, float[] Data)>
        {
            ("token_embd.weight", [(ulong)c.Dim, (ulong)c.VocabSize], model.TokenEmbedding),
        };
        for (int l = 0; l < c.Layers; l++)
        {
            FloatLayer f = model.Layers[l];
            string p = $"blk.{l}.";
            tensors.Add((p + "attn_norm.weight", [(ulong)c.Dim], f.AttentionNorm));
            tensors.Add((p + "attn_q.weight", [(ulong)c.Dim, (ulong)c.Dim], f.Wq));
            tensors.Add((p + "attn_k.weight", [(ulong)c.Dim, (ulong)c.KvDim], f.Wk));
            tensors.Add((p + "attn_v.weight", [(ulong)c.Dim, (ulong)c.KvDim], f.Wv));
            tensors.Add((p + "attn_output.weight", [(ulong)c.Dim, (ulong)c.Dim], f.Wo));
            tensors.Add((p + "ffn_norm.weight", [(ulong)c.Dim], f.FfnNorm));
            tensors.Add((p + "ffn_gate.weight", [(ulong)c.Dim, (ulong)c.HiddenDim], f.W1));
            tensors.Add((p + "ffn_down.weight", [(ulong)c.HiddenDim, (ulong)c.Dim], f.W2));
            tensors.Add((p + "ffn_up.weight", [(ulong)c.Dim, (ulong)c.HiddenDim], f.W3));
        }

        tensors.Add(("output_norm.weight", [(ulong)c.Dim], model.FinalNorm));
        if (!c.SharedClassifier) tensors.Add(("output.weight", [(ulong)c.Dim, (ulong)c.VocabSize], model.Classifier));

        w.Write(GgufFile.Magic);
        w.Write(3u);
        w.Write((ulong)tensors.Count);
        w.Write(11UL);
        void Key(string k) => Str(w, k);
        Key("general.architecture"); w.Write(8u); Str(w, "llama");
        Key("general.alignment"); w.Write(4u); w.Write(32u);
        Key("llama.embedding_length"); w.Write(4u); w.Write((uint)c.Dim);
        Key("llama.feed_forward_length"); w.Write(4u); w.Write((uint)c.HiddenDim);
        Key("llama.block_count"); w.Write(4u); w.Write((uint)c.Layers);
        Key("llama.attention.head_count"); w.Write(4u); w.Write((uint)c.Heads);
        Key("llama.attention.head_count_kv"); w.Write(4u); w.Write((uint)c.KvHeads);
        Key("llama.context_length"); w.Write(4u); w.Write((uint)c.SeqLen);
        Key("llama.rope.freq_base"); w.Write(6u); w.Write(10000f);
        Key("tokenizer.ggml.tokens"); w.Write(9u); w.Write(8u); w.Write((ulong)vocabulary.Count);
        foreach (byte[] piece in vocabulary.Pieces) Str(w, Encoding.UTF8.GetString(piece).Replace(' ', '\u2581'));
        Key("tokenizer.ggml.scores"); w.Write(9u); w.Write(6u); w.Write((ulong)vocabulary.Count);
        foreach (int bits in vocabulary.ScoreBits) w.Write(BitConverter.Int32BitsToSingle(bits));

        var blobs = tensors.Select(t => Encode(t.Data, t.Dims.Length == 1 ? GgufTensorType.F32 : type)).ToList();
        ulong offset = 0;
        for (int i = 0; i < tensors.Count; i++)
        {
            Str(w, tensors[i].Name);
            w.Write((uint)tensors[i].Dims.Length);
            foreach (ulong d in tensors[i].Dims) w.Write(d);
            w.Write((uint)(tensors[i].Dims.Length == 1 ? GgufTensorType.F32 : type));
            w.Write(offset);
            offset += (ulong)(blobs[i].Length + 31) / 32 * 32;
        }

        w.Flush();
        while (s.Length % 32 != 0) s.WriteByte(0);
        foreach (byte[] blob in blobs)
        {
            s.Write(blob);
            while (s.Length % 32 != 0) s.WriteByte(0);
        }

        return s.ToArray();
    }

    private static void Str(BinaryWriter w, string value)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(value);
        w.Write((ulong)bytes.Length);
        w.Write(bytes);
    }

    private static byte[] Encode(float[] data, GgufTensorType type)
    {
        switch (type)
        {
            case GgufTensorType.F32:
                return System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan()).ToArray();
            case GgufTensorType.F16:
                var half = new byte[data.Length * 2];
                for (int i = 0; i < data.Length; i++) BinaryPrimitives.WriteUInt16LittleEndian(half.AsSpan(i * 2), BitConverter.HalfToUInt16Bits((Half)data[i]));
                return half;
            default:
                var q = new byte[data.Length / 32 * 34];
                for (int b = 0; b < data.Length / 32; b++)
                {
                    float max = 0;
                    for (int i = 0; i < 32; i++) max = Math.Max(max, Math.Abs(data[b * 32 + i]));
                    Half scale = (Half)(max / 127f);
                    BinaryPrimitives.WriteUInt16LittleEndian(q.AsSpan(b * 34), BitConverter.HalfToUInt16Bits(scale));
                    for (int i = 0; i < 32; i++)
                        q[b * 34 + 2 + i] = (byte)(sbyte)(scale == Half.Zero ? 0 : Math.Clamp(MathF.Round(data[b * 32 + i] / (float)scale), -127, 127));
                }

                return q;
        }
    }
}
