using System.Text.Json;
using Hyperion.Chain;
using Hyperion.Core;
using static Hyperion.Rpc.Tests.Eth.DevChain;

namespace Hyperion.Rpc.Tests.Eth;

/// <summary>
/// The address index behind ots_searchTransactions* and ots_getContractCreator: internal frames count, contracts
/// created by contracts have their factory as creator, a rewind drops what the chain no longer has, and the index kept
/// in a data directory survives a restart (a torn tail is dropped and indexed again).
/// </summary>
public sealed class AddressIndexTests : IDisposable
{
    // Init code: CREATE(value 0, empty code), then deploys the one-byte runtime 0x01.
    private const string FactoryInit = "0x6000600060006000f050600160005360016000f3";

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "hyperion-addridx-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private static string[] Hashes(JsonElement page) => [.. page.GetProperty("txs").EnumerateArray().Select(t => t.GetProperty("hash").GetString()!)];

    [Fact]
    public void Searches_find_transactions_that_reach_an_address_through_internal_calls()
    {
        using var chain = new DevChain();
        string direct = chain.SendAndMine($$"""{"from":"{{Bob}}","to":"{{Contract}}","data":"{{Word(6)}}"}""");
        string proxied = chain.SendAndMine($$"""{"from":"{{Alice}}","to":"{{Proxy}}","data":"{{Word(5)}}","gas":"0x30000"}""");
        chain.SendAndMine($$"""{"from":"{{Alice}}","to":"{{Bob}}","value":"0x1"}""");

        Assert.Equal([proxied, direct], Hashes(chain.Call("ots_searchTransactionsBefore", $"""["{Contract}","0x0","0xa"]""")));
        JsonElement after = chain.Call("ots_searchTransactionsAfter", $"""["{Contract}","0x0","0xa"]""");
        Assert.Equal([proxied, direct], Hashes(after)); // newest first on every page
        Assert.True(after.GetProperty("firstPage").GetBoolean());
        Assert.True(after.GetProperty("lastPage").GetBoolean());
        JsonElement onePage = chain.Call("ots_searchTransactionsBefore", $"""["{Contract}","0x0","0x1"]""");
        Assert.Equal([proxied], Hashes(onePage));
        Assert.False(onePage.GetProperty("lastPage").GetBoolean());
        Assert.Equal(0, chain.Addresses.UntracedBlocks);
    }

    [Fact]
    public void A_contract_created_by_a_contract_has_the_factory_as_creator()
    {
        using var chain = new DevChain();
        string deploy = chain.SendAndMine($$"""{"from":"{{Alice}}","data":"{{FactoryInit}}"}""");
        Address factory = Address.Parse(chain.Call("eth_getTransactionReceipt", $"""["{deploy}"]""").GetProperty("contractAddress").GetString()!);
        Address child = Hyperion.Evm.ContractAddress.From(factory, 1);

        JsonElement creator = chain.Call("ots_getContractCreator", $"""["{child}"]""");
        Assert.Equal(deploy, creator.GetProperty("hash").GetString());
        Assert.Equal(factory.ToString(), creator.GetProperty("creator").GetString());
        Assert.Equal(Alice.ToString(), chain.Call("ots_getContractCreator", $"""["{factory}"]""").GetProperty("creator").GetString());
        Assert.Equal([deploy], Hashes(chain.Call("ots_searchTransactionsBefore", $"""["{child}","0x0","0xa"]""")));
    }

    [Fact]
    public void A_creation_that_reverts_creates_nothing()
    {
        using var chain = new DevChain();
        // The same factory, whose init code then reverts: its inner CREATE is undone with it.
        string reverted = chain.SendAndMine($$"""{"from":"{{Alice}}","data":"0x6000600060006000f05060006000fd","gas":"0x30000"}""");
        Assert.Equal("0x0", chain.Call("eth_getTransactionReceipt", $"""["{reverted}"]""").GetProperty("status").GetString());
        Address factory = Hyperion.Evm.ContractAddress.From(Alice, 0);
        Assert.Equal(JsonValueKind.Null, chain.Call("ots_getContractCreator", $"""["{factory}"]""").ValueKind);
        Assert.Equal(JsonValueKind.Null, chain.Call("ots_getContractCreator", $"""["{Hyperion.Evm.ContractAddress.From(factory, 1)}"]""").ValueKind);
        Assert.Equal([reverted], Hashes(chain.Call("ots_searchTransactionsBefore", $"""["{Hyperion.Evm.ContractAddress.From(factory, 1)}","0x0","0xa"]"""))); // touched all the same, as Erigon's index
    }

    [Fact]
    public void A_reverted_chain_drops_the_blocks_it_no_longer_has()
    {
        using var chain = new DevChain();
        string snapshot = chain.Call("evm_snapshot").GetString()!;
        chain.SendAndMine($$"""{"from":"{{Alice}}","to":"{{Proxy}}","data":"{{Word(5)}}","gas":"0x30000"}""");
        Assert.Single(Hashes(chain.Call("ots_searchTransactionsBefore", $"""["{Contract}","0x0","0xa"]""")));
        Assert.True(chain.Call("evm_revert", $"""["{snapshot}"]""").GetBoolean());
        string other = chain.SendAndMine($$"""{"from":"{{Bob}}","to":"{{Contract}}","data":"{{Word(6)}}"}""");
        Assert.Equal([other], Hashes(chain.Call("ots_searchTransactionsBefore", $"""["{Contract}","0x0","0xa"]""")));
    }

    [Fact]
    public void The_index_is_kept_in_the_data_directory_and_a_torn_tail_is_indexed_again()
    {
        string deploy;
        string indexFile = Path.Combine(_directory, AddressIndex.FileName);
        using (var chain = new DevChain(dataDirectory: _directory))
        {
            deploy = chain.SendAndMine($$"""{"from":"{{Alice}}","data":"{{FactoryInit}}"}""");
            chain.SendAndMine($$"""{"from":"{{Alice}}","to":"{{Proxy}}","data":"{{Word(5)}}","gas":"0x30000"}""");
            chain.Addresses.CatchUp();
            Assert.Equal(2UL, chain.Addresses.Indexed);
        }

        long length = new FileInfo(indexFile).Length;
        Assert.True(length > 0);
        File.AppendAllText(indexFile, "torn"); // a record cut short by a crash
        Address child = Hyperion.Evm.ContractAddress.From(Hyperion.Evm.ContractAddress.From(Alice, 0), 1);
        using (var reopened = new DevChain(dataDirectory: _directory))
        {
            Assert.Equal(deploy, reopened.Call("ots_getContractCreator", $"""["{child}"]""").GetProperty("hash").GetString());
            Assert.Equal(2, Hashes(reopened.Call("ots_searchTransactionsBefore", $"""["{Alice}","0x0","0xa"]""")).Length);
            Assert.Equal(2UL, reopened.Addresses.Indexed);
        }

        Assert.Equal(length, new FileInfo(indexFile).Length);
    }
}
