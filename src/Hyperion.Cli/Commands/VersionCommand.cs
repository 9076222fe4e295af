using System.CommandLine;
using Hyperion.Rpc;

namespace Hyperion.Cli.Commands;

internal static class VersionCommand
{
    public static Command Create()
    {
        var command = new Command("version", "Print the client version (what web3_clientVersion answers outside a dev chain) and the runtime.");
        command.SetAction(_ => Console.WriteLine($"{RpcServer.ClientVersion} (.NET {Environment.Version})"));
        return command;
    }
}
