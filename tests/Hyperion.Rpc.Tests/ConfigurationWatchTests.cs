using Microsoft.Extensions.Configuration;

namespace Hyperion.Rpc.Tests;

/// <summary>
/// The server's host reads appsettings.json once: a reload on change would watch the working directory recursively
/// (inotify), waking a thread on every write under it — a data directory there wrote ~10 events a block.
/// </summary>
public sealed class ConfigurationWatchTests
{
    [Fact]
    public async Task No_configuration_file_is_reloaded_on_change_so_nothing_watches_the_working_directory()
    {
        var registry = new RpcMethodRegistry();
        RpcServer.AddBuiltIns(registry, 1337);
        await using RpcServer server = await RpcServer.StartAsync(registry, new RpcServerOptions { Port = 0 });

        var files = ((IConfigurationRoot)server.Configuration).Providers.OfType<FileConfigurationProvider>().ToList();
        Assert.NotEmpty(files); // appsettings.json and its environment's file are still read at start
        Assert.All(files, file => Assert.False(file.Source.ReloadOnChange, $"{file.Source.Path} reloads on change"));
    }
}
