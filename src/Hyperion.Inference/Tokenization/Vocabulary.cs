using System.Buffers.Binary;

namespace Hyperion.Inference.Tokenization;

/// <summary>
/// Token pieces (raw bytes) and merge scores. Scores are kept as the raw IEEE-754 single bits read from the file
/// and compared through <see cref="ScoreKey"/>, an order-preserving integer map, so tokenization is integer-only.
/// </summary>
public sealed class Vocabulary
{
    public Vocabulary(IReadOnlyList<byte[]> pieces, IReadOnlyList<int> scoreBits, int maxTokenLength)
    {
        ArgumentNullException.ThrowIfNull(pieces);
        ArgumentNullException.ThrowIfNull(scoreBits);
        if (pieces.Count == 0) throw new InvalidDataException("Vocabulary is empty.");
        if (pieces.Count != scoreBits.Count) throw new InvalidDataException($"Vocabulary has {pieces.Count} pieces but {scoreBits.Count} scores.");
        if (maxTokenLength < 0) throw new InvalidDataException($"max_token_length {maxTokenLength} is negative.");
        Pieces = pieces;
        ScoreBits = scoreBits;
        MaxTokenLength = maxTokenLength;
    }

    public IReadOnlyList<byte[]> Pieces { get; }

    /// <summary>Raw float32 bit patterns of the merge scores.</summary>
    public IReadOnlyList<int> ScoreBits { get; }

    public int MaxTokenLength { get; }
    public int Count => Pieces.Count;

    /// <summary>Maps float32 bits to an int with the same ordering as the floats (for non-NaN values).</summary>
    public static int ScoreKey(int bits) => bits < 0 ? bits ^ int.MaxValue : bits;

    /// <summary>Reads llama2.c's <c>tokenizer.bin</c>: int32 max_token_length, then per token float32 score, int32 length, bytes.</summary>
    public static Vocabulary ReadLlama2c(ReadOnlySpan<byte> data, int expectedCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(expectedCount);
        if (data.Length < 4) throw new InvalidDataException("tokenizer.bin is truncated: no max_token_length header.");
        int maxLength = BinaryPrimitives.ReadInt32LittleEndian(data);
        if (maxLength is < 1 or > 1 << 16) throw new InvalidDataException($"tokenizer.bin: max_token_length {maxLength} out of range.");
        var pieces = new List<byte[]>(expectedCount);
        var scores = new List<int>(expectedCount);
        int offset = 4;
        for (int i = 0; i < expectedCount; i++)
        {
            if (data.Length - offset < 8) throw new InvalidDataException($"tokenizer.bin is truncated at token {i} of {expectedCount} (offset {offset}).");
            int score = BinaryPrimitives.ReadInt32LittleEndian(data[offset..]);
            int length = BinaryPrimitives.ReadInt32LittleEndian(data[(offset + 4)..]);
            offset += 8;
            if (length < 0 || length > maxLength) throw new InvalidDataException($"tokenizer.bin: token {i} has length {length} (max {maxLength}).");
            if (data.Length - offset < length) throw new InvalidDataException($"tokenizer.bin is truncated inside token {i} (offset {offset}).");
            pieces.Add(data.Slice(offset, length).ToArray());
            scores.Add(score);
            offset += length;
        }

        if (offset != data.Length) throw new InvalidDataException($"tokenizer.bin has {data.Length - offset} trailing bytes after {expectedCount} tokens.");
        return new Vocabulary(pieces, scores, maxLength);
    }

    /// <summary>Writes llama2.c's <c>tokenizer.bin</c> layout.</summary>
    public byte[] ToLlama2cBytes()
    {
        using var stream = new MemoryStream();
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(word, MaxTokenLength);
        stream.Write(word);
        for (int i = 0; i < Count; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(word, ScoreBits[i]);
            stream.Write(word);
            BinaryPrimitives.WriteInt32LittleEndian(word, Pieces[i].Length);
            stream.Write(word);
            stream.Write(Pieces[i]);
        }

        return stream.ToArray();
    }
}
