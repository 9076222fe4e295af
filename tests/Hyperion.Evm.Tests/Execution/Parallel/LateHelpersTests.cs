using Hyperion.Execution.Parallel;
using Xunit;

namespace Hyperion.Evm.Tests.Execution.Parallel;

public class LateHelpersTests
{
    [Fact]
    public async Task The_caller_waits_for_a_helper_that_entered_and_turns_away_one_that_comes_after()
    {
        var gate = new LateHelpers();
        Assert.True(gate.TryEnter());
        Assert.False(gate.IsClosed);
        Task closing = Task.Run(gate.CloseAndWait);

        // The entered helper has not exited: the caller must still be waiting (a wrong gate returns at once).
        Assert.NotSame(closing, await Task.WhenAny(closing, Task.Delay(200)));
        gate.Exit();
        await closing.WaitAsync(TimeSpan.FromSeconds(30));

        // Closed: a helper that starts now (or comes back for more) does nothing, and is not waited for.
        Assert.True(gate.IsClosed);
        Assert.False(gate.TryEnter());
        gate.CloseAndWait();
    }
}
