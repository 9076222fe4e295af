using Hyperion.Core;
using Hyperion.Core.Blocks;
using Hyperion.Core.Transactions;
using Hyperion.Rollup.Blobs;
using Hyperion.Rollup.Node.L1;
using Newtonsoft.Json.Linq;

namespace Hyperion.Rollup.Node.Tests.L1;

/// <summary>
/// The JSON-RPC L1 source against anvil: a block holding every kind of transaction (legacy EIP-155, EIP-2930,
/// EIP-1559 creation with a log, EIP-4844 with a blob) read back and checked against its header; then the same node
/// behind a proxy that alters one answer, which each check must catch.
/// </summary>
[Collection(AnvilCollection.Name)]
public sealed class JsonRpcL1SourceTests
{
    private static readonly Lazy<KzgSetup> Setup = new(() => TrustedSetupFile.Load());
    private static readonly Address Recipient = Address.Parse("0x00000000000000000000000000000000000000aa");

    // Constructor code: log 32 bytes (0x2a) and stop, so its receipt carries a log.
    private static readonly byte[] LoggingInitCode = Hex.Decode("0x602a60005260206000a000");

    [AnvilFact]
    public async Task Reads_a_block_with_every_transaction_type_and_checks_it()
    {
        await using Anvil anvil = await Anvil.StartAsync("--no-mining");
        (ulong number, Hash256[] sent, byte[] blob, Hash256 blobHash) = await MineMixedBlockAsync(anvil);
        var source = new JsonRpcL1Source(anvil.Rpc, new AnvilBlobReader(anvil.Rpc), () => Setup.Value);

        BlockHeader header = (await source.HeaderByNumberAsync(number, CancellationToken.None))!;
        JToken block = (await anvil.CallAsync("eth_getBlockByNumber", "0x" + number.ToString("x"), false))!;
        Assert.Equal(Hash256.Parse((string)block["hash"]!), header.Hash);
        Assert.Equal(header.Hash, (await source.HeaderByHashAsync(header.Hash, CancellationToken.None))!.Hash);
        Assert.Equal(header.Hash, (await source.HeaderAsync(L1Head.Latest, CancellationToken.None))!.Hash);
        Assert.NotNull(await source.HeaderAsync(L1Head.Finalized, CancellationToken.None));
        Assert.Null(await source.HeaderByNumberAsync(number + 100, CancellationToken.None));
        Assert.Null(await source.HeaderByHashAsync(new Hash256(new byte[32]), CancellationToken.None));

        IReadOnlyList<Transaction> transactions = await source.TransactionsAsync(header, CancellationToken.None);
        Assert.Equal(sent, transactions.Select(t => t.Hash).ToArray());
        Assert.Equal([TransactionType.Legacy, TransactionType.AccessList, TransactionType.DynamicFee, TransactionType.Blob], transactions.Select(t => t.Type));

        IReadOnlyList<Receipt> receipts = await source.ReceiptsAsync(header, CancellationToken.None);
        Assert.Equal(4, receipts.Count);
        Assert.All(receipts, r => Assert.True(r.Success));
        Assert.Single(receipts[2].Logs);

        IReadOnlyList<byte[]> blobs = await source.BlobsAsync(header, [blobHash], CancellationToken.None);
        Assert.Equal(blob, blobs[0]);
    }

    public static TheoryData<string> Tamperings => ["header", "transaction field", "transaction order", "receipt", "blob", "blob length"];

    [AnvilFact]
    public async Task Every_answer_that_does_not_match_the_header_is_refused()
    {
        await using Anvil anvil = await Anvil.StartAsync("--no-mining");
        (ulong number, _, _, Hash256 blobHash) = await MineMixedBlockAsync(anvil);
        BlockHeader header = (await new JsonRpcL1Source(anvil.Rpc, new AnvilBlobReader(anvil.Rpc), () => Setup.Value).HeaderByNumberAsync(number, CancellationToken.None))!;

        foreach (string tampering in Tamperings)
        {
            var proxy = new TamperingRpc(anvil.Rpc, (method, result) => Tamper(tampering, method, result));
            var source = new JsonRpcL1Source(proxy, new AnvilBlobReader(proxy), () => Setup.Value);
            L1SourceException error = await Assert.ThrowsAsync<L1SourceException>(tampering switch
            {
                "header" => () => source.HeaderByNumberAsync(number, CancellationToken.None),
                "transaction field" or "transaction order" => () => source.TransactionsAsync(header, CancellationToken.None),
                "receipt" => () => source.ReceiptsAsync(header, CancellationToken.None),
                _ => () => source.BlobsAsync(header, [blobHash], CancellationToken.None),
            });
            Assert.Contains(tampering switch
            {
                "header" => "not to the reported hash",
                "transaction field" => "encode to a transaction with hash",
                "transaction order" => "transactions have root",
                "receipt" => "receipts have root",
                "blob" => "commits to",
                _ => "bytes, not 131072",
            }, error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task An_unreachable_node_is_an_L1SourceException()
    {
        var rpc = new JsonRpcEndpoint(new Uri("http://127.0.0.1:1"));
        var source = new JsonRpcL1Source(rpc, new AnvilBlobReader(rpc), () => throw new InvalidOperationException("not needed"));
        L1SourceException error = await Assert.ThrowsAsync<L1SourceException>(() => source.HeaderByNumberAsync(1, CancellationToken.None));
        Assert.Contains("eth_getBlockByNumber", error.Message, StringComparison.Ordinal);
    }

    private static JToken? Tamper(string tampering, string method, JToken? result)
    {
        switch (tampering)
        {
            case "header" when method == "eth_getBlockByNumber":
                result!["gasUsed"] = "0x1";
                break;
            case "transaction field" when method == "eth_getBlockByHash":
                result!["transactions"]![0]!["value"] = "0x2";
                break;
            case "transaction order" when method == "eth_getBlockByHash":
                var list = (JArray)result!["transactions"]!;
                JToken first = list[0];
                list.RemoveAt(0);
                list.Add(first);
                break;
            case "receipt" when method == "eth_getBlockReceipts":
                result![1]!["cumulativeGasUsed"] = "0x1";
                break;
            case "blob" when method == "anvil_getBlobByHash":
                string text = (string)result!;
                return text[..100] + (text[100] == '1' ? '2' : '1') + text[101..];
            case "blob length" when method == "anvil_getBlobByHash":
                return ((string)result!)[..^2];
        }

        return result;
    }

    /// <summary>Four transactions from the dev account in one block; returns the block number, their hashes, the blob and its hash.</summary>
    private static async Task<(ulong Number, Hash256[] Sent, byte[] Blob, Hash256 BlobHash)> MineMixedBlockAsync(Anvil anvil)
    {
        ulong nonce = await anvil.NonceAsync(Anvil.DevAddress);
        UInt256 gwei = new(1_000_000_000);
        byte[] blob = BlobCodec.Encode("hyperion batcher data"u8);
        byte[] commitment = Kzg.BlobToCommitment(blob, Setup.Value);
        byte[] proof = Kzg.ComputeBlobProof(blob, commitment, Setup.Value);
        Hash256 blobHash = Kzg.VersionedHash(commitment);
        Hash256[] sent =
        [
            await anvil.SendAsync(new Transaction { Type = TransactionType.Legacy, ChainId = Anvil.ChainId, Nonce = nonce, GasPrice = gwei * 3, GasLimit = 21_000, To = Recipient, Value = UInt256.One }),
            await anvil.SendAsync(new Transaction
            {
                Type = TransactionType.AccessList, ChainId = Anvil.ChainId, Nonce = nonce + 1, GasPrice = gwei * 3, GasLimit = 30_000, To = Recipient,
                AccessList = [new AccessListEntry(Recipient, [new Hash256(new byte[32])])],
            }),
            await anvil.SendAsync(new Transaction
            {
                Type = TransactionType.DynamicFee, ChainId = Anvil.ChainId, Nonce = nonce + 2, MaxFeePerGas = gwei * 3, MaxPriorityFeePerGas = gwei,
                GasLimit = 100_000, Data = LoggingInitCode,
            }),
            await anvil.SendAsync(
                new Transaction
                {
                    Type = TransactionType.Blob, ChainId = Anvil.ChainId, Nonce = nonce + 3, MaxFeePerGas = gwei * 3, MaxPriorityFeePerGas = gwei,
                    GasLimit = 21_000, To = Recipient, MaxFeePerBlobGas = gwei, BlobVersionedHashes = [blobHash],
                },
                new BlobSidecar([blob], [commitment], [proof])),
        ];
        await anvil.MineAsync();
        JToken receipt = (await anvil.CallAsync("eth_getTransactionReceipt", sent[3].ToString()))!;
        return (Hyperion.Rpc.EthJson.ParseQuantity((string)receipt["blockNumber"]!), sent, blob, blobHash);
    }

    /// <summary>Passes calls through and lets the test rewrite an answer.</summary>
    private sealed class TamperingRpc(IJsonRpc inner, Func<string, JToken?, JToken?> rewrite) : IJsonRpc
    {
        public async Task<JToken?> CallAsync(string method, object?[] parameters, CancellationToken cancellation) =>
            rewrite(method, await inner.CallAsync(method, parameters, cancellation));
    }
}
