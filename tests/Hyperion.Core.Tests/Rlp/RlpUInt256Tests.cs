using CsCheck;
using Hyperion.Core.Rlp;
using Hyperion.Core.Tests.Numerics;
using RlpCodec = Hyperion.Core.Rlp.Rlp;

namespace Hyperion.Core.Tests.Rlp;

public class RlpUInt256Tests
{
    [Fact]
    public void WriteUInt256IsTheMinimalBigEndianStringAndReadsBack() =>
        UInt256Gens.Value.Sample(value =>
        {
            var minimal = new byte[value.ByteLength];
            value.WriteBigEndianTrimmed(minimal);
            byte[] expected = RlpCodec.EncodeBytes(minimal);

            var buffer = new byte[RlpCodec.LengthOf(value)];
            var writer = new RlpWriter(buffer);
            writer.WriteUInt256(value);
            Assert.Equal(expected, buffer);

            var reader = new RlpReader(buffer);
            Assert.Equal(value, reader.ReadUInt256());
            reader.EnsureEnd();
        });

    [Fact]
    public void ReadUInt256RejectsLeadingZerosAndMoreThan32Bytes()
    {
        Assert.Throws<RlpException>(() => new RlpReader([0x82, 0x00, 0x01]).ReadUInt256());
        byte[] tooLong = RlpCodec.EncodeBytes([1, .. new byte[32]]);
        Assert.Throws<RlpException>(() => new RlpReader(tooLong).ReadUInt256());
        Assert.Equal(UInt256.Zero, new RlpReader([0x80]).ReadUInt256());
    }
}
