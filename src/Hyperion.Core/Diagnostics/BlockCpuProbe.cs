using System.Globalization;
using System.Text;

namespace Hyperion.Core.Diagnostics;

/// <summary>The phases of a produced block that <see cref="BlockCpuProbe"/> times, on the thread that runs each.</summary>
public enum BlockCpuPhase
{
    /// <summary>The includer: the block opened (its header draft, world state, builder), the system calls included.</summary>
    Open,

    /// <summary>The includer: the pre-block system calls (EIP-4788, EIP-2935), inside <see cref="Open"/>.</summary>
    SystemCalls,

    /// <summary>The includer: the block's world state taken (reset over the parent's), inside <see cref="Open"/>.</summary>
    OpenState,

    /// <summary>The includer: the pool's selection and the transactions' execution.</summary>
    Transactions,

    /// <summary>The includer: the block closed (its end, change set, transactions' and receipts' roots).</summary>
    Close,

    /// <summary>The includer: the block's end (withdrawals, rewards, the EIP-161 clean-up), inside <see cref="Close"/>.</summary>
    CloseFinish,

    /// <summary>The includer: the world state's change set collected, inside <see cref="Close"/>.</summary>
    CloseChanges,

    /// <summary>The includer: the transactions', receipts' and withdrawals' roots, inside <see cref="Close"/>.</summary>
    CloseListRoots,

    /// <summary>The includer: the world state reset for the next block, inside <see cref="Close"/>.</summary>
    CloseReturnState,

    /// <summary>The includer: the wait for the parent's commit (its CPU: a spin, a futex).</summary>
    ParentCommitWait,

    /// <summary>The includer: the change set merged with state edits and staged, the state root computed.</summary>
    StateRoot,

    /// <summary>The includer: the change set applied to the latest in-memory state, inside <see cref="StateRoot"/>.</summary>
    StateApply,

    /// <summary>The includer: the block's history layer captured, inside <see cref="StateRoot"/>.</summary>
    StateCapture,

    /// <summary>The includer: the oldest layer folded into the window's base state, inside <see cref="StateRoot"/>.</summary>
    StateBaseApply,

    /// <summary>The includer: the tries hashed (storage roots, then the account trie), inside <see cref="StateRoot"/>.</summary>
    StateHash,

    /// <summary>The includer: the header and the block's lists assembled.</summary>
    Assemble,

    /// <summary>The includer: the commit handed to the commit thread.</summary>
    HandOff,

    /// <summary>The includer: the whole block, every phase above and what lies between them.</summary>
    IncluderBlock,

    /// <summary>The commit thread: the block log's append, the state's publish inside it.</summary>
    Append,

    /// <summary>The commit thread: the state's publish, inside <see cref="Append"/>.</summary>
    Publish,

    /// <summary>The commit thread: the pool's move to the new head.</summary>
    PoolMove,

    /// <summary>The commit thread: the block-added subscribers (metrics, feeds, indexes).</summary>
    Subscribers,

    /// <summary>The commit thread: the waiting senders answered.</summary>
    Announce,

    /// <summary>The commit thread: the chain index's batch between blocks.</summary>
    IndexBetween,

    /// <summary>The commit thread: the whole commit, every commit phase above and what lies between them.</summary>
    CommitBlock,
}

/// <summary>
/// A per-block CPU probe of block production (issue 14): the includer's and the commit thread's own CPU time
/// (<see cref="ThreadCpuClock"/>) per block, split by <see cref="BlockCpuPhase"/>, summed by block size and written at
/// process exit. Off unless the environment variable <c>HYPERION_BLOCK_CPU_PROBE</c> is set (to a file path, or
/// <c>stderr</c>); off, every call site is one test of a static read-only flag. On, each timed phase costs two
/// <c>clock_gettime</c> system calls (~0.5 µs), ~10 µs a block in all, which the figures include.
/// </summary>
public static class BlockCpuProbe
{
    private const string Variable = "HYPERION_BLOCK_CPU_PROBE";
    private static readonly int Phases = Enum.GetValues<BlockCpuPhase>().Length;

    /// <summary>Block sizes (transactions) the report sums separately: empty, one, 2–20 (single sends), 21 and more (batches).</summary>
    private static readonly (int Min, int Max)[] Buckets = [(0, 0), (1, 1), (2, 20), (21, int.MaxValue)];

    /// <summary>Whether the probe is on (for the process's life).</summary>
    public static readonly bool Enabled = Environment.GetEnvironmentVariable(Variable) is { Length: > 0 };

    private static readonly object Lock = new();
    private static readonly long[] Blocks = new long[Buckets.Length];
    private static readonly long[] Transactions = new long[Buckets.Length];
    private static readonly List<long[]>[] Samples = [.. Buckets.Select(_ => new List<long[]>())];

    /// <summary>The current block's phases timed on this thread so far (ns).</summary>
    [ThreadStatic]
    private static long[]? t_sample;

    static BlockCpuProbe()
    {
        if (Enabled)
        {
            AppDomain.CurrentDomain.ProcessExit += (_, _) => WriteReport();
        }
    }

    /// <summary>The calling thread's CPU time (ns), the start of a phase; 0 when the probe is off.</summary>
    public static long Start() => Enabled ? ThreadCpuClock.Nanoseconds() : 0;

    /// <summary>Adds the calling thread's CPU time since <paramref name="start"/> to <paramref name="phase"/> of its current block.</summary>
    public static void Stop(BlockCpuPhase phase, long start)
    {
        if (Enabled)
        {
            (t_sample ??= new long[Phases])[(int)phase] += ThreadCpuClock.Nanoseconds() - start;
        }
    }

    /// <summary>Takes the phases this thread timed since its last take (a block's, to be merged with its commit's); null when the probe is off.</summary>
    public static long[]? TakeThreadSample()
    {
        if (!Enabled)
        {
            return null;
        }

        long[] sample = t_sample ?? new long[Phases];
        t_sample = null;
        return sample;
    }

    /// <summary>Adds this thread's phases since its last take to <paramref name="sample"/> (a block's) and sums it under its <paramref name="transactions"/>.</summary>
    public static void Record(long[]? sample, int transactions)
    {
        if (!Enabled || sample is null)
        {
            return;
        }

        if (TakeThreadSample() is { } own)
        {
            for (int p = 0; p < Phases; p++)
            {
                sample[p] += own[p];
            }
        }

        int bucket = Array.FindIndex(Buckets, b => transactions >= b.Min && transactions <= b.Max);
        lock (Lock)
        {
            Blocks[bucket]++;
            Transactions[bucket] += transactions;
            Samples[bucket].Add(sample);
        }
    }

    /// <summary>
    /// The report: per block size, the blocks, their mean transactions and each phase's mean and median µs a block (a
    /// fresh node's first blocks run code the JIT has not optimized yet, and a collection lands on one block's thread:
    /// the medians are the steady cost).
    /// </summary>
    public static string Report()
    {
        var text = new StringBuilder();
        lock (Lock)
        {
            text.Append("block CPU probe (µs of thread CPU a block, mean / median)");
            foreach ((int min, int max) in Buckets)
            {
                text.Append(CultureInfo.InvariantCulture, $"\t{(min == max ? $"{min} tx" : max == int.MaxValue ? $"{min}+ tx" : $"{min}-{max} tx")}");
            }

            text.Append("\nblocks");
            for (int b = 0; b < Buckets.Length; b++)
            {
                text.Append(CultureInfo.InvariantCulture, $"\t{Blocks[b]}");
            }

            text.Append("\ntransactions a block");
            for (int b = 0; b < Buckets.Length; b++)
            {
                text.Append(CultureInfo.InvariantCulture, $"\t{(Blocks[b] == 0 ? 0 : (decimal)Transactions[b] / Blocks[b]):0.0}");
            }

            foreach (BlockCpuPhase phase in Enum.GetValues<BlockCpuPhase>())
            {
                text.Append(CultureInfo.InvariantCulture, $"\n{phase}");
                for (int b = 0; b < Buckets.Length; b++)
                {
                    text.Append(CultureInfo.InvariantCulture, $"\t{MeanMicroseconds(Samples[b], (int)phase):0.0} / {MedianMicroseconds(Samples[b], (int)phase):0.0}");
                }
            }
        }

        return text.Append('\n').ToString();
    }

    private static decimal MeanMicroseconds(List<long[]> samples, int phase) =>
        samples.Count == 0 ? 0 : (decimal)samples.Sum(sample => sample[phase]) / samples.Count / 1000;

    private static decimal MedianMicroseconds(List<long[]> samples, int phase)
    {
        if (samples.Count == 0)
        {
            return 0;
        }

        long[] values = [.. samples.Select(sample => sample[phase])];
        Array.Sort(values);
        return values[values.Length / 2] / 1000m;
    }

    private static void WriteReport()
    {
        string target = Environment.GetEnvironmentVariable(Variable)!;
        if (target == "stderr")
        {
            Console.Error.Write(Report());
        }
        else
        {
            File.AppendAllText(target, Report());
        }
    }
}
