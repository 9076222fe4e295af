using System.Diagnostics;
using System.Text.Json;
using Hyperion.Chain;
using static Hyperion.Rpc.Tests.Eth.DevChain;

namespace Hyperion.Rpc.Tests.Eth;

/// <summary>
/// The EVM methods are aborted at --rpc-evm-timeout, run a bounded number at a time without keeping cheap methods
/// waiting, and a batch's EVM time is bounded.
/// </summary>
public sealed class RpcExecutionLimitsTests
{
    private const string Looper = "0x00000000000000000000000000000000000000aa";

    /// <summary>JUMPDEST PUSH1 0 JUMP: with no gas cap it never ends by itself.</summary>
    private const string Loop = "0x5b600056";

    private static readonly string LoopCall = $$$"""[{"to":"{{{Looper}}}"},"latest",{"{{{Looper}}}":{"code":"{{{Loop}}}"}}]""";

    private static RpcExecutionLimits Limits(int timeoutMs, int concurrency = 2, int batchMs = 0) =>
        new(TimeSpan.FromMilliseconds(timeoutMs), concurrency, TimeSpan.FromMilliseconds(batchMs));

    /// <summary>Fails the test instead of hanging when <paramref name="work"/> is not stopped.</summary>
    private static T Within<T>(Func<T> work, int seconds = 30) =>
        Task.Run(work).WaitAsync(TimeSpan.FromSeconds(seconds)).GetAwaiter().GetResult();

    [Theory]
    [InlineData("eth_call")]
    [InlineData("eth_estimateGas")]
    [InlineData("eth_createAccessList")]
    [InlineData("debug_traceCall")]
    public void An_endless_call_is_aborted_at_the_timeout_with_geths_message(string method)
    {
        using var chain = new DevChain(rpcGasCap: 0, limits: Limits(200));
        // Gas far beyond what any machine runs in 200 ms (the block gas limit's 2.5M iterations can end in out-of-gas
        // first on a fast machine), and a tracer whose result does not grow with the steps (the struct logger's would
        // hit --rpc-trace-max-bytes first): so only the timeout can end the call, on a fast CI runner or a loaded one.
        string parameters = method switch
        {
            // These take no state override: the loop is a creation's init code.
            "eth_createAccessList" => $$$"""[{"data":"{{{Loop}}}","gas":"0x3fffffffffffffff"},"latest"]""",
            "debug_traceCall" => $$$"""[{"data":"{{{Loop}}}","gas":"0x3fffffffffffffff"},"latest",{"tracer":"callTracer"}]""",
            _ => $$$"""[{"to":"{{{Looper}}}","gas":"0x3fffffffffffffff"},"latest",{"{{{Looper}}}":{"code":"{{{Loop}}}"}}]""",
        };

        var watch = Stopwatch.StartNew();
        JsonElement error = Within(() => chain.Error(method, parameters));
        Assert.True(error.GetProperty("code").GetInt32() == RpcErrorCodes.Server && error.GetProperty("message").GetString() == "execution aborted (timeout = 200ms)", $"{method}: {error}");

        // Aborted, not run to the end: the upper bound only allows for a loaded machine's scheduling.
        Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(150), TimeSpan.FromSeconds(25));

        // The node goes on serving calls after the abort.
        Assert.Equal("0x", chain.Call("eth_call", $$$"""[{"to":"{{{Looper}}}"},"latest"]""").GetString());
    }

    [Fact]
    public void Tracing_a_long_transaction_is_aborted_at_the_timeout()
    {
        using var chain = new DevChain(limits: Limits(5));
        // A creation whose init code loops until its 3M gas run out: 250,000 traced steps, far more than 5 ms.
        string hash = chain.SendAndMine($$$"""{"from":"{{{Alice}}}","data":"{{{Loop}}}","gas":"0x2dc6c0"}""");
        JsonElement error = Within(() => chain.Error("debug_traceTransaction", $"[\"{hash}\"]"));
        Assert.Equal("execution aborted (timeout = 5ms)", error.GetProperty("message").GetString());
    }

    [Fact]
    public void Zero_means_no_timeout()
    {
        using var chain = new DevChain(limits: Limits(0));
        // Bounded by the default gas cap instead: runs out of gas, not time.
        JsonElement error = Within(() => chain.Error("eth_call", LoopCall));
        Assert.Equal("out of gas", error.GetProperty("message").GetString());
    }

    [Fact]
    public void Cheap_methods_are_answered_while_calls_fill_every_slot_and_calls_queue_for_a_slot()
    {
        const int Calls = 8;
        using var chain = new DevChain(rpcGasCap: 0, limits: Limits(400, concurrency: 2));
        var watch = Stopwatch.StartNew();
        Task<JsonElement>[] calls = [.. Enumerable.Range(0, Calls).Select(_ => Task.Run(() => chain.SendAsync(chain.RequestJson("eth_call", LoopCall))))];
        Thread.Sleep(100);
        for (int i = 0; i < 5; i++)
        {
            var cheap = Stopwatch.StartNew();
            Within(() => chain.Call("eth_blockNumber"));
            Assert.True(cheap.Elapsed < TimeSpan.FromSeconds(1), $"eth_blockNumber took {cheap.Elapsed} while calls ran");
        }

        JsonElement[] responses = Within(() => Task.WhenAll(calls).GetAwaiter().GetResult());
        Assert.All(responses, r => Assert.Equal("execution aborted (timeout = 400ms)", r.GetProperty("error").GetProperty("message").GetString()));
        // Two at a time: four rounds of 400 ms at least.
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(4 * 400 - 50), $"8 calls took {watch.Elapsed}");
    }

    [Fact]
    public void A_call_runs_on_the_requests_own_thread_when_a_slot_is_free()
    {
        RpcExecutionLimits limits = Limits(1000, concurrency: 2);
        for (int i = 0; i < 3; i++)
        {
            Thread? ranOn = null;
            ValueTask<System.Text.Json.Nodes.JsonNode?> run = limits.RunAsync(() => { ranOn = Thread.CurrentThread; return null; }, CancellationToken.None);
            // No hand-off to another thread and back: done before RunAsync returns, on the caller's thread.
            Assert.True(run.IsCompletedSuccessfully, "the call was handed off");
            Assert.Same(Thread.CurrentThread, ranOn);
        }
    }

    [Fact]
    public void A_batch_stops_running_the_evm_when_its_budget_is_spent()
    {
        using var chain = new DevChain(rpcGasCap: 0, limits: Limits(200, batchMs: 500));
        string batch = "[" + string.Join(",", Enumerable.Range(0, 5).Select(_ => chain.RequestJson("eth_call", LoopCall))) + ","
            + chain.RequestJson("eth_blockNumber") + "]";
        JsonElement[] responses = [.. Within(() => chain.Send(batch)).EnumerateArray()];
        Assert.Equal(6, responses.Length);
        Assert.Equal("execution aborted (timeout = 200ms)", responses[0].GetProperty("error").GetProperty("message").GetString());
        // The second may time out or meet the budget (timing); by the third the 500 ms are spent.
        foreach (JsonElement late in responses[2..5])
        {
            JsonElement error = late.GetProperty("error");
            Assert.Equal(RpcErrorCodes.LimitExceeded, error.GetProperty("code").GetInt32());
            Assert.StartsWith("batch execution budget exceeded: the batch's EVM calls may run 500ms in total", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        }

        Assert.True(responses[5].TryGetProperty("result", out _), "methods that do not run the EVM are not bounded by the budget");
        // The next request has a budget of its own.
        Assert.Equal("execution aborted (timeout = 200ms)", chain.Error("eth_call", LoopCall).GetProperty("message").GetString());
    }

    [Theory]
    [InlineData(5000, "5s")]
    [InlineData(250, "250ms")]
    [InlineData(30_000, "30s")]
    public void Durations_are_written_as_go_writes_them(int milliseconds, string expected) =>
        Assert.Equal(expected, RpcExecutionLimits.GoDuration(TimeSpan.FromMilliseconds(milliseconds)));
}
