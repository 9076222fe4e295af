using System.Text.Json;
using Hyperion.Core;
using static Hyperion.Rpc.Tests.Eth.DevChain;

namespace Hyperion.Rpc.Tests.Eth;

public sealed class DebugModuleTests : IDisposable
{
    private readonly DevChain _chain = new();

    public void Dispose() => _chain.Dispose();

    private static string[] Ops(JsonElement trace) =>
        [.. trace.GetProperty("structLogs").EnumerateArray().Select(s => s.GetProperty("op").GetString()!)];

    [Fact]
    public void Trace_of_a_mined_transaction_replays_the_block_before_it()
    {
        // Two calls in one block: the second overwrites slot 0, so its SSTORE cost depends on the first having run.
        string first = _chain.Call("eth_sendTransaction", $$"""[{"from":"{{Alice}}","to":"{{Contract}}","data":"{{Word(5)}}","gas":"0x30000"}]""").GetString()!;
        string second = _chain.Call("eth_sendTransaction", $$"""[{"from":"{{Bob}}","to":"{{Contract}}","data":"{{Word(6)}}","gas":"0x30000"}]""").GetString()!;
        _chain.Call("evm_mine");
        JsonElement receipt = _chain.Call("eth_getTransactionReceipt", $"""["{second}"]""");
        Assert.Equal(_chain.Call("eth_getTransactionReceipt", $"""["{first}"]""").GetProperty("blockNumber").GetString(), receipt.GetProperty("blockNumber").GetString());
        Assert.Equal("0x1", receipt.GetProperty("transactionIndex").GetString());

        JsonElement trace = _chain.Call("debug_traceTransaction", $"""["{second}"]""");
        Assert.False(trace.GetProperty("failed").GetBoolean());
        Assert.Equal(Quantity(receipt.GetProperty("gasUsed")), trace.GetProperty("gas").GetUInt64());
        Assert.Equal("0x", trace.GetProperty("returnValue").GetString());
        Assert.Equal(
            ["PUSH1", "CALLDATALOAD", "DUP1", "PUSH1", "EQ", "PUSH1", "JUMPI", "DUP1", "PUSH1", "SSTORE", "DUP1", "PUSH32", "PUSH1", "PUSH1", "LOG2", "STOP"],
            Ops(trace));

        JsonElement[] steps = [.. trace.GetProperty("structLogs").EnumerateArray()];
        Assert.Equal(0, steps[0].GetProperty("pc").GetInt32());
        Assert.Equal(3, steps[0].GetProperty("gasCost").GetInt64());
        Assert.Equal(1, steps[0].GetProperty("depth").GetInt32());
        Assert.Equal(0, steps[0].GetProperty("stack").GetArrayLength());
        Assert.Equal(steps[0].GetProperty("gas").GetInt64() - 3, steps[1].GetProperty("gas").GetInt64());

        JsonElement sstore = steps[9];
        Assert.Equal(13, sstore.GetProperty("pc").GetInt32());
        Assert.Equal(["0x6", "0x6", "0x0"], sstore.GetProperty("stack").EnumerateArray().Select(e => e.GetString()!).ToArray());
        // Slot 0 already holds 5 from the block's first transaction: cold access (2100) + reset of a non-zero slot (2900).
        Assert.Equal(5000, sstore.GetProperty("gasCost").GetInt64());
        Assert.Equal(Word(6)[2..], sstore.GetProperty("storage").GetProperty(new string('0', 64)).GetString());

        JsonElement firstTrace = _chain.Call("debug_traceTransaction", $$"""["{{first}}",{"disableStack":true,"disableStorage":true}]""");
        JsonElement firstStore = firstTrace.GetProperty("structLogs")[9];
        Assert.Equal(22_100, firstStore.GetProperty("gasCost").GetInt64()); // fresh slot on the parent state
        Assert.False(firstStore.TryGetProperty("stack", out _));
        Assert.False(firstStore.TryGetProperty("storage", out _));
    }

    [Fact]
    public void Trace_call_reports_the_revert()
    {
        JsonElement trace = _chain.Call("debug_traceCall", $$"""[{"from":"{{Alice}}","to":"{{Contract}}","data":"{{Word(1)}}"},"latest",{}]""");
        Assert.True(trace.GetProperty("failed").GetBoolean());
        Assert.Equal("0xdeadbeef", trace.GetProperty("returnValue").GetString());
        Assert.Equal(
            ["PUSH1", "CALLDATALOAD", "DUP1", "PUSH1", "EQ", "PUSH1", "JUMPI", "JUMPDEST", "PUSH4", "PUSH1", "MSTORE", "PUSH1", "PUSH1", "REVERT"],
            Ops(trace));
        Assert.Equal(54, trace.GetProperty("structLogs")[7].GetProperty("pc").GetInt32());
    }

    [Fact]
    public void Call_tracer_nests_frames_and_reports_the_inner_revert()
    {
        JsonElement top = _chain.Call("debug_traceCall",
            $$"""[{"from":"{{Alice}}","to":"{{Proxy}}","data":"{{Word(1)}}","gas":"0x40000"},"latest",{"tracer":"callTracer"}]""");
        Assert.Equal("CALL", top.GetProperty("type").GetString());
        Assert.Equal(Alice.ToString(), top.GetProperty("from").GetString());
        Assert.Equal(Proxy.ToString(), top.GetProperty("to").GetString());
        Assert.Equal("0x0", top.GetProperty("value").GetString());
        Assert.Equal("0x40000", top.GetProperty("gas").GetString());
        Assert.Equal(Word(1), top.GetProperty("input").GetString());
        Assert.False(top.TryGetProperty("error", out _)); // the proxy ignores the inner failure

        JsonElement inner = Assert.Single(top.GetProperty("calls").EnumerateArray());
        Assert.Equal("CALL", inner.GetProperty("type").GetString());
        Assert.Equal(Proxy.ToString(), inner.GetProperty("from").GetString());
        Assert.Equal(Contract.ToString(), inner.GetProperty("to").GetString());
        Assert.Equal(Word(1), inner.GetProperty("input").GetString());
        Assert.Equal("execution reverted", inner.GetProperty("error").GetString());
        Assert.Equal("0xdeadbeef", inner.GetProperty("output").GetString());
        Assert.False(inner.TryGetProperty("calls", out _));
        ulong innerGas = Quantity(inner.GetProperty("gas"));
        Assert.True(Quantity(inner.GetProperty("gasUsed")) < innerGas);
        Assert.True(innerGas < 0x40000);
    }

    [Fact]
    public void Call_tracer_on_a_mined_transaction_reports_its_gas()
    {
        string hash = _chain.SendAndMine($$"""{"from":"{{Alice}}","to":"{{Proxy}}","data":"{{Word(9)}}","gas":"0x50000"}""");
        JsonElement receipt = _chain.Call("eth_getTransactionReceipt", $"""["{hash}"]""");
        JsonElement top = _chain.Call("debug_traceTransaction", $$"""["{{hash}}",{"tracer":"callTracer"}]""");
        Assert.Equal("0x50000", top.GetProperty("gas").GetString());
        Assert.Equal(receipt.GetProperty("gasUsed").GetString(), top.GetProperty("gasUsed").GetString());
        JsonElement inner = Assert.Single(top.GetProperty("calls").EnumerateArray());
        Assert.False(inner.TryGetProperty("error", out _));
        Assert.Equal(Word(9), _chain.Call("eth_getStorageAt", $"""["{Contract}","0x0","latest"]""").GetString());
    }

    [Fact]
    public void Bad_trace_requests_are_errors()
    {
        Assert.Contains("not found", _chain.Error("debug_traceTransaction", $"""["{Hash256.Zero}"]""").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(RpcErrorCodes.InvalidParams, _chain.Error("debug_traceTransaction", """["0x12"]""").GetProperty("code").GetInt32());
        Assert.Equal(RpcErrorCodes.InvalidParams,
            _chain.Error("debug_traceCall", $$"""[{"to":"{{Contract}}"},"latest",{"tracer":"opcodeTracer"}]""").GetProperty("code").GetInt32());
        Assert.Equal(RpcErrorCodes.InvalidParams, _chain.Error("debug_traceCall", $$"""[{"to":"{{Contract}}"},"latest",5]""").GetProperty("code").GetInt32());
    }
}
