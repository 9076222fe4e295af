using Hyperion.Core;
using Hyperion.Evm.Precompiles;
using Hyperion.Inference.Engine;
using Hyperion.Inference.Model;
using Hyperion.Inference.Tokenization;

namespace Hyperion.MetisAi;

/// <summary>
/// The MetisVM AI instruction: deterministic LLM generation as a precompile at <see cref="DefaultAddress"/>. The call
/// names a model by content hash; the model must be registered in the <see cref="ModelRegistry"/> (its storage is
/// read through the <see cref="IPrecompileContext"/>) and present in the node's <see cref="ModelStore"/>. Gas is
/// <see cref="InferenceGas"/> for the most positions the call can run, charged up front. Only the integer engine runs,
/// so the result is the same on every node and for any thread count.
/// </summary>
/// <remarks>
/// A registered model whose file this node lacks (or cannot read) throws <see cref="PrecompileUnavailableException"/>:
/// the call has a result elsewhere, so this node must not turn it into a failure.
/// </remarks>
public sealed class InferencePrecompile(ModelStore models, Address registry) : IStatefulPrecompile
{
    /// <summary>0x0000000000000000000000000000000000000a11 ("AI"), outside Ethereum's 0x01–0x11 and RIP-7212's 0x100.</summary>
    public static readonly Address DefaultAddress = Address.Parse("0x0000000000000000000000000000000000000a11");

    /// <summary>Starts every revert reason, so a reason bubbled up through contracts still names its source.</summary>
    public const string ReasonPrefix = "inference precompile: ";

    private readonly ModelStore _models = models ?? throw new ArgumentNullException(nameof(models));

    public InferencePrecompile(ModelStore models)
        : this(models, ModelRegistry.DefaultAddress)
    {
    }

    public Address Registry { get; } = registry;

    /// <summary>Without state the registry cannot be read: the call fails.</summary>
    public long RequiredGas(ReadOnlySpan<byte> input) => InferenceGas.BaseGas;

    public bool TryRun(ReadOnlySpan<byte> input, out byte[] output)
    {
        output = [];
        return false;
    }

    public long RequiredGas(ReadOnlySpan<byte> input, IPrecompileContext context) =>
        Prepare(input, context, out PreparedCall? call, out _) ? call!.Gas : InferenceGas.BaseGas;

    /// <summary>
    /// Runs the call; a call this node can judge invalid (bad input, unregistered model, over a limit) reverts with
    /// Error(string) saying why, after charging <see cref="InferenceGas.BaseGas"/> for the checks.
    /// </summary>
    public bool TryRun(ReadOnlySpan<byte> input, IPrecompileContext context, out byte[] output)
    {
        if (!Prepare(input, context, out PreparedCall? call, out string? error))
        {
            output = InferenceAbi.EncodeError($"{ReasonPrefix}{error}");
            return false;
        }

        output = Run(call!);
        return true;
    }

    /// <summary>Why a call fails, or null when it would run; for diagnostics and tests.</summary>
    public string? Explain(ReadOnlySpan<byte> input, IPrecompileContext context) =>
        Prepare(input, context, out _, out string? error) ? null : error;

    /// <summary>A validated call: the model, the prompt tokens and the gas.</summary>
    private sealed record PreparedCall(InferenceRequest Request, LoadedModel Model, int[] Prompt, long Gas);

    private bool Prepare(ReadOnlySpan<byte> input, IPrecompileContext context, out PreparedCall? call, out string? error)
    {
        ArgumentNullException.ThrowIfNull(context);
        call = null;
        InferenceRequest? request = InferenceAbi.TryDecode(input, out error);
        if (request is null)
        {
            return false;
        }

        if (ModelRegistry.Lookup(context, Registry, request.Model) is not RegisteredModel entry)
        {
            error = $"model {request.Model} is not registered in {Registry}";
            return false;
        }

        LoadedModel model = Load(request.Model);
        if (model.Model is not QuantizedModel weights)
        {
            error = $"model {request.Model} is registered but its file is not a valid model: {model.Error}";
            return false;
        }

        if ((ulong)model.File.SizeBytes != entry.SizeBytes)
        {
            error = $"model {request.Model} is registered with {entry.SizeBytes} bytes but the file has {model.File.SizeBytes}";
            return false;
        }

        ModelConfig config = weights.Config;
        int[] prompt;
        if (request.PromptText is string text)
        {
            if (model.Tokenizer is not Tokenizer tokenizer)
            {
                error = $"model {request.Model} has no vocabulary: pass the prompt as token ids";
                return false;
            }

            prompt = [.. tokenizer.Encode(text, bos: true, eos: false)];
            if (prompt.Length > InferenceLimits.MaxPromptTokens)
            {
                error = $"prompt is {prompt.Length} tokens, over the limit of {InferenceLimits.MaxPromptTokens}";
                return false;
            }
        }
        else
        {
            prompt = request.PromptTokens!;
            foreach (int token in prompt)
            {
                if (token >= config.VocabSize)
                {
                    error = $"prompt token {token} outside the vocabulary of {config.VocabSize}";
                    return false;
                }
            }
        }

        if (prompt.Length > config.SeqLen)
        {
            error = $"prompt is {prompt.Length} tokens, longer than the model's context of {config.SeqLen}";
            return false;
        }

        int positions = InferenceGas.Positions(config, prompt.Length, request.MaxNewTokens);
        call = new PreparedCall(request, model, prompt, InferenceGas.ForPositions(config, positions, entry.MacsPerGas));
        return true;
    }

    private LoadedModel Load(in Hash256 hash)
    {
        LoadedModel? model;
        try
        {
            model = _models.TryGet(hash);
        }
        catch (IOException e)
        {
            throw new PrecompileUnavailableException($"registered model {hash} cannot be loaded from {_models.Directory}: {e.Message}");
        }

        return model ?? throw new PrecompileUnavailableException(
            $"registered model {hash} is not in the model directory {_models.Directory}: add its HQM file (Keccak-256 {hash}) and restart the node");
    }

    private static byte[] Run(PreparedCall call)
    {
        LoadedModel model = call.Model;
        QuantizedModel weights = model.Model!;
        InferenceRequest request = call.Request;
        IntegerTransformer transformer = model.Rent();
        GenerationResult result;
        try
        {
            var sampler = new IntegerSampler(weights.Config.VocabSize, request.TemperatureQ16, request.TopPQ16, request.Seed);
            result = Generator.Run(transformer, sampler, call.Prompt, request.MaxNewTokens, hashLogits: false);
        }
        finally
        {
            model.Return(transformer);
        }

        // The ABI type is string, so the bytes are made valid UTF-8: a token sequence that splits or invents a
        // character (byte-fallback pieces) decodes with U+FFFD for each maximal invalid subpart, as `hyperion infer` prints.
        byte[] text = model.Tokenizer is Tokenizer tokenizer
            ? System.Text.Encoding.UTF8.GetBytes(tokenizer.Decode(result.Tokens, call.Prompt[^1]))
            : [];
        return InferenceAbi.EncodeResult(result.Tokens, text);
    }
}
