using System.CommandLine;

namespace Hyperion.Cli.Commands;

/// <summary>
/// `hyperion dev`: the single-sequencer development chain. The chain and JSON-RPC server arrive with the chain
/// issue; until then this says so plainly and lists what the build offers.
/// </summary>
internal static class DevCommand
{
    public static Command Create()
    {
        var command = new Command("dev", "Start a development chain (JSON-RPC on 127.0.0.1:8545).");
        command.SetAction(parse =>
        {
            Console.Error.WriteLine("hyperion dev: the dev chain is not part of this build yet.");
            Console.Error.WriteLine("Available commands:");
            foreach (var sub in parse.RootCommandResult.Command.Subcommands)
                Console.Error.WriteLine($"  {sub.Name,-12} {sub.Description}");
            return 2;
        });
        return command;
    }
}
