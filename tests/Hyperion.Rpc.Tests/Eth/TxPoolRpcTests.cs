using System.Security.Cryptography;
using System.Text.Json;
using Hyperion.Chain;
using Hyperion.Core;
using Hyperion.Core.Crypto;
using Hyperion.Core.Transactions;
using static Hyperion.Rpc.Tests.Eth.DevChain;

namespace Hyperion.Rpc.Tests.Eth;

/// <summary>What clients see of the pool's limits, evictions and blob-transaction checks.</summary>
public sealed class TxPoolRpcTests
{
    [Fact]
    public void An_evicted_transaction_leaves_txpool_status_and_becomes_unknown()
    {
        using var chain = new DevChain(pool: new TxPoolOptions { GlobalSlots = 1, GlobalQueue = 1, AccountQueue = 1 });
        string queued = chain.Call("eth_sendTransaction", $$"""[{"from":"{{Alice}}","to":"{{Bob}}","value":"0x1","nonce":"0x5"}]""").GetString()!;
        chain.Call("eth_sendTransaction", $$"""[{"from":"{{Bob}}","to":"{{Alice}}","value":"0x1"}]""");
        Assert.Equal(JsonValueKind.Object, chain.Call("eth_getTransactionByHash", $"""["{queued}"]""").ValueKind);

        // The pool is full; an executable transaction of a third sender evicts the queued one.
        chain.Call("eth_sendTransaction", $$"""[{"from":"{{Accounts[2].Address}}","to":"{{Bob}}","value":"0x1"}]""");
        JsonElement status = chain.Call("txpool_status");
        Assert.Equal("0x2", status.GetProperty("pending").GetString());
        Assert.Equal("0x0", status.GetProperty("queued").GetString());
        Assert.Equal(JsonValueKind.Null, chain.Call("eth_getTransactionByHash", $"""["{queued}"]""").ValueKind);
        Assert.Equal(1, chain.Local.Pool.EvictedCount);
    }

    [Fact]
    public void A_value_of_2_pow_256_minus_1_is_refused_and_the_sender_goes_on()
    {
        using var chain = new DevChain();
        string max = "0x" + new string('f', 64);
        JsonElement error = chain.Error("eth_sendTransaction", $$"""[{"from":"{{Alice}}","to":"{{Bob}}","value":"{{max}}"}]""");
        Assert.StartsWith("insufficient funds for gas * price + value", error.GetProperty("message").GetString());
        chain.SendAndMine($$"""{"from":"{{Alice}}","to":"{{Bob}}","value":"0x1"}""");
        Assert.Equal("0x0", chain.Call("txpool_status").GetProperty("pending").GetString());
    }

    [Fact]
    public void A_blob_transaction_needs_its_sidecar_and_is_mined_with_it()
    {
        using var chain = new DevChain();

        // The zero blob: commitment and proof are the point at infinity.
        byte[] infinity = new byte[48];
        infinity[0] = 0xc0;
        byte[] versionedHash = SHA256.HashData(infinity);
        versionedHash[0] = 0x01;
        var unsigned = new Transaction
        {
            Type = TransactionType.Blob, ChainId = ChainId, Nonce = 0, MaxFeePerGas = 10_000_000_000UL,
            MaxPriorityFeePerGas = 1_000_000_000UL, GasLimit = 21_000, To = Bob, MaxFeePerBlobGas = 10,
            BlobVersionedHashes = [new Hash256(versionedHash)],
        };
        EcdsaSignature signature = Secp256k1.Sign(unsigned.SigningHash().Bytes, Accounts[0].PrivateKey.Span);
        Transaction tx = unsigned.WithSignature(signature.R, signature.S, signature.RecoveryId);

        JsonElement missing = chain.Error("eth_sendRawTransaction", $"""["{Hex.Encode(tx.Envelope.Span)}"]""");
        Assert.Equal("missing sidecar in blob transaction", missing.GetProperty("message").GetString());

        byte[] network = tx.EncodeNetwork(new BlobSidecar([new byte[BlobSidecar.BlobLength]], [infinity], [infinity]));
        Assert.Equal(tx.Hash.ToString(), chain.Call("eth_sendRawTransaction", $"""["{Hex.Encode(network)}"]""").GetString());
        chain.Call("evm_mine");
        JsonElement receipt = chain.Call("eth_getTransactionReceipt", $"""["{tx.Hash}"]""");
        Assert.Equal("0x1", receipt.GetProperty("status").GetString());
    }
}
