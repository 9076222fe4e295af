using Hyperion.Cli.Commands;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;

namespace Hyperion.Cli.Tests.Commands;

public sealed class McpHostTests
{
    [Fact]
    public void The_HTTP_host_reloads_no_configuration_file_on_change_so_nothing_watches_the_working_directory()
    {
        WebApplicationBuilder builder = McpCommand.CreateHttpHost(0);

        var files = ((IConfigurationRoot)builder.Configuration).Providers.OfType<FileConfigurationProvider>().ToList();
        Assert.NotEmpty(files); // appsettings.json and its environment's file are still read at start
        Assert.All(files, file => Assert.False(file.Source.ReloadOnChange, $"{file.Source.Path} reloads on change"));
    }
}
