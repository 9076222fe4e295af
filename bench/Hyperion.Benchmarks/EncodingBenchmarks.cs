using BenchmarkDotNet.Attributes;
using Hyperion.Core.Crypto;
using Hyperion.Core.Rlp;
using Hyperion.Trie;

namespace Hyperion.Benchmarks;

/// <summary>Keccak-256 throughput at typical Ethereum input sizes (a word, an address pair, a block of calldata).</summary>
[MemoryDiagnoser]
public class KeccakBenchmarks
{
    private byte[] _data = [];

    [Params(32, 64, 1024)]
    public int Length { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _data = new byte[Length];
        new Random(1).NextBytes(_data);
    }

    [Benchmark]
    public void Hash()
    {
        Span<byte> digest = stackalloc byte[32];
        Keccak256.Hash(_data, digest);
    }
}

/// <summary>One Keccak-f[1600] permutation on each path, forced.</summary>
public class KeccakPermutationBenchmarks
{
    private readonly ulong[] _state = new ulong[25];

    [Benchmark(Baseline = true)]
    public void Scalar() => KeccakPermutation.PermuteScalar(_state);
}

/// <summary>RLP decode of a 100-item list of 32-byte strings, and the trie root of 1,000 index-keyed items.</summary>
[MemoryDiagnoser]
public class RlpAndTrieBenchmarks
{
    private byte[] _encodedList = [];
    private byte[][] _items = [];

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(2);
        _items = Enumerable.Range(0, 1000).Select(_ => { var b = new byte[100]; random.NextBytes(b); return b; }).ToArray();
        _encodedList = Rlp.EncodeList(_items.Take(100).Select(i => Rlp.EncodeBytes(i.AsSpan(0, 32))).ToArray());
    }

    [Benchmark]
    public int DecodeList()
    {
        var reader = new RlpReader(_encodedList);
        RlpReader list = reader.EnterList();
        int total = 0;
        while (!list.IsEmpty)
        {
            total += list.ReadBytes().Length;
        }

        return total;
    }

    [Benchmark]
    public Hyperion.Core.Hash256 ListRoot1000() => TrieRoot.OfList(_items);
}
