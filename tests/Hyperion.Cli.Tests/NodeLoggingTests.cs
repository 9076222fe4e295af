using Hyperion.Cli.Commands;
using Microsoft.Extensions.Logging;

namespace Hyperion.Cli.Tests;

public sealed class NodeLoggingTests
{
    [Theory]
    [InlineData("trace", LogLevel.Trace)]
    [InlineData("debug", LogLevel.Debug)]
    [InlineData("info", LogLevel.Information)]
    [InlineData("warn", LogLevel.Warning)]
    [InlineData("error", LogLevel.Error)]
    public void Each_level_logs_itself_and_above_and_nothing_below(string name, LogLevel level)
    {
        using ILoggerFactory loggers = NodeLogging.CreateFactory(NodeLogging.Level(name));
        ILogger rpc = loggers.CreateLogger("Hyperion.Rpc");

        Assert.True(rpc.IsEnabled(level));
        Assert.True(rpc.IsEnabled(LogLevel.Critical));
        if (level > LogLevel.Trace)
        {
            Assert.False(rpc.IsEnabled(level - 1));
        }
    }

    [Fact]
    public void Debug_adds_the_rpc_lines_that_info_leaves_out()
    {
        using ILoggerFactory info = NodeLogging.CreateFactory(NodeLogging.Level("info"));
        using ILoggerFactory debug = NodeLogging.CreateFactory(NodeLogging.Level("debug"));

        Assert.False(info.CreateLogger("Hyperion.Rpc").IsEnabled(LogLevel.Debug));
        Assert.True(debug.CreateLogger("Hyperion.Rpc").IsEnabled(LogLevel.Debug));
    }

    [Fact]
    public void AspNetCore_logs_warnings_up_unless_trace_and_the_hosts_start_failure_never()
    {
        using ILoggerFactory debug = NodeLogging.CreateFactory(LogLevel.Debug);
        using ILoggerFactory trace = NodeLogging.CreateFactory(LogLevel.Trace);

        Assert.False(debug.CreateLogger("Microsoft.AspNetCore.Hosting.Diagnostics").IsEnabled(LogLevel.Information));
        Assert.True(debug.CreateLogger("Microsoft.AspNetCore.Server.Kestrel").IsEnabled(LogLevel.Warning));
        Assert.True(trace.CreateLogger("Microsoft.AspNetCore.Hosting.Diagnostics").IsEnabled(LogLevel.Information));
        Assert.False(debug.CreateLogger("Microsoft.Extensions.Hosting.Internal.Host").IsEnabled(LogLevel.Error));
    }

    [Fact]
    public void An_unknown_level_is_refused_naming_the_levels()
    {
        var error = Assert.Throws<ArgumentException>(() => NodeLogging.Level("loud"));

        Assert.Equal("--log-level must be one of trace, debug, info, warn, error, not 'loud'", error.Message);
    }
}
