using System.Numerics;
using CsCheck;
using static Hyperion.Core.Tests.Numerics.UInt256Gens;

namespace Hyperion.Core.Tests.Numerics;

public class UInt256ArithmeticTests
{
    private const long Iterations = 20_000;

    [Fact]
    public void Add_matches_BigInteger() => Pair.Sample((a, b) =>
    {
        bool carry = UInt256.AddOverflow(a, b, out UInt256 sum);
        UInt256.Add(a, b, out UInt256 plain);
        BigInteger expected = Big(a) + Big(b);
        Assert.Equal(FromBig(expected), sum);
        Assert.Equal(sum, plain);
        Assert.Equal(sum, a + b);
        Assert.Equal(expected >= Modulus, carry);
    }, iter: Iterations);

    [Fact]
    public void Subtract_matches_BigInteger() => Pair.Sample((a, b) =>
    {
        bool borrow = UInt256.SubtractUnderflow(a, b, out UInt256 difference);
        UInt256.Subtract(a, b, out UInt256 plain);
        Assert.Equal(FromBig(Big(a) - Big(b)), difference);
        Assert.Equal(difference, plain);
        Assert.Equal(difference, a - b);
        Assert.Equal(Big(a) < Big(b), borrow);
        UInt256.Negate(a, out UInt256 negated);
        Assert.Equal(FromBig(-Big(a)), negated);
    }, iter: Iterations);

    [Fact]
    public void MultiplyWide_matches_BigInteger() => Gen.Select(Gen.ULong, Gen.ULong).Sample((x, y) =>
    {
        ulong high = LimbArithmetic.MultiplyWide(x, y, out ulong low);
        Assert.Equal(new BigInteger(x) * y, (new BigInteger(high) << 64) | low);
    }, iter: Iterations);

    /// <summary>Any carry in, including 2 (a +1 riding on a carry), gives the exact carry out: 0, 1 or 2.</summary>
    [Fact]
    public void AddWithCarry_matches_BigInteger() => Gen.Select(Gen.OneOf(Gen.ULong, Gen.OneOf(SpecialLimbs)), Gen.OneOf(Gen.ULong, Gen.OneOf(SpecialLimbs)), Gen.ULong[0, 2]).Sample((x, y, carryIn) =>
    {
        ulong carry = carryIn;
        ulong sum = LimbArithmetic.AddWithCarry(x, y, ref carry);
        Assert.Equal(new BigInteger(x) + y + carryIn, (new BigInteger(carry) << 64) | sum);
    }, iter: Iterations);

    [Fact]
    public void Multiply_matches_BigInteger() => Pair.Sample((a, b) =>
    {
        bool overflow = UInt256.MultiplyOverflow(a, b, out UInt256 product);
        UInt256.Multiply(a, b, out UInt256 plain);
        BigInteger expected = Big(a) * Big(b);
        Assert.Equal(FromBig(expected), plain);
        Assert.Equal(plain, product);
        Assert.Equal(plain, a * b);
        Assert.Equal(expected >= Modulus, overflow);
    }, iter: Iterations);

    /// <summary>Every word whose four limbs are each one of <paramref name="limbs"/>.</summary>
    private static List<UInt256> EveryCombinationOf(ulong[] limbs)
    {
        var values = new List<UInt256>();
        foreach (ulong a in limbs)
            foreach (ulong b in limbs)
                foreach (ulong c in limbs)
                    foreach (ulong d in limbs)
                        values.Add(new UInt256(a, b, c, d));
        return values;
    }

    [Fact]
    public void Multiply_on_every_combination_of_boundary_limbs()
    {
        // Every pair of words built from these limbs: operands below 2^64, a first operand below 2^128
        // and wider ones, carries through every limb; 2^64 + 1 times lane-packed words is blake2b_huff's rotation.
        List<UInt256> values = EveryCombinationOf([0, 1, 0x8000_0000_0000_0001, ulong.MaxValue]);
        values.Add(new UInt256(0xbb67ae8584caa73b, 0, 0x6a09e667f3bcc908, 0));
        foreach (UInt256 a in values)
        {
            foreach (UInt256 b in values)
            {
                UInt256.Multiply(a, b, out UInt256 product);
                Assert.Equal(FromBig(Mod(Big(a) * Big(b))), product);
            }
        }
    }

    [Fact]
    public void Divide_and_Mod_match_BigInteger() => Pair.Sample((a, b) => CheckDivision(a, b), iter: Iterations);

    [Fact]
    public void Divide_and_Mod_on_every_combination_of_boundary_limbs()
    {
        // Every dividend and divisor built from these limbs: hits the q-hat overflow, refinement and add-back paths.
        List<UInt256> values = EveryCombinationOf([0, 1, 0x7FFF_FFFF_FFFF_FFFF, 0x8000_0000_0000_0000, ulong.MaxValue]);
        foreach (UInt256 dividend in values)
        {
            foreach (UInt256 divisor in values)
            {
                CheckDivision(dividend, divisor);
            }
        }
    }

    [Theory]
    [InlineData("0x7fffffffffffffff800000000000000000000000000000000000000000000000", "0x800000000000000000000000000000000000000000000001")]
    [InlineData("0xffffffffffffffffffffffffffffffff00000000000000000000000000000000", "0x7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff")]
    [InlineData("0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", "0x80000000000000008000000000000000ffffffffffffffff")]
    public void Divide_cases_that_take_the_add_back_step(string dividend, string divisor)
    {
        // Found by instrumenting Knuth's step D6 (estimate one too large after the two-limb refinement).
        CheckDivision(UInt256.Parse(dividend), UInt256.Parse(divisor));
    }

    private static void CheckDivision(UInt256 a, UInt256 b)
    {
        UInt256.Divide(a, b, out UInt256 quotient);
        UInt256.Mod(a, b, out UInt256 remainder);
        if (b.IsZero)
        {
            Assert.Equal(UInt256.Zero, quotient);
            Assert.Equal(UInt256.Zero, remainder);
            return;
        }
        BigInteger expectedQuotient = BigInteger.DivRem(Big(a), Big(b), out BigInteger expectedRemainder);
        if (FromBig(expectedQuotient) != quotient || FromBig(expectedRemainder) != remainder)
        {
            Assert.Fail($"{a.ToHexString()} / {b.ToHexString()}: got {quotient.ToHexString()} rem {remainder.ToHexString()}, " +
                        $"expected {FromBig(expectedQuotient).ToHexString()} rem {FromBig(expectedRemainder).ToHexString()}");
        }
        Assert.Equal(quotient, a / b);
        Assert.Equal(remainder, a % b);
    }

    [Fact]
    public void SignedDivide_and_SignedMod_match_BigInteger() => Pair.Sample(CheckSignedDivision, iter: Iterations);

    /// <summary>
    /// Magnitudes of 0..130 bits built from boundary limbs, as is or negated: the operands of the one-limb-divisor and
    /// 128-bit fast paths of DIV/MOD, and of SDIV/SMOD on small negative values (fixed-point code).
    /// </summary>
    private static readonly Gen<UInt256> Narrow = Gen.Select(
        Gen.Frequency((2, Gen.ULong), (2, Gen.OneOf(SpecialLimbs))),
        Gen.Frequency((2, Gen.ULong), (2, Gen.OneOf(SpecialLimbs))),
        Gen.Frequency((3, Gen.Int[0, 130]), (2, Gen.OneOf(1, 63, 64, 65, 127, 128, 129))),
        Gen.Bool,
        (low, high, bits, negate) =>
        {
            BigInteger magnitude = (new BigInteger(low) | (new BigInteger(high) << 64) | (BigInteger.One << 128)) & ((BigInteger.One << bits) - 1);
            return FromBig(negate ? -magnitude : magnitude);
        });

    /// <summary>Narrow pairs, often with the divisor a shifted or nearby copy of the dividend (quotients near 1 and 2^64).</summary>
    private static readonly Gen<(UInt256, UInt256)> NarrowPair = Gen.Frequency(
        (4, Gen.Select(Narrow, Narrow)),
        (2, Gen.Select(Narrow, Gen.Int[1, 70]).Select((a, shift) => (a, FromBig(Big(a) >> shift)))),
        (1, Gen.Select(Narrow, Gen.Int[-2, 2]).Select((a, delta) => (a, FromBig(Big(a) + delta)))),
        (1, Gen.Select(Narrow, Gen.OneOf(UInt256.One, UInt256.MaxValue, new UInt256(0, 0, 0, 0x8000_0000_0000_0000)))));

    [Fact]
    public void Division_of_narrow_operands_matches_BigInteger() => NarrowPair.Sample((a, b) =>
    {
        CheckDivision(a, b);
        CheckSignedDivision(a, b);
    }, iter: 50_000);

    [Theory]
    [InlineData("0xffffffffffffffffffffffffffffffff", "0x10000000000000000")]
    [InlineData("0xffffffffffffffffffffffffffffffff", "0x1ffffffffffffffff")]
    [InlineData("0xffffffffffffffffffffffffffffffff", "0xffffffffffffffffffffffffffffffff")]
    [InlineData("0xfffffffffffffffffffffffffffffffe", "0xffffffffffffffffffffffffffffffff")]
    [InlineData("0x80000000000000000000000000000000", "0x10000000000000001")]
    [InlineData("0xffffffffffffffff0000000000000000", "0xffffffffffffffff")]
    [InlineData("0xffffffffffffffffffffffffffffffff", "0xffffffffffffffff")]
    [InlineData("0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", "0xfffffffffffffffe")]
    [InlineData("0x10000000000000000000000000000000000000000000000000", "0x3")]
    public void Division_at_the_fast_path_limb_boundaries(string dividend, string divisor)
    {
        CheckDivision(UInt256.Parse(dividend), UInt256.Parse(divisor));
        CheckSignedDivision(UInt256.Parse(dividend), UInt256.Parse(divisor));
    }

    private static void CheckSignedDivision(UInt256 a, UInt256 b)
    {
        UInt256.SignedDivide(a, b, out UInt256 quotient);
        UInt256.SignedMod(a, b, out UInt256 remainder);
        if (b.IsZero)
        {
            Assert.Equal(UInt256.Zero, quotient);
            Assert.Equal(UInt256.Zero, remainder);
            return;
        }
        // BigInteger division truncates toward zero and its remainder takes the dividend's sign, as SDIV/SMOD.
        if (FromBig(BigInteger.Divide(Signed(a), Signed(b))) != quotient || FromBig(BigInteger.Remainder(Signed(a), Signed(b))) != remainder)
        {
            Assert.Fail($"{a.ToHexString()} sdiv/smod {b.ToHexString()}: got {quotient.ToHexString()} rem {remainder.ToHexString()}");
        }
    }

    [Fact]
    public void SignedDivide_of_minimum_by_minus_one_wraps_to_minimum()
    {
        var minimum = new UInt256(0, 0, 0, 0x8000_0000_0000_0000);
        UInt256.SignedDivide(minimum, UInt256.MaxValue, out UInt256 quotient);
        Assert.Equal(minimum, quotient);
        UInt256.SignedMod(minimum, UInt256.MaxValue, out UInt256 remainder);
        Assert.Equal(UInt256.Zero, remainder);
    }

    [Fact]
    public void AddMod_matches_BigInteger() => Triple.Sample((a, b, m) =>
    {
        UInt256.AddMod(a, b, m, out UInt256 result);
        Assert.Equal(m.IsZero ? UInt256.Zero : FromBig((Big(a) + Big(b)) % Big(m)), result);
    }, iter: Iterations);

    [Fact]
    public void AddMod_of_reduced_operands_matches_BigInteger() => Triple.Sample((a, b, m) =>
    {
        if (m.IsZero)
        {
            return;
        }
        UInt256 x = a % m, y = b % m;
        UInt256.AddMod(x, y, m, out UInt256 result);
        Assert.Equal(FromBig((Big(x) + Big(y)) % Big(m)), result);
    }, iter: Iterations);

    [Fact]
    public void MulMod_matches_BigInteger() => Triple.Sample((a, b, m) =>
    {
        UInt256.MulMod(a, b, m, out UInt256 result);
        Assert.Equal(m.IsZero ? UInt256.Zero : FromBig(Big(a) * Big(b) % Big(m)), result);
    }, iter: Iterations);

    /// <summary>
    /// Four-limb moduli (MULMOD's 8-by-4-limb reduction): top limbs from 1 (normalization shift 63) to 2^64 − 1 (no
    /// shift), against operands near the modulus and the maximum, where the quotient-digit estimate is capped at
    /// 2^64 − 1 or is one too large and the divisor is added back.
    /// </summary>
    [Fact]
    public void MulMod_with_a_four_limb_modulus_matches_BigInteger()
    {
        Gen<ulong> topLimb = Gen.Frequency(
            (2, Gen.ULong[1, ulong.MaxValue]),
            (2, Gen.OneOf(SpecialLimbs).Where(l => l != 0)),
            (1, Gen.Int[0, 63].Select(bits => 1UL << bits)));
        Gen<ulong> limb = Gen.Frequency((2, Gen.ULong), (1, Gen.OneOf(SpecialLimbs)));
        Gen<UInt256> modulus = Gen.Select(limb, limb, limb, topLimb, (l0, l1, l2, l3) => new UInt256(l0, l1, l2, l3));
        Gen<UInt256> near(UInt256 m) => Gen.Frequency(
            (2, Value),
            (1, Gen.Int[-3, 3].Select(d => FromBig(Big(m) + d))),
            (1, Gen.ULong[0, 3].Select(d => UInt256.MaxValue - new UInt256(d))),
            (1, Gen.Select(Value, Gen.Int[0, 255]).Select((v, s) => FromBig(Big(v) >> s))));
        modulus.SelectMany(m => Gen.Select(near(m), near(m)).Select((a, b) => (a, b, m))).Sample((a, b, m) =>
        {
            UInt256.MulMod(a, b, m, out UInt256 result);
            Assert.Equal(FromBig(Big(a) * Big(b) % Big(m)), result);
        }, iter: 100_000);
    }

    [Fact]
    public void Division_and_modular_operations_on_every_pair_of_boundary_values()
    {
        // Zero divisors, modulus 1, 2^255, the maximum, one-limb and four-limb moduli (the bn254 field prime), each
        // against every boundary operand: the limb-count and normalization edges of the reduction.
        UInt256[] values =
        [
            .. SpecialValues, new(0, 0, 0, 0x8000_0000_0000_0000), new(ulong.MaxValue, 0, 0, 0x8000_0000_0000_0000),
            new(0, 1, 0, 0), new(1, 1, 0, 0), new(0, 0, 1, 1),
            UInt256.Parse("0x30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd47"),
            UInt256.Parse("0x30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd46"),
        ];
        foreach (UInt256 a in values)
        {
            foreach (UInt256 b in values)
            {
                CheckDivision(a, b);
                foreach (UInt256 m in values)
                {
                    UInt256.AddMod(a, b, m, out UInt256 sum);
                    UInt256.MulMod(a, b, m, out UInt256 product);
                    Assert.Equal(m.IsZero ? UInt256.Zero : FromBig((Big(a) + Big(b)) % Big(m)), sum);
                    Assert.Equal(m.IsZero ? UInt256.Zero : FromBig(Big(a) * Big(b) % Big(m)), product);
                }
            }
        }
    }

    [Fact]
    public void AddMod_and_MulMod_keep_the_bits_above_256()
    {
        UInt256.AddMod(UInt256.MaxValue, UInt256.MaxValue, new UInt256(7), out UInt256 sum);
        Assert.Equal(FromBig((2 * (Modulus - 1)) % 7), sum);
        UInt256.MulMod(UInt256.MaxValue, UInt256.MaxValue, new UInt256(0, 0, 0, 0x1234), out UInt256 product);
        Assert.Equal(FromBig((Modulus - 1) * (Modulus - 1) % Big(new UInt256(0, 0, 0, 0x1234))), product);
    }

    [Fact]
    public void Exp_matches_BigInteger() => Gen.Frequency(
        (3, Pair),
        (1, Gen.Select(Value, Gen.ULong[0, 300].Select(e => new UInt256(e)))),
        (1, Gen.Select(Gen.ULong[0, 3].Select(b => new UInt256(b)), Value))).Sample((b, e) =>
    {
        UInt256.Exp(b, e, out UInt256 result);
        Assert.Equal(FromBig(BigInteger.ModPow(Big(b), Big(e), Modulus)), result);
    }, iter: 5_000);

    [Fact]
    public void Operations_allow_the_result_to_alias_an_operand() => Triple.Sample((a, b, m) =>
    {
        UInt256 x = a;
        UInt256.Multiply(x, b, out x);
        Assert.Equal(a * b, x);
        x = a;
        UInt256.Divide(x, b, out x);
        Assert.Equal(a / b, x);
        x = b;
        UInt256.Mod(a, x, out x);
        Assert.Equal(a % b, x);
        x = m;
        UInt256.MulMod(a, b, x, out x);
        UInt256.MulMod(a, b, m, out UInt256 expected);
        Assert.Equal(expected, x);
        x = a;
        UInt256.Exp(x, new UInt256(b.U0 & 0xFF), out x);
        UInt256.Exp(a, new UInt256(b.U0 & 0xFF), out expected);
        Assert.Equal(expected, x);
    }, iter: 2_000);
}
