using CsCheck;
using Hyperion.Core.Rlp;
using RlpCodec = Hyperion.Core.Rlp.Rlp;

namespace Hyperion.Core.Tests.Rlp;

public class RlpTests
{
    [Theory]
    [InlineData("0x8105", "0x05 must be encoded as itself")]
    [InlineData("0xb80100", "long form")]
    [InlineData("0xb90037" + "00", "leading zero")]
    [InlineData("0x83646f", "runs past the end")]
    [InlineData("0x83646f6700", "trailing")]
    [InlineData("0xc3646f", "runs past the end")]
    [InlineData("0x", "unexpected end")]
    public void RejectsMalformedWithOffset(string hex, string fragment)
    {
        var ex = Assert.Throws<RlpException>(() => RlpCodec.Decode(Hex.Decode(hex)));
        Assert.Contains(fragment, ex.Message);
        Assert.Contains("offset", ex.Message);
    }

    [Fact]
    public void IntegersAreMinimal()
    {
        Assert.Equal([0x80], RlpCodec.EncodeUInt64(0));
        Assert.Equal([0x7f], RlpCodec.EncodeUInt64(0x7f));
        Assert.Equal([0x81, 0x80], RlpCodec.EncodeUInt64(0x80));
        Assert.Equal([0x82, 0x04, 0x00], RlpCodec.EncodeUInt64(1024));
        Assert.Equal([0x88, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], RlpCodec.EncodeUInt64(ulong.MaxValue));

        Assert.Throws<RlpException>(() => new RlpReader([0x82, 0x00, 0x01]).ReadUInt64());
        Assert.Throws<RlpException>(() => new RlpReader([0x00]).ReadUInt64());
        Assert.Throws<RlpException>(() => new RlpReader([0x89, 1, 0, 0, 0, 0, 0, 0, 0, 0]).ReadUInt64());
    }

    [Fact]
    public void WriterAndReaderRoundTripTypedFields()
    {
        Hash256 hash = Hyperion.Core.Crypto.Keccak256.Hash("x"u8);
        Address address = Address.FromHash(hash);
        byte[] payload = new byte[100];
        int content = RlpCodec.LengthOf(1234567UL) + RlpCodec.LengthOf(hash) + RlpCodec.LengthOf(address) + RlpCodec.LengthOfBytes(payload) + RlpCodec.LengthOf(0UL);
        var buffer = new byte[RlpCodec.LengthOfList(content)];
        var writer = new RlpWriter(buffer);
        writer.WriteListHeader(content);
        writer.WriteUInt64(1234567);
        writer.WriteHash(hash);
        writer.WriteAddress(address);
        writer.WriteBytes(payload);
        writer.WriteUInt64(0);
        Assert.Equal(buffer.Length, writer.Position);

        var reader = new RlpReader(buffer);
        Assert.True(reader.PeekIsList);
        ReadOnlySpan<byte> raw = new RlpReader(buffer).ReadRawItem();
        Assert.Equal(buffer.Length, raw.Length);
        RlpReader list = reader.EnterList();
        reader.EnsureEnd();
        Assert.Equal(1234567UL, list.ReadUInt64());
        Assert.Equal(hash, list.ReadHash());
        Assert.Equal(address, list.ReadAddress());
        Assert.Equal(100, list.ReadBytes().Length);
        Assert.Equal(0UL, list.ReadUInt64());
        Assert.True(list.IsEmpty);
    }

    [Fact]
    public void ErrorOffsetsAreAbsoluteInsideLists()
    {
        // [ "dog", 0x81 0x05 ]: the bad item starts at offset 5.
        var ex = Assert.Throws<RlpException>(() => RlpCodec.Decode(Hex.Decode("0xc683646f678105")));
        Assert.Contains("offset 5", ex.Message);
    }

    [Fact]
    public void DeepNestingIsRejectedNotCrashing()
    {
        int depth = 5000;
        // Build [[[...]]] with short headers: each level adds one 0xc? header only while content < 56, so use long form.
        byte[] encoded = [0xc0];
        for (int i = 0; i < depth; i++)
        {
            encoded = RlpCodec.EncodeList(encoded);
        }

        Assert.Throws<RlpException>(() => RlpCodec.Decode(encoded));
    }

    private static readonly Gen<RlpItem> GenItem = Gen.Recursive<RlpItem>((depth, inner) =>
        depth >= 4
            ? Gen.Byte.Array[0, 80].Select(b => (RlpItem)new RlpString(b))
            : Gen.Frequency(
                (3, Gen.Byte.Array[0, 80].Select(b => (RlpItem)new RlpString(b))),
                (1, Gen.Byte.Array[0, 2].Select(b => (RlpItem)new RlpString(b))),
                (1, inner.Array[0, 6].Select(items => (RlpItem)RlpItem.List(items)))));

    [Fact]
    public void DecodeEncodeRoundTripsRandomStructures()
    {
        GenItem.Sample(item =>
        {
            byte[] encoded = RlpCodec.Encode(item);
            Assert.Equal(item.EncodedLength, encoded.Length);
            Assert.Equal(item, RlpCodec.Decode(encoded));
        });
    }

    [Fact]
    public void UInt64RoundTrips()
    {
        Gen.ULong.Sample(value =>
        {
            byte[] encoded = RlpCodec.EncodeUInt64(value);
            Assert.Equal(RlpCodec.LengthOf(value), encoded.Length);
            var reader = new RlpReader(encoded);
            Assert.Equal(value, reader.ReadUInt64());
            reader.EnsureEnd();
        });
    }
}
