using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using Hyperion.Core;
using Hyperion.Core.Crypto;
using Hyperion.State;
using Hyperion.State.MetisDb;
using LightningDB;

namespace Hyperion.Cli.Commands;

/// <summary>
/// <c>hyperion db bench</c>: MetisDB against a plain LMDB key-value table holding the same accounts, in the same run.
/// Reads, updates and commits are timed with a stopwatch over many operations (setup is far too big for
/// per-invocation harnesses).
/// </summary>
internal static class DbBenchmark
{
    private const int RecordLength = 8 + 32 + 32 + 32;

    public static int Run(int accountCount, bool durable, int trieCacheDepth, TextWriter output)
    {
        MetisStore.EnsureNativeLibrary();
        DirectoryInfo root = Directory.CreateTempSubdirectory("metisdb-bench-");
        try
        {
            return RunIn(root.FullName, accountCount, durable, trieCacheDepth, output);
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    private static int RunIn(string root, int accountCount, bool durable, int trieCacheDepth, TextWriter output)
    {
        var random = new Random(42);
        var keys = new Hash256[accountCount];
        Span<byte> bytes = stackalloc byte[32];
        for (int i = 0; i < accountCount; i++)
        {
            random.NextBytes(bytes);
            keys[i] = new Hash256(bytes);
        }

        output.WriteLine($"# MetisDB vs plain LMDB, {accountCount:N0} accounts, durable commits: {durable}, trie cache depth: {trieCacheDepth}");
        output.WriteLine($"machine: {Machine()}");
        using MetisStore metis = MetisStore.Open(Path.Combine(root, "metis"), new MetisStoreOptions { Durable = durable, TrieCacheDepth = trieCacheDepth });
        using var plain = new PlainLmdb(Path.Combine(root, "plain"), durable);

        // Load in blocks of 100,000 accounts.
        const int loadBlock = 100_000;
        ulong block = 0;
        var metisLoad = Stopwatch.StartNew();
        for (int start = 0; start < accountCount; start += loadBlock, block++)
        {
            var changes = new MetisBlockChanges();
            for (int i = start; i < Math.Min(accountCount, start + loadBlock); i++)
            {
                changes.SetAccountByHash(keys[i], 1, Balance(i), Keccak256.OfEmpty);
            }

            metis.Commit(block, changes);
        }

        metisLoad.Stop();
        var plainLoad = Stopwatch.StartNew();
        for (int start = 0; start < accountCount; start += loadBlock)
        {
            plain.Write(keys, Enumerable.Range(start, Math.Min(loadBlock, accountCount - start)), 1);
        }

        plainLoad.Stop();
        output.WriteLine();
        output.WriteLine("| measurement | MetisDB | plain LMDB | ratio (MetisDB / plain) |");
        output.WriteLine("|---|---|---|---|");
        Row(output, $"initial load of {accountCount:N0} accounts (s)", metisLoad.Elapsed.TotalSeconds, plainLoad.Elapsed.TotalSeconds, "F2");

        // Random reads: the first pass misses the hot cache (LMDB seek on OS-cached pages), later passes hit it.
        int[] readOrder = Enumerable.Range(0, Math.Min(100_000, accountCount)).Select(_ => random.Next(accountCount)).ToArray();
        int[] smallSet = readOrder[..Math.Min(1000, readOrder.Length)];
        double metisCold, metisHot, metisSmall, plainFirst, plainRepeat, plainSmall;
        using (MetisSnapshot snapshot = metis.OpenSnapshot())
        {
            metisCold = TimeReads(readOrder, 1, i => snapshot.TryGetAccountByHash(keys[i], out _));
            metisHot = TimeReads(readOrder, 5, i => snapshot.TryGetAccountByHash(keys[i], out _));
            TimeReads(smallSet, 20, i => snapshot.TryGetAccountByHash(keys[i], out _)); // warm-up: tiered JIT, CPU caches
            metisSmall = TimeReads(smallSet, 200, i => snapshot.TryGetAccountByHash(keys[i], out _));
        }

        plainFirst = plain.TimeReads(keys, readOrder, 1);
        plainRepeat = plain.TimeReads(keys, readOrder, 5);
        plain.TimeReads(keys, smallSet, 20);
        plainSmall = plain.TimeReads(keys, smallSet, 200);
        Row(output, $"random account read, cold: not in hot cache, {readOrder.Length:N0} keys (ns)", metisCold, plainFirst, "F0");
        Row(output, $"random account read, hot: same {readOrder.Length:N0} keys again (ns)", metisHot, plainRepeat, "F0");
        Row(output, $"random account read, hot: 1,000-key working set (ns)", metisSmall, plainSmall, "F0");

        // Blocks of 10,000 touched accounts, root included.
        const int blocks = 10;
        const int perBlock = 10_000;
        var commitTimes = new List<double>();
        var rootTimes = new List<double>();
        double plainBlockSeconds = 0;
        for (int b = 0; b < blocks; b++, block++)
        {
            int[] touched = Enumerable.Range(0, perBlock).Select(_ => random.Next(accountCount)).Distinct().ToArray();
            var changes = new MetisBlockChanges();
            foreach (int i in touched)
            {
                changes.SetAccountByHash(keys[i], block, Balance(i + (int)block), Keccak256.OfEmpty);
            }

            metis.Commit(block, changes);
            commitTimes.Add(metis.LastCommit.Total.TotalSeconds);
            rootTimes.Add(metis.LastCommit.StateRoot.TotalSeconds);
            var plainWatch = Stopwatch.StartNew();
            plain.Write(keys, touched, block);
            plainBlockSeconds += plainWatch.Elapsed.TotalSeconds;
        }

        double metisUpdates = blocks * perBlock / commitTimes.Sum();
        double plainUpdates = blocks * perBlock / plainBlockSeconds;
        Row(output, "updates/s, blocks of 10,000 accounts (MetisDB: incl. state root)", metisUpdates, plainUpdates, "N0");
        Row(output, "commit latency per 10,000-account block, mean (ms)", commitTimes.Average() * 1000, plainBlockSeconds / blocks * 1000, "F1");
        output.WriteLine($"| commit latency per 10,000-account block, max (ms) | {commitTimes.Max() * 1000:F1} | | |");
        output.WriteLine($"| of which state root, mean (ms) | {rootTimes.Average() * 1000:F1} | | |");

        {
            int[] touched = Enumerable.Range(0, 100_000).Select(_ => random.Next(accountCount)).Distinct().ToArray();
            var changes = new MetisBlockChanges();
            foreach (int i in touched)
            {
                changes.SetAccountByHash(keys[i], block, Balance(i + 7), Keccak256.OfEmpty);
            }

            metis.Commit(block, changes);
            var plainWatch = Stopwatch.StartNew();
            plain.Write(keys, touched, block);
            double plainSeconds = plainWatch.Elapsed.TotalSeconds;
            output.WriteLine($"| state root time, {touched.Length:N0} touched accounts (ms) | {metis.LastCommit.StateRoot.TotalMilliseconds:F0} | | |");
            Row(output, $"commit of {touched.Length:N0} touched accounts (ms)", metis.LastCommit.Total.TotalMilliseconds, plainSeconds * 1000, "F0");
        }

        MetisStats stats = metis.GetStats();
        Row(output, $"bytes in use per account ({block + 1} blocks of versions kept)", (double)stats.BytesUsed / accountCount,
            (double)plain.BytesUsed / accountCount, "F0");
        output.WriteLine();
        output.WriteLine($"MetisDB verify at head {stats.Head}: {(metis.Verify().Ok ? "OK" : "MISMATCH")}");
        return 0;
    }

    private static UInt256 Balance(int seed) => (ulong)(seed * 1_000_000_007L);

    private static double TimeReads(int[] order, int passes, Func<int, bool> read)
    {
        int found = 0;
        long start = Stopwatch.GetTimestamp();
        for (int pass = 0; pass < passes; pass++)
        {
            foreach (int i in order)
            {
                found += read(i) ? 1 : 0;
            }
        }

        double nanoseconds = Stopwatch.GetElapsedTime(start).TotalNanoseconds / ((double)order.Length * passes);
        if (found != order.Length * passes)
        {
            throw new InvalidOperationException($"benchmark read found {found} of {order.Length * passes} accounts");
        }

        return nanoseconds;
    }

    private static void Row(TextWriter output, string name, double metis, double plain, string format) =>
        output.WriteLine($"| {name} | {metis.ToString(format, CultureInfo.InvariantCulture)} | {plain.ToString(format, CultureInfo.InvariantCulture)} | {(metis / plain).ToString("F2", CultureInfo.InvariantCulture)} |");

    private static string Machine()
    {
        string model = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(line => line.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU"
            : "unknown CPU";
        string memory = File.Exists("/proc/meminfo")
            ? File.ReadLines("/proc/meminfo").First().Split(':', 2)[1].Trim()
            : "unknown";
        return $"{model}, {Environment.ProcessorCount} cores, {memory} RAM, .NET {Environment.Version}";
    }

    /// <summary>The baseline: one LMDB table, hashed address → the same account fields, no versions, no root.</summary>
    private sealed class PlainLmdb : IDisposable
    {
        private readonly LightningEnvironment _environment;
        private readonly LightningDatabase _table;

        public PlainLmdb(string directory, bool durable)
        {
            Directory.CreateDirectory(directory);
            _environment = new LightningEnvironment(directory, new EnvironmentConfiguration { MapSize = 1L << 40, MaxDatabases = 1 });
            _environment.Open(EnvironmentOpenFlags.NoThreadLocalStorage | EnvironmentOpenFlags.NoReadAhead
                | (durable ? EnvironmentOpenFlags.None : EnvironmentOpenFlags.NoSync));
            using LightningTransaction transaction = _environment.BeginTransaction();
            _table = transaction.OpenDatabase("accounts", new DatabaseConfiguration { Flags = DatabaseOpenFlags.Create });
            transaction.Commit().ThrowOnError();
        }

        public long BytesUsed => (_environment.Info.LastPageNumber + 1) * (long)_environment.EnvironmentStats.PageSize;

        public void Write(Hash256[] keys, IEnumerable<int> indices, ulong nonce)
        {
            using LightningTransaction transaction = _environment.BeginTransaction();
            Span<byte> key = stackalloc byte[32];
            Span<byte> record = stackalloc byte[RecordLength];
            foreach (int i in indices)
            {
                keys[i].CopyTo(key);
                BinaryPrimitives.WriteUInt64BigEndian(record, nonce);
                Balance(i).WriteBigEndian(record.Slice(8, 32));
                Keccak256.OfEmpty.CopyTo(record[40..]);
                Keccak256.EmptyTrieRoot.CopyTo(record[72..]);
                transaction.Put(_table, key, record).ThrowOnError();
            }

            transaction.Commit().ThrowOnError();
        }

        public double TimeReads(Hash256[] keys, int[] order, int passes)
        {
            using LightningTransaction transaction = _environment.BeginTransaction(TransactionBeginFlags.ReadOnly);
            var key = new byte[32];
            return DbBenchmark.TimeReads(order, passes, i =>
            {
                keys[i].CopyTo(key);
                return transaction.Get(_table, key).resultCode == MDBResultCode.Success;
            });
        }

        public void Dispose()
        {
            _table.Dispose();
            _environment.Dispose();
        }
    }
}
