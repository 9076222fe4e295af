using Hyperion.Core;

namespace Hyperion.Evm.Tests.Vm;

/// <summary>A run stops when the token of the <see cref="EvmAbort"/> scope it was created in is cancelled.</summary>
public sealed class AbortTests
{
    /// <summary>JUMPDEST PUSH1 0 JUMP: loops until gas runs out.</summary>
    private static readonly byte[] Loop = Hex.Decode("5b600056");

    [Fact]
    public void A_loop_with_unlimited_gas_stops_when_the_token_is_cancelled()
    {
        var harness = new VmHarness();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        ExecutionResult result;
        using (EvmAbort.Open(timeout.Token))
        {
            result = harness.Run(Loop, gas: long.MaxValue / 2);
        }

        Assert.False(result.Success);
        Assert.Equal("execution aborted", result.Error);
        Assert.Equal(0, result.GasLeft);
    }

    [Fact]
    public void A_cancelled_token_fails_a_child_frame_before_it_starts_and_outside_a_scope_nothing_stops()
    {
        var harness = new VmHarness();
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        ExecutionResult result;
        using (EvmAbort.Open(cancelled.Token))
        {
            result = harness.Run([0x00]); // STOP: the top frame is refused before its first instruction
        }

        Assert.Equal("execution aborted", result.Error);
        Assert.False(EvmAbort.Current.CanBeCanceled);
        Assert.True(harness.Run(Loop, gas: 100_000).Error == "out of gas");
    }
}
