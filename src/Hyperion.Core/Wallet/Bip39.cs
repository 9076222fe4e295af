using System.Collections.Frozen;
using System.Security.Cryptography;
using System.Text;

namespace Hyperion.Core.Wallet;

/// <summary>
/// BIP-39 mnemonics with the English word list: entropy ↔ words (11 bits per word, the last bits a SHA-256
/// checksum) and mnemonic → 64-byte seed (PBKDF2-HMAC-SHA512, 2048 rounds, salt "mnemonic" + passphrase, NFKD).
/// </summary>
public static class Bip39
{
    public const int SeedSize = 64;
    private const int Pbkdf2Iterations = 2048;
    private const int BitsPerWord = 11;

    private static readonly Lazy<WordList> English = new(WordList.LoadEnglish);

    /// <summary>The 2048 English words, in index order.</summary>
    public static IReadOnlyList<string> EnglishWords => English.Value.Words;

    /// <summary>Encodes 16, 20, 24, 28 or 32 bytes of entropy as 12, 15, 18, 21 or 24 words.</summary>
    /// <exception cref="ArgumentException">The entropy length is not one of those.</exception>
    public static string EntropyToMnemonic(ReadOnlySpan<byte> entropy)
    {
        if (entropy.Length is < 16 or > 32 || entropy.Length % 4 != 0)
        {
            throw new ArgumentException($"BIP-39 entropy is 16, 20, 24, 28 or 32 bytes, got {entropy.Length}.", nameof(entropy));
        }

        int checksumBits = entropy.Length / 4;
        int wordCount = (entropy.Length * 8 + checksumBits) / BitsPerWord;
        byte checksum = SHA256.HashData(entropy)[0];

        IReadOnlyList<string> words = English.Value.Words;
        var sentence = new StringBuilder();
        for (int word = 0; word < wordCount; word++)
        {
            int index = 0;
            for (int bit = word * BitsPerWord; bit < (word + 1) * BitsPerWord; bit++)
            {
                index = (index << 1) | BitAt(entropy, checksum, bit);
            }

            if (word > 0)
            {
                sentence.Append(' ');
            }
            sentence.Append(words[index]);
        }

        return sentence.ToString();
    }

    /// <summary>Decodes a mnemonic to its entropy, checking every word and the checksum.</summary>
    /// <exception cref="FormatException">Wrong word count, a word not in the list, or a checksum mismatch; the message says which.</exception>
    public static byte[] MnemonicToEntropy(string mnemonic)
    {
        ArgumentNullException.ThrowIfNull(mnemonic);
        string[] words = SplitWords(mnemonic);
        if (words.Length is < 12 or > 24 || words.Length % 3 != 0)
        {
            throw new FormatException($"A BIP-39 mnemonic has 12, 15, 18, 21 or 24 words, got {words.Length}.");
        }

        int totalBits = words.Length * BitsPerWord;
        int checksumBits = totalBits / 33;
        var entropy = new byte[(totalBits - checksumBits) / 8];
        int checksum = 0;
        FrozenDictionary<string, int> indexOf = English.Value.IndexOf;
        for (int word = 0; word < words.Length; word++)
        {
            if (!indexOf.TryGetValue(words[word], out int index))
            {
                throw new FormatException($"Word {word + 1} (\"{words[word]}\") is not in the English BIP-39 word list.");
            }

            for (int i = BitsPerWord - 1; i >= 0; i--)
            {
                int bit = word * BitsPerWord + (BitsPerWord - 1 - i);
                int value = (index >> i) & 1;
                if (bit < entropy.Length * 8)
                {
                    entropy[bit / 8] |= (byte)(value << (7 - bit % 8));
                }
                else
                {
                    checksum = (checksum << 1) | value;
                }
            }
        }

        int expected = SHA256.HashData(entropy)[0] >> (8 - checksumBits);
        if (checksum != expected)
        {
            throw new FormatException("The mnemonic's checksum does not match: a word is wrong, missing or out of order.");
        }

        return entropy;
    }

    /// <summary>True when every word is in the list and the checksum matches.</summary>
    public static bool IsValidMnemonic(string mnemonic)
    {
        try
        {
            MnemonicToEntropy(mnemonic);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>
    /// The 64-byte BIP-32 seed of a mnemonic. The mnemonic is validated first (words and checksum) and used in
    /// canonical form: NFKD, words separated by single spaces. The passphrase is NFKD-normalized.
    /// </summary>
    /// <exception cref="FormatException">The mnemonic is invalid.</exception>
    public static byte[] MnemonicToSeed(string mnemonic, string passphrase = "")
    {
        ArgumentNullException.ThrowIfNull(mnemonic);
        ArgumentNullException.ThrowIfNull(passphrase);
        MnemonicToEntropy(mnemonic);

        byte[] password = Encoding.UTF8.GetBytes(string.Join(' ', SplitWords(mnemonic)));
        byte[] salt = Encoding.UTF8.GetBytes("mnemonic" + UnicodeNormalization.ToNfkd(passphrase));
        return Rfc2898DeriveBytes.Pbkdf2(password, salt, Pbkdf2Iterations, HashAlgorithmName.SHA512, SeedSize);
    }

    private static string[] SplitWords(string mnemonic) =>
        UnicodeNormalization.ToNfkd(mnemonic).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);

    private static int BitAt(ReadOnlySpan<byte> entropy, byte checksum, int bit) =>
        bit < entropy.Length * 8
            ? (entropy[bit / 8] >> (7 - bit % 8)) & 1
            : (checksum >> (7 - (bit - entropy.Length * 8))) & 1;

    private sealed class WordList
    {
        private const string ResourceName = "Hyperion.Core.Wallet.bip39-english.txt";

        public required IReadOnlyList<string> Words { get; init; }

        public required FrozenDictionary<string, int> IndexOf { get; init; }

        public static WordList LoadEnglish()
        {
            using Stream stream = typeof(Bip39).Assembly.GetManifestResourceStream(ResourceName)
                ?? throw new InvalidOperationException($"Embedded resource {ResourceName} is missing from Hyperion.Core.");
            using var reader = new StreamReader(stream, Encoding.UTF8);
            string[] words = reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (words.Length != 2048)
            {
                throw new InvalidOperationException($"The BIP-39 English word list must have 2048 words, the embedded one has {words.Length}.");
            }

            return new WordList
            {
                Words = words,
                IndexOf = words.Select((word, index) => KeyValuePair.Create(word, index)).ToFrozenDictionary(StringComparer.Ordinal),
            };
        }
    }
}
