using Hyperion.Core;

namespace Hyperion.MetisAi.Tests;

public sealed class InferenceAbiTests
{
    private static readonly Hash256 Model = Hash256.Parse("0x" + new string('5', 64));

    [Fact]
    public void Selectors_are_the_keccak_of_the_signatures()
    {
        // cast sig "generate(bytes32,string,uint32,uint32,uint32,uint64)" etc., checked against solc's method identifiers in e2e.
        Assert.NotEqual(InferenceAbi.GenerateSelector, InferenceAbi.GenerateFromTokensSelector);
        Assert.Equal(InferenceAbi.Selector(InferenceAbi.GenerateSignature), InferenceAbi.GenerateSelector);
    }

    [Fact]
    public void Decodes_a_text_call()
    {
        InferenceRequest? request = InferenceAbi.TryDecode(CallData.Generate(Model, "Once upon a time, héllo", 40, 49152, 32768, ulong.MaxValue), out string? error);
        Assert.Null(error);
        Assert.NotNull(request);
        Assert.Equal(Model, request.Model);
        Assert.Equal("Once upon a time, héllo", request.PromptText);
        Assert.Null(request.PromptTokens);
        Assert.Equal((40, 49152, 32768, ulong.MaxValue), (request.MaxNewTokens, request.TemperatureQ16, request.TopPQ16, request.Seed));
    }

    [Fact]
    public void Decodes_a_token_call()
    {
        InferenceRequest? request = InferenceAbi.TryDecode(CallData.GenerateFromTokens(Model, [1, 7, 299], 3), out string? error);
        Assert.Null(error);
        Assert.Equal([1, 7, 299], request!.PromptTokens!);
        Assert.Null(request.PromptText);
    }

    public static TheoryData<string, string> Malformed() => new()
    {
        { "short", "shorter than a function selector" },
        { "selector", "unknown function selector" },
        { "head", "the head alone needs" },
        { "maxNewHighBits", "maxNewTokens does not fit in uint32" },
        { "seedHighBits", "seed does not fit in uint64" },
        { "maxNewZero", "maxNewTokens 0 outside" },
        { "maxNewTooMany", "maxNewTokens 513 outside" },
        { "temperature", "temperatureQ16 16777217 above" },
        { "topP", "topPQ16 65537 above" },
        { "offset", "past the end" },
        { "stringPastEnd", "runs past the end" },
        { "stringTooLong", "exceeds the limit of 1024" },
        { "utf8", "not valid UTF-8" },
        { "emptyTokens", "prompt of 0 tokens" },
        { "tooManyTokens", "prompt of 513 tokens" },
        { "tokenBits", "does not fit in a token id" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Rejects_malformed_input_with_a_reason(string kind, string expected)
    {
        byte[] input = kind switch
        {
            "short" => [0x01, 0x02],
            "selector" => [0xde, 0xad, 0xbe, 0xef, .. new byte[192]],
            "head" => CallData.Generate(Model, "x", 4)[..100],
            "maxNewHighBits" => Set(CallData.Generate(Model, "x", 4), 2, 4, 1),
            "seedHighBits" => Set(CallData.Generate(Model, "x", 4), 5, 20, 1),
            "maxNewZero" => CallData.Generate(Model, "x", 0),
            "maxNewTooMany" => CallData.Generate(Model, "x", 513),
            "temperature" => CallData.Generate(Model, "x", 4, (256u << 16) + 1),
            "topP" => CallData.Generate(Model, "x", 4, 0, 65537),
            "offset" => Set(CallData.Generate(Model, "x", 4), 1, 30, 0x10),
            "stringPastEnd" => CallData.Generate(Model, "hello", 4)[..^32],
            "stringTooLong" => CallData.Generate(Model, new string('a', 1025), 4),
            "utf8" => CallData.Encode(InferenceAbi.GenerateSignature, Model, [0xC3, 0x28], null, 4, 0, 0, 0),
            "emptyTokens" => CallData.GenerateFromTokens(Model, [], 4),
            "tooManyTokens" => CallData.GenerateFromTokens(Model, new uint[513], 4),
            "tokenBits" => CallData.GenerateFromTokens(Model, [1, 0x8000_0000], 4),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
        Assert.Null(InferenceAbi.TryDecode(input, out string? error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Longest_allowed_inputs_decode()
    {
        Assert.NotNull(InferenceAbi.TryDecode(CallData.Generate(Model, new string('a', InferenceLimits.MaxPromptBytes), 512), out _));
        Assert.NotNull(InferenceAbi.TryDecode(CallData.GenerateFromTokens(Model, new uint[InferenceLimits.MaxPromptTokens], 512, 256u << 16, 65536), out _));
    }

    [Fact]
    public void Every_truncation_fails_cleanly()
    {
        const string prompt = "a prompt that spans two words of the encoding....";
        byte[] text = CallData.Generate(Model, prompt, 4);
        byte[] tokens = CallData.GenerateFromTokens(Model, [1, 2, 3], 4);
        // Selector, six head words, the length word, then the bytes; the padding after them is not needed.
        int needed = 4 + (6 * 32) + 32 + prompt.Length;
        for (int length = 0; length < needed; length++)
        {
            Assert.Null(InferenceAbi.TryDecode(text.AsSpan(0, length), out string? error));
            Assert.NotNull(error);
        }

        Assert.Equal(prompt, InferenceAbi.TryDecode(text.AsSpan(0, needed), out _)!.PromptText);

        for (int length = 0; length < tokens.Length; length++)
        {
            Assert.Null(InferenceAbi.TryDecode(tokens.AsSpan(0, length), out _));
        }
    }

    [Fact]
    public void Result_encoding_is_the_solidity_abi_of_uint32_array_and_string()
    {
        byte[] output = InferenceAbi.EncodeResult([5, 7], "hi"u8);
        Assert.Equal(32 * 2 + 32 * 3 + 32 * 2, output.Length);
        Assert.Equal(CallData.Word(0x40), output[..32]);
        Assert.Equal(CallData.Word(0xa0), output[32..64]);
        Assert.Equal(CallData.Word(2), output[64..96]);
        Assert.Equal(CallData.Word(5), output[96..128]);
        Assert.Equal(CallData.Word(7), output[128..160]);
        Assert.Equal(CallData.Word(2), output[160..192]);
        Assert.Equal((byte)'h', output[192]);
        Assert.Equal((byte)'i', output[193]);
        Assert.All(output[194..], b => Assert.Equal(0, b));
        (int[] tokens, string text) = CallData.DecodeResult(output);
        Assert.Equal([5, 7], tokens);
        Assert.Equal("hi", text);
    }

    private static byte[] Set(byte[] input, int word, int byteInWord, byte value)
    {
        input[4 + (32 * word) + byteInWord] = value;
        return input;
    }
}
