using Hyperion.Core;
using Hyperion.Core.Transactions;

namespace Hyperion.Chain.Tests;

/// <summary>What a node does with a damaged or shared data directory.</summary>
public sealed class DataDirectoryTests : IDisposable
{
    private static readonly Address Bob = TestChain.Accounts[1].Address;
    private readonly string _directory = TestChain.TempDirectory();

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void A_second_node_on_the_same_directory_refuses_to_start()
    {
        var options = new ChainOptions { DataDirectory = _directory };
        using (LocalChain.Start(TestChain.Genesis(), options))
        {
            IOException error = Assert.Throws<IOException>(() => LocalChain.Start(TestChain.Genesis(), options));
            Assert.Contains("in use by another Hyperion process", error.Message);
        }

        // Released on stop.
        using (LocalChain.Start(TestChain.Genesis(), options))
        {
        }
    }

    [Fact]
    public void A_flipped_bit_in_an_early_block_is_reported_when_read_refused_by_a_rebuild_and_only_repair_cuts_the_log()
    {
        var options = new ChainOptions { DataDirectory = _directory };
        using (LocalChain chain = LocalChain.Start(TestChain.Genesis(), options))
        {
            for (ulong nonce = 0; nonce < 5; nonce++)
            {
                Transaction tx = TestChain.Transfer(0, Bob, 1, nonce);
                Assert.Null(chain.Pool.Add(tx));
                TestChain.WaitForInclusion(chain, tx.Hash);
            }

            while (chain.Chain.Store.Head.Number < 5)
            {
                chain.Dev.Mine();
            }
        }

        string log = Path.Combine(_directory, ChainRecovery.ChainFileName);
        byte[] bytes = File.ReadAllBytes(log);
        int genesisRecord = 4 + (int)(System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes) & 0x7FFF_FFFF) + 4; // the top bit marks a CRC-32C record
        bytes[genesisRecord + 40] ^= 0x04; // inside block 1
        File.WriteAllBytes(log, bytes);

        // The open reads only the index's checkpoint and the log after it: the damaged block is reported when read.
        using (LocalChain chain = LocalChain.Start(TestChain.Genesis(), options))
        {
            Assert.Equal(5UL, chain.Chain.Store.Head.Number);
            StoredBlockDamagedException damaged = Assert.Throws<StoredBlockDamagedException>(() => chain.Chain.Store.GetByNumber(1));
            Assert.Equal(1UL, damaged.Block);
            Assert.Equal(1, Assert.IsType<BlockLogDamagedException>(damaged.InnerException).Record);
            Assert.StartsWith("block 1 is damaged in chain.log (record at byte ", damaged.Message, StringComparison.Ordinal);
            Assert.NotNull(chain.Chain.Store.GetByNumber(2));
        }

        // Without the index, the open reads (and checks) the whole log: it refuses to start.
        Directory.Delete(Path.Combine(_directory, ChainRecovery.IndexDirectoryName), recursive: true);
        BlockLogDamagedException error = Assert.Throws<BlockLogDamagedException>(() => LocalChain.Start(TestChain.Genesis(), options));
        Assert.Equal(1, error.Record);
        Assert.Equal(bytes, File.ReadAllBytes(log)); // no block dropped

        BlockLogRepair repair = BlockLog.Repair(log);
        Assert.Equal(1, repair.KeptRecords);
        Assert.True(repair.DroppedRecords >= 5);

        // The state store is now ahead of the log: it is rebuilt, with a warning, and the chain goes on from genesis.
        var warnings = new List<string>();
        using LocalChain restarted = LocalChain.Start(TestChain.Genesis(), options with { Warning = warnings.Add });
        Assert.Equal(0UL, restarted.Chain.Store.Head.Number);
        Assert.Contains(warnings, w => w.Contains("rebuilding it from genesis", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_missing_or_empty_block_log_beside_a_state_store_refuses_to_start_a_new_chain_over_it(bool empty)
    {
        var options = new ChainOptions { DataDirectory = _directory };
        using (LocalChain chain = LocalChain.Start(TestChain.Genesis(), options))
        {
            Transaction tx = TestChain.Transfer(0, Bob, 1, 0);
            Assert.Null(chain.Pool.Add(tx));
            TestChain.WaitForInclusion(chain, tx.Hash);
        }

        string log = Path.Combine(_directory, ChainRecovery.ChainFileName);
        byte[] bytes = File.ReadAllBytes(log);
        string state = Path.Combine(_directory, ChainRecovery.StateDirectoryName);
        string[] stateFiles = [.. Directory.GetFiles(state).Order(StringComparer.Ordinal)];
        if (empty)
        {
            File.WriteAllBytes(log, []);
        }
        else
        {
            File.Delete(log);
        }

        InvalidDataException error = Assert.Throws<InvalidDataException>(() => LocalChain.Start(TestChain.Genesis(), options));
        Assert.Contains("the block log chain.log is missing (or empty) but the state store", error.Message);
        Assert.Contains("restore chain.log from a backup", error.Message);
        Assert.True(!File.Exists(log) || new FileInfo(log).Length == 0, "a new chain was written");
        Assert.Equal(stateFiles, Directory.GetFiles(state).Order(StringComparer.Ordinal).ToArray()); // the state store is left as it was

        File.WriteAllBytes(log, bytes);
        using LocalChain restored = LocalChain.Start(TestChain.Genesis(), options);
        Assert.True(restored.Chain.Store.Head.Number >= 1);
    }

    [Fact]
    public void A_torn_tail_is_cut_with_a_warning_naming_the_bytes_and_the_head()
    {
        var options = new ChainOptions { DataDirectory = _directory };
        ulong head;
        using (LocalChain chain = LocalChain.Start(TestChain.Genesis(), options))
        {
            chain.Dev.Mine();
            head = chain.Chain.Store.Head.Number;
        }

        string log = Path.Combine(_directory, ChainRecovery.ChainFileName);
        File.AppendAllBytes(log, [0, 0, 1, 0, 0xde, 0xad, 0xbe, 0xef, 0x01]); // 256 bytes declared, 5 written
        var warnings = new List<string>();
        using LocalChain restarted = LocalChain.Start(TestChain.Genesis(), options with { Warning = warnings.Add });
        Assert.Equal(head, restarted.Chain.Store.Head.Number);
        Assert.Contains(warnings, w => w.Contains("cut an incomplete last record of 9 bytes", StringComparison.Ordinal) && w.Contains($"ends at block {head}", StringComparison.Ordinal));
    }

    /// <summary>
    /// A block log of Keccak-256 records (every build before the CRC-32C records) opens as it is, the chain goes on
    /// appending CRC-32C records after them, and an open that checks the whole mixed log (no index) accepts it.
    /// </summary>
    [Fact]
    public void A_block_log_an_older_build_wrote_opens_and_the_chain_goes_on_after_it()
    {
        var options = new ChainOptions { DataDirectory = _directory };
        var sent = new List<Hash256>();
        using (LocalChain chain = LocalChain.Start(TestChain.Genesis(), options))
        {
            for (ulong nonce = 0; nonce < 3; nonce++)
            {
                Transaction tx = TestChain.Transfer(0, Bob, 1, nonce);
                Assert.Null(chain.Pool.Add(tx));
                TestChain.WaitForInclusion(chain, tx.Hash);
                sent.Add(tx.Hash);
            }
        }

        string log = Path.Combine(_directory, ChainRecovery.ChainFileName);
        List<byte[]> records;
        using (BlockLog.Open(log, out records))
        {
        }

        byte[] legacy = [.. records.SelectMany(BlockLogTests.KeccakRecord)];
        File.WriteAllBytes(log, legacy);
        ulong head;
        using (LocalChain chain = LocalChain.Start(TestChain.Genesis(), options))
        {
            head = chain.Chain.Store.Head.Number;
            Assert.True(head >= 3);
            for (ulong nonce = 3; nonce < 5; nonce++)
            {
                Transaction tx = TestChain.Transfer(0, Bob, 1, nonce);
                Assert.Null(chain.Pool.Add(tx));
                TestChain.WaitForInclusion(chain, tx.Hash);
                sent.Add(tx.Hash);
            }

            head = chain.Chain.Store.Head.Number;
        }

        Assert.Equal(legacy, File.ReadAllBytes(log)[..legacy.Length]); // the old records stay as they were
        Directory.Delete(Path.Combine(_directory, ChainRecovery.IndexDirectoryName), recursive: true);
        using LocalChain reopened = LocalChain.Start(TestChain.Genesis(), options);
        Assert.Equal(head, reopened.Chain.Store.Head.Number);
        for (ulong number = 1; number <= head; number++)
        {
            StoredBlock block = reopened.Chain.Store.GetByNumber(number)!;
            Assert.Equal(block.Block.Transactions.Length, block.Receipts.Count);
        }

        HashSet<Hash256> stored = [.. Enumerable.Range(1, (int)head).SelectMany(n => reopened.Chain.Store.GetByNumber((ulong)n)!.Block.Transactions).Select(t => t.Hash)];
        Assert.All(sent, hash => Assert.Contains(hash, stored));
    }
}
