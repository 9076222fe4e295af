using System.Numerics;
using CsCheck;
using static Hyperion.Core.Tests.Numerics.UInt256Gens;

namespace Hyperion.Core.Tests.Numerics;

/// <summary>MULMOD's Barrett reduction with a per-thread cached reciprocal, against a BigInteger reference.</summary>
public class UInt256BarrettTests
{
    private static readonly BigInteger Two512 = BigInteger.One << 512;

    /// <summary>Four-limb moduli: top limbs across every normalization, powers of two, 2^192 + 1, 2^256 − 1.</summary>
    private static readonly Gen<UInt256> FourLimbModulus = Gen.Frequency(
        (4, Gen.Select(ModulusLimb, ModulusLimb, ModulusLimb, Gen.Frequency(
            (2, Gen.ULong[1, ulong.MaxValue]),
            (2, Gen.OneOf(SpecialLimbs).Where(l => l != 0)),
            (1, Gen.Int[0, 63].Select(bits => 1UL << bits))), (l0, l1, l2, l3) => new UInt256(l0, l1, l2, l3))),
        (1, Gen.Int[193, 255].Select(bits => FromBig(BigInteger.One << bits))),
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

    /// <summary>512-bit dividends: products of operands, any 8 limbs, and the extremes.</summary>
    private static Gen<BigInteger> Dividend(UInt256 m) => Gen.Frequency(
        (3, Gen.Select(Operand(m), Operand(m)).Select((a, b) => Big(a) * Big(b))),
        (2, Gen.Select(Value, Value).Select((low, high) => Big(low) | (Big(high) << 256))),
        (1, Gen.OneOf(BigInteger.Zero, Two512 - 1, Big(m) * Big(m) - 1, (Big(m) << 256) - 1)));

    [Fact]
    public unsafe void ReduceBarrett_matches_BigInteger()
    {
        FourLimbModulus.SelectMany(m => Dividend(m).Select(x => (x, m))).Sample((x, m) =>
        {
            UInt256.BarrettReciprocal reciprocal = default;
            bool cached = UInt256.TryComputeReciprocal(m, ref reciprocal);
            Assert.Equal(Big(m) != BigInteger.One << 192, cached);
            if (!cached)
            {
                return;
            }

            BigInteger mu = Two512 / Big(m);
            Assert.Equal(mu, new BigInteger(reciprocal.Mu0) | (new BigInteger(reciprocal.Mu1) << 64) | (new BigInteger(reciprocal.Mu2) << 128)
                | (new BigInteger(reciprocal.Mu3) << 192) | (new BigInteger(reciprocal.Mu4) << 256));
            ulong* limbs = stackalloc ulong[9];
            for (int i = 0; i < 8; i++)
            {
                limbs[i] = (ulong)((x >> (64 * i)) & ulong.MaxValue);
            }

            Assert.Equal(FromBig(x % Big(m)), UInt256.ReduceBarrett(limbs, m, reciprocal));
        }, iter: 100_000);
    }

    /// <summary>
    /// Through MULMOD: each modulus (including 0, 1, 2^192, powers of two and 2^256 − 1) for a run of products, so the
    /// first ones take Knuth D, then its reciprocal is cached and the rest take Barrett.
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

        for (int i = 0; i < UInt256.BarrettMissesBeforeReciprocal; i++)
        {
            UInt256.MulMod(a, b, p, out UInt256 result);
            Assert.Equal(FromBig(Big(a) * Big(b) % Big(p)), result);
        }

        Assert.Equal(p, UInt256.CachedReciprocalModulus);
    }
}
