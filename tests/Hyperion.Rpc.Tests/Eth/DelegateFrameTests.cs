using System.Text.Json;
using Hyperion.Core;
using static Hyperion.Rpc.Tests.Eth.DevChain;

namespace Hyperion.Rpc.Tests.Eth;

/// <summary>
/// DELEGATECALL and CALLCODE frames as geth reports them: from the calling frame's account to the library whose code
/// runs (a DELEGATECALL with the value it inherits) — in callTracer, ots_traceTransaction, trace_transaction, the
/// address index behind ots_searchTransactions*, and prestateTracer (the library's code, the storage it writes under
/// the account it runs on).
/// </summary>
public sealed class DelegateFrameTests : IDisposable
{
    private static readonly Address Wallet = Address.Parse("0x00000000000000000000000000000000000d0001");
    private static readonly Address Router = Address.Parse("0x00000000000000000000000000000000000d0002");
    private static readonly Address Library = Address.Parse("0x00000000000000000000000000000000000d0003");

    private readonly DevChain _chain = new();

    public void Dispose() => _chain.Dispose();

    // RETSIZE RETOFFSET ARGSIZE ARGOFFSET [VALUE] ADDRESS GAS op POP
    private static string Frame(string op, Address to, string value = "") => "5f5f5f5f" + value + "73" + to.ToString()[2..] + "5a" + op + "50";

    /// <summary>The wallet DELEGATECALLs the router (which DELEGATECALLs the library), then CALLCODEs the library with 3 wei; the library writes slot 1 := 0x2a.</summary>
    private string DelegatingTransaction()
    {
        _chain.Call("hardhat_setCode", $"""["{Library}","0x602a60015500"]""");
        _chain.Call("hardhat_setCode", $"""["{Router}","0x{Frame("f4", Library)}00"]""");
        _chain.Call("hardhat_setCode", $"""["{Wallet}","0x{Frame("f4", Router)}{Frame("f2", Library, "6003")}00"]""");
        return _chain.SendAndMine($$"""{"from":"{{Alice}}","to":"{{Wallet}}","value":"0x7","gas":"0x30000"}""");
    }

    private static void AssertFrame(JsonElement frame, string type, Address from, Address to, string? value)
    {
        Assert.Equal(type, frame.GetProperty("type").GetString());
        Assert.Equal(from.ToString(), frame.GetProperty("from").GetString());
        Assert.Equal(to.ToString(), frame.GetProperty("to").GetString());
        Assert.Equal(value, frame.TryGetProperty("value", out JsonElement v) && v.ValueKind != JsonValueKind.Null ? v.GetString() : null);
    }

    [Fact]
    public void CallTracer_names_the_library_as_to_and_the_calling_account_as_from()
    {
        string hash = DelegatingTransaction();
        JsonElement top = _chain.Call("debug_traceTransaction", $$"""["{{hash}}",{"tracer":"callTracer"}]""");
        AssertFrame(top, "CALL", Alice, Wallet, "0x7");
        JsonElement[] calls = [.. top.GetProperty("calls").EnumerateArray()];
        Assert.Equal(2, calls.Length);
        AssertFrame(calls[0], "DELEGATECALL", Wallet, Router, "0x7"); // current geth: the value the frame inherits
        AssertFrame(Assert.Single(calls[0].GetProperty("calls").EnumerateArray()), "DELEGATECALL", Wallet, Library, "0x7");
        AssertFrame(calls[1], "CALLCODE", Wallet, Library, "0x3");
    }

    [Fact]
    public void Ots_trace_and_trace_transaction_name_the_library()
    {
        string hash = DelegatingTransaction();
        JsonElement[] frames = [.. _chain.Call("ots_traceTransaction", $"""["{hash}"]""").EnumerateArray()];
        Assert.Equal(4, frames.Length);
        AssertFrame(frames[0], "CALL", Alice, Wallet, "0x7");
        AssertFrame(frames[1], "DELEGATECALL", Wallet, Router, null); // Erigon's Otterscan leaves a DELEGATECALL's value out
        AssertFrame(frames[2], "DELEGATECALL", Wallet, Library, null);
        Assert.Equal(2, frames[2].GetProperty("depth").GetInt32());
        AssertFrame(frames[3], "CALLCODE", Wallet, Library, "0x3");

        JsonElement[] traces = [.. _chain.Call("trace_transaction", $"""["{hash}"]""").EnumerateArray()];
        Assert.Equal(4, traces.Length);
        JsonElement nested = traces[2].GetProperty("action");
        Assert.Equal("delegatecall", nested.GetProperty("callType").GetString());
        Assert.Equal(Wallet.ToString(), nested.GetProperty("from").GetString());
        Assert.Equal(Library.ToString(), nested.GetProperty("to").GetString());
        Assert.Equal("0x7", nested.GetProperty("value").GetString()); // as OpenEthereum and reth: the value the frame inherits
        JsonElement callCode = traces[3].GetProperty("action");
        Assert.Equal("callcode", callCode.GetProperty("callType").GetString());
        Assert.Equal(Library.ToString(), callCode.GetProperty("to").GetString());
    }

    [Fact]
    public void Searching_by_a_library_finds_the_transactions_that_ran_its_code()
    {
        string hash = DelegatingTransaction();
        _chain.SendAndMine($$"""{"from":"{{Bob}}","to":"{{Contract}}","data":"{{Word(6)}}"}""");
        foreach (Address address in (Address[])[Library, Router, Wallet])
        {
            JsonElement page = _chain.Call("ots_searchTransactionsBefore", $"""["{address}","0x0","0xa"]""");
            Assert.Equal([hash], page.GetProperty("txs").EnumerateArray().Select(t => t.GetProperty("hash").GetString()));
        }
    }

    [Fact]
    public void Prestate_has_the_libraries_and_the_storage_of_the_account_they_ran_on()
    {
        DelegatingTransaction(); // slot 1 of the wallet: 0x2a
        string hash = _chain.SendAndMine($$"""{"from":"{{Alice}}","to":"{{Wallet}}","gas":"0x30000"}""");
        JsonElement pre = _chain.Call("debug_traceTransaction", $$"""["{{hash}}",{"tracer":"prestateTracer"}]""");
        Assert.Equal(Word(0x2a), pre.GetProperty(Wallet.ToString()).GetProperty("storage").GetProperty(Word(1)).GetString());
        Assert.Equal("0x602a60015500", pre.GetProperty(Library.ToString()).GetProperty("code").GetString());
        Assert.False(pre.GetProperty(Library.ToString()).TryGetProperty("storage", out _));
        Assert.False(pre.GetProperty(Router.ToString()).TryGetProperty("storage", out _));
    }
}
