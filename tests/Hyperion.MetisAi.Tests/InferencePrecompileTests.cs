using Hyperion.Evm.Precompiles;
using Hyperion.Inference.Engine;
using Hyperion.Inference.Tokenization;

namespace Hyperion.MetisAi.Tests;

public sealed class InferencePrecompileTests : IDisposable
{
    private readonly ModelStore _store = ModelStore.Open(TestModel.Directory);

    public void Dispose() => _store.Dispose();

    private InferencePrecompile Precompile() => new(_store);

    private static FakeState Registered(uint macsPerGas = 64) => new FakeState().Register(TestModel.Hash, (ulong)TestModel.Size, macsPerGas);

    [Fact]
    public void Model_store_finds_the_file_by_content_hash()
    {
        ModelFile file = Assert.Single(_store.Files);
        Assert.Equal(TestModel.Hash, file.Hash);
        Assert.Equal(TestModel.Size, file.SizeBytes);
        Assert.True(_store.Contains(TestModel.Hash));
        Assert.Null(_store.TryGet(TestModel.Missing));
    }

    [Fact]
    public void Output_equals_the_generator_on_the_same_model()
    {
        byte[] input = CallData.Generate(TestModel.Hash, "Once upon a time", 20, 49152, 58982, 9);
        Assert.True(Precompile().TryRun(input, Registered(), out byte[] output));
        (int[] tokens, string text) = CallData.DecodeResult(output);

        var tokenizer = new Tokenizer(TestModel.Model.Vocabulary!);
        List<int> prompt = tokenizer.Encode("Once upon a time", bos: true, eos: false);
        using var transformer = new IntegerTransformer(TestModel.Model);
        GenerationResult expected = Generator.Run(transformer, new IntegerSampler(TestModel.Config.VocabSize, 49152, 58982, 9), prompt, 20, hashLogits: false);
        Assert.Equal(expected.Tokens, tokens);
        Assert.Equal(tokenizer.Decode(expected.Tokens, prompt[^1]), text);
        Assert.NotEmpty(tokens);
    }

    [Fact]
    public void Same_result_for_one_and_two_threads_and_on_reuse()
    {
        using ModelStore twoThreads = ModelStore.Open(TestModel.Directory, threads: 2);
        var one = new InferencePrecompile(_store);
        var two = new InferencePrecompile(twoThreads);
        FakeState state = Registered();
        foreach ((uint temperature, uint topP, ulong seed) in new[] { (0u, 0u, 0UL), (65536u, 0u, 1UL), (52429u, 58982u, 42UL), (131072u, 65536u, 7UL) })
        {
            byte[] input = CallData.GenerateFromTokens(TestModel.Hash, [1, 40, 41], 30, temperature, topP, seed);
            Assert.True(one.TryRun(input, state, out byte[] a));
            Assert.True(two.TryRun(input, state, out byte[] b));
            Assert.True(one.TryRun(input, state, out byte[] again)); // a pooled transformer, its KV cache rewritten
            Assert.Equal(a, b);
            Assert.Equal(a, again);
        }
    }

    [Fact]
    public void Gas_is_the_formula_for_the_most_positions_at_the_registered_rate()
    {
        byte[] input = CallData.GenerateFromTokens(TestModel.Hash, [1, 40, 41], 10);
        long expected = InferenceGas.ForPositions(TestModel.Config, 3 - 1 + 10, 64);
        Assert.Equal(expected, Precompile().RequiredGas(input, Registered()));
        Assert.Equal(InferenceGas.ForPositions(TestModel.Config, 12, 16), Precompile().RequiredGas(input, Registered(16)));
        // Past the context the charge stops at seqLen positions.
        byte[] long_ = CallData.GenerateFromTokens(TestModel.Hash, [1, 40, 41], 500);
        Assert.Equal(InferenceGas.ForPositions(TestModel.Config, TestModel.Config.SeqLen, 64), Precompile().RequiredGas(long_, Registered()));
    }

    [Fact]
    public void Unregistered_model_fails_the_call()
    {
        byte[] input = CallData.Generate(TestModel.Hash, "Once", 4);
        var empty = new FakeState();
        Assert.Equal(InferenceGas.BaseGas, Precompile().RequiredGas(input, empty));
        Assert.False(Precompile().TryRun(input, empty, out byte[] output));
        Assert.Equal($"inference precompile: model {TestModel.Hash} is not registered in {ModelRegistry.DefaultAddress}", Reason(output));
        Assert.Contains("is not registered", Precompile().Explain(input, empty), StringComparison.Ordinal);
        Assert.True(empty.Reads > 0);
    }

    [Fact]
    public void Registry_at_another_address_is_not_consulted()
    {
        var elsewhere = new InferencePrecompile(_store, Core.Address.Parse("0x00000000000000000000000000000000000000ff"));
        Assert.False(elsewhere.TryRun(CallData.Generate(TestModel.Hash, "Once", 4), Registered(), out _));
    }

    [Fact]
    public void Registered_but_missing_model_throws_unavailable_naming_the_hash()
    {
        byte[] input = CallData.Generate(TestModel.Missing, "Once", 4);
        FakeState state = new FakeState().Register(TestModel.Missing, 1000);
        var e = Assert.Throws<PrecompileUnavailableException>(() => Precompile().RequiredGas(input, state));
        Assert.Contains(TestModel.Missing.ToString(), e.Message, StringComparison.Ordinal);
        Assert.Contains("not in the model directory", e.Message, StringComparison.Ordinal);
        Assert.Throws<PrecompileUnavailableException>(() => Precompile().TryRun(input, state, out _));
    }

    [Fact]
    public void Registered_size_must_match_the_file()
    {
        FakeState state = new FakeState().Register(TestModel.Hash, (ulong)TestModel.Size + 1);
        byte[] input = CallData.Generate(TestModel.Hash, "Once", 4);
        Assert.False(Precompile().TryRun(input, state, out _));
        Assert.Contains("registered with", Precompile().Explain(input, state), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("context")]
    [InlineData("vocabulary")]
    [InlineData("textTokens")]
    public void Limits_fail_the_call(string kind)
    {
        byte[] input = kind switch
        {
            // 65 prompt tokens: longer than the 64-token context.
            "context" => CallData.GenerateFromTokens(TestModel.Hash, [.. Enumerable.Repeat(5u, 65)], 1),
            "vocabulary" => CallData.GenerateFromTokens(TestModel.Hash, [1, 300], 1),
            // Control characters are not in the synthetic vocabulary: byte fallback makes one token per byte.
            "textTokens" => CallData.Generate(TestModel.Hash, new string('\u0001', 600), 1),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
        Assert.Equal(InferenceGas.BaseGas, Precompile().RequiredGas(input, Registered()));
        Assert.False(Precompile().TryRun(input, Registered(), out byte[] output));
        string reason = Reason(output);
        Assert.Equal(InferencePrecompile.ReasonPrefix + Precompile().Explain(input, Registered()), reason);
        Assert.Contains(kind == "vocabulary" ? "outside the vocabulary" : "tokens", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Too_many_new_tokens_reverts_saying_so()
    {
        Assert.False(Precompile().TryRun(CallData.Generate(TestModel.Hash, "Once", 513), Registered(), out byte[] output));
        Assert.Equal("inference precompile: maxNewTokens 513 outside 1..512", Reason(output));
    }

    [Fact]
    public void Error_string_encoding_is_solidity_s()
    {
        // abi.encodeWithSignature("Error(string)", "no") from solc.
        Assert.Equal(
            "0x08c379a0" + "0000000000000000000000000000000000000000000000000000000000000020"
            + "0000000000000000000000000000000000000000000000000000000000000002"
            + "6e6f000000000000000000000000000000000000000000000000000000000000",
            Core.Hex.Encode(InferenceAbi.EncodeError("no")));
        Assert.Equal(4 + 64, InferenceAbi.EncodeError("").Length);
        Assert.Equal(4 + 64 + 32, InferenceAbi.EncodeError(new string('x', 32)).Length);
        Assert.Equal(4 + 64 + 64, InferenceAbi.EncodeError(new string('x', 33)).Length);
    }

    /// <summary>The message of Error(string) revert data.</summary>
    private static string Reason(byte[] output)
    {
        Assert.Equal(new byte[] { 0x08, 0xc3, 0x79, 0xa0 }, output[..4]);
        int length = (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(output.AsSpan(4 + 32 + 24, 8));
        return System.Text.Encoding.UTF8.GetString(output, 4 + 64, length);
    }

    [Fact]
    public void Without_state_the_precompile_fails_closed()
    {
        IPrecompile plain = Precompile();
        Assert.False(plain.TryRun(CallData.Generate(TestModel.Hash, "Once", 4), out byte[] output));
        Assert.Empty(output);
    }

    [Fact]
    public void A_file_that_is_not_a_model_fails_the_call_on_every_node()
    {
        string directory = TestModel.TempDirectory();
        byte[] garbage = [.. "HQM1 but not really"u8];
        File.WriteAllBytes(Path.Combine(directory, "bad.hqm"), garbage);
        using ModelStore store = ModelStore.Open(directory);
        Core.Hash256 hash = Core.Crypto.Keccak256.Hash(garbage);
        FakeState state = new FakeState().Register(hash, (ulong)garbage.Length);
        byte[] input = CallData.Generate(hash, "Once", 4);
        Assert.False(new InferencePrecompile(store).TryRun(input, state, out _));
        Assert.Contains("not a valid model", new InferencePrecompile(store).Explain(input, state), StringComparison.Ordinal);
    }
}
