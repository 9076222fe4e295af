using System.Text.Json.Nodes;
using Hyperion.Core;
using Hyperion.Evm;
using Hyperion.Evm.Precompiles;
using Hyperion.Rpc.Eth;
using Hyperion.State.World;

namespace Hyperion.Rpc.Tests.Eth;

/// <summary>callTracer frames named and filled as geth's: precompile CALL, CREATE2, SELFDESTRUCT, DELEGATECALL value, STATICCALL.</summary>
public sealed class CallTracerTests
{
    private static readonly Address Sender = Address.Parse("0x1000000000000000000000000000000000000001");
    private static readonly Address Factory = Address.Parse("0x2000000000000000000000000000000000000002");
    private static readonly Address Library = Address.Parse("0x3000000000000000000000000000000000000003");
    private static readonly Address Beneficiary = Address.Parse("0x4000000000000000000000000000000000000004");
    private static readonly Address Identity = Address.Parse("0x0000000000000000000000000000000000000004");

    [Fact]
    public void Frames_are_typed_and_filled_as_geth_does()
    {
        // Init code of the CREATE2 child: SELFDESTRUCT to the beneficiary (a contract created in this transaction, so
        // it is deleted and its 5 wei move).
        byte[] init = [0x73, .. Beneficiary.ToArray(), 0xff];
        byte[] factory =
        [
            0x60, 0xab, 0x5f, 0x53, // mem[0] = 0xab
            0x60, 0x01, 0x60, 0x20, 0x60, 0x01, 0x5f, 0x5f, 0x60, 0x04, 0x5a, 0xf1, 0x50, // CALL identity(mem[0..1]) → mem[32..33]
            0x75, .. init, 0x60, 0x40, 0x52, // mem[64..96] = init right-aligned: at 74, 22 bytes
            0x5f, 0x60, 0x16, 0x60, 0x4a, 0x60, 0x05, 0xf5, 0x50, // CREATE2(value 5, 74, 22, salt 0)
            0x5f, 0x5f, 0x5f, 0x5f, 0x73, .. Library.ToArray(), 0x5a, 0xf4, 0x50, // DELEGATECALL library
            0x5f, 0x5f, 0x5f, 0x5f, 0x73, .. Library.ToArray(), 0x5a, 0xfa, 0x50, // STATICCALL library
            0x00,
        ];
        var reader = new InMemoryStateReader();
        reader.SetAccount(Sender, 0, UInt256.Parse("1000000000000000000"), []);
        reader.SetAccount(Factory, 1, UInt256.Zero, factory);
        reader.SetAccount(Library, 1, UInt256.Zero, [0x00]);
        var state = new WorldState(reader);
        var block = new BlockEnvironment { Fork = Fork.Cancun, ChainId = 1, Coinbase = Address.Zero, Number = 1, Timestamp = 1, GasLimit = 30_000_000 };
        var tracer = new CallTracer();
        var vm = new MetisVm(state, block, new TransactionEnvironment { Origin = Sender, GasPrice = UInt256.Zero }, PrecompileTable.ForFork(Fork.Cancun), tracer);
        ExecutionResult result = vm.Call(Sender, Factory, 7, ReadOnlyMemory<byte>.Empty, 1_000_000);
        Assert.True(result.Success, result.Error);

        JsonObject top = tracer.Result(1_021_000, 21_000 + (1_000_000 - result.GasLeft));
        Assert.Equal("CALL", (string?)top["type"]);
        Assert.Equal("0x7", (string?)top["value"]);
        Assert.Equal("0xf9448", (string?)top["gas"]);
        JsonArray calls = top["calls"]!.AsArray();
        Assert.Equal(4, calls.Count);

        JsonObject precompile = calls[0]!.AsObject();
        Assert.Equal(["type", "from", "to", "value", "gas", "gasUsed", "input", "output"], precompile.Select(p => p.Key));
        Assert.Equal("CALL", (string?)precompile["type"]);
        Assert.Equal(Identity.ToString(), (string?)precompile["to"]);
        Assert.Equal("0xab", (string?)precompile["input"]);
        Assert.Equal("0xab", (string?)precompile["output"]);
        Assert.Equal("0x12", (string?)precompile["gasUsed"]); // identity: 15 + 3 per word

        JsonObject create2 = calls[1]!.AsObject();
        Assert.Equal("CREATE2", (string?)create2["type"]);
        Assert.Equal(Factory.ToString(), (string?)create2["from"]);
        Assert.Equal("0x5", (string?)create2["value"]);
        Assert.Equal("0x" + Convert.ToHexStringLower(init), (string?)create2["input"]);
        JsonObject selfDestruct = Assert.Single(create2["calls"]!.AsArray())!.AsObject();
        Assert.Equal(["type", "from", "to", "value", "gas", "gasUsed", "input"], selfDestruct.Select(p => p.Key));
        Assert.Equal("SELFDESTRUCT", (string?)selfDestruct["type"]);
        Assert.Equal((string?)create2["to"], (string?)selfDestruct["from"]);
        Assert.Equal(Beneficiary.ToString(), (string?)selfDestruct["to"]);
        Assert.Equal("0x5", (string?)selfDestruct["value"]);
        Assert.Equal("0x0", (string?)selfDestruct["gas"]);
        Assert.Equal("0x0", (string?)selfDestruct["gasUsed"]);
        Assert.Equal("0x", (string?)selfDestruct["input"]);
        Assert.Equal((UInt256)5, state.GetBalance(Beneficiary));

        JsonObject delegateCall = calls[2]!.AsObject();
        Assert.Equal("DELEGATECALL", (string?)delegateCall["type"]);
        Assert.Equal("0x7", (string?)delegateCall["value"]); // inherited from the frame, as geth reports it

        JsonObject staticCall = calls[3]!.AsObject();
        Assert.Equal("STATICCALL", (string?)staticCall["type"]);
        Assert.False(staticCall.ContainsKey("value"));
        Assert.Equal(Library.ToString(), (string?)staticCall["to"]);
    }
}
