using System.Buffers.Binary;
using System.Text;
using Hyperion.Inference.Import;
using Hyperion.Inference.Model;
using Hyperion.Inference.Reference;
using Hyperion.Inference.Tokenization;

namespace Hyperion.Inference.Tests;

public class FormatTests
{
    private static void AssertFloatModelsEqual(FloatModel expected, FloatModel actual, float tolerance)
    {
        Assert.Equal(expected.Config, actual.Config);
        static void Same(float[] a, float[] b, float tol)
        {
            Assert.Equal(a.Length, b.Length);
            for (int i = 0; i < a.Length; i++) Assert.True(Math.Abs(a[i] - b[i]) <= tol, $"value {i}: {a[i]} vs {b[i]}");
        }

        Same(expected.TokenEmbedding, actual.TokenEmbedding, tolerance);
        Same(expected.Classifier, actual.Classifier, tolerance);
        Same(expected.FinalNorm, actual.FinalNorm, 0);
        for (int l = 0; l < expected.Layers.Count; l++)
        {
            FloatLayer e = expected.Layers[l], a = actual.Layers[l];
            Same(e.AttentionNorm, a.AttentionNorm, 0);
            Same(e.FfnNorm, a.FfnNorm, 0);
            Same(e.Wq, a.Wq, tolerance);
            Same(e.Wk, a.Wk, tolerance);
            Same(e.Wv, a.Wv, tolerance);
            Same(e.Wo, a.Wo, tolerance);
            Same(e.W1, a.W1, tolerance);
            Same(e.W2, a.W2, tolerance);
            Same(e.W3, a.W3, tolerance);
        }
    }

    [Fact]
    public void Hqm_roundtrips_byte_for_byte_and_hash_is_stable()
    {
        byte[] bytes = HqmFormat.Serialize(TestModels.TinyModel);
        QuantizedModel back = HqmFormat.Deserialize(bytes);
        Assert.Equal(bytes, HqmFormat.Serialize(back));
        Assert.Equal(HqmFormat.ContentHash(TestModels.TinyModel), HqmFormat.ContentHash(back));
        Assert.Equal(TestModels.TinyModel.Vocabulary!.Pieces.Select(Encoding.Latin1.GetString), back.Vocabulary!.Pieces.Select(Encoding.Latin1.GetString));
    }

    [Fact]
    public void Hqm_hash_changes_with_any_weight()
    {
        byte[] bytes = HqmFormat.Serialize(TestModels.TinyModel);
        QuantizedModel changed = HqmFormat.Deserialize(bytes);
        changed.Layers[1].W2.Values[5] = (sbyte)(changed.Layers[1].W2.Values[5] == 1 ? 2 : 1);
        Assert.NotEqual(HqmFormat.ContentHash(TestModels.TinyModel), HqmFormat.ContentHash(changed));
    }

    [Fact]
    public void Hqm_truncated_anywhere_is_rejected()
    {
        byte[] bytes = HqmFormat.Serialize(TestModels.TinyModel);
        for (int length = 0; length < bytes.Length; length += 1 + length / 7)
        {
            byte[] truncated = bytes[..length];
            Assert.Throws<InvalidDataException>(() => HqmFormat.Deserialize(truncated));
        }

        Assert.Throws<InvalidDataException>(() => HqmFormat.Deserialize([.. bytes, 0]));
    }

    [Theory]
    [InlineData(0, 0x12345678u)] // magic
    [InlineData(4, 2u)] // version
    [InlineData(8, 0u)] // dim
    [InlineData(8, 63u)] // dim not divisible by heads
    [InlineData(16, 100000u)] // layers
    [InlineData(20, 7u)] // heads
    [InlineData(24, 3u)] // kv heads not dividing heads
    [InlineData(28, 0xFFFFFFFFu)] // vocab −1
    [InlineData(36, 2u)] // shared flag
    [InlineData(40, 16u)] // group size
    [InlineData(44, 1u)] // rope theta
    [InlineData(56, 5u)] // vocabulary flag
    [InlineData(60, 1u)] // header padding
    public void Hqm_bad_header_field_is_rejected(int offset, uint value)
    {
        byte[] bytes = HqmFormat.Serialize(TestModels.TinyModel);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(offset), value);
        Assert.Throws<InvalidDataException>(() => HqmFormat.Deserialize(bytes));
    }

    [Fact]
    public void Hqm_out_of_range_values_are_rejected()
    {
        byte[] bytes = HqmFormat.Serialize(TestModels.TinyModel);
        // First tensor (token embedding): 12-byte header, then scales, then values; −128 is not canonical.
        QuantizedTensor e = TestModels.TinyModel.TokenEmbedding;
        int valuesStart = HqmFormat.HeaderSize + 12 + e.Scales.Length * 4;
        byte[] bad = (byte[])bytes.Clone();
        bad[valuesStart] = 0x80;
        Assert.Throws<InvalidDataException>(() => HqmFormat.Deserialize(bad));
        bad = (byte[])bytes.Clone();
        BinaryPrimitives.WriteInt32LittleEndian(bad.AsSpan(HqmFormat.HeaderSize + 12), -1); // negative scale
        Assert.Throws<InvalidDataException>(() => HqmFormat.Deserialize(bad));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Llama2c_v1_and_legacy_roundtrip_exactly(bool shared)
    {
        FloatModel model = TestModels.TinyFloat(shared);
        AssertFloatModelsEqual(model, Llama2cCheckpoint.Read(Llama2cCheckpoint.WriteVersion1(model)), 0);
        AssertFloatModelsEqual(model, Llama2cCheckpoint.Read(Llama2cCheckpoint.WriteLegacy(model)), 0);
    }

    [Fact]
    public void Llama2c_v2_q80_roundtrips_within_quantization_error()
    {
        FloatModel model = TestModels.TinyFloat(shared: false);
        FloatModel back = Llama2cCheckpoint.Read(Llama2cCheckpoint.WriteVersion2(model, 64));
        // Embedding values are in [−1, 1): error ≤ scale/2 = 1/254; matrices are smaller.
        AssertFloatModelsEqual(model, back, 1f / 250);
    }

    [Fact]
    public void Llama2c_truncated_or_flipped_files_are_rejected()
    {
        FloatModel model = TestModels.TinyFloat();
        foreach (byte[] file in new[] { Llama2cCheckpoint.WriteVersion1(model), Llama2cCheckpoint.WriteVersion2(model, 32), Llama2cCheckpoint.WriteLegacy(model) })
        {
            for (int length = 0; length < file.Length; length += 1 + length / 5)
            {
                byte[] truncated = file[..length];
                Assert.Throws<InvalidDataException>(() => Llama2cCheckpoint.Read(truncated));
            }
        }

        byte[] v1 = Llama2cCheckpoint.WriteVersion1(model);
        foreach ((int offset, int value) in new[] { (4, 9), (8, -64), (12, 0), (16, 1000), (20, 5), (24, 3), (32, 0), (36, 7) })
        {
            byte[] bad = (byte[])v1.Clone();
            if (offset == 36) bad[36] = (byte)value;
            else BinaryPrimitives.WriteInt32LittleEndian(bad.AsSpan(offset), value);
            Assert.Throws<InvalidDataException>(() => Llama2cCheckpoint.Read(bad));
        }
    }

    [Theory]
    [InlineData(GgufTensorType.F32)]
    [InlineData(GgufTensorType.F16)]
    [InlineData(GgufTensorType.Q8_0)]
    public void Gguf_llama_loads_weights_and_vocabulary(GgufTensorType type)
    {
        FloatModel model = TestModels.TinyFloat(shared: false);
        Vocabulary vocabulary = TestModels.TinyModel.Vocabulary!;
        byte[] file = GgufWriter.Write(model, vocabulary, type);
        (FloatModel back, Vocabulary? backVocabulary) = new GgufFile(file).ToLlama();
        float tolerance = type switch { GgufTensorType.F32 => 0, GgufTensorType.F16 => 1f / 1024, _ => 1f / 200 };
        AssertFloatModelsEqual(model, back, tolerance);
        Assert.NotNull(backVocabulary);
        Assert.Equal(vocabulary.Pieces.Select(Encoding.Latin1.GetString), backVocabulary.Pieces.Select(Encoding.Latin1.GetString));
        Assert.Equal(vocabulary.ScoreBits, backVocabulary.ScoreBits);
    }

    [Fact]
    public void Gguf_truncated_or_corrupt_files_are_rejected()
    {
        byte[] file = GgufWriter.Write(TestModels.TinyFloat(), TestModels.TinyModel.Vocabulary!, GgufTensorType.Q8_0);
        for (int length = 0; length < file.Length; length += 1 + length / 5)
        {
            byte[] truncated = file[..length];
            Assert.Throws<InvalidDataException>(() => new GgufFile(truncated).ToLlama());
        }

        foreach ((int offset, ulong value) in new[] { (0, 0x1234UL), (4, 7UL), (8, 1UL << 40), (16, 1UL << 40), (24, ulong.MaxValue) })
        {
            byte[] bad = (byte[])file.Clone();
            if (offset == 4) BinaryPrimitives.WriteUInt32LittleEndian(bad.AsSpan(4), (uint)value);
            else if (offset == 0) BinaryPrimitives.WriteUInt32LittleEndian(bad, (uint)value);
            else BinaryPrimitives.WriteUInt64LittleEndian(bad.AsSpan(offset), value);
            Assert.Throws<InvalidDataException>(() => new GgufFile(bad).ToLlama());
        }
    }

    [Fact]
    public void Gguf_model_quantizes_to_the_same_hash_as_the_float_source()
    {
        FloatModel model = TestModels.TinyFloat();
        Vocabulary vocabulary = TestModels.TinyModel.Vocabulary!;
        (FloatModel back, Vocabulary? v) = new GgufFile(GgufWriter.Write(model, vocabulary, GgufTensorType.F32)).ToLlama();
        Assert.Equal(HqmFormat.ContentHash(Quantizer.Quantize(model, vocabulary)), HqmFormat.ContentHash(Quantizer.Quantize(back, v)));
    }
}
