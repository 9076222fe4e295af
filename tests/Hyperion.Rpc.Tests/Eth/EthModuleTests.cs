using System.Text.Json;
using Hyperion.Core;
using Hyperion.Core.Transactions;
using Hyperion.Rpc.Eth;
using static Hyperion.Rpc.Tests.Eth.DevChain;

namespace Hyperion.Rpc.Tests.Eth;

public sealed class EthModuleTests : IDisposable
{
    private readonly DevChain _chain = new();

    public void Dispose() => _chain.Dispose();

    private string Transfer(ulong wei) =>
        _chain.SendAndMine($$"""{"from":"{{Alice}}","to":"{{Bob}}","value":"0x{{wei:x}}"}""");

    private string Invoke(ulong x) =>
        _chain.SendAndMine($$"""{"from":"{{Alice}}","to":"{{Contract}}","data":"{{Word(x)}}","gas":"0x30000"}""");

    [Fact]
    public void Block_tags_resolve_and_unknown_blocks_read_as_null()
    {
        Transfer(1);
        Transfer(2);
        Assert.Equal(2UL, Quantity(_chain.Call("eth_blockNumber")));

        Assert.Equal(2UL, Quantity(_chain.Call("eth_getBlockByNumber", """["latest",false]""").GetProperty("number")));
        Assert.Equal(2UL, Quantity(_chain.Call("eth_getBlockByNumber", """["pending",false]""").GetProperty("number")));
        Assert.Equal(0UL, Quantity(_chain.Call("eth_getBlockByNumber", """["earliest",false]""").GetProperty("number")));
        JsonElement one = _chain.Call("eth_getBlockByNumber", """["0x1",true]""");
        Assert.Equal(1UL, Quantity(one.GetProperty("number")));
        Assert.Equal(JsonValueKind.Object, one.GetProperty("transactions")[0].ValueKind);
        Assert.Equal(JsonValueKind.Null, _chain.Call("eth_getBlockByNumber", """["0x99",false]""").ValueKind);
        Assert.Equal(JsonValueKind.Null, _chain.Call("eth_getBlockByHash", $"""["{Hash256.Zero}",false]""").ValueKind);

        // EIP-1898: by hash and by number, for state reads.
        string hashOfOne = one.GetProperty("hash").GetString()!;
        ulong atOneByHash = Quantity(_chain.Call("eth_getBalance", $$"""["{{Bob}}",{"blockHash":"{{hashOfOne}}"}]"""));
        ulong atOneByNumber = Quantity(_chain.Call("eth_getBalance", $$"""["{{Bob}}",{"blockNumber":"0x1"}]"""));
        Assert.Equal(atOneByHash, atOneByNumber);

        // geth's BlockNumberOrHash: a bare 32-byte hash names a block too (eth_getBlockReceipts callers send it).
        Assert.Equal(atOneByNumber, Quantity(_chain.Call("eth_getBalance", $"""["{Bob}","{hashOfOne}"]""")));
        Assert.Equal(1, _chain.Call("eth_getBlockReceipts", $"""["{hashOfOne}"]""").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, _chain.Call("eth_getBlockReceipts", $"""["{Hash256.Zero}"]""").ValueKind);
        Assert.Equal(RpcErrorCodes.Server, _chain.Error("eth_getBalance", $$"""["{{Bob}}",{"blockHash":"{{Hash256.Zero}}"}]""").GetProperty("code").GetInt32());
        Assert.Equal(RpcErrorCodes.InvalidParams, _chain.Error("eth_getBalance", $$"""["{{Bob}}",{"foo":1}]""").GetProperty("code").GetInt32());
        Assert.Equal(RpcErrorCodes.InvalidParams, _chain.Error("eth_getBalance", $$"""["{{Bob}}","0xzz"]""").GetProperty("code").GetInt32());
        Assert.Equal(RpcErrorCodes.InvalidParams, _chain.Error("eth_getBalance", """["0x1234","latest"]""").GetProperty("code").GetInt32());
        Assert.Equal(RpcErrorCodes.InvalidParams, _chain.Error("eth_getBlockByNumber", """[7,false]""").GetProperty("code").GetInt32());
    }

    [Fact]
    public void Balance_at_an_old_block_is_the_balance_then()
    {
        ulong genesisBalance = Quantity(_chain.Call("eth_getBalance", $"""["{Bob}","latest"]"""));
        Transfer(1000);
        Transfer(234);
        Assert.Equal(genesisBalance, Quantity(_chain.Call("eth_getBalance", $"""["{Bob}","0x0"]""")));
        Assert.Equal(genesisBalance + 1000, Quantity(_chain.Call("eth_getBalance", $"""["{Bob}","0x1"]""")));
        Assert.Equal(genesisBalance + 1234, Quantity(_chain.Call("eth_getBalance", $"""["{Bob}","latest"]""")));
        Assert.Equal(1UL, Quantity(_chain.Call("eth_getTransactionCount", $"""["{Alice}","0x1"]""")));
        Assert.Equal(0UL, Quantity(_chain.Call("eth_getTransactionCount", $"""["{Alice}","earliest"]""")));
    }

    [Fact]
    public void Raw_deposit_transactions_are_refused()
    {
        var deposit = new Transaction
        {
            Type = TransactionType.Deposit, SourceHash = new Hash256(new byte[32]), From = Alice, To = Bob,
            Mint = 1_000_000, Value = 1, GasLimit = 21_000,
        };
        JsonElement error = _chain.Error("eth_sendRawTransaction", $"""["{Hex.Encode(deposit.Envelope.Span)}"]""");
        Assert.Contains("deposit transactions (type 0x7e)", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Raw_transaction_errors_are_clear()
    {
        JsonElement malformed = _chain.Error("eth_sendRawTransaction", """["0xf8"]""");
        Assert.Equal(RpcErrorCodes.Server, malformed.GetProperty("code").GetInt32());
        Assert.StartsWith("rlp:", malformed.GetProperty("message").GetString());
        Assert.Equal(RpcErrorCodes.InvalidParams, _chain.Error("eth_sendRawTransaction", """["0xf"]""").GetProperty("code").GetInt32());
        Assert.Equal(RpcErrorCodes.InvalidParams, _chain.Error("eth_sendRawTransaction", "[]").GetProperty("code").GetInt32());

        string raw = _chain.Call("eth_signTransaction", $$"""[{"from":"{{Alice}}","to":"{{Bob}}","value":"0x1","nonce":"0x0","gas":"0x5208"}]""").GetString()!;
        string hash = _chain.Call("eth_sendRawTransaction", $"""["{raw}"]""").GetString()!;
        _chain.Call("evm_mine");
        Assert.Equal("0x1", _chain.Call("eth_getTransactionReceipt", $"""["{hash}"]""").GetProperty("status").GetString());

        JsonElement again = _chain.Error("eth_sendRawTransaction", $"""["{raw}"]""");
        Assert.Contains("nonce too low", again.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Call_that_reverts_is_error_3_with_the_revert_data()
    {
        JsonElement error = _chain.Error("eth_call", $$"""[{"to":"{{Contract}}","data":"{{Word(1)}}"},"latest"]""");
        Assert.Equal(RpcErrorCodes.ExecutionReverted, error.GetProperty("code").GetInt32());
        Assert.Equal("execution reverted", error.GetProperty("message").GetString());
        Assert.Equal("0xdeadbeef", error.GetProperty("data").GetString());

        Assert.Equal("0x", _chain.Call("eth_call", $$"""[{"to":"{{Contract}}","data":"{{Word(5)}}"},"latest"]""").GetString());
        Assert.Equal(RpcErrorCodes.InvalidParams, _chain.Error("eth_call", """["nope","latest"]""").GetProperty("code").GetInt32());
        Assert.Equal(RpcErrorCodes.InvalidParams, _chain.Error("eth_call", """[{"to":"0x12"},"latest"]""").GetProperty("code").GetInt32());
    }

    [Fact]
    public void Estimate_gas_is_the_least_limit_that_succeeds()
    {
        Assert.Equal(21_000UL, Quantity(_chain.Call("eth_estimateGas", $$"""[{"from":"{{Alice}}","to":"{{Bob}}","value":"0x1"}]""")));

        ulong estimate = Quantity(_chain.Call("eth_estimateGas", $$"""[{"from":"{{Alice}}","to":"{{Contract}}","data":"{{Word(7)}}"}]"""));
        Assert.True(estimate > 21_000 + 20_000, $"estimate {estimate} must cover the fresh SSTORE");
        // The estimate is enough, one less is not.
        _chain.Call("eth_call", $$"""[{"from":"{{Alice}}","to":"{{Contract}}","data":"{{Word(7)}}","gas":"0x{{estimate:x}}"},"latest"]""");
        _chain.Error("eth_call", $$"""[{"from":"{{Alice}}","to":"{{Contract}}","data":"{{Word(7)}}","gas":"0x{{estimate - 1:x}}"},"latest"]""");

        JsonElement reverted = _chain.Error("eth_estimateGas", $$"""[{"from":"{{Alice}}","to":"{{Contract}}","data":"{{Word(1)}}"}]""");
        Assert.Equal(RpcErrorCodes.ExecutionReverted, reverted.GetProperty("code").GetInt32());
    }

    [Fact]
    public void Create_access_list_records_what_the_call_touches_beyond_what_is_warm_anyway()
    {
        // Proxy (the recipient: warm anyway) calls Contract, which stores to slot 0.
        JsonElement result = _chain.Call("eth_createAccessList", $$"""[{"from":"{{Alice}}","to":"{{Proxy}}","data":"{{Word(7)}}"},"latest"]""");
        JsonElement list = result.GetProperty("accessList");
        Assert.Equal(1, list.GetArrayLength());
        Assert.Equal(Contract.ToString(), list[0].GetProperty("address").GetString());
        Assert.Equal([Hash256.Zero.ToString()], list[0].GetProperty("storageKeys").EnumerateArray().Select(k => k.GetString()!).ToArray());
        Assert.False(result.TryGetProperty("error", out _));

        // With the list the call costs less than without it, and gasUsed is what the call with the list uses.
        ulong gasUsed = Quantity(result.GetProperty("gasUsed"));
        string withList = $$"""{"from":"{{Alice}}","to":"{{Proxy}}","data":"{{Word(7)}}","accessList":{{list.GetRawText()}}}""";
        ulong estimateWith = Quantity(_chain.Call("eth_estimateGas", $"[{withList}]"));
        ulong estimateWithout = Quantity(_chain.Call("eth_estimateGas", $$"""[{"from":"{{Alice}}","to":"{{Proxy}}","data":"{{Word(7)}}"}]"""));
        Assert.True(estimateWith < estimateWithout, $"{estimateWith} < {estimateWithout}");
        Assert.True(gasUsed <= estimateWith, $"{gasUsed} <= {estimateWith}");

        // A given list is kept (less what is warm anyway); a reverting call still reports its list and the error.
        JsonElement reverted = _chain.Call("eth_createAccessList",
            $$"""[{"from":"{{Alice}}","to":"{{Contract}}","data":"{{Word(1)}}","accessList":[{"address":"{{Bob}}","storageKeys":[]},{"address":"{{Contract}}","storageKeys":[]}]},"latest"]""");
        Assert.Equal([Bob.ToString()], reverted.GetProperty("accessList").EnumerateArray().Select(e => e.GetProperty("address").GetString()!).ToArray());
        Assert.StartsWith("execution reverted", reverted.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Logs_are_filtered_by_topics_and_the_range_is_limited()
    {
        Invoke(10);
        Invoke(11);
        Invoke(10);
        string topic0 = EventTopic.ToString();
        JsonElement all = _chain.Call("eth_getLogs", $$"""[{"fromBlock":"0x0","toBlock":"latest","address":"{{Contract}}"}]""");
        Assert.Equal(3, all.GetArrayLength());

        JsonElement tens = _chain.Call("eth_getLogs", $$"""[{"fromBlock":"0x0","topics":["{{topic0}}","{{Word(10)}}"]}]""");
        Assert.Equal(2, tens.GetArrayLength());
        Assert.Equal(1UL, Quantity(tens[0].GetProperty("blockNumber")));
        Assert.Equal(3UL, Quantity(tens[1].GetProperty("blockNumber")));

        JsonElement either = _chain.Call("eth_getLogs", $$"""[{"fromBlock":"0x0","topics":[null,["{{Word(11)}}","{{Word(12)}}"]]}]""");
        Assert.Equal(1, either.GetArrayLength());
        Assert.Equal(Word(11), either[0].GetProperty("topics")[1].GetString());

        Assert.Equal(0, _chain.Call("eth_getLogs", $$"""[{"fromBlock":"0x0","topics":["{{Word(10)}}"]}]""").GetArrayLength());
        Assert.Equal(1, _chain.Call("eth_getLogs", $$"""[{"fromBlock":"0x2","toBlock":"0x2"}]""").GetArrayLength());

        // The range limit (10,000 on the RPC) applies to the clamped range; check it with a small limit.
        var wide = new LogFilter { FromBlock = "earliest", ToBlock = "latest" };
        RpcException tooWide = Assert.Throws<RpcException>(() => wide.Query(_chain.Local.Chain.Store, new LogQueryLimits(3, 10)).ToList());
        Assert.Contains("block range too large: 4 blocks, limit 3", tooWide.Message, StringComparison.Ordinal);
        Assert.Equal(3, wide.Query(_chain.Local.Chain.Store, new LogQueryLimits(4, 10)).Count());
        Assert.Equal(RpcErrorCodes.InvalidParams, _chain.Error("eth_getLogs", """[{"topics":["0x12"]}]""").GetProperty("code").GetInt32());
        Assert.Equal(RpcErrorCodes.InvalidParams, _chain.Error("eth_getLogs", """[{"topics":[null,null,null,null,null]}]""").GetProperty("code").GetInt32());
    }

    [Fact]
    public void Block_filter_returns_new_block_hashes_once()
    {
        string filter = _chain.Call("eth_newBlockFilter").GetString()!;
        Assert.Equal(0, _chain.Call("eth_getFilterChanges", $"""["{filter}"]""").GetArrayLength());
        Transfer(1);
        Transfer(1);
        JsonElement changes = _chain.Call("eth_getFilterChanges", $"""["{filter}"]""");
        Assert.Equal(2, changes.GetArrayLength());
        Assert.Equal(_chain.Call("eth_getBlockByNumber", """["0x2",false]""").GetProperty("hash").GetString(), changes[1].GetString());
        Assert.Equal(0, _chain.Call("eth_getFilterChanges", $"""["{filter}"]""").GetArrayLength());

        Assert.True(_chain.Call("eth_uninstallFilter", $"""["{filter}"]""").GetBoolean());
        Assert.Equal("filter not found", _chain.Error("eth_getFilterChanges", $"""["{filter}"]""").GetProperty("message").GetString());
    }

    [Fact]
    public void Log_filter_reports_matching_logs_of_new_blocks()
    {
        string filter = _chain.Call("eth_newFilter", $$"""[{"topics":[null,"{{Word(4)}}"]}]""").GetString()!;
        Invoke(3);
        Invoke(4);
        JsonElement changes = _chain.Call("eth_getFilterChanges", $"""["{filter}"]""");
        Assert.Equal(1, changes.GetArrayLength());
        Assert.Equal(2UL, Quantity(changes[0].GetProperty("blockNumber")));
    }

    [Fact]
    public void Snapshot_and_revert_restore_the_chain_and_state()
    {
        Transfer(5);
        string snapshot = _chain.Call("evm_snapshot").GetString()!;
        ulong balance = Quantity(_chain.Call("eth_getBalance", $"""["{Bob}","latest"]"""));
        Transfer(7);
        Transfer(9);
        Assert.Equal(3UL, Quantity(_chain.Call("eth_blockNumber")));

        Assert.True(_chain.Call("evm_revert", $"""["{snapshot}"]""").GetBoolean());
        Assert.Equal(1UL, Quantity(_chain.Call("eth_blockNumber")));
        Assert.Equal(balance, Quantity(_chain.Call("eth_getBalance", $"""["{Bob}","latest"]""")));
        Assert.Equal(1UL, Quantity(_chain.Call("eth_getTransactionCount", $"""["{Alice}","latest"]""")));
        Assert.False(_chain.Call("evm_revert", $"""["{snapshot}"]""").GetBoolean()); // a snapshot is used once

        Transfer(1); // the chain continues from the reverted head
        Assert.Equal(2UL, Quantity(_chain.Call("eth_blockNumber")));
    }

    [Fact]
    public void Txpool_status_counts_pending_and_queued()
    {
        JsonElement empty = _chain.Call("txpool_status");
        Assert.Equal("0x0", empty.GetProperty("pending").GetString());
        Assert.Equal("0x0", empty.GetProperty("queued").GetString());

        _chain.Call("eth_sendTransaction", $$"""[{"from":"{{Alice}}","to":"{{Bob}}","value":"0x1"}]""");
        _chain.Call("eth_sendTransaction", $$"""[{"from":"{{Alice}}","to":"{{Bob}}","value":"0x1","nonce":"0x5"}]""");
        JsonElement status = _chain.Call("txpool_status");
        Assert.Equal("0x1", status.GetProperty("pending").GetString());
        Assert.Equal("0x1", status.GetProperty("queued").GetString());

        _chain.Call("evm_mine");
        Assert.Equal("0x0", _chain.Call("txpool_status").GetProperty("pending").GetString());
    }

    [Theory]
    [InlineData(4096)]
    [InlineData(600)] // past the cache's 256-byte floor, the middle outside the 256 bytes at either end its look-up hashes
    public void Large_override_codes_that_differ_only_in_the_middle_each_run_as_themselves(int size)
    {
        // PUSH2 middle JUMP, STOP padding, then at the middle: JUMPDEST PUSH1 v PUSH1 0 MSTORE PUSH1 32 PUSH1 0 RETURN,
        // and more padding: codes alike but for v (the override code hashes are cached by content).
        string Code(byte v)
        {
            var code = new byte[size];
            int middle = size / 2;
            byte[] prefix = [0x61, (byte)(middle >> 8), (byte)(middle & 0xff), 0x56];
            prefix.CopyTo(code, 0);
            byte[] body = [0x5b, 0x60, v, 0x60, 0x00, 0x52, 0x60, 0x20, 0x60, 0x00, 0xf3];
            body.CopyTo(code, middle);
            return Hex.Encode(code);
        }

        foreach (byte v in new byte[] { 1, 2, 1, 3 })
        {
            string result = _chain.Call("eth_call", $$$"""[{"to":"{{{Contract}}}"},"latest",{"{{{Contract}}}":{"code":"{{{Code(v)}}}"}}]""").GetString()!;
            Assert.Equal(Word(v), result);
        }

        // The same code in capitals, and with a JSON escape in it, decodes to the same bytes.
        string upper = "0x" + Code(7)[2..].ToUpperInvariant();
        Assert.Equal(Word(7), _chain.Call("eth_call", $$$"""[{"to":"{{{Contract}}}"},"latest",{"{{{Contract}}}":{"code":"{{{upper}}}"}}]""").GetString());
        string escaped = @"0x" + Code(8)[2..];
        Assert.Equal(Word(8), _chain.Call("eth_call", $$$"""[{"to":"{{{Contract}}}"},"latest",{"{{{Contract}}}":{"code":"{{{escaped}}}"}}]""").GetString());
    }

    [Fact]
    public void Override_sets_one_byte_apart_each_run_as_themselves_when_repeated()
    {
        // Override sets past the parsed-set cache's floor are reused by their exact text: sets A, B (the same length,
        // one hex digit apart, in the middle of the text, outside the 512 bytes the look-up hashes), then A again must
        // each give their own result, whether the digit is in the code or in another account's balance.
        const string Holder = "0x00000000000000000000000000000000000b0b00";
        const string Filler = "0x0000000000000000000000000000000000f111e7";
        string padding = Hex.Encode(new byte[600]);

        // PUSH1 v PUSH1 0 MSTORE PUSH1 32 PUSH1 0 RETURN at the middle of 2,000 bytes (a jump over STOPs to it).
        string ReturnsCode(byte v)
        {
            var code = new byte[2000];
            const int Middle = 1000;
            byte[] prefix = [0x61, Middle >> 8, Middle & 0xff, 0x56];
            prefix.CopyTo(code, 0);
            byte[] body = [0x5b, 0x60, v, 0x60, 0x00, 0x52, 0x60, 0x20, 0x60, 0x00, 0xf3];
            body.CopyTo(code, Middle);
            return Hex.Encode(code);
        }

        // BALANCE of Holder returned, then STOP padding.
        var balanceCode = new byte[1000];
        byte[] readsBalance = [0x73, .. Address.Parse(Holder).ToArray(), 0x31, 0x60, 0x00, 0x52, 0x60, 0x20, 0x60, 0x00, 0xf3];
        readsBalance.CopyTo(balanceCode, 0);
        string returnsBalance = Hex.Encode(balanceCode);

        string CodeSet(byte v) => $$$"""{"{{{Contract}}}":{"code":"{{{ReturnsCode(v)}}}"},"{{{Filler}}}":{"code":"{{{padding}}}"}}""";
        string BalanceSet(byte v) =>
            $$$"""{"{{{Contract}}}":{"code":"{{{returnsBalance}}}"},"{{{Holder}}}":{"balance":"0x{{{v:x}}}"},"{{{Filler}}}":{"code":"{{{padding}}}"}}""";

        for (int round = 0; round < 2; round++)
        {
            foreach (byte v in new byte[] { 1, 2, 1 })
            {
                Assert.Equal(CodeSet(1).Length, CodeSet(v).Length);
                Assert.Equal(Word(v), _chain.Call("eth_call", $$"""[{"to":"{{Contract}}"},"latest",{{CodeSet(v)}}]""").GetString());
            }

            foreach (byte v in new byte[] { 5, 6, 5 })
            {
                Assert.Equal(BalanceSet(5).Length, BalanceSet(v).Length);
                Assert.Equal(Word(v), _chain.Call("eth_call", $$"""[{"to":"{{Contract}}"},"latest",{{BalanceSet(v)}}]""").GetString());
            }
        }
    }

    [Fact]
    public void The_parsed_override_set_cache_is_bounded_in_sets_and_bytes()
    {
        static StateOverrides Parse(string json)
        {
            using JsonDocument document = JsonDocument.Parse(json);
            return StateOverrides.Parse(document.RootElement, "test");
        }

        string Set(int i, int codeBytes) =>
            $$$"""{"{{{Contract}}}":{"code":"{{{Hex.Encode(new byte[codeBytes])}}}","nonce":"0x{{{i:x}}}"}}""";

        // The same text is parsed once.
        string repeated = Set(0, 1000);
        Assert.Same(Parse(repeated), Parse(repeated));

        // Texts below the floor or above the ceiling are not kept.
        Assert.NotSame(Parse(Set(0, 100)), Parse(Set(0, 100)));
        string huge = Set(0, StateOverrides.ParsedOverrideSets.MaxTextBytes / 2 + 1);
        Assert.NotSame(Parse(huge), Parse(huge));

        // Many distinct sets, small ones (the entry bound) then large ones (the byte bound): never more than either.
        for (int i = 0; i < 3 * StateOverrides.ParsedOverrideSets.MaxEntries; i++)
        {
            Parse(Set(i, i < 2 * StateOverrides.ParsedOverrideSets.MaxEntries ? 600 : 60_000));
            Assert.InRange(StateOverrides.ParsedOverrideSets.Count, 0, StateOverrides.ParsedOverrideSets.MaxEntries);
            Assert.InRange(StateOverrides.ParsedOverrideSets.ChargedBytes, 0, StateOverrides.ParsedOverrideSets.MaxChargedBytes);
        }
    }

    [Fact]
    public void A_call_sees_nothing_of_the_calls_before_it()
    {
        // Calls reuse one world state per thread (reset for each): what one call wrote, warmed or was given by an
        // override must not be there for the next.
        Invoke(5); // slot 0 of the contract holds 5
        const string WriteThenRead = "0x602a60005560005460005260206000f3"; // slot 0 := 42, returns slot 0
        const string ReadSlot0 = "0x60005460005260206000f3";
        string slot0 = Word(0);
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(Word(42), _chain.Call("eth_call", $$$"""[{"to":"{{{Contract}}}"},"latest",{"{{{Contract}}}":{"code":"{{{WriteThenRead}}}"}}]""").GetString());
            Assert.Equal(Word(5), _chain.Call("eth_call", $$$"""[{"to":"{{{Contract}}}"},"latest",{"{{{Contract}}}":{"code":"{{{ReadSlot0}}}"}}]""").GetString());
            Assert.Equal(Word(7), _chain.Call("eth_call", $$$$"""[{"to":"{{{{Contract}}}}"},"latest",{"{{{{Contract}}}}":{"code":"{{{{ReadSlot0}}}}","stateDiff":{"{{{{slot0}}}}":"{{{{Word(7)}}}}"}}}]""").GetString());
            Assert.Equal(Word(5), _chain.Call("eth_call", $$$"""[{"to":"{{{Contract}}}"},"latest",{"{{{Contract}}}":{"code":"{{{ReadSlot0}}}"}}]""").GetString());
        }
    }

    [Fact]
    public void State_overrides_apply_to_calls_and_estimates()
    {
        Invoke(5); // slot 0 of the contract holds 5
        const string ReadSlot0 = "0x60005460005260206000f3"; // returns the word in slot 0
        const string Poor = "0x00000000000000000000000000000000000000aa";
        string slot0 = Word(0);
        string slot1 = Word(1);

        string withCode = _chain.Call("eth_call", $$$"""[{"to":"{{{Contract}}}"},"latest",{"{{{Contract}}}":{"code":"{{{ReadSlot0}}}"}}]""").GetString()!;
        Assert.Equal(Word(5), withCode);
        string diff = _chain.Call("eth_call", $$$$"""[{"to":"{{{{Contract}}}}"},"latest",{"{{{{Contract}}}}":{"code":"{{{{ReadSlot0}}}}","stateDiff":{"{{{{slot1}}}}":"{{{{Word(9)}}}}"}}}]""").GetString()!;
        Assert.Equal(Word(5), diff); // stateDiff keeps the other slots
        string replaced = _chain.Call("eth_call", $$$$"""[{"to":"{{{{Contract}}}}"},"latest",{"{{{{Contract}}}}":{"code":"{{{{ReadSlot0}}}}","state":{"{{{{slot1}}}}":"{{{{Word(9)}}}}"}}}]""").GetString()!;
        Assert.Equal(Word(0), replaced); // state replaces the whole storage
        string set = _chain.Call("eth_call", $$$$"""[{"to":"{{{{Contract}}}}"},"latest",{"{{{{Contract}}}}":{"code":"{{{{ReadSlot0}}}}","stateDiff":{"{{{{slot0}}}}":"{{{{Word(42)}}}}"}}}]""").GetString()!;
        Assert.Equal(Word(42), set);
        Assert.Equal(Word(5), _chain.Call("eth_getStorageAt", $"""["{Contract}","0x0","latest"]""").GetString()); // nothing persisted

        // A sender with no funds can move value once its balance is overridden.
        _chain.Error("eth_call", $$$"""[{"from":"{{{Poor}}}","to":"{{{Bob}}}","value":"0xde0b6b3a7640000"},"latest"]""");
        _chain.Call("eth_call", $$$"""[{"from":"{{{Poor}}}","to":"{{{Bob}}}","value":"0xde0b6b3a7640000"},"latest",{"{{{Poor}}}":{"balance":"0xde0b6b3a7640000"}}]""");
        Assert.Equal(21_000UL, Quantity(_chain.Call("eth_estimateGas",
            $$$"""[{"from":"{{{Poor}}}","to":"{{{Bob}}}","value":"0x1"},"latest",{"{{{Poor}}}":{"balance":"0x1","nonce":"0x7"}}]""")));

        Assert.Equal(RpcErrorCodes.InvalidParams, _chain.Error("eth_call",
            $$$$"""[{"to":"{{{{Contract}}}}"},"latest",{"{{{{Contract}}}}":{"state":{},"stateDiff":{}}}]""").GetProperty("code").GetInt32());
        Assert.Equal(RpcErrorCodes.InvalidParams, _chain.Error("eth_call", $$$"""[{"to":"{{{Contract}}}"},"latest",{"0x12":{}}]""").GetProperty("code").GetInt32());
        Assert.Equal(RpcErrorCodes.InvalidParams, _chain.Error("eth_call", $$$$"""[{"to":"{{{{Contract}}}}"},"latest",{"{{{{Contract}}}}":{"stateDiff":{"0x1":"0x2"}}}]""").GetProperty("code").GetInt32());
        Assert.Equal(RpcErrorCodes.InvalidParams, _chain.Error("eth_call", $$$"""[{"to":"{{{Contract}}}"},"latest",[]]""").GetProperty("code").GetInt32());
    }
}
