using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Hyperion.Core;
using Hyperion.Core.Crypto;
using Hyperion.State;
using Hyperion.MetisDb;

namespace Hyperion.Cli.Commands;

/// <summary>
/// <c>hyperion db bench</c>: MetisDB against a plain LMDB key-value table holding the same accounts, in the same run.
/// Reads, updates and commits are timed with a stopwatch over many operations (setup is far too big for
/// per-invocation harnesses).
/// </summary>
internal static class DbBenchmark
{
    /// <summary>The command (<c>hyperion bench state</c>, also <c>hyperion db bench</c>).</summary>
    public static Command CreateCommand(string name)
    {
        var accounts = new Option<int>("--accounts") { Description = "Accounts to load.", DefaultValueFactory = _ => 1_000_000 };
        var durable = new Option<bool>("--durable") { Description = "Durable commits: plain LMDB fsyncs each commit, MetisDB its write-ahead log (LMDB at checkpoints).", DefaultValueFactory = _ => true };
        var depth = new Option<int>("--trie-cache-depth") { Description = "Trie levels kept in memory (4, or 5 from a few million accounts).", DefaultValueFactory = _ => 4 };
        var command = new Command(name, "Benchmark MetisDB against plain LMDB on the same accounts, in a temporary directory.") { accounts, durable, depth };
        command.SetAction(parse =>
        {
            int count = parse.GetValue(accounts);
            int cacheDepth = parse.GetValue(depth);
            if (count < 10_000 || cacheDepth is < 1 or > 6)
            {
                Console.Error.WriteLine("hyperion bench state: --accounts must be at least 10000 and --trie-cache-depth between 1 and 6");
                return 1;
            }

            return Run(count, parse.GetValue(durable), cacheDepth, Console.Out);
        });
        return command;
    }

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
        var addresses = new Address[accountCount];
        var keys = new Hash256[accountCount];
        Span<byte> bytes = stackalloc byte[Address.Size];
        for (int i = 0; i < accountCount; i++)
        {
            random.NextBytes(bytes);
            addresses[i] = new Address(bytes);
            keys[i] = Keccak256.Hash(bytes);
        }

        output.WriteLine($"# MetisDB vs plain LMDB, {accountCount:N0} accounts, durable commits: {durable}, trie cache depth: {trieCacheDepth}");
        output.WriteLine($"machine: {Machine()}");
        using MetisStore metis = MetisStore.Open(Path.Combine(root, "metis"), new MetisStoreOptions { Durable = durable, TrieCacheDepth = trieCacheDepth });
        using var plain = new PlainLmdbTable(Path.Combine(root, "plain"), durable);

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

        // The load's checkpoint (the trie nodes of every account, a sync of the whole file) belongs to the load: left to
        // the background syncer, it would run into the timed blocks below.
        metis.Checkpoint();
        metisLoad.Stop();
        var plainLoad = Stopwatch.StartNew();
        for (int start = 0; start < accountCount; start += loadBlock)
        {
            plain.Write(keys, Enumerable.Range(start, Math.Min(loadBlock, accountCount - start)), 1, Balance);
        }

        plainLoad.Stop();
        output.WriteLine();
        output.WriteLine("Medians: reads over batches of 1,000; blocks over the runs listed. Cold = not in MetisDB's hot cache (LMDB pages in the OS cache).");
        output.WriteLine();
        output.WriteLine("| measurement | MetisDB | plain LMDB | ratio (MetisDB / plain) |");
        output.WriteLine("|---|---|---|---|");
        Row(output, $"initial load of {accountCount:N0} accounts, blocks of 100,000 (s)", metisLoad.Elapsed.TotalSeconds, plainLoad.Elapsed.TotalSeconds, "F2");

        // Random reads. Cold: each key read once, first time (hot-cache miss, LMDB seek). Hot: a 1,000-key working set
        // read again and again (hot-cache hit); plain LMDB has no such layer, so its "hot" is a B-tree walk on cached pages.
        int readCount = Math.Min(200_000, accountCount);
        int[] readOrder = Enumerable.Range(0, readCount).Select(_ => random.Next(accountCount)).Distinct().ToArray();
        int[] hotSet = readOrder[..Math.Min(1000, readOrder.Length)];
        int[] coldSet = readOrder[hotSet.Length..];
        double metisCold, metisColdAddress, metisHot, metisHotAddress, plainCold, plainHot;
        long hotAllocated;
        using (MetisSnapshot snapshot = metis.OpenSnapshot())
        {
            int half = coldSet.Length / 2;
            metisCold = MedianReadNanoseconds(coldSet[..half], 1, i => snapshot.TryGetAccountByHash(keys[i], out _));
            metisColdAddress = MedianReadNanoseconds(coldSet[half..], 1, i => snapshot.TryGetAccount(addresses[i], out _));
            MedianReadNanoseconds(hotSet, 50, i => snapshot.TryGetAccountByHash(keys[i], out _)); // warm-up: tiered JIT, cache fill
            MedianReadNanoseconds(hotSet, 50, i => snapshot.TryGetAccount(addresses[i], out _));
            metisHot = MedianReadNanoseconds(hotSet, 200, i => snapshot.TryGetAccountByHash(keys[i], out _));
            metisHotAddress = MedianReadNanoseconds(hotSet, 200, i => snapshot.TryGetAccount(addresses[i], out _));
            long before = GC.GetAllocatedBytesForCurrentThread();
            foreach (int i in hotSet)
            {
                snapshot.TryGetAccount(addresses[i], out _);
            }

            hotAllocated = GC.GetAllocatedBytesForCurrentThread() - before;
        }

        using (PlainLmdbTable.Reader reader = plain.OpenReader())
        {
            plainCold = MedianReadNanoseconds(coldSet[..(coldSet.Length / 2)], 1, i => reader.Contains(keys[i]));
            MedianReadNanoseconds(hotSet, 50, i => reader.Contains(keys[i]));
            plainHot = MedianReadNanoseconds(hotSet, 200, i => reader.Contains(keys[i]));
        }
        Row(output, $"random account read, cold, by hashed key, {coldSet.Length / 2:N0} distinct keys (ns)", metisCold, plainCold, "F0");
        Row(output, "random account read, cold, by address (IStateReader: + Keccak-256 of the address) (ns)", metisColdAddress, plainCold, "F0");
        Row(output, "random account read, hot, by hashed key, 1,000-key working set (ns)", metisHot, plainHot, "F0");
        Row(output, "random account read, hot, by address (IStateReader, memoized hash) (ns)", metisHotAddress, plainHot, "F0");
        output.WriteLine($"| bytes allocated per hot read by address | {(double)hotAllocated / hotSet.Length:F1} | | |");

        // Blocks of 10,000 touched accounts, root included.
        const int blocks = 10;
        const int perBlock = 10_000;
        var commitTimes = new List<double>();
        var rootTimes = new List<double>();
        var flatTimes = new List<double>();
        var publishTimes = new List<double>();
        var allocations = new List<double>();
        var plainTimes = new List<double>();
        var cpuTimes = new List<double>();
        var plainCpuTimes = new List<double>();
        for (int b = 0; b < blocks; b++, block++)
        {
            int[] touched = Enumerable.Range(0, perBlock).Select(_ => random.Next(accountCount)).Distinct().ToArray();
            var changes = new MetisBlockChanges();
            foreach (int i in touched)
            {
                changes.SetAccountByHash(keys[i], block, Balance(i + (int)block), Keccak256.OfEmpty);
            }

            long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
            TimeSpan cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            metis.Commit(block, changes);
            cpuTimes.Add((Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds / touched.Length * perBlock);
            allocations.Add(GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore);
            MetisCommitTimings timings = metis.LastCommit;
            commitTimes.Add(timings.Total.TotalSeconds / touched.Length * perBlock);
            rootTimes.Add(timings.StateRoot.TotalSeconds);
            flatTimes.Add(timings.FlatWrite.TotalSeconds);
            publishTimes.Add((timings.Total - timings.FlatWrite - timings.StateRoot).TotalSeconds);
            cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            var plainWatch = Stopwatch.StartNew();
            plain.Write(keys, touched, block, Balance);
            plainTimes.Add(plainWatch.Elapsed.TotalSeconds / touched.Length * perBlock);
            plainCpuTimes.Add((Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds / touched.Length * perBlock);
        }

        // MetisDB's commits fsync only its write-ahead log; LMDB is synced at checkpoints (every 64 blocks). One here,
        // charged to these blocks as if a checkpoint came every 10 blocks, keeps the comparison honest.
        var checkpointWatch = Stopwatch.StartNew();
        metis.Checkpoint();
        double checkpointSeconds = checkpointWatch.Elapsed.TotalSeconds;
        Row(output, $"updates/s, blocks of {perBlock:N0} accounts (MetisDB: incl. state root), median of {blocks}", perBlock / Median(commitTimes), perBlock / Median(plainTimes), "N0");
        Row(output, $"updates/s over all {blocks} blocks, MetisDB incl. an LMDB checkpoint sync after them", blocks * perBlock / (commitTimes.Sum() + checkpointSeconds),
            blocks * perBlock / plainTimes.Sum(), "N0");
        output.WriteLine($"| LMDB checkpoint sync after the {blocks} blocks (in use: every {MetisStore.TrieCheckpointInterval} blocks) (ms) | {checkpointSeconds * 1000:F1} | | |");
        Row(output, $"commit latency per {perBlock:N0}-account block, median (ms)", Median(commitTimes) * 1000, Median(plainTimes) * 1000, "F1");
        output.WriteLine($"| commit latency per {perBlock:N0}-account block, max (ms) | {commitTimes.Max() * 1000:F1} | {plainTimes.Max() * 1000:F1} | |");
        Row(output, $"CPU time per {perBlock:N0}-account block (all threads), median (ms)", Median(cpuTimes) * 1000, Median(plainCpuTimes) * 1000, "F1");
        output.WriteLine($"| of which flat writes (versioned puts, one LMDB commit, no fsync), median (ms) | {Median(flatTimes) * 1000:F1} | | |");
        output.WriteLine($"| of which state root, median (ms) | {Median(rootTimes) * 1000:F1} | | |");
        output.WriteLine($"| of which publish (write-ahead log append + fsync; root, head; one LMDB commit, no fsync), median (ms) | {Median(publishTimes) * 1000:F1} | | |");
        output.WriteLine($"| bytes allocated per {perBlock:N0}-account commit (all threads), median | {Median(allocations):N0} | | |");

        var bigRoots = new List<double>();
        var bigCommits = new List<double>();
        var bigPlain = new List<double>();
        int bigTouched = 0;
        for (int run = 0; run < 3; run++, block++)
        {
            int[] touched = Enumerable.Range(0, Math.Min(100_000, accountCount)).Select(_ => random.Next(accountCount)).Distinct().ToArray();
            bigTouched = touched.Length;
            var changes = new MetisBlockChanges();
            foreach (int i in touched)
            {
                changes.SetAccountByHash(keys[i], block, Balance(i + 7 + run), Keccak256.OfEmpty);
            }

            metis.Commit(block, changes);
            bigRoots.Add(metis.LastCommit.StateRoot.TotalMilliseconds);
            bigCommits.Add(metis.LastCommit.Total.TotalMilliseconds);
            var plainWatch = Stopwatch.StartNew();
            plain.Write(keys, touched, block, Balance);
            bigPlain.Add(plainWatch.Elapsed.TotalMilliseconds);
        }

        output.WriteLine($"| state root time, ~{bigTouched:N0} touched accounts, median of 3 (ms) | {Median(bigRoots):F0} | | |");
        Row(output, $"commit of ~{bigTouched:N0} touched accounts incl. root, median of 3 (ms)", Median(bigCommits), Median(bigPlain), "F0");

        MetisStats stats = metis.GetStats();
        Row(output, $"bytes on disk per account (file; {block} blocks of versions kept)", (double)stats.BytesOnDisk / accountCount,
            (double)plain.BytesOnDisk / accountCount, "F0");
        Row(output, "bytes in use per account (pages up to the last used)", (double)stats.BytesUsed / accountCount,
            (double)plain.BytesUsed / accountCount, "F0");
        MetisPruneResult pruned = metis.Prune(1);
        MetisStats afterPrune = metis.GetStats();
        output.WriteLine($"| after pruning to the head only: account versions {stats.AccountVersions:N0} → {afterPrune.AccountVersions:N0} ({pruned.AccountVersionsDeleted:N0} deleted) | | | |");
        output.WriteLine();
        output.WriteLine($"MetisDB verify at head {stats.Head}: {(metis.Verify().Ok ? "OK" : "MISMATCH")}");
        return 0;
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        return values.Count % 2 == 1 ? values[values.Count / 2] : (values[values.Count / 2 - 1] + values[values.Count / 2]) / 2;
    }

    private static UInt256 Balance(int seed) => (ulong)(seed * 1_000_000_007L);

    /// <summary>Median over batches of 1,000 reads of the time per read; every read must find its account.</summary>
    private static double MedianReadNanoseconds(int[] order, int passes, Func<int, bool> read)
    {
        const int batch = 1000;
        var perRead = new List<double>();
        for (int pass = 0; pass < passes; pass++)
        {
            for (int start = 0; start < order.Length; start += batch)
            {
                int end = Math.Min(order.Length, start + batch);
                int found = 0;
                long started = Stopwatch.GetTimestamp();
                for (int j = start; j < end; j++)
                {
                    found += read(order[j]) ? 1 : 0;
                }

                perRead.Add(Stopwatch.GetElapsedTime(started).TotalNanoseconds / (end - start));
                if (found != end - start)
                {
                    throw new InvalidOperationException($"benchmark read found {found} of {end - start} accounts");
                }
            }
        }

        return Median(perRead);
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
}
