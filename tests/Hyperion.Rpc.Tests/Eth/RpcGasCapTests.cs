using System.Text.Json;
using Hyperion.Chain;
using static Hyperion.Rpc.Tests.Eth.DevChain;

namespace Hyperion.Rpc.Tests.Eth;

/// <summary>eth_call and eth_estimateGas are bounded by the RPC gas cap (geth's --rpc.gascap), not the block gas limit.</summary>
public sealed class RpcGasCapTests
{
    /// <summary>Above the dev genesis block gas limit (30M), below the default cap (50M).</summary>
    private const ulong Needed = 35_000_000;

    /// <summary>Code that returns the word 1 when it starts with more than <see cref="Needed"/> gas, else reverts.</summary>
    private static readonly string NeedsGas = "0x5a63" + Needed.ToString("x8", System.Globalization.CultureInfo.InvariantCulture) +
        "10600f57" + "60006000fd" + "5b" + "600160005260206000f3";

    private const string Target = "0x00000000000000000000000000000000000000cc";

    private static string CallParams(string gas) =>
        $$$"""[{"to":"{{{Target}}}"{{{gas}}}},"latest",{"{{{Target}}}":{"code":"{{{NeedsGas}}}"}}]""";

    [Fact]
    public void A_call_needing_more_gas_than_the_block_limit_succeeds_under_the_default_cap()
    {
        using var chain = new DevChain();
        Assert.Equal(Hyperion.Execution.Specs.ChainSpec.DefaultGasLimit, Quantity(chain.Call("eth_getBlockByNumber", """["latest",false]""").GetProperty("gasLimit")));
        Assert.Equal(Word(1), chain.Call("eth_call", CallParams("")).GetString());
        // More gas than the cap is capped, not refused.
        Assert.Equal(Word(1), chain.Call("eth_call", CallParams(""","gas":"0x5f5e100" """)).GetString()); // 100M
    }

    [Fact]
    public void A_call_above_the_block_limit_still_sees_the_block_gas_limit()
    {
        using var chain = new DevChain();
        const string gasLimitCode = "0x4560005260206000f3"; // GASLIMIT, MSTORE, RETURN 32 bytes
        string call = $$$"""[{"to":"{{{Target}}}","gas":"0x5f5e100"},"latest",{"{{{Target}}}":{"code":"{{{gasLimitCode}}}"}}]""";
        Assert.Equal(Word(Hyperion.Execution.Specs.ChainSpec.DefaultGasLimit), chain.Call("eth_call", call).GetString());
    }

    [Fact]
    public void The_cap_bounds_calls_and_zero_means_none()
    {
        using (var capped = new DevChain(rpcGasCap: Needed - 1))
        {
            JsonElement error = capped.Error("eth_call", CallParams(""","gas":"0x2faf080" """)); // 50M asked, cap below Needed
            Assert.Equal(RpcErrorCodes.ExecutionReverted, error.GetProperty("code").GetInt32());
        }

        using var uncapped = new DevChain(rpcGasCap: 0);
        Assert.Equal(Word(1), uncapped.Call("eth_call", CallParams("")).GetString());
    }

    [Fact]
    public void Estimate_gas_above_the_block_limit_when_the_request_allows_it()
    {
        using var chain = new DevChain();
        // As geth: the search starts at the request's gas (capped), so an estimate may exceed the block gas limit ...
        ulong estimate = Quantity(chain.Call("eth_estimateGas", CallParams(""","gas":"0x2faf080" """)));
        Assert.InRange(estimate, Needed + 21_000, Needed + 21_000 + 1_000);
        Assert.Equal(Word(1), chain.Call("eth_call", CallParams($$""","gas":"0x{{estimate:x}}" """)).GetString());
        Assert.Equal(RpcErrorCodes.ExecutionReverted,
            chain.Error("eth_call", CallParams($$""","gas":"0x{{estimate - 1:x}}" """)).GetProperty("code").GetInt32());

        // ... and without gas it starts at the block gas limit, where this call cannot succeed.
        Assert.Equal(RpcErrorCodes.ExecutionReverted, chain.Error("eth_estimateGas", CallParams("")).GetProperty("code").GetInt32());
    }
}
