using System.Numerics;
using CsCheck;

namespace Hyperion.Core.Tests.Numerics;

/// <summary>Generators of UInt256 values biased to the edges where limb arithmetic breaks, and a BigInteger reference.</summary>
internal static class UInt256Gens
{
    public static readonly BigInteger Modulus = BigInteger.One << 256;
    public static readonly BigInteger HalfModulus = BigInteger.One << 255;

    /// <summary>Limb values at carry, sign and normalization boundaries.</summary>
    public static readonly ulong[] SpecialLimbs =
    [
        0, 1, 2, 3, 10, 0xFFFF_FFFF, 0x1_0000_0000, 0x7FFF_FFFF_FFFF_FFFF, 0x8000_0000_0000_0000,
        0x8000_0000_0000_0001, ulong.MaxValue - 1, ulong.MaxValue,
    ];

    public static readonly UInt256[] SpecialValues =
    [
        UInt256.Zero, UInt256.One, new(2), new(ulong.MaxValue), new(0, 1), new(ulong.MaxValue, ulong.MaxValue), new(0, 0, 1),
        new(0, 0, 0, 1), new(ulong.MaxValue, ulong.MaxValue, ulong.MaxValue, 0x7FFF_FFFF_FFFF_FFFF),
        new(0, 0, 0, 0x8000_0000_0000_0000), new(1, 0, 0, 0x8000_0000_0000_0000), UInt256.MaxValue,
        new(ulong.MaxValue - 1, ulong.MaxValue, ulong.MaxValue, ulong.MaxValue),
    ];

    private static readonly Gen<ulong> Limb = Gen.Frequency(
        (3, Gen.ULong),
        (3, Gen.OneOf(SpecialLimbs)),
        (1, Gen.ULong[0, 1000]));

    private static readonly Gen<UInt256> Limbwise = Gen.Select(Limb, Limb, Limb, Limb, (a, b, c, d) => new UInt256(a, b, c, d));

    /// <summary>Only the low 1..4 limbs set.</summary>
    private static readonly Gen<UInt256> FewLimbs = Gen.Select(Limbwise, Gen.Int[1, 4], (v, limbs) => new UInt256(
        v.U0, limbs > 1 ? v.U1 : 0, limbs > 2 ? v.U2 : 0, limbs > 3 ? v.U3 : 0));

    /// <summary>Uniform random 256 bits shifted right by 0..255: every bit length equally likely.</summary>
    private static readonly Gen<UInt256> AnyBitLength = Gen.Select(Gen.ULong, Gen.ULong, Gen.ULong, Gen.ULong, Gen.Int[0, 255],
        (a, b, c, d, shift) => FromBig(new BigInteger(a) | (new BigInteger(b) << 64) | (new BigInteger(c) << 128) | (new BigInteger(d) << 192) >> shift));

    public static readonly Gen<UInt256> Value = Gen.Frequency(
        (3, FewLimbs),
        (2, Limbwise),
        (3, AnyBitLength),
        (2, Gen.OneOf(SpecialValues)),
        (1, Gen.ULong[0, 20].Select(v => new UInt256(v))));

    /// <summary>Pairs where the second is often derived from the first (equal, off by one, a shifted copy).</summary>
    public static readonly Gen<(UInt256, UInt256)> Pair = Gen.Frequency(
        (6, Gen.Select(Value, Value)),
        (1, Value.Select(a => (a, a))),
        (1, Gen.Select(Value, Gen.Int[-2, 2]).Select((a, delta) => (a, FromBig(Mod(Big(a) + delta))))),
        (2, Gen.Select(Value, Gen.Int[1, 200]).Select((a, shift) => (a, FromBig(Big(a) >> shift)))));

    public static readonly Gen<(UInt256, UInt256, UInt256)> Triple = Gen.Select(Pair, Value, (p, m) => (p.Item1, p.Item2, m));

    /// <summary>Independent reference conversion (does not use UInt256's own BigInteger conversions).</summary>
    public static BigInteger Big(UInt256 v) =>
        new BigInteger(v.U0) | (new BigInteger(v.U1) << 64) | (new BigInteger(v.U2) << 128) | (new BigInteger(v.U3) << 192);

    public static UInt256 FromBig(BigInteger b)
    {
        BigInteger mask = ulong.MaxValue;
        b = Mod(b);
        return new UInt256((ulong)(b & mask), (ulong)((b >> 64) & mask), (ulong)((b >> 128) & mask), (ulong)((b >> 192) & mask));
    }

    /// <summary>b mod 2^256 in [0, 2^256).</summary>
    public static BigInteger Mod(BigInteger b)
    {
        BigInteger r = b % Modulus;
        return r.Sign < 0 ? r + Modulus : r;
    }

    /// <summary>The two's complement reading.</summary>
    public static BigInteger Signed(UInt256 v)
    {
        BigInteger b = Big(v);
        return b >= HalfModulus ? b - Modulus : b;
    }
}
