using System.Buffers;
using System.Buffers.Binary;
using Hyperion.Core;
using Hyperion.Core.Crypto;
using Hyperion.Core.IO;

namespace Hyperion.MetisDb.Tests;

/// <summary>
/// The write-ahead log that makes a commit durable without fsyncing LMDB: a crash after the log append replays the
/// block, a torn or damaged last record is dropped (never half-applied), replaying is idempotent, and a store written
/// without a sync in an earlier boot of the machine is refused.
/// </summary>
public class MetisWriteAheadLogTests
{
    private static readonly byte[] Code = [0x60, 0x01, 0x60, 0x02, 0x01];

    /// <summary>Commits blocks 0..<paramref name="last"/> (block 1 also stores code), then crashes right after block last+1's log append.</summary>
    private static MetisBlockChanges CommitThenCrashAfterAppend(string directory, MetisTestModel model, ulong last, out Hash256 rootBeforeCrash)
    {
        var random = new Random(11);
        var addresses = new List<Hash256>();
        MetisStore store = MetisStore.Open(directory);
        for (ulong block = 0; block <= last; block++)
        {
            MetisBlockChanges changes = model.RandomBlock(random, 40, addresses);
            if (block == 1)
            {
                changes.AddCode(Code);
            }

            store.Commit(block, changes);
        }

        rootBeforeCrash = model.StateRoot();
        MetisBlockChanges next = model.RandomBlock(random, 40, addresses);
        store.CrashAfterLogAppend = true;
        Assert.Throws<IOException>(() => store.Commit(last + 1, next));
        return next;
    }

    [Fact]
    public void A_crash_between_the_log_append_and_the_LMDB_apply_replays_the_block_on_open()
    {
        using var directory = new TempDirectory();
        var model = new MetisTestModel();
        CommitThenCrashAfterAppend(directory.Path, model, 5, out _);

        using MetisStore reopened = MetisStore.Open(directory.Path);
        Assert.Equal(1, reopened.ReplayedBlocks);
        Assert.True(reopened.RecoveredPendingBlock);
        Assert.Equal(6UL, reopened.Head);
        Assert.Equal(model.StateRoot(), reopened.GetStateRoot(6));
        Assert.True(reopened.Verify().Ok);
        using MetisSnapshot snapshot = reopened.OpenSnapshot();
        Assert.Equal(Code, snapshot.GetCode(Keccak256.Hash(Code)));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_torn_or_damaged_last_record_is_dropped_and_the_store_reopens_at_the_block_before(bool torn)
    {
        using var directory = new TempDirectory();
        var model = new MetisTestModel();
        CommitThenCrashAfterAppend(directory.Path, model, 5, out Hash256 rootAtFive);
        string log = Path.Combine(directory.Path, MetisWriteAheadLog.FileName);
        long length = new FileInfo(log).Length;
        using (var file = new FileStream(log, FileMode.Open, FileAccess.ReadWrite))
        {
            if (torn)
            {
                file.SetLength(length - 7);
            }
            else
            {
                file.Position = length - 40;
                int b = file.ReadByte();
                file.Position = length - 40;
                file.WriteByte((byte)(b ^ 0x10));
            }
        }

        using MetisStore reopened = MetisStore.Open(directory.Path);
        Assert.Equal(0, reopened.ReplayedBlocks);
        Assert.Equal(5UL, reopened.Head);
        Assert.Equal(rootAtFive, reopened.GetStateRoot(5));
        Assert.True(reopened.Verify().Ok);
    }

    [Fact]
    public void Replaying_a_log_whose_blocks_are_already_applied_changes_nothing()
    {
        using var directory = new TempDirectory();
        var model = new MetisTestModel();
        CommitThenCrashAfterAppend(directory.Path, model, 5, out _);
        string log = Path.Combine(directory.Path, MetisWriteAheadLog.FileName);
        byte[] logBeforeReplay = File.ReadAllBytes(log);

        MetisStore first = MetisStore.Open(directory.Path);
        Assert.Equal(1, first.ReplayedBlocks);
        Hash256 root = first.GetStateRoot(6);
        // Killed after the replay: then the same log again, as if the replay's own checkpoint had not happened.
        first.Abandon();
        File.WriteAllBytes(log, logBeforeReplay);

        using MetisStore second = MetisStore.Open(directory.Path);
        Assert.Equal(0, second.ReplayedBlocks);
        Assert.Equal(6UL, second.Head);
        Assert.Equal(root, second.GetStateRoot(6));
        Assert.Equal(model.StateRoot(), root);
        Assert.True(second.Verify().Ok);
    }

    [Fact]
    public void A_killed_writer_loses_no_published_block_and_the_log_holds_them_until_the_checkpoint()
    {
        using var directory = new TempDirectory();
        var model = new MetisTestModel();
        var random = new Random(5);
        var addresses = new List<Hash256>();
        MetisStore store = MetisStore.Open(directory.Path);
        for (ulong block = 0; block <= 10; block++)
        {
            store.Commit(block, model.RandomBlock(random, 30, addresses));
            if (block == 0)
            {
                // Block 0's checkpoint runs in the background at the head it finds; wait for it, so it covers block 0 only.
                Assert.True(SpinWait.SpinUntil(() => store.SyncedThrough == 0, TimeSpan.FromSeconds(60)));
            }
        }

        store.Abandon();
        Assert.True(new FileInfo(Path.Combine(directory.Path, MetisWriteAheadLog.FileName)).Length > 64, "blocks 1..10 are logged");
        using MetisStore reopened = MetisStore.Open(directory.Path);
        Assert.Equal(10UL, reopened.Head);
        Assert.Equal(model.StateRoot(), reopened.GetStateRoot(10));
        Assert.True(reopened.Verify().Ok);
    }

    [Fact]
    public void A_store_written_without_a_sync_before_a_restart_of_the_machine_is_refused_but_a_cleanly_closed_one_opens()
    {
        using var directory = new TempDirectory();
        var model = new MetisTestModel();
        var random = new Random(9);
        var addresses = new List<Hash256>();
        MetisStore store = MetisStore.Open(directory.Path, new MetisStoreOptions { BootId = "boot-a" });
        store.Commit(0, model.RandomBlock(random, 30, addresses));
        store.Commit(1, model.RandomBlock(random, 30, addresses));
        store.Abandon();

        InvalidDataException refused = Assert.Throws<InvalidDataException>(() => MetisStore.Open(directory.Path, new MetisStoreOptions { BootId = "boot-b" }));
        Assert.Contains("without a sync", refused.Message);
        Assert.Contains("rebuild the state from the block log", refused.Message);

        // The same boot (a killed process): fine; then closed cleanly, it opens in any later boot.
        using (MetisStore sameBoot = MetisStore.Open(directory.Path, new MetisStoreOptions { BootId = "boot-a" }))
        {
            Assert.Equal(1UL, sameBoot.Head);
        }

        using MetisStore later = MetisStore.Open(directory.Path, new MetisStoreOptions { BootId = "boot-c" });
        Assert.Equal(1UL, later.Head);
        Assert.Equal(model.StateRoot(), later.GetStateRoot(1));
    }

    /// <summary>
    /// A record is not fsynced (issue 14): it may only ever be read back in the boot that wrote it. That holds because a
    /// log with records always says "dirty", also after a checkpoint emptied it and blocks followed, so another boot
    /// refuses it (and the chain rebuilds the state from its fsynced block log) instead of replaying what may be lost.
    /// </summary>
    [Fact]
    public void Records_written_after_a_checkpoint_are_never_replayed_in_another_boot()
    {
        using var directory = new TempDirectory();
        var model = new MetisTestModel();
        var random = new Random(21);
        var addresses = new List<Hash256>();
        MetisStore store = MetisStore.Open(directory.Path, new MetisStoreOptions { BootId = "boot-a" });
        ulong last = MetisStore.TrieCheckpointInterval + 2; // a checkpoint empties the log at block 64; two blocks follow it
        CommitToFirstCheckpoint(store, model, random, addresses);
        Assert.True(SpinWait.SpinUntil(() => store.SyncedThrough == (long)MetisStore.TrieCheckpointInterval, TimeSpan.FromSeconds(60)));
        CommitBlocks(store, model, random, addresses, MetisStore.TrieCheckpointInterval + 1, last);

        store.Abandon();
        Assert.True(new FileInfo(Path.Combine(directory.Path, "wal.log")).Length > 64, "the blocks after the checkpoint are in the log");
        InvalidDataException refused = Assert.Throws<InvalidDataException>(() => MetisStore.Open(directory.Path, new MetisStoreOptions { BootId = "boot-b" }));
        Assert.Contains("without a sync", refused.Message);

        using MetisStore sameBoot = MetisStore.Open(directory.Path, new MetisStoreOptions { BootId = "boot-a" });
        Assert.Equal(last, sameBoot.Head);
        Assert.Equal(model.StateRoot(), sameBoot.GetStateRoot(last));
    }

    /// <summary>Commits blocks 0..<paramref name="last"/> of random changes (the model follows them).</summary>
    private static void CommitBlocks(MetisStore store, MetisTestModel model, Random random, List<Hash256> addresses, ulong first, ulong last)
    {
        for (ulong block = first; block <= last; block++)
        {
            store.Commit(block, model.RandomBlock(random, 10, addresses));
        }
    }

    /// <summary>
    /// Commits blocks 0 to the first checkpoint block after it; block 0's background checkpoint is awaited first, so
    /// the next one is due exactly at <see cref="MetisStore.TrieCheckpointInterval"/>.
    /// </summary>
    private static void CommitToFirstCheckpoint(MetisStore store, MetisTestModel model, Random random, List<Hash256> addresses)
    {
        CommitBlocks(store, model, random, addresses, 0, 0);
        Assert.True(SpinWait.SpinUntil(() => store.SyncedThrough == 0, TimeSpan.FromSeconds(60)), "block 0's checkpoint finished");
        CommitBlocks(store, model, random, addresses, 1, MetisStore.TrieCheckpointInterval);
    }

    /// <summary>
    /// Opens a store (boot "boot-a") whose background sync of the first checkpoint block waits for
    /// <paramref name="gate"/>, commits blocks 0 to that checkpoint, and returns once that sync has started.
    /// </summary>
    private static MetisStore CommitToCheckpointWithItsSyncHeld(string directory, MetisTestModel model, Random random, List<Hash256> addresses, ManualResetEventSlim gate)
    {
        ulong checkpoint = MetisStore.TrieCheckpointInterval;
        using var reached = new ManualResetEventSlim();
        MetisStore store = MetisStore.Open(directory, new MetisStoreOptions { BootId = "boot-a" });
        store.BeforeBackgroundSync = block =>
        {
            if (block == checkpoint)
            {
                reached.Set();
                gate.Wait();
            }
        };
        CommitToFirstCheckpoint(store, model, random, addresses);
        Assert.True(reached.Wait(TimeSpan.FromSeconds(60)), "the checkpoint's sync started");
        return store;
    }

    /// <summary>
    /// The every-64-blocks LMDB sync runs beside the commits (issue 14): blocks after the checkpoint commit while the
    /// sync is held, and a crash before it finishes reopens (same boot) at the last block with the same root, while
    /// another boot refuses the store (it was written without a sync).
    /// </summary>
    [Fact]
    public async Task Blocks_commit_while_the_checkpoint_sync_is_held_and_a_crash_before_it_finishes_recovers_the_same_root()
    {
        using var directory = new TempDirectory();
        var model = new MetisTestModel();
        var random = new Random(31);
        var addresses = new List<Hash256>();
        ulong checkpoint = MetisStore.TrieCheckpointInterval;
        using var gate = new ManualResetEventSlim();
        // Disposing it after Abandon does nothing.
        using MetisStore store = CommitToCheckpointWithItsSyncHeld(directory.Path, model, random, addresses, gate);
        Task later = Task.Run(() => CommitBlocks(store, model, random, addresses, checkpoint + 1, checkpoint + 6));
        await later.WaitAsync(TimeSpan.FromSeconds(60)); // blocks after the checkpoint commit while its sync is held
        Assert.True(store.SyncedThrough < (long)checkpoint, "the held sync has not finished");

        // Killed while the sync waits: it never runs.
        Task abandoned = Task.Run(store.Abandon);
        gate.Set();
        await abandoned.WaitAsync(TimeSpan.FromSeconds(60));

        InvalidDataException refused = Assert.Throws<InvalidDataException>(() => MetisStore.Open(directory.Path, new MetisStoreOptions { BootId = "boot-b" }));
        Assert.Contains("without a sync", refused.Message);
        using MetisStore reopened = MetisStore.Open(directory.Path, new MetisStoreOptions { BootId = "boot-a" });
        Assert.Equal(checkpoint + 6, reopened.Head);
        Assert.Equal(model.StateRoot(), reopened.GetStateRoot(checkpoint + 6));
        Assert.True(reopened.Verify().Ok);
    }

    /// <summary>
    /// A finished background sync drops the log records of the blocks it covered, keeps those published while it ran,
    /// and leaves the log dirty (LMDB was written after the sync began), so another boot still refuses the store.
    /// </summary>
    [Fact]
    public void A_finished_background_sync_drops_only_the_records_it_covered_and_leaves_the_log_dirty()
    {
        using var directory = new TempDirectory();
        var model = new MetisTestModel();
        var random = new Random(37);
        var addresses = new List<Hash256>();
        ulong checkpoint = MetisStore.TrieCheckpointInterval;
        using var gate = new ManualResetEventSlim();
        using MetisStore store = CommitToCheckpointWithItsSyncHeld(directory.Path, model, random, addresses, gate);
        CommitBlocks(store, model, random, addresses, checkpoint + 1, checkpoint + 2);
        gate.Set();
        Assert.True(SpinWait.SpinUntil(() => store.SyncedThrough == (long)checkpoint, TimeSpan.FromSeconds(60)), "the sync finished");
        store.Abandon();

        using (MetisWriteAheadLog log = MetisWriteAheadLog.Open(directory.Path, "boot-a", out List<(ulong Block, byte[] Payload)> records))
        {
            Assert.Equal([checkpoint + 1, checkpoint + 2], records.Select(record => record.Block));
        }

        Assert.Throws<InvalidDataException>(() => MetisStore.Open(directory.Path, new MetisStoreOptions { BootId = "boot-b" }));
        using MetisStore reopened = MetisStore.Open(directory.Path, new MetisStoreOptions { BootId = "boot-a" });
        Assert.Equal(checkpoint + 2, reopened.Head);
        Assert.Equal(model.StateRoot(), reopened.GetStateRoot(checkpoint + 2));
        Assert.True(reopened.Verify().Ok);
    }

    /// <summary>
    /// A failed background sync is not lost: the store takes no more blocks (with the sync's error), closing it does not
    /// mark it clean, and reopening refuses it in any boot, so the chain rebuilds the state from its block log.
    /// </summary>
    [Fact]
    public void A_failed_background_sync_stops_the_store_and_reopening_refuses_it()
    {
        using var directory = new TempDirectory();
        var model = new MetisTestModel();
        var random = new Random(41);
        var addresses = new List<Hash256>();
        ulong checkpoint = MetisStore.TrieCheckpointInterval;
        using MetisStore store = MetisStore.Open(directory.Path, new MetisStoreOptions { BootId = "boot-a" });
        store.BeforeBackgroundSync = block =>
        {
            if (block == checkpoint)
            {
                throw new IOException("simulated fsync failure: Input/output error");
            }
        };
        CommitToFirstCheckpoint(store, model, random, addresses);
        Assert.True(SpinWait.SpinUntil(() => store.SyncFailure is not null, TimeSpan.FromSeconds(60)), "the failure is recorded");
        IOException stopped = Assert.Throws<IOException>(() => store.Commit(checkpoint + 1, model.RandomBlock(random, 10, addresses)));
        Assert.Contains($"background checkpoint of the LMDB file in {directory.Path} through block {checkpoint} failed", stopped.Message);
        Assert.Contains("Input/output error", stopped.Message);
        Assert.Equal(checkpoint, store.Head);
        Assert.Throws<IOException>(store.Checkpoint);
        store.Dispose();

        InvalidDataException refused = Assert.Throws<InvalidDataException>(() => MetisStore.Open(directory.Path, new MetisStoreOptions { BootId = "boot-a" }));
        Assert.Contains("sync of the LMDB file", refused.Message);
        Assert.Contains("rebuild the state from the block log", refused.Message);
    }

    /// <summary>A record payload as builds before version 2 wrote it: fixed-width counts, nonce, balance, values and code hash.</summary>
    private static byte[] FixedWidthPayload(ulong block, MetisBlockChanges changes)
    {
        var output = new List<byte>();
        void Add(ReadOnlySpan<byte> bytes) => output.AddRange(bytes.ToArray());
        void AddUInt32(int value) => Add(BitConverter.GetBytes((uint)value));
        void AddWord(UInt256 value) => Add(value.ToBigEndian());
        Add(BitConverter.GetBytes(block));
        AddUInt32(changes.Code.Count);
        foreach ((Hash256 hash, byte[] code) in changes.Code)
        {
            Add(hash.Bytes);
            AddUInt32(code.Length);
            Add(code);
        }

        AddUInt32(changes.Accounts.Count);
        foreach ((Hash256 address, MetisBlockChanges.AccountChange change) in changes.Accounts)
        {
            Add(address.Bytes);
            output.Add((byte)((change.Destroyed ? 1 : 0) | (change.Account is null ? 0 : 2)));
            if (change.Account is { } account)
            {
                Add(BitConverter.GetBytes(account.Nonce));
                AddWord(account.Balance);
                Add(account.CodeHash.Bytes);
            }

            AddUInt32(change.Storage.Count);
            foreach ((Hash256 slot, UInt256 value) in change.Storage)
            {
                Add(slot.Bytes);
                AddWord(value);
            }
        }

        return [.. output];
    }

    private static byte[] Framed(byte[] payload)
    {
        var frame = new byte[8 + payload.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(frame, (uint)payload.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(4), Crc32C.Compute(payload));
        payload.CopyTo(frame, 8);
        return frame;
    }

    private static uint HeaderVersion(string directory) =>
        BinaryPrimitives.ReadUInt32LittleEndian(File.ReadAllBytes(Path.Combine(directory, MetisWriteAheadLog.FileName)).AsSpan(8));

    private static void SetHeaderVersion(string directory, uint version)
    {
        using var file = new FileStream(Path.Combine(directory, MetisWriteAheadLog.FileName), FileMode.Open, FileAccess.Write);
        file.Position = 8;
        file.Write(BitConverter.GetBytes(version));
    }

    /// <summary>Every field of the compact encoding at its extremes comes back as written, and a transfer's sender costs under half of the fixed-width record.</summary>
    [Fact]
    public void A_record_keeps_every_field_at_its_extremes_and_a_senders_change_is_under_half_the_fixed_width_size()
    {
        var changes = new MetisBlockChanges();
        Hash256 Address(int i) => Keccak256.Hash([(byte)i]);
        Hash256 codeHash = Keccak256.Hash(Code);
        changes.AddCode(Code);
        changes.SetAccountByHash(Address(1), 0, UInt256.Zero, Keccak256.OfEmpty);
        changes.SetAccountByHash(Address(2), ulong.MaxValue, UInt256.MaxValue, codeHash);
        changes.DeleteAccountByHash(Address(3));
        changes.SetAccountByHash(Address(3), 1, new UInt256(255), Keccak256.OfEmpty);
        changes.DeleteAccountByHash(Address(4));
        foreach (UInt256 value in new[] { UInt256.Zero, UInt256.One, new UInt256(0x80), UInt256.MaxValue })
        {
            changes.SetStorageByHash(Address(2), Keccak256.Hash(value.ToBigEndian()), value);
        }

        changes.SetStorageByHash(Address(5), Keccak256.Hash([5]), new UInt256(1UL << 63)); // storage without an account change
        var output = new ArrayBufferWriter<byte>();
        MetisWriteAheadLog.Encode(42, changes, output);
        MetisBlockChanges decoded = MetisWriteAheadLog.Decode(output.WrittenSpan[8..], MetisWriteAheadLog.Version);
        Assert.Equal(changes.Code.Keys.Order(), decoded.Code.Keys.Order());
        Assert.Equal(Code, decoded.Code[codeHash]);
        Assert.Equal(changes.Accounts.Keys.Order(), decoded.Accounts.Keys.Order());
        foreach ((Hash256 address, MetisBlockChanges.AccountChange change) in changes.Accounts)
        {
            MetisBlockChanges.AccountChange back = decoded.Accounts[address];
            Assert.Equal(change.Destroyed, back.Destroyed);
            Assert.Equal(change.Account, back.Account);
            Assert.Equal(change.Storage.OrderBy(s => s.Key), back.Storage.OrderBy(s => s.Key));
        }

        // The same changes in the old encoding still decode to the same (the replay of an older build's log).
        MetisBlockChanges fromFixedWidth = MetisWriteAheadLog.Decode(FixedWidthPayload(42, changes), 1);
        Assert.Equal(changes.Accounts.Keys.Order(), fromFixedWidth.Accounts.Keys.Order());
        Assert.Equal(changes.Accounts[Address(2)].Account, fromFixedWidth.Accounts[Address(2)].Account);

        var sender = new MetisBlockChanges();
        sender.SetAccountByHash(Address(9), 37, UInt256.Parse("999000000000000000000"), Keccak256.OfEmpty);
        MetisWriteAheadLog.Encode(7, sender, output);
        int compact = output.WrittenCount - 8 - 8 - 1 - 1; // frame, block, the two counts
        int fixedWidth = FixedWidthPayload(7, sender).Length - 8 - 4 - 4;
        Assert.Equal(109, fixedWidth);
        Assert.True(compact * 2 < fixedWidth, $"a sender's change is {compact} bytes");
    }

    /// <summary>
    /// A crash of an older build leaves a version-1 log in this boot: it is replayed (the same root as without the
    /// crash), then emptied, and the log goes on at version 2; a clean version-1 log moves on to version 2 at once.
    /// </summary>
    [Fact]
    public void A_fixed_width_log_left_by_an_older_build_is_replayed_and_the_log_goes_on_at_the_new_version()
    {
        using var directory = new TempDirectory();
        var model = new MetisTestModel();
        MetisBlockChanges next = CommitThenCrashAfterAppend(directory.Path, model, 5, out _);
        string log = Path.Combine(directory.Path, MetisWriteAheadLog.FileName);
        byte[] bytes = File.ReadAllBytes(log);
        File.WriteAllBytes(log, [.. bytes[..64], .. Framed(FixedWidthPayload(6, next))]);
        SetHeaderVersion(directory.Path, 1);

        MetisStore reopened = MetisStore.Open(directory.Path);
        Assert.Equal(1, reopened.ReplayedBlocks);
        Assert.Equal(6UL, reopened.Head);
        Assert.Equal(model.StateRoot(), reopened.GetStateRoot(6));
        Assert.True(reopened.Verify().Ok);
        var random = new Random(3);
        var addresses = new List<Hash256>(model.Accounts.Keys);
        CommitBlocks(reopened, model, random, addresses, 7, 8); // logged at version 2 (an append to a version-1 log throws)
        reopened.Abandon();
        Assert.Equal(MetisWriteAheadLog.Version, HeaderVersion(directory.Path));

        using (MetisStore again = MetisStore.Open(directory.Path))
        {
            Assert.Equal(8UL, again.Head);
            Assert.Equal(model.StateRoot(), again.GetStateRoot(8));
        }

        // An older build that marked its log dirty and was killed before its first append: no records, and the header
        // must move on before a version-2 record follows it (a dirty header is not rewritten by the next block).
        SetHeaderVersion(directory.Path, 1);
        using (var file = new FileStream(Path.Combine(directory.Path, MetisWriteAheadLog.FileName), FileMode.Open, FileAccess.Write))
        {
            file.Position = 12;
            file.Write(BitConverter.GetBytes(1u)); // dirty
        }

        MetisStore clean = MetisStore.Open(directory.Path);
        Assert.Equal(8UL, clean.Head);
        CommitBlocks(clean, model, random, addresses, 9, 9);
        clean.Abandon();
        Assert.Equal(MetisWriteAheadLog.Version, HeaderVersion(directory.Path));
        using MetisStore last = MetisStore.Open(directory.Path);
        Assert.Equal(1, last.ReplayedBlocks);
        Assert.Equal(model.StateRoot(), last.GetStateRoot(9));
    }

    [Fact]
    public void A_log_of_an_unknown_version_is_refused_naming_it()
    {
        using var directory = new TempDirectory();
        var model = new MetisTestModel();
        CommitThenCrashAfterAppend(directory.Path, model, 2, out _);
        SetHeaderVersion(directory.Path, 9);
        InvalidDataException refused = Assert.Throws<InvalidDataException>(() => MetisStore.Open(directory.Path));
        Assert.Contains("version 9, which this build does not read", refused.Message);
        Assert.Contains("rebuild the state from the block log", refused.Message);
    }
}
