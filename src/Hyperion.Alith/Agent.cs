using Microsoft.Extensions.AI;

namespace Hyperion.Alith;

/// <summary>
/// An agent: instructions, tools and memory on top of any <see cref="IChatClient"/> (the on-chain one or any other
/// provider), with Microsoft.Extensions.AI's function invocation running the tools the model asks for.
/// Memory keeps the last <see cref="MemoryLimit"/> messages of the conversation (user, assistant and tool turns).
/// </summary>
public sealed class Agent : IDisposable
{
    private readonly IChatClient _client;
    private readonly List<ChatMessage> _memory = [];

    public Agent(IChatClient client, string instructions, IEnumerable<AITool>? tools = null, int memoryLimit = 32)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentOutOfRangeException.ThrowIfNegative(memoryLimit);
        _client = new ChatClientBuilder(client).UseFunctionInvocation().Build();
        Instructions = instructions ?? "";
        Tools = [.. tools ?? []];
        MemoryLimit = memoryLimit;
    }

    public string Instructions { get; }

    public IList<AITool> Tools { get; }

    public int MemoryLimit { get; }

    public IReadOnlyList<ChatMessage> Memory => _memory;

    /// <summary>Options for each request (temperature, seed, …); the agent adds its tools.</summary>
    public ChatOptions? Options { get; init; }

    /// <summary>Answers <paramref name="input"/> in the context of the instructions and what it remembers.</summary>
    public async Task<ChatResponse> AskAsync(string input, CancellationToken cancellationToken = default)
    {
        var user = new ChatMessage(ChatRole.User, input);
        List<ChatMessage> messages = [];
        if (Instructions.Length > 0) messages.Add(new ChatMessage(ChatRole.System, Instructions));
        messages.AddRange(_memory);
        messages.Add(user);
        ChatOptions options = Options?.Clone() ?? new ChatOptions();
        options.Tools = [.. options.Tools ?? [], .. Tools];
        ChatResponse response = await _client.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        _memory.Add(user);
        _memory.AddRange(response.Messages);
        if (_memory.Count > MemoryLimit) _memory.RemoveRange(0, _memory.Count - MemoryLimit);
        return response;
    }

    public void Dispose() => _client.Dispose();
}
