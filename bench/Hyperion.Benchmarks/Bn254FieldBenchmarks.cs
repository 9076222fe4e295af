using BenchmarkDotNet.Attributes;
using Hyperion.Core;
using Hyperion.Evm.Precompiles.Bn254;

namespace Hyperion.Benchmarks;

/// <summary>
/// The bn254 field operations the precompiles are built from, per operation (a dependent chain of 256, so latency),
/// with UInt256.MulMod on the same modulus alongside: on the shared machine it shows how loaded the run was.
/// </summary>
public class Bn254FieldBenchmarks
{
    private const int Chain = 256;
    private Fp _a;
    private Fp _b;
    private Fp2 _a2;
    private Fp12 _f;
    private UInt256 _x;
    private UInt256 _y;

    [GlobalSetup]
    public void Setup()
    {
        _x = UInt256.Parse("0x1234567890abcdef1234567890abcdef1234567890abcdef1234567890abcdef");
        _y = UInt256.Parse("0x0fedcba9876543210fedcba9876543210fedcba9876543210fedcba987654321");
        Fp.TryFromUInt256(_x, out _a);
        Fp.TryFromUInt256(_y, out _b);
        _a2 = new Fp2(_a, _b);
        _f = new Fp12(new Fp6(_a2, _a2, _a2), new Fp6(_a2, _a2, _a2));
    }

    [Benchmark(OperationsPerInvoke = Chain)]
    public ulong FpMultiply()
    {
        Fp x = _a;
        for (int i = 0; i < Chain; i++)
        {
            x *= _b;
        }

        return x.L0;
    }

    [Benchmark(OperationsPerInvoke = Chain)]
    public UInt256 UInt256MulModSameModulus()
    {
        UInt256 x = _x;
        UInt256 modulus = Fp.Modulus;
        for (int i = 0; i < Chain; i++)
        {
            UInt256.MulMod(x, _y, modulus, out x);
        }

        return x;
    }

    [Benchmark]
    public ulong FpInverse() => Fp.Inverse(_a).L0;

    [Benchmark]
    public ulong Fp2Multiply() => (_a2 * _a2).A.L0;

    [Benchmark]
    public ulong Fp12Multiply() => (_f * _f).C0.C0.A.L0;

    [Benchmark]
    public ulong Fp12Square() => _f.Squared().C0.C0.A.L0;
}
