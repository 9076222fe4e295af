using BenchmarkDotNet.Attributes;
using Hyperion.Evm.Precompiles.Bn254;

namespace Hyperion.Benchmarks;

/// <summary>
/// The stages of the 2-pair bn254 pairing precompile call separately: decoding one G2 point (curve and subgroup
/// check), the shared Miller loop over two pairs, and the final exponentiation.
/// </summary>
public class Bn254PairingStageBenchmarks
{
    private const string G2Generator = "198e9393920d483a7260bfb731fb5d25f1aa493335a9e71297e485b7aef312c21800deef121f1e76426a00665e5c4479674322d4f75edadd46debd5cd992f6ed" +
        "090689d0585ff075ec9e99ad690c3395bc4b313370b38ef355acdadcd122975b12c85ea5db8c6deb4aab71808dcb408fe3d1e7690c43d37b4ce6cc0166fa7daa";

    private byte[] _g2 = [];
    private AffinePoint<Fp>[] _g1Points = [];
    private AffinePoint<Fp2>[] _g2Points = [];
    private Fp12 _millerOutput;

    [GlobalSetup]
    public void Setup()
    {
        _g2 = Convert.FromHexString(G2Generator);
        if (G2.Decode(_g2, out AffinePoint<Fp2> q) != G2.DecodeResult.Point)
        {
            throw new InvalidOperationException("G2 generator does not decode");
        }

        var p = new AffinePoint<Fp>(Fp.One, Fp.FromUInt64(2));
        _g1Points = [p, new AffinePoint<Fp>(p.X, -p.Y)];
        _g2Points = [q, q];
        _millerOutput = Pairing.MillerLoop(_g1Points, _g2Points);
    }

    [Benchmark]
    public bool DecodeG2() => G2.Decode(_g2, out _) == G2.DecodeResult.Point;

    [Benchmark]
    public ulong MillerLoopTwoPairs() => Pairing.MillerLoop(_g1Points, _g2Points).C0.C0.A.L0;

    [Benchmark]
    public ulong FinalExponentiation() => Pairing.FinalExponentiation(_millerOutput).C0.C0.A.L0;
}
