using System.Diagnostics;
using System.Globalization;
using Hyperion.Core.Blocks;
using Hyperion.Core.Transactions;

namespace Hyperion.Chain.Tests;

/// <summary>
/// Damaged block logs (fixed seed, bounded time): random truncation, bit flips, garbage appended, and these combined.
/// Every outcome is either the records before the damage, exactly, with the cut reported (<see cref="BlockLog.TornTailBytes"/>),
/// or a <see cref="BlockLogDamagedException"/> naming the damaged record with the file left as it was — never another
/// exception, and never a record that was complete and intact dropped without a refusal.
/// </summary>
/// <remarks>
/// The test command runs 3 s from a fixed seed; a longer run sets <c>HYPERION_FUZZ_SECONDS</c> and, for other inputs,
/// <c>HYPERION_FUZZ_SEED</c> (docs/operating.md, "Fuzzing").
/// </remarks>
public sealed class BlockLogFuzzTests : IDisposable
{
    private static readonly int Seed = FromEnvironment("HYPERION_FUZZ_SEED", 20_261_202);
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(FromEnvironment("HYPERION_FUZZ_SECONDS", 3));

    private readonly string _directory = TestChain.TempDirectory();

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static int FromEnvironment(string name, int fallback) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } text
            ? int.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture)
            : fallback;

    private enum Damage
    {
        Truncate,
        FlipBit,
        AppendGarbage,
        FlipThenTruncate,
    }

    [Fact]
    public void Open_on_a_damaged_log_keeps_the_intact_prefix_and_reports_or_refuses_naming_the_record()
    {
        var random = new Random(Seed);
        string path = Path.Combine(_directory, "chain.log");
        var watch = Stopwatch.StartNew();
        int cases = 0;
        while (watch.Elapsed < Budget || cases < 200)
        {
            (byte[] intact, List<byte[]> records, List<long> ends) = RandomLog(random, path);
            byte[] damaged = intact.ToArray();
            var kind = (Damage)random.Next(4);
            int flipped = -1; // the record a flipped bit landed in
            long cut = intact.Length;
            if (kind is Damage.FlipBit or Damage.FlipThenTruncate)
            {
                int position = random.Next(intact.Length);
                damaged[position] ^= (byte)(1 << random.Next(8));
                flipped = ends.FindIndex(end => position < end);
            }

            if (kind is Damage.Truncate or Damage.FlipThenTruncate)
            {
                cut = random.NextInt64(intact.Length + 1);
                damaged = damaged[..(int)cut];
            }

            if (kind is Damage.AppendGarbage)
            {
                byte[] garbage = new byte[random.Next(1, 64)];
                random.NextBytes(garbage);
                damaged = [.. damaged, .. garbage];
            }

            File.WriteAllBytes(path, damaged);
            string label = $"seed {Seed}, case {cases}: {kind}, {records.Count} records, flipped record {flipped}, cut at {cut} of {intact.Length}";
            int completeBeforeCut = ends.Count(end => end <= cut);
            try
            {
                using BlockLog log = BlockLog.Open(path, out List<byte[]> opened);
                int expected = flipped >= 0 && flipped < completeBeforeCut ? -1 : completeBeforeCut;
                Assert.True(expected >= 0, $"{label}: opened with {opened.Count} records although record {flipped}, complete in the file, is damaged");
                Assert.True(opened.Count == expected, $"{label}: opened with {opened.Count} records, expected {expected}");
                for (int i = 0; i < opened.Count; i++)
                {
                    Assert.True(opened[i].AsSpan().SequenceEqual(records[i]), $"{label}: record {i} differs");
                }

                long kept = opened.Count == 0 ? 0 : ends[opened.Count - 1];
                Assert.True(new FileInfo(path).Length == kept, $"{label}: the file was not cut to the records kept");
                Assert.True(log.TornTailBytes == damaged.Length - kept, $"{label}: reported a cut of {log.TornTailBytes} bytes, not {damaged.Length - kept}");
            }
            catch (BlockLogDamagedException error)
            {
                // A refusal names the first record that is not intact and changes nothing. Garbage appended may
                // frame a complete record of its own, which then fails its checksum.
                int firstDamaged = kind is Damage.AppendGarbage ? records.Count : flipped;
                Assert.True(error.Record == firstDamaged, $"{label}: refused naming record {error.Record}, not {firstDamaged}: {error.Message}");
                Assert.True(File.ReadAllBytes(path).AsSpan().SequenceEqual(damaged), $"{label}: a refusal changed the file");
            }

            cases++;
        }
    }

    /// <summary>
    /// Records whose checksum matches but whose contents are damaged (as a bug in the writer would leave them): opening
    /// the chain and reading every block's receipts and senders either works or fails with
    /// <see cref="InvalidDataException"/> naming the block — never another exception, which the node would not report.
    /// </summary>
    [Fact]
    public void Records_that_do_not_decode_are_a_clear_error_when_opened_and_read()
    {
        var random = new Random(Seed);
        string nodeDirectory = Path.Combine(_directory, "node");
        Block genesis;
        using (LocalChain chain = LocalChain.Start(TestChain.Genesis(), new ChainOptions { DataDirectory = nodeDirectory }))
        {
            for (ulong nonce = 0; nonce < 3; nonce++)
            {
                Transaction tx = TestChain.Transfer(0, TestChain.Accounts[1].Address, 1, nonce);
                Assert.Null(chain.Pool.Add(tx));
                TestChain.WaitForInclusion(chain, tx.Hash);
            }

            chain.Dev.EditState(new StateEdit(TestChain.Accounts[2].Address) { Balance = 5 }); // a state-edit record too
            genesis = chain.Chain.Store.Genesis.Block;
        }

        List<byte[]> records;
        using (BlockLog.Open(Path.Combine(nodeDirectory, ChainRecovery.ChainFileName), out records))
        {
        }

        string fuzzDirectory = Path.Combine(_directory, "fuzz");
        Directory.CreateDirectory(fuzzDirectory);
        string path = Path.Combine(fuzzDirectory, ChainRecovery.ChainFileName);
        var watch = Stopwatch.StartNew();
        int cases = 0;
        while (watch.Elapsed < Budget || cases < 100)
        {
            int damaged = random.Next(records.Count);
            byte[] record = records[damaged].ToArray();
            switch (random.Next(3))
            {
                case 0:
                    record[random.Next(record.Length)] ^= (byte)(1 << random.Next(8));
                    break;
                case 1:
                    record = record[..random.Next(record.Length)];
                    break;
                default:
                    int start = random.Next(record.Length);
                    random.NextBytes(record.AsSpan(start, Math.Min(record.Length - start, random.Next(1, 16))));
                    break;
            }

            File.Delete(path);
            using (BlockLog log = BlockLog.Open(path, out _))
            {
                for (int i = 0; i < records.Count; i++)
                {
                    log.Append(i == damaged ? record : records[i]);
                }
            }

            try
            {
                using ChainStore store = ChainStore.Open(path, genesis);
                for (ulong n = 1; n <= store.Head.Number; n++)
                {
                    StoredBlock block = store.GetByNumber(n)!;
                    _ = block.Receipts.Count + block.Senders.Count;
                }
            }
            catch (Exception e) when (e is InvalidDataException or StoredBlockDamagedException or BlockLogDamagedException)
            {
                // A clear report: what the node prints as it refuses to start (or answers a client).
            }
            catch (Exception e)
            {
                Assert.Fail($"seed {Seed}, case {cases}: record {damaged} damaged to {Convert.ToHexString(record)}: {e}");
            }

            cases++;
        }
    }

    /// <summary>What the fuzzing found (HYPERION_FUZZ_SEED=11, 30 s): a state-edit record cut after its address.</summary>
    [Fact]
    public void A_state_edit_record_cut_after_its_address_is_a_clear_error()
    {
        var options = new ChainOptions { DataDirectory = Path.Combine(_directory, "node") };
        using (LocalChain.Start(TestChain.Genesis(), options))
        {
        }

        using (BlockLog log = BlockLog.Open(Path.Combine(options.DataDirectory, ChainRecovery.ChainFileName), out _))
        {
            log.Append(Convert.FromHexString("FFFFFFFF3C44CDDDB6A900FA2B585DD299E03D12FA4293BC")); // edit marker, an address, no flags
        }

        InvalidDataException error = Assert.Throws<InvalidDataException>(() => LocalChain.Start(TestChain.Genesis(), options));
        Assert.Contains("state edit: record too short", error.Message);
    }

    /// <summary>A log of 1 to 12 records of random sizes (some empty, some longer than a buffer), its bytes and each record's end offset.</summary>
    private static (byte[] Bytes, List<byte[]> Records, List<long> Ends) RandomLog(Random random, string path)
    {
        File.Delete(path);
        var records = new List<byte[]>();
        var ends = new List<long>();
        int count = random.Next(1, 13);
        // A log an older build began (Keccak-256 records) and this one appended to (CRC-32C records), or either alone.
        int legacy = random.Next(3) == 0 ? random.Next(count + 1) : 0;
        long end = 0;
        for (int i = 0; i < count; i++)
        {
            byte[] record = new byte[random.Next(8) == 0 ? random.Next(70_000, 140_000) : random.Next(0, 300)];
            random.NextBytes(record);
            records.Add(record);
            end += 4 + record.Length + 4;
            ends.Add(end);
        }

        File.WriteAllBytes(path, [.. records.Take(legacy).SelectMany(BlockLogTests.KeccakRecord)]);
        using (BlockLog log = BlockLog.Open(path, out List<byte[]> opened))
        {
            Assert.Equal(legacy, opened.Count);
            foreach (byte[] record in records.Skip(legacy))
            {
                log.Append(record);
            }
        }

        return (File.ReadAllBytes(path), records, ends);
    }
}
