using System.Diagnostics;
using Hyperion.Core.Crypto;
using Hyperion.Inference.Engine;
using Hyperion.Inference.Import;
using Hyperion.Inference.Model;
using Hyperion.Inference.Numerics;
using Hyperion.Inference.Tokenization;

namespace Hyperion.Inference.Tests;

/// <summary>
/// Pinned outputs of seeded random models: any change to the integer arithmetic, the tables, the quantizer, the
/// format or the sampler changes these hashes. Update them only for an intended consensus change.
/// </summary>
public class GoldenTests
{
    private const string TinyModelHash = "0x433e1d1c17af56aea1478db27cd957ff83cf22616e8e36f7036680f1e6d6ec2f";
    private const string GreedyTokens = "119 119 119 119 119 119 119 119 119 119 119 119 119 119 119 119 119 119 119 119 119 119 119 119";
    private const string GreedyLogitsHash = "841f07918829ee32719743f405451acded212560be8610bfb1a6ee3214197d3d";
    private const string SampledTokens = "119 119 119 119 119 119 119 119 119 119 119 119 119 119 119 119 25 25 25 25 25 25 25 25";
    private const string SampledLogitsHash = "c860e2cd14103ded87a21a78ca87f6afe9e7b9acece36f7e41c34806b09023ec";

    internal static (string Tokens, string LogitsHash) Generate(QuantizedModel model, int threads, int temperatureQ16, int topPQ16, ulong seed,
        long minParallelMacs = 0)
    {
        var tokenizer = new Tokenizer(model.Vocabulary!);
        using var transformer = new IntegerTransformer(model, threads, minParallelMacs);
        var sampler = new IntegerSampler(model.Config.VocabSize, temperatureQ16, topPQ16, seed);
        GenerationResult result = Generator.Run(transformer, sampler, tokenizer.Encode("the cat", bos: true, eos: false), 24, hashLogits: true);
        return (string.Join(' ', result.Tokens), Convert.ToHexStringLower(result.LogitsHash!));
    }

    [Fact]
    public void Tiny_model_hash_is_pinned() => Assert.Equal(TinyModelHash, HqmFormat.ContentHash(TestModels.TinyModel).ToString());

    [Fact]
    public void Greedy_generation_is_pinned()
    {
        (string tokens, string hash) = Generate(TestModels.TinyModel, 1, 0, 0, 0);
        Assert.Equal(GreedyTokens, tokens);
        Assert.Equal(GreedyLogitsHash, hash);
    }

    [Fact]
    public void Sampled_generation_is_pinned()
    {
        (string tokens, string hash) = Generate(TestModels.TinyModel, 1, FixedPoint.ParseDecimalQ16("0.8"), FixedPoint.ParseDecimalQ16("0.9"), 7);
        Assert.Equal(SampledTokens, tokens);
        Assert.Equal(SampledLogitsHash, hash);
    }

    [Fact]
    public void Threads_do_not_change_bits()
    {
        var one = Generate(TestModels.TinyModel, 1, FixedPoint.ParseDecimalQ16("1"), 0, 3);
        // 2 and 3 split the 4 KV heads evenly and unevenly; 5 leaves one part without a head.
        foreach (int threads in new[] { 2, 3, 5 })
            Assert.Equal(one, Generate(TestModels.TinyModel, threads, FixedPoint.ParseDecimalQ16("1"), 0, 3));
        // With the default threshold the tiny model's stages all run on the calling thread: same bits again.
        Assert.Equal(one, Generate(TestModels.TinyModel, 2, FixedPoint.ParseDecimalQ16("1"), 0, 3, IntegerTransformer.DefaultMinParallelMacs));
    }

    [Fact]
    public void Kernel_paths_agree_on_random_dot_products()
    {
        // The scalar reference Σ w·x against whichever SIMD path this machine takes.
        var rng = new DeterministicRng(99);
        var w = new sbyte[256];
        var x = new short[256];
        for (int trial = 0; trial < 200; trial++)
        {
            int expected = 0;
            for (int i = 0; i < 256; i++)
            {
                w[i] = (sbyte)((int)(rng.NextUInt64() % 255) - 127);
                x[i] = (short)((int)(rng.NextUInt64() % 255) - 127);
                expected += w[i] * x[i];
            }

            unsafe
            {
                fixed (sbyte* wp = w)
                fixed (short* xp = x)
                    Assert.Equal(expected, Int8Kernels.Dot(wp, xp, 256));
            }
        }
    }
}

/// <summary>
/// The CLI in subprocesses under different JIT settings (no AVX2; no hardware intrinsics at all) and thread
/// counts must print identical tokens, text and logits hash.
/// </summary>
public class DeterminismTests
{
    private static string CliPath()
    {
        string configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}debug", StringComparison.OrdinalIgnoreCase) ? "debug" : "release";
        string path = Path.Combine(TestModels.RepoRoot(), "artifacts", "bin", "Hyperion.Cli", configuration, "hyperion.dll");
        Assert.True(File.Exists(path), $"CLI not built at {path}");
        return path;
    }

    private static string Run(string modelPath, int threads, params (string Name, string Value)[] environment)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in new[] { "exec", CliPath(), "infer", "--model", modelPath, "--prompt", "the cat", "--max-tokens", "24",
                     "--temperature", "0.8", "--top-p", "0.9", "--seed", "7", "--hash-logits", "--threads", threads.ToString() })
            start.ArgumentList.Add(a);
        foreach ((string name, string value) in environment) start.Environment[name] = value;
        using Process process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd();
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"hyperion infer failed ({process.ExitCode}): {error}");
        string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, lines.Length);
        Assert.Contains("tokens/s", lines[3]);
        return string.Join('\n', lines[..3]); // ids, text, logits hash (the timing line differs run to run)
    }

    [Fact]
    public void Cli_output_is_identical_across_simd_settings_and_threads()
    {
        string modelPath = Path.Combine(Path.GetTempPath(), $"hyperion-determinism-{Environment.ProcessId}.hqm");
        File.WriteAllBytes(modelPath, HqmFormat.Serialize(TestModels.TinyModel));
        try
        {
            string baseline = Run(modelPath, 1);
            (string tokens, string hash) = GoldenTests.Generate(TestModels.TinyModel, 1, FixedPoint.ParseDecimalQ16("0.8"), FixedPoint.ParseDecimalQ16("0.9"), 7);
            Assert.StartsWith(tokens + "\n", baseline);
            Assert.EndsWith("0x" + hash, baseline);
            Assert.Equal(baseline, Run(modelPath, 2));
            Assert.Equal(baseline, Run(modelPath, 1, ("DOTNET_EnableAVX2", "0")));
            Assert.Equal(baseline, Run(modelPath, 2, ("DOTNET_EnableHWIntrinsic", "0")));
        }
        finally
        {
            File.Delete(modelPath);
        }
    }
}
