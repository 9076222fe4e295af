using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Hyperion.Core;
using Hyperion.Core.Blocks;
using Hyperion.Core.Diagnostics;
using Hyperion.Core.Transactions;
using Hyperion.Evm;
using Hyperion.Execution.Blocks;
using Hyperion.Execution.Parallel;
using Hyperion.Execution.Specs;
using Hyperion.Execution.Transactions;
using Hyperion.Rollup;
using Hyperion.State.World;

namespace Hyperion.Cli.Commands;

/// <summary>
/// <c>hyperion bench exec</c>: one block of transactions executed by the sequential executor and by the parallel
/// one at 1 and N threads, interleaved round by round in one run, for independent ERC20 transfers, independent
/// plain transfers, a Uniswap-V2-style swap mix (most swaps on a pair of their own, one in eight on one of two shared
/// pairs) and a fully dependent chain (every transaction increments the same counter slot).
/// </summary>
internal static class ExecBenchmark
{
    private static readonly ChainSpec Spec = ChainSpec.AllActiveFrom(1, Hardfork.Cancun);
    private static readonly Address Token = new(Enumerable.Repeat((byte)0x70, 20).ToArray());
    private static readonly Address Counter = new(Enumerable.Repeat((byte)0x71, 20).ToArray());

    // transfer(to, amount): balances in slots keyed by holder; reverts when short; LOG1(to).
    private static readonly byte[] TokenCode =
    [
        0x33, 0x54, 0x80, 0x60, 0x20, 0x35, 0x11, 0x60, 0x21, 0x57, 0x60, 0x20, 0x35, 0x90, 0x03, 0x33, 0x55, 0x5f, 0x35,
        0x54, 0x60, 0x20, 0x35, 0x01, 0x5f, 0x35, 0x55, 0x5f, 0x35, 0x5f, 0x5f, 0xa1, 0x00, 0x5b, 0x5f, 0x5f, 0xfd,
    ];

    // sstore(0, sload(0) + 1)
    private static readonly byte[] CounterCode = [0x5f, 0x54, 0x60, 0x01, 0x01, 0x5f, 0x55, 0x00];

    // A constant-product pair: in = calldata[0]; reserves r0 (slot 0), r1 (slot 1); out = r1 * in / (r0 + in);
    // r0 += in; r1 -= out; the caller's balance slot += out; LOG0 (as a pair's Swap event).
    private static readonly byte[] PairCode =
    [
        0x5f, 0x35, 0x5f, 0x54, 0x81, 0x01, 0x80, 0x5f, 0x55, 0x60, 0x01, 0x54, 0x91, 0x82, 0x02, 0x04, 0x80, 0x33, 0x54,
        0x01, 0x33, 0x55, 0x90, 0x03, 0x60, 0x01, 0x55, 0x5f, 0x5f, 0xa0, 0x00,
    ];

    /// <summary>Pairs every eighth swap shares (the rest swap on a pair of their own).</summary>
    private const int SharedPairs = 2;

    public static Command CreateCommand()
    {
        var txs = new Option<int>("--txs") { Description = "Transactions per block.", DefaultValueFactory = _ => 2000 };
        var rounds = new Option<int>("--rounds") { Description = "Rounds; each runs every executor once per workload.", DefaultValueFactory = _ => 15 };
        var warmup = new Option<int>("--warmup")
        {
            Description = "Untimed rounds per workload before the timed ones: a fresh process's tiered JIT otherwise compiles in the " +
                "background through the first timed rounds, on a core a ×N block needs. 0 measures the cold process.",
            DefaultValueFactory = _ => 60,
        };
        var threads = new Option<int>("--threads") { Description = "Threads of the parallel executor compared with one.", DefaultValueFactory = _ => 2 };
        var workload = new Option<string?>("--workload") { Description = "Only the workloads with a word of their name starting with this (erc20, raw, swap, dependent); all by default." };
        var executor = new Option<string?>("--executor") { Description = "Only this executor, for profiling one at a time: sequential, parallel1 or parallelN (N = --threads); all three by default." };
        executor.AcceptOnlyFromAmong(ExecutorNames);
        var parallel1 = new Option<string>("--parallel1")
        {
            Description = "What parallel×1 runs: chunks (the imported-block path, one chunk: the default) or blockstm (Block-STM at one thread, " +
                "as before contiguous chunks; ×N's Block-STM blocks then follow a Block-STM run of the same block, as they did then).",
            DefaultValueFactory = _ => "chunks",
        };
        parallel1.AcceptOnlyFromAmong("chunks", "blockstm");
        var feeVaults = new Option<string?>("--fee-vaults")
        {
            Description = "Every transaction also pays a rollup's BaseFeeVault (the base fee) and L1FeeVault (a wei per gas): listed, " +
                "as the handler's fee recipients (Block-STM keeps their credits a slot per position); unlisted, their credits in the vaults' versions. None by default.",
        };
        feeVaults.AcceptOnlyFromAmong("listed", "unlisted");
        var measured = new Option<bool>("--measured")
        {
            Description = "parallel×N as a node makes it (`--exec-threads N`): each block on whichever of it and the sequential executor has been faster " +
                "lately, and blocks of few transactions sequential. Without it, every block goes through the parallel paths.",
        };
        var alternate = new Option<int>("--alternate")
        {
            Description = "Blocks back to back, as a node importing a backlog runs them: in one process, segments of this many blocks on the sequential " +
                "executor, then as many on parallel×N (with --measured a node's), alternating, so that both run in the same stretch of the host's time; " +
                "--rounds and --warmup count blocks per executor. Prints each segment's median, the ratio per adjacent pair of segments and a host probe. 0 (default): off.",
        };
        var command = new Command("exec", "Benchmark block execution: sequential vs Block-STM at 1 and N threads.") { txs, rounds, warmup, threads, workload, executor, parallel1, feeVaults, measured, alternate };
        command.SetAction(parse =>
        {
            int count = parse.GetValue(txs);
            int roundCount = parse.GetValue(rounds);
            int warmupRounds = parse.GetValue(warmup);
            int threadCount = parse.GetValue(threads);
            if (count is < 1 or > 100_000 || roundCount is < 1 or > 1000 || warmupRounds is < 0 or > 1000 || threadCount is < 1 or > 256)
            {
                Console.Error.WriteLine("hyperion bench exec: --txs must be in 1..100000, --rounds in 1..1000, --warmup in 0..1000, --threads in 1..256");
                return 1;
            }

            string? only = parse.GetValue(workload);
            if (only is not null && !WorkloadNames.Any(name => Matches(name, only)))
            {
                Console.Error.WriteLine($"hyperion bench exec: --workload matches none of {string.Join(", ", WorkloadNames)}");
                return 1;
            }

            string? onlyExecutor = parse.GetValue(executor);
            int alternateBlocks = parse.GetValue(alternate);
            if (alternateBlocks is < 0 or > 1000 || (alternateBlocks > 0 && onlyExecutor is not null))
            {
                Console.Error.WriteLine("hyperion bench exec: --alternate must be in 0..1000 and runs sequential and parallelN, not with --executor");
                return 1;
            }

            TransactionHandler? handler = parse.GetValue(feeVaults) is { } vaults ? new FeeVaultHandler(listed: vaults == "listed") : null;
            Run(count, roundCount, warmupRounds, threadCount, only, onlyExecutor, handler, Console.Out, blockStmAtOne: parse.GetValue(parallel1) == "blockstm", measured: parse.GetValue(measured), alternate: alternateBlocks);
            return 0;
        });
        return command;
    }

    private static readonly string[] WorkloadNames = ["erc20 independent", "raw transfers", "swap mix", "dependent chain"];

    private static readonly string[] ExecutorNames = ["sequential", "parallel1", "parallelN"];

    /// <summary>Whether a word of <paramref name="name"/> starts with <paramref name="only"/> ("dependent" is not "erc20 independent").</summary>
    private static bool Matches(string name, string only) =>
        name.Split(' ').Any(word => word.StartsWith(only, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// Ethereum's rules, and every transaction also credits a rollup's two fee vaults (the base fee to the
    /// BaseFeeVault, a wei per gas to the L1FeeVault), listed as fee recipients or not: what Block-STM's credit
    /// columns save a rollup block, measured without the rest of the rollup's rules.
    /// </summary>
    private sealed class FeeVaultHandler(bool listed) : TransactionHandler
    {
        public override IReadOnlyList<Address> FeeRecipients(BlockEnvironment environment) =>
            listed ? [environment.Coinbase, Predeploys.BaseFeeVault, Predeploys.L1FeeVault] : base.FeeRecipients(environment);

        protected override void Reward(TransactionContext context)
        {
            base.Reward(context);
            context.State.AddBalance(Predeploys.BaseFeeVault, new UInt256((ulong)context.GasUsed) * context.Block.BaseFee);
            context.State.AddBalance(Predeploys.L1FeeVault, new UInt256((ulong)context.GasUsed));
        }
    }

    /// <param name="blockStmAtOne">parallel×1 runs Block-STM (not the chunk path's one chunk).</param>
    /// <param name="measured">parallel×N is a node's executor (<see cref="ExecutorThreads.Executor"/> with the measured choice).</param>
    /// <param name="alternate">When positive, segments of this many blocks back to back, sequential and parallel×N alternating (<see cref="RunAlternating"/>).</param>
    internal static void Run(int count, int rounds, int warmupRounds, int threads, string? only, string? onlyExecutor, TransactionHandler? handler, TextWriter output, bool blockStmAtOne = false, bool measured = false, int alternate = 0)
    {
        (string Name, IBlockExecutor Executor)[] executors =
        [
            ("sequential", new BlockExecutor(Spec, handler: handler)),
            ("parallel×1", new ParallelBlockExecutor(Spec, handler: handler, threads: 1, sequentialBelow: 0)
            {
                Chunks = blockStmAtOne ? ParallelBlockExecutor.ChunkUse.Never : ParallelBlockExecutor.ChunkUse.AfterBackoff,
            }),
            ($"parallel×{threads}", measured
                ? ExecutorThreads.Executor(threads, Spec, null, handler, measured: true)
                : new ParallelBlockExecutor(Spec, handler: handler, threads: threads, sequentialBelow: 0)),
        ];
        (string Name, Func<(string, BlockInput, InMemoryStateReader)> Build)[] all =
        [
            (WorkloadNames[0], () => Workload(WorkloadNames[0], count, i => (Token, [.. Word(Holder(count + i)), .. Word(new UInt256(1))], 60_000))),
            (WorkloadNames[1], () => Workload(WorkloadNames[1], count, i => (Holder(count + i), [], 21_000))),
            (WorkloadNames[2], () => Workload(WorkloadNames[2], count, i => (SwapPair(i), Word(new UInt256(1_000_000_000_000_000UL)), 100_000), pairs: SharedPairs + count)),
            (WorkloadNames[3], () => Workload(WorkloadNames[3], count, _ => (Counter, [], 60_000))),
        ];
        (string Name, BlockInput Block, InMemoryStateReader State)[] workloads =
            [.. all.Where(w => only is null || Matches(w.Name, only)).Select(w => w.Build())];

        int segments = Math.Max(1, rounds / Math.Max(alternate, 1));
        output.WriteLine(alternate > 0
            ? string.Create(CultureInfo.InvariantCulture, $"{count} transactions per block, segments of {alternate} blocks back to back alternating sequential and {executors[2].Name}{(measured ? " (measured)" : "")}, {segments} each after {warmupRounds} untimed blocks each, {Environment.ProcessorCount} cores, load average {LoadAverage()}, {Gen0Budget()}")
            : string.Create(CultureInfo.InvariantCulture, $"{count} transactions per block, {rounds} rounds after {warmupRounds} untimed, {Environment.ProcessorCount} cores, load average {LoadAverage()}, {Gen0Budget()}"));
        foreach ((string name, BlockInput block, InMemoryStateReader state) in workloads)
        {
            // The same results first (the benchmark times nothing else), then untimed warm-up rounds, then interleaved timed ones.
            BlockExecution reference = executors[0].Executor.Execute(block, state, BlockExecutionMode.Import);
            if (reference.Transactions.Count != count || reference.Transactions.Any(t => !t.Receipt.Success))
            {
                throw new InvalidOperationException($"{name}: not every transaction succeeded (the workload is broken)");
            }

            Hash256 expected = reference.ReceiptsRoot;
            foreach ((string executorName, IBlockExecutor executor) in executors)
            {
                if (executor.Execute(block, state, BlockExecutionMode.Import).ReceiptsRoot != expected)
                {
                    throw new InvalidOperationException($"{executorName} differs from sequential on {name}");
                }
            }

            if (alternate > 0)
            {
                RunAlternating(name, block, state, executors[0], executors[2], alternate, segments, warmupRounds, measured, output);
                continue;
            }

            for (int round = 0; round < warmupRounds; round++)
            {
                for (int e = 0; e < executors.Length; e++)
                {
                    if (onlyExecutor is null || ExecutorNames[e] == onlyExecutor)
                    {
                        executors[e].Executor.Execute(block, state, BlockExecutionMode.Import);
                    }
                }
            }

            var times = executors.Select(_ => new List<double>()).ToArray();

            // Bytes allocated (every thread's) per block: unlike the times, not inflated by other load on the machine.
            long[] allocated = new long[executors.Length];

            // And the process's CPU time per block: on a loaded machine the wall time counts the time the workers
            // waited for a core, the CPU time only what they (and the runtime's own threads) ran. Its mean includes
            // the tiered JIT's background compilations that outlast the warm-up (without one, a quarter of a 51-round
            // run's CPU), which the median leaves out.
            var cpu = executors.Select(_ => new List<double>()).ToArray();

            // And the calling thread's own CPU time: what bounds a block's wall time when every helper has a core of its
            // own (the helpers' CPU is in the process's column), and what the load inflates least.
            var callerCpu = executors.Select(_ => new List<double>()).ToArray();

            // And the garbage collections during its blocks (each stops every worker) and their pauses.
            int[][] collections = [.. executors.Select(_ => new int[3])];
            double[] pauses = new double[executors.Length];

            // And what Block-STM's workers did: re-executions and failed validations are its conflicts.
            BlockStmStatistics[] statistics = [.. executors.Select(x => (x.Executor as ParallelBlockExecutor)?.Statistics ?? default)];

            // And which blocks took the contiguous-chunk path (and conflicted there) rather than Block-STM.
            ChunkPaths[] chunked = [.. executors.Select(x => ChunkPaths.Of(x.Executor as ParallelBlockExecutor))];

            // And the blocks a node's executor ran sequentially: because that had been faster, or after dependency chains.
            (long ByChoice, long AfterChain)[] sequentialRuns = [.. executors.Select(x => x.Executor is ParallelBlockExecutor p ? (p.BlocksSequentialByChoice, p.BlocksSequentialAfterChain) : default)];
            for (int round = 0; round < rounds; round++)
            {
                for (int e = 0; e < executors.Length; e++)
                {
                    if (onlyExecutor is not null && ExecutorNames[e] != onlyExecutor)
                    {
                        continue;
                    }

                    long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
                    TimeSpan cpuBefore = Environment.CpuUsage.TotalTime;
                    double callerCpuBefore = ThreadCpuClock.Milliseconds();
                    int[] collectionsBefore = [GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2)];
                    TimeSpan pausedBefore = GC.GetTotalPauseDuration();
                    long start = Stopwatch.GetTimestamp();
                    executors[e].Executor.Execute(block, state, BlockExecutionMode.Import);
                    times[e].Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                    cpu[e].Add((Environment.CpuUsage.TotalTime - cpuBefore).TotalMilliseconds);
                    callerCpu[e].Add(ThreadCpuClock.Milliseconds() - callerCpuBefore);
                    allocated[e] += GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
                    pauses[e] += (GC.GetTotalPauseDuration() - pausedBefore).TotalMilliseconds;
                    for (int generation = 0; generation < 3; generation++)
                    {
                        collections[e][generation] += GC.CollectionCount(generation) - collectionsBefore[generation];
                    }
                }
            }

            long[] allocatedKb = [.. allocated.Select(bytes => bytes / rounds / 1024)];
            string[] conflicts = [.. executors.Select((x, e) => x.Executor is ParallelBlockExecutor parallel ? Conflicts(ChunkPaths.Of(parallel), chunked[e], parallel.Statistics - statistics[e], (parallel.BlocksSequentialByChoice - sequentialRuns[e].ByChoice, parallel.BlocksSequentialAfterChain - sequentialRuns[e].AfterChain), measured && e == 2) : "")];
            if (onlyExecutor is not null)
            {
                int e = Array.IndexOf(ExecutorNames, onlyExecutor);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{name,-18} {executors[e].Name} {Median(times[e]),8:0.00} ms, CPU ms/block (mean; median) {cpu[e].Average():0.0}; {Median(cpu[e]):0.0}, caller thread's CPU ms/block (median) {Median(callerCpu[e]):0.00}, allocated KB/block {allocatedKb[e]}, GCs per 100 blocks (gen0/1/2) {Per100(collections[e][0], rounds)}/{Per100(collections[e][1], rounds)}/{Per100(collections[e][2], rounds)}{(conflicts[e].Length > 0 ? $"; {conflicts[e]}" : "")}"));
                continue;
            }

            double[] medians = [.. times.Select(Median)];
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name,-18} sequential {medians[0],8:0.00} ms  parallel×1 {medians[1],8:0.00} ms  parallel×{threads} {medians[2],8:0.00} ms  speedup ×{threads} vs sequential {medians[0] / medians[2]:0.00}, vs parallel×1 {medians[1] / medians[2]:0.00}"));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{"",-18} allocated KB/block: sequential {allocatedKb[0]}, parallel×1 {allocatedKb[1]}, parallel×{threads} {allocatedKb[2]}"));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{"",-18} CPU ms/block (mean; median): sequential {cpu[0].Average():0.0}; {Median(cpu[0]):0.0}, parallel×1 {cpu[1].Average():0.0}; {Median(cpu[1]):0.0}, parallel×{threads} {cpu[2].Average():0.0}; {Median(cpu[2]):0.0}"));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{"",-18} caller thread's CPU ms/block (median): sequential {Median(callerCpu[0]):0.00}, parallel×1 {Median(callerCpu[1]):0.00}, parallel×{threads} {Median(callerCpu[2]):0.00}"));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{"",-18} GCs per 100 blocks (gen0/1/2) and pause ms/block: {string.Join(", ", executors.Select((x, e) => $"{x.Name} {Per100(collections[e][0], rounds)}/{Per100(collections[e][1], rounds)}/{Per100(collections[e][2], rounds)} {pauses[e] / rounds:0.00}"))}; gen0 at the last collection {Gen0AtLastCollection()}"));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{"",-18} parallel×1 {conflicts[1]}; parallel×{threads} {conflicts[2]}"));
        }
    }

    /// <summary>
    /// Blocks back to back as a node importing a backlog runs them, and both executors in the same stretch of the host's
    /// time: <paramref name="segments"/> segments of <paramref name="blocksPerSegment"/> blocks on <paramref name="first"/>,
    /// each followed by as many on <paramref name="second"/> (after <paramref name="warmupBlocks"/> untimed blocks each, in
    /// segments alike). This host's vCPUs slow down by up to half for seconds at a time (s40slow), so separate processes,
    /// or runs minutes apart, compare different host intervals; adjacent segments are a fraction of a second apart. Each
    /// segment is printed with a host probe taken just before it and the steal time during it.
    /// </summary>
    private static void RunAlternating(string name, BlockInput block, InMemoryStateReader state, (string Name, IBlockExecutor Executor) first, (string Name, IBlockExecutor Executor) second, int blocksPerSegment, int segments, int warmupBlocks, bool measured, TextWriter output)
    {
        (string Name, IBlockExecutor Executor)[] pair = [first, second];
        for (int warm = 0; warm < warmupBlocks; warm += blocksPerSegment)
        {
            foreach ((_, IBlockExecutor executor) in pair)
            {
                for (int b = warm; b < Math.Min(warm + blocksPerSegment, warmupBlocks); b++)
                {
                    executor.Execute(block, state, BlockExecutionMode.Import);
                }
            }
        }

        var parallel = second.Executor as ParallelBlockExecutor;
        ChunkPaths chunkedBefore = ChunkPaths.Of(parallel);
        BlockStmStatistics statisticsBefore = parallel?.Statistics ?? default;
        (long ByChoice, long AfterChain) sequentialBefore = parallel is null ? default : (parallel.BlocksSequentialByChoice, parallel.BlocksSequentialAfterChain);

        using var probe = new HostProbe();
        var segmentMedians = new List<double>(2 * segments);
        var firstBlocks = new[] { new List<double>(), new List<double>() };

        // A node's executor's blocks (but each segment's first) by the path it took, and by whether the block before took
        // the other: [sequential path, parallel path][same path before, other path before].
        List<double>[][] byPath = [[[], []], [[], []]];
        var probeAlone = new List<double>(2 * segments);
        var probeBothOverAlone = new List<double>(2 * segments);
        (long stealAtStart, long jiffiesAtStart) = HostProbe.StealJiffies();
        var times = new List<double>(blocksPerSegment);
        var cpu = new List<double>(blocksPerSegment);
        var callerCpu = new List<double>(blocksPerSegment);
        for (int s = 0; s < 2 * segments; s++)
        {
            (string executorName, IBlockExecutor executor) = pair[s % 2];
            (double alone, double both) = probe.Measure();
            probeAlone.Add(alone);
            probeBothOverAlone.Add(both / alone);
            long stealBefore = HostProbe.StealJiffies().Steal;
            int gen0Before = GC.CollectionCount(0);
            int gen1Before = GC.CollectionCount(1);
            TimeSpan pausedBefore = GC.GetTotalPauseDuration();
            TimeSpan jitBefore = System.Runtime.JitInfo.GetCompilationTime();
            long jittedBefore = System.Runtime.JitInfo.GetCompiledMethodCount();
            times.Clear();
            cpu.Clear();
            callerCpu.Clear();
            bool? previousSequential = null;
            for (int b = 0; b < blocksPerSegment; b++)
            {
                long sequentialRunsBefore = SequentialRuns(parallel);
                TimeSpan cpuBefore = Environment.CpuUsage.TotalTime;
                double callerCpuBefore = ThreadCpuClock.Milliseconds();
                long start = Stopwatch.GetTimestamp();
                executor.Execute(block, state, BlockExecutionMode.Import);
                times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                callerCpu.Add(ThreadCpuClock.Milliseconds() - callerCpuBefore);
                cpu.Add((Environment.CpuUsage.TotalTime - cpuBefore).TotalMilliseconds);
                if (measured && s % 2 == 1)
                {
                    bool sequential = SequentialRuns(parallel) != sequentialRunsBefore;
                    if (previousSequential is { } before)
                    {
                        byPath[sequential ? 0 : 1][before == sequential ? 0 : 1].Add(times[^1]);
                    }

                    previousSequential = sequential;
                }
            }

            segmentMedians.Add(Median(times));
            firstBlocks[s % 2].Add(times[0]);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{"",-18} segment {(s / 2) + 1,3} {executorName,-12} {segmentMedians[^1],8:0.00} ms, first block {times[0]:0.00} ms, CPU ms/block {Median(cpu):0.00} (caller {Median(callerCpu):0.00}), gen0 GCs {GC.CollectionCount(0) - gen0Before} (gen1 {GC.CollectionCount(1) - gen1Before}, paused {(GC.GetTotalPauseDuration() - pausedBefore).TotalMilliseconds:0.00} ms), JIT {System.Runtime.JitInfo.GetCompiledMethodCount() - jittedBefore} methods in {(System.Runtime.JitInfo.GetCompilationTime() - jitBefore).TotalMilliseconds:0.0} ms; probe before it: 1 thread {alone:0.000} ms, 2 threads {both:0.000} ms; steal {HostProbe.StealJiffies().Steal - stealBefore} jiffies"));
        }

        (long stealAtEnd, long jiffiesAtEnd) = HostProbe.StealJiffies();
        List<double> firstMedians = [.. segmentMedians.Where((_, s) => s % 2 == 0)];
        List<double> secondMedians = [.. segmentMedians.Where((_, s) => s % 2 == 1)];
        List<double> ratios = AdjacentRatios(segmentMedians);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name,-18} alternating {blocksPerSegment}: {first.Name} {Median(firstMedians):0.00} ms [{firstMedians.Min():0.00}–{firstMedians.Max():0.00}], {second.Name} {Median(secondMedians):0.00} ms [{secondMedians.Min():0.00}–{secondMedians.Max():0.00}] (segments' medians); {first.Name} ÷ {second.Name} over {ratios.Count} adjacent pairs of segments: median {Median(ratios):0.00} [{ratios.Min():0.00}–{ratios.Max():0.00}]"));
        long jiffies = jiffiesAtEnd - jiffiesAtStart;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{"",-18} first block of a segment (median): {first.Name} {Median(firstBlocks[0]):0.00} ms, {second.Name} {Median(firstBlocks[1]):0.00} ms; host probe 1 thread {Median(probeAlone):0.000} ms [{probeAlone.Min():0.000}–{probeAlone.Max():0.000}], 2 threads ÷ 1 thread {Median(probeBothOverAlone):0.00} [{probeBothOverAlone.Min():0.00}–{probeBothOverAlone.Max():0.00}]; steal {stealAtEnd - stealAtStart} of {jiffies} jiffies ({(jiffies > 0 ? 100.0 * (stealAtEnd - stealAtStart) / jiffies : 0):0.0} %)"));
        if (measured)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{"",-18} {second.Name}'s blocks but each segment's first, by path (median ms, blocks): sequential after sequential {MedianOrNaN(byPath[0][0]):0.00} ({byPath[0][0].Count}), after parallel {MedianOrNaN(byPath[0][1]):0.00} ({byPath[0][1].Count}); parallel after parallel {MedianOrNaN(byPath[1][0]):0.00} ({byPath[1][0].Count}), after sequential {MedianOrNaN(byPath[1][1]):0.00} ({byPath[1][1].Count})"));
        }

        if (parallel is not null)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{"",-18} {second.Name} {Conflicts(ChunkPaths.Of(parallel), chunkedBefore, parallel.Statistics - statisticsBefore, (parallel.BlocksSequentialByChoice - sequentialBefore.ByChoice, parallel.BlocksSequentialAfterChain - sequentialBefore.AfterChain), measured)}"));
        }
    }

    /// <summary>Blocks a node's executor ran on the sequential executor so far (by its choice or after chains).</summary>
    private static long SequentialRuns(ParallelBlockExecutor? executor) =>
        executor is null ? 0 : executor.BlocksSequentialByChoice + executor.BlocksSequentialAfterChain;

    private static double MedianOrNaN(List<double> values) => values.Count == 0 ? double.NaN : Median(values);

    /// <summary>
    /// The first executor's segment median over the second's, for every adjacent pair of segments of an alternating run
    /// (even positions the first executor's): each pair is a fraction of a second of the host's time.
    /// </summary>
    internal static List<double> AdjacentRatios(IReadOnlyList<double> segmentMedians)
    {
        var ratios = new List<double>(Math.Max(segmentMedians.Count - 1, 0));
        for (int s = 0; s + 1 < segmentMedians.Count; s++)
        {
            (double firstExecutor, double secondExecutor) = s % 2 == 0 ? (segmentMedians[s], segmentMedians[s + 1]) : (segmentMedians[s + 1], segmentMedians[s]);
            ratios.Add(firstExecutor / secondExecutor);
        }

        return ratios;
    }

    /// <summary>
    /// The timed blocks run as contiguous chunks (and of them, those where a chunk conflicted), laned (when any; those whose parts conflicted), then Block-STM's work per
    /// block it ran: executions (re-executions included), ESTIMATE waits, validations, failed ones. For a node's
    /// (measured) executor first the blocks it ran sequentially: by its choice, or after dependency chains.
    /// </summary>
    private static string Conflicts(ChunkPaths chunksAfter, ChunkPaths chunksBefore, BlockStmStatistics statistics, (long ByChoice, long AfterChain) sequential, bool measured)
    {
        long laned = chunksAfter.Laned - chunksBefore.Laned;
        string chunks = string.Create(CultureInfo.InvariantCulture,
            $"{(measured ? $"sequential {sequential.ByChoice} blocks by choice and {sequential.AfterChain} after chains, " : "")}as chunks {chunksAfter.Blocks - chunksBefore.Blocks} blocks ({chunksAfter.Conflicted - chunksBefore.Conflicted} conflicted), {(laned > 0 ? $"laned {laned} blocks ({chunksAfter.LanedConflicted - chunksBefore.LanedConflicted} conflicted), " : "")}Block-STM {statistics.Blocks} blocks");
        long blocks = statistics.Blocks;
        return blocks == 0 ? chunks : string.Create(CultureInfo.InvariantCulture,
            $"{chunks}, per block: executions {(double)statistics.Incarnations / blocks:0.0}, ESTIMATE waits {(double)statistics.DependencyWaits / blocks:0.0}, validations {(double)statistics.Validations / blocks:0.0}, aborted {(double)statistics.AbortedValidations / blocks:0.0}");
    }

    /// <summary>The blocks an executor imported as contiguous chunks and laned (each with those that conflicted) so far.</summary>
    private readonly record struct ChunkPaths(long Blocks, long Conflicted, long Laned, long LanedConflicted)
    {
        public static ChunkPaths Of(ParallelBlockExecutor? executor) => executor is null ? default : new(
            executor.ChunkStatistics.Blocks, executor.ChunkStatistics.Conflicted, executor.LaneStatistics.Blocks, executor.LaneStatistics.Conflicted);
    }

    /// <summary>Collections per 100 blocks.</summary>
    private static string Per100(int collections, int rounds) => (collections * 100.0 / rounds).ToString("0", CultureInfo.InvariantCulture);

    /// <summary>A block of <paramref name="count"/> transactions from distinct funded senders, each built by <paramref name="call"/>; <paramref name="pairs"/> swap pairs deployed.</summary>
    private static (string, BlockInput, InMemoryStateReader) Workload(string name, int count, Func<int, (Address To, byte[] Data, ulong Gas)> call, int pairs = 0)
    {
        var state = new InMemoryStateReader();
        state.SetAccount(Token, 1, UInt256.Zero, TokenCode);
        state.SetAccount(Counter, 1, UInt256.Zero, CounterCode);
        var reserve = new UInt256(1_000_000_000_000_000_000UL);
        for (int pair = 0; pair < pairs; pair++)
        {
            state.SetAccount(Pair(pair), 1, UInt256.Zero, PairCode);
            state.SetStorage(Pair(pair), UInt256.Zero, reserve);
            state.SetStorage(Pair(pair), UInt256.One, reserve);
        }

        var txs = new List<(Transaction, Address)>(count);
        for (int i = 0; i < count; i++)
        {
            Address sender = Holder(i);
            state.SetAccount(sender, 0, new UInt256(1_000_000_000_000_000_000UL), []);
            state.SetStorage(Token, UInt256.FromBigEndian(Word(sender)), new UInt256(1000));
            (Address to, byte[] data, ulong gas) = call(i);
            txs.Add((new Transaction
            {
                Type = TransactionType.DynamicFee,
                ChainId = 1,
                To = to,
                Nonce = 0,
                GasLimit = gas,
                Value = data.Length == 0 && to != Counter ? UInt256.One : UInt256.Zero,
                Data = data,
                MaxFeePerGas = new UInt256(10),
                MaxPriorityFeePerGas = new UInt256(2),
            }, sender));
        }

        var header = new BlockHeader
        {
            ParentHash = Hash256.Zero,
            Beneficiary = new Address(Enumerable.Repeat((byte)0xcb, 20).ToArray()),
            Number = 1,
            Timestamp = 1000,
            GasLimit = (ulong)count * 100_000,
            BaseFeePerGas = new UInt256(7),
            ParentBeaconBlockRoot = Hash256.Zero,
            ExcessBlobGas = 0,
        };
        return (name, new BlockInput(header, txs), state);
    }

    /// <summary>The pair swap <paramref name="i"/> trades on: one of the shared pairs for every eighth, else its own.</summary>
    private static Address SwapPair(int i) => i % 8 == 0 ? Pair(i / 8 % SharedPairs) : Pair(SharedPairs + i);

    private static Address Pair(int i)
    {
        var bytes = new byte[20];
        bytes[0] = 0xbb;
        BitConverter.TryWriteBytes(bytes.AsSpan(16), i);
        return new Address(bytes);
    }

    private static Address Holder(int i)
    {
        var bytes = new byte[20];
        bytes[0] = 0xaa;
        BitConverter.TryWriteBytes(bytes.AsSpan(16), i);
        return new Address(bytes);
    }

    private static byte[] Word(Address address)
    {
        var word = new byte[32];
        address.Bytes.CopyTo(word.AsSpan(12));
        return word;
    }

    private static byte[] Word(UInt256 value)
    {
        var word = new byte[32];
        value.WriteBigEndian(word);
        return word;
    }

    private static double Median(List<double> values)
    {
        double[] sorted = [.. values.Order()];
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    /// <summary>
    /// The gen0 budget the process runs with, which the GC figures depend on: the runtime reads <c>GCgen0size</c> only
    /// from the environment (not from runtimeconfig.json), so a run's header says whether one was set (docs/benchmarks.md, s45gc).
    /// </summary>
    private static string Gen0Budget()
    {
        string? value = Environment.GetEnvironmentVariable("DOTNET_GCgen0size") ?? Environment.GetEnvironmentVariable("COMPlus_GCgen0size");
        if (value is null)
        {
            return "GC gen0 budget the runtime's default (no DOTNET_GCgen0size)";
        }

        // The runtime parses its GC settings as hexadecimal, with or without the 0x.
        string digits = value.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? value[2..] : value;
        return ulong.TryParse(digits, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong bytes)
            ? string.Create(CultureInfo.InvariantCulture, $"GC gen0 budget DOTNET_GCgen0size={value} ({bytes / (1024.0 * 1024):0.#} MB)")
            : $"GC gen0 budget DOTNET_GCgen0size={value} (not hexadecimal: the runtime's default)";
    }

    /// <summary>What gen0 held when the last gen0 or gen1 collection started: about the budget the runtime is using.</summary>
    private static string Gen0AtLastCollection()
    {
        GCMemoryInfo last = GC.GetGCMemoryInfo(GCKind.Ephemeral);
        return last.Index == 0 ? "none" : string.Create(CultureInfo.InvariantCulture, $"{last.GenerationInfo[0].SizeBeforeBytes / (1024.0 * 1024):0.0} MB");
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";
}
