using System.Buffers.Binary;
using System.Text;
using Hyperion.Core;
using Hyperion.Core.Crypto;

namespace Hyperion.MetisAi;

/// <summary>A decoded inference call. Exactly one of <see cref="PromptText"/> and <see cref="PromptTokens"/> is set.</summary>
public sealed record InferenceRequest(
    Hash256 Model,
    string? PromptText,
    int[]? PromptTokens,
    int MaxNewTokens,
    int TemperatureQ16,
    int TopPQ16,
    ulong Seed);

/// <summary>
/// The precompile's Solidity ABI (see IHyperionInference in contracts/src/HyperionInference.sol):
/// <c>generate(bytes32,string,uint32,uint32,uint32,uint64)</c> and
/// <c>generateFromTokens(bytes32,uint32[],uint32,uint32,uint32,uint64)</c>, both returning <c>(uint32[],string)</c>.
/// Decoding is strict: canonical words (no bits above the type), in-range offsets, and the limits of
/// <see cref="InferenceLimits"/>.
/// </summary>
public static class InferenceAbi
{
    public const string GenerateSignature = "generate(bytes32,string,uint32,uint32,uint32,uint64)";
    public const string GenerateFromTokensSignature = "generateFromTokens(bytes32,uint32[],uint32,uint32,uint32,uint64)";

    public static readonly uint GenerateSelector = Selector(GenerateSignature);
    public static readonly uint GenerateFromTokensSelector = Selector(GenerateFromTokensSignature);

    private const int Word = 32;
    private const int HeadWords = 6;
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static uint Selector(string signature) => BinaryPrimitives.ReadUInt32BigEndian(Keccak256.Hash(Encoding.ASCII.GetBytes(signature)).Bytes);

    /// <summary>Decodes a call; null with <paramref name="error"/> set when the input is malformed or over a limit.</summary>
    public static InferenceRequest? TryDecode(ReadOnlySpan<byte> input, out string? error)
    {
        if (input.Length < 4)
        {
            error = "input shorter than a function selector";
            return null;
        }

        uint selector = BinaryPrimitives.ReadUInt32BigEndian(input);
        bool text = selector == GenerateSelector;
        if (!text && selector != GenerateFromTokensSelector)
        {
            error = $"unknown function selector 0x{selector:x8}";
            return null;
        }

        ReadOnlySpan<byte> args = input[4..];
        if (args.Length < HeadWords * Word)
        {
            error = $"arguments are {args.Length} bytes, the head alone needs {HeadWords * Word}";
            return null;
        }

        var model = new Hash256(args[..Word]);
        if (!TryReadUInt(args, 2, 32, "maxNewTokens", out ulong maxNew, out error)
            || !TryReadUInt(args, 3, 32, "temperatureQ16", out ulong temperature, out error)
            || !TryReadUInt(args, 4, 32, "topPQ16", out ulong topP, out error)
            || !TryReadUInt(args, 5, 64, "seed", out ulong seed, out error)
            || !TryReadUInt(args, 1, 32, "prompt offset", out ulong offset, out error))
        {
            return null;
        }

        if (maxNew is 0 or > InferenceLimits.MaxNewTokens)
        {
            error = $"maxNewTokens {maxNew} outside 1..{InferenceLimits.MaxNewTokens}";
            return null;
        }

        if (temperature > InferenceLimits.MaxTemperatureQ16)
        {
            error = $"temperatureQ16 {temperature} above {InferenceLimits.MaxTemperatureQ16}";
            return null;
        }

        if (topP > InferenceLimits.MaxTopPQ16)
        {
            error = $"topPQ16 {topP} above {InferenceLimits.MaxTopPQ16}";
            return null;
        }

        if (offset > (ulong)args.Length - Word)
        {
            error = $"prompt offset {offset} past the end of the {args.Length}-byte arguments";
            return null;
        }

        int start = (int)offset;
        if (!TryReadUInt(args[start..], 0, 32, "prompt length", out ulong length, out error))
        {
            return null;
        }

        ReadOnlySpan<byte> tail = args[(start + Word)..];
        string? promptText = null;
        int[]? promptTokens = null;
        if (text)
        {
            if (length > InferenceLimits.MaxPromptBytes)
            {
                error = $"prompt of {length} bytes exceeds the limit of {InferenceLimits.MaxPromptBytes}";
                return null;
            }

            if (length > (ulong)tail.Length)
            {
                error = $"prompt of {length} bytes runs past the end of the input";
                return null;
            }

            try
            {
                promptText = StrictUtf8.GetString(tail[..(int)length]);
            }
            catch (DecoderFallbackException)
            {
                error = "prompt is not valid UTF-8";
                return null;
            }
        }
        else
        {
            if (length is 0 or > InferenceLimits.MaxPromptTokens)
            {
                error = $"prompt of {length} tokens outside 1..{InferenceLimits.MaxPromptTokens}";
                return null;
            }

            if (length * Word > (ulong)tail.Length)
            {
                error = $"prompt of {length} tokens runs past the end of the input";
                return null;
            }

            promptTokens = new int[(int)length];
            for (int i = 0; i < promptTokens.Length; i++)
            {
                if (!TryReadUInt(tail, i, 31, "prompt token", out ulong token, out error))
                {
                    return null;
                }

                promptTokens[i] = (int)token;
            }
        }

        error = null;
        return new InferenceRequest(model, promptText, promptTokens, (int)maxNew, (int)temperature, (int)topP, seed);
    }

    /// <summary>ABI encoding of <c>(uint32[] tokens, string text)</c>.</summary>
    public static byte[] EncodeResult(IReadOnlyList<int> tokens, ReadOnlySpan<byte> text)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        int tokensSize = Word * (1 + tokens.Count);
        int textSize = Word * (1 + ((text.Length + Word - 1) / Word));
        var output = new byte[(2 * Word) + tokensSize + textSize];
        Span<byte> span = output;
        WriteWord(span, 0, 2 * Word);
        WriteWord(span, 1, (ulong)((2 * Word) + tokensSize));
        Span<byte> tokenPart = span[(2 * Word)..];
        WriteWord(tokenPart, 0, (ulong)tokens.Count);
        for (int i = 0; i < tokens.Count; i++)
        {
            WriteWord(tokenPart, i + 1, (ulong)(uint)tokens[i]);
        }

        Span<byte> textPart = span[((2 * Word) + tokensSize)..];
        WriteWord(textPart, 0, (ulong)text.Length);
        text.CopyTo(textPart[Word..]);
        return output;
    }

    /// <summary>Solidity's <c>Error(string)</c> revert data (selector 0x08c379a0), which cast, ethers and viem show as the reason.</summary>
    public static byte[] EncodeError(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        byte[] text = System.Text.Encoding.UTF8.GetBytes(message);
        var output = new byte[4 + (2 * Word) + ((text.Length + Word - 1) / Word * Word)];
        ReadOnlySpan<byte> selector = [0x08, 0xc3, 0x79, 0xa0];
        selector.CopyTo(output);
        Span<byte> body = output.AsSpan(4);
        WriteWord(body, 0, Word);
        WriteWord(body, 1, (ulong)text.Length);
        text.CopyTo(body[(2 * Word)..]);
        return output;
    }

    private static void WriteWord(Span<byte> destination, int index, ulong value) =>
        BinaryPrimitives.WriteUInt64BigEndian(destination.Slice((index * Word) + 24, 8), value);

    /// <summary>Reads word <paramref name="index"/> as an unsigned integer of <paramref name="bits"/> bits; any higher bit set is an error.</summary>
    private static bool TryReadUInt(ReadOnlySpan<byte> data, int index, int bits, string what, out ulong value, out string? error)
    {
        ReadOnlySpan<byte> word = data.Slice(index * Word, Word);
        value = BinaryPrimitives.ReadUInt64BigEndian(word[24..]);
        bool clean = !word[..24].ContainsAnyExcept((byte)0) && (bits == 64 || value >> bits == 0);
        error = clean ? null : $"{what} does not fit in {(bits == 31 ? "a token id" : $"uint{bits}")}";
        return clean;
    }
}
