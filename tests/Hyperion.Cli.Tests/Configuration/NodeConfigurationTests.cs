using System.CommandLine;
using Hyperion.Cli.Configuration;

namespace Hyperion.Cli.Tests.Configuration;

public sealed class NodeConfigurationTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("hyperion-config-").FullName;
    private readonly RootCommand _root = Program.CreateRoot();

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string File(string toml)
    {
        string path = Path.Combine(_directory, $"{Guid.NewGuid():N}.toml");
        System.IO.File.WriteAllText(path, toml);
        return path;
    }

    private ResolvedConfiguration Parse(IReadOnlyDictionary<string, string> environment, params string[] args) =>
        NodeConfiguration.Parse(_root, args, name => environment.TryGetValue(name, out string? value) ? value : null);

    private ResolvedConfiguration Parse(params string[] args) => Parse(new Dictionary<string, string>(), args);

    private static T Value<T>(ResolvedConfiguration resolved, string option) => resolved.Parse.GetValue<T>(option)!;

    private static string Source(ResolvedConfiguration resolved, string option) => resolved.Sources.Single(s => s.Key.Name == option).Value;

    [Fact]
    public void A_flag_beats_the_environment_which_beats_the_file_which_beats_the_default()
    {
        string file = File("port = 1000\nchain-id = 7\naccounts = 3\n");
        var environment = new Dictionary<string, string> { ["HYPERION_PORT"] = "2000", ["HYPERION_CHAIN_ID"] = "8" };

        ResolvedConfiguration resolved = Parse(environment, "dev", "--config", file, "--port", "3000");

        Assert.Empty(resolved.Parse.Errors);
        Assert.Equal(3000, Value<int>(resolved, "--port"));
        Assert.Equal("command line", Source(resolved, "--port"));
        Assert.Equal(8UL, Value<ulong>(resolved, "--chain-id"));
        Assert.Equal("HYPERION_CHAIN_ID", Source(resolved, "--chain-id"));
        Assert.Equal(3, Value<int>(resolved, "--accounts"));
        Assert.Equal($"{file}:3", Source(resolved, "--accounts"));
        Assert.Equal("127.0.0.1", Value<string>(resolved, "--host"));
        Assert.Equal("default", Source(resolved, "--host"));
    }

    [Fact]
    public void The_file_can_come_from_HYPERION_CONFIG_and_booleans_and_strings_are_read()
    {
        string file = File("ephemeral = true\ncors = \"https://a.example\"\nlog-level = 'debug'\n");

        ResolvedConfiguration resolved = Parse(new Dictionary<string, string> { ["HYPERION_CONFIG"] = file }, "dev");

        Assert.Empty(resolved.Parse.Errors);
        Assert.True(Value<bool>(resolved, "--ephemeral"));
        Assert.Equal("https://a.example", Value<string>(resolved, "--cors"));
        Assert.Equal("debug", Value<string>(resolved, "--log-level"));
    }

    [Fact]
    public void A_table_named_after_the_command_overrides_the_top_level_and_other_commands_tables_are_skipped()
    {
        string file = File("port = 1000\n[dev]\nport = 1001\n[sequencer]\nl1-rpc = \"http://127.0.0.1:1\"\n");

        Assert.Equal(1001, Value<int>(Parse("dev", "--config", file), "--port"));
        ResolvedConfiguration sequencer = Parse("sequencer", "--config", file);
        Assert.Equal(1000, Value<int>(sequencer, "--port"));
        Assert.Equal("http://127.0.0.1:1", Value<string>(sequencer, "--l1-rpc"));
    }

    [Fact]
    public void A_required_option_may_come_from_the_environment()
    {
        var environment = new Dictionary<string, string>
        {
            ["HYPERION_L1_RPC"] = "http://127.0.0.1:8545",
            ["HYPERION_ROLLUP_CONFIG"] = "rollup.json",
        };

        ResolvedConfiguration resolved = Parse(environment, "node");

        Assert.Empty(resolved.Parse.Errors);
        Assert.Equal("http://127.0.0.1:8545", Value<string>(resolved, "--l1-rpc"));
    }

    [Fact]
    public void An_unknown_key_is_an_error_naming_it_and_its_line()
    {
        string file = File("port = 1\n\nprot = 2\n");

        var error = Assert.Throws<ConfigException>(() => Parse("dev", "--config", file));

        Assert.Equal($"{file}:3: unknown key 'prot' (hyperion dev has no --prot option)", error.Message);
    }

    [Theory]
    [InlineData("port = \"x\"\n", ":1: Cannot parse argument 'x' for option '--port'")]
    [InlineData("\nlog-level = \"loud\"\n", ":2: Argument 'loud' not recognized")]
    [InlineData("port = [1, 2]\n", ":1: port must be a string, an integer or a boolean")]
    [InlineData("port = \n", ":1:")]
    [InlineData("[nodes]\n", ":1: unknown table [nodes]")]
    public void A_bad_value_or_file_is_one_line_naming_the_file_and_line(string toml, string expected)
    {
        string file = File(toml);

        var error = Assert.Throws<ConfigException>(() => Parse("dev", "--config", file));

        Assert.StartsWith(file + expected, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void A_bad_environment_value_names_the_variable()
    {
        var error = Assert.Throws<ConfigException>(() => Parse(new Dictionary<string, string> { ["HYPERION_ACCOUNTS"] = "many" }, "dev"));

        Assert.StartsWith("HYPERION_ACCOUNTS: Cannot parse argument 'many' for option '--accounts'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_file_is_one_line()
    {
        string missing = Path.Combine(_directory, "absent.toml");

        var error = Assert.Throws<ConfigException>(() => Parse("dev", "--config", missing));

        Assert.StartsWith($"--config {missing}: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_option_of_the_node_commands_has_an_environment_variable_and_a_key()
    {
        foreach (string name in new[] { "dev", "node", "sequencer" })
        {
            Command command = _root.Subcommands.Single(c => c.Name == name);
            Assert.True(NodeConfiguration.IsConfigurable(command));
            foreach (Option option in NodeConfiguration.Settable(command))
            {
                Assert.Matches("^HYPERION_[A-Z0-9_]+$", NodeConfiguration.EnvironmentVariable(option));
                Assert.Equal(option.Name, "--" + NodeConfiguration.Key(option));
            }
        }

        Assert.Equal("HYPERION_RPC_GAS_CAP", NodeConfiguration.EnvironmentVariable(_root.Subcommands.Single(c => c.Name == "dev").Options.Single(o => o.Name == "--rpc-gas-cap")));
    }

    [Fact]
    public void The_printed_configuration_reads_back_to_the_same_values()
    {
        string file = File("port = 1000\nephemeral = true\n");
        ResolvedConfiguration first = Parse(new Dictionary<string, string> { ["HYPERION_RPC_GAS_CAP"] = "18446744073709551615" }, "dev", "--config", file, "--accounts", "4");
        string printed = first.ToToml();
        Assert.Contains("port = 1000  # " + file + ":1", printed, StringComparison.Ordinal);
        Assert.Contains("accounts = 4  # command line", printed, StringComparison.Ordinal);
        Assert.Contains("rpc-gas-cap = \"18446744073709551615\"  # HYPERION_RPC_GAS_CAP", printed, StringComparison.Ordinal);
        Assert.Contains("# data-dir is not set (HYPERION_DATA_DIR)", printed, StringComparison.Ordinal);

        ResolvedConfiguration again = Parse("dev", "--config", File(printed));

        Assert.Empty(again.Parse.Errors);
        foreach (Option option in NodeConfiguration.Settable(first.Command))
        {
            Assert.Equal(
                first.Parse.GetResult(option)?.GetValueOrDefault<object?>()?.ToString(),
                again.Parse.GetResult(option)?.GetValueOrDefault<object?>()?.ToString());
        }
    }

    [Fact]
    public void A_secret_is_not_printed()
    {
        string key = "0x" + new string('1', 64);
        ResolvedConfiguration resolved = Parse(new Dictionary<string, string> { ["HYPERION_SEQUENCER_KEY"] = key }, "sequencer");

        string printed = resolved.ToToml();

        Assert.DoesNotContain(key, printed, StringComparison.Ordinal);
        Assert.Contains("# sequencer-key is set (from HYPERION_SEQUENCER_KEY; a secret, not shown)", printed, StringComparison.Ordinal);
    }

    [Fact]
    public void Commands_without_configuration_ignore_the_environment()
    {
        ResolvedConfiguration resolved = Parse(new Dictionary<string, string> { ["HYPERION_PORT"] = "x" }, "version");

        Assert.Empty(resolved.Sources);
        Assert.Empty(resolved.Parse.Errors);
    }
}
