using System.Text.RegularExpressions;

namespace Hyperion.Inference.Tests;

/// <summary>
/// The consensus (integer) path must never touch binary floating point: scan its source files for
/// floating-point types, literals and Math calls. Comments are stripped first so prose may mention them.
/// </summary>
public partial class IntegerPathPurityTests
{
    private static readonly string[] IntegerPathFolders = ["Numerics", "Model", "Engine", "Tokenization"];

    [GeneratedRegex(@"\b(float|double|Single|Double|Half|MathF|Math\.(Sqrt|Exp|Log|Pow|Sin|Cos|Tanh))\b|\b\d+\.\d*[fFdD]?\b|\b\d+[fFdD]\b")]
    private static partial Regex FloatUsage();

    [GeneratedRegex(@"//[^\n]*|/\*.*?\*/", RegexOptions.Singleline)]
    private static partial Regex Comments();

    [GeneratedRegex("\"(?:[^\"\\\\]|\\\\.)*\"")]
    private static partial Regex StringLiterals();

    [Fact]
    public void Integer_path_sources_use_no_floating_point()
    {
        string sourceRoot = Path.Combine(FindRepoRoot(), "src", "Hyperion.Inference");
        int scanned = 0;
        foreach (string folder in IntegerPathFolders)
        {
            foreach (string file in Directory.EnumerateFiles(Path.Combine(sourceRoot, folder), "*.cs", SearchOption.AllDirectories))
            {
                string code = StringLiterals().Replace(Comments().Replace(File.ReadAllText(file), ""), "\"\"");
                Match hit = FloatUsage().Match(code);
                Assert.False(hit.Success, $"{file}: floating point usage '{hit.Value}' in the integer consensus path");
                scanned++;
            }
        }
        Assert.True(scanned > 0, "no integer-path source files found to scan");
    }

    [Fact]
    public void Scanner_detects_floating_point()
    {
        Assert.Matches(FloatUsage(), "double x = 1;");
        Assert.Matches(FloatUsage(), "var y = 0.5f;");
        Assert.Matches(FloatUsage(), "Math.Sqrt(v)");
        Assert.DoesNotMatch(FloatUsage(), "ulong r = IntegerSqrt(v) >> 16;");
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Hyperion.slnx"))) return dir.FullName;
        }
        throw new DirectoryNotFoundException("Hyperion.slnx not found above " + AppContext.BaseDirectory);
    }
}
