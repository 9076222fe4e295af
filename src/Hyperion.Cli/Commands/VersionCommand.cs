using System.CommandLine;
using System.Reflection;

namespace Hyperion.Cli.Commands;

internal static class VersionCommand
{
    public static string ClientVersion =>
        $"Hyperion/v{typeof(VersionCommand).Assembly.GetName().Version?.ToString(3) ?? "0.0.0"}/linux-x64/dotnet{Environment.Version}";

    public static Command Create()
    {
        var command = new Command("version", "Print the client version.");
        command.SetAction(_ => Console.WriteLine(ClientVersion));
        return command;
    }
}
