using System.Diagnostics;

namespace Hyperion.Execution.Parallel;

// TEMPORARY measurement probe (branch s46raw): per-phase stamps of a two-chunk block, from TryImport's start.
// HYPERION_CHUNK_PROBE=<blocks to skip>; printed to stderr at exit. Not for merging.
internal static class ChunkProbe
{
    public static readonly bool On = Environment.GetEnvironmentVariable("HYPERION_CHUNK_PROBE") is not null;
    private static readonly int Skip = int.TryParse(Environment.GetEnvironmentVariable("HYPERION_CHUNK_PROBE"), out int s) ? s : 0;

    public static readonly string[] Names =
    [
        "helper enters", "helper's chunk starts", "caller's chunk ends", "caller starts waiting", "helper's chunk ends",
        "chunk 1 valid", "chunk 1 assembled", "receipts published", "merged", "tail + FinishBlock", "tail merged",
        "change set", "receipts' leaves taken", "tx leaves taken", "complete", "block end",
        "helper: tx leaves done", "helper: receipts published seen", "helper: receipts' leaves done", "caller sees chunk 1 done", "helper's merge taken (n = blocks)", "helper: merge done",
        "run opens", "caller's chunk starts", "tx trie made (by the helper: n)", "caller: tx trie made", "caller: helper's merge waited (n)",
    ];

    public const int HelperEnters = 0, HelperChunkStarts = 1, CallerChunkEnds = 2, CallerWaits = 3, HelperChunkEnds = 4,
        Valid1 = 5, Assembled = 6, ReceiptsPublished = 7, Merged = 8, Tail = 9, TailMerged = 10, ChangeSet = 11,
        ReceiptLeavesTaken = 12, TxLeavesTaken = 13, Complete = 14, BlockEnd = 15, HelperTxLeaves = 16, HelperSawReceipts = 17,
        HelperReceiptLeaves = 18, CallerSeesChunk1 = 19, HelperMergeTaken = 20, HelperMerged = 21,
        Open = 22, CallerChunkStarts = 23, HelperMadeTxTrie = 24, CallerMadeTxTrie = 25, CallerWaitedHelperMerge = 26, Count = 27;

    private static readonly double[] Sums = new double[Count];
    private static readonly int[] Counts = new int[Count];
    private static readonly List<double>[] Values = [.. Enumerable.Range(0, Count).Select(_ => new List<double>())];
    private static readonly List<double>[] Gaps = [[], [], [], []];
    private static readonly string[] GapNames = ["helper's chunk start - helper enters", "caller sees chunk 1 - helper's chunk ends", "block end - helper's chunk ends", "caller's chunk ends - helper's ends"];

    private static double Median(List<double> values)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        values.Sort();
        return values[values.Count / 2];
    }
    private static int _blocks, _seen, _gcBlocks, _callerTx;
    private static double _gcPauseMs;

    static ChunkProbe()
    {
        if (On)
        {
            AppDomain.CurrentDomain.ProcessExit += (_, _) => Print();
        }
    }

    public sealed class Stamps
    {
        public readonly long[] At = new long[Count];
        public long Start;
        public int Gen0;
        public TimeSpan Pause;

        public void Begin()
        {
            Array.Clear(At);
            Start = Stopwatch.GetTimestamp();
            Gen0 = GC.CollectionCount(0);
            Pause = GC.GetTotalPauseDuration();
        }

        public void Mark(int phase) => At[phase] = Stopwatch.GetTimestamp();

        public void Set(int phase, long ticks) => At[phase] = ticks;
    }

    public static void End(Stamps stamps, int chunks, int callerTx)
    {
        if (chunks != 2)
        {
            return;
        }

        stamps.Mark(BlockEnd);
        lock (Sums)
        {
            if (++_seen <= Skip)
            {
                return;
            }

            _blocks++;
            _callerTx += callerTx;
            if (GC.CollectionCount(0) != stamps.Gen0)
            {
                _gcBlocks++;
            }

            _gcPauseMs += (GC.GetTotalPauseDuration() - stamps.Pause).TotalMilliseconds;
            for (int i = 0; i < Count; i++)
            {
                if (stamps.At[i] != 0)
                {
                    double ms = (stamps.At[i] - stamps.Start) * 1000.0 / Stopwatch.Frequency;
                    Sums[i] += ms;
                    Counts[i]++;
                    Values[i].Add(ms);
                }
            }

            // Per-block gaps (medians printed): the helper's start after it entered, the caller's notice after the helper's chunk.
            if (stamps.At[HelperEnters] != 0 && stamps.At[HelperChunkStarts] != 0)
            {
                Gaps[0].Add((stamps.At[HelperChunkStarts] - stamps.At[HelperEnters]) * 1000.0 / Stopwatch.Frequency);
            }

            if (stamps.At[CallerSeesChunk1] != 0 && stamps.At[HelperChunkEnds] != 0)
            {
                Gaps[1].Add((stamps.At[CallerSeesChunk1] - stamps.At[HelperChunkEnds]) * 1000.0 / Stopwatch.Frequency);
            }

            if (stamps.At[HelperChunkEnds] != 0)
            {
                Gaps[2].Add((stamps.At[BlockEnd] - stamps.At[HelperChunkEnds]) * 1000.0 / Stopwatch.Frequency);
                Gaps[3].Add((stamps.At[CallerChunkEnds] - stamps.At[HelperChunkEnds]) * 1000.0 / Stopwatch.Frequency);
            }
        }
    }

    private static void Print()
    {
        lock (Sums)
        {
            Console.Error.WriteLine($"chunk probe: {_blocks} two-chunk blocks after {Skip}; caller's tx {(double)_callerTx / Math.Max(1, _blocks):F0}; blocks with a gen0 {_gcBlocks}; GC pause ms/block {_gcPauseMs / Math.Max(1, _blocks):F3}");
            for (int i = 0; i < Count; i++)
            {
                Console.Error.WriteLine($"  {Names[i],-34} {(Counts[i] == 0 ? double.NaN : Sums[i] / Counts[i]),7:F3} ms  median {Median(Values[i]),7:F3}  (n={Counts[i]})");
            }

            for (int i = 0; i < Gaps.Length; i++)
            {
                Console.Error.WriteLine($"  gap: {GapNames[i],-44} median {Median(Gaps[i]),7:F3} ms  (n={Gaps[i].Count})");
            }
        }
    }
}
