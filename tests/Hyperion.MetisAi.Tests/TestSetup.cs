using System.Buffers.Binary;
using System.Text;
using Hyperion.Core;
using Hyperion.Core.Crypto;
using Hyperion.Evm.Precompiles;
using Hyperion.Inference.Import;
using Hyperion.Inference.Model;

namespace Hyperion.MetisAi.Tests;

/// <summary>A small seeded random model written to a model directory once per test run.</summary>
internal static class TestModel
{
    /// <summary>stories260K's layer shape with 2 layers, a 300-token vocabulary and a 64-token context: fast, still GQA.</summary>
    public static readonly ModelConfig Config = new(64, 172, 2, 8, 4, 300, 64);

    private static readonly Lazy<(string Directory, Hash256 Hash, long Size, QuantizedModel Model)> Written = new(() =>
    {
        QuantizedModel model = Quantizer.Quantize(RandomModels.Generate(Config, 21), RandomModels.SyntheticVocabulary(Config.VocabSize));
        byte[] bytes = HqmFormat.Serialize(model);
        string directory = TempDirectory();
        File.WriteAllBytes(Path.Combine(directory, "tiny.hqm"), bytes);
        return (directory, Keccak256.Hash(bytes), bytes.LongLength, model);
    });

    public static string Directory => Written.Value.Directory;

    public static Hash256 Hash => Written.Value.Hash;

    public static long Size => Written.Value.Size;

    public static QuantizedModel Model => Written.Value.Model;

    /// <summary>A hash no file has.</summary>
    public static readonly Hash256 Missing = Keccak256.Hash(Encoding.ASCII.GetBytes("no such model"));

    public static string TempDirectory()
    {
        string path = Path.Combine(Path.GetTempPath(), "hyperion-metisai-tests-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(path);
        return path;
    }
}

/// <summary>Registry storage without an EVM: slot values by (address, key).</summary>
internal sealed class FakeState : IPrecompileContext
{
    private readonly Dictionary<(Address, UInt256), UInt256> _slots = [];

    public int Reads { get; private set; }

    public FakeState Register(Hash256 model, ulong size, uint macsPerGas = 64)
    {
        _slots[(ModelRegistry.DefaultAddress, ModelRegistry.EntrySlot(model))] = ModelRegistry.Pack(new RegisteredModel(size, macsPerGas));
        return this;
    }

    public UInt256 GetStorage(in Address address, in UInt256 key)
    {
        Reads++;
        return _slots.TryGetValue((address, key), out UInt256 value) ? value : UInt256.Zero;
    }
}

/// <summary>Builds precompile input the way solc's abi.encodeCall does, independently of <see cref="InferenceAbi"/>.</summary>
internal static class CallData
{
    public static byte[] Generate(Hash256 model, string prompt, uint maxNew, uint temperatureQ16 = 0, uint topPQ16 = 0, ulong seed = 0) =>
        Encode(InferenceAbi.GenerateSignature, model, Encoding.UTF8.GetBytes(prompt), null, maxNew, temperatureQ16, topPQ16, seed);

    public static byte[] GenerateFromTokens(Hash256 model, uint[] prompt, uint maxNew, uint temperatureQ16 = 0, uint topPQ16 = 0, ulong seed = 0) =>
        Encode(InferenceAbi.GenerateFromTokensSignature, model, null, prompt, maxNew, temperatureQ16, topPQ16, seed);

    public static byte[] Encode(string signature, Hash256 model, byte[]? text, uint[]? tokens, uint maxNew, uint temperatureQ16, uint topPQ16, ulong seed)
    {
        var words = new List<byte[]>
        {
            model.Bytes.ToArray(),
            Word(6 * 32),
            Word(maxNew),
            Word(temperatureQ16),
            Word(topPQ16),
            Word(seed),
        };
        if (text is not null)
        {
            words.Add(Word((ulong)text.Length));
            for (int i = 0; i < text.Length; i += 32)
            {
                var chunk = new byte[32];
                text.AsSpan(i, Math.Min(32, text.Length - i)).CopyTo(chunk);
                words.Add(chunk);
            }
        }
        else
        {
            words.Add(Word((ulong)tokens!.Length));
            words.AddRange(tokens.Select(t => Word(t)));
        }

        byte[] selector = Keccak256.Hash(Encoding.ASCII.GetBytes(signature)).Bytes[..4].ToArray();
        return [.. selector, .. words.SelectMany(w => w)];
    }

    public static byte[] Word(ulong value)
    {
        var word = new byte[32];
        BinaryPrimitives.WriteUInt64BigEndian(word.AsSpan(24), value);
        return word;
    }

    /// <summary>Decodes <c>(uint32[] tokens, string text)</c>.</summary>
    public static (int[] Tokens, string Text) DecodeResult(byte[] output)
    {
        int tokensAt = (int)BinaryPrimitives.ReadUInt64BigEndian(output.AsSpan(24, 8));
        int textAt = (int)BinaryPrimitives.ReadUInt64BigEndian(output.AsSpan(56, 8));
        int count = (int)BinaryPrimitives.ReadUInt64BigEndian(output.AsSpan(tokensAt + 24, 8));
        int[] tokens = [.. Enumerable.Range(0, count).Select(i => (int)BinaryPrimitives.ReadUInt64BigEndian(output.AsSpan(tokensAt + 32 + (32 * i) + 24, 8)))];
        int length = (int)BinaryPrimitives.ReadUInt64BigEndian(output.AsSpan(textAt + 24, 8));
        return (tokens, Encoding.UTF8.GetString(output, textAt + 32, length));
    }
}
