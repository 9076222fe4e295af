using Hyperion.Inference.Import;

namespace Hyperion.MetisAi.Tests;

public sealed class InferenceGasTests
{
    [Fact]
    public void Macs_per_forward_pass_follow_the_model_shape()
    {
        // stories260K: 5·(2·64² + 2·64·32 + 3·64·172) + 512·64 = 226,560 + 32,768; attention 2·5·64 = 640 per position.
        Assert.Equal(259_328, InferenceGas.MacsPerPassFixed(RandomModels.Stories260K));
        Assert.Equal(259_328 + 640, InferenceGas.MacsAt(RandomModels.Stories260K, 0));
        // stories15M: 6·(2·288² + 2·288² + 3·288·768) + 32000·288 = 5,971,968 + 9,216,000; attention 2·6·288 = 3,456 per position.
        Assert.Equal(15_187_968, InferenceGas.MacsPerPassFixed(RandomModels.Stories15M));
        Assert.Equal(15_187_968 + (3_456 * 10), InferenceGas.MacsAt(RandomModels.Stories15M, 9));
    }

    [Fact]
    public void Gas_is_the_base_plus_the_rounded_up_macs_of_each_position()
    {
        // ⌈259,968/64⌉ = 4,062 and ⌈260,608/64⌉ = 4,072.
        Assert.Equal(50_000 + 4_062 + 4_072, InferenceGas.ForPositions(RandomModels.Stories260K, 2, 64));
        // stories15M, first token: ⌈15,191,424/64⌉ = 237,366.
        Assert.Equal(50_000 + 237_366, InferenceGas.ForPositions(RandomModels.Stories15M, 1, 64));
        Assert.Equal(InferenceGas.BaseGas, InferenceGas.ForPositions(RandomModels.Stories15M, 0, 64));
        // A rate of 1 MAC per gas charges exactly the MACs.
        long macs = Enumerable.Range(0, 7).Sum(p => InferenceGas.MacsAt(RandomModels.Stories260K, p));
        Assert.Equal(InferenceGas.BaseGas + macs, InferenceGas.ForPositions(RandomModels.Stories260K, 7, 1));
    }

    [Fact]
    public void The_examples_in_docs_inference_md_hold()
    {
        Assert.Equal(202_532, InferenceGas.ForPositions(RandomModels.Stories260K, InferenceGas.Positions(RandomModels.Stories260K, 5, 32), 64));
        Assert.Equal(24_053_900, InferenceGas.ForPositions(RandomModels.Stories15M, 100, 64));
        Assert.True(InferenceGas.ForPositions(RandomModels.Stories15M, 124, 64) <= 30_000_000);
        Assert.True(InferenceGas.ForPositions(RandomModels.Stories15M, 125, 64) > 30_000_000);
    }

    [Fact]
    public void Gas_grows_with_positions_and_falls_with_the_rate()
    {
        long previous = InferenceGas.BaseGas;
        for (int n = 1; n <= 64; n++)
        {
            long gas = InferenceGas.ForPositions(RandomModels.Stories260K, n, 64);
            Assert.True(gas > previous);
            Assert.True(InferenceGas.ForPositions(RandomModels.Stories260K, n, 128) < gas);
            previous = gas;
        }
    }

    [Fact]
    public void Positions_are_the_generators_bound()
    {
        Assert.Equal(3 - 1 + 5, InferenceGas.Positions(RandomModels.Stories260K, 3, 5));
        Assert.Equal(512, InferenceGas.Positions(RandomModels.Stories260K, 500, 100)); // clamped to the context
        Assert.Equal(256, InferenceGas.Positions(RandomModels.Stories15M, 1, 512));
    }

    [Fact]
    public void Whole_context_of_stories15M_fits_in_a_long()
    {
        long gas = InferenceGas.ForPositions(RandomModels.Stories15M, 256, 1);
        Assert.True(gas > 256L * 15_187_968);
        Assert.Throws<ArgumentOutOfRangeException>(() => InferenceGas.ForPositions(RandomModels.Stories15M, 1, 0));
    }
}
