using System.Numerics;
using System.Runtime.CompilerServices;
using System.Text;
using Hyperion.Inference.Tokenization;
using Microsoft.Extensions.AI;

namespace Hyperion.Alith;

/// <summary>Turns chat messages into the single prompt a model continues.</summary>
public interface IPromptFormat
{
    string Format(IReadOnlyList<ChatMessage> messages);
}

/// <summary>
/// For completion models (the llama2.c story family): one user message is the prompt as it is (so the chat client
/// answers exactly what `hyperion infer --prompt` prints); a conversation becomes "Role: text" lines ending with
/// "Assistant:".
/// </summary>
public sealed class PlainPromptFormat : IPromptFormat
{
    public static readonly PlainPromptFormat Instance = new();

    public string Format(IReadOnlyList<ChatMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        if (messages.Count == 1 && messages[0].Role == ChatRole.User) return messages[0].Text;
        var prompt = new StringBuilder();
        foreach (ChatMessage message in messages)
        {
            string role = message.Role == ChatRole.System ? "System" : message.Role == ChatRole.Assistant ? "Assistant" : message.Role == ChatRole.Tool ? "Tool" : "User";
            prompt.Append(role).Append(": ").Append(message.Text).Append('\n');
        }

        return prompt.Append("Assistant:").ToString();
    }
}

/// <summary>Where and how <see cref="OnChainChatClient"/> runs its model.</summary>
public sealed class OnChainChatOptions
{
    /// <summary>The model's content hash (Keccak-256 of its HQM file), 32 bytes.</summary>
    public required byte[] ModelHash { get; init; }

    /// <summary>With <see cref="ModelClass"/>: pay through this InferenceMarket (recorded, fees to the holders); else free eth_call.</summary>
    public string? Market { get; init; }

    /// <summary>The model's DAT class at the market.</summary>
    public BigInteger? ModelClass { get; init; }

    public IPromptFormat PromptFormat { get; init; } = PlainPromptFormat.Instance;

    /// <summary>The model's vocabulary, for streaming token by token (without it, streaming yields the answer at once).</summary>
    public Tokenizer? Tokenizer { get; init; }

    /// <summary>New tokens when ChatOptions.MaxOutputTokens is not set.</summary>
    public uint DefaultMaxTokens { get; init; } = 64;
}

/// <summary>
/// An <see cref="IChatClient"/> whose model runs on chain: the inference precompile by eth_call (free, unrecorded) or a
/// paid InferenceMarket transaction (recorded, verifiable). ChatOptions map to the precompile: Temperature and TopP to
/// Q16 (rounded as `hyperion infer` rounds its decimal options; unset = greedy, nucleus off), Seed (non-negative),
/// MaxOutputTokens. The response carries the token ids and, when paid, the transaction and record id in
/// AdditionalProperties ("tokens", "transactionHash", "recordId", "priceWei").
/// </summary>
public sealed class OnChainChatClient : IChatClient
{
    private readonly HyperionChain _chain;
    private readonly OnChainChatOptions _options;

    public OnChainChatClient(HyperionChain chain, OnChainChatOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.ModelHash is not { Length: 32 }) throw new ArgumentException("ModelHash must be 32 bytes", nameof(options));
        if ((options.Market is null) != (options.ModelClass is null)) throw new ArgumentException("Market and ModelClass go together", nameof(options));
        _chain = chain ?? throw new ArgumentNullException(nameof(chain));
        _options = options;
        Metadata = new ChatClientMetadata("hyperion", null, "0x" + Convert.ToHexStringLower(options.ModelHash));
    }

    public ChatClientMetadata Metadata { get; }

    /// <summary>The request settings for <paramref name="options"/>.</summary>
    public InferenceSettings Settings(ChatOptions? options)
    {
        long seed = options?.Seed ?? 0;
        if (seed < 0) throw new ArgumentOutOfRangeException(nameof(options), $"seed {seed} is negative");
        int maxTokens = options?.MaxOutputTokens ?? (int)_options.DefaultMaxTokens;
        if (maxTokens <= 0) throw new ArgumentOutOfRangeException(nameof(options), $"MaxOutputTokens {maxTokens} is not positive");
        return new InferenceSettings(
            (uint)maxTokens,
            options?.Temperature is { } t ? InferenceSettings.ToQ16(t) : 0,
            options?.TopP is { } p ? InferenceSettings.ToQ16(p) : 0,
            (ulong)seed);
    }

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        (InferenceResult result, _) = await RunAsync(messages, options, cancellationToken).ConfigureAwait(false);
        return new ChatResponse(new ChatMessage(ChatRole.Assistant, result.Text))
        {
            ModelId = Metadata.DefaultModelId,
            ResponseId = result.TransactionHash,
            FinishReason = ChatFinishReason.Stop,
            Usage = new UsageDetails { OutputTokenCount = result.Tokens.Count },
            AdditionalProperties = Properties(result),
        };
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        (InferenceResult result, string prompt) = await RunAsync(messages, options, cancellationToken).ConfigureAwait(false);
        Tokenizer? tokenizer = _options.Tokenizer;
        if (tokenizer is null)
        {
            yield return new ChatResponseUpdate(ChatRole.Assistant, result.Text) { ModelId = Metadata.DefaultModelId, ResponseId = result.TransactionHash };
        }
        else
        {
            // One update per token: the text each token adds, decoded as the node decodes (the first piece after BOS
            // loses its leading space), so the updates concatenate to the answer.
            int previous = tokenizer.Encode(prompt, bos: true, eos: false)[^1];
            string emitted = "";
            for (int i = 0; i < result.Tokens.Count; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                string text = tokenizer.Decode([.. result.Tokens.Take(i + 1)], previous);
                string piece = text.StartsWith(emitted, StringComparison.Ordinal) ? text[emitted.Length..] : text;
                emitted = text;
                yield return new ChatResponseUpdate(ChatRole.Assistant, piece) { ModelId = Metadata.DefaultModelId, ResponseId = result.TransactionHash };
            }
        }

        yield return new ChatResponseUpdate
        {
            Role = ChatRole.Assistant,
            FinishReason = ChatFinishReason.Stop,
            ModelId = Metadata.DefaultModelId,
            ResponseId = result.TransactionHash,
            Contents = [new UsageContent(new UsageDetails { OutputTokenCount = result.Tokens.Count })],
            AdditionalProperties = Properties(result),
        };
    }

    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null) return null;
        if (serviceType == typeof(ChatClientMetadata)) return Metadata;
        if (serviceType == typeof(HyperionChain)) return _chain;
        return serviceType.IsInstanceOfType(this) ? this : null;
    }

    public void Dispose()
    {
    }

    private async Task<(InferenceResult Result, string Prompt)> RunAsync(IEnumerable<ChatMessage> messages, ChatOptions? options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messages);
        string prompt = _options.PromptFormat.Format([.. messages]);
        InferenceSettings settings = Settings(options);
        InferenceResult result = _options.Market is { } market
            ? await _chain.InferPaidAsync(market, _options.ModelClass!.Value, prompt, settings, cancellationToken).ConfigureAwait(false)
            : await _chain.GenerateAsync(_options.ModelHash, prompt, settings, cancellationToken).ConfigureAwait(false);
        return (result, prompt);
    }

    private static AdditionalPropertiesDictionary Properties(InferenceResult result) => new()
    {
        ["tokens"] = result.Tokens,
        ["transactionHash"] = result.TransactionHash,
        ["recordId"] = result.RecordId?.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["priceWei"] = result.PricePaidWei?.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
