using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using Hyperion.Inference.Model;
using Hyperion.Inference.Reference;
using Hyperion.Inference.Tokenization;

namespace Hyperion.Inference.Import;

/// <summary>One tensor's directory entry in a GGUF file.</summary>
public sealed record GgufTensorInfo(string Name, ulong[] Dims, GgufTensorType Type, ulong Offset);

public enum GgufTensorType : uint
{
    F32 = 0,
    F16 = 1,
    Q8_0 = 8,
}

/// <summary>
/// GGUF (v2/v3) reader for the llama architecture: metadata key/values, tensor directory, F32/F16/Q8_0 tensors
/// (Q8_0 blocks: fp16 scale + 32 int8), and the SentencePiece vocabulary in tokenizer.ggml.tokens/scores.
/// Every read is bounds-checked; malformed files raise <see cref="InvalidDataException"/>.
/// </summary>
public sealed class GgufFile
{
    public const uint Magic = 0x46554747; // "GGUF"
    private const int MaxStringLength = 1 << 20;
    private const ulong MaxArrayLength = 1 << 24;

    private readonly byte[] _data;
    private readonly long _dataStart;

    public GgufFile(byte[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        _data = data;
        var r = new Reader(data);
        if (r.U32() != Magic) throw new InvalidDataException("Not a GGUF file (bad magic).");
        Version = r.U32();
        if (Version is not (2 or 3)) throw new InvalidDataException($"GGUF version {Version} is not supported (2 or 3).");
        ulong tensorCount = r.U64(), kvCount = r.U64();
        if (tensorCount > 1 << 20 || kvCount > 1 << 20) throw new InvalidDataException($"GGUF header counts out of range ({tensorCount} tensors, {kvCount} keys).");
        var metadata = new SortedDictionary<string, object>(StringComparer.Ordinal);
        for (ulong i = 0; i < kvCount; i++)
        {
            string key = r.String();
            uint type = r.U32();
            metadata[key] = r.Value(type, depth: 0);
        }

        Metadata = metadata;
        var tensors = new List<GgufTensorInfo>();
        for (ulong i = 0; i < tensorCount; i++)
        {
            string name = r.String();
            uint dimCount = r.U32();
            if (dimCount is 0 or > 4) throw new InvalidDataException($"GGUF tensor {name} has {dimCount} dimensions.");
            var dims = new ulong[dimCount];
            for (int d = 0; d < dimCount; d++) dims[d] = r.U64();
            uint type = r.U32();
            if (!Enum.IsDefined((GgufTensorType)type)) throw new InvalidDataException($"GGUF tensor {name} has unsupported type {type} (F32, F16, Q8_0 only).");
            tensors.Add(new GgufTensorInfo(name, dims, (GgufTensorType)type, r.U64()));
        }

        Tensors = tensors;
        ulong alignment = metadata.TryGetValue("general.alignment", out object? a) ? ToULong(a, "general.alignment") : 32;
        if (alignment is 0 or > 1 << 16 || (alignment & (alignment - 1)) != 0) throw new InvalidDataException($"GGUF alignment {alignment} must be a power of two.");
        _dataStart = (long)(((ulong)r.Offset + alignment - 1) / alignment * alignment);
        if (_dataStart > data.Length) throw new InvalidDataException("GGUF file is truncated before its tensor data.");
    }

    public uint Version { get; }
    public IReadOnlyDictionary<string, object> Metadata { get; }
    public IReadOnlyList<GgufTensorInfo> Tensors { get; }

    public static bool HasMagic(ReadOnlySpan<byte> data) => data.Length >= 4 && BinaryPrimitives.ReadUInt32LittleEndian(data) == Magic;

    public ulong GetUInt(string key) =>
        Metadata.TryGetValue(key, out object? v) ? ToULong(v, key) : throw new InvalidDataException($"GGUF metadata key {key} is missing.");

    public float[] ReadTensor(string name, ulong expectedCount)
    {
        GgufTensorInfo info = Tensors.FirstOrDefault(t => t.Name == name) ?? throw new InvalidDataException($"GGUF tensor {name} is missing.");
        ulong count = 1;
        foreach (ulong d in info.Dims) count = checked(count * d);
        if (count != expectedCount) throw new InvalidDataException($"GGUF tensor {name} has {count} values, expected {expectedCount}.");
        if (count > int.MaxValue / 4) throw new InvalidDataException($"GGUF tensor {name} is too large.");
        ulong bytes = info.Type switch
        {
            GgufTensorType.F32 => count * 4,
            GgufTensorType.F16 => count * 2,
            _ => count % 32 == 0 ? count / 32 * 34 : throw new InvalidDataException($"GGUF Q8_0 tensor {name} has {count} values, not a multiple of 32."),
        };
        ulong start = (ulong)_dataStart + info.Offset;
        if (info.Offset > (ulong)_data.Length || start + bytes > (ulong)_data.Length)
            throw new InvalidDataException($"GGUF tensor {name} (offset {info.Offset}, {bytes} bytes) runs past the end of the file.");
        ReadOnlySpan<byte> raw = _data.AsSpan((int)start, (int)bytes);
        var result = new float[count];
        switch (info.Type)
        {
            case GgufTensorType.F32:
                MemoryMarshal.Cast<byte, float>(raw).CopyTo(result);
                break;
            case GgufTensorType.F16:
                for (int i = 0; i < result.Length; i++) result[i] = (float)BitConverter.UInt16BitsToHalf(BinaryPrimitives.ReadUInt16LittleEndian(raw[(i * 2)..]));
                break;
            default:
                for (int b = 0; b < result.Length / 32; b++)
                {
                    ReadOnlySpan<byte> block = raw.Slice(b * 34, 34);
                    float scale = (float)BitConverter.UInt16BitsToHalf(BinaryPrimitives.ReadUInt16LittleEndian(block));
                    for (int i = 0; i < 32; i++) result[b * 32 + i] = (sbyte)block[2 + i] * scale;
                }

                break;
        }

        return result;
    }

    /// <summary>The llama-architecture model and (when present) its vocabulary.</summary>
    public (FloatModel Model, Vocabulary? Vocabulary) ToLlama()
    {
        string architecture = Metadata.TryGetValue("general.architecture", out object? arch) ? arch as string ?? "" : "";
        if (architecture != "llama") throw new InvalidDataException($"GGUF architecture '{architecture}' is not supported (llama only).");
        int dim = ToInt(GetUInt("llama.embedding_length"), "llama.embedding_length");
        int hidden = ToInt(GetUInt("llama.feed_forward_length"), "llama.feed_forward_length");
        int layers = ToInt(GetUInt("llama.block_count"), "llama.block_count");
        int heads = ToInt(GetUInt("llama.attention.head_count"), "llama.attention.head_count");
        int kvHeads = Metadata.ContainsKey("llama.attention.head_count_kv") ? ToInt(GetUInt("llama.attention.head_count_kv"), "head_count_kv") : heads;
        int seqLen = ToInt(GetUInt("llama.context_length"), "llama.context_length");
        GgufTensorInfo embeddingInfo = Tensors.FirstOrDefault(t => t.Name == "token_embd.weight") ?? throw new InvalidDataException("GGUF tensor token_embd.weight is missing.");
        if (embeddingInfo.Dims.Length != 2) throw new InvalidDataException("GGUF token_embd.weight must be 2-dimensional.");
        int vocab = ToInt(embeddingInfo.Dims[1], "vocab size");
        uint theta = 10000;
        if (Metadata.TryGetValue("llama.rope.freq_base", out object? fb))
        {
            double value = fb is float f ? f : ToULong(fb, "llama.rope.freq_base");
            if (value is < 2 or > uint.MaxValue || Math.Abs(value - Math.Round(value)) > 1e-3) throw new InvalidDataException($"GGUF rope freq_base {value} must be an integer ≥ 2.");
            theta = (uint)Math.Round(value);
        }

        ulong epsQ32 = ModelConfig.DefaultRmsEpsQ32;
        if (Metadata.TryGetValue("llama.attention.layer_norm_rms_epsilon", out object? e) && e is float eps)
            epsQ32 = (ulong)Math.Max(1, Math.Round(eps * 4294967296.0));
        bool shared = Tensors.All(t => t.Name != "output.weight");
        var config = new ModelConfig(dim, hidden, layers, heads, kvHeads, vocab, seqLen, shared, theta, epsQ32);
        config.Validate();
        ulong d = (ulong)dim, kv = (ulong)config.KvDim, h = (ulong)hidden;
        float[] embedding = ReadTensor("token_embd.weight", (ulong)vocab * d);
        var layerList = new FloatLayer[layers];
        for (int l = 0; l < layers; l++)
        {
            string p = $"blk.{l}.";
            layerList[l] = new FloatLayer(ReadTensor(p + "attn_norm.weight", d), ReadTensor(p + "attn_q.weight", d * d), ReadTensor(p + "attn_k.weight", kv * d),
                ReadTensor(p + "attn_v.weight", kv * d), ReadTensor(p + "attn_output.weight", d * d), ReadTensor(p + "ffn_norm.weight", d),
                ReadTensor(p + "ffn_gate.weight", h * d), ReadTensor(p + "ffn_down.weight", d * h), ReadTensor(p + "ffn_up.weight", h * d));
        }

        float[] finalNorm = ReadTensor("output_norm.weight", d);
        float[] classifier = shared ? embedding : ReadTensor("output.weight", (ulong)vocab * d);
        var model = new FloatModel(config, embedding, layerList, finalNorm, classifier);
        model.Validate();
        return (model, ReadVocabulary(vocab));
    }

    private Vocabulary? ReadVocabulary(int vocab)
    {
        if (!Metadata.TryGetValue("tokenizer.ggml.tokens", out object? tokensValue)) return null;
        if (tokensValue is not object[] tokens || tokens.Any(t => t is not string)) throw new InvalidDataException("GGUF tokenizer.ggml.tokens must be an array of strings.");
        if (tokens.Length != vocab) throw new InvalidDataException($"GGUF vocabulary has {tokens.Length} tokens but the embedding has {vocab} rows.");
        int[] scores = new int[vocab];
        if (Metadata.TryGetValue("tokenizer.ggml.scores", out object? scoresValue))
        {
            if (scoresValue is not object[] s || s.Length != vocab || s.Any(x => x is not float))
                throw new InvalidDataException("GGUF tokenizer.ggml.scores must be an array of float32, one per token.");
            for (int i = 0; i < vocab; i++) scores[i] = BitConverter.SingleToInt32Bits((float)s[i]);
        }

        // SentencePiece marks spaces with U+2581; llama2.c's tokenizer.bin (and our tokenizer) uses a plain space.
        byte[][] pieces = tokens.Select(t => Encoding.UTF8.GetBytes(((string)t).Replace('\u2581', ' '))).ToArray();
        return new Vocabulary(pieces, scores, Math.Max(1, pieces.Max(p => p.Length)));
    }

    private static int ToInt(ulong value, string what) =>
        value is > 0 and <= int.MaxValue ? (int)value : throw new InvalidDataException($"GGUF {what} = {value} out of range.");

    private static ulong ToULong(object value, string key) => value switch
    {
        byte v => v,
        sbyte v when v >= 0 => (ulong)v,
        ushort v => v,
        short v when v >= 0 => (ulong)v,
        uint v => v,
        int v when v >= 0 => (ulong)v,
        ulong v => v,
        long v when v >= 0 => (ulong)v,
        _ => throw new InvalidDataException($"GGUF metadata {key} must be a non-negative integer, found {value.GetType().Name}."),
    };

    private ref struct Reader(ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        public int Offset;

        private ReadOnlySpan<byte> Take(long count)
        {
            if (count < 0 || _data.Length - Offset < count) throw new InvalidDataException($"GGUF file is truncated at offset {Offset} (need {count} bytes).");
            ReadOnlySpan<byte> slice = _data.Slice(Offset, (int)count);
            Offset += (int)count;
            return slice;
        }

        public uint U32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4));
        public ulong U64() => BinaryPrimitives.ReadUInt64LittleEndian(Take(8));

        public string String()
        {
            ulong length = U64();
            if (length > MaxStringLength) throw new InvalidDataException($"GGUF string of {length} bytes at offset {Offset} is too long.");
            return Encoding.UTF8.GetString(Take((long)length));
        }

        public object Value(uint type, int depth) => type switch
        {
            0 => Take(1)[0],
            1 => (sbyte)Take(1)[0],
            2 => BinaryPrimitives.ReadUInt16LittleEndian(Take(2)),
            3 => BinaryPrimitives.ReadInt16LittleEndian(Take(2)),
            4 => U32(),
            5 => BinaryPrimitives.ReadInt32LittleEndian(Take(4)),
            6 => BinaryPrimitives.ReadSingleLittleEndian(Take(4)),
            7 => Take(1)[0] switch { 0 => false, 1 => true, var b => throw new InvalidDataException($"GGUF bool value {b} is not 0 or 1.") },
            8 => String(),
            9 => Array(depth),
            10 => U64(),
            11 => BinaryPrimitives.ReadInt64LittleEndian(Take(8)),
            12 => BinaryPrimitives.ReadDoubleLittleEndian(Take(8)),
            _ => throw new InvalidDataException($"GGUF metadata value type {type} at offset {Offset - 4} is unknown."),
        };

        private object[] Array(int depth)
        {
            if (depth > 2) throw new InvalidDataException("GGUF arrays nest too deeply.");
            uint elementType = U32();
            ulong count = U64();
            if (count > MaxArrayLength || count > (ulong)(_data.Length - Offset)) throw new InvalidDataException($"GGUF array of {count} elements at offset {Offset} is too long.");
            var values = new object[count];
            for (ulong i = 0; i < count; i++) values[i] = Value(elementType, depth + 1);
            return values;
        }
    }
}
