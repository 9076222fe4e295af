using System.Numerics;

namespace Hyperion.Evm.Precompiles.Bls12381;

/// <summary>
/// The field operations the curve and exponentiation code is generic over (Fp for G1, Fp2 for G2, Fp12 for the
/// target group). Static abstract members, so each instantiation compiles to direct, inlinable calls.
/// </summary>
internal interface IField<T> where T : struct, IField<T>
{
    static abstract T Zero { get; }

    static abstract T One { get; }

    bool IsZero { get; }

    static abstract T Add(in T a, in T b);

    static abstract T Subtract(in T a, in T b);

    static abstract T Double(in T a);

    static abstract T Negate(in T a);

    static abstract T Multiply(in T a, in T b);

    static abstract T Square(in T a);

    /// <summary>The multiplicative inverse; zero maps to zero.</summary>
    static abstract T Invert(in T a);

    static abstract bool AreEqual(in T a, in T b);
}

/// <summary>Helpers shared by the fields: exponentiation and big-integer limb conversion (setup only).</summary>
internal static class FieldMath
{
    /// <summary>a^e by left-to-right square-and-multiply; <paramref name="exponent"/> is little-endian 64-bit limbs.</summary>
    public static T Pow<T>(in T a, ReadOnlySpan<ulong> exponent) where T : struct, IField<T>
    {
        T result = T.One;
        bool started = false;
        for (int limb = exponent.Length - 1; limb >= 0; limb--)
        {
            for (int bit = 63; bit >= 0; bit--)
            {
                if (started)
                {
                    result = T.Square(result);
                }

                if (((exponent[limb] >> bit) & 1) != 0)
                {
                    result = started ? T.Multiply(result, a) : a;
                    started = true;
                }
            }
        }

        return result;
    }

    /// <summary>A non-negative integer as little-endian 64-bit limbs (at least one).</summary>
    public static ulong[] Limbs(BigInteger value)
    {
        if (value.Sign < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(value), "negative");
        }

        byte[] bytes = value.ToByteArray(isUnsigned: true, isBigEndian: false);
        var limbs = new ulong[Math.Max(1, (bytes.Length + 7) / 8)];
        for (int i = 0; i < bytes.Length; i++)
        {
            limbs[i / 8] |= (ulong)bytes[i] << (8 * (i % 8));
        }

        return limbs;
    }
}
