using System.Numerics;
using BenchmarkDotNet.Attributes;
using Hyperion.Core;

namespace Hyperion.Benchmarks;

/// <summary>
/// UInt256 arithmetic on full-width operands (all four limbs random), each benchmark cycling through
/// <see cref="Count"/> different operand sets so branch prediction cannot learn one input. Reported per operation.
/// The BigInteger rows are the same operations through System.Numerics.BigInteger, for scale.
/// </summary>
[MemoryDiagnoser]
public class UInt256Benchmarks
{
    private const int Count = 256;

    private readonly UInt256[] _a = new UInt256[Count];
    private readonly UInt256[] _b = new UInt256[Count];
    private readonly UInt256[] _divisor128 = new UInt256[Count];
    private readonly UInt256[] _modulus = new UInt256[Count];
    private readonly UInt256[] _reducedA = new UInt256[Count];
    private readonly UInt256[] _reducedB = new UInt256[Count];
    private readonly UInt256[] _bn254A = new UInt256[Count];
    private readonly UInt256[] _bn254B = new UInt256[Count];
    private static readonly UInt256 Bn254Prime = UInt256.Parse("0x30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd47");
    private readonly BigInteger[] _bigA = new BigInteger[Count];
    private readonly BigInteger[] _bigB = new BigInteger[Count];
    private readonly BigInteger[] _bigModulus = new BigInteger[Count];
    private static readonly BigInteger TwoPow256 = BigInteger.One << 256;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(256);
        ulong Limb() => (ulong)random.NextInt64() ^ ((ulong)random.Next() << 63);
        for (int i = 0; i < Count; i++)
        {
            _a[i] = new UInt256(Limb(), Limb(), Limb(), Limb() | (1UL << 63));
            _b[i] = new UInt256(Limb(), Limb(), Limb(), Limb() | (1UL << 62));
            _divisor128[i] = new UInt256(Limb(), Limb() | (1UL << 63));
            _modulus[i] = new UInt256(Limb(), Limb(), Limb(), Limb() | (1UL << 60));
            _reducedA[i] = _a[i] % _modulus[i];
            _reducedB[i] = _b[i] % _modulus[i];
            _bn254A[i] = _a[i] % Bn254Prime;
            _bn254B[i] = _b[i] % Bn254Prime;
            _bigA[i] = _a[i].ToBigInteger();
            _bigB[i] = _b[i].ToBigInteger();
            _bigModulus[i] = _modulus[i].ToBigInteger();
        }
    }

    [Benchmark(OperationsPerInvoke = Count)]
    public UInt256 Multiply()
    {
        UInt256 acc = default;
        for (int i = 0; i < Count; i++)
        {
            UInt256.Multiply(_a[i], _b[i], out UInt256 r);
            UInt256.Xor(acc, r, out acc);
        }
        return acc;
    }

    /// <summary>256-bit dividend by a 128-bit divisor (a 2-limb Knuth division with a 3-limb quotient).</summary>
    [Benchmark(OperationsPerInvoke = Count)]
    public UInt256 Divide256By128()
    {
        UInt256 acc = default;
        for (int i = 0; i < Count; i++)
        {
            UInt256.Divide(_a[i], _divisor128[i], out UInt256 r);
            UInt256.Xor(acc, r, out acc);
        }
        return acc;
    }

    /// <summary>Operands already reduced below the modulus (the usual case in field arithmetic).</summary>
    [Benchmark(OperationsPerInvoke = Count)]
    public UInt256 AddModReduced()
    {
        UInt256 acc = default;
        for (int i = 0; i < Count; i++)
        {
            UInt256.AddMod(_reducedA[i], _reducedB[i], _modulus[i], out UInt256 r);
            UInt256.Xor(acc, r, out acc);
        }
        return acc;
    }

    /// <summary>Operands above the modulus: the 257-bit sum goes through the general division.</summary>
    [Benchmark(OperationsPerInvoke = Count)]
    public UInt256 AddModUnreduced()
    {
        UInt256 acc = default;
        for (int i = 0; i < Count; i++)
        {
            UInt256.AddMod(_a[i], _b[i], _modulus[i], out UInt256 r);
            UInt256.Xor(acc, r, out acc);
        }
        return acc;
    }

    [Benchmark(OperationsPerInvoke = Count)]
    public UInt256 MulMod()
    {
        UInt256 acc = default;
        for (int i = 0; i < Count; i++)
        {
            UInt256.MulMod(_a[i], _b[i], _modulus[i], out UInt256 r);
            UInt256.Xor(acc, r, out acc);
        }
        return acc;
    }

    /// <summary>Field multiplication modulo the bn254 prime with reduced operands (weierstrudel's MULMODs).</summary>
    [Benchmark(OperationsPerInvoke = Count)]
    public UInt256 MulModBn254()
    {
        UInt256 acc = default;
        for (int i = 0; i < Count; i++)
        {
            UInt256.MulMod(_bn254A[i], _bn254B[i], Bn254Prime, out UInt256 r);
            UInt256.Xor(acc, r, out acc);
        }
        return acc;
    }

    /// <summary>Full-width base and exponent: 256 squarings plus ~128 multiplications.</summary>
    [Benchmark(OperationsPerInvoke = Count)]
    public UInt256 Exp()
    {
        UInt256 acc = default;
        for (int i = 0; i < Count; i++)
        {
            UInt256.Exp(_a[i], _b[i], out UInt256 r);
            UInt256.Xor(acc, r, out acc);
        }
        return acc;
    }

    [Benchmark(OperationsPerInvoke = Count)]
    public BigInteger BigIntegerMultiply()
    {
        BigInteger acc = default;
        for (int i = 0; i < Count; i++)
        {
            acc ^= _bigA[i] * _bigB[i] % TwoPow256;
        }
        return acc;
    }

    [Benchmark(OperationsPerInvoke = Count)]
    public BigInteger BigIntegerMulMod()
    {
        BigInteger acc = default;
        for (int i = 0; i < Count; i++)
        {
            acc ^= _bigA[i] * _bigB[i] % _bigModulus[i];
        }
        return acc;
    }

    [Benchmark(OperationsPerInvoke = Count)]
    public BigInteger BigIntegerExp()
    {
        BigInteger acc = default;
        for (int i = 0; i < Count; i++)
        {
            acc ^= BigInteger.ModPow(_bigA[i], _bigB[i], TwoPow256);
        }
        return acc;
    }
}
