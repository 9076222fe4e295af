using Hyperion.Core.Rlp;
using RlpCodec = Hyperion.Core.Rlp.Rlp;

namespace Hyperion.Core.Blocks;

/// <summary>An EIP-4895 beacon-chain withdrawal: [index, validatorIndex, address, amount], the amount in Gwei.</summary>
public sealed record Withdrawal(ulong Index, ulong ValidatorIndex, Address Address, ulong AmountGwei)
{
    /// <summary>Wei per Gwei, to credit <see cref="AmountGwei"/> to a balance.</summary>
    public const ulong WeiPerGwei = 1_000_000_000;

    public UInt256 AmountWei => new UInt256(AmountGwei) * new UInt256(WeiPerGwei);

    public int EncodedLength => RlpCodec.LengthOfList(ContentLength);

    private int ContentLength =>
        RlpCodec.LengthOf(Index) + RlpCodec.LengthOf(ValidatorIndex) + 1 + Address.Size + RlpCodec.LengthOf(AmountGwei);

    public void WriteTo(ref RlpWriter writer)
    {
        writer.WriteListHeader(ContentLength);
        writer.WriteUInt64(Index);
        writer.WriteUInt64(ValidatorIndex);
        writer.WriteAddress(Address);
        writer.WriteUInt64(AmountGwei);
    }

    public byte[] Encode()
    {
        var result = new byte[EncodedLength];
        var writer = new RlpWriter(result);
        WriteTo(ref writer);
        return result;
    }

    public static Withdrawal Read(ref RlpReader reader)
    {
        RlpReader fields = reader.EnterList();
        var withdrawal = new Withdrawal(fields.ReadUInt64(), fields.ReadUInt64(), fields.ReadAddress(), fields.ReadUInt64());
        fields.EnsureEnd();
        return withdrawal;
    }

    public static Withdrawal Decode(ReadOnlySpan<byte> encoded)
    {
        var reader = new RlpReader(encoded);
        Withdrawal withdrawal = Read(ref reader);
        reader.EnsureEnd();
        return withdrawal;
    }
}
