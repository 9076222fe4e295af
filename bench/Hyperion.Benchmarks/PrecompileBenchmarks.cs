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
    private byte[] _bn254Add = [];
    private byte[] _bn254Mul = [];
    private byte[] _pointEvaluation = [];
    private byte[] _bn254Pairing2 = [];

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

        // Generator (1, 2) plus 2G, and the generator times a full-width scalar.
        const string generator = "0000000000000000000000000000000000000000000000000000000000000001" +
            "0000000000000000000000000000000000000000000000000000000000000002";
        _bn254Add = Convert.FromHexString(generator +
            "030644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd315ed738c0e0a7c92e7845f96b2ae9c0a68a6a449e3538fc7ff3ebf7a5a18a2c4");
        _bn254Mul = Convert.FromHexString(generator + "30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000000");

        // c-kzg-4844 verify_kzg_proof_case_correct_proof_392169c16a2e5ef6: a valid proof with full-width z and y.
        byte[] commitment = Convert.FromHexString("a421e229565952cfff4ef3517100a97da1d4fe57956fa50a442f92af03b1bf37adacc8ad4ed209b31287ea5bb94d9d06");
        byte[] versionedHash = System.Security.Cryptography.SHA256.HashData(commitment);
        versionedHash[0] = 0x01;
        _pointEvaluation = [.. versionedHash,
            .. Convert.FromHexString("73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000000"),
            .. Convert.FromHexString("304962b3598a0adf33189fdfd9789feab1096ff40006900400000003fffffffc"),
            .. commitment,
            .. Convert.FromHexString("aa86c458b3065e7ec244033a2ade91a7499561f482419a3a372c42a636dad98262a2ce926d142fd7cfe26ca148efe8b4")];
        if (!Hyperion.Evm.Precompiles.Kzg.PointEvaluationPrecompile.TryRun(_pointEvaluation, out _))
        {
            throw new InvalidOperationException("point evaluation benchmark input does not verify");
        }

        // Two pairs e(G1, G2)·e(G1, −G2) = 1 (go-ethereum's two_point_match_2): the shape of a Groth16-style check.
        const string g2 = "198e9393920d483a7260bfb731fb5d25f1aa493335a9e71297e485b7aef312c21800deef121f1e76426a00665e5c4479674322d4f75edadd46debd5cd992f6ed";
        _bn254Pairing2 = Convert.FromHexString(generator + g2 +
            "090689d0585ff075ec9e99ad690c3395bc4b313370b38ef355acdadcd122975b12c85ea5db8c6deb4aab71808dcb408fe3d1e7690c43d37b4ce6cc0166fa7daa" +
            generator + g2 +
            "275dc4a288d1afb3cbb1ac09187524c7db36395df7be3b99e673b13a075a65ec1d9befcd05a5323e6da4d435f3b617cdb3af83285c2df711ef39c01571827f9d");

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
    public byte[] Bn254Add()
    {
        Bn254AddPrecompile.TryRun(_bn254Add, out byte[] output);
        return output;
    }

    [Benchmark]
    public byte[] PointEvaluation()
    {
        Hyperion.Evm.Precompiles.Kzg.PointEvaluationPrecompile.TryRun(_pointEvaluation, out byte[] output);
        return output;
    }

    [Benchmark]
    public byte[] Bn254Mul()
    {
        Bn254MulPrecompile.TryRun(_bn254Mul, out byte[] output);
        return output;
    }

    [Benchmark]
    public byte[] Bn254PairingTwoPairs()
    {
        Bn254PairingPrecompile.TryRun(_bn254Pairing2, out byte[] output);
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
