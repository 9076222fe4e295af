using System.Text.Json;
using Hyperion.Chain;
using Hyperion.Core;
using static Hyperion.Rpc.Tests.Eth.DevChain;

namespace Hyperion.Rpc.Tests.Eth;

/// <summary>
/// The address index behind ots_searchTransactions* and ots_getContractCreator: internal frames count, contracts
/// created by contracts have their factory as creator, a rewind drops what the chain no longer has, and the index kept
/// in a data directory survives a restart; missing or behind it catches up from the chain, ahead of it drops what the
/// chain no longer has, damaged or truncated (or an earlier version's file) it is rebuilt with a warning. The queries
/// run against both stores (LMDB tables, and the memory of a node without a data directory).
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

    public static TheoryData<AddressIndexStorage> Storages => [AddressIndexStorage.Lmdb, AddressIndexStorage.Memory];

    private static string[] Hashes(JsonElement page) => [.. page.GetProperty("txs").EnumerateArray().Select(t => t.GetProperty("hash").GetString()!)];

    [Theory]
    [MemberData(nameof(Storages))]
    public void Searches_find_transactions_that_reach_an_address_through_internal_calls(AddressIndexStorage storage)
    {
        using var chain = new DevChain(addressIndex: storage);
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

    [Theory]
    [MemberData(nameof(Storages))]
    public void A_contract_created_by_a_contract_has_the_factory_as_creator(AddressIndexStorage storage)
    {
        using var chain = new DevChain(addressIndex: storage);
        string deploy = chain.SendAndMine($$"""{"from":"{{Alice}}","data":"{{FactoryInit}}"}""");
        Address factory = Address.Parse(chain.Call("eth_getTransactionReceipt", $"""["{deploy}"]""").GetProperty("contractAddress").GetString()!);
        Address child = Hyperion.Evm.ContractAddress.From(factory, 1);

        JsonElement creator = chain.Call("ots_getContractCreator", $"""["{child}"]""");
        Assert.Equal(deploy, creator.GetProperty("hash").GetString());
        Assert.Equal(factory.ToString(), creator.GetProperty("creator").GetString());
        Assert.Equal(Alice.ToString(), chain.Call("ots_getContractCreator", $"""["{factory}"]""").GetProperty("creator").GetString());
        Assert.Equal([deploy], Hashes(chain.Call("ots_searchTransactionsBefore", $"""["{child}","0x0","0xa"]""")));
    }

    [Theory]
    [MemberData(nameof(Storages))]
    public void A_creation_that_reverts_creates_nothing(AddressIndexStorage storage)
    {
        using var chain = new DevChain(addressIndex: storage);
        // The same factory, whose init code then reverts: its inner CREATE is undone with it.
        string reverted = chain.SendAndMine($$"""{"from":"{{Alice}}","data":"0x6000600060006000f05060006000fd","gas":"0x30000"}""");
        Assert.Equal("0x0", chain.Call("eth_getTransactionReceipt", $"""["{reverted}"]""").GetProperty("status").GetString());
        Address factory = Hyperion.Evm.ContractAddress.From(Alice, 0);
        Assert.Equal(JsonValueKind.Null, chain.Call("ots_getContractCreator", $"""["{factory}"]""").ValueKind);
        Assert.Equal(JsonValueKind.Null, chain.Call("ots_getContractCreator", $"""["{Hyperion.Evm.ContractAddress.From(factory, 1)}"]""").ValueKind);
        Assert.Equal([reverted], Hashes(chain.Call("ots_searchTransactionsBefore", $"""["{Hyperion.Evm.ContractAddress.From(factory, 1)}","0x0","0xa"]"""))); // touched all the same, as Erigon's index
    }

    [Theory]
    [MemberData(nameof(Storages))]
    public void A_reverted_chain_drops_the_blocks_it_no_longer_has(AddressIndexStorage storage)
    {
        using var chain = new DevChain(addressIndex: storage);
        string snapshot = chain.Call("evm_snapshot").GetString()!;
        chain.SendAndMine($$"""{"from":"{{Alice}}","to":"{{Proxy}}","data":"{{Word(5)}}","gas":"0x30000"}""");
        Assert.Single(Hashes(chain.Call("ots_searchTransactionsBefore", $"""["{Contract}","0x0","0xa"]""")));
        Assert.True(chain.Call("evm_revert", $"""["{snapshot}"]""").GetBoolean());
        string other = chain.SendAndMine($$"""{"from":"{{Bob}}","to":"{{Contract}}","data":"{{Word(6)}}"}""");
        Assert.Equal([other], Hashes(chain.Call("ots_searchTransactionsBefore", $"""["{Contract}","0x0","0xa"]""")));
    }

    /// <summary>Builds a two-block chain in the data directory (a factory deployed, then a proxied call) and returns the deployment's hash.</summary>
    private string BuildTwoBlocks()
    {
        using var chain = new DevChain(dataDirectory: _directory);
        string deploy = chain.SendAndMine($$"""{"from":"{{Alice}}","data":"{{FactoryInit}}"}""");
        chain.SendAndMine($$"""{"from":"{{Alice}}","to":"{{Proxy}}","data":"{{Word(5)}}","gas":"0x30000"}""");
        chain.Addresses.CatchUp();
        Assert.Equal(2UL, chain.Addresses.Indexed);
        return deploy;
    }

    /// <summary>Reopens the chain and checks the index answers as it did before (and covers both blocks); returns its warnings.</summary>
    private string[] ReopenAndCheck(string deploy)
    {
        Address child = Hyperion.Evm.ContractAddress.From(Hyperion.Evm.ContractAddress.From(Alice, 0), 1);
        using var reopened = new DevChain(dataDirectory: _directory);
        Assert.Equal(deploy, reopened.Call("ots_getContractCreator", $"""["{child}"]""").GetProperty("hash").GetString());
        Assert.Equal(2, Hashes(reopened.Call("ots_searchTransactionsBefore", $"""["{Alice}","0x0","0xa"]""")).Length);
        Assert.Equal([deploy], Hashes(reopened.Call("ots_searchTransactionsAfter", $"""["{Alice}","0x0","0x1"]""")));
        Assert.Equal(Alice.ToString(), reopened.Call("ots_getContractCreator", $"""["{Hyperion.Evm.ContractAddress.From(Alice, 0)}"]""").GetProperty("creator").GetString());
        Assert.Equal(2UL, reopened.Addresses.Indexed);
        return [.. reopened.Warnings];
    }

    private string IndexDirectory => Path.Combine(_directory, AddressIndex.DirectoryName);

    private string IndexDataFile => Path.Combine(IndexDirectory, "data.mdb");

    [Fact]
    public void The_index_is_kept_in_the_data_directory_and_reopens_without_warnings()
    {
        string deploy = BuildTwoBlocks();
        Assert.True(new FileInfo(IndexDataFile).Length > 0);
        Assert.Empty(ReopenAndCheck(deploy));
    }

    [Fact]
    public void A_missing_index_is_built_again_from_the_chain()
    {
        string deploy = BuildTwoBlocks();
        Directory.Delete(IndexDirectory, recursive: true);
        Assert.Empty(ReopenAndCheck(deploy));
    }

    [Fact]
    public void An_index_behind_the_chain_catches_up()
    {
        string behind = Path.Combine(Path.GetTempPath(), "hyperion-addridx-behind-" + Guid.NewGuid().ToString("N"));
        try
        {
            string deploy;
            using (var chain = new DevChain(dataDirectory: _directory))
            {
                deploy = chain.SendAndMine($$"""{"from":"{{Alice}}","data":"{{FactoryInit}}"}""");
                chain.Addresses.CatchUp();
                Assert.Equal(1UL, chain.Addresses.Indexed);
            }

            CopyDirectory(IndexDirectory, behind); // the index as it was at block 1 (a crash lost its later batches)
            using (var chain = new DevChain(dataDirectory: _directory))
            {
                chain.SendAndMine($$"""{"from":"{{Alice}}","to":"{{Proxy}}","data":"{{Word(5)}}","gas":"0x30000"}""");
                chain.Addresses.CatchUp();
            }

            Directory.Delete(IndexDirectory, recursive: true);
            CopyDirectory(behind, IndexDirectory);
            Assert.Empty(ReopenAndCheck(deploy));
        }
        finally
        {
            Directory.Delete(behind, recursive: true);
        }
    }

    [Fact]
    public void An_index_ahead_of_the_chain_drops_the_blocks_the_chain_no_longer_has()
    {
        BuildTwoBlocks();
        string ahead = Path.Combine(Path.GetTempPath(), "hyperion-addridx-ahead-" + Guid.NewGuid().ToString("N"));
        try
        {
            CopyDirectory(IndexDirectory, ahead); // indexes blocks 1-2 of a chain that is then replaced by a shorter one
            Directory.Delete(_directory, recursive: true);
            string other;
            using (var chain = new DevChain(dataDirectory: _directory))
            {
                other = chain.SendAndMine($$"""{"from":"{{Bob}}","to":"{{Contract}}","data":"{{Word(6)}}"}""");
            }

            Directory.Delete(IndexDirectory, recursive: true);
            CopyDirectory(ahead, IndexDirectory);
            using var reopened = new DevChain(dataDirectory: _directory);
            Assert.Equal([other], Hashes(reopened.Call("ots_searchTransactionsBefore", $"""["{Contract}","0x0","0xa"]""")));
            Assert.Empty(Hashes(reopened.Call("ots_searchTransactionsBefore", $"""["{Alice}","0x0","0xa"]""")));
            Address factory = Hyperion.Evm.ContractAddress.From(Alice, 0);
            Assert.Equal(JsonValueKind.Null, reopened.Call("ots_getContractCreator", $"""["{factory}"]""").ValueKind);
            Assert.Equal(1UL, reopened.Addresses.Indexed);
            Assert.Contains(reopened.Warnings, w => w.Contains("not the chain's", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(ahead, recursive: true);
        }
    }

    [Fact]
    public void A_damaged_checkpoint_is_found_at_open_and_the_index_rebuilt_with_a_warning()
    {
        string deploy = BuildTwoBlocks();
        string head;
        using (var chain = new DevChain(dataDirectory: _directory))
        {
            head = chain.Call("eth_getBlockByNumber", """["0x2",false]""").GetProperty("hash").GetString()!;
        }

        Assert.True(FlipLastByteOf(Convert.FromHexString(head[2..])) > 0); // the checkpoint and block 2's entry name it
        Assert.Contains(ReopenAndCheck(deploy), w => w.Contains("rebuilding it from the chain", StringComparison.Ordinal));
    }

    [Fact]
    public void A_damaged_entry_is_found_when_read_and_the_index_rebuilt_with_a_warning()
    {
        string deploy = BuildTwoBlocks();
        // The factory's creation entry: block 1 ‖ transaction 0 ‖ creator Alice.
        Assert.Equal(1, FlipLastByteOf([0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, .. Alice.Bytes]));
        Assert.Contains(ReopenAndCheck(deploy), w => w.Contains("rebuilding it from the chain", StringComparison.Ordinal));
    }

    /// <summary>Flips the last byte of every occurrence of <paramref name="pattern"/> in the index's data file; returns how many.</summary>
    private int FlipLastByteOf(byte[] pattern)
    {
        byte[] data = File.ReadAllBytes(IndexDataFile);
        int flipped = 0;
        for (int at = 0; at + pattern.Length <= data.Length; at++)
        {
            if (data.AsSpan(at, pattern.Length).SequenceEqual(pattern))
            {
                data[at + pattern.Length - 1] ^= 0xff;
                flipped++;
            }
        }

        File.WriteAllBytes(IndexDataFile, data);
        return flipped;
    }

    [Fact]
    public void A_truncated_index_is_rebuilt_with_a_warning()
    {
        string deploy = BuildTwoBlocks();
        using (var file = new FileStream(IndexDataFile, FileMode.Open))
        {
            file.SetLength(file.Length / 3);
        }

        string[] warnings = ReopenAndCheck(deploy);
        Assert.Contains(warnings, w => w.Contains("rebuilding it from the chain", StringComparison.Ordinal));
    }

    [Fact]
    public void The_file_of_an_earlier_version_is_replaced_with_a_warning()
    {
        string deploy = BuildTwoBlocks();
        Directory.Delete(IndexDirectory, recursive: true);
        File.WriteAllText(IndexDirectory, "records of the earlier format");
        string[] warnings = ReopenAndCheck(deploy);
        Assert.Contains(warnings, w => w.Contains("earlier version", StringComparison.Ordinal));
        Assert.True(Directory.Exists(IndexDirectory));
    }

    [Fact]
    public void Tables_of_the_format_without_the_code_accounts_of_delegate_frames_are_indexed_again_with_a_warning()
    {
        string deploy = BuildTwoBlocks();
        using (var tables = Hyperion.MetisDb.SealedTables.Open(IndexDirectory, ["positions", "creations", "blocks", "meta"]))
        {
            using Hyperion.MetisDb.SealedTables.Batch batch = tables.Write();
            batch.Delete(3, "format"u8); // as the earlier version left its meta table
            batch.Commit();
        }

        Assert.Contains(ReopenAndCheck(deploy), w => w.Contains("earlier version (without the code accounts", StringComparison.Ordinal));
        Assert.Empty(ReopenAndCheck(deploy)); // written in the current format this time
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }
    }
}
