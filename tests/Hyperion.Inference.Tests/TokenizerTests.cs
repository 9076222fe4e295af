using Hyperion.Inference.Import;
using Hyperion.Inference.Tokenization;

namespace Hyperion.Inference.Tests;

public class TokenizerTests
{
    private static readonly Tokenizer Small = new(RandomModels.SyntheticVocabulary(512));
    private static readonly Tokenizer Large = new(RandomModels.SyntheticVocabulary(32000));

    [Theory]
    [InlineData("the cat sat on the mat")]
    [InlineData("Once upon a time, there was a little girl named Lily.")]
    [InlineData("héllo wörld ✓ 日本")]
    [InlineData("")]
    public void Encode_then_decode_roundtrips(string text)
    {
        foreach (Tokenizer tokenizer in new[] { Small, Large })
        {
            List<int> tokens = tokenizer.Encode(text, bos: true, eos: false);
            Assert.Equal(Tokenizer.Bos, tokens[0]);
            Assert.Equal(text, tokenizer.Decode(tokens.Skip(1).ToList(), Tokenizer.Bos));
        }
    }

    [Fact]
    public void Bpe_merges_by_score()
    {
        // The 32000 vocabulary has " the" (space + 3 letters) and BPE must reach it through higher-scoring merges.
        List<int> tokens = Large.Encode("the", bos: false, eos: false);
        Assert.Single(tokens);
        Assert.Equal(" the"u8.ToArray(), Large.Vocabulary.Pieces[tokens[0]]);
        // Small vocabulary: falls back to bytes for characters it lacks.
        List<int> bytes = Small.Encode("é", bos: false, eos: false);
        Assert.Equal(new[] { 0xC3 + 3, 0xA9 + 3 }, bytes.Skip(1));
    }

    [Fact]
    public void Score_key_orders_like_floats()
    {
        float[] values = [-1e9f, -2f, -1f, -0.5f, 0f, 0.25f, 1f, 3e7f];
        for (int i = 1; i < values.Length; i++)
            Assert.True(Vocabulary.ScoreKey(BitConverter.SingleToInt32Bits(values[i - 1])) < Vocabulary.ScoreKey(BitConverter.SingleToInt32Bits(values[i])));
    }

    [Fact]
    public void Tokenizer_bin_roundtrips_and_rejects_truncation()
    {
        Vocabulary vocabulary = RandomModels.SyntheticVocabulary(512);
        byte[] bytes = vocabulary.ToLlama2cBytes();
        Vocabulary back = Vocabulary.ReadLlama2c(bytes, 512);
        Assert.Equal(vocabulary.ScoreBits, back.ScoreBits);
        Assert.Equal(bytes, back.ToLlama2cBytes());
        for (int length = 0; length < bytes.Length; length += 1 + length / 9)
        {
            byte[] truncated = bytes[..length];
            Assert.Throws<InvalidDataException>(() => Vocabulary.ReadLlama2c(truncated, 512));
        }

        Assert.Throws<InvalidDataException>(() => Vocabulary.ReadLlama2c(bytes, 511)); // trailing tokens
    }
}
