using Hyperion.Inference.Import;
using Hyperion.Inference.Model;
using Hyperion.Inference.Reference;

namespace Hyperion.Inference.Tests;

internal static class TestModels
{
    public static readonly ModelConfig Tiny = new(64, 172, 2, 8, 4, 300, 64);

    private static readonly Lazy<QuantizedModel> TinyQuantized = new(() =>
        Quantizer.Quantize(RandomModels.Generate(Tiny, 3), RandomModels.SyntheticVocabulary(Tiny.VocabSize)));

    public static QuantizedModel TinyModel => TinyQuantized.Value;

    public static FloatModel TinyFloat(bool shared = true) => RandomModels.Generate(Tiny with { SharedClassifier = shared }, 3);

    public static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Hyperion.slnx"))) return dir.FullName;
        }

        throw new DirectoryNotFoundException("Hyperion.slnx not found above " + AppContext.BaseDirectory);
    }
}
