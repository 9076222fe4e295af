using Hyperion.Core;
using Hyperion.Core.Blocks;

namespace Hyperion.Chain.Tests;

/// <summary>
/// The persisted index of the block log (<see cref="ChainRecovery.IndexDirectoryName"/>): a reopened chain answers every
/// lookup as before without reading the log, and an index that is missing, behind, ahead of the log, of another history,
/// or damaged is caught up or rebuilt, never served.
/// </summary>
public sealed class ChainIndexTests : IDisposable
{
    private static readonly Address Bob = TestChain.Accounts[1].Address;
    private static readonly ChainOptions Ephemeral = new() { Sequencer = new() { BlockTime = TimeSpan.FromHours(1) } };

    private readonly string _directory = TestChain.TempDirectory();
    private readonly List<string> _warnings = [];
    private readonly List<string> _copies = [];

    public void Dispose()
    {
        foreach (string directory in _copies.Append(_directory))
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private ChainOptions Persistent => Ephemeral with { DataDirectory = _directory, Warning = _warnings.Add };

    private string IndexDirectory => Path.Combine(_directory, ChainRecovery.IndexDirectoryName);

    private string LogPath => Path.Combine(_directory, ChainRecovery.ChainFileName);

    /// <summary>Every lookup a client can make of a chain: by number, by hash, of each transaction, and the state edits.</summary>
    private sealed record Snapshot(ulong Head, List<Hash256> Hashes, List<(Hash256 Tx, ulong Block, int Index)> Transactions, List<int> Edits, int PendingEdits);

    private static Snapshot Capture(ChainStore store)
    {
        var hashes = new List<Hash256>();
        var transactions = new List<(Hash256, ulong, int)>();
        var edits = new List<int>();
        for (ulong n = 0; n <= store.Head.Number; n++)
        {
            StoredBlock block = store.GetByNumber(n)!;
            Assert.Equal(n, block.Number);
            Assert.Equal(n, store.GetByHash(block.Hash)!.Number);
            Assert.Equal(block.Hash, store.GetBlockHash(n));
            hashes.Add(block.Hash);
            for (int i = 0; i < block.Block.Transactions.Length; i++)
            {
                Assert.True(store.TryFindTransaction(block.Block.Transactions[i].Hash, out StoredBlock found, out int index));
                Assert.Equal((n, i), (found.Number, index));
                Assert.Equal(block.Receipts[i].CumulativeGasUsed, found.Receipts[i].CumulativeGasUsed);
                Assert.Equal(block.Senders[i], found.Senders[i]);
                transactions.Add((block.Block.Transactions[i].Hash, n, i));
            }

            edits.Add(store.EditsBefore(n).Count);
        }

        Assert.Null(store.GetByNumber(store.Head.Number + 1));
        return new Snapshot(store.Head.Number, hashes, transactions, edits, store.PendingEdits.Count);
    }

    private static void AssertSame(Snapshot expected, Snapshot actual)
    {
        Assert.Equal(expected.Head, actual.Head);
        Assert.Equal(expected.Hashes, actual.Hashes);
        Assert.Equal(expected.Transactions, actual.Transactions);
        Assert.Equal(expected.Edits, actual.Edits);
        Assert.Equal(expected.PendingEdits, actual.PendingEdits);
    }

    /// <summary>A chain of <paramref name="blocks"/> blocks of two transfers, with state edits before some blocks and after the head.</summary>
    private Snapshot Build(int blocks, ulong value = 1, int firstNonce = 0)
    {
        using LocalChain chain = LocalChain.Start(TestChain.Genesis(), Persistent);
        int nonce = firstNonce;
        for (int i = 0; i < blocks; i++)
        {
            if (i % 3 == 1)
            {
                chain.Dev.EditState(new StateEdit(TestChain.Accounts[2].Address) { Balance = (ulong)i + 5 });
            }

            Assert.Null(chain.Pool.Add(TestChain.Transfer(0, Bob, value, nonce: (ulong)nonce++)));
            Assert.Null(chain.Pool.Add(TestChain.Transfer(0, Bob, value, nonce: (ulong)nonce++)));
            chain.Dev.Mine();
        }

        chain.Dev.EditState(new StateEdit(TestChain.Accounts[2].Address) { Balance = 1 });
        return Capture(chain.Chain.Store);
    }

    private Snapshot Reopen(out RecoveryReport report)
    {
        using LocalChain chain = LocalChain.Start(TestChain.Genesis(), Persistent);
        report = chain.Recovery;
        return Capture(chain.Chain.Store);
    }

    [Fact]
    public void A_reopened_chain_answers_every_lookup_as_before_reading_no_block_of_the_log()
    {
        Snapshot before = Build(12);
        AssertSame(before, Reopen(out RecoveryReport report));
        Assert.Equal(0, report.IndexedBlocks);
        Assert.Equal(0, report.ReplayedBlocks);
        Assert.Empty(_warnings);
        Assert.True(Directory.Exists(IndexDirectory));
    }

    [Fact]
    public void A_missing_index_is_rebuilt_from_the_log_with_a_warning()
    {
        Snapshot before = Build(8);
        Directory.Delete(IndexDirectory, recursive: true);
        AssertSame(before, Reopen(out RecoveryReport report));
        Assert.Equal(9, report.IndexedBlocks);
        Assert.Contains(_warnings, w => w.Contains("it is missing; rebuilt it from the block log (9 blocks)", StringComparison.Ordinal));
    }

    /// <summary>
    /// A crash between a block's log append and its index batch (or during the batch: an LMDB commit is atomic, so the
    /// index is left at its last commit) leaves the index behind the log: the open indexes only the tail.
    /// </summary>
    [Fact]
    public void An_index_behind_the_log_catches_up_from_its_checkpoint()
    {
        Build(5);
        string saved = CopyIndex();
        using (LocalChain chain = LocalChain.Start(TestChain.Genesis(), Persistent))
        {
            Assert.Null(chain.Pool.Add(TestChain.Transfer(0, Bob, 1, nonce: 10)));
            chain.Dev.Mine();
            Assert.Null(chain.Pool.Add(TestChain.Transfer(0, Bob, 1, nonce: 11)));
            chain.Dev.Mine();
        }

        Snapshot before = Reopen(out _);
        RestoreIndex(saved);
        AssertSame(before, Reopen(out RecoveryReport report));
        Assert.Equal(2, report.IndexedBlocks);
        Assert.Empty(_warnings);
    }

    /// <summary>
    /// The index is written in batches of <see cref="ChainStore.IndexBatchBlocks"/> blocks: the blocks appended since
    /// the last batch are served from memory, and a crash (the files copied while the chain runs: what a kill -9 leaves)
    /// reopens with the index at its last batch, the log's blocks after it indexed at the open.
    /// </summary>
    [Fact]
    public void Blocks_not_yet_indexed_are_served_and_a_crash_indexes_them_from_the_log()
    {
        int blocks = ChainStore.IndexBatchBlocks + 6;
        string crashed = TestChain.TempDirectory();
        _copies.Add(crashed);
        Snapshot live;
        using (LocalChain chain = LocalChain.Start(TestChain.Genesis(), Persistent))
        {
            for (int i = 0; i < blocks; i++)
            {
                if (i % 9 == 4)
                {
                    chain.Dev.EditState(new StateEdit(TestChain.Accounts[2].Address) { Balance = (ulong)i + 5 });
                }

                Assert.Null(chain.Pool.Add(TestChain.Transfer(0, Bob, 1, nonce: (ulong)i)));
                chain.Dev.Mine();
            }

            live = Capture(chain.Chain.Store);
            File.Copy(LogPath, Path.Combine(crashed, ChainRecovery.ChainFileName));
            Directory.CreateDirectory(Path.Combine(crashed, ChainRecovery.IndexDirectoryName));
            foreach (string file in Directory.GetFiles(IndexDirectory))
            {
                File.Copy(file, Path.Combine(crashed, ChainRecovery.IndexDirectoryName, Path.GetFileName(file)));
            }
        }

        Assert.Equal((ulong)blocks, live.Head);
        using (ChainStore reopened = ChainStore.Open(Path.Combine(crashed, ChainRecovery.ChainFileName), GenesisBlock()))
        {
            Assert.Null(reopened.IndexRebuildReason);
            Assert.Equal(blocks - ChainStore.IndexBatchBlocks, reopened.IndexedAtOpen);
            AssertSame(live, Capture(reopened));
        }

        // A clean stop writes the blocks not yet indexed: the next open reads none from the log.
        AssertSame(live, Reopen(out RecoveryReport report));
        Assert.Equal(0, report.IndexedBlocks);
    }

    /// <summary>A truncation among blocks not yet indexed (evm_revert to a recent snapshot), then more blocks: every lookup is the log's.</summary>
    [Fact]
    public void A_truncation_among_blocks_not_yet_indexed_drops_them_from_every_lookup()
    {
        Snapshot kept;
        List<Hash256> dropped;
        using (LocalChain chain = LocalChain.Start(TestChain.Genesis(), Persistent))
        {
            for (int i = 0; i < 5; i++)
            {
                Assert.Null(chain.Pool.Add(TestChain.Transfer(0, Bob, 1, nonce: (ulong)i)));
                chain.Dev.Mine();
            }

            ChainStore store = chain.Chain.Store;
            dropped = [.. Enumerable.Range(4, 2).SelectMany(n => store.GetByNumber((ulong)n)!.Block.Transactions.Select(t => t.Hash))];
            Hash256 droppedBlock = store.GetByNumber(5)!.Hash;
            lock (chain.Chain.WriteLock)
            {
                store.TruncateAfter(3);
            }

            Assert.Null(store.GetByHash(droppedBlock));
            Assert.All(dropped, hash => Assert.False(store.TryFindTransaction(hash, out _, out _)));
            kept = Capture(store);
        }

        using ChainStore reopened = ChainStore.Open(LogPath, GenesisBlock());
        Assert.Equal(0, reopened.IndexedAtOpen);
        AssertSame(kept, Capture(reopened));
        Assert.All(dropped, hash => Assert.False(reopened.TryFindTransaction(hash, out _, out _)));
    }

    /// <summary>
    /// An ephemeral chain past its entries' first array (16), truncated (its arrays copied), then extended again: every
    /// lookup finds the blocks of the chain it has, none of the dropped ones, and the edits before each block.
    /// </summary>
    [Fact]
    public void An_ephemeral_chain_truncated_and_extended_answers_every_lookup_from_the_chain_it_has()
    {
        using LocalChain chain = LocalChain.Start(TestChain.Genesis(), Ephemeral);
        ChainStore store = chain.Chain.Store;
        ulong snapshot = 0;
        for (int i = 0; i < 20; i++)
        {
            if (i % 7 == 3)
            {
                chain.Dev.EditState(new StateEdit(TestChain.Accounts[2].Address) { Balance = (ulong)i + 5 });
            }

            if (i == 12)
            {
                snapshot = chain.Dev.Snapshot(); // at block 12, its edits since none
            }

            Assert.Null(chain.Pool.Add(TestChain.Transfer(0, Bob, 1, nonce: (ulong)i)));
            chain.Dev.Mine();
        }

        StoredBlock[] before = [.. Enumerable.Range(0, 21).Select(n => store.GetByNumber((ulong)n)!)];
        int[] editsBefore = [.. Enumerable.Range(0, 21).Select(n => store.EditsBefore((ulong)n).Count)];
        Assert.Equal(3, editsBefore.Sum());
        Assert.True(chain.Dev.Revert(snapshot));

        Assert.Equal(12UL, store.Head.Number);
        Assert.All(before[13..], dropped =>
        {
            Assert.Null(store.GetByNumber(dropped.Number));
            Assert.Null(store.GetByHash(dropped.Hash));
            Assert.False(store.TryFindTransaction(dropped.Block.Transactions[0].Hash, out _, out _));
        });
        for (int n = 0; n <= 12; n++)
        {
            Assert.Same(before[n], store.GetByNumber((ulong)n));
            Assert.Same(before[n], store.GetByHash(before[n].Hash));
            Assert.Equal(editsBefore[n], store.EditsBefore((ulong)n).Count);
            if (n > 0)
            {
                Assert.True(store.TryFindTransaction(before[n].Block.Transactions[0].Hash, out StoredBlock holder, out int index));
                Assert.Same(before[n], holder);
                Assert.Equal(0, index);
            }
        }

        // Blocks after the truncation (into its own array, past its first size) are found by number and hash, and the
        // dropped ones stay dropped.
        for (int i = 12; i < 30; i++)
        {
            Assert.Null(chain.Pool.Add(TestChain.Transfer(0, Bob, 2, nonce: (ulong)i)));
            StoredBlock block = chain.Dev.Mine();
            Assert.Same(block, store.GetByNumber(block.Number));
            Assert.Same(block, store.GetByHash(block.Hash));
            Assert.True(store.TryFindTransaction(block.Block.Transactions[0].Hash, out StoredBlock holder, out _));
            Assert.Same(block, holder);
            Assert.Empty(store.EditsBefore(block.Number));
        }

        Assert.Equal(30UL, store.Head.Number);
        Assert.All(before[..13], kept => Assert.Same(kept, store.GetByHash(kept.Hash)));
        Assert.All(before[13..], dropped => Assert.Null(store.GetByHash(dropped.Hash)));
    }

    [Fact]
    public void An_index_ahead_of_the_log_is_rebuilt()
    {
        Build(6);
        using (BlockLog log = BlockLog.Open(LogPath, out List<byte[]> records))
        {
            log.TruncateTo(records.Take(4).Sum(r => BlockLog.RecordSize(r.Length))); // what `db repair` does to a damaged log
        }

        Snapshot reopened = Reopen(out RecoveryReport report);
        Assert.True(reopened.Head < 6);
        Assert.Contains(_warnings, w => w.Contains("bytes of the block log (to block 6), which has", StringComparison.Ordinal));
        Assert.Equal((int)reopened.Head + 1, report.IndexedBlocks);
    }

    [Fact]
    public void An_index_of_another_history_is_rebuilt_not_served()
    {
        Build(4, value: 1);
        string saved = CopyIndex();
        Directory.Delete(_directory, recursive: true);
        Directory.CreateDirectory(_directory);
        Snapshot other = Build(4, value: 2); // same genesis, other blocks, same lengths
        RestoreIndex(saved);
        AssertSame(other, Reopen(out RecoveryReport report));
        Assert.Contains(_warnings, w => w.Contains("rebuilt it from the block log", StringComparison.Ordinal));
        Assert.Equal(5, report.IndexedBlocks);
    }

    /// <summary>
    /// The index's data file cut at any length (a copy or a write interrupted midway) or overwritten in places: the open
    /// rebuilds it, or every lookup answers what the log holds or fails with a clear error — never a wrong block.
    /// </summary>
    [Fact]
    public void A_damaged_index_is_rebuilt_or_reported_never_served()
    {
        Snapshot before = Build(6);
        string saved = CopyIndex();
        string data = Path.Combine(IndexDirectory, "data.mdb");
        long length = new FileInfo(data).Length;
        var random = new Random(18);
        for (int round = 0; round < 24; round++)
        {
            RestoreIndex(saved);
            if (round % 2 == 0)
            {
                using var file = new FileStream(data, FileMode.Open);
                file.SetLength(random.NextInt64(0, length));
            }
            else
            {
                byte[] bytes = File.ReadAllBytes(data);
                bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
                File.WriteAllBytes(data, bytes);
            }

            _warnings.Clear();
            try
            {
                AssertSame(before, Reopen(out _));
            }
            catch (InvalidDataException e)
            {
                Assert.Contains("chain index", e.Message, StringComparison.OrdinalIgnoreCase);
            }
        }
    }

    [Fact]
    public void A_truncated_chain_reopens_without_its_dropped_blocks()
    {
        Build(6);
        Block genesis;
        List<Hash256> dropped;
        Snapshot kept;
        using (ChainStore store = ChainStore.Open(LogPath, GenesisBlock()))
        {
            genesis = store.Genesis.Block;
            dropped = [.. Enumerable.Range(4, 3).SelectMany(n => store.GetByNumber((ulong)n)!.Block.Transactions.Select(t => t.Hash))];
            Hash256 droppedBlock = store.GetByNumber(5)!.Hash;
            store.TruncateAfter(3, pendingEdits: store.EditsBefore(4).Count);
            Assert.Null(store.GetByHash(droppedBlock));
            Assert.Null(store.GetByNumber(4));
            kept = Capture(store);
        }

        using (ChainStore reopened = ChainStore.Open(LogPath, genesis))
        {
            Assert.Equal(0, reopened.IndexedAtOpen);
            Assert.Null(reopened.IndexRebuildReason);
            AssertSame(kept, Capture(reopened));
            Assert.All(dropped, hash => Assert.False(reopened.TryFindTransaction(hash, out _, out _)));
        }

        // The store continues from block 3 with the edits it kept.
        using LocalChain chain = LocalChain.Start(TestChain.Genesis(), Persistent);
        Assert.Equal(3UL, chain.Chain.Store.Head.Number);
    }

    private static Block GenesisBlock()
    {
        Genesis genesis = TestChain.Genesis();
        return new Block(genesis.BuildHeader(genesis.BuildState().ComputeStateRoot()), new BlockBody([], [], []));
    }

    private string CopyIndex()
    {
        string copy = TestChain.TempDirectory();
        _copies.Add(copy);
        foreach (string file in Directory.GetFiles(IndexDirectory))
        {
            File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        }

        return copy;
    }

    private void RestoreIndex(string copy)
    {
        Directory.Delete(IndexDirectory, recursive: true);
        Directory.CreateDirectory(IndexDirectory);
        foreach (string file in Directory.GetFiles(copy))
        {
            File.Copy(file, Path.Combine(IndexDirectory, Path.GetFileName(file)));
        }
    }
}
