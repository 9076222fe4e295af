using Hyperion.Core;
using Hyperion.Evm;
using Hyperion.Evm.Precompiles;
using Hyperion.Execution.Blocks;
using Hyperion.Rollup.Config;
using Hyperion.Rollup.Node.Execution;

namespace Hyperion.Rollup.Node.Tests.Execution;

public class RollupPrecompilesTests
{
    // go-ethereum core/vm/testdata/precompiles/p256Verify.json ("CallP256Verify"): hash, r, s, x, y → 1.
    private const string ValidSignature =
        "4cee90eb86eaa050036147a12d49004b6b9c72bd725d39d4785011fe190f0b4da73bd4903f0ce3b639bbbf6e8e80d16931ff4bcf5993d58468e8fb19086e8cac36dbcd03009df8c59286b162af3bd7fcc0450c9aa81be5d10d312af6c66b1d604aebd3099c618202fcfe16ae7770b0c49ab5eadf74b754204a3bb6060e44eff37618b065f9832de4ca6ca971a7a1adc826d0f7c00181a5fb2ddf79ae00b4e10e";

    [Fact]
    public void P256Verify_accepts_a_valid_signature_and_answers_empty_otherwise()
    {
        IPrecompile p256 = RollupPrecompiles.P256Verify;
        byte[] input = Hex.Decode(ValidSignature);
        Assert.Equal(3_450, p256.RequiredGas(input));
        Assert.True(p256.TryRun(input, out byte[] output));
        Assert.Equal(Hex.Decode("0x" + new string('0', 63) + "1"), output);

        byte[] tampered = (byte[])input.Clone();
        tampered[70] ^= 1; // s
        Assert.True(p256.TryRun(tampered, out output));
        Assert.Empty(output);

        byte[] offCurve = (byte[])input.Clone();
        offCurve[159] ^= 1; // y
        Assert.True(p256.TryRun(offCurve, out output));
        Assert.Empty(output);

        byte[] zeroR = (byte[])input.Clone();
        Array.Clear(zeroR, 32, 32);
        Assert.True(p256.TryRun(zeroR, out output));
        Assert.Empty(output);

        Assert.True(p256.TryRun(input.AsSpan(0, 159), out output));
        Assert.Empty(output);
    }

    [Fact]
    public void Granite_caps_the_pairing_input()
    {
        byte[] pointsAtInfinity = new byte[587 * Bn254PairingPrecompile.PairLength]; // 112,704 bytes: just past the cap
        Assert.True(Bn254PairingPrecompile.TryRun(pointsAtInfinity, out _));
        Assert.False(RollupPrecompiles.GranitePairing.TryRun(pointsAtInfinity, out _));
        Assert.True(RollupPrecompiles.GranitePairing.TryRun(pointsAtInfinity.AsSpan(0, 586 * Bn254PairingPrecompile.PairLength), out _));
    }

    [Fact]
    public void Executor_has_the_upgrades_precompiles_only_when_the_config_activates_them()
    {
        RollupConfig ecotone = TestRollupConfig.Create();
        RollupConfig granite = TestRollupConfig.Create(fjord: true) with { GraniteTime = 0 };
        PrecompileTable Table(RollupConfig config) =>
            RollupExecution.CreateExecutor(RollupChainSpec.From(config), null, config).Precompiles.For(Fork.Cancun);

        Assert.False(Table(ecotone).Contains(RollupPrecompiles.P256VerifyAddress));
        Assert.True(Table(granite).TryGet(RollupPrecompiles.P256VerifyAddress, out IPrecompile p256));
        Assert.Same(RollupPrecompiles.P256Verify, p256);
        Assert.True(Table(granite).TryGet(RollupPrecompiles.Bn254PairingAddress, out IPrecompile pairing));
        Assert.Same(RollupPrecompiles.GranitePairing, pairing);
        Assert.Equal(Table(ecotone).Count + 1, Table(granite).Count);
    }
}
