using System.Text;
using System.Text.Json.Nodes;
using Hyperion.Cli.Commands;

namespace Hyperion.Cli.Tests;

/// <summary>The challenger's /metrics, exported by prometheus-net from its status at each scrape.</summary>
public sealed class ChallengerMetricsTests
{
    [Fact]
    public async Task Each_scrape_counts_the_outputs_by_verdict_from_the_status()
    {
        long deleted = 0;
        var metrics = new ChallengerMetrics(() => new JsonObject { ["correct"] = 3L, ["deleted"] = deleted, ["wrongPastWindow"] = 0L });
        string first = await Export(metrics);
        Assert.Contains("# TYPE hyperion_challenger_outputs_total counter", first, StringComparison.Ordinal);
        Assert.Contains("hyperion_challenger_outputs_total{verdict=\"correct\"} 3", first, StringComparison.Ordinal);
        Assert.Contains("hyperion_challenger_outputs_total{verdict=\"deleted\"} 0", first, StringComparison.Ordinal);
        Assert.Contains("hyperion_build_info{", first, StringComparison.Ordinal);
        Assert.Contains("process_", first, StringComparison.Ordinal);

        deleted = 1;
        Assert.Contains("hyperion_challenger_outputs_total{verdict=\"deleted\"} 1", await Export(metrics), StringComparison.Ordinal);
    }

    private static async Task<string> Export(ChallengerMetrics metrics)
    {
        using var stream = new MemoryStream();
        await metrics.ExportAsync(stream, CancellationToken.None);
        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
