using System.Numerics;
using Hyperion.Core;
using Hyperion.Evm.Precompiles.Bn254;

namespace Hyperion.Evm.Tests.Precompiles;

/// <summary>The bn254 moduli as BigInteger and the 32-byte hex word encoding the bn254 tests build inputs from.</summary>
internal static class Bn254TestValues
{
    public static readonly BigInteger FieldModulus = Fp.Modulus.ToBigInteger();

    public static readonly BigInteger GroupOrder = G2.Order.ToBigInteger();

    public static string Hex32(BigInteger value) => ((UInt256)value).ToHexString(withPrefix: false).PadLeft(64, '0');

    public static JacobianPoint<Fp2> G2Generator()
    {
        Assert.Equal(G2.DecodeResult.Point, G2.Decode(Convert.FromHexString(Bn254PairingVectors.G2Generator), out AffinePoint<Fp2> q));
        return JacobianPoint<Fp2>.FromAffine(q.X, q.Y);
    }

    /// <summary>A point on the twist found by trying x = k + u, k = firstK, firstK + 1, …, until x³ + b' is a square (p ≡ 3 mod 4 square roots).</summary>
    public static (Fp2 X, Fp2 Y) FindTwistPoint(ulong firstK = 1)
    {
        UInt256 quarter = (Fp.Modulus + 1) / 4;
        for (ulong k = firstK; ; k++)
        {
            Fp2 x = new(Fp.FromUInt64(k), Fp.One);
            Fp2 rhs = x.Squared() * x + G2.TwistB;
            Fp norm = rhs.A * rhs.A + rhs.B * rhs.B;
            Fp normRoot = Fp.Pow(norm, quarter);
            if (normRoot * normRoot != norm)
            {
                continue;
            }

            Fp half = Fp.Inverse(Fp.FromUInt64(2));
            foreach (Fp candidate in new[] { (rhs.A + normRoot) * half, (rhs.A - normRoot) * half })
            {
                Fp y0 = Fp.Pow(candidate, quarter);
                if (y0 * y0 != candidate || y0.IsZero)
                {
                    continue;
                }

                Fp2 y = new(y0, rhs.B * Fp.Inverse(y0 + y0));
                if (y.Squared() == rhs)
                {
                    return (x, y);
                }
            }
        }
    }
}
