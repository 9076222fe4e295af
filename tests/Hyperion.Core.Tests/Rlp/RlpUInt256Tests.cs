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

    [Theory]
    [InlineData("00", "leading zero")] // zero must be the empty string 0x80
    [InlineData("8105", "")] // a single byte below 0x80 is its own encoding
    [InlineData("c0", "")] // a list is not an integer
    [InlineData("a1010000000000000000000000000000000000000000000000000000000000000000", "256 bits")]
    public void ReadUInt256RejectsNonCanonicalEncodings(string hex, string messagePart)
    {
        var error = Assert.Throws<RlpException>(() => new RlpReader(Convert.FromHexString(hex)).ReadUInt256());
        Assert.Contains(messagePart, error.Message);
    }

    [Fact]
    public void ReadUInt256AcceptsTheFull32Bytes()
    {
        byte[] encoded = RlpCodec.EncodeBytes(UInt256.MaxValue.ToBigEndian());
        Assert.Equal(33, encoded.Length);
        Assert.Equal(UInt256.MaxValue, new RlpReader(encoded).ReadUInt256());
    }
}
