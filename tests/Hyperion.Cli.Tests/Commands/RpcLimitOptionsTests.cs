using System.CommandLine;
using Hyperion.Cli.Commands;
using Hyperion.Cli.Configuration;
using Hyperion.Rpc;

namespace Hyperion.Cli.Tests.Commands;

public sealed class RpcLimitOptionsTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("hyperion-limits-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void The_connection_limit_per_client_comes_from_the_flag_the_environment_or_the_file_and_defaults_to_256()
    {
        RootCommand root = Program.CreateRoot();
        string file = Path.Combine(_directory, "node.toml");
        File.WriteAllText(file, "[dev]\nrpc-connections-per-client = 8\n");
        int Resolve(Dictionary<string, string> environment, params string[] args) =>
            NodeConfiguration.Parse(root, args, name => environment.TryGetValue(name, out string? value) ? value : null)
                .Parse.GetValue<int>("--rpc-connections-per-client");

        Assert.Equal(RpcServerOptions.DefaultMaxConnectionsPerClient, Resolve([], "dev"));
        Assert.Equal(8, Resolve([], "dev", "--config", file));
        Assert.Equal(16, Resolve(new() { ["HYPERION_RPC_CONNECTIONS_PER_CLIENT"] = "16" }, "dev", "--config", file));
        Assert.Equal(0, Resolve(new() { ["HYPERION_RPC_CONNECTIONS_PER_CLIENT"] = "16" }, "dev", "--rpc-connections-per-client", "0"));
        Assert.Equal(4, Resolve([], "sequencer", "--rpc-connections-per-client", "4"));
    }

    [Theory]
    [InlineData("0", 0)]
    [InlineData("1", 1)]
    [InlineData("65536", 65_536)]
    [InlineData("-1", null)]
    [InlineData("65537", null)]
    public void The_connection_limit_per_client_is_checked(string value, int? expected)
    {
        var limits = new RpcLimitOptions();
        var command = new Command("test");
        foreach (Option option in limits.All)
        {
            command.Options.Add(option);
        }

        ParseResult parse = command.Parse(["--rpc-connections-per-client", value]);
        if (expected is int connections)
        {
            Assert.Equal(connections, limits.ConnectionsPerClient(parse));
        }
        else
        {
            ArgumentException error = Assert.Throws<ArgumentException>(() => limits.ConnectionsPerClient(parse));
            Assert.Equal("--rpc-connections-per-client must be in 0..65536 (0: no limit)", error.Message);
        }
    }
}
