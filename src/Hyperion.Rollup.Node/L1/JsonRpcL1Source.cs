using System.Globalization;
using Hyperion.Core;
using Hyperion.Core.Blocks;
using Hyperion.Core.Transactions;
using Hyperion.Rollup.Blobs;
using Hyperion.Trie;
using Newtonsoft.Json.Linq;

namespace Hyperion.Rollup.Node.L1;

/// <summary>
/// L1 over its execution JSON-RPC (headers, transactions, receipts) and a blob reader (the beacon API, or anvil's
/// blob store). Every answer is checked against what the L1 block commits to: the header's recomputed hash, the
/// transactions and receipts roots, each blob's KZG commitment against its versioned hash.
/// </summary>
public sealed class JsonRpcL1Source(IJsonRpc l1, IBlobReader blobs, Func<KzgSetup> kzgSetup) : IL1Source
{
    private readonly Lazy<KzgSetup> _kzg = new(kzgSetup);

    public Task<BlockHeader?> HeaderByNumberAsync(ulong number, CancellationToken cancellation) =>
        HeaderAsync("eth_getBlockByNumber", "0x" + number.ToString("x", CultureInfo.InvariantCulture), h => h.Number == number, cancellation);

    public Task<BlockHeader?> HeaderByHashAsync(Hash256 hash, CancellationToken cancellation) =>
        HeaderAsync("eth_getBlockByHash", hash.ToString(), h => h.Hash == hash, cancellation);

    public Task<BlockHeader?> HeaderAsync(L1Head head, CancellationToken cancellation)
    {
        string tag = head switch
        {
            L1Head.Latest => "latest",
            L1Head.Safe => "safe",
            L1Head.Finalized => "finalized",
            _ => throw new ArgumentOutOfRangeException(nameof(head)),
        };
        return HeaderAsync("eth_getBlockByNumber", tag, _ => true, cancellation);
    }

    public async Task<IReadOnlyList<Transaction>> TransactionsAsync(BlockHeader header, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(header);
        JToken block = await CallAsync("eth_getBlockByHash", [header.Hash.ToString(), true], cancellation).ConfigureAwait(false)
            ?? throw new L1SourceException($"L1 block {header.Number} ({header.Hash}) is no longer known to the node (reorged?)");
        var transactions = new List<Transaction>();
        foreach (JToken tx in RpcObjects.Array(block, "transactions"))
        {
            transactions.Add(Decode(header, "transaction", () => RpcObjects.Transaction(tx)));
        }

        Hash256 root = TrieRoot.OfList([.. transactions.Select(t => t.Envelope.ToArray())]);
        if (root != header.TransactionsRoot && transactions.Any(t => t.Type == TransactionType.Blob))
        {
            root = await RootWithSidecarsAsync(transactions, cancellation).ConfigureAwait(false);
        }

        if (root != header.TransactionsRoot)
        {
            throw new L1SourceException($"L1 block {header.Number} ({header.Hash}): the node's {transactions.Count} transactions have root {root}, the header commits to {header.TransactionsRoot}");
        }

        return transactions;
    }

    public async Task<IReadOnlyList<Receipt>> ReceiptsAsync(BlockHeader header, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(header);
        JArray list;
        try
        {
            JToken? result = await l1.CallAsync("eth_getBlockReceipts", [header.Hash.ToString()], cancellation).ConfigureAwait(false);
            list = result as JArray ?? throw new L1SourceException($"L1 block {header.Number} ({header.Hash}): no receipts (reorged?)");
        }
        catch (JsonRpcCallException e) when (e.IsMethodNotFound)
        {
            list = await ReceiptsOneByOneAsync(header, cancellation).ConfigureAwait(false);
        }
        catch (JsonRpcCallException e)
        {
            throw new L1SourceException($"L1 block {header.Number}: {e.Message}", e);
        }

        var receipts = list.Select(r => Decode(header, "receipt", () => RpcObjects.Receipt(r))).ToList();
        Hash256 root = TrieRoot.OfList([.. receipts.Select(r => r.EncodeEnvelope())]);
        if (root != header.ReceiptsRoot)
        {
            throw new L1SourceException($"L1 block {header.Number} ({header.Hash}): the node's {receipts.Count} receipts have root {root}, the header commits to {header.ReceiptsRoot}");
        }

        return receipts;
    }

    public async Task<IReadOnlyList<byte[]>> BlobsAsync(BlockHeader header, IReadOnlyList<Hash256> versionedHashes, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(versionedHashes);
        if (versionedHashes.Count == 0)
        {
            return [];
        }

        IReadOnlyList<byte[]> found;
        try
        {
            found = await blobs.ReadAsync(header, versionedHashes, cancellation).ConfigureAwait(false);
        }
        catch (FormatException e)
        {
            throw new L1SourceException($"L1 block {header.Number}: the blob source answered malformed data: {e.Message}", e);
        }

        if (found.Count != versionedHashes.Count)
        {
            throw new L1SourceException($"L1 block {header.Number}: asked for {versionedHashes.Count} blobs, got {found.Count}");
        }

        KzgSetup setup;
        try
        {
            setup = _kzg.Value;
        }
        catch (Exception e) when (e is IOException or FormatException or UnauthorizedAccessException)
        {
            throw new L1SourceException($"blobs cannot be checked without the KZG trusted setup: {e.Message}", e);
        }

        for (int i = 0; i < versionedHashes.Count; i++)
        {
            byte[] blob = found[i];
            if (blob.Length != BlobCodec.BlobSize)
            {
                throw new L1SourceException($"L1 block {header.Number}: blob {versionedHashes[i]} is {blob.Length} bytes, not {BlobCodec.BlobSize}");
            }

            Hash256 actual;
            try
            {
                actual = Kzg.VersionedHash(Kzg.BlobToCommitment(blob, setup));
            }
            catch (ArgumentException e)
            {
                throw new L1SourceException($"L1 block {header.Number}: blob {versionedHashes[i]} is not a valid blob: {e.Message}", e);
            }

            if (actual != versionedHashes[i])
            {
                throw new L1SourceException($"L1 block {header.Number}: the blob returned for {versionedHashes[i]} commits to {actual}");
            }
        }

        return found;
    }

    private async Task<BlockHeader?> HeaderAsync(string method, string id, Func<BlockHeader, bool> isTheOneAsked, CancellationToken cancellation)
    {
        JToken? block = await CallAsync(method, [id, false], cancellation).ConfigureAwait(false);
        if (block is null)
        {
            return null;
        }

        BlockHeader header = Decode(null, "header", () => RpcObjects.Header(block));
        return isTheOneAsked(header)
            ? header
            : throw new L1SourceException($"{method}({id}) answered block {header.Number} ({header.Hash}), not the block asked for");
    }

    /// <summary>
    /// The transactions root with each blob transaction in its network form (with its sidecar), as anvil (1.x)
    /// commits to it; each raw form must decode to the very transaction the block lists.
    /// </summary>
    private async Task<Hash256> RootWithSidecarsAsync(IReadOnlyList<Transaction> transactions, CancellationToken cancellation)
    {
        var items = new List<byte[]>(transactions.Count);
        foreach (Transaction tx in transactions)
        {
            if (tx.Type != TransactionType.Blob)
            {
                items.Add(tx.Envelope.ToArray());
                continue;
            }

            JToken? raw;
            try
            {
                raw = await l1.CallAsync("eth_getRawTransactionByHash", [tx.Hash.ToString()], cancellation).ConfigureAwait(false);
            }
            catch (JsonRpcCallException)
            {
                return Hash256.Zero;
            }

            if (raw is not JValue { Type: JTokenType.String } text)
            {
                return Hash256.Zero;
            }

            byte[] bytes;
            try
            {
                bytes = Hyperion.Rpc.EthJson.ParseData((string)text!);
            }
            catch (FormatException)
            {
                return Hash256.Zero;
            }

            if (!Transaction.TryDecodeNetwork(bytes, out Transaction? decoded, out _, out _) || decoded!.Hash != tx.Hash)
            {
                return Hash256.Zero;
            }

            items.Add(bytes);
        }

        return TrieRoot.OfList(items);
    }

    private async Task<JArray> ReceiptsOneByOneAsync(BlockHeader header, CancellationToken cancellation)
    {
        IReadOnlyList<Transaction> transactions = await TransactionsAsync(header, cancellation).ConfigureAwait(false);
        var list = new JArray();
        foreach (Transaction tx in transactions)
        {
            JToken receipt = await CallAsync("eth_getTransactionReceipt", [tx.Hash.ToString()], cancellation).ConfigureAwait(false)
                ?? throw new L1SourceException($"L1 block {header.Number}: no receipt for transaction {tx.Hash} (reorged?)");
            if (RpcObjects.Has(receipt, "blockHash") && !string.Equals(RpcObjects.String(receipt, "blockHash"), header.Hash.ToString(), StringComparison.OrdinalIgnoreCase))
            {
                throw new L1SourceException($"L1 block {header.Number}: the receipt of {tx.Hash} is from another block (reorged?)");
            }

            list.Add(receipt);
        }

        return list;
    }

    private async Task<JToken?> CallAsync(string method, object?[] parameters, CancellationToken cancellation)
    {
        try
        {
            return await l1.CallAsync(method, parameters, cancellation).ConfigureAwait(false);
        }
        catch (JsonRpcCallException e)
        {
            throw new L1SourceException($"L1 {e.Message}", e);
        }
    }

    private static T Decode<T>(BlockHeader? header, string what, Func<T> decode)
    {
        try
        {
            return decode();
        }
        catch (FormatException e)
        {
            string block = header is null ? "" : $" in L1 block {header.Number}";
            throw new L1SourceException($"L1 node returned a {what}{block} that does not check out: {e.Message}", e);
        }
    }
}
