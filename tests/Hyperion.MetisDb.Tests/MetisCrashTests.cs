using System.Diagnostics;
using Hyperion.MetisDb.CrashWriter;

namespace Hyperion.MetisDb.Tests;

public class MetisCrashTests
{
    /// <summary>The writer, referenced by this test project, is copied beside the test assembly.</summary>
    private static string WriterPath() => Path.Combine(AppContext.BaseDirectory, "Hyperion.MetisDb.CrashWriter.dll");

    [Fact]
    public void Killing_the_writer_at_random_moments_never_loses_or_corrupts_a_committed_block()
    {
        string writerPath = WriterPath();
        Assert.True(File.Exists(writerPath), $"missing {writerPath}");
        using var directory = new TempDirectory();
        var random = new Random(20261123);
        var model = new MetisTestModel();
        long replayed = -1;
        ulong previousHead = 0;
        int killsAfterCommits = 0;
        int killsBetweenPhases = 0;
        var budget = Stopwatch.StartNew();
        // A count of kills, not a time budget: on a loaded machine each cycle (a process start) is slow, and fewer kills
        // would weaken the test; the ceiling only keeps a stuck run from hanging the suite.
        for (int kill = 0; kill < 20 && budget.Elapsed < TimeSpan.FromSeconds(300); kill++)
        {
            var start = new ProcessStartInfo("dotnet")
            {
                RedirectStandardOutput = true,
                UseShellExecute = false,
            };
            start.ArgumentList.Add(writerPath);
            start.ArgumentList.Add(directory.Path);
            long acknowledged;
            using (Process writer = Process.Start(start)!)
            {
                // Wait for the first commit of this run, then kill at a random moment of the commit loop. Every block the
                // writer printed had returned from Commit (durable): the reopened store must hold it.
                string? firstLine = writer.StandardOutput.ReadLine();
                Assert.NotNull(firstLine);
                long lastPrinted = long.Parse(firstLine);
                var reader = new Thread(() =>
                {
                    while (writer.StandardOutput.ReadLine() is { } line)
                    {
                        Volatile.Write(ref lastPrinted, long.Parse(line));
                    }
                });
                reader.Start();
                Thread.Sleep(random.Next(0, 250));
                writer.Kill(entireProcessTree: true);
                writer.WaitForExit();
                reader.Join();
                acknowledged = Volatile.Read(ref lastPrinted);
                killsAfterCommits++;
            }

            using MetisStore store = MetisStore.Open(directory.Path, new MetisStoreOptions { Durable = false });
            killsBetweenPhases += store.RecoveredPendingBlock ? 1 : 0;
            ulong head = store.Head ?? throw new InvalidOperationException("a block was reported committed but the store is empty");
            Assert.True(head >= previousHead, $"head went back from {previousHead} to {head}");
            Assert.True((long)head >= acknowledged, $"block {acknowledged} was acknowledged but the store reopened at {head}");
            previousHead = head;
            for (ulong block = (ulong)(replayed + 1); block <= head; block++)
            {
                model.Apply(MetisCrashWorkload.Block(block));
            }

            replayed = (long)head;
            Assert.Equal(model.StateRoot(), store.GetStateRoot(head));
            MetisVerifyResult verify = store.Verify();
            Assert.True(verify.Ok, $"after kill {kill}: {verify}");
            Assert.Equal(model.Accounts.Count, verify.Accounts);
        }

        Assert.True(killsAfterCommits >= 10, $"only {killsAfterCommits} kills in {budget.Elapsed}");
        Assert.True(previousHead > 20);
        // Most of a commit is the root computation between the two LMDB transactions: some kills must land there.
        Assert.True(killsBetweenPhases >= 1, "no kill landed between the flat write and the root commit");
    }
}
