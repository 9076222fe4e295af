using Hyperion.Core.Blocks;
using Hyperion.Core.Crypto;
using Hyperion.Core.Rlp;
using Hyperion.Core.Transactions;

namespace Hyperion.Core.Tests.Blocks;

public class BlockTests
{
    private static BlockHeader PragueHeader() => new()
    {
        ParentHash = Keccak256.Hash([1]),
        Beneficiary = Address.Parse("0x2adc25665018aa1fe0e6bc666dac8fc2697ff9ba"),
        StateRoot = Keccak256.Hash([2]),
        Number = 1_000_000,
        GasLimit = 36_000_000,
        GasUsed = 21_000,
        Timestamp = 1_750_000_000,
        ExtraData = new byte[] { 0x42, 0x43 },
        MixHash = Keccak256.Hash([3]),
        BaseFeePerGas = UInt256.Parse("1000000000000"),
        WithdrawalsRoot = Keccak256.EmptyTrieRoot,
        BlobGasUsed = 131_072,
        ExcessBlobGas = 0,
        ParentBeaconBlockRoot = Keccak256.Hash([4]),
        RequestsHash = Keccak256.Hash([5]),
    };

    [Fact]
    public void HeaderWithEveryForkFieldRoundTrips()
    {
        BlockHeader header = PragueHeader();
        byte[] encoded = header.Encoded.ToArray();
        BlockHeader decoded = BlockHeader.Decode(encoded);
        Assert.Equal(header.Hash, decoded.Hash);
        Assert.Equal(Keccak256.Hash(encoded), decoded.Hash);
        Assert.Equal(header.RequestsHash, decoded.RequestsHash);
        Assert.Equal(header.ParentBeaconBlockRoot, decoded.ParentBeaconBlockRoot);
        Assert.Equal(header.BaseFeePerGas, decoded.BaseFeePerGas);
        Assert.Equal(BlockHeader.BaseFieldCount + 6, global::Hyperion.Core.Rlp.Rlp.Decode(encoded) is RlpList list ? list.Items.Count : 0);
    }

    [Fact]
    public void PreLondonHeaderHasNoTrailingFields()
    {
        var header = new BlockHeader { ParentHash = Hash256.Zero, Difficulty = 131_072, Nonce = 0x0102030405060708 };
        BlockHeader decoded = BlockHeader.Decode(header.Encoded.ToArray());
        Assert.Null(decoded.BaseFeePerGas);
        Assert.Null(decoded.WithdrawalsRoot);
        Assert.Equal(0x0102030405060708UL, decoded.Nonce);
        Assert.Equal((UInt256)131_072, decoded.Difficulty);
        Assert.Equal(BlockHeader.BaseFieldCount, ((RlpList)global::Hyperion.Core.Rlp.Rlp.Decode(header.Encoded.Span)).Items.Count);
    }

    [Fact]
    public void OptionalFieldsMustBeContiguous()
    {
        var header = new BlockHeader { ParentHash = Hash256.Zero, WithdrawalsRoot = Hash256.Zero };
        Assert.Throws<InvalidOperationException>(() => header.Hash);
    }

    [Fact]
    public void MalformedHeadersAreRejected()
    {
        byte[] encoded = PragueHeader().Encoded.ToArray();
        Assert.Throws<RlpException>(() => BlockHeader.Decode(encoded.Concat(new byte[] { 0x80 }).ToArray()));
        RlpList fields = (RlpList)global::Hyperion.Core.Rlp.Rlp.Decode(encoded);
        RlpItem[] items = [.. fields.Items];
        items[6] = RlpItem.Bytes(new byte[255]);
        Assert.Throws<RlpException>(() => BlockHeader.Decode(global::Hyperion.Core.Rlp.Rlp.Encode(RlpItem.List(items))));
        items = [.. fields.Items, RlpItem.Bytes(new byte[32])];
        Assert.Throws<RlpException>(() => BlockHeader.Decode(global::Hyperion.Core.Rlp.Rlp.Encode(RlpItem.List(items))));
    }

    [Fact]
    public void BlockWithTransactionsOmmersAndWithdrawalsRoundTrips()
    {
        byte[] key = Enumerable.Repeat((byte)7, 32).ToArray();
        var unsigned = new Transaction
        {
            Type = TransactionType.DynamicFee, ChainId = 1, MaxFeePerGas = 10, MaxPriorityFeePerGas = 1, GasLimit = 21_000,
            To = Address.Zero, Data = new byte[] { 1, 2, 3 },
        };
        EcdsaSignature signature = Secp256k1.Sign(unsigned.SigningHash().Bytes, key);
        Transaction typed = unsigned.WithSignature(signature.R, signature.S, signature.RecoveryId);
        var legacyUnsigned = new Transaction { ChainId = 1, GasPrice = 10, GasLimit = 21_000, To = Address.Zero };
        signature = Secp256k1.Sign(legacyUnsigned.SigningHash().Bytes, key);
        Transaction legacy = legacyUnsigned.WithSignature(signature.R, signature.S, signature.RecoveryId);
        var ommer = new BlockHeader { ParentHash = Hash256.Zero, Number = 5 };
        Withdrawal[] withdrawals = [new(1, 2, Address.Zero, 32_000_000_000), new(2, 3, Address.Parse("0x2adc25665018aa1fe0e6bc666dac8fc2697ff9ba"), 0)];
        var block = new Block(PragueHeader(), new BlockBody([legacy, typed], [ommer], withdrawals));

        byte[] encoded = block.Encode();
        Block decoded = Block.Decode(encoded);
        Assert.Equal(block.Hash, decoded.Hash);
        Assert.Equal([legacy, typed], decoded.Transactions);
        Assert.Equal(ommer.Hash, Assert.Single(decoded.Body.Ommers).Hash);
        Assert.Equal(withdrawals, decoded.Body.Withdrawals);
        Assert.Equal(encoded, decoded.Encode());
        Assert.Equal(UInt256.Parse("32000000000000000000"), withdrawals[0].AmountWei);
        Assert.Equal(withdrawals[1], Withdrawal.Decode(withdrawals[1].Encode()));

        var preShanghai = new Block(new BlockHeader { ParentHash = Hash256.Zero }, new BlockBody([legacy], [], null));
        Assert.Null(Block.Decode(preShanghai.Encode()).Body.Withdrawals);
    }

    [Fact]
    public void ReceiptsRoundTripInEveryForm()
    {
        var log = new Log(Address.Parse("0x2adc25665018aa1fe0e6bc666dac8fc2697ff9ba"), [Keccak256.Hash([1]), Keccak256.Hash([2])], [9, 8, 7]);
        Bloom bloom = Receipt.BloomOf([log]);
        Assert.True(bloom.Contains(log.Address));
        Assert.True(bloom.Contains(log.Topics[1]));

        Receipt[] receipts =
        [
            new() { Type = TransactionType.Legacy, Success = true, CumulativeGasUsed = 21_000, Bloom = bloom, Logs = [log] },
            new() { Type = TransactionType.DynamicFee, Success = false, CumulativeGasUsed = 50_000 },
            new() { Type = TransactionType.Legacy, PostState = Keccak256.Hash([3]), CumulativeGasUsed = 1 },
            new() { Type = TransactionType.Blob, Success = true, CumulativeGasUsed = 90_000, Bloom = bloom, Logs = [log, log] },
            new() { Type = TransactionType.Deposit, Success = true, CumulativeGasUsed = 7, DepositNonce = 3, DepositReceiptVersion = 1 },
        ];
        foreach (Receipt receipt in receipts)
        {
            byte[] envelope = receipt.EncodeEnvelope();
            Assert.Equal(receipt.Type == TransactionType.Legacy, envelope[0] >= 0xc0);
            Receipt decoded = Receipt.DecodeEnvelope(envelope);
            Assert.Equal(receipt.Type, decoded.Type);
            Assert.Equal(receipt.PostState, decoded.PostState);
            Assert.Equal(receipt.PostState is null && receipt.Success, decoded.Success);
            Assert.Equal(receipt.CumulativeGasUsed, decoded.CumulativeGasUsed);
            Assert.Equal(receipt.Bloom, decoded.Bloom);
            Assert.Equal(receipt.Logs, decoded.Logs);
            Assert.Equal(receipt.DepositNonce, decoded.DepositNonce);
            Assert.Equal(envelope, decoded.EncodeEnvelope());
        }

        // A failed status is the empty string; a legacy success receipt with no logs is [0x01, gas, bloom, []].
        byte[] failed = receipts[1].EncodeEnvelope();
        Assert.Equal(0x02, failed[0]);
        Assert.Equal(0x80, failed[4]);
        Assert.Throws<RlpException>(() => Receipt.DecodeEnvelope(new byte[] { 0x09, 0xc0 }));
    }

    [Fact]
    public void EmptyLogListEncodesAsTheEmptyList() =>
        Assert.Equal(Keccak256.OfEmptyList, Keccak256.Hash(Receipt.EncodeLogs([])));
}
