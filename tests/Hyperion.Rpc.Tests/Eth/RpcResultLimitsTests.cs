using System.Text.Json;
using Hyperion.Rpc.Eth;
using static Hyperion.Rpc.Tests.Eth.DevChain;

namespace Hyperion.Rpc.Tests.Eth;

/// <summary>Large answers are refused with -32005 naming the limit: log queries (blocks, results) and struct-log traces (bytes).</summary>
public sealed class RpcResultLimitsTests
{
    /// <summary>Three blocks with one log each (the test contract logs the word it is called with).</summary>
    private static void EmitThreeLogs(DevChain chain)
    {
        for (ulong x = 10; x < 13; x++)
        {
            chain.SendAndMine($$"""{"from":"{{Alice}}","to":"{{Contract}}","data":"{{Word(x)}}"}""");
        }
    }

    [Fact]
    public void Get_logs_past_the_result_limit_is_refused_naming_it()
    {
        using var chain = new DevChain(logLimits: new LogQueryLimits(10_000, 2));
        EmitThreeLogs(chain);
        const string All = """[{"fromBlock":"0x0","toBlock":"latest"}]""";
        JsonElement error = chain.Error("eth_getLogs", All);
        Assert.Equal(RpcErrorCodes.LimitExceeded, error.GetProperty("code").GetInt32());
        Assert.StartsWith("query returned more than 2 results", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(2, chain.Call("eth_getLogs", """[{"fromBlock":"0x2","toBlock":"latest"}]""").GetArrayLength());

        string filter = chain.Call("eth_newFilter", All).GetString()!;
        Assert.Equal(RpcErrorCodes.LimitExceeded, chain.Error("eth_getFilterLogs", $"[\"{filter}\"]").GetProperty("code").GetInt32());
    }

    [Fact]
    public void Get_logs_over_too_many_blocks_is_refused_naming_the_limit()
    {
        using var chain = new DevChain(logLimits: new LogQueryLimits(2, 10_000));
        EmitThreeLogs(chain);
        JsonElement error = chain.Error("eth_getLogs", """[{"fromBlock":"0x1","toBlock":"0x3"}]""");
        Assert.Equal(RpcErrorCodes.LimitExceeded, error.GetProperty("code").GetInt32());
        Assert.Equal("block range too large: 3 blocks, limit 2", error.GetProperty("message").GetString());
        Assert.Equal(2, chain.Call("eth_getLogs", """[{"fromBlock":"0x2","toBlock":"0x3"}]""").GetArrayLength());
    }

    [Fact]
    public void A_struct_log_trace_past_the_byte_limit_is_refused_and_smaller_ones_pass()
    {
        using var chain = new DevChain(maxTraceBytes: 100_000);
        // A creation whose init code loops until its 1M gas run out: some 83,000 steps, megabytes of struct logs.
        const string Looping = """[{"data":"0x5b600056","gas":"0xf4240"},"latest"]""";
        foreach (string options in new[] { "", ",{}", ",{\"disableStack\":true,\"disableStorage\":true}" })
        {
            JsonElement error = chain.Error("debug_traceCall", Looping.Insert(Looping.Length - 1, options));
            Assert.Equal(RpcErrorCodes.LimitExceeded, error.GetProperty("code").GetInt32());
            Assert.StartsWith("trace larger than 100000 bytes", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        }

        // The call tracer's answer does not grow with the steps; a short struct-log trace is within the limit.
        Assert.Equal("CREATE", chain.Call("debug_traceCall", Looping.Insert(Looping.Length - 1, ",{\"tracer\":\"callTracer\"}")).GetProperty("type").GetString());
        JsonElement trace = chain.Call("debug_traceCall", $$"""[{"to":"{{Contract}}","data":"{{Word(10)}}"},"latest"]""");
        Assert.True(trace.GetProperty("structLogs").GetArrayLength() > 10);
    }
}
