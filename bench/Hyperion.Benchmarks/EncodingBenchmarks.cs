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

/// <summary>One Keccak-f[1600] permutation, the scalar path forced.</summary>
public class KeccakPermutationBenchmarks
{
    private readonly ulong[] _state = new ulong[25];

    [Benchmark(Baseline = true)]
    public void Scalar() => KeccakPermutation.PermuteScalar(_state);
}

/// <summary>
/// Keccak-256 of 64 independent messages (a leaf chunk of a block's end), ns per message: one at a time (Scalar) or in
/// vector lanes (<see cref="Keccak256Batch"/>), messages of ~110 bytes (a receipt without logs, one permutation each)
/// or ~300 (an ERC20 transfer's receipt, three).
/// </summary>
[MemoryDiagnoser]
public class Keccak256BatchBenchmarks
{
    private const int Messages = 64;

    private byte[] _messages = [];
    private int[] _lengths = [];
    private readonly Hyperion.Core.Hash256[] _hashes = new Hyperion.Core.Hash256[Messages];
    private Keccak256Batch.Path _path;

    [Params(110, 300)]
    public int Length { get; set; }

    [Params(nameof(Keccak256Batch.Path.Scalar), nameof(Keccak256Batch.Path.Lanes256), nameof(Keccak256Batch.Path.Lanes256Avx512), nameof(Keccak256Batch.Path.Lanes512))]
    public string Path { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(3);
        _path = Enum.Parse<Keccak256Batch.Path>(Path);

        // Lengths ±8 % around the nominal one (the same number of permutations for each), as a block's leaves vary.
        _lengths = [.. Enumerable.Range(0, Messages).Select(_ => Length + random.Next(-Length / 12, Length / 12 + 1))];
        _messages = new byte[_lengths.Sum()];
        random.NextBytes(_messages);
    }

    [Benchmark(OperationsPerInvoke = Messages)]
    public void Hash() => Keccak256Batch.Hash(_messages, _lengths, _hashes, Keccak256.KeccakDomain, _path);
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

/// <summary>
/// A block's list roots (<see cref="ListTrie"/>, its leaves writing their items): a transactions' root (items of ~110
/// bytes, a raw transfer's envelope) and a receipts' root (~280 bytes, a receipt without logs and its bloom), for
/// blocks of 1, 10, 200 and 1,000 transactions: the trie made and hashed on one thread, as the sequential executor
/// and a dev chain's block close do.
/// </summary>
[MemoryDiagnoser]
public class ListTrieRootBenchmarks
{
    private ByteArrayItems _items = new([]);

    [Params(1, 10, 200, 1000)]
    public int Count { get; set; }

    [Params(110, 280)]
    public int ItemLength { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(5);
        _items = new ByteArrayItems([.. Enumerable.Range(0, Count).Select(_ =>
        {
            var item = new byte[ItemLength + random.Next(-4, 5)];
            random.NextBytes(item);
            return item;
        })]);
    }

    [Benchmark]
    public Hyperion.Core.Hash256 Root() => new ListTrie(_items).Root;

    private sealed class ByteArrayItems(byte[][] items) : IListItems
    {
        public int Count => items.Length;

        public int LengthOf(int index) => items[index].Length;

        public void Write(int index, Span<byte> destination) => items[index].CopyTo(destination);
    }
}
