using Hyperion.Inference.Engine;
using Hyperion.Inference.Import;
using Hyperion.Inference.Model;
using Hyperion.Inference.Numerics;
using Hyperion.Inference.Reference;
using Xunit.Abstractions;

namespace Hyperion.Inference.Tests;

/// <summary>Integer engine vs the float reference on seeded random models, teacher-forced on the same tokens.</summary>
public class AgreementTests(ITestOutputHelper output)
{
    public static TheoryData<string, int, int, int, int, int, int> Shapes => new()
    {
        // name, dim, hidden, layers, heads, kvHeads, vocab
        { "stories260K", 64, 172, 5, 8, 4, 512 },
        { "wide-mha", 128, 344, 2, 4, 4, 1000 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Integer_engine_agrees_with_float_reference(string name, int dim, int hidden, int layers, int heads, int kvHeads, int vocab)
    {
        var config = new ModelConfig(dim, hidden, layers, heads, kvHeads, vocab, 128);
        FloatModel original = RandomModels.Generate(config, 7);
        QuantizedModel quantized = Quantizer.Quantize(original, null);
        FloatModel dequantized = Quantizer.Dequantize(quantized);
        using var integer = new IntegerTransformer(quantized);
        var floatOnDequantized = new FloatTransformer(dequantized);
        var floatOnOriginal = new FloatTransformer(original);

        var rng = new DeterministicRng(11);
        const int steps = 96;
        int agreeDequantized = 0, agreeOriginal = 0;
        double worstError = 0, sumError = 0;
        for (int pos = 0; pos < steps; pos++)
        {
            int token = (int)(rng.NextUInt64() % (ulong)vocab);
            ReadOnlySpan<int> intLogits = integer.Forward(token, pos);
            float[] reference = floatOnDequantized.Forward(token, pos).ToArray();
            float[] originalLogits = floatOnOriginal.Forward(token, pos).ToArray();
            int intTop = IntegerSampler.ArgMax(intLogits);
            if (intTop == FloatSampler.ArgMax(reference)) agreeDequantized++;
            if (intTop == FloatSampler.ArgMax(originalLogits)) agreeOriginal++;
            double range = reference.Max() - reference.Min();
            double error = 0;
            for (int i = 0; i < vocab; i++) error = Math.Max(error, Math.Abs(intLogits[i] / 65536.0 - reference[i]));
            worstError = Math.Max(worstError, error / range);
            sumError += error / range;
        }

        output.WriteLine($"{name}: top-1 agreement {agreeDequantized}/{steps} vs float on dequantized weights, {agreeOriginal}/{steps} vs float on original weights; " +
                         $"max logit error / logit range: worst {worstError:P2}, mean {sumError / steps:P2}");
        Assert.True(agreeDequantized >= steps * 85 / 100, $"top-1 agreement {agreeDequantized}/{steps} below 85%");
        Assert.True(agreeOriginal >= steps * 75 / 100, $"top-1 agreement with the unquantized model {agreeOriginal}/{steps} below 75%");
        Assert.True(worstError < 0.08, $"worst relative logit error {worstError:P2}");
    }
}
