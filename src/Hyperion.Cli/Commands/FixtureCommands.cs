using System.Text.Json;
using System.Text.RegularExpressions;
using Hyperion.Evm;
using Hyperion.Execution.Specs;
using Hyperion.Execution.StateTests;

namespace Hyperion.Cli.Commands;

/// <summary>What the fixture-running commands (statetest, blocktest) share: option parsing, file lists, the report.</summary>
internal static class FixtureCommands
{
    /// <summary>One reported case: its status, the line printed when it fails, and its JSON form.</summary>
    public readonly record struct Row(StateTestStatus Status, string FailureLine, object Json);

    /// <summary>Parses --fork and --run; false (after printing why) when either is invalid.</summary>
    public static bool TryParseOptions(string command, string? forkName, string? pattern, out Fork? fork, out Regex? filter)
    {
        fork = null;
        filter = null;
        if (forkName is not null)
        {
            if (!Hardforks.TryParseFixtureName(forkName, out Hardfork named) || Hardforks.EvmRules(named) is not { } parsed)
            {
                Console.Error.WriteLine($"hyperion {command}: unsupported fork '{forkName}' ({Hardforks.SupportedNames})");
                return false;
            }

            fork = parsed;
        }

        try
        {
            filter = pattern is null ? null : new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"hyperion {command}: --run: {e.Message}");
            return false;
        }

        return true;
    }

    /// <summary>Files as given and directories' *.json files (recursive, ordinal order); null (after printing why) when a path does not exist.</summary>
    public static List<string>? Collect(string[] paths, string command)
    {
        var files = new List<string>();
        foreach (string path in paths)
        {
            if (File.Exists(path))
            {
                files.Add(path);
            }
            else if (Directory.Exists(path))
            {
                string[] found = Directory.GetFiles(path, "*.json", SearchOption.AllDirectories);
                Array.Sort(found, StringComparer.Ordinal);
                files.AddRange(found);
            }
            else
            {
                Console.Error.WriteLine($"hyperion {command}: {path}: no such file or directory");
                return null;
            }
        }

        return files;
    }

    /// <summary>Prints failing rows (or every row as JSON) in order and the totals; the exit code (1 when any failed).</summary>
    public static int Report(IEnumerable<Row> rows, bool json)
    {
        int passed = 0, failed = 0, skipped = 0;
        foreach (Row row in rows)
        {
            switch (row.Status)
            {
                case StateTestStatus.Passed: passed++; break;
                case StateTestStatus.Failed: failed++; break;
                default: skipped++; break;
            }

            if (json)
            {
                Console.WriteLine(JsonSerializer.Serialize(row.Json));
            }
            else if (row.Status == StateTestStatus.Failed)
            {
                Console.WriteLine(row.FailureLine);
            }
        }

        Console.WriteLine(json ? JsonSerializer.Serialize(new { passed, failed, skipped }) : $"{passed} passed, {failed} failed, {skipped} skipped");
        return failed == 0 ? 0 : 1;
    }
}
