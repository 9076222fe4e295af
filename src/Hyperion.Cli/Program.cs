using System.CommandLine;
using Hyperion.Cli.Commands;
using Hyperion.Cli.Configuration;

namespace Hyperion.Cli;

public static class Program
{
    public static int Main(string[] args) => NodeConfiguration.Invoke(CreateRoot(), args);

    internal static RootCommand CreateRoot()
    {
        var root = new RootCommand("Hyperion: a high-performance, AI-native Ethereum L2 node and SDK.");
        // One line per command; each command lives in Commands/<Name>Command.cs.
        root.Subcommands.Add(DevCommand.Create());
        root.Subcommands.Add(VersionCommand.Create());
        root.Subcommands.Add(DbCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        root.Subcommands.Add(StateTestCommand.Create());
        root.Subcommands.Add(BlockTestCommand.Create());
        root.Subcommands.Add(ModelCommand.Create());
        root.Subcommands.Add(InferCommand.Create());
        root.Subcommands.Add(McpCommand.Create());
        root.Subcommands.Add(RollupNodeCommands.CreateNode());
        root.Subcommands.Add(RollupNodeCommands.CreateSequencer());
        root.Subcommands.Add(RollupCommands.CreateRollup());
        root.Subcommands.Add(RollupCommands.CreateBatcher());
        root.Subcommands.Add(RollupCommands.CreateDevnet());
        root.Subcommands.Add(WithdrawalCommands.CreateProposer());
        root.Subcommands.Add(WithdrawalCommands.CreateChallenger());
        root.Subcommands.Add(WithdrawalCommands.CreateWithdraw());
        root.Subcommands.Add(ConfigCommand.Create(root));
        return root;
    }
}
