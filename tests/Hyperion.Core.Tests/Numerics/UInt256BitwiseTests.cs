using System.Numerics;
using CsCheck;
using static Hyperion.Core.Tests.Numerics.UInt256Gens;

namespace Hyperion.Core.Tests.Numerics;

public class UInt256BitwiseTests
{
    private const long Iterations = 20_000;

    private static readonly Gen<int> Shift = Gen.Frequency(
        (6, Gen.Int[0, 255]),
        (2, Gen.OneOf(0, 1, 63, 64, 65, 127, 128, 191, 192, 255, 256, 257, 1000, int.MaxValue)),
        (1, Gen.Int[-300, -1]));

    [Fact]
    public void And_Or_Xor_Not_match_BigInteger() => Pair.Sample((a, b) =>
    {
        UInt256.And(a, b, out UInt256 and);
        UInt256.Or(a, b, out UInt256 or);
        UInt256.Xor(a, b, out UInt256 xor);
        UInt256.Not(a, out UInt256 not);
        Assert.Equal(FromBig(Big(a) & Big(b)), and);
        Assert.Equal(FromBig(Big(a) | Big(b)), or);
        Assert.Equal(FromBig(Big(a) ^ Big(b)), xor);
        Assert.Equal(FromBig(Modulus - 1 - Big(a)), not);
        Assert.Equal(and, a & b);
        Assert.Equal(or, a | b);
        Assert.Equal(xor, a ^ b);
        Assert.Equal(not, ~a);
    }, iter: Iterations);

    [Fact]
    public void Shifts_match_BigInteger() => Gen.Select(Value, Shift).Sample((value, shift) =>
    {
        bool inRange = shift is >= 0 and < 256;
        UInt256.ShiftLeft(value, shift, out UInt256 left);
        UInt256.ShiftRight(value, shift, out UInt256 right);
        UInt256.ArithmeticShiftRight(value, shift, out UInt256 arithmetic);
        Assert.Equal(inRange ? FromBig(Big(value) << shift) : UInt256.Zero, left);
        Assert.Equal(inRange ? FromBig(Big(value) >> shift) : UInt256.Zero, right);
        // BigInteger's >> on a negative value floors, which is the sign-filling shift.
        BigInteger expectedArithmetic = inRange ? Signed(value) >> shift : (value.IsNegative ? BigInteger.MinusOne : BigInteger.Zero);
        Assert.Equal(FromBig(expectedArithmetic), arithmetic);
        Assert.Equal(left, value << shift);
        Assert.Equal(right, value >> shift);
    }, iter: Iterations);

    [Fact]
    public void SignExtend_matches_reference() => Gen.Select(
        Gen.Frequency((4, Gen.ULong[0, 33].Select(i => new UInt256(i))), (1, Value)), Value).Sample((index, value) =>
    {
        UInt256.SignExtend(index, value, out UInt256 result);
        BigInteger expected;
        if (Big(index) >= 31)
        {
            expected = Big(value);
        }
        else
        {
            int bits = 8 * (int)index.U0 + 8;
            BigInteger low = Big(value) & ((BigInteger.One << bits) - 1);
            expected = low >= (BigInteger.One << (bits - 1)) ? Modulus - (BigInteger.One << bits) + low : low;
        }
        Assert.Equal(FromBig(expected), result);

        // The interpreter's form, over the value's own limbs.
        UInt256 inPlace = value;
        UInt256.SignExtendInPlace(index, ref inPlace);
        Assert.Equal(FromBig(expected), inPlace);
    }, iter: Iterations);

    [Fact]
    public void SignExtend_examples()
    {
        UInt256.SignExtend(0, 0xFF, out UInt256 minusOne);
        Assert.Equal(UInt256.MaxValue, minusOne);
        UInt256.SignExtend(0, 0x7F, out UInt256 positive);
        Assert.Equal(new UInt256(0x7F), positive);
        UInt256.SignExtend(1, 0x1_80FF, out UInt256 truncated);
        Assert.Equal(UInt256.MaxValue - 0x7F00, truncated);
    }

    [Fact]
    public void Byte_matches_reference() => Gen.Select(
        Gen.Frequency((4, Gen.ULong[0, 33].Select(i => new UInt256(i))), (1, Value)), Value).Sample((index, value) =>
    {
        UInt256.Byte(index, value, out UInt256 result);
        BigInteger expected = Big(index) >= 32 ? BigInteger.Zero : (Big(value) >> (8 * (31 - (int)index.U0))) & 0xFF;
        Assert.Equal(FromBig(expected), result);
    }, iter: Iterations);

    [Fact]
    public void Byte_reads_big_endian_order()
    {
        var value = UInt256.FromBigEndian(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());
        for (int i = 0; i < 32; i++)
        {
            UInt256.Byte((ulong)i, value, out UInt256 b);
            Assert.Equal(new UInt256((ulong)i + 1), b);
        }
    }
}
