using System.Text.Json;
using Hyperion.Core;
using Hyperion.Core.Crypto;
using Hyperion.Core.Transactions;
using static Hyperion.Rpc.Tests.Eth.DevChain;

namespace Hyperion.Rpc.Tests.Eth;

/// <summary>Automine as anvil's: a send answers once its transaction is in an announced block; the mode switches at run time.</summary>
public sealed class AutomineTests : IDisposable
{
    private readonly DevChain _chain = new(automine: true);

    public void Dispose() => _chain.Dispose();

    private string Transfer(string from, string to, ulong? nonce = null)
    {
        string nonceField = nonce is ulong n ? $",\"nonce\":\"0x{n:x}\"" : "";
        return _chain.Call("eth_sendTransaction", $$"""[{"from":"{{from}}","to":"{{to}}","value":"0x1"{{nonceField}}}]""").GetString()!;
    }

    private JsonElement Receipt(string hash) => _chain.Call("eth_getTransactionReceipt", $"""["{hash}"]""");

    [Fact]
    public void Each_sequential_send_returns_with_its_receipt_already_served()
    {
        for (int i = 0; i < 40; i++)
        {
            string hash = i % 2 == 0
                ? Transfer(Alice.ToString(), Bob.ToString())
                : _chain.Call("eth_sendRawTransaction", $"""["{_chain.Call("eth_signTransaction", $$"""[{"from":"{{Alice}}","to":"{{Bob}}","value":"0x1","gas":"0x5208"}]""").GetString()}"]""").GetString()!;
            JsonElement receipt = Receipt(hash);
            Assert.Equal(JsonValueKind.Object, receipt.ValueKind);
            Assert.Equal("0x1", receipt.GetProperty("status").GetString());
            Assert.Equal((ulong)(i + 1), Quantity(_chain.Call("eth_blockNumber")));
        }
    }

    [Fact]
    public async Task Concurrent_sends_each_return_after_their_own_inclusion()
    {
        for (ulong nonce = 0; nonce < 5; nonce++)
        {
            ulong n = nonce;
            // Three senders at once: they may share a block, but each answer comes with its own receipt served.
            JsonElement[] receipts = await Task.WhenAll(Accounts.Select(a => Task.Run(() => Receipt(Transfer(a.Address.ToString(), Bob.ToString(), n)))));
            Assert.All(receipts, r => Assert.Equal("0x1", r.GetProperty("status").GetString()));
        }
    }

    private string SignedTransfer(ulong nonce) =>
        _chain.Call("eth_signTransaction", $$"""[{"from":"{{Alice}}","to":"{{Bob}}","value":"0x1","gas":"0x5208","nonce":"0x{{nonce:x}}"}]""").GetString()!;

    /// <param name="quoted">Whether <paramref name="raw"/> is hex to put in a JSON string; false: a JSON value as it is.</param>
    private static string SendRaw(int id, string raw, bool quoted = true) =>
        $$"""{"jsonrpc":"2.0","id":{{id}},"method":"eth_sendRawTransaction","params":[{{(quoted ? $"\"{raw}\"" : raw)}}]}""";

    [Fact]
    public void A_batch_of_sends_is_mined_as_one_block_in_nonce_order_each_entry_answered()
    {
        string[] raws = [.. Enumerable.Range(0, 30).Select(n => SignedTransfer((ulong)n))];
        // Entry 10 sends nonce 3 again: its own error, among good sends before and after it.
        string[] entries = [.. raws.Take(10).Select((r, i) => SendRaw(i, r)), SendRaw(10, raws[3]), .. raws.Skip(10).Select((r, i) => SendRaw(11 + i, r))];
        JsonElement[] responses = [.. _chain.Send("[" + string.Join(",", entries) + "]").EnumerateArray()];

        Assert.Equal(31, responses.Length);
        for (int i = 0; i < responses.Length; i++)
        {
            Assert.Equal(i, responses[i].GetProperty("id").GetInt32()); // one response per entry, in order
        }

        Assert.True(responses[10].TryGetProperty("error", out JsonElement error));
        Assert.Equal("already known", error.GetProperty("message").GetString()); // admitted moments before, in the same batch
        string[] hashes = [.. responses.Where((_, i) => i != 10).Select(r => r.GetProperty("result").GetString()!)];

        // Each send answered once mined, all in one block (not one block each), in nonce order.
        Assert.Equal(1UL, Quantity(_chain.Call("eth_blockNumber")));
        JsonElement block = _chain.Call("eth_getBlockByNumber", "[\"0x1\",false]");
        Assert.Equal(hashes, block.GetProperty("transactions").EnumerateArray().Select(t => t.GetString()!));
        Assert.All(hashes, h => Assert.Equal("0x1", Receipt(h).GetProperty("status").GetString()));
    }

    [Fact]
    public void A_batch_whose_raw_transactions_are_decoded_ahead_answers_each_bad_entry_with_its_own_error_and_mines_the_rest_in_order()
    {
        // Enough sends that the batch recovers their senders in parallel (SenderRecovery.ParallelFrom) before admitting them in order.
        string[] raws = [.. Enumerable.Range(0, 30).Select(n => SignedTransfer((ulong)n))];
        Assert.True(Transaction.TryDecodeNetwork(Hex.Decode(SignedTransfer(30)), out Transaction? signed, out _, out _));
        string badSignature = Hex.Encode(signed!.WithSignature(signed.R, UInt256.Zero, 0).Envelope.Span); // s = 0: no sender
        // Params as JSON values: a bad signature, bad RLP, bad hex, not a string.
        string[] bad = [$"\"{badSignature}\"", "\"0x01\"", "\"0xzz\"", "{\"to\":\"0x1\"}"];
        (int Code, string Message)[] alone = [.. bad.Select(b => Failure(_chain.Send(SendRaw(0, b, quoted: false))))];
        Assert.Equal("invalid sender", alone[0].Message);
        Assert.StartsWith("rlp: ", alone[1].Message, StringComparison.Ordinal);

        var entries = new List<string>();
        var badAt = new Dictionary<int, int>(); // entry → which bad value
        for (int i = 0; i < raws.Length; i++)
        {
            if (i % 7 == 3)
            {
                badAt[entries.Count] = badAt.Count;
                entries.Add(SendRaw(entries.Count, bad[badAt.Count - 1], quoted: false));
            }

            entries.Add(SendRaw(entries.Count, raws[i]));
        }

        Assert.Equal(bad.Length, badAt.Count);
        JsonElement[] responses = [.. _chain.Send("[" + string.Join(",", entries) + "]").EnumerateArray()];
        Assert.Equal(entries.Count, responses.Length);
        var hashes = new List<string>();
        for (int i = 0; i < responses.Length; i++)
        {
            Assert.Equal(i, responses[i].GetProperty("id").GetInt32());
            if (badAt.TryGetValue(i, out int which))
            {
                Assert.Equal(alone[which], Failure(responses[i])); // each bad entry answers as it does on its own
            }
            else
            {
                hashes.Add(responses[i].GetProperty("result").GetString()!);
            }
        }

        // The good sends: each answered its own hash; all in one block, in the batch's (nonce) order.
        Assert.Equal(raws.Select(r => Hex.Encode(Keccak256.Hash(Hex.Decode(r)).Bytes)), hashes);
        Assert.Equal(1UL, Quantity(_chain.Call("eth_blockNumber")));
        JsonElement block = _chain.Call("eth_getBlockByNumber", "[\"0x1\",false]");
        Assert.Equal(hashes, block.GetProperty("transactions").EnumerateArray().Select(t => t.GetString()!));
    }

    private static (int Code, string Message) Failure(JsonElement response)
    {
        JsonElement error = response.GetProperty("error");
        return (error.GetProperty("code").GetInt32(), error.GetProperty("message").GetString()!);
    }

    [Fact]
    public void A_read_in_a_batch_sees_the_sends_before_it_mined()
    {
        string first = SignedTransfer(0);
        string second = SignedTransfer(1);
        string firstHash = _chain.Call("eth_sendRawTransaction", "[\"" + first + "\"]").GetString()!;
        string secondHash = Hex.Encode(Keccak256.Hash(Hex.Decode(second)).Bytes);
        string batch = $$"""[{{SendRaw(0, second)}},{"jsonrpc":"2.0","id":1,"method":"eth_getTransactionReceipt","params":["{{secondHash}}"]},{"jsonrpc":"2.0","id":2,"method":"eth_blockNumber","params":[]}]""";
        JsonElement[] responses = [.. _chain.Send(batch).EnumerateArray()];
        Assert.Equal(secondHash, responses[0].GetProperty("result").GetString());
        Assert.Equal("0x1", responses[1].GetProperty("result").GetProperty("status").GetString());
        Assert.Equal("0x2", responses[2].GetProperty("result").GetString());
        Assert.Equal("0x1", Receipt(firstHash).GetProperty("status").GetString());
    }

    [Fact]
    public void A_nonce_gapped_send_returns_at_once_and_is_mined_when_the_gap_fills()
    {
        string gapped = Transfer(Alice.ToString(), Bob.ToString(), nonce: 1);
        Assert.Equal(JsonValueKind.Null, Receipt(gapped).ValueKind);
        string first = Transfer(Alice.ToString(), Bob.ToString(), nonce: 0);
        Assert.Equal(JsonValueKind.Object, Receipt(first).ValueKind);
        Assert.Equal(JsonValueKind.Object, Receipt(gapped).ValueKind); // mined in the same round as the one that filled the gap
    }

    [Fact]
    public void Modes_switch_between_automine_manual_and_interval()
    {
        Assert.True(_chain.Call("anvil_getAutomine").GetBoolean());
        _chain.Call("evm_setAutomine", "[false]");
        Assert.False(_chain.Call("hardhat_getAutomine").GetBoolean());
        string manual = Transfer(Alice.ToString(), Bob.ToString());
        Thread.Sleep(50);
        Assert.Equal(JsonValueKind.Null, Receipt(manual).ValueKind);
        _chain.Call("evm_mine");
        Assert.Equal(JsonValueKind.Object, Receipt(manual).ValueKind);

        _chain.Call("evm_setIntervalMining", "[20]");
        string interval = Transfer(Alice.ToString(), Bob.ToString());
        Assert.True(SpinWait.SpinUntil(() => Receipt(interval).ValueKind == JsonValueKind.Object, TimeSpan.FromSeconds(10)), "interval mining did not mine the transaction");

        _chain.Call("evm_setIntervalMining", "[0]");
        Assert.False(_chain.Call("anvil_getAutomine").GetBoolean());
        string pending = Transfer(Alice.ToString(), Bob.ToString());
        _chain.Call("evm_setAutomine", "[true]");
        // Turning automine on mines what was pending; a new send returns with its receipt.
        Assert.True(SpinWait.SpinUntil(() => Receipt(pending).ValueKind == JsonValueKind.Object, TimeSpan.FromSeconds(10)), "automine did not mine the pending transaction");
        Assert.Equal(JsonValueKind.Object, Receipt(Transfer(Alice.ToString(), Bob.ToString())).ValueKind);

        Assert.Equal(-32602, _chain.Error("evm_setAutomine", """["yes"]""").GetProperty("code").GetInt32());
    }
}
