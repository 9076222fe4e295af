using System.Text.Json;
using Hyperion.Core.Blocks;
using Hyperion.Core.Transactions;

namespace Hyperion.Core.Tests.Blocks;

/// <summary>
/// Decodes every block of every ethereum-tests/BlockchainTests/ValidBlocks case (one theory case per test) and checks
/// it against the fixture: header hash and fields, re-encoding to the same bytes, transactions (sender, nonce,
/// signature), withdrawals and ommers; and that each header's base fee and excess blob gas follow from its parent's
/// by the EIP-1559 and EIP-4844 rules.
/// </summary>
public class BlockFixtureTests
{
    private static readonly Lazy<SortedDictionary<string, JsonElement>> Cases = new(LoadCases);

    public static TheoryData<string> CaseNames()
    {
        var data = new TheoryData<string>();
        foreach (string name in Cases.Value.Keys)
        {
            data.Add(name);
        }

        return data;
    }

    [Fact]
    public void FixturesArePresent() =>
        Assert.True(Cases.Value.Count >= 300, $"only {Cases.Value.Count} blockchain cases found under {Fixtures.Root}");

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Case(string name)
    {
        JsonElement test = Cases.Value[name];
        Assert.Equal("Cancun", test.GetProperty("network").GetString());
        var headers = new Dictionary<Hash256, BlockHeader>();

        Block genesis = DecodeAndCheck(test.GetProperty("genesisRLP").GetString()!, test.GetProperty("genesisBlockHeader"));
        headers[genesis.Hash] = genesis.Header;

        foreach (JsonElement fixtureBlock in test.GetProperty("blocks").EnumerateArray())
        {
            Block block = DecodeAndCheck(fixtureBlock.GetProperty("rlp").GetString()!, fixtureBlock.GetProperty("blockHeader"));
            CheckBody(block, fixtureBlock);

            BlockHeader parent = headers[block.Header.ParentHash];
            Assert.Equal(parent.Number + 1, block.Number);
            Assert.Equal(BaseFee.Next(parent), block.Header.BaseFeePerGas);
            Assert.Equal(
                BlobGas.NextExcessBlobGas(parent.ExcessBlobGas!.Value, parent.BlobGasUsed!.Value, BlobSchedule.Cancun),
                block.Header.ExcessBlobGas);
            ulong blobGas = block.Transactions.Aggregate(0UL, (sum, tx) => sum + tx.BlobGas);
            Assert.Equal(blobGas, block.Header.BlobGasUsed);
            headers[block.Hash] = block.Header;
        }
    }

    private static Block DecodeAndCheck(string rlpHex, JsonElement expected)
    {
        byte[] rlp = Hex.Decode(rlpHex);
        Block block = Block.Decode(rlp);
        BlockHeader header = block.Header;

        Assert.Equal(Hash256.Parse(expected.GetProperty("hash").GetString()!), header.Hash);
        Assert.Equal(Hash256.Parse(expected.GetProperty("parentHash").GetString()!), header.ParentHash);
        Assert.Equal(Hash256.Parse(expected.GetProperty("uncleHash").GetString()!), header.OmmersHash);
        Assert.Equal(Address.Parse(expected.GetProperty("coinbase").GetString()!), header.Beneficiary);
        Assert.Equal(Hash256.Parse(expected.GetProperty("stateRoot").GetString()!), header.StateRoot);
        Assert.Equal(Hash256.Parse(expected.GetProperty("transactionsTrie").GetString()!), header.TransactionsRoot);
        Assert.Equal(Hash256.Parse(expected.GetProperty("receiptTrie").GetString()!), header.ReceiptsRoot);
        Assert.Equal(Hex.Decode(expected.GetProperty("bloom").GetString()!), header.LogsBloom.ToArray());
        Assert.Equal(Quantity(expected, "difficulty"), header.Difficulty);
        Assert.Equal((ulong)Quantity(expected, "number"), header.Number);
        Assert.Equal((ulong)Quantity(expected, "gasLimit"), header.GasLimit);
        Assert.Equal((ulong)Quantity(expected, "gasUsed"), header.GasUsed);
        Assert.Equal((ulong)Quantity(expected, "timestamp"), header.Timestamp);
        Assert.Equal(Hex.Decode(expected.GetProperty("extraData").GetString()!), header.ExtraData.ToArray());
        Assert.Equal(Hash256.Parse(expected.GetProperty("mixHash").GetString()!), header.MixHash);
        Assert.Equal((ulong)Quantity(expected, "nonce"), header.Nonce);
        Assert.Equal(Quantity(expected, "baseFeePerGas"), header.BaseFeePerGas);
        Assert.Equal(Hash256.Parse(expected.GetProperty("withdrawalsRoot").GetString()!), header.WithdrawalsRoot);
        Assert.Equal((ulong)Quantity(expected, "blobGasUsed"), header.BlobGasUsed);
        Assert.Equal((ulong)Quantity(expected, "excessBlobGas"), header.ExcessBlobGas);
        Assert.Equal(Hash256.Parse(expected.GetProperty("parentBeaconBlockRoot").GetString()!), header.ParentBeaconBlockRoot);
        Assert.Null(header.RequestsHash);

        // Re-encoding from the fields (not the cached input slice) reproduces the input exactly.
        var rebuilt = new Block(CopyOf(header), new BlockBody(
            block.Transactions.Select(tx => tx with { }).ToArray(), block.Body.Ommers.Select(CopyOf).ToArray(), block.Body.Withdrawals));
        Assert.Equal(rlp, rebuilt.Encode());
        Assert.Equal(header.Hash, rebuilt.Hash);
        return block;
    }

    private static void CheckBody(Block block, JsonElement fixtureBlock)
    {
        JsonElement[] transactions = [.. fixtureBlock.GetProperty("transactions").EnumerateArray()];
        Assert.Equal(transactions.Length, block.Transactions.Length);
        TransactionRules rules = TransactionRules.Cancun(1);
        for (int i = 0; i < transactions.Length; i++)
        {
            Transaction tx = block.Transactions[i];
            JsonElement expected = transactions[i];
            Assert.Null(TransactionValidator.Validate(tx, rules));
            Assert.True(tx.TryRecoverSender(out Address sender));
            if (expected.TryGetProperty("sender", out JsonElement expectedSender))
            {
                // bcValidBlockTest/SimpleTx3LowS lists two transactions without a sender; they must still recover.
                Assert.Equal(Address.Parse(expectedSender.GetString()!), sender);
            }

            Assert.Equal((ulong)Quantity(expected, "nonce"), tx.Nonce);
            Assert.Equal(Quantity(expected, "value"), tx.Value);
            Assert.Equal(Quantity(expected, "r"), tx.R);
            Assert.Equal(Quantity(expected, "s"), tx.S);
            Assert.Equal((ulong)Quantity(expected, "v"), tx.V);
            Assert.Equal(Hex.Decode(expected.GetProperty("data").GetString()!), tx.Data.ToArray());
            byte type = expected.TryGetProperty("type", out JsonElement typeElement) ? (byte)Convert.ToUInt32(typeElement.GetString(), 16) : (byte)0;
            Assert.Equal(type, (byte)tx.Type);
        }

        JsonElement[] ommers = [.. fixtureBlock.GetProperty("uncleHeaders").EnumerateArray()];
        Assert.Equal(ommers.Length, block.Body.Ommers.Length);
        for (int i = 0; i < ommers.Length; i++)
        {
            Assert.Equal(Hash256.Parse(ommers[i].GetProperty("hash").GetString()!), block.Body.Ommers[i].Hash);
        }

        JsonElement[] withdrawals = [.. fixtureBlock.GetProperty("withdrawals").EnumerateArray()];
        Assert.NotNull(block.Body.Withdrawals);
        Assert.Equal(withdrawals.Length, block.Body.Withdrawals!.Length);
        for (int i = 0; i < withdrawals.Length; i++)
        {
            Withdrawal w = block.Body.Withdrawals[i];
            Assert.Equal((ulong)Quantity(withdrawals[i], "index"), w.Index);
            Assert.Equal((ulong)Quantity(withdrawals[i], "validatorIndex"), w.ValidatorIndex);
            Assert.Equal(Address.Parse(withdrawals[i].GetProperty("address").GetString()!), w.Address);
            Assert.Equal((ulong)Quantity(withdrawals[i], "amount"), w.AmountGwei);
        }
    }

    private static BlockHeader CopyOf(BlockHeader h) => new()
    {
        ParentHash = h.ParentHash,
        OmmersHash = h.OmmersHash,
        Beneficiary = h.Beneficiary,
        StateRoot = h.StateRoot,
        TransactionsRoot = h.TransactionsRoot,
        ReceiptsRoot = h.ReceiptsRoot,
        LogsBloom = h.LogsBloom,
        Difficulty = h.Difficulty,
        Number = h.Number,
        GasLimit = h.GasLimit,
        GasUsed = h.GasUsed,
        Timestamp = h.Timestamp,
        ExtraData = h.ExtraData.ToArray(),
        MixHash = h.MixHash,
        Nonce = h.Nonce,
        BaseFeePerGas = h.BaseFeePerGas,
        WithdrawalsRoot = h.WithdrawalsRoot,
        BlobGasUsed = h.BlobGasUsed,
        ExcessBlobGas = h.ExcessBlobGas,
        ParentBeaconBlockRoot = h.ParentBeaconBlockRoot,
        RequestsHash = h.RequestsHash,
    };

    private static UInt256 Quantity(JsonElement element, string name) => UInt256.FromBigEndian(Hex.Decode(Even(element.GetProperty(name).GetString()!)));

    private static string Even(string hex) => hex.Length % 2 == 0 ? hex : "0x0" + hex[2..];

    private static SortedDictionary<string, JsonElement> LoadCases()
    {
        string root = Fixtures.EthereumTests("BlockchainTests", "ValidBlocks");
        var cases = new SortedDictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (string file in Directory.EnumerateFiles(root, "*.json", SearchOption.AllDirectories))
        {
            using JsonDocument document = JsonDocument.Parse(File.ReadAllBytes(file));
            string relative = Path.GetRelativePath(root, file);
            foreach (JsonProperty test in document.RootElement.EnumerateObject())
            {
                cases.Add($"{relative}:{test.Name}", test.Value.Clone());
            }
        }

        return cases;
    }
}
