using CsCheck;
using Hyperion.Core;
using Hyperion.Core.Transactions;
using Hyperion.Rollup.L1Attributes;

namespace Hyperion.Rollup.Tests;

public class L1AttributesTests
{
    // OP mainnet block 124665056, transaction 0: 0x312e290cf36df704a2217b015d6455396830b0ce678b860ebfcc30f41403d7b1.
    private const string MainnetDeposit =
        "0x7ef8f8a0683079df94aa5b9cf86687d739a60a9b4f0835e520ec4d664e2e415dca17a6df94deaddeaddeaddeaddeaddeaddeaddeaddead00019442000000000000000000000000000000000000158080830f424080b8a4440a5e200000146b000f79c500000000000000040000000066d052e700000000013ad8a3000000000000000000000000000000000000000000000000000000003ef1278700000000000000000000000000000000000000000000000000000000000000012fdf87b89884a61e74b322bbcf60386f543bfae7827725efaaf0ab1de2294a590000000000000000000000006887246668a3b87f54deb3b94ba47a6f63f32985";

    [Fact]
    public void Mainnet_ecotone_attributes_decode_and_rebuild_the_same_deposit()
    {
        Transaction original = Transaction.Decode(Hex.Decode(MainnetDeposit));
        L1BlockInfo info = L1BlockInfo.Decode(original.Data.Span);

        Assert.Equal(5227u, info.BaseFeeScalar);
        Assert.Equal(1014213u, info.BlobBaseFeeScalar);
        Assert.Equal(4UL, info.SequenceNumber);
        Assert.Equal(0x66d052e7UL, info.Time);
        Assert.Equal(0x013ad8a3UL, info.Number);
        Assert.Equal(new UInt256(0x3ef12787), info.BaseFee);
        Assert.Equal(UInt256.One, info.BlobBaseFee);
        Assert.Equal(L1BlockInfo.BatcherHashOf(Address.Parse("0x6887246668a3b87f54deb3b94ba47a6f63f32985")), info.BatcherHash);

        Transaction rebuilt = info.ToEcotoneDeposit();
        Assert.Equal(Hex.Decode(MainnetDeposit), rebuilt.Envelope.ToArray());
        Assert.Equal(Hash256.Parse("0x312e290cf36df704a2217b015d6455396830b0ce678b860ebfcc30f41403d7b1"), rebuilt.Hash);
    }

    private static readonly Gen<L1BlockInfo> Info = Gen.Select(Gen.ULong, Gen.ULong, Gens.UInt256Value, Gens.Hash, Gen.ULong, Gens.Hash, Gen.UInt, Gen.UInt)
        .Select(Gens.UInt256Value, (a, blob) => new L1BlockInfo
        {
            Number = a.Item1, Time = a.Item2, BaseFee = a.Item3, BlockHash = a.Item4, SequenceNumber = a.Item5,
            BatcherHash = a.Item6, BaseFeeScalar = a.Item7, BlobBaseFeeScalar = a.Item8, BlobBaseFee = blob,
        });

    [Fact]
    public void Ecotone_calldata_round_trips() =>
        Info.Sample(info => L1BlockInfo.Decode(info.EncodeEcotone()) == info);

    [Fact]
    public void Bedrock_calldata_round_trips() =>
        Gen.Select(Info, Gens.UInt256Value, Gens.UInt256Value).Sample((i, overhead, scalar) =>
        {
            L1BlockInfo bedrock = i with { BaseFeeScalar = 0, BlobBaseFeeScalar = 0, BlobBaseFee = UInt256.Zero, L1FeeOverhead = overhead, L1FeeScalar = scalar };
            return L1BlockInfo.Decode(bedrock.EncodeBedrock()) == bedrock;
        });

    [Fact]
    public void Wrong_lengths_and_selectors_are_rejected()
    {
        byte[] ecotone = new L1BlockInfo().EncodeEcotone();
        Assert.Throws<RollupDecodeException>(() => L1BlockInfo.Decode(ecotone.AsSpan(0, 163)));
        Assert.Throws<RollupDecodeException>(() => L1BlockInfo.Decode([.. ecotone, 0]));
        byte[] bedrock = new L1BlockInfo().EncodeBedrock();
        bedrock[4] = 1; // a uint64 word with high bits
        Assert.Throws<RollupDecodeException>(() => L1BlockInfo.Decode(bedrock));
        Assert.Throws<RollupDecodeException>(() => L1BlockInfo.Decode([1, 2, 3]));
    }

    [Fact]
    public void Hostile_calldata_only_fails_with_the_decode_error() =>
        Gen.Select(Gen.Byte.Array[0, 300], Gen.Int[0, 2]).Sample((data, selector) =>
        {
            if (data.Length >= 4 && selector > 0)
            {
                (selector == 1 ? L1BlockInfo.EcotoneSelector : L1BlockInfo.BedrockSelector).CopyTo(data);
            }

            try
            {
                L1BlockInfo.Decode(data);
            }
            catch (RollupDecodeException)
            {
            }
        });
}
