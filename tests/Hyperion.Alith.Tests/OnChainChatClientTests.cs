using Hyperion.Inference.Import;
using Hyperion.Inference.Tokenization;
using Microsoft.Extensions.AI;

namespace Hyperion.Alith.Tests;

public sealed class OnChainChatClientTests(DevNode node) : IClassFixture<DevNode>
{
    private async Task<OnChainChatClient> ClientAsync(Tokenizer? tokenizer = null) =>
        new(await HyperionChain.ConnectAsync(node.Url), new OnChainChatOptions { ModelHash = node.ModelHash, Tokenizer = tokenizer });

    [Fact]
    public async Task Answers_through_the_chain_with_the_tokens_of_hyperion_infer()
    {
        using OnChainChatClient client = await ClientAsync();
        var options = new ChatOptions { Temperature = 0.75f, TopP = 0.5f, Seed = 7, MaxOutputTokens = 20 };
        ChatResponse response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "Once upon a time")], options);

        int[] expected = node.Infer("Once upon a time", 20, "0.75", "0.5", 7);
        Assert.Equal(expected, (IReadOnlyList<int>)response.AdditionalProperties!["tokens"]!);
        Assert.Equal(expected.Length, response.Usage!.OutputTokenCount);
        Assert.False(string.IsNullOrEmpty(response.Text));
        Assert.Null(response.ResponseId); // free: no transaction

        // Greedy when no temperature is given.
        ChatResponse greedy = await client.GetResponseAsync("The little dog", new ChatOptions { MaxOutputTokens = 12 });
        Assert.Equal(node.Infer("The little dog", 12), (IReadOnlyList<int>)greedy.AdditionalProperties!["tokens"]!);
    }

    [Fact]
    public async Task Streams_one_update_per_token_that_add_up_to_the_answer()
    {
        Tokenizer tokenizer = new(ModelLoader.Load(node.ModelPath).Quantized.Vocabulary!);
        using OnChainChatClient client = await ClientAsync(tokenizer);
        var options = new ChatOptions { MaxOutputTokens = 16, Temperature = 0.75f, TopP = 0.5f, Seed = 3 };
        List<ChatResponseUpdate> updates = [];
        await foreach (ChatResponseUpdate update in client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "Once upon a time")], options))
        {
            updates.Add(update);
        }

        ChatResponse whole = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "Once upon a time")], options);
        var tokens = (IReadOnlyList<int>)whole.AdditionalProperties!["tokens"]!;
        Assert.Equal(tokens.Count + 1, updates.Count); // one per token, then the finish with usage
        Assert.Equal(whole.Text, string.Concat(updates.Select(u => u.Text)));
        Assert.Equal(ChatFinishReason.Stop, updates[^1].FinishReason);
        Assert.Equal(whole.Text, updates.ToChatResponse().Text);
    }

    [Fact]
    public async Task Unregistered_model_fails_with_the_nodes_reason()
    {
        using var client = new OnChainChatClient(await HyperionChain.ConnectAsync(node.Url), new OnChainChatOptions { ModelHash = new byte[32] });
        await Assert.ThrowsAnyAsync<Exception>(() => client.GetResponseAsync("Once"));
    }

    [Fact]
    public async Task Options_map_to_the_precompiles_fixed_point()
    {
        using OnChainChatClient client = await ClientAsync();
        InferenceSettings s = client.Settings(new ChatOptions { Temperature = 0.9f, TopP = 0.75f, Seed = 42, MaxOutputTokens = 5 });
        Assert.Equal(new InferenceSettings(5, 58982, 49152, 42), s);
        Assert.Equal(new InferenceSettings(64, 0, 0, 0), client.Settings(null));
        Assert.Throws<ArgumentOutOfRangeException>(() => client.Settings(new ChatOptions { Seed = -1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => client.Settings(new ChatOptions { MaxOutputTokens = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => client.Settings(new ChatOptions { Temperature = -0.5f }));
        Assert.Equal("0x" + Convert.ToHexStringLower(node.ModelHash), client.GetService<ChatClientMetadata>()!.DefaultModelId);
    }

    [Fact]
    public void Conversations_are_formatted_as_role_lines()
    {
        string prompt = PlainPromptFormat.Instance.Format([
            new ChatMessage(ChatRole.System, "Be brief."), new ChatMessage(ChatRole.User, "Hi"), new ChatMessage(ChatRole.Assistant, "Hello"), new ChatMessage(ChatRole.User, "A story?")]);
        Assert.Equal("System: Be brief.\nUser: Hi\nAssistant: Hello\nUser: A story?\nAssistant:", prompt);
        Assert.Equal("Once", PlainPromptFormat.Instance.Format([new ChatMessage(ChatRole.User, "Once")]));
    }
}
