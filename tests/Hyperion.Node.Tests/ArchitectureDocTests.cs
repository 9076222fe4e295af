using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Hyperion.Node.Tests;

/// <summary>docs/architecture.md's project picture is the csproj reference graph, edge for edge, so the doc cannot rot.</summary>
public sealed partial class ArchitectureDocTests
{
    [Fact]
    public void The_project_graph_in_the_architecture_doc_matches_the_csproj_references()
    {
        string root = RepositoryRoot();
        var fromProjects = new SortedSet<string>(StringComparer.Ordinal);
        foreach (string csproj in Directory.GetFiles(Path.Combine(root, "src"), "*.csproj", SearchOption.AllDirectories))
        {
            string project = Path.GetFileNameWithoutExtension(csproj);
            foreach (XElement reference in XDocument.Load(csproj).Descendants("ProjectReference"))
            {
                string target = Path.GetFileNameWithoutExtension(reference.Attribute("Include")!.Value.Replace('\\', '/'));
                fromProjects.Add($"{project} --> {target}");
            }
        }

        string doc = File.ReadAllText(Path.Combine(root, "docs", "architecture.md"));
        Match mermaid = MermaidBlock().Match(doc);
        Assert.True(mermaid.Success, "docs/architecture.md has no ```mermaid block");
        var fromDoc = new SortedSet<string>(
            mermaid.Groups[1].Value.Split('\n').Select(line => line.Trim()).Where(line => line.Contains("-->", StringComparison.Ordinal))
                .Select(line => Regex.Replace(line, @"\s+", " ")),
            StringComparer.Ordinal);

        Assert.True(fromProjects.Count > 10, $"only {fromProjects.Count} project references found under {root}/src");
        Assert.Equal(string.Join('\n', fromProjects), string.Join('\n', fromDoc));
    }

    private static string RepositoryRoot()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Hyperion.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"no Hyperion.slnx above {AppContext.BaseDirectory}");
    }

    [GeneratedRegex(@"```mermaid\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex MermaidBlock();
}
