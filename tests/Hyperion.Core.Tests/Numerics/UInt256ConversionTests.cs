using System.Globalization;
using System.Numerics;
using CsCheck;
using static Hyperion.Core.Tests.Numerics.UInt256Gens;

namespace Hyperion.Core.Tests.Numerics;

public class UInt256ConversionTests
{
    private const long Iterations = 10_000;

    [Fact]
    public void Comparisons_match_BigInteger() => Pair.Sample((a, b) =>
    {
        BigInteger x = Big(a), y = Big(b);
        Assert.Equal(x < y, UInt256.LessThan(a, b));
        Assert.Equal(x > y, UInt256.GreaterThan(a, b));
        Assert.Equal(Signed(a) < Signed(b), UInt256.SignedLessThan(a, b));
        Assert.Equal(Signed(a) > Signed(b), UInt256.SignedGreaterThan(a, b));
        Assert.Equal(x.CompareTo(y), a.CompareTo(b));
        Assert.Equal(x.CompareTo(y), a.CompareTo((object)b));
        Assert.Equal(x == y, a == b);
        Assert.Equal(x != y, a != b);
        Assert.Equal(x == y, a.Equals(b));
        Assert.Equal(x == y, a.Equals((object)b));
        Assert.Equal(x < y, a < b);
        Assert.Equal(x > y, a > b);
        Assert.Equal(x <= y, a <= b);
        Assert.Equal(x >= y, a >= b);
        if (x == y)
        {
            Assert.Equal(a.GetHashCode(), b.GetHashCode());
        }
    }, iter: Iterations);

    [Fact]
    public void CompareTo_object_follows_the_IComparable_contract()
    {
        Assert.Equal(1, UInt256.Zero.CompareTo(null));
        Assert.Throws<ArgumentException>(() => UInt256.Zero.CompareTo((object)5));
        Assert.False(UInt256.Zero.Equals((object)0UL));
    }

    [Fact]
    public void Properties_match_BigInteger() => Value.Sample(v =>
    {
        BigInteger b = Big(v);
        Assert.Equal(b.IsZero, v.IsZero);
        Assert.Equal(b.IsOne, v.IsOne);
        Assert.Equal(b <= ulong.MaxValue, v.IsUInt64);
        Assert.Equal(b >= HalfModulus, v.IsNegative);
        Assert.Equal((int)b.GetBitLength(), v.BitLength);
        Assert.Equal(b.IsZero ? 0 : b.GetByteCount(isUnsigned: true), v.ByteLength);
        Assert.Equal((ulong)(b & ulong.MaxValue), (ulong)v);
        Assert.Equal((uint)(b & uint.MaxValue), (uint)v);
    }, iter: Iterations);

    [Fact]
    public void BigEndian_bytes_match_BigInteger() => Value.Sample(v =>
    {
        byte[] minimal = Big(v).IsZero ? [] : Big(v).ToByteArray(isUnsigned: true, isBigEndian: true);
        byte[] full = new byte[32 - minimal.Length].Concat(minimal).ToArray();
        Assert.Equal(full, v.ToBigEndian());
        var written = new byte[32];
        v.WriteBigEndian(written);
        Assert.Equal(full, written);
        var trimmed = new byte[v.ByteLength];
        v.WriteBigEndianTrimmed(trimmed);
        Assert.Equal(minimal, trimmed);
        Assert.Equal(v, UInt256.FromBigEndian(full));
        Assert.Equal(v, UInt256.FromBigEndian(minimal));
    }, iter: Iterations);

    [Fact]
    public void FromBigEndian_left_pads_short_input() => Gen.Byte.Array[0, 32].Sample(bytes =>
        Assert.Equal(new BigInteger(bytes, isUnsigned: true, isBigEndian: true), Big(UInt256.FromBigEndian(bytes))));

    [Fact]
    public void BigEndian_length_errors_are_ArgumentException()
    {
        Assert.Throws<ArgumentException>(() => UInt256.FromBigEndian(new byte[33]));
        Assert.Throws<ArgumentException>(() => UInt256.One.WriteBigEndian(new byte[31]));
        Assert.Throws<ArgumentException>(() => UInt256.One.WriteBigEndian(new byte[33]));
        Assert.Throws<ArgumentException>(() => UInt256.One.WriteBigEndianTrimmed(new byte[2]));
        Assert.Throws<ArgumentException>(() => UInt256.Zero.WriteBigEndianTrimmed(new byte[1]));
    }

    [Fact]
    public void BigInteger_conversions_round_trip() => Value.Sample(v =>
    {
        Assert.Equal(Big(v), v.ToBigInteger());
        Assert.Equal(v, (UInt256)Big(v));
    }, iter: Iterations);

    [Fact]
    public void BigInteger_out_of_range_is_OverflowException()
    {
        Assert.Throws<OverflowException>(() => (UInt256)BigInteger.MinusOne);
        Assert.Throws<OverflowException>(() => (UInt256)Modulus);
        Assert.Equal(UInt256.MaxValue, (UInt256)(Modulus - 1));
        Assert.Equal(UInt256.Zero, (UInt256)BigInteger.Zero);
    }

    [Fact]
    public void Integer_conversions()
    {
        UInt256 fromInt = 42;
        UInt256 fromUInt = 42u;
        UInt256 fromULong = ulong.MaxValue;
        UInt256 fromByte = (byte)7;
        Assert.Equal(new UInt256(42), fromInt);
        Assert.Equal(new UInt256(42), fromUInt);
        Assert.Equal(new UInt256(ulong.MaxValue), fromULong);
        Assert.Equal(new UInt256(7), fromByte);
        Assert.Equal(new UInt256(5), (UInt256)5L);
        int negative = -1;
        Assert.Throws<OverflowException>(() => { UInt256 _ = negative; });
        Assert.Throws<OverflowException>(() => (UInt256)(-1L));
    }

    [Fact]
    public void Decimal_and_hex_text_match_BigInteger() => Value.Sample(v =>
    {
        BigInteger b = Big(v);
        string decimalText = b.ToString(CultureInfo.InvariantCulture);
        string hex = b.IsZero ? "0" : b.ToString("x", CultureInfo.InvariantCulture).TrimStart('0');
        Assert.Equal(decimalText, v.ToString());
        Assert.Equal("0x" + hex, v.ToHexString());
        Assert.Equal(hex, v.ToHexString(withPrefix: false));
        Assert.Equal(v, UInt256.Parse(decimalText));
        Assert.Equal(v, UInt256.Parse("0x" + hex));
        Assert.Equal(v, UInt256.Parse("0X" + hex.ToUpperInvariant()));
        Assert.Equal(v, UInt256.Parse("0x000" + hex));
        Assert.True(UInt256.TryParse("00" + decimalText, out UInt256 parsed));
        Assert.Equal(v, parsed);
    }, iter: Iterations);

    [Fact]
    public void Text_edges()
    {
        Assert.Equal("0", UInt256.Zero.ToString());
        Assert.Equal("0x0", UInt256.Zero.ToHexString());
        Assert.Equal("115792089237316195423570985008687907853269984665640564039457584007913129639935", UInt256.MaxValue.ToString());
        Assert.Equal("0x" + new string('f', 64), UInt256.MaxValue.ToHexString());
        Assert.Equal(UInt256.MaxValue, UInt256.Parse("0x" + new string('F', 64)));
        Assert.Equal(UInt256.One, UInt256.Parse("0x" + new string('0', 80) + "1"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("0x")]
    [InlineData("-1")]
    [InlineData("+1")]
    [InlineData(" 1")]
    [InlineData("1 ")]
    [InlineData("12a")]
    [InlineData("0xg")]
    [InlineData("0x-1")]
    [InlineData("x10")]
    [InlineData("1_000")]
    [InlineData("٣")]
    public void Malformed_text_is_FormatException(string text)
    {
        Assert.Throws<FormatException>(() => UInt256.Parse(text));
        Assert.False(UInt256.TryParse(text, out _));
    }

    [Theory]
    [InlineData("115792089237316195423570985008687907853269984665640564039457584007913129639936")]
    [InlineData("1000000000000000000000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("0x10000000000000000000000000000000000000000000000000000000000000000")]
    public void Values_of_2_pow_256_or_more_are_OverflowException(string text)
    {
        Assert.Throws<OverflowException>(() => UInt256.Parse(text));
        Assert.False(UInt256.TryParse(text, out _));
    }

    [Fact]
    public void Null_text()
    {
        Assert.Throws<ArgumentNullException>(() => UInt256.Parse(null!));
        Assert.False(UInt256.TryParse(null, out _));
    }
}
