using Hyperion.Core.Crypto;
using Hyperion.Inference.Tokenization;

namespace Hyperion.Inference.Engine;

/// <summary>Result of a generation: the sampled tokens and, when requested, a hash chain over every step's logits.</summary>
public sealed record GenerationResult(IReadOnlyList<int> Tokens, byte[]? LogitsHash, int Steps);

/// <summary>
/// llama2.c's generation loop: feed the prompt (forcing its tokens), then sample; stop at BOS or after
/// <c>maxTokens</c> steps past the prompt or at the context end. The logits hash is h ← keccak(h ‖ logits bytes).
/// </summary>
public static class Generator
{
    public static GenerationResult Run(IntegerTransformer transformer, IntegerSampler sampler, IReadOnlyList<int> prompt, int maxTokens, bool hashLogits)
    {
        ArgumentNullException.ThrowIfNull(transformer);
        ArgumentNullException.ThrowIfNull(sampler);
        ArgumentNullException.ThrowIfNull(prompt);
        if (prompt.Count == 0) throw new ArgumentException("the prompt needs at least one token (BOS)", nameof(prompt));
        int seqLen = transformer.Model.Config.SeqLen;
        int limit = Math.Min(seqLen, prompt.Count - 1 + maxTokens);
        var generated = new List<int>(maxTokens);
        byte[]? chain = hashLogits ? new byte[32] : null;
        byte[]? buffer = hashLogits ? new byte[32 + 4 * transformer.Model.Config.VocabSize] : null;
        int token = prompt[0], steps = 0;
        for (int pos = 0; pos < limit; pos++)
        {
            ReadOnlySpan<int> logits = transformer.Forward(token, pos);
            steps++;
            if (chain is not null)
            {
                chain.CopyTo(buffer!, 0);
                for (int i = 0; i < logits.Length; i++) System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(buffer.AsSpan(32 + 4 * i), logits[i]);
                Keccak256.Hash(buffer, chain);
            }

            if (pos + 1 < prompt.Count)
            {
                token = prompt[pos + 1];
                continue;
            }

            token = sampler.Sample(logits);
            if (token == Tokenizer.Bos) break;
            generated.Add(token);
        }

        return new GenerationResult(generated, chain, steps);
    }
}
