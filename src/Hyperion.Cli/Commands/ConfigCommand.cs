using System.CommandLine;
using System.CommandLine.Parsing;
using Hyperion.Cli.Configuration;

namespace Hyperion.Cli.Commands;

/// <summary><c>hyperion config print [dev|node|sequencer] [options]</c>: the effective configuration of a node command, as TOML.</summary>
internal static class ConfigCommand
{
    public static Command Create(RootCommand root)
    {
        var commandLine = new Argument<string[]>("command-line")
        {
            Description = "The node command and its options as they would be run (default: dev), e.g. `dev --config hyperion.toml --port 9000`.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var print = new Command("print", "Print the effective configuration of a node command (flag > HYPERION_* environment > --config file > default) as TOML.")
        {
            commandLine,
        };
        print.TreatUnmatchedTokensAsErrors = false;
        print.SetAction(parse =>
        {
            // The raw tokens after "print", in order (options of the target command are unmatched here).
            List<string> tokens = [.. parse.Tokens.SkipWhile(t => !(t.Type == TokenType.Command && t.Value == "print")).Skip(1).Select(t => t.Value)];
            if (tokens.Count == 0 || root.Subcommands.FirstOrDefault(c => c.Name == tokens[0]) is not { } target)
            {
                tokens.Insert(0, "dev");
            }
            else if (!NodeConfiguration.IsConfigurable(target))
            {
                Console.Error.WriteLine($"hyperion config print: {tokens[0]} reads no configuration (dev, node and sequencer do)");
                return 1;
            }

            ResolvedConfiguration resolved;
            try
            {
                resolved = NodeConfiguration.Parse(root, tokens, Environment.GetEnvironmentVariable);
            }
            catch (ConfigException e)
            {
                Console.Error.WriteLine($"hyperion config print: {e.Message}");
                return 1;
            }

            // Required options left unset are not an error here: printing shows what is missing.
            if (resolved.Parse.Errors.FirstOrDefault(e => !e.Message.Contains("is required", StringComparison.Ordinal)) is { } error)
            {
                Console.Error.WriteLine($"hyperion config print: {error.Message}");
                return 1;
            }

            Console.Write(resolved.ToToml());
            return 0;
        });
        return new Command("config", "Inspect the node's configuration.") { print };
    }
}
