using System.Text.Json;
using Hyperion.Chain;
using Hyperion.Core;
using Hyperion.Rpc.Eth;
using static Hyperion.Rpc.Tests.Eth.DevChain;

namespace Hyperion.Rpc.Tests.Eth;

/// <summary>anvil_*/hardhat_* state edits, impersonation, mining and header settings, through JSON-RPC as clients call them.</summary>
public sealed class DevModuleTests : IDisposable
{
    private static readonly Address Stranger = Address.Parse("0x1234567890123456789012345678901234567890");
    private readonly DevChain _chain = new();

    public void Dispose() => _chain.Dispose();

    private static string Hex256(ulong value) => Word(value);

    [Fact]
    public void The_latest_state_version_changes_with_each_state_edit_and_each_block()
    {
        // eth_call's record of short calls (ShortCallRecord) trusts a call's gas only on an unchanged version.
        ChainProvider chain = _chain.Local.Chain;
        object genesis = chain.LatestStateVersion;
        Assert.Same(genesis, chain.LatestStateVersion);
        _chain.Call("anvil_setBalance", $"""["{Stranger}","0x1"]""");
        object edited = chain.LatestStateVersion;
        Assert.NotSame(genesis, edited);
        Assert.Same(edited, chain.LatestStateVersion);
        _chain.Call("anvil_setStorageAt", $"""["{Contract}","0x0","{Hex256(3)}"]""");
        object editedTwice = chain.LatestStateVersion;
        Assert.NotSame(edited, editedTwice);
        _chain.Call("evm_mine");
        Assert.NotSame(editedTwice, chain.LatestStateVersion);
        Assert.Same(chain.Store.Head, chain.LatestStateVersion);
    }

    [Fact]
    public void SetBalance_is_visible_at_once_without_a_block_and_the_next_block_commits_it()
    {
        Assert.Equal(JsonValueKind.Null, _chain.Call("anvil_setBalance", $"""["{Stranger}","0x1234"]""").ValueKind);
        Assert.Equal(0UL, Quantity(_chain.Call("eth_blockNumber")));
        Assert.Equal(0x1234UL, Quantity(_chain.Call("eth_getBalance", $"""["{Stranger}","latest"]""")));
        Assert.Equal(0x1234UL, Quantity(_chain.Call("eth_getBalance", $"""["{Stranger}","0x0"]"""))); // the head's state is edited

        Assert.True(_chain.Call("hardhat_setBalance", $"""["{Alice}","0x5"]""").GetBoolean());
        _chain.Call("evm_mine");
        Assert.Equal(0x1234UL, Quantity(_chain.Call("eth_getBalance", $"""["{Stranger}","0x1"]""")));
        Assert.Equal(5UL, Quantity(_chain.Call("eth_getBalance", $"""["{Alice}","latest"]""")));
        // The block's state root is the root of the edited state: a fresh replay of the chain reproduces it.
        Assert.Equal(_chain.Local.Chain.States.StateRoot(1), _chain.Local.Chain.Store.Head.Header.StateRoot);
    }

    [Fact]
    public void SetCode_and_setStorageAt_edit_the_account_that_calls_then_see()
    {
        Assert.Equal(JsonValueKind.Null, _chain.Call("anvil_setCode", $"""["{Stranger}","0x60005460005260206000f3"]""").ValueKind); // returns slot 0
        Assert.True(_chain.Call("anvil_setStorageAt", $"""["{Stranger}","0x0","{Hex256(42)}"]""").GetBoolean());
        Assert.Equal("0x60005460005260206000f3", _chain.Call("eth_getCode", $"""["{Stranger}","latest"]""").GetString());
        Assert.Equal(Hex256(42), _chain.Call("eth_getStorageAt", $"""["{Stranger}","0x0","latest"]""").GetString());
        Assert.Equal(Hex256(42), _chain.Call("eth_call", $$"""[{"to":"{{Stranger}}"},"latest"]""").GetString());

        // A block's transaction writing to an edited account keeps the edited slots it did not write.
        Assert.True(_chain.Call("hardhat_setStorageAt", $"""["{Contract}","0x7","{Hex256(7)}"]""").GetBoolean());
        _chain.SendAndMine($$"""{"from":"{{Alice}}","to":"{{Contract}}","data":"{{Word(9)}}"}""");
        Assert.Equal(Hex256(9), _chain.Call("eth_getStorageAt", $"""["{Contract}","0x0","latest"]""").GetString());
        Assert.Equal(Hex256(7), _chain.Call("eth_getStorageAt", $"""["{Contract}","0x7","latest"]""").GetString());
        Assert.Equal("0x60005460005260206000f3", _chain.Call("eth_getCode", $"""["{Stranger}","latest"]""").GetString());
    }

    [Fact]
    public void A_trace_re_executes_a_block_on_the_edits_made_before_it()
    {
        // Storing the value a slot already holds costs less: the trace sees the edited slot, as the block did.
        _chain.Call("anvil_setStorageAt", $"""["{Contract}","0x0","{Hex256(9)}"]""");
        string hash = _chain.SendAndMine($$"""{"from":"{{Alice}}","to":"{{Contract}}","data":"{{Word(9)}}"}""");
        ulong gasUsed = Quantity(_chain.Call("eth_getTransactionReceipt", $"""["{hash}"]""").GetProperty("gasUsed"));
        JsonElement trace = _chain.Call("debug_traceTransaction", $"""["{hash}"]""");
        Assert.Equal(gasUsed, trace.GetProperty("gas").GetUInt64());
        JsonElement calls = _chain.Call("debug_traceTransaction", $$"""["{{hash}}",{"tracer":"callTracer"}]""");
        Assert.Equal(gasUsed, Quantity(calls.GetProperty("gasUsed")));

        string blockHash = _chain.Call("eth_getTransactionReceipt", $"""["{hash}"]""").GetProperty("blockHash").GetString()!;
        foreach (JsonElement traces in new[]
        {
            _chain.Call("debug_traceBlockByNumber", """["latest",{"tracer":"callTracer"}]"""),
            _chain.Call("debug_traceBlockByHash", $$"""["{{blockHash}}",{"tracer":"callTracer"}]"""),
        })
        {
            JsonElement only = Assert.Single(traces.EnumerateArray());
            Assert.Equal(hash, only.GetProperty("txHash").GetString());
            Assert.Equal(gasUsed, Quantity(only.GetProperty("result").GetProperty("gasUsed")));
        }

        Assert.Empty(_chain.Call("debug_traceBlockByNumber", """["0x0"]""").EnumerateArray());
        Assert.Equal(-32602, _chain.Error("debug_traceBlockByNumber", """["0x0",{"tracer":"nope"}]""").GetProperty("code").GetInt32());
        Assert.Contains("not found", _chain.Error("debug_traceBlockByHash", $"""["0x{new string('1', 64)}"]""").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void GetAccount_answers_the_account_fields_and_empty_values_for_a_missing_account()
    {
        _chain.Call("anvil_setBalance", $"""["{Stranger}","0x10"]""");
        _chain.Call("anvil_setNonce", $"""["{Stranger}","0x3"]""");
        JsonElement account = _chain.Call("eth_getAccount", $"""["{Stranger}","latest"]""");
        Assert.Equal("0x10", account.GetProperty("balance").GetString());
        Assert.Equal("0x3", account.GetProperty("nonce").GetString());
        Assert.Equal(Hyperion.Core.Crypto.Keccak256.OfEmpty.ToString(), account.GetProperty("codeHash").GetString());
        JsonElement contract = _chain.Call("eth_getAccount", $"""["{Contract}","latest"]""");
        Assert.Equal(Hyperion.Core.Crypto.Keccak256.Hash(ContractCode).ToString(), contract.GetProperty("codeHash").GetString());
        JsonElement missing = _chain.Call("eth_getAccount", """["0x00000000000000000000000000000000000000ff","latest"]""");
        Assert.Equal("0x0", missing.GetProperty("balance").GetString());
        Assert.Equal(Hyperion.Core.Crypto.Keccak256.EmptyTrieRoot.ToString(), missing.GetProperty("storageRoot").GetString());
        Assert.Equal(-32602, _chain.Error("eth_getAccount", """["0x12","latest"]""").GetProperty("code").GetInt32());
    }

    [Fact]
    public void Edits_refuse_bad_arguments_with_invalid_params()
    {
        Assert.Equal(-32602, _chain.Error("anvil_setStorageAt", $"""["{Stranger}","0x0","0x2a"]""").GetProperty("code").GetInt32());
        Assert.Equal(-32602, _chain.Error("anvil_setBalance", """["0x12","0x1"]""").GetProperty("code").GetInt32());
        Assert.Equal(-32602, _chain.Error("anvil_setBalance", $"""["{Stranger}"]""").GetProperty("code").GetInt32());
        Assert.Equal(-32602, _chain.Error("anvil_setNonce", $"""["{Stranger}","0x10000000000000000"]""").GetProperty("code").GetInt32());
        Assert.Equal(-32602, _chain.Error("anvil_setCode", $"""["{Stranger}","0x123"]""").GetProperty("code").GetInt32());
        Assert.Equal(-32602, _chain.Error("hardhat_setPrevRandao", """["0x01"]""").GetProperty("code").GetInt32());
        Assert.Equal(-32602, _chain.Error("anvil_mine", $"""["0x{DevModule.MaxMinedBlocks + 1:x}"]""").GetProperty("code").GetInt32());
        Assert.Equal(-32602, _chain.Error("evm_setBlockGasLimit", """["0x0"]""").GetProperty("code").GetInt32());
    }

    [Fact]
    public void SetNonce_moves_the_next_transaction_nonce()
    {
        _chain.Call("anvil_setNonce", $"""["{Alice}","0x10"]""");
        Assert.Equal(16UL, Quantity(_chain.Call("eth_getTransactionCount", $"""["{Alice}","latest"]""")));
        string hash = _chain.SendAndMine($$"""{"from":"{{Alice}}","to":"{{Bob}}","value":"0x1"}""");
        Assert.Equal(16UL, Quantity(_chain.Call("eth_getTransactionByHash", $"""["{hash}"]""").GetProperty("nonce")));
        Assert.Equal("0x1", _chain.Call("eth_getTransactionReceipt", $"""["{hash}"]""").GetProperty("status").GetString());
    }

    [Fact]
    public void Revert_restores_the_edits_made_before_the_snapshot_and_drops_later_ones()
    {
        _chain.Call("anvil_setBalance", $"""["{Stranger}","0x1"]""");
        string snapshot = _chain.Call("evm_snapshot").GetString()!;
        _chain.Call("anvil_setBalance", $"""["{Stranger}","0x2"]""");
        _chain.Call("anvil_setCode", $"""["{Stranger}","0x00"]""");
        _chain.Call("evm_mine");
        _chain.Call("anvil_setBalance", $"""["{Stranger}","0x3"]""");

        Assert.True(_chain.Call("evm_revert", $"""["{snapshot}"]""").GetBoolean());
        Assert.Equal(0UL, Quantity(_chain.Call("eth_blockNumber")));
        Assert.Equal(1UL, Quantity(_chain.Call("eth_getBalance", $"""["{Stranger}","latest"]""")));
        Assert.Equal("0x", _chain.Call("eth_getCode", $"""["{Stranger}","latest"]""").GetString());
        _chain.Call("evm_mine");
        Assert.Equal(1UL, Quantity(_chain.Call("eth_getBalance", $"""["{Stranger}","0x1"]""")));
    }

    [Fact]
    public void Impersonated_account_sends_without_its_key_until_impersonation_stops()
    {
        _chain.Call("anvil_setBalance", $"""["{Stranger}","0xde0b6b3a7640000"]""");
        string send = $$"""[{"from":"{{Stranger}}","to":"{{Bob}}","value":"0x7"}]""";
        Assert.Contains("unknown account", _chain.Error("eth_sendTransaction", send).GetProperty("message").GetString(), StringComparison.Ordinal);

        Assert.True(_chain.Call("hardhat_impersonateAccount", $"""["{Stranger}"]""").GetBoolean());
        string hash = _chain.Call("eth_sendTransaction", send).GetString()!;
        _chain.Call("evm_mine");
        JsonElement receipt = _chain.Call("eth_getTransactionReceipt", $"""["{hash}"]""");
        Assert.Equal("0x1", receipt.GetProperty("status").GetString());
        Assert.Equal(Stranger.ToString(), receipt.GetProperty("from").GetString());
        Assert.Equal(1UL, Quantity(_chain.Call("eth_getTransactionCount", $"""["{Stranger}","latest"]""")));

        // It carries the placeholder signature (r = the sender, s = 1), never one recovered as the sender.
        JsonElement tx = _chain.Call("eth_getTransactionByHash", $"""["{hash}"]""");
        Assert.Equal("0x1", tx.GetProperty("s").GetString());
        Assert.Equal(Stranger.ToString(), tx.GetProperty("from").GetString());

        _chain.Call("anvil_stopImpersonatingAccount", $"""["{Stranger}"]""");
        Assert.Contains("unknown account", _chain.Error("eth_sendTransaction", send).GetProperty("message").GetString(), StringComparison.Ordinal);

        _chain.Call("anvil_autoImpersonateAccount", "[true]");
        _chain.Call("eth_sendTransaction", send);
        _chain.Call("anvil_autoImpersonateAccount", "[false]");
        Assert.Contains("unknown account", _chain.Error("eth_sendTransaction", send).GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(-32602, _chain.Error("anvil_autoImpersonateAccount", """["yes"]""").GetProperty("code").GetInt32());
    }

    [Fact]
    public void Mine_builds_count_blocks_spaced_by_the_interval()
    {
        Assert.Equal(JsonValueKind.Null, _chain.Call("anvil_mine", """["0x2"]""").ValueKind);
        Assert.Equal(2UL, Quantity(_chain.Call("eth_blockNumber")));
        Assert.True(_chain.Call("hardhat_mine", """["0x3","0x3c"]""").GetBoolean());
        Assert.Equal(5UL, Quantity(_chain.Call("eth_blockNumber")));
        ulong Timestamp(int n) => Quantity(_chain.Call("eth_getBlockByNumber", $"""["0x{n:x}",false]""").GetProperty("timestamp"));
        Assert.Equal(60UL, Timestamp(4) - Timestamp(3));
        Assert.Equal(60UL, Timestamp(5) - Timestamp(4));
        _chain.Call("anvil_mine");
        Assert.Equal(6UL, Quantity(_chain.Call("eth_blockNumber")));
    }

    [Fact]
    public void Header_settings_apply_to_the_next_block_or_until_changed()
    {
        Address coinbase = Address.Parse("0x00000000000000000000000000000000000c0b1e");
        string randao = "0x" + new string('a', 64);
        _chain.Call("anvil_setNextBlockBaseFeePerGas", """["0x7"]""");
        _chain.Call("hardhat_setCoinbase", $"""["{coinbase}"]""");
        _chain.Call("hardhat_setPrevRandao", $"""["{randao}"]""");
        Assert.True(_chain.Call("evm_setBlockGasLimit", """["0x1c9c381"]""").GetBoolean());
        _chain.Call("evm_mine");
        JsonElement block = _chain.Call("eth_getBlockByNumber", """["latest",false]""");
        Assert.Equal("0x7", block.GetProperty("baseFeePerGas").GetString());
        Assert.Equal(coinbase.ToString(), block.GetProperty("miner").GetString());
        Assert.Equal(randao, block.GetProperty("mixHash").GetString());
        Assert.Equal(0x1c9c381UL, Quantity(block.GetProperty("gasLimit")));

        _chain.Call("evm_mine");
        JsonElement next = _chain.Call("eth_getBlockByNumber", """["latest",false]""");
        Assert.NotEqual(randao, next.GetProperty("mixHash").GetString());
        Assert.Equal(coinbase.ToString(), next.GetProperty("miner").GetString());
        Assert.Equal(0x1c9c381UL, Quantity(next.GetProperty("gasLimit")));
    }

    [Fact]
    public void DropTransaction_removes_a_pooled_transaction()
    {
        string hash = _chain.Call("eth_sendTransaction", $$"""[{"from":"{{Alice}}","to":"{{Bob}}","value":"0x1"}]""").GetString()!;
        Assert.Equal(1UL, Quantity(_chain.Call("txpool_status").GetProperty("pending")));
        Assert.True(_chain.Call("hardhat_dropTransaction", $"""["{hash}"]""").GetBoolean());
        Assert.Equal(0UL, Quantity(_chain.Call("txpool_status").GetProperty("pending")));
        Assert.False(_chain.Call("hardhat_dropTransaction", $"""["{hash}"]""").GetBoolean());
        Assert.Equal(JsonValueKind.Null, _chain.Call("anvil_dropTransaction", $"""["{hash}"]""").ValueKind);

        string second = _chain.Call("eth_sendTransaction", $$"""[{"from":"{{Alice}}","to":"{{Bob}}","value":"0x2"}]""").GetString()!;
        Assert.Equal(second, _chain.Call("anvil_dropTransaction", $"""["{second}"]""").GetString());
        _chain.Call("evm_mine");
        Assert.Equal(JsonValueKind.Null, _chain.Call("eth_getTransactionReceipt", $"""["{second}"]""").ValueKind);
    }

    [Fact]
    public void IncreaseTime_answers_the_total_offset_as_a_number_like_anvil()
    {
        Assert.Equal(100, _chain.Call("evm_increaseTime", "[100]").GetInt64());
        Assert.Equal(160, _chain.Call("evm_increaseTime", """["0x3c"]""").GetInt64());
    }

    [Fact]
    public void NodeInfo_and_client_version_describe_the_dev_chain()
    {
        Assert.StartsWith("anvil", _chain.Call("web3_clientVersion").GetString(), StringComparison.Ordinal);
        Assert.Contains("Hyperion", _chain.Call("web3_clientVersion").GetString(), StringComparison.Ordinal);
        JsonElement info = _chain.Call("anvil_nodeInfo");
        Assert.Equal(0UL, info.GetProperty("currentBlockNumber").GetUInt64());
        Assert.Equal(ChainId, info.GetProperty("environment").GetProperty("chainId").GetUInt64());
        Assert.Equal(_chain.Local.Chain.Store.Head.Hash.ToString(), info.GetProperty("currentBlockHash").GetString());
        Assert.Equal(JsonValueKind.Null, info.GetProperty("forkConfig").GetProperty("forkUrl").ValueKind);
    }
}

/// <summary>State edits and impersonated transactions in a data directory: a restart replays them to the same chain and state.</summary>
public sealed class DevModuleRestartTests : IDisposable
{
    private static readonly Address Stranger = Address.Parse("0x1234567890123456789012345678901234567890");
    private readonly string _directory = Directory.CreateTempSubdirectory("hyperion-devmodule-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Edits_before_and_after_the_head_survive_a_restart(bool dropStateStore)
    {
        string headHash;
        using (var chain = new DevChain(dataDirectory: _directory))
        {
            chain.Call("anvil_setBalance", $"""["{Stranger}","0xde0b6b3a7640000"]""");
            chain.Call("anvil_setCode", $"""["{Contract}","0x60005460005260206000f3"]""");
            chain.Call("anvil_setStorageAt", $"""["{Contract}","0x0","{Word(5)}"]""");
            chain.Call("anvil_impersonateAccount", $"""["{Stranger}"]""");
            chain.Call("eth_sendTransaction", $$"""[{"from":"{{Stranger}}","to":"{{Bob}}","value":"0x7"}]""");
            chain.Call("evm_mine");
            chain.Call("anvil_setBalance", $"""["{Bob}","0x99"]""");
            chain.Call("evm_mine");
            chain.Call("anvil_setStorageAt", $"""["{Contract}","0x1","{Word(6)}"]""");
            chain.Call("anvil_setNonce", $"""["{Alice}","0x9"]""");
            headHash = chain.Local.Chain.Store.Head.Hash.ToString();
        }

        if (dropStateStore)
        {
            Directory.Delete(Path.Combine(_directory, ChainRecovery.StateDirectoryName), recursive: true); // every block re-executes
        }

        string head;
        using (var reopened = new DevChain(dataDirectory: _directory))
        {
            head = CheckReopened(reopened, headHash, dropStateStore ? 2 : 0);
        }

        Directory.Delete(Path.Combine(_directory, ChainRecovery.StateDirectoryName), recursive: true);
        using var replayed = new DevChain(dataDirectory: _directory);
        Assert.Equal(3, replayed.Local.Recovery.ReplayedBlocks);
        Assert.Equal(head, replayed.Local.Chain.Store.Head.Hash.ToString());
    }

    private static string CheckReopened(DevChain reopened, string headHash, int replayedBlocks)
    {
        Assert.Equal(replayedBlocks, reopened.Local.Recovery.ReplayedBlocks);
        Assert.Equal(headHash, reopened.Local.Chain.Store.Head.Hash.ToString());
        Assert.Equal(Word(5), reopened.Call("eth_call", $$"""[{"to":"{{Contract}}"},"latest"]""").GetString());
        Assert.Equal(Word(6), reopened.Call("eth_getStorageAt", $"""["{Contract}","0x1","latest"]""").GetString());
        Assert.Equal(9UL, Quantity(reopened.Call("eth_getTransactionCount", $"""["{Alice}","latest"]""")));
        Assert.Equal(0x99UL, Quantity(reopened.Call("eth_getBalance", $"""["{Bob}","latest"]""")));
        Assert.Equal(1UL, Quantity(reopened.Call("eth_getTransactionCount", $"""["{Stranger}","latest"]""")));
        JsonElement tx = reopened.Call("eth_getTransactionByBlockNumberAndIndex", """["0x1","0x0"]""");
        Assert.Equal(Stranger.ToString(), tx.GetProperty("from").GetString());

        // The pending edits go into the next block, whose root matches a replay of the whole log.
        reopened.Call("evm_mine");
        Assert.Equal(Word(6), reopened.Call("eth_getStorageAt", $"""["{Contract}","0x1","0x3"]""").GetString());
        return reopened.Local.Chain.Store.Head.Hash.ToString();
    }

    [Fact]
    public void Revert_cuts_the_edits_from_the_log_too()
    {
        using (var chain = new DevChain(dataDirectory: _directory))
        {
            chain.Call("anvil_setBalance", $"""["{Stranger}","0x1"]""");
            string snapshot = chain.Call("evm_snapshot").GetString()!;
            chain.Call("anvil_setBalance", $"""["{Stranger}","0x2"]""");
            chain.Call("evm_mine");
            chain.Call("evm_revert", $"""["{snapshot}"]""");
        }

        using var reopened = new DevChain(dataDirectory: _directory);
        Assert.Equal(0UL, Quantity(reopened.Call("eth_blockNumber")));
        Assert.Equal(1UL, Quantity(reopened.Call("eth_getBalance", $"""["{Stranger}","latest"]""")));
    }
}
