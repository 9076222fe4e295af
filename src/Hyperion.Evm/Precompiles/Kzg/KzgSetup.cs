using Hyperion.Evm.Precompiles.Bls12381;

namespace Hyperion.Evm.Precompiles.Kzg;

/// <summary>The part of Ethereum's KZG trusted setup that verifying a single-point opening needs: [τ]G2.</summary>
internal static class KzgSetup
{
    /// <summary>
    /// [τ]G2, compressed: <c>g2_monomial[1]</c> of the mainnet KZG ceremony output — the G2 line after the generator
    /// in ethereum/c-kzg-4844 <c>src/trusted_setup.txt</c> (line 4100), also <c>KZG_SETUP_G2_MONOMIAL_1</c> in
    /// ethereum/execution-specs <c>src/ethereum/crypto/kzg.py</c>. (Pre-ceremony copies of consensus-specs'
    /// <c>trusted_setup_4096.json</c> hold a different, test-only value.)
    /// </summary>
    public const string TauG2Hex =
        "b5bfd7dd8cdeb128843bc287230af38926187075cbfbefa81009a2ce615ac53d2914e5870cb452d2afaaab24f3499f72" +
        "185cbfee53492714734429b7b38608e23926c911cceceac9a36851477ba4c60b087041de621000edc98edada20c1def2";

    public static readonly AffinePoint<Fp2> TauG2 = Bls12381Curves.DecodeConstantG2(TauG2Hex);

    /// <summary>Miller-loop lines for [τ]G2 and −G2, the two fixed G2 arguments of the verification equation.</summary>
    public static readonly PreparedG2 PreparedTauG2 = new(TauG2);

    public static readonly PreparedG2 PreparedNegatedG2 = new(Bls12381Curves.G2Generator.Negate());
}
