using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Hyperion.Inference.Engine;
using Hyperion.Inference.Import;
using Hyperion.Inference.Numerics;
using Hyperion.Inference.Reference;
using Hyperion.Inference.Tokenization;

namespace Hyperion.Cli.Commands;

/// <summary><c>hyperion infer</c>: generate tokens with the deterministic integer engine (or the float reference).</summary>
internal static class InferCommand
{
    public static Command Create()
    {
        var model = new Option<FileInfo>("--model") { Description = "Model file (HQM, llama2.c .bin, or .gguf).", Required = true };
        var tokenizer = new Option<FileInfo?>("--tokenizer") { Description = "llama2.c tokenizer.bin (overrides a vocabulary embedded in the model)." };
        var prompt = new Option<string>("--prompt") { Description = "Prompt text.", DefaultValueFactory = _ => "" };
        var maxTokens = new Option<int>("--max-tokens") { Description = "Tokens to generate after the prompt.", DefaultValueFactory = _ => 64 };
        var seed = new Option<ulong>("--seed") { Description = "Sampling seed.", DefaultValueFactory = _ => 0 };
        var temperature = new Option<string>("--temperature") { Description = "Temperature as a decimal (0 = greedy).", DefaultValueFactory = _ => "0" };
        var topP = new Option<string>("--top-p") { Description = "Top-p nucleus as a decimal (1 = off).", DefaultValueFactory = _ => "0.9" };
        var useFloat = new Option<bool>("--float") { Description = "Use the float reference path (off-chain, not deterministic across machines)." };
        var threads = new Option<int>("--threads") { Description = "Worker threads for the integer matmuls (output bits do not depend on it).", DefaultValueFactory = _ => 1 };
        var hashLogits = new Option<bool>("--hash-logits") { Description = "Also print a keccak-256 chain over every step's logits (integer path)." };
        var command = new Command("infer", "Generate text; prints token ids, the text, then tokens/s.")
        {
            model, tokenizer, prompt, maxTokens, seed, temperature, topP, useFloat, threads, hashLogits,
        };
        command.SetAction(parse => CliErrors.Guard("infer", () =>
        {
            int temperatureQ16 = FixedPoint.ParseDecimalQ16(parse.GetValue(temperature)!);
            int topPQ16 = FixedPoint.ParseDecimalQ16(parse.GetValue(topP)!);
            int max = parse.GetValue(maxTokens);
            if (max < 0) throw new ArgumentException("--max-tokens must be ≥ 0");
            int threadCount = parse.GetValue(threads);
            if (threadCount is < 1 or > 64) throw new ArgumentException("--threads must be in 1..64");
            LoadedModel loaded = ModelLoader.Load(parse.GetValue(model)!.FullName, parse.GetValue(tokenizer)?.FullName);
            Vocabulary? vocabulary = loaded.Quantized.Vocabulary;
            Tokenizer? tok = vocabulary is null ? null : new Tokenizer(vocabulary);
            string text = parse.GetValue(prompt)!;
            if (tok is null && text.Length > 0) throw new ArgumentException("the model has no vocabulary: pass --tokenizer to encode a prompt");
            List<int> promptTokens = tok?.Encode(text, bos: true, eos: false) ?? [Tokenizer.Bos];
            ulong sampleSeed = parse.GetValue(seed);

            var stopwatch = Stopwatch.StartNew();
            TimeSpan cpuStart = Process.GetCurrentProcess().TotalProcessorTime;
            IReadOnlyList<int> generated;
            byte[]? logitsHash = null;
            int steps;
            if (parse.GetValue(useFloat))
            {
                (generated, steps) = RunFloat(loaded.Float, promptTokens, max, temperatureQ16, topPQ16, sampleSeed);
            }
            else
            {
                using var transformer = new IntegerTransformer(loaded.Quantized, threadCount);
                var sampler = new IntegerSampler(loaded.Quantized.Config.VocabSize, temperatureQ16, topPQ16, sampleSeed);
                // Exclude table and buffer set-up, and the collection of the loader's garbage (the file bytes, the float
                // weights) that would otherwise run on a background GC thread inside the measured window.
                GC.Collect();
                GC.WaitForPendingFinalizers();
                stopwatch.Restart();
                cpuStart = Process.GetCurrentProcess().TotalProcessorTime;
                GenerationResult result = Generator.Run(transformer, sampler, promptTokens, max, parse.GetValue(hashLogits));
                (generated, logitsHash, steps) = (result.Tokens, result.LogitsHash, result.Steps);
            }

            double seconds = stopwatch.Elapsed.TotalSeconds;
            // CPU seconds of all threads: on a shared, oversubscribed machine wall time mostly measures waiting.
            double cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpuStart).TotalSeconds;
            Console.WriteLine(string.Join(' ', generated.Select(t => t.ToString(CultureInfo.InvariantCulture))));
            Console.WriteLine(tok is null ? "(no vocabulary)" : tok.Decode(generated, promptTokens[^1]));
            if (logitsHash is not null) Console.WriteLine($"logits keccak-256 0x{Convert.ToHexStringLower(logitsHash)}");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{steps / seconds:F1} tokens/s ({steps} forward passes in {seconds:F3} s wall, {cpuSeconds:F3} s CPU = {steps / Math.Max(cpuSeconds, 1e-9):F1} tokens per CPU-second; {(parse.GetValue(useFloat) ? "float" : $"integer/{Int8Kernels.ActivePath}, {threadCount} thread(s)")})"));
            return 0;
        }));
        return command;
    }

    private static (IReadOnlyList<int> Tokens, int Steps) RunFloat(FloatModel model, List<int> prompt, int maxTokens, int temperatureQ16, int topPQ16, ulong seed)
    {
        var transformer = new FloatTransformer(model);
        var sampler = new FloatSampler(model.Config.VocabSize, temperatureQ16 / 65536f, topPQ16 / 65536f, seed);
        int limit = Math.Min(model.Config.SeqLen, prompt.Count - 1 + maxTokens);
        var generated = new List<int>();
        int token = prompt[0], steps = 0;
        for (int pos = 0; pos < limit; pos++)
        {
            ReadOnlySpan<float> logits = transformer.Forward(token, pos);
            steps++;
            if (pos + 1 < prompt.Count)
            {
                token = prompt[pos + 1];
                continue;
            }

            token = sampler.Sample(logits);
            if (token == Tokenizer.Bos) break;
            generated.Add(token);
        }

        return (generated, steps);
    }
}
