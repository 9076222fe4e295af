using System.Buffers.Binary;
using Hyperion.Core;
using Hyperion.Core.Transactions;
using Hyperion.Rollup.Deposits;

namespace Hyperion.Rollup.L1Attributes;

/// <summary>
/// The L1 origin values an L2 block records in the L1Block predeploy through its first transaction, the L1 attributes
/// deposit (deposits.md "L1 Attributes Deposited Transaction", ecotone/l1-attributes.md). Bedrock-only fields
/// (<see cref="L1FeeOverhead"/>, <see cref="L1FeeScalar"/>) are zero in Ecotone calldata; Ecotone-only fields are zero
/// in Bedrock calldata.
/// </summary>
public sealed record L1BlockInfo
{
    /// <summary>Selector of <c>setL1BlockValues(uint64,uint64,uint256,bytes32,uint64,bytes32,uint256,uint256)</c> (Bedrock).</summary>
    public static ReadOnlySpan<byte> BedrockSelector => [0x01, 0x5d, 0x8e, 0xb9];

    /// <summary>Selector of <c>setL1BlockValuesEcotone()</c>, whose arguments are tightly packed.</summary>
    public static ReadOnlySpan<byte> EcotoneSelector => [0x44, 0x0a, 0x5e, 0x20];

    /// <summary>Bedrock calldata length: selector + 8 ABI words.</summary>
    public const int BedrockLength = 4 + (8 * 32);

    /// <summary>Ecotone calldata length, exactly (ecotone/l1-attributes.md).</summary>
    public const int EcotoneLength = 164;

    /// <summary>Gas limit of the L1 attributes deposit since Regolith.</summary>
    public const ulong DepositGasLimit = 1_000_000;

    public ulong Number { get; init; }

    public ulong Time { get; init; }

    public UInt256 BaseFee { get; init; }

    public Hash256 BlockHash { get; init; }

    /// <summary>Index of the L2 block within its epoch (0 for the first block of an epoch).</summary>
    public ulong SequenceNumber { get; init; }

    /// <summary>Versioned batcher hash: version 0 is the batcher address left-padded to 32 bytes.</summary>
    public Hash256 BatcherHash { get; init; }

    public UInt256 L1FeeOverhead { get; init; }

    public UInt256 L1FeeScalar { get; init; }

    /// <summary>The L1 origin's blob base fee (1 when the L1 block has no blob fields).</summary>
    public UInt256 BlobBaseFee { get; init; }

    public uint BaseFeeScalar { get; init; }

    public uint BlobBaseFeeScalar { get; init; }

    /// <summary>The version-0 batcher hash of <paramref name="batcher"/>.</summary>
    public static Hash256 BatcherHashOf(in Address batcher) => DepositEvent.AddressTopic(batcher);

    /// <summary>The <c>setL1BlockValuesEcotone</c> calldata (164 bytes).</summary>
    public byte[] EncodeEcotone()
    {
        byte[] data = new byte[EcotoneLength];
        Span<byte> d = data;
        EcotoneSelector.CopyTo(d);
        BinaryPrimitives.WriteUInt32BigEndian(d[4..], BaseFeeScalar);
        BinaryPrimitives.WriteUInt32BigEndian(d[8..], BlobBaseFeeScalar);
        BinaryPrimitives.WriteUInt64BigEndian(d[12..], SequenceNumber);
        BinaryPrimitives.WriteUInt64BigEndian(d[20..], Time);
        BinaryPrimitives.WriteUInt64BigEndian(d[28..], Number);
        BaseFee.WriteBigEndian(d.Slice(36, 32));
        BlobBaseFee.WriteBigEndian(d.Slice(68, 32));
        BlockHash.CopyTo(d[100..]);
        BatcherHash.CopyTo(d[132..]);
        return data;
    }

    /// <summary>The Bedrock <c>setL1BlockValues</c> calldata (260 bytes).</summary>
    public byte[] EncodeBedrock()
    {
        byte[] data = new byte[BedrockLength];
        Span<byte> d = data;
        BedrockSelector.CopyTo(d);
        BinaryPrimitives.WriteUInt64BigEndian(d.Slice(4 + 24, 8), Number);
        BinaryPrimitives.WriteUInt64BigEndian(d.Slice(36 + 24, 8), Time);
        BaseFee.WriteBigEndian(d.Slice(68, 32));
        BlockHash.CopyTo(d[100..]);
        BinaryPrimitives.WriteUInt64BigEndian(d.Slice(132 + 24, 8), SequenceNumber);
        BatcherHash.CopyTo(d[164..]);
        L1FeeOverhead.WriteBigEndian(d.Slice(196, 32));
        L1FeeScalar.WriteBigEndian(d.Slice(228, 32));
        return data;
    }

    /// <summary>Decodes the calldata of an L1 attributes deposit, Bedrock or Ecotone by its selector.</summary>
    /// <exception cref="RollupDecodeException">Unknown selector, wrong length, or a uint64 word with high bits set.</exception>
    public static L1BlockInfo Decode(ReadOnlySpan<byte> calldata)
    {
        if (calldata.Length >= 4 && calldata[..4].SequenceEqual(EcotoneSelector))
        {
            if (calldata.Length != EcotoneLength)
            {
                throw new RollupDecodeException($"Ecotone L1 attributes are {calldata.Length} bytes, expected {EcotoneLength}");
            }

            return new L1BlockInfo
            {
                BaseFeeScalar = BinaryPrimitives.ReadUInt32BigEndian(calldata[4..]),
                BlobBaseFeeScalar = BinaryPrimitives.ReadUInt32BigEndian(calldata[8..]),
                SequenceNumber = BinaryPrimitives.ReadUInt64BigEndian(calldata[12..]),
                Time = BinaryPrimitives.ReadUInt64BigEndian(calldata[20..]),
                Number = BinaryPrimitives.ReadUInt64BigEndian(calldata[28..]),
                BaseFee = UInt256.FromBigEndian(calldata.Slice(36, 32)),
                BlobBaseFee = UInt256.FromBigEndian(calldata.Slice(68, 32)),
                BlockHash = new Hash256(calldata.Slice(100, 32)),
                BatcherHash = new Hash256(calldata.Slice(132, 32)),
            };
        }

        if (calldata.Length >= 4 && calldata[..4].SequenceEqual(BedrockSelector))
        {
            if (calldata.Length != BedrockLength)
            {
                throw new RollupDecodeException($"Bedrock L1 attributes are {calldata.Length} bytes, expected {BedrockLength}");
            }

            return new L1BlockInfo
            {
                Number = ReadUInt64Word(calldata.Slice(4, 32)),
                Time = ReadUInt64Word(calldata.Slice(36, 32)),
                BaseFee = UInt256.FromBigEndian(calldata.Slice(68, 32)),
                BlockHash = new Hash256(calldata.Slice(100, 32)),
                SequenceNumber = ReadUInt64Word(calldata.Slice(132, 32)),
                BatcherHash = new Hash256(calldata.Slice(164, 32)),
                L1FeeOverhead = UInt256.FromBigEndian(calldata.Slice(196, 32)),
                L1FeeScalar = UInt256.FromBigEndian(calldata.Slice(228, 32)),
            };
        }

        throw new RollupDecodeException("calldata is not an L1 attributes call (unknown selector)");
    }

    /// <summary>
    /// The L1 attributes deposit transaction carrying these values in Ecotone form: from the depositor account to
    /// L1Block, no mint or value, 1,000,000 gas, not a system transaction (Regolith onward).
    /// </summary>
    public Transaction ToEcotoneDeposit() => new()
    {
        Type = TransactionType.Deposit,
        SourceHash = DepositSource.L1InfoDeposit(BlockHash, SequenceNumber),
        From = Predeploys.L1AttributesDepositor,
        To = Predeploys.L1Block,
        Mint = UInt256.Zero,
        Value = UInt256.Zero,
        GasLimit = DepositGasLimit,
        IsSystemTransaction = false,
        Data = EncodeEcotone(),
    };

    private static ulong ReadUInt64Word(ReadOnlySpan<byte> word)
    {
        if (word[..24].ContainsAnyExcept((byte)0))
        {
            throw new RollupDecodeException("L1 attributes: a uint64 argument has high bits set");
        }

        return BinaryPrimitives.ReadUInt64BigEndian(word[24..]);
    }
}
