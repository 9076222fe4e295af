using BenchmarkDotNet.Attributes;
using Hyperion.Evm.Precompiles;

namespace Hyperion.Benchmarks;

/// <summary>Precompiles at their typical inputs: blake2f at 12 rounds (one BLAKE2b block), modexp on a 256-bit Fermat check, ripemd160/sha256 on 1 KiB.</summary>
[MemoryDiagnoser]
public class PrecompileBenchmarks
{
    private byte[] _blake2f = [];
    private byte[] _modexp = [];
    private byte[] _kilobyte = [];

    [GlobalSetup]
    public void Setup()
    {
        _blake2f = new byte[Blake2fPrecompile.InputLength];
        new Random(1).NextBytes(_blake2f);
        _blake2f[0] = 0; _blake2f[1] = 0; _blake2f[2] = 0; _blake2f[3] = 12; _blake2f[212] = 1;

        const string prime = "fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2f";
        const string primeMinusOne = "fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2e";
        _modexp = Convert.FromHexString(new string('0', 62) + "20" + new string('0', 62) + "20" + new string('0', 62) + "20" +
            new string('0', 62) + "03" + primeMinusOne + prime);

        _kilobyte = new byte[1024];
        new Random(2).NextBytes(_kilobyte);
    }

    [Benchmark]
    public byte[] Blake2f12Rounds()
    {
        Blake2fPrecompile.TryRun(_blake2f, out byte[] output);
        return output;
    }

    [Benchmark]
    public byte[] ModExp256BitFermat()
    {
        ModExpPrecompile.TryRun(_modexp, out byte[] output);
        return output;
    }

    [Benchmark]
    public byte[] Ripemd160OneKiB()
    {
        Ripemd160Precompile.TryRun(_kilobyte, out byte[] output);
        return output;
    }

    [Benchmark]
    public byte[] Sha256OneKiB()
    {
        Sha256Precompile.TryRun(_kilobyte, out byte[] output);
        return output;
    }
}
