using System.Numerics;
using System.Text.Json;
using Hyperion.Core.Crypto;
using Microsoft.Extensions.AI;
using Nethereum.RPC.Eth.DTOs;

namespace Hyperion.Alith.Tests;

public sealed class AgentTests(DevNode node) : IClassFixture<DevNode>
{
    private const string RegistryAbi = """
        [
          {"type":"function","name":"isRegistered","stateMutability":"view","inputs":[{"name":"hash","type":"bytes32"}],"outputs":[{"name":"","type":"bool"}]},
          {"type":"function","name":"model","stateMutability":"view","inputs":[{"name":"hash","type":"bytes32"}],"outputs":[{"name":"sizeBytes","type":"uint64"},{"name":"macsPerGas","type":"uint32"},{"name":"registered","type":"bool"}]},
          {"type":"function","name":"owner","stateMutability":"view","inputs":[],"outputs":[{"name":"","type":"address"}]},
          {"type":"function","name":"register","stateMutability":"nonpayable","inputs":[{"name":"hash","type":"bytes32"},{"name":"sizeBytes","type":"uint64"},{"name":"macsPerGas","type":"uint32"}],"outputs":[]},
          {"type":"event","name":"ModelRegistered","anonymous":false,"inputs":[{"name":"hash","type":"bytes32","indexed":true},{"name":"sizeBytes","type":"uint64","indexed":false},{"name":"macsPerGas","type":"uint32","indexed":false}]}
        ]
        """;

    private static string Hex(byte[] bytes) => "0x" + Convert.ToHexStringLower(bytes);

    [Fact]
    public async Task An_agent_calls_a_contract_tool_made_from_abi_json_and_remembers_the_conversation()
    {
        HyperionChain chain = await HyperionChain.ConnectAsync(node.Url);
        IReadOnlyList<AIFunction> tools = ContractTools.FromAbi(chain, HyperionChain.ModelRegistryAddress, RegistryAbi);
        Assert.Equal(["isRegistered", "model", "owner", "register"], tools.Select(t => t.Name));
        Assert.Contains("free, no transaction", tools[0].Description, StringComparison.Ordinal);

        // A scripted model: asks for the tool, then answers with what the tool returned.
        var model = new ScriptedChatClient("isRegistered", new Dictionary<string, object?> { ["hash"] = Hex(node.ModelHash) });
        using var agent = new Agent(model, "You check models on chain.", tools);
        ChatResponse answer = await agent.AskAsync("Is the story model registered?");
        Assert.Equal("tool said: {\"output1\":true}", answer.Text);
        Assert.Equal("You check models on chain.", model.SeenSystemPrompt);

        ChatResponse second = await agent.AskAsync("And again?");
        Assert.Equal("tool said: {\"output1\":true}", second.Text);
        Assert.Contains(model.LastMessages, m => m.Text == "Is the story model registered?"); // remembered
        Assert.True(agent.Memory.Count >= 4);
    }

    [Fact]
    public async Task A_transaction_tool_signs_with_the_agents_key_within_its_spending_limit()
    {
        var limit = new SpendingLimit(DevNode.Ether(1));
        HyperionChain owner = await HyperionChain.ConnectAsync(node.Url, DevNode.OwnerKey, limit);
        AIFunction register = ContractTools.FromAbi(owner, HyperionChain.ModelRegistryAddress, RegistryAbi).Single(t => t.Name == "register");
        AIFunction isRegistered = ContractTools.FromAbi(owner, HyperionChain.ModelRegistryAddress, RegistryAbi).Single(t => t.Name == "isRegistered");
        string hash = Hex(Keccak256.Hash("agent registered this"u8.ToArray()).Bytes.ToArray());

        var result = (Dictionary<string, object?>)(await register.InvokeAsync(new AIFunctionArguments { ["hash"] = hash, ["sizeBytes"] = "1234", ["macsPerGas"] = "64" }))!;
        Assert.Equal("success", result["status"]);
        Assert.True(limit.SpentWei > 0);
        var check = (Dictionary<string, object?>)(await isRegistered.InvokeAsync(new AIFunctionArguments { ["hash"] = hash }))!;
        Assert.Equal(true, check["output1"]);

        var tight = new SpendingLimit(1);
        HyperionChain limited = await HyperionChain.ConnectAsync(node.Url, DevNode.OwnerKey, tight);
        AIFunction limitedRegister = ContractTools.FromAbi(limited, HyperionChain.ModelRegistryAddress, RegistryAbi).Single(t => t.Name == "register");
        var error = await Assert.ThrowsAsync<SpendingLimitExceededException>(async () =>
            await limitedRegister.InvokeAsync(new AIFunctionArguments { ["hash"] = hash, ["sizeBytes"] = "1", ["macsPerGas"] = "64" }));
        Assert.Contains("limit", error.Message, StringComparison.Ordinal);
        Assert.Equal(BigInteger.Zero, tight.SpentWei);

        await Assert.ThrowsAsync<ArgumentException>(async () =>
            await isRegistered.InvokeAsync(new AIFunctionArguments { ["hash"] = "not hex" }));
    }

    [Fact]
    public async Task An_agent_acts_on_chain_events()
    {
        HyperionChain owner = await HyperionChain.ConnectAsync(node.Url, DevNode.OwnerKey);
        string topic = Hex(Keccak256.Hash("ModelRegistered(bytes32,uint64,uint32)"u8.ToArray()).Bytes.ToArray());
        var seen = new TaskCompletionSource<FilterLog>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        Task watching = ChainEvents.WatchAsync(owner, HyperionChain.ModelRegistryAddress, topic, (log, _) =>
        {
            seen.TrySetResult(log);
            return Task.CompletedTask;
        }, TimeSpan.FromMilliseconds(100), stop.Token);
        await Task.Delay(500);
        string hash = Hex(Keccak256.Hash("an event to act on"u8.ToArray()).Bytes.ToArray());
        await owner.Web3.Eth.GetContractTransactionHandler<RegisterFunction>().SendRequestAndWaitForReceiptAsync(
            HyperionChain.ModelRegistryAddress, new RegisterFunction { Hash = AbiValues.Hex(hash), SizeBytes = 9, MacsPerGas = 64 });
        FilterLog log = await seen.Task.WaitAsync(stop.Token);
        Assert.Equal(hash, log.Topics[1].ToString());
        await stop.CancelAsync();
        await watching;
    }

    /// <summary>A stand-in model that calls one tool, then replies with the tool's result (as any provider would).</summary>
    private sealed class ScriptedChatClient(string tool, Dictionary<string, object?> arguments) : IChatClient
    {
        public string? SeenSystemPrompt { get; private set; }

        public IReadOnlyList<ChatMessage> LastMessages { get; private set; } = [];

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            LastMessages = [.. messages];
            SeenSystemPrompt = LastMessages.FirstOrDefault(m => m.Role == ChatRole.System)?.Text;
            FunctionResultContent? result = LastMessages[^1].Contents.OfType<FunctionResultContent>().FirstOrDefault();
            if (result is null)
            {
                Assert.Contains(options!.Tools!, t => t.Name == tool);
                return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("call-1", tool, arguments)])));
            }

            string json = result.Result is JsonElement e ? e.GetRawText() : JsonSerializer.Serialize(result.Result);
            return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, $"tool said: {json}")));
        }

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
