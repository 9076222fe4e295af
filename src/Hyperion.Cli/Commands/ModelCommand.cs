using System.CommandLine;
using Hyperion.Inference.Import;
using Hyperion.Inference.Model;

namespace Hyperion.Cli.Commands;

/// <summary><c>hyperion model random|info</c>: create seeded random models and inspect model files.</summary>
internal static class ModelCommand
{
    public static Command Create()
    {
        var command = new Command("model", "Create and inspect inference models (HQM, llama2.c, GGUF).");
        command.Subcommands.Add(Random());
        command.Subcommands.Add(Info());
        return command;
    }

    private static Command Random()
    {
        var shape = new Option<string>("--shape") { Description = "stories260K (vocab 512) or stories15M (vocab 32000).", Required = true };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the weights.", DefaultValueFactory = _ => 1 };
        var output = new Option<FileInfo>("--out") { Description = "Output HQM file (int8 model with its synthetic vocabulary).", Required = true };
        var llama2c = new Option<FileInfo?>("--llama2c-out") { Description = "Also write the float weights as a llama2.c v1 checkpoint (and tokenizer.bin beside it)." };
        var command = new Command("random", "Write a seeded random model of a tinyllamas shape.") { shape, seed, output, llama2c };
        command.SetAction(parse => CliErrors.Guard("model random", () =>
        {
            ModelConfig config = RandomModels.Shape(parse.GetValue(shape)!);
            var model = RandomModels.Generate(config, parse.GetValue(seed));
            var vocabulary = RandomModels.SyntheticVocabulary(config.VocabSize);
            QuantizedModel quantized = Quantizer.Quantize(model, vocabulary);
            byte[] bytes = HqmFormat.Serialize(quantized);
            File.WriteAllBytes(parse.GetValue(output)!.FullName, bytes);
            Console.WriteLine($"wrote {parse.GetValue(output)!.FullName} ({bytes.Length} bytes), content hash {Hyperion.Core.Crypto.Keccak256.Hash(bytes)}");
            if (parse.GetValue(llama2c) is { } floatOut)
            {
                File.WriteAllBytes(floatOut.FullName, Llama2cCheckpoint.WriteVersion1(model));
                string tokenizerPath = Path.Combine(floatOut.DirectoryName ?? ".", "tokenizer.bin");
                File.WriteAllBytes(tokenizerPath, vocabulary.ToLlama2cBytes());
                Console.WriteLine($"wrote {floatOut.FullName} and {tokenizerPath}");
            }

            return 0;
        }));
        return command;
    }

    private static Command Info()
    {
        var file = new Argument<FileInfo>("file") { Description = "Model file (HQM, llama2.c .bin, or .gguf)." };
        var command = new Command("info", "Architecture, tensor types and content hash of a model file.") { file };
        command.SetAction(parse => CliErrors.Guard("model info", () =>
        {
            LoadedModel loaded = ModelLoader.Load(parse.GetValue(file)!.FullName);
            ModelConfig c = loaded.Quantized.Config;
            Console.WriteLine($"format            {loaded.Format}");
            Console.WriteLine("architecture      llama");
            Console.WriteLine($"dim               {c.Dim}");
            Console.WriteLine($"hidden dim        {c.HiddenDim}");
            Console.WriteLine($"layers            {c.Layers}");
            Console.WriteLine($"heads / kv heads  {c.Heads} / {c.KvHeads}");
            Console.WriteLine($"vocab             {c.VocabSize}");
            Console.WriteLine($"context           {c.SeqLen}");
            Console.WriteLine($"shared classifier {(c.SharedClassifier ? "yes" : "no")}");
            Console.WriteLine($"rope theta        {c.RopeTheta}");
            Console.WriteLine($"tensor types      {loaded.TensorTypes}");
            Console.WriteLine($"vocabulary        {(loaded.Quantized.Vocabulary is null ? "none" : "embedded")}");
            Console.WriteLine($"content hash      {HqmFormat.ContentHash(loaded.Quantized)} (keccak-256 of the canonical HQM int8 model)");
            return 0;
        }));
        return command;
    }
}

/// <summary>Turns bad input (malformed files, bad arguments) into a one-line error and exit code 1.</summary>
internal static class CliErrors
{
    public static int Guard(string command, Func<int> action)
    {
        try
        {
            return action();
        }
        catch (Exception e) when (e is InvalidDataException or IOException or ArgumentException or FormatException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"hyperion {command}: {e.Message}");
            return 1;
        }
    }
}
