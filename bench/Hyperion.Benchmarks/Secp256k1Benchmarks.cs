using BenchmarkDotNet.Attributes;
using Hyperion.Core;
using Hyperion.Core.Crypto;

namespace Hyperion.Benchmarks;

/// <summary>secp256k1 through libsecp256k1: sender recovery (what every transaction and the 0x01 precompile pay for) and signing.</summary>
[MemoryDiagnoser]
public class Secp256k1Benchmarks
{
    private readonly byte[] _hash = new byte[32];
    private readonly byte[] _privateKey = Convert.FromHexString("ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80");
    private byte[] _r = [];
    private byte[] _s = [];
    private byte _recoveryId;
    private byte[] _precompileInput = [];

    [GlobalSetup]
    public void Setup()
    {
        new Random(3).NextBytes(_hash);
        EcdsaSignature signature = Secp256k1.Sign(_hash, _privateKey);
        _r = signature.R.ToBigEndian();
        _s = signature.S.ToBigEndian();
        _recoveryId = signature.RecoveryId;
        _precompileInput = [.. _hash, .. new UInt256((ulong)(27 + _recoveryId)).ToBigEndian(), .. _r, .. _s];
        if (!Secp256k1.TryRecoverAddress(_hash, _r, _s, _recoveryId, out Address signer) || signer != Secp256k1.AddressFromPrivateKey(_privateKey))
        {
            throw new InvalidOperationException("benchmark setup: recovery does not give the signer");
        }
    }

    [Benchmark]
    public Address RecoverAddress()
    {
        Secp256k1.TryRecoverAddress(_hash, _r, _s, _recoveryId, out Address address);
        return address;
    }

    [Benchmark]
    public byte[] EcRecoverPrecompile()
    {
        Hyperion.Evm.Precompiles.EcRecoverPrecompile.TryRun(_precompileInput, out byte[] output);
        return output;
    }

    [Benchmark]
    public EcdsaSignature Sign() => Secp256k1.Sign(_hash, _privateKey);
}
