using System.Text;

namespace Hyperion.Inference.Tokenization;

/// <summary>
/// SentencePiece-style BPE as in llama2.c: a dummy-prefix space, one token per UTF-8 character (or byte-fallback
/// tokens id = byte + 3), then repeatedly merge the adjacent pair whose concatenation has the highest score
/// (leftmost wins ties). Token 1 is BOS, 2 is EOS.
/// </summary>
public sealed class Tokenizer
{
    public const int Bos = 1;
    public const int Eos = 2;
    private const int ByteFallbackOffset = 3;

    private readonly Vocabulary _vocabulary;
    private readonly Dictionary<string, int> _ids;
    private readonly int[] _scoreKeys;

    public Tokenizer(Vocabulary vocabulary)
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        _vocabulary = vocabulary;
        _ids = new Dictionary<string, int>(vocabulary.Count, StringComparer.Ordinal);
        _scoreKeys = new int[vocabulary.Count];
        for (int i = 0; i < vocabulary.Count; i++)
        {
            _ids.TryAdd(Key(vocabulary.Pieces[i]), i); // first occurrence wins, as llama2.c's sorted lookup does for duplicates
            _scoreKeys[i] = Vocabulary.ScoreKey(vocabulary.ScoreBits[i]);
        }
    }

    public Vocabulary Vocabulary => _vocabulary;

    public List<int> Encode(string text, bool bos, bool eos)
    {
        ArgumentNullException.ThrowIfNull(text);
        var tokens = new List<int>(text.Length + 3);
        if (bos) tokens.Add(Bos);
        if (text.Length > 0 && _ids.TryGetValue(" ", out int space)) tokens.Add(space);

        byte[] utf8 = Encoding.UTF8.GetBytes(text);
        int i = 0;
        while (i < utf8.Length)
        {
            int length = Utf8SequenceLength(utf8, i);
            if (_ids.TryGetValue(Key(utf8.AsSpan(i, length)), out int id))
            {
                tokens.Add(id);
            }
            else
            {
                for (int b = 0; b < length; b++)
                {
                    int fallback = utf8[i + b] + ByteFallbackOffset;
                    tokens.Add(fallback < _vocabulary.Count ? fallback : 0);
                }
            }

            i += length;
        }

        int first = bos ? 1 : 0;
        while (true)
        {
            int bestKey = int.MinValue, bestId = -1, bestIndex = -1;
            for (int t = first; t < tokens.Count - 1; t++)
            {
                string merged = Key(_vocabulary.Pieces[tokens[t]]) + Key(_vocabulary.Pieces[tokens[t + 1]]);
                if (_ids.TryGetValue(merged, out int id) && (bestIndex < 0 || _scoreKeys[id] > bestKey))
                {
                    bestKey = _scoreKeys[id];
                    bestId = id;
                    bestIndex = t;
                }
            }

            if (bestIndex < 0) break;
            tokens[bestIndex] = bestId;
            tokens.RemoveAt(bestIndex + 1);
        }

        if (eos) tokens.Add(Eos);
        return tokens;
    }

    /// <summary>The bytes a token contributes after <paramref name="previous"/>: BOS strips a leading space; &lt;0xXX&gt; is a raw byte.</summary>
    public ReadOnlySpan<byte> DecodePiece(int previous, int token)
    {
        if ((uint)token >= (uint)_vocabulary.Count) throw new ArgumentOutOfRangeException(nameof(token), $"token {token} outside vocabulary of {_vocabulary.Count}");
        byte[] piece = _vocabulary.Pieces[token];
        if (piece.Length == 6 && piece[0] == '<' && piece[1] == '0' && piece[2] == 'x' && piece[5] == '>'
            && HexValue(piece[3]) is >= 0 and var hi && HexValue(piece[4]) is >= 0 and var lo)
        {
            return ByteTable.AsSpan(hi * 16 + lo, 1);
        }

        return previous == Bos && piece.Length > 0 && piece[0] == ' ' ? piece.AsSpan(1) : piece;
    }

    public string Decode(IReadOnlyList<int> tokens, int previous = -1)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        var bytes = new List<byte>();
        foreach (int token in tokens)
        {
            bytes.AddRange(DecodePiece(previous, token));
            previous = token;
        }

        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    private static readonly byte[] ByteTable = Enumerable.Range(0, 256).Select(b => (byte)b).ToArray();

    private static int HexValue(byte c) => c switch
    {
        >= (byte)'0' and <= (byte)'9' => c - '0',
        >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
        >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
        _ => -1,
    };

    private static int Utf8SequenceLength(byte[] utf8, int start)
    {
        // A lead byte followed by up to three continuation bytes (10xxxxxx), as llama2.c groups them.
        int length = 1;
        while (length < 4 && start + length < utf8.Length && (utf8[start + length] & 0xC0) == 0x80) length++;
        return length;
    }

    /// <summary>Latin-1 maps bytes to chars one to one, so byte strings can key a dictionary exactly.</summary>
    private static string Key(ReadOnlySpan<byte> bytes) => Encoding.Latin1.GetString(bytes);
}
