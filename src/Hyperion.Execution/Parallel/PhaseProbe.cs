using System.Diagnostics;

namespace Hyperion.Execution.Parallel;

// TEMPORARY measurement probe (branch s49end): wall time per phase on each thread of a block, sequential and the
// contiguous chunks' caller and helper. HYPERION_PHASE_PROBE=<blocks of each kind to skip>; printed to stderr at
// exit. Not for merging.
internal static class PhaseProbe
{
    public static readonly bool On = Environment.GetEnvironmentVariable("HYPERION_PHASE_PROBE") is not null;
    private static readonly int Skip = int.TryParse(Environment.GetEnvironmentVariable("HYPERION_PHASE_PROBE"), out int s) ? s : 0;

    public const int Setup = 0, Txs = 1, ChunkChanges = 2, Finish = 3, ChangeSet = 4, TxRoot = 5, ReceiptsRoot = 6, CompleteRest = 7,
        Return = 8, Assemble = 9, MergeAhead = 10, TrieAhead = 11, RLeavesWait = 12, TxLeavesWait = 13, Idle = 14, Validate = 15,
        Merge = 16, HelperMerge = 17, Publish = 18, RLeavesEnd = 19, TxLeavesEnd = 20, Roots = 21, NotEntered = 22, SystemCalls = 23,
        ChunkBegin = 24, ChunkReset = 25, ChunkSort = 26, WaitOpen = 27, IdleEnd = 28, ResetAhead = 29, AfterRoots = 30, Other = 31, Count = 32;

    public static readonly string[] Names =
    [
        "setup", "transactions", "chunk: collect+sort", "finish (tail, withdrawals)", "change set", "tx root (trie+leaves+root)",
        "receipts root", "complete rest", "return", "assemble", "merge first ahead", "receipts trie ahead", "receipts' leaves in wait",
        "tx leaves in wait / helper", "idle (spin)", "validate", "merge (+ take helper's)", "helper merge", "publish receipts",
        "receipts' leaves at end", "tx leaves at end", "roots above leaves", "helper: not entered", "system calls (+merge)",
        "chunks begin (tables cleared)", "chunk: tables emptied+world reset", "chunk: sort", "helper: entered, run not open", "helper: idle before receipts", "helper: worlds reset ahead", "helper: after roots (resets, reads)", "other",
    ];

    public const int Sequential = 0, X1 = 1, Caller = 2, Helper = 3, Kinds = 4;
    private static readonly string[] KindNames = ["sequential", "x1 (one chunk)", "x2 caller", "x2 helper"];

    private static readonly List<double>[][] Values = [.. Enumerable.Range(0, Kinds).Select(_ => Enumerable.Range(0, Count).Select(_ => new List<double>()).ToArray())];
    private static readonly List<double>[] Walls = [[], [], [], []];
    private static readonly int[] Seen = new int[Kinds];

    [ThreadStatic]
    private static Recorder? t_recorder;

    private sealed class Recorder
    {
        public readonly long[] Acc = new long[Count];
        public int Phase;
        public long At;
        public long Start;
        public bool Active;
    }

    static PhaseProbe()
    {
        if (On)
        {
            AppDomain.CurrentDomain.ProcessExit += (_, _) => Print();
        }
    }

    /// <summary>This thread starts a block's part at <paramref name="phase"/>; <paramref name="blockStart"/>: the block's start (a helper's time before is "not entered").</summary>
    public static long Begin(int phase, long blockStart = 0)
    {
        if (!On)
        {
            return 0;
        }

        Recorder r = t_recorder ??= new Recorder();
        Array.Clear(r.Acc);
        long now = Stopwatch.GetTimestamp();
        r.Start = blockStart == 0 ? now : blockStart;
        if (blockStart != 0)
        {
            r.Acc[NotEntered] = now - blockStart;
        }

        r.Phase = phase;
        r.At = now;
        r.Active = true;
        return r.Start;
    }

    public static void Mark(int phase)
    {
        if (!On)
        {
            return;
        }

        Recorder? r = t_recorder;
        if (r is null || !r.Active)
        {
            return;
        }

        long now = Stopwatch.GetTimestamp();
        r.Acc[r.Phase] += now - r.At;
        r.Phase = phase;
        r.At = now;
    }

    public static void End(int kind)
    {
        if (!On)
        {
            return;
        }

        Recorder? r = t_recorder;
        if (r is null || !r.Active)
        {
            return;
        }

        Mark(Other);
        r.Active = false;
        long wall = r.At - r.Start;
        lock (Values)
        {
            if (++Seen[kind] <= Skip)
            {
                return;
            }

            for (int i = 0; i < Count; i++)
            {
                Values[kind][i].Add(r.Acc[i] * 1000.0 / Stopwatch.Frequency);
            }

            Walls[kind].Add(wall * 1000.0 / Stopwatch.Frequency);
        }
    }

    private static double Median(List<double> values)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        values.Sort();
        return values[values.Count / 2];
    }

    private static void Print()
    {
        lock (Values)
        {
            for (int k = 0; k < Kinds; k++)
            {
                if (Walls[k].Count == 0)
                {
                    continue;
                }

                Console.Error.WriteLine($"phase probe {KindNames[k]}: {Walls[k].Count} blocks after {Skip}; wall (this thread, from the block's start) mean {Walls[k].Average():F3} median {Median(Walls[k]):F3} ms");
                for (int i = 0; i < Count; i++)
                {
                    List<double> v = Values[k][i];
                    double mean = v.Average();
                    if (mean > 0.0005)
                    {
                        Console.Error.WriteLine($"  {Names[i],-34} mean {mean,7:F3}  median {Median(v),7:F3} ms");
                    }
                }
            }
        }
    }
}
