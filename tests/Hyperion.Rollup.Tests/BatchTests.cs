using CsCheck;
using Hyperion.Core;
using Hyperion.Core.Transactions;
using Hyperion.Rollup.Config;
using Hyperion.Rollup.Derivation;

namespace Hyperion.Rollup.Tests;

public class BatchTests
{
    private static readonly RollupConfig Config = TestConfig.Default;

    private static readonly Gen<SingularBatch> SingularGen =
        Gen.Select(Gens.Hash, Gen.ULong, Gens.Hash, Gen.ULong, Gen.Byte.Array[1, 60].List[0, 4])
            .Select((p, n, h, t, txs) => new SingularBatch(p, n, h, t, [.. txs.Select(x => (ReadOnlyMemory<byte>)x)]));

    [Fact]
    public void Singular_batch_round_trips() =>
        SingularGen.Sample(b =>
        {
            byte[] encoded = b.Encode();
            var decoded = (SingularBatch)ChannelReader.Decode(encoded, Config);
            return decoded.Encode().AsSpan().SequenceEqual(encoded) && decoded.ParentHash == b.ParentHash
                && decoded.EpochNumber == b.EpochNumber && decoded.EpochHash == b.EpochHash && decoded.Timestamp == b.Timestamp;
        });

    [Fact]
    public void Singular_batch_with_trailing_data_inside_is_rejected()
    {
        byte[] encoded = new SingularBatch(Hash256.Zero, 1, Hash256.Zero, 2, []).Encode();
        Assert.Throws<RollupDecodeException>(() => SingularBatch.DecodeContent(encoded.AsMemory(1, encoded.Length - 2)));
        Assert.Throws<RollupDecodeException>(() => ChannelReader.Decode(new byte[] { 9 }, Config));
        Assert.Throws<RollupDecodeException>(() => ChannelReader.Decode(Array.Empty<byte>(), Config));
    }

    private static readonly Gen<SpanBatch> SpanGen =
        Gen.Select(Gen.Int[1, 6], Gen.ULong[0, 1_000_000], Gen.Bool, Gens.UserTransaction.Array[0, 3].Array[6], Gen.Bool.Array[6], Gen.Byte.Array[20], Gen.Byte.Array[20])
            .Select((count, rel, firstChanges, txs, steps, parentCheck, originCheck) =>
            {
                var blocks = new List<SpanBatchElement>();
                ulong epoch = 5000;
                for (int i = 0; i < count; i++)
                {
                    if (i > 0 && steps[i])
                    {
                        epoch++;
                    }

                    blocks.Add(new SpanBatchElement(Config.GenesisL2Time + rel + (Config.BlockTime * (ulong)i), epoch, [.. txs[i].Select(t => (ReadOnlyMemory<byte>)t)]));
                }

                return new SpanBatch(parentCheck, originCheck, firstChanges, blocks);
            });

    private static byte[] EncodeSpan(SpanBatch b) => b.Encode(Config.GenesisL2Time, Config.BlockTime, Config.L2ChainId);

    [Fact]
    public void Span_batch_round_trips_with_all_transaction_types() =>
        SpanGen.Sample(b =>
        {
            byte[] encoded = EncodeSpan(b);
            var decoded = (SpanBatch)ChannelReader.Decode(encoded, Config);
            Assert.Equal(encoded, EncodeSpan(decoded));
            Assert.Equal(b.FirstBlockChangesOrigin, decoded.FirstBlockChangesOrigin);
            Assert.Equal(b.Blocks.Count, decoded.Blocks.Count);
            for (int i = 0; i < b.Blocks.Count; i++)
            {
                Assert.Equal(b.Blocks[i].Timestamp, decoded.Blocks[i].Timestamp);
                Assert.Equal(b.Blocks[i].EpochNumber, decoded.Blocks[i].EpochNumber);
                Assert.Equal(b.Blocks[i].Transactions.Select(t => t.ToArray()), decoded.Blocks[i].Transactions.Select(t => t.ToArray()));
            }
        }, iter: 300);

    [Fact]
    public void Span_batch_layout_matches_the_spec()
    {
        // One legacy EIP-155 transaction in the second of two blocks; the second block starts a new epoch.
        var tx = new Transaction
        {
            Type = TransactionType.Legacy, ChainId = Gens.ChainId, Nonce = 5, GasPrice = new UInt256(7), GasLimit = 21_000,
            To = Address.Parse("0x00000000000000000000000000000000000000aa"), Value = new UInt256(9), Data = new byte[] { 0xcc },
            V = (Gens.ChainId * 2) + 36, R = new UInt256(1), S = new UInt256(2),
        };
        var batch = new SpanBatch(new byte[20], Enumerable.Repeat((byte)0xee, 20).ToArray(), false,
        [
            new SpanBatchElement(Config.GenesisL2Time + 4, 7, []),
            new SpanBatchElement(Config.GenesisL2Time + 6, 8, [tx.Envelope]),
        ]);
        string expected = "0x01" + "04" + "08" + new string('0', 40) + string.Concat(Enumerable.Repeat("ee", 20))
            + "02" + "02" + "00" + "01"                    // block_count, origin_bits 0b10, tx counts
            + "00" + "01"                                  // contract_creation_bits, y_parity_bits
            + new string('0', 63) + "1" + new string('0', 63) + "2" // r, s
            + "00000000000000000000000000000000000000aa"    // to
            + "c4" + "09" + "07" + "81cc"                  // tx_data: rlp([value, gasPrice, data])
            + "05" + "88a401"                              // nonce, gas (uvarint 21000)
            + "01";                                        // protected_bits
        Assert.Equal(expected, Hex.Encode(EncodeSpan(batch)));
    }

    [Fact]
    public void Span_batch_rejects_what_it_cannot_carry()
    {
        var deposit = new Transaction { Type = TransactionType.Deposit, From = Address.Zero, GasLimit = 1 };
        var wrongChain = new Transaction { Type = TransactionType.DynamicFee, ChainId = 1, GasLimit = 1, To = Address.Zero };
        foreach (Transaction tx in new[] { deposit, wrongChain })
        {
            var batch = new SpanBatch(new byte[20], new byte[20], true, [new SpanBatchElement(Config.GenesisL2Time, 1, [tx.Envelope])]);
            Assert.Throws<ArgumentException>(() => EncodeSpan(batch));
        }
    }

    [Theory]
    [InlineData("00" + "00")]                 // truncated prefix
    [InlineData("0000" + "0000000000000000000000000000000000000000" + "0000000000000000000000000000000000000000" + "00")] // zero blocks
    [InlineData("0000" + "0000000000000000000000000000000000000000" + "0000000000000000000000000000000000000000" + "01" + "02")] // origin bit past the count
    [InlineData("ffffffffffffffffffff01")] // uvarint overflow
    public void Malformed_span_batches_are_rejected(string hex) =>
        Assert.Throws<RollupDecodeException>(() => SpanBatch.DecodeContent(Hex.Decode("0x" + hex), 0, 2, 1));

    [Fact]
    public void Hostile_span_batches_only_fail_with_the_decode_error()
    {
        SpanGen.Select(Gen.Int[0, 1000], Gen.Byte, (b, position, value) => (EncodeSpan(b), position, value)).Sample(t =>
        {
            byte[] data = t.Item1;
            data[t.position % data.Length] = t.value;
            try
            {
                ChannelReader.Decode(data, Config);
            }
            catch (RollupDecodeException)
            {
            }
        }, iter: 500);
        Gen.Byte.Array[0, 200].Sample(data =>
        {
            try
            {
                SpanBatch.DecodeContent(data, 0, 2, 1);
            }
            catch (RollupDecodeException)
            {
            }
        });
    }

    [Fact]
    public void Span_batch_from_singular_batches_sets_the_checks_and_first_origin_bit()
    {
        Hash256 parent = Hash256.Parse("0xaa00000000000000000000000000000000000000000000000000000000000001");
        Hash256 epochB = Hash256.Parse("0xbb00000000000000000000000000000000000000000000000000000000000002");
        SpanBatch span = SpanBatch.FromSingularBatches(
        [
            new SingularBatch(parent, 10, Hash256.Zero, 100, []),
            new SingularBatch(Hash256.Zero, 11, epochB, 102, []),
        ], firstSequenceNumber: 0);
        Assert.True(span.CheckParentHash(parent));
        Assert.True(span.CheckOriginHash(epochB));
        Assert.True(span.FirstBlockChangesOrigin);
        IReadOnlyList<SingularBatch> singles = span.ToSingularBatches(
            [new L1BlockRef(Hash256.Zero, 10, default, 0), new L1BlockRef(epochB, 11, default, 0)],
            new L2BlockRef(default, 0, default, 100, default, 0));
        Assert.Single(singles);
        Assert.Equal(epochB, singles[0].EpochHash);
    }
}
