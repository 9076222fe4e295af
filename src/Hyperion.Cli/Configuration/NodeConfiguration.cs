using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Text;

namespace Hyperion.Cli.Configuration;

/// <summary>
/// Where the options of the node commands (<c>dev</c>, <c>node</c>, <c>sequencer</c>) get their values, first match
/// wins: the command line, then a <c>HYPERION_*</c> environment variable, then the <c>--config</c> TOML file, then the
/// option's default. One mapping for every option of every configurable command: option <c>--rpc-gas-cap</c> is
/// variable <c>HYPERION_RPC_GAS_CAP</c> and file key <c>rpc-gas-cap</c>. Values from the environment and the file are
/// handed to the command line parser as if typed, so they are checked exactly as flags are.
/// </summary>
internal static class NodeConfiguration
{
    public const string ConfigOptionName = "--config";

    /// <summary>Names the configuration file when <c>--config</c> is not given.</summary>
    public const string ConfigVariable = "HYPERION_CONFIG";

    private const string CommandLine = "command line";
    private const string Default = "default";

    /// <summary>Gives <paramref name="command"/> a <c>--config</c> option and the environment and file sources.</summary>
    public static Command Configurable(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Options.Add(new Option<FileInfo?>(ConfigOptionName)
        {
            Description = $"TOML file of option values, keys named as the options without -- (default: ${ConfigVariable}). " +
                "Precedence: flag > HYPERION_<OPTION> environment variable > file > default (docs/operating.md).",
        });
        return command;
    }

    public static bool IsConfigurable(Command command) => command.Options.Any(o => o.Name == ConfigOptionName);

    /// <summary>The file key of <paramref name="option"/>: its name without the dashes.</summary>
    public static string Key(Option option) => option.Name.TrimStart('-');

    /// <summary>The environment variable of <paramref name="option"/>: <c>--rpc-gas-cap</c> is <c>HYPERION_RPC_GAS_CAP</c>.</summary>
    public static string EnvironmentVariable(Option option) => "HYPERION_" + Key(option).Replace('-', '_').ToUpperInvariant();

    /// <summary>The options a file or the environment may set: all but --config and help.</summary>
    public static IEnumerable<Option> Settable(Command command) => command.Options.Where(o => o.Name != ConfigOptionName && o is not HelpOption);

    /// <summary>
    /// Parses <paramref name="args"/> with the values of the environment and the configuration file added for the
    /// options the command line leaves out.
    /// </summary>
    /// <exception cref="ConfigException">The file or a value from it or from the environment is bad.</exception>
    public static ResolvedConfiguration Parse(RootCommand root, IReadOnlyList<string> args, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(environment);
        ParseResult first = root.Parse(args);
        Command command = first.CommandResult.Command;
        var sources = new Dictionary<Option, string>();
        if (!IsConfigurable(command))
        {
            return new ResolvedConfiguration(first, command, sources);
        }

        Option configOption = command.Options.First(o => o.Name == ConfigOptionName);
        string? file = first.GetResult(configOption) is { Implicit: false, Tokens: [var token, ..] } ? token.Value : NonEmpty(environment(ConfigVariable));
        IReadOnlyDictionary<string, ConfigValue> values = file is null
            ? new Dictionary<string, ConfigValue>()
            : ConfigFile.Read(file, command.Name, Settable(command).Select(Key).ToHashSet(StringComparer.Ordinal), ConfigurableCommandNames(root));

        var added = new List<string>();
        foreach (Option option in Settable(command))
        {
            if (first.GetResult(option) is { Implicit: false })
            {
                sources[option] = CommandLine;
                continue;
            }

            string variable = EnvironmentVariable(option);
            (string? text, string source) = NonEmpty(environment(variable)) is string fromEnvironment
                ? (fromEnvironment, variable)
                : values.TryGetValue(Key(option), out ConfigValue? fromFile) ? (fromFile.Text, fromFile.Location) : (null, Default);
            sources[option] = source;
            if (text is not null)
            {
                added.Add(option.Name);
                added.Add(text);
            }
        }

        if (added.Count == 0)
        {
            return new ResolvedConfiguration(first, command, sources);
        }

        // Before a "--" (after it every token is an argument).
        var combined = args.ToList();
        int separator = combined.IndexOf("--");
        combined.InsertRange(separator < 0 ? combined.Count : separator, added);
        ParseResult parse = root.Parse(combined);
        foreach (ParseError error in parse.Errors)
        {
            if (error.SymbolResult is OptionResult { Option: var option } && sources.TryGetValue(option, out string? source) && source is not (CommandLine or Default))
            {
                throw new ConfigException($"{source}: {OneLine(error.Message)}");
            }
        }

        return new ResolvedConfiguration(parse, command, sources);
    }

    /// <summary>The command line parsed with the configuration sources; a bad configuration is one line on stderr and exit code 1.</summary>
    public static int Invoke(RootCommand root, string[] args)
    {
        ResolvedConfiguration resolved;
        try
        {
            resolved = Parse(root, args, Environment.GetEnvironmentVariable);
        }
        catch (ConfigException e)
        {
            Console.Error.WriteLine($"hyperion {root.Parse(args).CommandResult.Command.Name}: {e.Message}");
            return 1;
        }

        // A node command's bad flag is one line (not the help page): the operator's log shows what was wrong.
        if (IsConfigurable(resolved.Command) && resolved.Parse.Errors.Count > 0 && resolved.Parse.GetResult(resolved.Command) is not null
            && !args.Any(a => a is "-h" or "--help" or "-?"))
        {
            foreach (ParseError error in resolved.Parse.Errors)
            {
                Console.Error.WriteLine($"hyperion {resolved.Command.Name}: {OneLine(error.Message)} (--help lists the options)");
            }

            return 1;
        }

        return resolved.Parse.Invoke(new InvocationConfiguration { ProcessTerminationTimeout = StopTimeout });
    }

    /// <summary>
    /// How long a command asked to stop (SIGTERM, Ctrl-C) has before System.CommandLine returns 130/143 without it, and
    /// the process exits under it (its default is 2 s). The devnet needs the time to stop its children one by one (10 s
    /// grace each), else they are left running; 90 s is systemd's default stop timeout.
    /// </summary>
    internal static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(90);

    private static HashSet<string> ConfigurableCommandNames(RootCommand root) =>
        root.Subcommands.Where(IsConfigurable).Select(c => c.Name).ToHashSet(StringComparer.Ordinal);

    private static string? NonEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    /// <summary>The parser's message on one line (some list the allowed values one per line).</summary>
    internal static string OneLine(string message) => string.Join(' ', message.Split((char[])['\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}

/// <summary>A parsed command line with, for each option, where its value came from.</summary>
internal sealed record ResolvedConfiguration(ParseResult Parse, Command Command, IReadOnlyDictionary<Option, string> Sources)
{
    /// <summary>The effective configuration as a TOML file that <c>--config</c> reads back, each value commented with its source.</summary>
    public string ToToml()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"# hyperion {Command.Name}: effective configuration (flag > HYPERION_* environment > --config file > default)\n");
        foreach (Option option in NodeConfiguration.Settable(Command))
        {
            string key = NodeConfiguration.Key(option);
            string source = Sources.TryGetValue(option, out string? s) ? s : "default";
            object? value = Value(option);
            if (value is null)
            {
                string required = option.Required ? "required; " : "";
                text.Append(CultureInfo.InvariantCulture, $"# {key} is not set ({required}{NodeConfiguration.EnvironmentVariable(option)})\n");
            }
            else if (key.EndsWith("-key", StringComparison.Ordinal))
            {
                text.Append(CultureInfo.InvariantCulture, $"# {key} is set (from {source}; a secret, not shown)\n");
            }
            else
            {
                text.Append(CultureInfo.InvariantCulture, $"{key} = {TomlValue(value)}  # {source}\n");
            }
        }

        return text.ToString();
    }

    /// <summary>The option's value; null when it has none (a required option left out has none either).</summary>
    private object? Value(Option option)
    {
        if (Parse.GetResult(option) is not OptionResult result)
        {
            return option.HasDefaultValue ? option.GetDefaultValue() : null;
        }

        try
        {
            return result.GetValueOrDefault<object?>();
        }
        catch (InvalidOperationException)
        {
            return null; // a required option nothing gave
        }
    }

    private static string TomlValue(object value) => value switch
    {
        bool b => b ? "true" : "false",
        ulong u when u > long.MaxValue => Quote(u.ToString(CultureInfo.InvariantCulture)),
        int or long or ulong or uint => Convert.ToString(value, CultureInfo.InvariantCulture)!,
        FileSystemInfo f => Quote(f.FullName),
        _ => Quote(Convert.ToString(value, CultureInfo.InvariantCulture) ?? ""),
    };

    private static string Quote(string text) => "\"" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
