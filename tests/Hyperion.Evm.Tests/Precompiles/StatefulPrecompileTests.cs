using Hyperion.Core;
using Hyperion.Evm.Precompiles;
using Hyperion.Evm.Tests.Vm;

namespace Hyperion.Evm.Tests.Precompiles;

/// <summary>How MetisVM turns a stateful precompile's outcome into a frame result: success, revert with data, failure.</summary>
public sealed class StatefulPrecompileTests
{
    private static readonly Address At = Address.Parse("0x0000000000000000000000000000000000000a99");

    /// <summary>Costs 1,000; answers "ok" to 0x01, reverts with 0xbeef to 0x02, fails (no output) otherwise.</summary>
    private sealed class Scripted : IStatefulPrecompile
    {
        public long RequiredGas(ReadOnlySpan<byte> input) => 1_000;

        public bool TryRun(ReadOnlySpan<byte> input, out byte[] output)
        {
            output = [];
            return false;
        }

        public long RequiredGas(ReadOnlySpan<byte> input, IPrecompileContext context) => 1_000;

        public bool TryRun(ReadOnlySpan<byte> input, IPrecompileContext context, out byte[] output)
        {
            output = input is [0x01] ? "ok"u8.ToArray() : input is [0x02] ? [0xbe, 0xef] : [];
            return input is [0x01];
        }
    }

    private static ExecutionResult Call(byte input, long gas)
    {
        var harness = new VmHarness();
        var table = PrecompileTable.ForFork(Fork.Cancun).With(At, new Scripted());
        var vm = new MetisVm(harness.State, harness.Block, harness.Tx, table);
        return vm.Call(VmHarness.Sender, At, UInt256.Zero, new byte[] { input }, gas);
    }

    [Fact]
    public void Output_with_false_is_a_revert_that_returns_the_unused_gas_and_the_data()
    {
        ExecutionResult r = Call(0x02, 5_000);
        Assert.False(r.Success);
        Assert.True(r.Reverted);
        Assert.Equal(4_000, r.GasLeft);
        Assert.Equal(new byte[] { 0xbe, 0xef }, r.Output.ToArray());
    }

    [Fact]
    public void No_output_with_false_is_a_failure_that_consumes_all_gas()
    {
        ExecutionResult r = Call(0x03, 5_000);
        Assert.False(r.Success);
        Assert.False(r.Reverted);
        Assert.Equal(0, r.GasLeft);
        Assert.Empty(r.Output.ToArray());
    }

    [Fact]
    public void Success_and_out_of_gas_are_unchanged()
    {
        ExecutionResult ok = Call(0x01, 5_000);
        Assert.True(ok.Success);
        Assert.Equal(4_000, ok.GasLeft);
        Assert.Equal("ok"u8.ToArray(), ok.Output.ToArray());

        ExecutionResult starved = Call(0x02, 999);
        Assert.False(starved.Reverted);
        Assert.Equal(0, starved.GasLeft);
    }
}
