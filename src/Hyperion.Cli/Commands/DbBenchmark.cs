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
        var warmup = new Option<int>("--warmup-blocks")
        {
            Description = "Untimed blocks of 10,000 accounts on both sides before the timed ones (the tiered JIT compiles the commit path meanwhile); the first 10 are reported apart as the cold figure.",
            DefaultValueFactory = _ => 20,
        };
        var writeMap = new Option<bool>("--metis-writemap") { Description = "Open MetisDB's LMDB with MDB_WRITEMAP (off by default, as in a node; plain LMDB keeps LMDB's defaults either way).", DefaultValueFactory = _ => new MetisStoreOptions().WriteMap };
        var blocks = new Option<int>("--blocks") { Description = "Timed blocks of 10,000 accounts.", DefaultValueFactory = _ => 10 };
        var command = new Command(name, "Benchmark MetisDB against plain LMDB on the same accounts, in a temporary directory.") { accounts, durable, depth, warmup, blocks, writeMap };
        command.SetAction(parse =>
        {
            int count = parse.GetValue(accounts);
            int cacheDepth = parse.GetValue(depth);
            int warmupBlocks = parse.GetValue(warmup);
            int timedBlocks = parse.GetValue(blocks);
            // At most 40 blocks a series: below the store's 64-block checkpoint interval, so no background checkpoint
            // falls inside one.
            if (count < 10_000 || cacheDepth is < 1 or > 6 || warmupBlocks is < 0 or > 40 || timedBlocks is < 1 or > 40)
            {
                Console.Error.WriteLine("hyperion bench state: --accounts must be at least 10000, --trie-cache-depth between 1 and 6, --warmup-blocks between 0 and 40, --blocks between 1 and 40");
                return 1;
            }

            return Run(count, parse.GetValue(durable), cacheDepth, Console.Out, warmupBlocks, timedBlocks, parse.GetValue(writeMap));
        });
        return command;
    }

    public static int Run(int accountCount, bool durable, int trieCacheDepth, TextWriter output, int warmupBlocks = 20, int timedBlocks = 10, bool metisWriteMap = false)
    {
        MetisStore.EnsureNativeLibrary();
        DirectoryInfo root = Directory.CreateTempSubdirectory("metisdb-bench-");
        try
        {
            return RunIn(root.FullName, accountCount, durable, trieCacheDepth, output, warmupBlocks, timedBlocks, metisWriteMap);
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    private static int RunIn(string root, int accountCount, bool durable, int trieCacheDepth, TextWriter output, int warmupBlocks, int timedBlocks, bool metisWriteMap)
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

        output.WriteLine($"# MetisDB vs plain LMDB, {accountCount:N0} accounts, durable commits: {durable}, trie cache depth: {trieCacheDepth}, untimed warm-up blocks: {warmupBlocks}, MetisDB MDB_WRITEMAP: {metisWriteMap}");
        output.WriteLine($"machine: {Machine()}");
        using MetisStore metis = MetisStore.Open(Path.Combine(root, "metis"), new MetisStoreOptions { Durable = durable, TrieCacheDepth = trieCacheDepth, WriteMap = metisWriteMap });
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

        // Blocks of 10,000 touched accounts, root included. Warm-up blocks first, untimed and the same on both sides: a
        // fresh process's tiered JIT compiles the commit path in the background (on one of the two cores) through its
        // first blocks, so the timed blocks measure compiled code; the first warm-up blocks are reported apart as the
        // cold figure. Each warm-up block also adds a version per account to MetisDB's tables (plain LMDB overwrites), so
        // the timed blocks run on larger tables than the cold ones: A/B code changes on the cold rows too. A checkpoint
        // after the warm-up leaves the timed blocks' checkpoint to cover only their own work.
        const int perBlock = 10_000;
        const int coldBlocks = 10;
        var cold = new BlockTimes();
        for (int b = 0; b < warmupBlocks; b++, block++)
        {
            UpdateBlock(metis, plain, keys, random, accountCount, perBlock, block, b < coldBlocks ? cold : null);
        }

        if (warmupBlocks > 0)
        {
            metis.Checkpoint();
        }

        var timed = new BlockTimes();
        for (int b = 0; b < timedBlocks; b++, block++)
        {
            UpdateBlock(metis, plain, keys, random, accountCount, perBlock, block, timed);
        }

        // MetisDB's commits fsync only its write-ahead log; LMDB is synced at checkpoints (every 64 blocks). One here,
        // charged to these blocks as if a checkpoint came every few blocks, keeps the comparison honest.
        var checkpointWatch = Stopwatch.StartNew();
        metis.Checkpoint();
        double checkpointSeconds = checkpointWatch.Elapsed.TotalSeconds;
        MetisCheckpointTimings checkpointTimings = metis.LastCheckpoint;
        int blocks = timedBlocks;
        Row(output, $"updates/s, blocks of {perBlock:N0} accounts (MetisDB: incl. state root), median of {blocks} after {warmupBlocks} untimed", perBlock / Median(timed.Commit), perBlock / Median(timed.Plain), "N0");
        Row(output, $"updates/s over all {blocks} blocks, MetisDB incl. an LMDB checkpoint sync after them", blocks * perBlock / (timed.Commit.Sum() + checkpointSeconds),
            blocks * perBlock / timed.Plain.Sum(), "N0");
        output.WriteLine($"| LMDB checkpoint sync after the {blocks} blocks (in use: every {MetisStore.TrieCheckpointInterval} blocks) (ms) | {checkpointSeconds * 1000:F1} | | |");
        output.WriteLine($"| of which the trie nodes' LMDB transaction / the sync (ms) | {checkpointTimings.TrieNodes.TotalMilliseconds:F1} / {checkpointTimings.Sync.TotalMilliseconds:F1} | | |");
        Row(output, $"commit latency per {perBlock:N0}-account block, median (ms)", Median(timed.Commit) * 1000, Median(timed.Plain) * 1000, "F1");
        output.WriteLine($"| commit latency per {perBlock:N0}-account block, max (ms) | {timed.Commit.Max() * 1000:F1} | {timed.Plain.Max() * 1000:F1} | |");
        Row(output, $"CPU time per {perBlock:N0}-account block (all threads), median (ms)", Median(timed.Cpu) * 1000, Median(timed.PlainCpu) * 1000, "F1");
        output.WriteLine($"| of which flat writes (versioned puts, one LMDB commit, no fsync), median (ms) | {Median(timed.Flat) * 1000:F1} | | |");
        output.WriteLine($"| of which waiting for the state root after the flat writes, median (ms) | {Median(timed.Root) * 1000:F1} | | |");
        output.WriteLine($"| state root work beside the flat writes (its threads' busy time summed), median (ms) | {Median(timed.RootWork) * 1000:F1} | | |");
        output.WriteLine($"| of which publish (write-ahead log append + fsync; root, head; one LMDB commit, no fsync), median (ms) | {Median(timed.Publish) * 1000:F1} | | |");
        output.WriteLine($"| bytes allocated per {perBlock:N0}-account commit (all threads), median | {Median(timed.Allocated):N0} | | |");
        output.WriteLine($"| write-ahead log record per {perBlock:N0}-account block (bytes), median | {Median(timed.LogBytes):N0} | | |");
        if (cold.Commit.Count > 0)
        {
            Row(output, $"cold: updates/s, the process's first {cold.Commit.Count} blocks of {perBlock:N0} (tiered JIT still compiling), median", perBlock / Median(cold.Commit), perBlock / Median(cold.Plain), "N0");
            Row(output, $"cold: CPU time per {perBlock:N0}-account block (all threads), median of the first {cold.Commit.Count} (ms)", Median(cold.Cpu) * 1000, Median(cold.PlainCpu) * 1000, "F1");
        }

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
            bigRoots.Add(metis.LastCommit.RootWork.TotalMilliseconds);
            bigCommits.Add(metis.LastCommit.Total.TotalMilliseconds);
            var plainWatch = Stopwatch.StartNew();
            plain.Write(keys, touched, block, Balance);
            bigPlain.Add(plainWatch.Elapsed.TotalMilliseconds);
        }

        output.WriteLine($"| state root work, ~{bigTouched:N0} touched accounts (its threads' busy time summed), median of 3 (ms) | {Median(bigRoots):F0} | | |");
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

    /// <summary>Per-block figures of a series of 10,000-account blocks, scaled to 10,000 accounts where they are per block.</summary>
    private sealed class BlockTimes
    {
        public List<double> Commit { get; } = [];
        public List<double> Root { get; } = [];
        public List<double> RootWork { get; } = [];
        public List<double> Flat { get; } = [];
        public List<double> Publish { get; } = [];
        public List<double> Allocated { get; } = [];
        public List<double> Plain { get; } = [];
        public List<double> Cpu { get; } = [];
        public List<double> PlainCpu { get; } = [];
        public List<double> LogBytes { get; } = [];
    }

    /// <summary>One block of random existing accounts, committed to MetisDB and then written to plain LMDB; timed into <paramref name="times"/> unless null.</summary>
    private static void UpdateBlock(MetisStore metis, PlainLmdbTable plain, Hash256[] keys, Random random, int accountCount, int perBlock, ulong block, BlockTimes? times)
    {
        int[] touched = Enumerable.Range(0, perBlock).Select(_ => random.Next(accountCount)).Distinct().ToArray();
        var changes = new MetisBlockChanges();
        foreach (int i in touched)
        {
            changes.SetAccountByHash(keys[i], block, Balance(i + (int)block), Keccak256.OfEmpty);
        }

        double scale = (double)perBlock / touched.Length;
        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        TimeSpan cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        metis.Commit(block, changes);
        double cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds * scale;
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        MetisCommitTimings timings = metis.LastCommit;
        cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var plainWatch = Stopwatch.StartNew();
        plain.Write(keys, touched, block, Balance);
        double plainSeconds = plainWatch.Elapsed.TotalSeconds * scale;
        double plainCpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds * scale;
        if (times is null)
        {
            return;
        }

        times.Cpu.Add(cpu);
        times.Allocated.Add(allocated);
        times.Commit.Add(timings.Total.TotalSeconds * scale);
        times.Root.Add(timings.StateRoot.TotalSeconds);
        times.RootWork.Add(timings.RootWork.TotalSeconds);
        times.Flat.Add(timings.FlatWrite.TotalSeconds);
        times.Publish.Add((timings.Total - timings.FlatWrite - timings.StateRoot).TotalSeconds);
        times.Plain.Add(plainSeconds);
        times.PlainCpu.Add(plainCpu);
        times.LogBytes.Add(metis.LastLogRecordBytes * scale);
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
