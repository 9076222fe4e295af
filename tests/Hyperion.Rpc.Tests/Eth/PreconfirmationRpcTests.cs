using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Hyperion.Rpc.Eth;

namespace Hyperion.Rpc.Tests.Eth;

/// <summary>
/// With preconfirmations, a send answers once its transaction is executed on the open block: the receipt, the
/// pending block and the pending state are served at once, the WebSocket <c>flashblocks</c> subscription streams
/// the sub-blocks, and the block evm_mine closes has the same transactions, in the same order, with the same receipts.
/// </summary>
public sealed class PreconfirmationRpcTests
{
    /// <summary>The receipt fields that do not depend on the block's hash (which is provisional while preconfirmed).</summary>
    private static readonly string[] ReceiptFields = ["transactionHash", "transactionIndex", "blockNumber", "from", "to", "status", "gasUsed", "cumulativeGasUsed", "effectiveGasPrice", "logsBloom", "type", "contractAddress"];

    [Fact]
    public void Receipts_pending_block_and_pending_state_are_served_before_the_block_and_match_it()
    {
        using var chain = new DevChain(preconfirm: true);
        string stores = Send(chain, 5);
        string reverts = Send(chain, 1); // x == 1 reverts
        string stores7 = Send(chain, 7);

        // Each send answered after its preconfirmation: the receipts are there; nothing is sealed, but the open block
        // is the head (eth_blockNumber, latest), so a receipt has one confirmation and a read after it sees it.
        Assert.Equal(0UL, chain.Local.Chain.Store.Head.Number);
        Assert.Equal(1UL, DevChain.Quantity(chain.Call("eth_blockNumber")));
        JsonElement[] preconfirmed = [.. new[] { stores, reverts, stores7 }.Select(h => chain.Call("eth_getTransactionReceipt", $"[\"{h}\"]"))];
        Assert.Equal(["0x1", "0x0", "0x1"], preconfirmed.Select(r => r.GetProperty("status").GetString()));
        Assert.Equal(["0x0", "0x1", "0x2"], preconfirmed.Select(r => r.GetProperty("transactionIndex").GetString()));
        Assert.Equal("0x1", preconfirmed[0].GetProperty("blockNumber").GetString());
        Assert.Single(preconfirmed[0].GetProperty("logs").EnumerateArray());

        JsonElement pending = chain.Call("eth_getBlockByNumber", "[\"pending\", false]");
        Assert.Equal("0x1", pending.GetProperty("number").GetString());
        Assert.Equal([stores, reverts, stores7], pending.GetProperty("transactions").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(preconfirmed[2].GetProperty("cumulativeGasUsed").GetString(), pending.GetProperty("gasUsed").GetString());
        JsonElement latest = chain.Call("eth_getBlockByNumber", "[\"latest\", false]");
        Assert.Equal(pending.GetProperty("hash").GetString(), latest.GetProperty("hash").GetString());
        Assert.Equal(pending.GetProperty("hash").GetString(), chain.Call("eth_getBlockByNumber", "[\"0x1\", false]").GetProperty("hash").GetString());

        // The state at pending and latest has the preconfirmed writes; the sealed head's (block 0) does not.
        foreach (string tag in new[] { "pending", "latest" })
        {
            Assert.Equal(DevChain.Word(7), chain.Call("eth_getStorageAt", $"[\"{DevChain.Contract}\", \"0x0\", \"{tag}\"]").GetString());
            Assert.Equal(3UL, DevChain.Quantity(chain.Call("eth_getTransactionCount", $"[\"{DevChain.Alice}\", \"{tag}\"]")));
        }

        Assert.Equal(DevChain.Word(0), chain.Call("eth_getStorageAt", $"[\"{DevChain.Contract}\", \"0x0\", \"0x0\"]").GetString());
        Assert.Equal(0UL, DevChain.Quantity(chain.Call("eth_getTransactionCount", $"[\"{DevChain.Alice}\", \"0x0\"]")));
        Assert.True(DevChain.Quantity(chain.Call("eth_getBalance", $"[\"{DevChain.Alice}\", \"pending\"]")) < DevChain.Quantity(chain.Call("eth_getBalance", $"[\"{DevChain.Alice}\", \"0x0\"]")));
        // A call at pending runs on the preconfirmed state, where slot 0 already holds 7: storing 7 again is the cheap no-op SSTORE.
        JsonElement pendingGas = chain.Call("eth_estimateGas", $"[{{\"from\":\"{DevChain.Alice}\",\"to\":\"{DevChain.Contract}\",\"data\":\"{DevChain.Word(7)}\"}}, \"pending\"]");
        JsonElement sealedGas = chain.Call("eth_estimateGas", $"[{{\"from\":\"{DevChain.Alice}\",\"to\":\"{DevChain.Contract}\",\"data\":\"{DevChain.Word(7)}\"}}, \"0x0\"]");
        Assert.True(DevChain.Quantity(pendingGas) < DevChain.Quantity(sealedGas), "storing the value a slot already holds costs less");

        chain.Call("evm_mine");
        JsonElement block = chain.Call("eth_getBlockByNumber", "[\"latest\", false]");
        Assert.Equal([stores, reverts, stores7], block.GetProperty("transactions").EnumerateArray().Select(t => t.GetString()));
        for (int i = 0; i < preconfirmed.Length; i++)
        {
            JsonElement canonical = chain.Call("eth_getTransactionReceipt", $"[\"{preconfirmed[i].GetProperty("transactionHash").GetString()}\"]");
            Assert.Equal(block.GetProperty("hash").GetString(), canonical.GetProperty("blockHash").GetString());
            foreach (string field in ReceiptFields)
            {
                Assert.Equal(preconfirmed[i].GetProperty(field).ToString(), canonical.GetProperty(field).ToString());
            }

            Assert.Equal(Logs(preconfirmed[i]), Logs(canonical));
        }

        // Nothing preconfirmed: pending is the head again.
        Assert.Equal(block.GetProperty("hash").GetString(), chain.Call("eth_getBlockByNumber", "[\"pending\", false]").GetProperty("hash").GetString());
        Assert.Equal(DevChain.Word(7), chain.Call("eth_getStorageAt", $"[\"{DevChain.Contract}\", \"0x0\", \"latest\"]").GetString());
    }

    [Fact]
    public async Task The_flashblocks_subscription_streams_sub_blocks_in_order()
    {
        using var chain = new DevChain(preconfirm: true);
        using var events = new EventModule(chain.Local.Chain, chain.Local.Pool, chain.Local.Producer.Preconfirmations);
        var registry = new RpcMethodRegistry();
        events.Register(registry);
        await using RpcServer server = await RpcServer.StartAsync(registry, new RpcServerOptions { Port = 0 });
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri(server.Address.ToString().Replace("http", "ws", StringComparison.Ordinal)), CancellationToken.None);
        string id = (await RpcExposureTests.ExchangeAsync(socket, """{"jsonrpc":"2.0","id":1,"method":"eth_subscribe","params":["flashblocks"]}""")).GetProperty("result").GetString()!;

        string[] hashes = [Send(chain, 3), Send(chain, 4)];
        chain.Call("evm_mine");
        string next = Send(chain, 5);

        JsonElement[] messages = [await ReceiveAsync(socket), await ReceiveAsync(socket), await ReceiveAsync(socket)];
        Assert.All(messages, m => Assert.Equal(id, m.GetProperty("params").GetProperty("subscription").GetString()));
        JsonElement[] subBlocks = [.. messages.Select(m => m.GetProperty("params").GetProperty("result"))];
        Assert.Equal(["0x0", "0x1", "0x0"], subBlocks.Select(b => b.GetProperty("index").GetString()));
        Assert.Equal(["0x1", "0x1", "0x2"], subBlocks.Select(b => b.GetProperty("blockNumber").GetString()));
        Assert.True(subBlocks[0].TryGetProperty("base", out JsonElement @base));
        Assert.Equal(DevChain.Quantity(@base.GetProperty("timestamp")), DevChain.Quantity(chain.Call("eth_getBlockByNumber", "[\"0x1\", false]").GetProperty("timestamp")));
        Assert.False(subBlocks[1].TryGetProperty("base", out _));
        Assert.Equal([hashes[0], hashes[1], next], subBlocks.Select(b => b.GetProperty("receipts")[0].GetProperty("transactionHash").GetString()));
        Assert.All(subBlocks, b => Assert.Single(b.GetProperty("transactions").EnumerateArray()));
        Assert.Equal(chain.Call("eth_getBlockByNumber", "[\"0x1\", false]").GetProperty("gasUsed").GetString(), subBlocks[1].GetProperty("gasUsed").GetString());
    }

    [Fact]
    public void Without_preconfirmation_a_receipt_waits_for_the_block()
    {
        using var chain = new DevChain(preconfirm: false);
        Assert.Null(chain.Local.Producer.Preconfirmations);
        string hash = Send(chain, 5);
        Assert.Equal(JsonValueKind.Null, chain.Call("eth_getTransactionReceipt", $"[\"{hash}\"]").ValueKind);
        chain.Call("evm_mine");
        Assert.Equal("0x1", chain.Call("eth_getTransactionReceipt", $"[\"{hash}\"]").GetProperty("status").GetString());
    }

    /// <summary>Sends a call of the test contract with <paramref name="x"/> from Alice; returns its hash.</summary>
    private static string Send(DevChain chain, ulong x) =>
        chain.Call("eth_sendTransaction", $"[{{\"from\":\"{DevChain.Alice}\",\"to\":\"{DevChain.Contract}\",\"data\":\"{DevChain.Word(x)}\",\"gas\":\"0x30000\"}}]").GetString()!;

    private static string Logs(JsonElement receipt) =>
        string.Join(';', receipt.GetProperty("logs").EnumerateArray().Select(l => $"{l.GetProperty("address")}|{l.GetProperty("topics")}|{l.GetProperty("data")}|{l.GetProperty("logIndex")}|{l.GetProperty("transactionIndex")}"));

    private static async Task<JsonElement> ReceiveAsync(ClientWebSocket socket)
    {
        var buffer = new byte[256 * 1024];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        int length = 0;
        ValueWebSocketReceiveResult received;
        do
        {
            received = await socket.ReceiveAsync(buffer.AsMemory(length), timeout.Token);
            length += received.Count;
        }
        while (!received.EndOfMessage);

        return JsonDocument.Parse(Encoding.UTF8.GetString(buffer, 0, length)).RootElement.Clone();
    }
}
