using BenchmarkDotNet.Attributes;
using Hyperion.Core;
using Hyperion.Core.Crypto;
using Hyperion.MetisDb;

namespace Hyperion.Benchmarks;

/// <summary>
/// MetisDB beside a plain LMDB table holding the same accounts (<see cref="PlainLmdbTable"/>), loaded once per run:
/// account reads from a 1,000-account working set and from the whole set, and durable commits of 10,000-account
/// blocks (MetisDB's including the state root). <c>hyperion bench state</c> covers the cold-read, 100,000-account
/// and 10M-account measurements this harness is too slow to set up.
/// </summary>
[MemoryDiagnoser]
public class MetisDbBenchmarks : IDisposable
{
    private const int Reads = 1000;
    private const int BlockSize = 10_000;

    private DirectoryInfo _root = null!;
    private MetisStore _metis = null!;
    private PlainLmdbTable _plain = null!;
    private MetisSnapshot _snapshot = null!;
    private PlainLmdbTable.Reader _plainReader = null!;
    private Address[] _addresses = [];
    private Hash256[] _keys = [];
    private int[] _hotSet = [];
    private readonly Random _random = new(7);
    private ulong _block;

    [Params(1_000_000)]
    public int Accounts { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _root = Directory.CreateTempSubdirectory("metisdb-bdn-");
        _metis = MetisStore.Open(Path.Combine(_root.FullName, "metis"));
        _plain = new PlainLmdbTable(Path.Combine(_root.FullName, "plain"), durable: true);
        var random = new Random(42);
        _addresses = new Address[Accounts];
        _keys = new Hash256[Accounts];
        Span<byte> bytes = stackalloc byte[Address.Size];
        for (int i = 0; i < Accounts; i++)
        {
            random.NextBytes(bytes);
            _addresses[i] = new Address(bytes);
            _keys[i] = Keccak256.Hash(bytes);
        }

        for (int start = 0; start < Accounts; start += 100_000, _block++)
        {
            int end = Math.Min(Accounts, start + 100_000);
            var changes = new MetisBlockChanges();
            for (int i = start; i < end; i++)
            {
                changes.SetAccountByHash(_keys[i], 1, Balance(i), Keccak256.OfEmpty);
            }

            _metis.Commit(_block, changes);
            _plain.Write(_keys, Enumerable.Range(start, end - start), 1, Balance);
        }

        _hotSet = [.. Enumerable.Range(0, Reads).Select(_ => random.Next(Accounts))];
        _snapshot = _metis.OpenSnapshot();
        _plainReader = _plain.OpenReader();
    }

    [GlobalCleanup]
    public void Dispose()
    {
        if (_metis is null)
        {
            return;
        }

        _snapshot.Dispose();
        _plainReader.Dispose();
        _metis.Dispose();
        _plain.Dispose();
        _root.Delete(recursive: true);
        _metis = null!;
        GC.SuppressFinalize(this);
    }

    [Benchmark(OperationsPerInvoke = Reads, Description = "MetisDB read, 1,000-account working set (by address)")]
    public int MetisReadHot()
    {
        int found = 0;
        foreach (int i in _hotSet)
        {
            found += _snapshot.TryGetAccount(_addresses[i], out _) ? 1 : 0;
        }

        return found;
    }

    [Benchmark(OperationsPerInvoke = Reads, Description = "plain LMDB read, 1,000-account working set (by hashed key)")]
    public int PlainReadHot()
    {
        int found = 0;
        foreach (int i in _hotSet)
        {
            found += _plainReader.Contains(_keys[i]) ? 1 : 0;
        }

        return found;
    }

    [Benchmark(OperationsPerInvoke = Reads, Description = "MetisDB read, random accounts of the whole set (by address)")]
    public int MetisReadRandom()
    {
        int found = 0;
        for (int n = 0; n < Reads; n++)
        {
            found += _snapshot.TryGetAccount(_addresses[_random.Next(Accounts)], out _) ? 1 : 0;
        }

        return found;
    }

    [Benchmark(OperationsPerInvoke = Reads, Description = "plain LMDB read, random accounts of the whole set")]
    public int PlainReadRandom()
    {
        int found = 0;
        for (int n = 0; n < Reads; n++)
        {
            found += _plainReader.Contains(_keys[_random.Next(Accounts)]) ? 1 : 0;
        }

        return found;
    }

    [Benchmark(Description = "MetisDB commit of a 10,000-account block incl. state root (durable)")]
    public Hash256 MetisCommitBlock()
    {
        ulong block = _block++;
        var changes = new MetisBlockChanges();
        for (int n = 0; n < BlockSize; n++)
        {
            int i = _random.Next(Accounts);
            changes.SetAccountByHash(_keys[i], block, Balance(i + (int)block), Keccak256.OfEmpty);
        }

        return _metis.Commit(block, changes);
    }

    [Benchmark(Description = "plain LMDB commit of 10,000 accounts (durable)")]
    public void PlainCommitBlock()
    {
        ulong block = _block++;
        _plain.Write(_keys, Enumerable.Range(0, BlockSize).Select(_ => _random.Next(Accounts)), block, i => Balance(i + (int)block));
    }

    private static UInt256 Balance(int seed) => (ulong)(seed * 1_000_000_007L);
}
