using System.Numerics;

namespace Hyperion.Evm.Precompiles.Bls12381;

/// <summary>
/// The BLS12-381 groups: G1 ⊂ E(Fp): y² = x³ + 4 and G2 ⊂ E'(Fp2): y² = x³ + 4(1 + u), both of prime order r, with
/// the ZCash compressed encoding used by Ethereum (48 / 96 bytes; top three bits of the first byte are the
/// compression, infinity and sign flags).
/// </summary>
internal static class Bls12381Curves
{
    public const int G1CompressedLength = 48;
    public const int G2CompressedLength = 96;

    private const byte CompressionFlag = 0x80;
    private const byte InfinityFlag = 0x40;
    private const byte SignFlag = 0x20;
    private const byte FlagMask = 0xe0;

    /// <summary>The group order r, big-endian (also the scalar field modulus, EIP-4844's BLS_MODULUS).</summary>
    public static ReadOnlySpan<byte> Order =>
    [
        0x73, 0xed, 0xa7, 0x53, 0x29, 0x9d, 0x7d, 0x48, 0x33, 0x39, 0xd8, 0x08, 0x09, 0xa1, 0xd8, 0x05,
        0x53, 0xbd, 0xa4, 0x02, 0xff, 0xfe, 0x5b, 0xfe, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01,
    ];

    public static readonly BigInteger OrderValue = new(Order, isUnsigned: true, isBigEndian: true);

    /// <summary>|x| for the curve parameter x = −0xd201000000010000 (x is negative).</summary>
    public const ulong AbsoluteX = 0xd201000000010000;

    public static readonly Fp G1B = Fp.FromBigInteger(4);
    public static readonly Fp2 G2B = new(Fp.FromBigInteger(4), Fp.FromBigInteger(4));

    /// <summary>The standard G1 generator (g1_monomial[0] of the KZG setup equals it).</summary>
    public static readonly AffinePoint<Fp> G1Generator = DecodeConstantG1(
        "97f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb");

    /// <summary>The standard G2 generator (g2_monomial[0] of the KZG setup equals it).</summary>
    public static readonly AffinePoint<Fp2> G2Generator = DecodeConstantG2(
        "93e02b6052719f607dacd3a088274f65596bd0d09920b61ab5da61bbdc7f5049334cf11213945d57e5ac7d055d042b7e" +
        "024aa2b2f08f0a91260805272dc51051c6e47ad4fa403b02b4510b647ae3d1770bac0326a805bbefd48056c8c121bdb8");

    /// <summary>
    /// β, a primitive cube root of unity in Fp, chosen so that the endomorphism φ(x, y) = (βx, y) acts on G1 as
    /// multiplication by −x² (the other cube root gives the other eigenvalue, x² − 1). Found once at startup.
    /// </summary>
    internal static readonly Fp EndomorphismBeta = FindEndomorphismBeta();

    /// <summary>The compressed (ZCash) encoding of a G1 point, the inverse of <see cref="TryDecodeG1"/>.</summary>
    public static byte[] EncodeG1(in AffinePoint<Fp> point)
    {
        byte[] encoded = new byte[G1CompressedLength];
        if (point.IsInfinity)
        {
            encoded[0] = CompressionFlag | InfinityFlag;
            return encoded;
        }

        point.X.WriteBigEndian(encoded);
        encoded[0] |= CompressionFlag;
        if (point.Y.IsLexicographicallyLargest())
        {
            encoded[0] |= SignFlag;
        }

        return encoded;
    }

    /// <summary>Decodes a compressed G1 point with full validation: flags, canonical x, on curve, in G1.</summary>
    public static bool TryDecodeG1(ReadOnlySpan<byte> encoded, out AffinePoint<Fp> point) =>
        TryDecodeG1OnCurve(encoded, out point) && IsInG1(point);

    /// <summary>Decodes a compressed G1 point checking flags, canonical x and the curve equation, but not the subgroup.</summary>
    private static bool TryDecodeG1OnCurve(ReadOnlySpan<byte> encoded, out AffinePoint<Fp> point)
    {
        point = AffinePoint<Fp>.Infinity;
        if (encoded.Length != G1CompressedLength || !TryReadFlags(encoded, out bool infinity, out bool largest))
        {
            return false;
        }

        if (infinity)
        {
            return true;
        }

        Span<byte> xBytes = stackalloc byte[G1CompressedLength];
        encoded.CopyTo(xBytes);
        xBytes[0] &= unchecked((byte)~FlagMask);
        if (!Fp.TryFromBigEndian(xBytes, out Fp x) ||
            !Fp.TrySqrt(Fp.Add(Fp.Multiply(Fp.Square(x), x), G1B), out Fp y))
        {
            return false;
        }

        if (y.IsLexicographicallyLargest() != largest)
        {
            y = Fp.Negate(y);
        }

        point = new AffinePoint<Fp>(x, y);
        return true;
    }

    /// <summary>Decodes a compressed G2 point (x as C1 ‖ C0) with full validation, like <see cref="TryDecodeG1"/>.</summary>
    public static bool TryDecodeG2(ReadOnlySpan<byte> encoded, out AffinePoint<Fp2> point)
    {
        point = AffinePoint<Fp2>.Infinity;
        if (encoded.Length != G2CompressedLength || !TryReadFlags(encoded, out bool infinity, out bool largest))
        {
            return false;
        }

        if (infinity)
        {
            return true;
        }

        Span<byte> c1Bytes = stackalloc byte[Fp.ByteLength];
        encoded[..Fp.ByteLength].CopyTo(c1Bytes);
        c1Bytes[0] &= unchecked((byte)~FlagMask);
        if (!Fp.TryFromBigEndian(c1Bytes, out Fp c1) || !Fp.TryFromBigEndian(encoded[Fp.ByteLength..], out Fp c0))
        {
            return false;
        }

        var x = new Fp2(c0, c1);
        if (!Fp2.TrySqrt(Fp2.Add(Fp2.Multiply(Fp2.Square(x), x), G2B), out Fp2 y))
        {
            return false;
        }

        if (y.IsLexicographicallyLargest() != largest)
        {
            y = Fp2.Negate(y);
        }

        point = new AffinePoint<Fp2>(x, y);
        return IsInSubgroup(point);
    }

    /// <summary>
    /// Checks the flag bits: compression must be set; an infinity encoding must have no sign and all other bits
    /// zero.
    /// </summary>
    private static bool TryReadFlags(ReadOnlySpan<byte> encoded, out bool infinity, out bool largest)
    {
        byte first = encoded[0];
        infinity = (first & InfinityFlag) != 0;
        largest = (first & SignFlag) != 0;
        if ((first & CompressionFlag) == 0)
        {
            return false;
        }

        if (!infinity)
        {
            return true;
        }

        if (largest || (first & ~FlagMask) != 0)
        {
            return false;
        }

        return !encoded[1..].ContainsAnyExcept((byte)0);
    }

    /// <summary>
    /// G1 membership for a point on E(Fp) by the endomorphism test φ(P) = [−x²]P (Scott, "A note on group membership
    /// tests for G1, G2 and GT on BLS pairing-friendly curves", 2021): exact for BLS12-381 and about three times
    /// cheaper than [r]P = O, since x² is a 128-bit scalar of tiny Hamming weight.
    /// </summary>
    public static bool IsInG1(in AffinePoint<Fp> point)
    {
        if (point.IsInfinity)
        {
            return true;
        }

        JacobianPoint<Fp> xP = JacobianPoint<Fp>.Multiply(point.ToJacobian(), AbsoluteX);
        JacobianPoint<Fp> minusX2P = JacobianPoint<Fp>.Multiply(xP, AbsoluteX).Negate();
        var phiP = new AffinePoint<Fp>(Fp.Multiply(EndomorphismBeta, point.X), point.Y);
        return JacobianPoint<Fp>.AreEqual(minusX2P, phiP.ToJacobian());
    }

    /// <summary>Membership in the order-r subgroup: [r]P = O.</summary>
    public static bool IsInSubgroup<T>(in AffinePoint<T> point) where T : struct, IField<T> =>
        JacobianPoint<T>.Multiply(point, Order).IsInfinity;

    private static Fp FindEndomorphismBeta()
    {
        BigInteger third = (Fp.Modulus - 1) / 3;
        for (int g = 2; ; g++)
        {
            BigInteger root = BigInteger.ModPow(g, third, Fp.Modulus);
            if (root.IsOne)
            {
                continue;
            }

            // The generator is decoded with the slow [r]P check (IsInG1 is not usable before β exists).
            Fp beta = Fp.FromBigInteger(root);
            JacobianPoint<Fp> x2G = JacobianPoint<Fp>.Multiply(
                JacobianPoint<Fp>.Multiply(G1Generator.ToJacobian(), AbsoluteX), AbsoluteX);
            var phiG = new AffinePoint<Fp>(Fp.Multiply(beta, G1Generator.X), G1Generator.Y);
            return JacobianPoint<Fp>.AreEqual(x2G.Negate(), phiG.ToJacobian()) ? beta : Fp.Square(beta);
        }
    }

    private static AffinePoint<Fp> DecodeConstantG1(string hex) =>
        TryDecodeG1OnCurve(Convert.FromHexString(hex), out AffinePoint<Fp> point) && !point.IsInfinity &&
        IsInSubgroup(point)
            ? point
            : throw new InvalidOperationException("invalid built-in G1 constant");

    internal static AffinePoint<Fp2> DecodeConstantG2(string hex) =>
        TryDecodeG2(Convert.FromHexString(hex), out AffinePoint<Fp2> point) && !point.IsInfinity
            ? point
            : throw new InvalidOperationException("invalid built-in G2 constant");
}
