using System.Numerics;
using CsCheck;
using static Hyperion.Core.Tests.Numerics.UInt256Gens;

namespace Hyperion.Core.Tests.Numerics;

/// <summary>
/// MULMOD's and ADDMOD's division by a per-thread cached reciprocal of the modulus (Möller–Granlund 2/1 steps with
/// 256-bit words), against a BigInteger reference.
/// </summary>
public class UInt256ReciprocalTests
{
    private static readonly BigInteger Two512 = BigInteger.One << 512;

    /// <summary>Four-limb moduli: top limbs across every normalization, powers of two from 2^192, 2^192 + 1, 2^256 − 1, the bn254 prime.</summary>
    private static readonly Gen<UInt256> FourLimbModulus = Gen.Frequency(
        (4, Gen.Select(ModulusLimb, ModulusLimb, ModulusLimb, Gen.Frequency(
            (2, Gen.ULong[1, ulong.MaxValue]),
            (2, Gen.OneOf(SpecialLimbs).Where(l => l != 0)),
            (1, Gen.Int[0, 63].Select(bits => 1UL << bits))), (l0, l1, l2, l3) => new UInt256(l0, l1, l2, l3))),
        (1, Gen.Int[192, 255].Select(bits => FromBig(BigInteger.One << bits))),
        (1, Gen.OneOf(new UInt256(1, 0, 0, 1), UInt256.MaxValue, new UInt256(ulong.MaxValue - 1, ulong.MaxValue, ulong.MaxValue, ulong.MaxValue),
            UInt256.Parse("0x30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd47"))));

    private static Gen<ulong> ModulusLimb => Gen.Frequency((2, Gen.ULong), (1, Gen.OneOf(SpecialLimbs)));

    /// <summary>Operands around the modulus: reduced, ≥ m, m ± 3, near 2^256, and small (a·b &lt; m).</summary>
    private static Gen<UInt256> Operand(UInt256 m) => Gen.Frequency(
        (3, Value),
        (2, Gen.Select(Value, Gen.Int[0, 255]).Select((v, s) => FromBig((m.IsZero ? Big(v) : Big(v) % Big(m)) >> s))),
        (1, Gen.Int[-3, 3].Select(d => FromBig(Big(m) + d))),
        (1, Gen.ULong[0, 3].Select(d => UInt256.MaxValue - new UInt256(d))),
        (1, Gen.ULong[0, 1000].Select(v => new UInt256(v))));

    /// <summary>
    /// 512-bit dividends: products of operands, any 8 limbs (top half ≥ m: two division steps), the extremes, and
    /// multiples of m ± 3 (where the quotient candidate is one too large or the rare second correction runs).
    /// </summary>
    private static Gen<BigInteger> Dividend(UInt256 m) => Gen.Frequency(
        (3, Gen.Select(Operand(m), Operand(m)).Select((a, b) => Big(a) * Big(b))),
        (2, Gen.Select(Value, Value).Select((low, high) => Big(low) | (Big(high) << 256))),
        (2, Gen.Select(Value, Gen.Int[-3, 3]).Select((q, d) => BigInteger.Max(BigInteger.Zero, BigInteger.Min(Two512 - 1, Big(q) * Big(m) + d)))),
        (1, Gen.OneOf(BigInteger.Zero, Two512 - 1, Big(m) * Big(m) - 1, (Big(m) << 256) - 1, Big(m) << 256, (Big(m) << 256) + Big(m) - 1)));

    [Fact]
    public unsafe void Reduce512ByReciprocal_matches_BigInteger()
    {
        FourLimbModulus.SelectMany(m => Dividend(m).Select(x => (x, m))).Sample((x, m) =>
        {
            UInt256.ModulusReciprocal reciprocal = default;
            UInt256.ComputeReciprocal(m, ref reciprocal);
            int shift = 256 - (int)Big(m).GetBitLength();
            BigInteger divisor = Big(m) << shift;
            Assert.Equal(shift, reciprocal.Shift);
            Assert.Equal(FromBig(divisor), reciprocal.Divisor);
            Assert.Equal(FromBig((Two512 - 1) / divisor - (BigInteger.One << 256)), reciprocal.Reciprocal);
            ulong* limbs = stackalloc ulong[9];
            for (int i = 0; i < 8; i++)
            {
                limbs[i] = (ulong)((x >> (64 * i)) & ulong.MaxValue);
            }

            Assert.Equal(FromBig(x % Big(m)), UInt256.Reduce512ByReciprocal(limbs, reciprocal));
        }, iter: 100_000);
    }

    /// <summary>
    /// One division step, general and one-limb top word, on u = q · d + r with the remainder r at the ends of [0, d)
    /// (where the quotient candidate is off by one either way) and any r.
    /// </summary>
    [Fact]
    public void DivideStep_matches_BigInteger()
    {
        Gen<BigInteger> remainderNearTheEnds(BigInteger d) => Gen.Frequency(
            (2, Gen.ULong[0, 3].Select(k => d - 1 - k)),
            (1, Gen.ULong[0, 3].Select(k => (BigInteger)k)),
            (1, Value.Select(v => Big(v) % d)));
        Gen<BigInteger> quotient = Gen.Frequency((2, Value.Select(Big)), (2, Gen.ULong.Select(q => (BigInteger)q)), (1, Gen.ULong[0, 3].Select(q => (BigInteger)q)));
        FourLimbModulus.SelectMany(m => Gen.Select(quotient, Gen.Bool).SelectMany((q, oneLimb) =>
        {
            UInt256.ModulusReciprocal reciprocal = default;
            UInt256.ComputeReciprocal(m, ref reciprocal);
            BigInteger d = Big(reciprocal.Divisor);
            BigInteger limitedQuotient = oneLimb ? q & ulong.MaxValue : q;
            return remainderNearTheEnds(d).Select(r => (reciprocal, u: limitedQuotient * d + r, oneLimb));
        })).Sample((reciprocal, u, oneLimb) =>
        {
            BigInteger d = Big(reciprocal.Divisor);
            UInt256 u0 = FromBig(u & ((BigInteger.One << 256) - 1));
            BigInteger u1 = u >> 256;
            if (oneLimb)
            {
                Assert.Equal(FromBig(u % d), UInt256.DivideStepOneLimb((ulong)u1, u0, reciprocal));
            }
            else
            {
                Assert.Equal(FromBig(u % d), UInt256.DivideStep(FromBig(u1), u0, reciprocal));
            }
        }, iter: 100_000);
    }

    /// <summary>
    /// ADDMOD of unreduced operands (any words, ≥ m, near 2^256: the 257-bit sum) once MULMOD has cached the modulus's
    /// reciprocal, so the sum takes one division step.
    /// </summary>
    [Fact]
    public void AddMod_with_the_cached_modulus_matches_BigInteger()
    {
        FourLimbModulus.SelectMany(m => Gen.Select(Operand(m), Operand(m)).Array[8].Select(pairs => (m, pairs))).Sample((m, pairs) =>
        {
            for (int i = 0; i < UInt256.MissesBeforeReciprocal; i++)
            {
                UInt256.MulMod(UInt256.MaxValue, UInt256.MaxValue, m, out _);
            }

            Assert.Equal(m, UInt256.CachedReciprocalModulus);
            foreach ((UInt256 a, UInt256 b) in pairs)
            {
                UInt256.AddMod(a, b, m, out UInt256 result);
                Assert.Equal(FromBig((Big(a) + Big(b)) % Big(m)), result);
            }
        }, iter: 20_000);
    }

    /// <summary>
    /// Through MULMOD: each modulus (including 0, 1, 2^192, powers of two and 2^256 − 1) for a run of products, so the
    /// first ones take Knuth D, then its reciprocal is cached and the rest divide by it.
    /// </summary>
    [Fact]
    public void MulMod_with_a_repeated_modulus_matches_BigInteger()
    {
        Gen<UInt256> modulus = Gen.Frequency(
            (6, FourLimbModulus),
            (1, Gen.OneOf(UInt256.Zero, UInt256.One, new UInt256(0, 0, 0, 1), new UInt256(2), new UInt256(0, 0, 1))),
            (1, Value));
        modulus.SelectMany(m => Gen.Select(Operand(m), Operand(m)).Array[12].Select(pairs => (m, pairs))).Sample((m, pairs) =>
        {
            for (int i = 0; i < pairs.Length; i++)
            {
                (UInt256 a, UInt256 b) = pairs[i];
                UInt256.MulMod(a, b, m, out UInt256 result);
                Assert.Equal(m.IsZero ? UInt256.Zero : FromBig(Big(a) * Big(b) % Big(m)), result);
            }
        }, iter: 20_000);
    }

    [Fact]
    public void A_repeated_modulus_gets_its_reciprocal_cached_and_alternating_moduli_do_not()
    {
        UInt256 p = UInt256.Parse("0x30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd47");
        UInt256 q = UInt256.Parse("0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001");
        UInt256 a = UInt256.Parse("0x1234567890abcdef1234567890abcdef1234567890abcdef1234567890abcdef");
        UInt256 b = UInt256.Parse("0x0fedcba0987654321fedcba0987654321fedcba0987654321fedcba098765432");

        // Alternating moduli never repeat back to back, so neither is cached (each call stays on Knuth D).
        for (int i = 0; i < 20; i++)
        {
            UInt256 m = i % 2 == 0 ? p : q;
            UInt256.MulMod(a, b, m, out UInt256 result);
            Assert.Equal(FromBig(Big(a) * Big(b) % Big(m)), result);
            Assert.NotEqual(p, UInt256.CachedReciprocalModulus);
            Assert.NotEqual(q, UInt256.CachedReciprocalModulus);
        }

        for (int i = 0; i < UInt256.MissesBeforeReciprocal; i++)
        {
            UInt256.MulMod(a, b, p, out UInt256 result);
            Assert.Equal(FromBig(Big(a) * Big(b) % Big(p)), result);
        }

        Assert.Equal(p, UInt256.CachedReciprocalModulus);
    }
}
