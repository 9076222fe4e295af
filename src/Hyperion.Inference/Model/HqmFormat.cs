using System.Buffers;
using System.Buffers.Binary;
using Hyperion.Core;
using Hyperion.Core.Crypto;
using Hyperion.Inference.Tokenization;

namespace Hyperion.Inference.Model;

/// <summary>
/// The canonical deterministic int8 model file ("HQM", documented in docs/inference.md). All integers are
/// little-endian. The content hash of a model is Keccak-256 of exactly these bytes; the reader accepts only
/// canonical files (no trailing bytes, zero padding, values in range) so one model has one hash.
/// </summary>
public static class HqmFormat
{
    /// <summary>"HQM1" read as a little-endian uint32.</summary>
    public const uint Magic = 0x314D5148;

    public const uint Version = 1;
    public const int HeaderSize = 64;

    public static byte[] Serialize(QuantizedModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var w = new Writer();
        ModelConfig c = model.Config;
        w.U32(Magic);
        w.U32(Version);
        w.I32(c.Dim);
        w.I32(c.HiddenDim);
        w.I32(c.Layers);
        w.I32(c.Heads);
        w.I32(c.KvHeads);
        w.I32(c.VocabSize);
        w.I32(c.SeqLen);
        w.U32(c.SharedClassifier ? 1u : 0u);
        w.I32(model.GroupSize);
        w.U32(c.RopeTheta);
        w.U64(c.RmsEpsQ32);
        w.U32(model.Vocabulary is null ? 0u : 1u);
        w.Zeros(HeaderSize - w.Length);

        WriteTensor(w, model.TokenEmbedding);
        foreach (QuantizedLayer l in model.Layers)
        {
            w.Ints(l.AttentionNorm);
            WriteTensor(w, l.Wq);
            WriteTensor(w, l.Wk);
            WriteTensor(w, l.Wv);
            WriteTensor(w, l.Wo);
            w.Ints(l.FfnNorm);
            WriteTensor(w, l.W1);
            WriteTensor(w, l.W2);
            WriteTensor(w, l.W3);
        }

        w.Ints(model.FinalNorm);
        if (!c.SharedClassifier) WriteTensor(w, model.Classifier);
        if (model.Vocabulary is { } vocabulary)
        {
            w.I32(vocabulary.MaxTokenLength);
            for (int i = 0; i < vocabulary.Count; i++)
            {
                w.I32(vocabulary.ScoreBits[i]);
                w.I32(vocabulary.Pieces[i].Length);
                w.Bytes(vocabulary.Pieces[i]);
            }
        }

        return w.ToArray();
    }

    /// <summary>Keccak-256 of the canonical serialization: the model's identity.</summary>
    public static Hash256 ContentHash(QuantizedModel model) => Keccak256.Hash(Serialize(model));

    public static bool HasMagic(ReadOnlySpan<byte> data) => data.Length >= 4 && BinaryPrimitives.ReadUInt32LittleEndian(data) == Magic;

    public static QuantizedModel Deserialize(ReadOnlySpan<byte> data)
    {
        var r = new Reader(data);
        if (data.Length < HeaderSize) throw new InvalidDataException($"HQM file is truncated: {data.Length} bytes, header needs {HeaderSize}.");
        if (r.U32() != Magic) throw new InvalidDataException("Not an HQM model file (bad magic).");
        uint version = r.U32();
        if (version != Version) throw new InvalidDataException($"HQM version {version} is not supported (expected {Version}).");
        int dim = r.I32(), hidden = r.I32(), layers = r.I32(), heads = r.I32(), kvHeads = r.I32(), vocab = r.I32(), seqLen = r.I32();
        uint shared = r.U32();
        if (shared > 1) throw new InvalidDataException($"HQM shared-classifier flag {shared} must be 0 or 1.");
        int groupSize = r.I32();
        if (groupSize is not (32 or 64)) throw new InvalidDataException($"HQM group size {groupSize} must be 32 or 64.");
        uint ropeTheta = r.U32();
        ulong eps = r.U64();
        uint hasVocabulary = r.U32();
        if (hasVocabulary > 1) throw new InvalidDataException($"HQM vocabulary flag {hasVocabulary} must be 0 or 1.");
        for (int i = r.Offset; i < HeaderSize; i++)
        {
            if (data[i] != 0) throw new InvalidDataException($"HQM header padding byte {i} is not zero.");
        }

        r.Offset = HeaderSize;
        var config = new ModelConfig(dim, hidden, layers, heads, kvHeads, vocab, seqLen, shared == 1, ropeTheta, eps);
        config.Validate();
        int kvDim = config.KvDim;
        QuantizedTensor embedding = ReadTensor(ref r, vocab, dim, groupSize, "token_embedding");
        var layerList = new QuantizedLayer[layers];
        for (int l = 0; l < layers; l++)
        {
            int[] attentionNorm = r.Ints(dim, $"layer {l} attention_norm");
            QuantizedTensor wq = ReadTensor(ref r, dim, dim, groupSize, $"layer {l} wq");
            QuantizedTensor wk = ReadTensor(ref r, kvDim, dim, groupSize, $"layer {l} wk");
            QuantizedTensor wv = ReadTensor(ref r, kvDim, dim, groupSize, $"layer {l} wv");
            QuantizedTensor wo = ReadTensor(ref r, dim, dim, groupSize, $"layer {l} wo");
            int[] ffnNorm = r.Ints(dim, $"layer {l} ffn_norm");
            QuantizedTensor w1 = ReadTensor(ref r, hidden, dim, groupSize, $"layer {l} w1");
            QuantizedTensor w2 = ReadTensor(ref r, dim, hidden, groupSize, $"layer {l} w2");
            QuantizedTensor w3 = ReadTensor(ref r, hidden, dim, groupSize, $"layer {l} w3");
            layerList[l] = new QuantizedLayer(attentionNorm, wq, wk, wv, wo, ffnNorm, w1, w2, w3);
        }

        int[] finalNorm = r.Ints(dim, "final_norm");
        QuantizedTensor? classifier = shared == 1 ? null : ReadTensor(ref r, vocab, dim, groupSize, "classifier");
        Vocabulary? vocabulary = null;
        if (hasVocabulary == 1)
        {
            int maxLength = r.I32();
            if (maxLength is < 1 or > 1 << 16) throw new InvalidDataException($"HQM vocabulary max_token_length {maxLength} out of range.");
            var pieces = new byte[vocab][];
            var scores = new int[vocab];
            for (int i = 0; i < vocab; i++)
            {
                scores[i] = r.I32();
                int length = r.I32();
                if (length < 0 || length > maxLength) throw new InvalidDataException($"HQM token {i} has length {length} (max {maxLength}).");
                pieces[i] = r.Bytes(length, $"token {i}").ToArray();
            }

            vocabulary = new Vocabulary(pieces, scores, maxLength);
        }

        if (r.Offset != data.Length) throw new InvalidDataException($"HQM file has {data.Length - r.Offset} trailing bytes.");
        return new QuantizedModel(config, groupSize, embedding, layerList, finalNorm, classifier, vocabulary);
    }

    private static void WriteTensor(Writer w, QuantizedTensor t)
    {
        w.I32(t.Rows);
        w.I32(t.Cols);
        w.I32(t.ScaleShift);
        w.Ints(t.Scales);
        w.Bytes(System.Runtime.InteropServices.MemoryMarshal.AsBytes(t.Values.AsSpan()));
    }

    private static QuantizedTensor ReadTensor(ref Reader r, int rows, int cols, int groupSize, string name)
    {
        int fileRows = r.I32(), fileCols = r.I32(), shift = r.I32();
        if (fileRows != rows || fileCols != cols) throw new InvalidDataException($"HQM tensor {name} is {fileRows}×{fileCols}, expected {rows}×{cols}.");
        int groups = (cols + groupSize - 1) / groupSize;
        int[] scales = r.Ints(checked(rows * groups), name + " scales");
        ReadOnlySpan<byte> raw = r.Bytes(checked(rows * groups * groupSize), name + " values");
        var values = new sbyte[raw.Length];
        raw.CopyTo(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
        return new QuantizedTensor(rows, cols, groupSize, shift, values, scales);
    }

    private ref struct Reader(ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        public int Offset;

        public ReadOnlySpan<byte> Bytes(int count, string what)
        {
            if (count < 0 || _data.Length - Offset < count)
                throw new InvalidDataException($"HQM file is truncated in {what}: need {count} bytes at offset {Offset}, {_data.Length - Offset} left.");
            ReadOnlySpan<byte> slice = _data.Slice(Offset, count);
            Offset += count;
            return slice;
        }

        public uint U32() => BinaryPrimitives.ReadUInt32LittleEndian(Bytes(4, "a header field"));
        public int I32() => BinaryPrimitives.ReadInt32LittleEndian(Bytes(4, "a header field"));
        public ulong U64() => BinaryPrimitives.ReadUInt64LittleEndian(Bytes(8, "a header field"));

        public int[] Ints(int count, string what)
        {
            ReadOnlySpan<byte> raw = Bytes(checked(count * 4), what);
            var result = new int[count];
            for (int i = 0; i < count; i++) result[i] = BinaryPrimitives.ReadInt32LittleEndian(raw[(i * 4)..]);
            return result;
        }
    }

    private sealed class Writer
    {
        private readonly System.Buffers.ArrayBufferWriter<byte> _buffer = new(1 << 16);
        public int Length => _buffer.WrittenCount;

        public void U32(uint v)
        {
            Span<byte> b = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(b, v);
            _buffer.Write(b);
        }

        public void I32(int v) => U32((uint)v);

        public void U64(ulong v)
        {
            Span<byte> b = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(b, v);
            _buffer.Write(b);
        }

        public void Ints(ReadOnlySpan<int> values)
        {
            Span<byte> target = _buffer.GetSpan(values.Length * 4);
            for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteInt32LittleEndian(target[(i * 4)..], values[i]);
            _buffer.Advance(values.Length * 4);
        }

        public void Bytes(ReadOnlySpan<byte> bytes) => _buffer.Write(bytes);
        public void Zeros(int count) => _buffer.Write(new byte[count]);
        public byte[] ToArray() => _buffer.WrittenSpan.ToArray();
    }
}
