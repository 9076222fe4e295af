using System.Text.Json;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Hyperion.Alith.Tests;

/// <summary>`hyperion mcp` driven by the official MCP C# client over stdio.</summary>
public sealed class McpServerTests(DevNode node) : IClassFixture<DevNode>
{
    private async Task<McpClient> ConnectAsync(params string[] extra)
    {
        var transport = new StdioClientTransport(new StdioClientTransportOptions
        {
            Name = "hyperion",
            Command = "dotnet",
            Arguments = [DevNode.CliDll, "mcp", "--rpc", node.Url, .. extra],
            EnvironmentVariables = new Dictionary<string, string?> { ["HYPERION_MCP_KEY"] = DevNode.OtherKey },
        });
        return await McpClient.CreateAsync(transport);
    }

    private static JsonElement Json(CallToolResult result)
    {
        Assert.NotEqual(true, result.IsError);
        return JsonDocument.Parse(Assert.IsType<TextContentBlock>(result.Content[0]).Text).RootElement;
    }

    private static string Error(CallToolResult result)
    {
        Assert.True(result.IsError);
        return Assert.IsType<TextContentBlock>(result.Content[0]).Text;
    }

    [Fact]
    public async Task Lists_the_chain_tools_and_answers_them()
    {
        await using McpClient client = await ConnectAsync("--spend-limit-wei", "1000000000000000", "--tx-limit-wei", "500000000000000");
        IList<McpClientTool> tools = await client.ListToolsAsync();
        Assert.Equal(
            ["call", "chain_info", "dat_class", "dat_usage", "get_balance", "get_block", "get_logs", "infer", "send_transaction"],
            tools.Select(t => t.Name).Order(StringComparer.Ordinal));

        JsonElement info = Json(await client.CallToolAsync("chain_info"));
        Assert.Equal("0x70997970c51812dc3a010c7d01b50e0d17dc79c8", info.GetProperty("account").GetString()!.ToLowerInvariant());
        Assert.Equal("1000000000000000", info.GetProperty("spendingLimitWei").GetString());

        JsonElement tokens = Json(await client.CallToolAsync("infer", new Dictionary<string, object?>
        {
            ["model"] = "0x" + Convert.ToHexStringLower(node.ModelHash), ["prompt"] = "Once upon a time", ["maxNewTokens"] = 10,
            ["temperature"] = "0.75", ["topP"] = "0.5", ["seed"] = 7,
        })).GetProperty("tokens");
        Assert.Equal(node.Infer("Once upon a time", 10, "0.75", "0.5", 7), tokens.EnumerateArray().Select(t => t.GetInt32()));

        string recipient = "0x00000000000000000000000000000000000a11ce";
        JsonElement sent = Json(await client.CallToolAsync("send_transaction", new Dictionary<string, object?> { ["to"] = recipient, ["valueWei"] = "12345" }));
        Assert.Equal("success", sent.GetProperty("status").GetString());
        Assert.Equal("12345", Json(await client.CallToolAsync("get_balance", new Dictionary<string, object?> { ["address"] = recipient })).GetProperty("wei").GetString());

        JsonElement block = Json(await client.CallToolAsync("get_block", new Dictionary<string, object?> { ["block"] = sent.GetProperty("blockNumber").GetString() }));
        Assert.Contains(sent.GetProperty("transactionHash").GetString(), block.GetProperty("transactions").EnumerateArray().Select(t => t.GetString()));

        // isRegistered(model) on the registry through the raw call tool.
        string data = "0x27258b22" + Convert.ToHexStringLower(node.ModelHash);
        JsonElement called = Json(await client.CallToolAsync("call", new Dictionary<string, object?> { ["to"] = HyperionChain.ModelRegistryAddress, ["data"] = data }));
        Assert.EndsWith("1", called.GetProperty("output").GetString(), StringComparison.Ordinal);

        JsonElement logs = Json(await client.CallToolAsync("get_logs", new Dictionary<string, object?> { ["fromBlock"] = "0", ["address"] = HyperionChain.ModelRegistryAddress }));
        Assert.True(logs.GetArrayLength() >= 1);
    }

    [Fact]
    public async Task Errors_are_tool_errors_with_clear_text()
    {
        await using McpClient client = await ConnectAsync("--spend-limit-wei", "1000000000000000", "--tx-limit-wei", "500000000000000");
        Assert.Contains("is not an address", Error(await client.CallToolAsync("get_balance", new Dictionary<string, object?> { ["address"] = "0x1234" })), StringComparison.Ordinal);
        Assert.Contains("per-transaction limit", Error(await client.CallToolAsync("send_transaction", new Dictionary<string, object?>
        {
            ["to"] = "0x00000000000000000000000000000000000a11ce", ["valueWei"] = "600000000000000",
        })), StringComparison.Ordinal);
        Assert.Contains("node refused", Error(await client.CallToolAsync("infer", new Dictionary<string, object?>
        {
            ["model"] = "0x" + new string('0', 64), ["prompt"] = "Once",
        })), StringComparison.Ordinal);
        Assert.Contains("maxNewTokens", Error(await client.CallToolAsync("infer", new Dictionary<string, object?>
        {
            ["model"] = "0x" + Convert.ToHexStringLower(node.ModelHash), ["prompt"] = "Once", ["maxNewTokens"] = 0,
        })), StringComparison.Ordinal);
        Assert.Contains("not a non-negative decimal", Error(await client.CallToolAsync("send_transaction", new Dictionary<string, object?>
        {
            ["to"] = "0x00000000000000000000000000000000000a11ce", ["valueWei"] = "-1",
        })), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_key_sending_is_refused()
    {
        var transport = new StdioClientTransport(new StdioClientTransportOptions
        {
            Name = "hyperion", Command = "dotnet", Arguments = [DevNode.CliDll, "mcp", "--rpc", node.Url],
            EnvironmentVariables = new Dictionary<string, string?> { ["HYPERION_MCP_KEY"] = "" },
        });
        await using McpClient client = await McpClient.CreateAsync(transport);
        Assert.Contains("needs a key", Error(await client.CallToolAsync("send_transaction", new Dictionary<string, object?> { ["to"] = "0x00000000000000000000000000000000000a11ce" })), StringComparison.Ordinal);
    }
}
