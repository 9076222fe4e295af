using System.Globalization;
using Tomlyn.Parsing;
using Tomlyn.Syntax;

namespace Hyperion.Cli.Configuration;

/// <summary>A configuration value read from the TOML file, as the text the option's parser takes, and where it was written.</summary>
internal sealed record ConfigValue(string Text, string Location);

/// <summary>Bad configuration: the message is one line naming the file and line, or the environment variable.</summary>
internal sealed class ConfigException(string message) : Exception(message);

/// <summary>
/// Reads a node's TOML configuration file: top-level <c>key = value</c> pairs, keys being option names without the
/// leading dashes (<c>port = 8545</c>, <c>rpc-gas-cap = 0</c>), and optionally a table per command (<c>[dev]</c>,
/// <c>[sequencer]</c>) whose keys override the top level for that command only, so one file can serve several.
/// </summary>
internal static class ConfigFile
{
    /// <summary>The values for <paramref name="command"/>, keyed by option name without dashes.</summary>
    /// <param name="path">The file.</param>
    /// <param name="command">The command being run.</param>
    /// <param name="keys">The keys <paramref name="command"/> accepts.</param>
    /// <param name="commands">The names of every command that reads a configuration file (their tables are allowed).</param>
    /// <exception cref="ConfigException">The file is unreadable, not TOML, or names a key or table no option has.</exception>
    public static IReadOnlyDictionary<string, ConfigValue> Read(string path, string command, IReadOnlySet<string> keys, IReadOnlySet<string> commands)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException($"--config {path}: {e.Message}");
        }

        return Parse(text, path, command, keys, commands);
    }

    /// <inheritdoc cref="Read"/>
    /// <param name="text">The file's text.</param>
    public static IReadOnlyDictionary<string, ConfigValue> Parse(string text, string path, string command, IReadOnlySet<string> keys, IReadOnlySet<string> commands)
    {
        DocumentSyntax document = SyntaxParser.Parse(text, path, validate: true);
        foreach (DiagnosticMessage message in document.Diagnostics)
        {
            if (message.Kind == DiagnosticMessageKind.Error)
            {
                throw new ConfigException($"{Location(path, message.Span)}: {message.Message}");
            }
        }

        var values = new Dictionary<string, ConfigValue>(StringComparer.Ordinal);
        Collect(document.KeyValues, path, command, keys, values);
        foreach (TableSyntaxBase table in document.Tables)
        {
            string name = table.Name?.ToString().Trim() ?? "";
            if (table is not TableSyntax || !commands.Contains(name))
            {
                throw new ConfigException(
                    $"{Location(path, table.Span)}: unknown table [{name}] (tables are named after a command: {string.Join(", ", commands.Order(StringComparer.Ordinal))})");
            }

            if (name == command)
            {
                Collect(table.Items.OfType<KeyValueSyntax>(), path, command, keys, values);
            }
        }

        return values;
    }

    private static void Collect(IEnumerable<KeyValueSyntax> pairs, string path, string command, IReadOnlySet<string> keys, Dictionary<string, ConfigValue> values)
    {
        foreach (KeyValueSyntax pair in pairs)
        {
            string key = pair.Key?.ToString().Trim().Trim('"') ?? "";
            string location = Location(path, pair.Span);
            if (!keys.Contains(key))
            {
                throw new ConfigException($"{location}: unknown key '{key}' (hyperion {command} has no --{key} option)");
            }

            string value = pair.Value switch
            {
                StringValueSyntax s => s.Value ?? "",
                IntegerValueSyntax i => i.Value.ToString(CultureInfo.InvariantCulture),
                BooleanValueSyntax b => b.Value ? "true" : "false",
                _ => throw new ConfigException($"{location}: {key} must be a string, an integer or a boolean"),
            };
            values[key] = new ConfigValue(value, location);
        }
    }

    private static string Location(string path, SourceSpan span) => string.Create(CultureInfo.InvariantCulture, $"{path}:{span.Start.Line + 1}");
}
