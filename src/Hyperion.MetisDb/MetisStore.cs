using System.Buffers.Binary;
using Hyperion.Core;
using Hyperion.Core.Crypto;
using Hyperion.State;
using Hyperion.State.World;
using LightningDB;

namespace Hyperion.MetisDb;

public sealed class MetisStoreOptions
{
    /// <summary>Upper bound of the memory map (the file grows as needed; the map is only address space).</summary>
    public long MapSize { get; init; } = 1L << 40;

    /// <summary>
    /// A commit survives a killed process when it returns: its record is in the write-ahead log (LMDB itself is synced
    /// every checkpoint). Off, blocks are not logged; a killed process still loses nothing LMDB committed. Either way,
    /// after an OS crash or power loss a store written since its last checkpoint refuses to open (the log's header says
    /// it is dirty) and is rebuilt from the block log, the chain's fsynced record.
    /// </summary>
    public bool Durable { get; init; } = true;

    /// <summary>Entries in each hot-cache map (accounts, slots) before it is emptied; 0 disables the cache.</summary>
    public int HotCacheCapacity { get; init; } = 1 << 20;

    public int MaxReaders { get; init; } = 512;

    /// <summary>
    /// LMDB's <c>MDB_WRITEMAP</c>: a write transaction writes its pages in the shared map instead of copying them to
    /// malloc'd pages and <c>pwrite</c>-ing them at commit (issue 14: the kernel's copy was ~10 % of a commit's CPU).
    /// LMDB then sizes the open file to <see cref="MapSize"/> (sparse); the store allocates disk blocks ahead of the pages
    /// it writes (a full disk is an error, not a SIGBUS) and cuts the file back to its pages in use when it closes.
    /// Syncs, the write-ahead log and crash recovery are the same either way. Off by default: the gain measured
    /// (~8 % of a commit's CPU) came with a ~20 % longer checkpoint, a killed process leaves a terabyte-long sparse file,
    /// and a transaction that grows the file past the allocated blocks on a full disk still meets SIGBUS.
    /// </summary>
    public bool WriteMap { get; init; }

    /// <summary>
    /// Depth (in nibbles) down to which trie nodes stay in memory between blocks; below it a subtree of about
    /// accounts/16^depth accounts is rehashed when touched. 4 keeps ~70 thousand nodes; 5 keeps ~1.1 million
    /// (worth it from a few million accounts on).
    /// </summary>
    public int TrieCacheDepth { get; init; } = 4;

    /// <summary>
    /// How many account leaves below the cached depth keep their hash in memory (81 bytes each at most: key, hash, depth,
    /// a share of the references of the branches right below each subtree's top), so a block rehashes one leaf per changed
    /// account and the branches on its path instead of every leaf of each touched subtree. The default, 4 million, holds
    /// 324 MB at most; beyond it the other subtrees are rehashed from a scan as before. 0 disables.
    /// </summary>
    public long KeptLeafHashes { get; init; } = 1L << 22;

    /// <summary>The machine's boot the write-ahead log records (tests pretend a restart with another).</summary>
    internal string BootId { get; init; } = MetisWriteAheadLog.CurrentBootId;
}

public readonly record struct MetisStats(
    ulong? Head, ulong Oldest, long AccountVersions, long StorageVersions, long CodeEntries, long BytesOnDisk, long BytesUsed);

/// <summary>
/// Where a commit's time went: <paramref name="StateRoot"/> is the wait for the root after the flat writes (the root's
/// work overlaps them); <paramref name="RootWork"/> is the root's own work, its threads' busy time summed.
/// </summary>
public readonly record struct MetisCommitTimings(TimeSpan FlatWrite, TimeSpan StateRoot, TimeSpan Total, TimeSpan RootWork);

/// <summary>Where a <see cref="MetisStore.Checkpoint"/>'s time went: the trie nodes' LMDB transaction, then the sync of the file.</summary>
public readonly record struct MetisCheckpointTimings(TimeSpan TrieNodes, TimeSpan Sync);

public readonly record struct MetisPruneResult(ulong Oldest, long AccountVersionsDeleted, long StorageVersionsDeleted);

public readonly record struct MetisVerifyResult(ulong Head, Hash256 StoredRoot, Hash256 ComputedRoot, long Accounts, long Slots, long StorageRootMismatches)
{
    public bool Ok => StoredRoot == ComputedRoot && StorageRootMismatches == 0;
}

/// <summary>
/// MetisDB: versioned flat state (accounts, storage, code) in LMDB with Ethereum state roots. One writer commits one
/// block at a time; any number of <see cref="MetisSnapshot"/> readers see a consistent recent block without locks
/// (LMDB read transactions are MVCC snapshots, and old versions stay until pruned).
/// A block commits in two steps: (1) <see cref="Stage"/>: the flat changes in one LMDB transaction, tagged with the
/// block and marked pending, and the state root computed from them; (2) <see cref="Publish"/>: the block made the head
/// in memory (snapshots and roots are served from there). Its head record in LMDB (the root, the head, the pending mark
/// cleared) is written by the next block's transaction (1), or by a checkpoint or the close, whichever comes first — not
/// on the commit's path (issue 14: a transaction of its own was ~0.45 ms of a lone send's answer). A crash before its
/// head record is written leaves a pending block that <see cref="Open"/> removes, so LMDB always reopens at a complete
/// block. No transaction is fsynced: a durable store appends the block's changes to a write-ahead log
/// (<see cref="MetisWriteAheadLog"/>, read back only in the same boot, so not fsynced either) at (2), and
/// <see cref="Open"/> replays the logged blocks after LMDB's head (the pending block removed above among them); every
/// <see cref="TrieCheckpointInterval"/> blocks a background thread writes the head record, syncs LMDB and then drops
/// the log's records of the blocks the sync covered (the commit does not wait for it). A store that is not durable
/// writes the head record at (2) in a transaction of its own, as it has no log to replay the block from.
/// </summary>
public sealed class MetisStore : IDisposable
{
    private readonly LightningEnvironment _environment;
    private readonly LightningDatabase _accounts;
    private readonly LightningDatabase _storage;
    private readonly LightningDatabase _code;
    private readonly LightningDatabase _meta;
    private readonly LightningDatabase _changes;
    private readonly LightningDatabase _trieNodes;
    private readonly Lock _writeLock = new();
    private readonly StateTrieHasher _trie;
    private readonly int _trieCacheDepth;
    private readonly string _directory;
    private readonly MetisWriteAheadLog _wal;
    private readonly bool _durable;
    private readonly bool _writeMap;
    /// <summary>WRITEMAP only: data.mdb, to allocate its blocks ahead of LMDB's writes (see <see cref="BeginWrite"/>).</summary>
    private readonly Microsoft.Win32.SafeHandles.SafeFileHandle? _dataFile;
    private long _allocatedBytes;
    private readonly long _pageSize;
    /// <summary>Disk allocated past the pages in use under WRITEMAP: at least this, or a quarter of the file.</summary>
    private const long WriteMapHeadroom = 64L << 20;
    /// <summary>The staged block's write-ahead log record, appended when it is published (reused between blocks).</summary>
    private readonly System.Buffers.ArrayBufferWriter<byte> _walRecord = new();
    /// <summary>Set while <see cref="Open"/> replays the log: the blocks are in it already.</summary>
    private bool _replaying;
    /// <summary>A log this long is emptied at the next publish (an LMDB sync) even between trie checkpoints.</summary>
    private const long WalCheckpointBytes = 256L << 20;
    /// <summary>Blocks between trie-node checkpoints: persisting nodes every block would double the commit cost.</summary>
    public const ulong TrieCheckpointInterval = 64;
    private long _trieCheckpoint;  // block whose trie nodes are persisted, -1 if none

    // The background sync (see BackgroundSyncLoop). Lock order: _writeLock, then _syncLock; the syncer never holds
    // _syncLock while it waits for _writeLock.
    private readonly Lock _syncLock = new();
    private readonly SemaphoreSlim _syncSignal = new(0);
    private Thread? _syncThread;
    private long _syncRequested = -1; // the newest block a sync was asked for, -1 when none is waiting
    private long _syncedThrough = -1; // the newest block a background sync covered
    private volatile bool _stopSync;
    private volatile Exception? _syncFailure;

    /// <summary>
    /// Storage tries of at least this many slots get an in-memory node cache. Below it a changed storage trie is rehashed
    /// from a scan of all its slots: with a token's few hundred holders that was about 40% of a small block's staging
    /// (issue 14), while a cached trie of 64 slots costs a few kilobytes.
    /// </summary>
    private const int LargeStorageSlots = 64;
    private const int MaxCachedStorageTries = 256;
    private readonly Dictionary<(Hash256, ulong), StateTrieHasher> _storageTries = [];
    private long _head;  // -1 when empty; published with Volatile after the cache is updated

    /// <summary>The published head whose head record is not yet in LMDB (see the class summary), null when it is.</summary>
    private volatile HeadRecord? _unwrittenHead;

    /// <summary>What LMDB's meta table says of a published block: its root, that it is the head (and, for the first, the oldest).</summary>
    private sealed record HeadRecord(ulong Block, Hash256 Root, bool First);
    private ulong _oldest;
    private bool _disposed;

    internal MetisHotCache Cache { get; }

    /// <summary>Trie nodes loaded from disk at open (the incremental root continues from them).</summary>
    public int LoadedTrieNodes { get; }

    /// <summary>True when opening found a half-committed block (a crash between the two commit phases) and removed it.</summary>
    public bool RecoveredPendingBlock { get; }

    static MetisStore() => LmdbNativeLibrary.EnsureResolver();

    private MetisStore(string directory, MetisStoreOptions options)
    {
        _directory = directory;
        System.IO.Directory.CreateDirectory(directory);
        MetisDataFile.CheckBeforeMapping(directory);
        _environment = new LightningEnvironment(directory, new EnvironmentConfiguration
        {
            MapSize = options.MapSize,
            MaxDatabases = 8,
            MaxReaders = options.MaxReaders,
        });
        // No fsync per LMDB commit: the write-ahead log makes commits durable, and LMDB is synced at checkpoints.
        EnvironmentOpenFlags flags = EnvironmentOpenFlags.NoThreadLocalStorage | EnvironmentOpenFlags.NoReadAhead | EnvironmentOpenFlags.NoSync
            | (options.WriteMap ? EnvironmentOpenFlags.WriteMap : EnvironmentOpenFlags.None);
        _durable = options.Durable;
        _writeMap = options.WriteMap;

        try
        {
            _environment.Open(flags);
        }
        catch (LightningException exception)
        {
            _environment.Dispose();
            throw new InvalidDataException($"MetisDB: cannot open the store in {directory}: {exception.Message}", exception);
        }

        _pageSize = _environment.EnvironmentStats.PageSize;
        if (_writeMap)
        {
            _dataFile = File.OpenHandle(System.IO.Path.Combine(directory, MetisDataFile.FileName), FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
        }

        // Reader slots of a killed process would otherwise pin old pages until the slot is reused.
        _environment.CheckStaleReaders();
        List<(ulong Block, byte[] Payload)> logged;
        try
        {
            _wal = MetisWriteAheadLog.Open(directory, options.BootId, out logged);
            _wal.MarkDirty();
        }
        catch
        {
            _wal?.Dispose();
            _dataFile?.Dispose();
            _environment.Dispose();
            throw;
        }

        Cache = new MetisHotCache(options.HotCacheCapacity);
        _trieCacheDepth = options.TrieCacheDepth;
        _trie = new StateTrieHasher(_trieCacheDepth, options.KeptLeafHashes);
        string? formatError;
        using (LightningTransaction transaction = BeginWrite())
        {
            var create = new DatabaseConfiguration { Flags = DatabaseOpenFlags.Create };
            _accounts = transaction.OpenDatabase("accounts", create);
            _storage = transaction.OpenDatabase("storage", create);
            _code = transaction.OpenDatabase("code", create);
            _meta = transaction.OpenDatabase("meta", create);
            _changes = transaction.OpenDatabase("changes", create);
            _trieNodes = transaction.OpenDatabase("trie", create);
            formatError = CheckFormat(transaction, directory);
            // Persisted nodes are only usable at the depth they were cached at, and in the format this version reads
            // (a cache: nodes of an older store are dropped and recomputed, not refused).
            if (!TryReadMeta(transaction, MetisKeys.TrieDepth, out ulong persistedDepth) || persistedDepth != (ulong)_trieCacheDepth
                || !TryReadMeta(transaction, MetisKeys.TrieFormat, out ulong nodeFormat) || nodeFormat != StateTrieHasher.NodeFormat)
            {
                transaction.TruncateDatabase(_trieNodes).ThrowOnError();
                MDBResultCode dropped = transaction.Delete(_meta, MetisKeys.TrieBlock);
                if (dropped is not (MDBResultCode.Success or MDBResultCode.NotFound))
                {
                    dropped.ThrowOnError();
                }

                WriteMeta(transaction, MetisKeys.TrieDepth, (ulong)_trieCacheDepth);
                WriteMeta(transaction, MetisKeys.TrieFormat, StateTrieHasher.NodeFormat);
            }

            if (formatError is null)
            {
                transaction.Commit().ThrowOnError();
            }
        }

        if (formatError is not null)
        {
            _wal.Dispose();
            DisposeTables();
            throw new InvalidDataException(formatError);
        }

        RecoveredPendingBlock = RollBackPendingBlock();
        using (LightningTransaction read = _environment.BeginTransaction(TransactionBeginFlags.ReadOnly))
        {
            _trieCheckpoint = TryReadMeta(read, MetisKeys.TrieBlock, out ulong trieBlock) ? (long)trieBlock : -1;
            if (_trieCheckpoint >= 0)
            {
                try
                {
                    LoadedTrieNodes = _trie.Load(read, _trieNodes);
                }
                catch (InvalidDataException)
                {
                    read.Dispose();
                    _wal.Dispose();
                    DisposeTables();
                    throw; // a damaged node: reported, not used for roots
                }

                InvalidateChangedSinceCheckpoint(read);
            }
            _head = TryReadMeta(read, MetisKeys.Head, out ulong head) ? (long)head : -1;
            _oldest = TryReadMeta(read, MetisKeys.Oldest, out ulong oldest) ? oldest : 0;
        }

        try
        {
            ReplayedBlocks = Replay(logged);
        }
        catch
        {
            _wal.Dispose();
            DisposeTables();
            throw;
        }
    }

    /// <summary>
    /// Applies the logged blocks after the head (blocks at or below it are already in LMDB: replay is idempotent), then
    /// syncs LMDB and empties the log. A record beyond the next block means the log and LMDB disagree.
    /// </summary>
    private int Replay(List<(ulong Block, byte[] Payload)> logged)
    {
        int replayed = 0;
        _replaying = true;
        try
        {
            foreach ((ulong block, byte[] payload) in logged)
            {
                long head = Volatile.Read(ref _head);
                if (head >= 0 && block <= (ulong)head)
                {
                    continue;
                }

                if (head >= 0 && block != (ulong)head + 1)
                {
                    throw new InvalidDataException(
                        $"MetisDB: the write-ahead log in {_directory} holds block {block} but the store's head is {head}. {MetisEntrySeal.Remedy}");
                }

                Stage(block, MetisWriteAheadLog.Decode(payload, _wal.RecordVersion));
                Publish(block);
                replayed++;
            }
        }
        finally
        {
            _replaying = false;
        }

        if (logged.Count > 0 || !_durable)
        {
            SyncCheckpoint();
        }

        return replayed;
    }

    /// <summary>
    /// Syncs LMDB to disk on the calling thread (the writer holds <see cref="_writeLock"/>); everything logged is then
    /// in the synced file, so the log is emptied and marked clean.
    /// </summary>
    private void SyncCheckpoint()
    {
        ThrowIfSyncFailed();
        WriteUnwrittenHead();
        lock (_syncLock)
        {
            _environment.Flush(force: true);
            _wal.Reset();
        }
    }

    /// <summary>How long the background syncer lets the block that asked for it finish before it starts.</summary>
    private static readonly TimeSpan BackgroundSyncDelay = TimeSpan.FromMilliseconds(5);

    /// <summary>
    /// Asks the background syncer for a checkpoint: the trie nodes and a sync of LMDB through the head (at least
    /// <paramref name="block"/>, published: its LMDB commits have returned, so a sync that starts after them covers
    /// them). The commit path never waits for it (issue 14: the trie checkpoint and a sync of 64 blocks of pages ran
    /// before every 64th block became visible, the data directory's p99 of single sends).
    /// </summary>
    private void RequestBackgroundSync(ulong block)
    {
        Volatile.Write(ref _syncRequested, (long)block);
        if (_syncThread is null)
        {
            _syncThread = new Thread(BackgroundSyncLoop) { IsBackground = true, Name = "metisdb-sync" };
            _syncThread.Start();
        }

        _syncSignal.Release();
    }

    /// <summary>
    /// When asked, writes the trie checkpoint of the head (under the write lock, between blocks), syncs LMDB (without
    /// the lock), then drops the write-ahead log's records of the blocks the sync covered (under the write lock; records
    /// of later blocks stay, and the log stays dirty because LMDB was written after the sync began).
    /// A failed sync is not retried: after a failed fsync the kernel may have dropped the written pages, so a later
    /// sync that succeeds proves nothing. The store marks its log failed (so <see cref="Open"/> refuses it and the chain
    /// rebuilds the state from its block log) and refuses to stage further blocks, with the sync's error.
    /// </summary>
    private void BackgroundSyncLoop()
    {
        while (true)
        {
            _syncSignal.Wait();
            if (!_stopSync)
            {
                // The publish that asked is not visible yet: its block's answer (and a single sender's receipt poll)
                // comes first, then the checkpoint's LMDB writes and sync, rather than beside them on a small machine.
                Thread.Sleep(BackgroundSyncDelay);
            }

            if (Interlocked.Exchange(ref _syncRequested, -1) < 0)
            {
                continue;
            }

            long block;
            Exception? failure = null;
            lock (_writeLock)
            {
                if (_disposed || _stopSync)
                {
                    return;
                }

                if (_staged is not null)
                {
                    continue; // the trie describes the staged block, not the head: the next publish asks again
                }

                // The trie checkpoint (the nodes recomputed since the last one, and the head's change logs dropped) in
                // its own LMDB transaction, so the sync below covers it.
                // The head record goes with it (or alone): the log's records that the sync lets go of must be in LMDB whole.
                block = Volatile.Read(ref _head);
                try
                {
                    if (block > _trieCheckpoint)
                    {
                        CommitTrieCheckpoint((ulong)block);
                    }
                    else
                    {
                        WriteUnwrittenHead();
                    }
                }
                catch (Exception exception)
                {
                    failure = exception;
                }
            }

            if (failure is null)
            {
                lock (_syncLock)
                {
                    if (_stopSync)
                    {
                        return;
                    }

                    try
                    {
                        BeforeBackgroundSync?.Invoke((ulong)block);
                        if (_stopSync)
                        {
                            return; // closed or abandoned meanwhile: the files may be gone
                        }

                        _environment.Flush(force: true);
                    }
                    catch (Exception exception)
                    {
                        failure = exception;
                    }
                }
            }

            lock (_writeLock)
            {
                if (_disposed)
                {
                    return;
                }

                if (failure is not null)
                {
                    _syncFailure = new IOException(
                        $"MetisDB: the background checkpoint of the LMDB file in {_directory} through block {block} failed ({failure.Message}); " +
                        $"the store takes no more blocks. {MetisEntrySeal.Remedy}", failure);
                    try
                    {
                        _wal.MarkFailed();
                    }
                    catch (IOException)
                    {
                        // Stopping the writer is what matters; a log that still says "dirty" is refused after a restart of the machine.
                    }

                    return;
                }

                _wal.DropThrough((ulong)block);
                Volatile.Write(ref _syncedThrough, block);
            }
        }
    }

    /// <summary>Stops the background syncer and waits for a sync in flight (it must not outlive the files).</summary>
    private void StopBackgroundSync()
    {
        _stopSync = true;
        _syncSignal.Release();
        lock (_syncLock)
        {
        }
    }

    private void ThrowIfSyncFailed()
    {
        if (_syncFailure is { } failure)
        {
            throw new IOException(failure.Message, failure);
        }
    }

    /// <summary>The error of a failed background sync (the store then takes no more blocks), or null.</summary>
    internal Exception? SyncFailure => _syncFailure;

    /// <summary>The newest block a background sync has covered (its log records dropped), -1 before the first.</summary>
    internal long SyncedThrough => Volatile.Read(ref _syncedThrough);

    /// <summary>Test hook: runs on the syncer thread before each background sync, with the block it covers (to hold it, or to fail it).</summary>
    internal Action<ulong>? BeforeBackgroundSync { get; set; }

    /// <summary>
    /// Syncs LMDB and empties the write-ahead log now, on the calling thread (closing the store does too; commits ask
    /// the background syncer every <see cref="TrieCheckpointInterval"/> blocks, or when the log passes 256 MB).
    /// </summary>
    public void Checkpoint()
    {
        lock (_writeLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            ThrowIfSyncFailed();
            long started = System.Diagnostics.Stopwatch.GetTimestamp();
            CheckpointTrieAtHead();
            long trieWritten = System.Diagnostics.Stopwatch.GetTimestamp();
            SyncCheckpoint();
            LastCheckpoint = new MetisCheckpointTimings(
                System.Diagnostics.Stopwatch.GetElapsedTime(started, trieWritten), System.Diagnostics.Stopwatch.GetElapsedTime(trieWritten));
        }
    }

    /// <summary>Where the time of the last <see cref="Checkpoint"/> went.</summary>
    public MetisCheckpointTimings LastCheckpoint { get; private set; }

    /// <summary>Writes the trie checkpoint of the head now, unless it is current (or a block is staged: the trie describes that).</summary>
    private void CheckpointTrieAtHead()
    {
        if (_staged is null && Volatile.Read(ref _head) is var head and >= 0 && head > _trieCheckpoint && _trie.HasRecomputed)
        {
            CommitTrieCheckpoint((ulong)head);
        }
    }

    /// <summary>
    /// The trie checkpoint of <paramref name="block"/> (the head) in its own LMDB transaction, with the head's record when
    /// it is not written yet (the log marked dirty first: LMDB changes).
    /// </summary>
    private void CommitTrieCheckpoint(ulong block)
    {
        _wal.MarkDirty();
        HeadRecord? unwritten = _unwrittenHead;
        using LightningTransaction transaction = BeginWrite();
        if (unwritten is not null)
        {
            WriteHeadRecord(transaction, unwritten, clearPending: true);
        }

        CheckpointTrie(transaction, block);
        transaction.Commit().ThrowOnError();
        ClearUnwrittenHead(unwritten);
    }

    /// <summary>Writes the head record of the published head in a transaction of its own, when it is not written yet.</summary>
    private void WriteUnwrittenHead()
    {
        if (_unwrittenHead is not { } unwritten)
        {
            return;
        }

        _wal.MarkDirty();
        using LightningTransaction transaction = BeginWrite();
        WriteHeadRecord(transaction, unwritten, clearPending: true);
        transaction.Commit().ThrowOnError();
        ClearUnwrittenHead(unwritten);
    }

    /// <summary>
    /// The meta entries that make <paramref name="record"/>'s block LMDB's head: its root, the head, the oldest for the
    /// first block; the pending mark is cleared, or left for the caller that marks the next block pending in the same
    /// transaction.
    /// </summary>
    private void WriteHeadRecord(LightningTransaction transaction, HeadRecord record, bool clearPending)
    {
        Span<byte> key = stackalloc byte[9];
        MetisKeys.BlockKey(key, MetisKeys.RootTag, record.Block);
        transaction.Put(_meta, key, record.Root.Bytes).ThrowOnError();
        WriteMeta(transaction, MetisKeys.Head, record.Block);
        if (record.First)
        {
            WriteMeta(transaction, MetisKeys.Oldest, record.Block);
        }

        if (clearPending)
        {
            MDBResultCode cleared = transaction.Delete(_meta, MetisKeys.Pending);
            if (cleared is not (MDBResultCode.Success or MDBResultCode.NotFound))
            {
                cleared.ThrowOnError();
            }
        }
    }

    /// <summary>After the commit of a transaction that wrote <paramref name="written"/>: LMDB's head is the published one.</summary>
    private void ClearUnwrittenHead(HeadRecord? written)
    {
        if (written is not null && ReferenceEquals(_unwrittenHead, written))
        {
            _unwrittenHead = null;
        }
    }

    /// <summary>Blocks the last <see cref="Open"/> re-applied from the write-ahead log (published, not yet synced in LMDB).</summary>
    public int ReplayedBlocks { get; }

    /// <summary>Test hook: <see cref="Publish"/> abandons the store (as a killed process would) right after the log append.</summary>
    internal bool CrashAfterLogAppend { get; set; }

    /// <summary>Closes the files without any of the cleanup of <see cref="Dispose"/>: what a killed process leaves.</summary>
    internal void Abandon()
    {
        lock (_writeLock)
        {
            _disposed = true;
            StopBackgroundSync();
            _wal.Dispose();
            DisposeTables();
        }
    }

    /// <summary>
    /// Null when the store's entries are in the current format (a new store is marked so); otherwise why it cannot be
    /// read: a store written before entries carried checksums has to be rebuilt.
    /// </summary>
    private string? CheckFormat(LightningTransaction transaction, string directory)
    {
        if (TryReadMeta(transaction, MetisKeys.Format, out ulong format))
        {
            return format == MetisEntrySeal.FormatVersion ? null
                : $"MetisDB: cannot open the store in {directory}: it is in format {format}, this version reads format {MetisEntrySeal.FormatVersion}";
        }

        if (transaction.GetEntriesCount(_accounts) > 0 || transaction.GetEntriesCount(_storage) > 0)
        {
            return $"MetisDB: cannot open the store in {directory}: it was written before entries carried checksums (format 1); rebuild it from the block log";
        }

        WriteMeta(transaction, MetisKeys.Format, MetisEntrySeal.FormatVersion);
        return null;
    }

    public static MetisStore Open(string directory, MetisStoreOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        return new MetisStore(directory, options ?? new MetisStoreOptions());
    }

    /// <summary>Last committed block, or null for an empty store.</summary>
    public ulong? Head => Volatile.Read(ref _head) is var head and >= 0 ? (ulong)head : null;

    /// <summary>The head LMDB's own meta table records, which lags <see cref="Head"/> by a block until the next staging or checkpoint.</summary>
    internal ulong? HeadRecordInLmdb
    {
        get
        {
            using LightningTransaction transaction = _environment.BeginTransaction(TransactionBeginFlags.ReadOnly);
            return TryReadMeta(transaction, MetisKeys.Head, out ulong head) ? head : null;
        }
    }

    /// <summary>The block staged and not yet published or aborted, if any.</summary>
    public ulong? StagedBlock
    {
        get
        {
            lock (_writeLock) { return _staged?.Block; }
        }
    }

    /// <summary>Oldest block a snapshot can still be opened at.</summary>
    public ulong Oldest => Volatile.Read(ref _oldest);

    public string Directory => _directory;

    internal LightningEnvironment Environment => _environment;

    internal LightningDatabase AccountsTable => _accounts;

    internal LightningDatabase StorageTable => _storage;

    internal LightningDatabase CodeTable => _code;

    /// <summary>A snapshot of the head block.</summary>
    public MetisSnapshot OpenSnapshot() =>
        OpenSnapshot(Head ?? throw new InvalidOperationException("MetisDB: the store is empty."));

    /// <summary>A snapshot of <paramref name="block"/>, which must lie in [<see cref="Oldest"/>, <see cref="Head"/>].</summary>
    public MetisSnapshot OpenSnapshot(ulong block) => new(this, BeginReadAt(block), block);

    /// <summary>A read transaction in which <paramref name="block"/> is readable (its versions are not pruned).</summary>
    internal LightningTransaction BeginReadAt(ulong block)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        // The head from memory, read before the transaction begins: a block published by then has its flat writes
        // committed, so the transaction sees them (LMDB's own head record may come with the next block).
        long published = Volatile.Read(ref _head);
        LightningTransaction transaction = _environment.BeginTransaction(TransactionBeginFlags.ReadOnly);
        // The window's start inside the transaction: a concurrent prune cannot remove what this snapshot can see.
        ulong oldest = TryReadMeta(transaction, MetisKeys.Oldest, out ulong storedOldest) ? storedOldest : Volatile.Read(ref _oldest);
        bool known = published >= 0;
        ulong head = known ? (ulong)published : 0;
        if (!known || block > head || block < oldest)
        {
            transaction.Dispose();
            throw new ArgumentOutOfRangeException(nameof(block), block,
                known ? $"MetisDB: block {block} is outside the readable window [{oldest}, {head}]." : "MetisDB: the store is empty.");
        }

        return transaction;
    }

    /// <summary>The state root stored for <paramref name="block"/>.</summary>
    public Hash256 GetStateRoot(ulong block)
    {
        // Set before the head moves to its block and cleared only once LMDB holds the root: one of the two has it.
        if (_unwrittenHead is { } unwritten && unwritten.Block == block)
        {
            return unwritten.Root;
        }

        using LightningTransaction transaction = _environment.BeginTransaction(TransactionBeginFlags.ReadOnly);
        Span<byte> key = stackalloc byte[9];
        MetisKeys.BlockKey(key, MetisKeys.RootTag, block);
        (MDBResultCode code, _, MDBValue value) = transaction.Get(_meta, key);
        if (code != MDBResultCode.Success)
        {
            throw new KeyNotFoundException($"MetisDB: no state root for block {block}.");
        }

        return new Hash256(value.AsSpan());
    }

    /// <summary>
    /// The state root <paramref name="changes"/> would give over the state after <paramref name="block"/> (which must be
    /// readable), computed without writing anything: the changed accounts' leaves and storage roots are rebuilt from the
    /// flat tables plus the changes, and the account trie reuses the cached nodes of untouched paths when
    /// <paramref name="block"/> is the head (else it is hashed from the flat table, which costs a scan of all accounts).
    /// </summary>
    public Hash256 SpeculativeRoot(ulong block, MetisBlockChanges changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        using LightningTransaction transaction = BeginReadAt(block);
        using LightningCursor accountCursor = transaction.CreateCursor(_accounts);
        using LightningCursor storageCursor = transaction.CreateCursor(_storage);
        Span<byte> accountKey = stackalloc byte[MetisKeys.AccountKeyLength];
        var overlay = new Dictionary<Hash256, byte[]?>(changes.Accounts.Count);
        foreach ((Hash256 address, MetisBlockChanges.AccountChange change) in changes.Accounts)
        {
            MetisKeys.Account(accountKey, address, block);
            Account previous = default;
            ulong incarnation = 0;
            bool existed = MetisVersionedScan.TrySeek(accountCursor, accountKey, out ReadOnlySpan<byte> record, out _)
                && MetisAccountRecord.TryRead(record, out previous, out incarnation);
            Account? next = change.Account ?? (change.Destroyed || !existed ? null : previous);
            if (next is not { } account)
            {
                overlay[address] = null;
                continue;
            }

            Hash256 storageRoot = existed && !change.Destroyed ? previous.StorageRoot : Keccak256.EmptyTrieRoot;
            if (change.Storage.Count > 0)
            {
                List<MerkleLeaf> slots = existed && !change.Destroyed ? StorageLeaves(storageCursor, address, incarnation, block) : [];

                var changedSlots = new List<KeyValuePair<Hash256, byte[]?>>(change.Storage.Count);
                foreach ((Hash256 slot, UInt256 value) in change.Storage)
                {
                    byte[] trimmed = new byte[value.ByteLength];
                    value.WriteBigEndianTrimmed(trimmed);
                    changedSlots.Add(new(slot, value.IsZero ? null : MetisAccountRecord.EncodeSlotValue(trimmed)));
                }

                storageRoot = MerkleNode.Build(StateTrieHasher.WithOverlay(slots, changedSlots).ToArray(), 0).RootHash();
            }

            overlay[address] = AccountRlp.Encode(account with { StorageRoot = storageRoot });
        }

        StateTrieHasher hasher;
        lock (_writeLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            bool cacheDescribesBlock = _staged is null && Volatile.Read(ref _head) == (long)block;
            hasher = StateTrieHasher.Speculative(_trieCacheDepth, cacheDescribesBlock ? _trie : null, overlay);
        }

        return hasher.ComputeRoot(accountCursor, block);
    }

    /// <summary>Commits a block's net changes as the world state collects them (see <see cref="MetisBlockChanges.From"/>).</summary>
    public Hash256 Commit(ulong block, StateChangeSet changes) => Commit(block, MetisBlockChanges.From(changes));

    /// <summary>Commits block <paramref name="block"/> (the head plus one, or any number for the first block) and returns its state root.</summary>
    public Hash256 Commit(ulong block, MetisBlockChanges changes)
    {
        lock (_writeLock)
        {
            Hash256 root = Stage(block, changes);
            Publish(block);
            return root;
        }
    }

    /// <summary>Stages a block's net changes as the world state collects them (see <see cref="MetisBlockChanges.From"/>).</summary>
    public Hash256 Stage(ulong block, StateChangeSet changes) => Stage(block, MetisBlockChanges.From(changes));

    /// <summary>
    /// The first half of <see cref="Commit"/>: writes the block's flat changes (marked pending, invisible to snapshots)
    /// and computes its state root, but does not make it the head. <see cref="Publish"/> completes the commit,
    /// <see cref="Abort"/> removes it; a crash in between leaves a pending block that the next <see cref="Open"/>
    /// removes. A caller that must make something else durable first (a block log) does so between the two.
    /// </summary>
    public Hash256 Stage(ulong block, MetisBlockChanges changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        lock (_writeLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            ThrowIfSyncFailed();
            if (_staged is not null)
            {
                throw new InvalidOperationException($"MetisDB: block {_staged.Block} is staged and not yet published.");
            }

            long head = Volatile.Read(ref _head);
            if (head >= 0 && block != (ulong)head + 1)
            {
                throw new ArgumentOutOfRangeException(nameof(block), block, $"MetisDB: the next block is {head + 1}.");
            }

            long started = System.Diagnostics.Stopwatch.GetTimestamp();
            _wal.MarkDirty();
            if (_durable && !_replaying)
            {
                MetisWriteAheadLog.Encode(block, changes, _walRecord);
            }

            List<(Hash256 Address, MetisHotCache.AccountEntry Entry)> written;
            List<(MetisHotCache.SlotKey, UInt256)> slots;
            // The root's leaf work overlaps the flat writes: they hand each finished top nibble to the trie hasher.
            _trie.BeginUpdates(changes.Accounts.Count);
            try
            {
                written = WriteFlatChanges(block, changes, out slots);
            }
            catch
            {
                // The trie and storage-trie caches may already describe the aborted writes.
                _trie.Reset();
                _storageTries.Clear();
                throw;
            }

            try
            {
                long flatWritten = System.Diagnostics.Stopwatch.GetTimestamp();
                _trie.FinishUpdates();
                Hash256 root = _trie.ComputeRoot(_environment, _accounts, block);
                _staged = new Staged(block, root, written, slots, started, flatWritten, System.Diagnostics.Stopwatch.GetTimestamp());
                return root;
            }
            catch
            {
                DiscardStaged();
                throw;
            }
        }
    }

    /// <summary>
    /// Completes the commit of the staged <paramref name="block"/>: its write-ahead log record, the hot cache and the new
    /// head in memory; LMDB's head record follows with the next block's staging (see the class summary).
    /// </summary>
    public void Publish(ulong block)
    {
        lock (_writeLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            Staged staged = _staged is { } s && s.Block == block
                ? s
                : throw new InvalidOperationException($"MetisDB: block {block} is not staged.");
            long head = Volatile.Read(ref _head);
            if (_durable && !_replaying)
            {
                try
                {
                    _wal.Append(System.Runtime.InteropServices.MemoryMarshal.AsMemory(_walRecord.WrittenMemory).Span);
                }
                catch
                {
                    DiscardStaged();
                    throw;
                }

                if (CrashAfterLogAppend)
                {
                    Abandon();
                    throw new IOException("MetisDB: simulated crash after the write-ahead log append.");
                }
            }

            bool checkpoint = head < 0 || block - (ulong)Math.Max(_trieCheckpoint, 0) >= TrieCheckpointInterval;
            var record = new HeadRecord(block, staged.Root, head < 0);
            if (!_durable || (checkpoint && _replaying))
            {
                // No log to replay the block from (or a replay's checkpoint, which describes this block): the head
                // record now. Otherwise the background syncer writes the trie checkpoint, after the block is visible.
                try
                {
                    using LightningTransaction transaction = BeginWrite();
                    WriteHeadRecord(transaction, record, clearPending: true);
                    if (checkpoint && _replaying)
                    {
                        CheckpointTrie(transaction, block);
                    }

                    transaction.Commit().ThrowOnError();
                }
                catch
                {
                    DiscardStaged();
                    throw;
                }
            }
            else
            {
                // Before the head moves: a reader that sees the new head finds its root here or in LMDB.
                _unwrittenHead = record;
            }

            _staged = null;
            lock (Cache.Lock)
            {
                foreach ((Hash256 address, MetisHotCache.AccountEntry entry) in staged.Written)
                {
                    Cache.PutAccount(address, entry);
                }

                foreach ((MetisHotCache.SlotKey slot, UInt256 value) in staged.Slots)
                {
                    Cache.PutSlot(slot, new MetisHotCache.SlotEntry(block, value));
                }

                staged.Written.Clear(); // reused by the next block's flat writes
                staged.Slots.Clear();

                if (head < 0)
                {
                    Volatile.Write(ref _oldest, block);
                }

                Volatile.Write(ref _head, (long)block);
            }

            if (!_replaying && (checkpoint || _wal.Length > WalCheckpointBytes))
            {
                RequestBackgroundSync(block);
            }

            LastCommit = new MetisCommitTimings(
                System.Diagnostics.Stopwatch.GetElapsedTime(staged.Started, staged.FlatWritten),
                System.Diagnostics.Stopwatch.GetElapsedTime(staged.FlatWritten, staged.RootComputed),
                System.Diagnostics.Stopwatch.GetElapsedTime(staged.Started),
                _trie.TakeRootWork());
        }
    }

    /// <summary>Removes the staged <paramref name="block"/> (its flat writes and the trie caches that saw them).</summary>
    public void Abort(ulong block)
    {
        lock (_writeLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_staged is not { } staged || staged.Block != block)
            {
                throw new InvalidOperationException($"MetisDB: block {block} is not staged.");
            }

            DiscardStaged();
        }
    }

    private void DiscardStaged()
    {
        _staged = null;
        _trie.Reset();
        _storageTries.Clear();
        // The pending mark may still be the published head's (its head record not written): that block stays.
        WriteUnwrittenHead();
        RollBackPendingBlock();
    }

    private sealed record Staged(
        ulong Block, Hash256 Root, List<(Hash256 Address, MetisHotCache.AccountEntry Entry)> Written,
        List<(MetisHotCache.SlotKey, UInt256)> Slots, long Started, long FlatWritten, long RootComputed);

    private Staged? _staged;

    /// <summary>Where the time of the last <see cref="Commit"/> went (flat write includes storage roots).</summary>
    public MetisCommitTimings LastCommit { get; private set; }

    /// <summary>Bytes the last durable commit appended to the write-ahead log (its record with the frame).</summary>
    public int LastLogRecordBytes => _walRecord.WrittenCount;

    /// <summary>Makes LightningDB find a usable native LMDB (see <see cref="LmdbNativeLibrary"/>) for direct LMDB use.</summary>
    public static void EnsureNativeLibrary() => LmdbNativeLibrary.EnsureResolver();

    // Buffers of the block being written, reused from block to block (one block is staged at a time): the accounts in
    // key order with their changes, what the hot cache takes at publish, the change log.
    private Hash256[] _orderKeys = [];
    private MetisBlockChanges.AccountChange[] _orderChanges = [];
    private readonly List<(Hash256, MetisHotCache.AccountEntry)> _written = [];
    private readonly List<(MetisHotCache.SlotKey, UInt256)> _writtenSlots = [];
    private readonly System.Buffers.ArrayBufferWriter<byte> _changeLog = new();

    private List<(Hash256, MetisHotCache.AccountEntry)> WriteFlatChanges(ulong block, MetisBlockChanges changes, out List<(MetisHotCache.SlotKey, UInt256)> slots)
    {
        List<(Hash256, MetisHotCache.AccountEntry)> written = _written;
        written.Clear();
        slots = _writtenSlots;
        slots.Clear();
        using LightningTransaction transaction = BeginWrite();
        HeadRecord? previousHead = _unwrittenHead;
        if (previousHead is not null)
        {
            WriteHeadRecord(transaction, previousHead, clearPending: false); // the pending mark moves to this block
        }

        WriteMeta(transaction, MetisKeys.Pending, block);
        Span<byte> codeKey = stackalloc byte[32];
        foreach ((Hash256 codeHash, byte[] code) in changes.Code)
        {
            codeHash.CopyTo(codeKey);
            transaction.Put(_code, codeKey, code).ThrowOnError();
        }

        int accountCount = changes.Accounts.Count;
        if (_orderKeys.Length < accountCount)
        {
            _orderKeys = new Hash256[accountCount];
            _orderChanges = new MetisBlockChanges.AccountChange[accountCount];
        }

        Span<Hash256> orderKeys = _orderKeys.AsSpan(0, accountCount);
        Span<MetisBlockChanges.AccountChange> orderChanges = _orderChanges.AsSpan(0, accountCount);
        int ordered = 0;
        foreach ((Hash256 address, MetisBlockChanges.AccountChange change) in changes.Accounts)
        {
            orderKeys[ordered] = address;
            orderChanges[ordered++] = change;
        }

        orderKeys.Sort(orderChanges); // the changes ride along: no dictionary lookup per account below
        System.Buffers.ArrayBufferWriter<byte> changeLog = _changeLog;
        changeLog.ResetWrittenCount();
        using LightningCursor accountCursor = transaction.CreateCursor(_accounts);
        using LightningCursor storageCursor = transaction.CreateCursor(_storage);
        Span<byte> accountKey = stackalloc byte[MetisKeys.AccountKeyLength];
        Span<byte> storageKey = stackalloc byte[MetisKeys.StorageKeyLength];
        Span<byte> record = stackalloc byte[MetisAccountRecord.Length];
        Span<byte> value32 = stackalloc byte[32];
        Span<byte> sealedValue = stackalloc byte[MetisAccountRecord.Length + MetisEntrySeal.Length];
        Span<byte> leaf = stackalloc byte[AccountRlp.MaxLength];
        int writingNibble = 0;
        for (int position = 0; position < accountCount; position++)
        {
            Hash256 address = orderKeys[position];
            if (address.Bytes[0] >> 4 != writingNibble)
            {
                writingNibble = address.Bytes[0] >> 4;
                _trie.MarkReady(writingNibble); // keys are sorted: the nibbles below this one are complete
            }

            MetisBlockChanges.AccountChange change = orderChanges[position];
            MetisKeys.Account(accountKey, address, block - 1);
            bool hadRecord = MetisVersionedScan.TrySeek(accountCursor, accountKey, out ReadOnlySpan<byte> previousRecord, out ulong previousVersion)
                && previousVersion < block;
            Account previous = default;
            ulong incarnation = 0;
            bool existed = hadRecord && MetisAccountRecord.TryRead(previousRecord, out previous, out incarnation);
            if (change.Destroyed)
            {
                incarnation++;
            }

            Account? next = change.Account ?? (change.Destroyed || !existed ? null : previous);
            if (next is null && change.Storage.Count > 0)
            {
                throw new InvalidOperationException($"MetisDB: storage written for account {address} that does not exist.");
            }

            foreach ((Hash256 slot, UInt256 value) in change.Storage)
            {
                MetisKeys.Storage(storageKey, address, incarnation, slot, block);
                int length = value.ByteLength;
                value.WriteBigEndianTrimmed(value32[..length]);
                length = MetisEntrySeal.Seal(storageKey, value32[..length], sealedValue);
                transaction.Put(_storage, storageKey, sealedValue[..length]).ThrowOnError();
                LogChange(changeLog, MetisKeys.StorageTable, storageKey);
                slots.Add((new MetisHotCache.SlotKey(address, incarnation, slot), value));
            }

            // Through the cursor that the seek above left on the previous version, right after the new key: LMDB then
            // finds the page without descending the tree again.
            MetisKeys.Account(accountKey, address, block);
            MetisHotCache.AccountEntry entry;
            if (next is { } account)
            {
                Hash256 storageRoot = change.Storage.Count > 0
                    ? UpdatedStorageRoot(storageCursor, address, incarnation, block, change.Storage.Keys)
                    : (existed && !change.Destroyed ? previous.StorageRoot : Keccak256.EmptyTrieRoot);
                account = account with { StorageRoot = storageRoot };
                MetisAccountRecord.Write(record, account, incarnation);
                int sealedLength = MetisEntrySeal.Seal(accountKey, record, sealedValue);
                accountCursor.Put(accountKey, sealedValue[..sealedLength], CursorPutOptions.None).ThrowOnError();
                entry = MetisHotCache.AccountEntry.For(block, true, account, incarnation);
            }
            else
            {
                MetisAccountRecord.WriteTombstone(record, incarnation);
                int sealedLength = MetisEntrySeal.Seal(accountKey, record[..MetisAccountRecord.TombstoneLength], sealedValue);
                accountCursor.Put(accountKey, sealedValue[..sealedLength], CursorPutOptions.None).ThrowOnError();
                entry = MetisHotCache.AccountEntry.For(block, false, default, incarnation);
            }

            LogChange(changeLog, MetisKeys.AccountTable, accountKey);
            written.Add((address, entry));
            _trie.Update(address, entry.Exists ? leaf[..AccountRlp.Encode(entry.Account, leaf)] : []);
        }

        _trie.MarkReady(16);
        orderChanges.Clear(); // the buffer must not keep this block's changes alive

        Span<byte> logKey = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(logKey, block);
        transaction.Put(_changes, logKey, changeLog.WrittenSpan).ThrowOnError();
        transaction.Commit().ThrowOnError();
        ClearUnwrittenHead(previousHead);
        return written;
    }

    /// <summary>Storage root of one account incarnation at <paramref name="version"/>, from its flat slots.</summary>
    internal static Hash256 StorageRoot(LightningCursor storageCursor, in Hash256 address, ulong incarnation, ulong version) =>
        StorageRoot(storageCursor, address, incarnation, version, out _);

    private static Hash256 StorageRoot(LightningCursor storageCursor, in Hash256 address, ulong incarnation, ulong version, out int slotCount)
    {
        MerkleLeafBuffer leaves = MerkleLeafBuffer.Rent();
        try
        {
            CollectStorageLeaves(storageCursor, address, incarnation, version, leaves);
            slotCount = leaves.Count;
            return MerkleNode.Build(leaves, 0).RootHash();
        }
        finally
        {
            MerkleLeafBuffer.Return(leaves);
        }
    }

    /// <summary>The storage-trie leaves of one account incarnation at <paramref name="version"/>, sorted.</summary>
    private static List<MerkleLeaf> StorageLeaves(LightningCursor storageCursor, in Hash256 address, ulong incarnation, ulong version)
    {
        MerkleLeafBuffer leaves = MerkleLeafBuffer.Rent();
        try
        {
            CollectStorageLeaves(storageCursor, address, incarnation, version, leaves);
            return leaves.ToList();
        }
        finally
        {
            MerkleLeafBuffer.Return(leaves);
        }
    }

    private static void CollectStorageLeaves(LightningCursor storageCursor, in Hash256 address, ulong incarnation, ulong version, MerkleLeafBuffer leaves)
    {
        Span<byte> prefix = stackalloc byte[MetisKeys.StoragePrefixLength];
        MetisKeys.StoragePrefix(prefix, address, incarnation);
        MetisVersionedScan.ForEachVisible(storageCursor, prefix, MetisKeys.StoragePrefixLength + 32, version, (key, value) =>
        {
            if (value.Length > 0)
            {
                leaves.EndAdd(MetisAccountRecord.WriteSlotValue(value, leaves.BeginAdd(key.Slice(MetisKeys.StoragePrefixLength, 32), MetisAccountRecord.MaxSlotValueLength)));
            }
        });
    }

    /// <summary>
    /// Storage root after this block's writes. Accounts with many slots keep a node cache (depth 2: a touched slot
    /// rehashes about slots/256 leaves instead of all of them); the rest are rebuilt from their flat slots.
    /// </summary>
    private Hash256 UpdatedStorageRoot(LightningCursor storageCursor, in Hash256 address, ulong incarnation, ulong block, IEnumerable<Hash256> changedSlots)
    {
        var trieKey = (address, incarnation);
        if (_storageTries.TryGetValue(trieKey, out StateTrieHasher? hasher))
        {
            foreach (Hash256 slot in changedSlots)
            {
                hasher.Invalidate(slot);
            }

            return hasher.ComputeRoot(storageCursor, block);
        }

        Hash256 root = StorageRoot(storageCursor, address, incarnation, block, out int slotCount);
        if (slotCount >= LargeStorageSlots)
        {
            if (_storageTries.Count >= MaxCachedStorageTries)
            {
                _storageTries.Clear();
            }

            var prefix = new byte[MetisKeys.StoragePrefixLength];
            MetisKeys.StoragePrefix(prefix, address, incarnation);
            hasher = new StateTrieHasher(2, prefix);
            hasher.ComputeRoot(storageCursor, block);
            _storageTries[trieKey] = hasher;
        }

        return root;
    }

    /// <summary>The change log of a block: every versioned key it wrote, so a half-committed block can be removed.</summary>
    private static void LogChange(System.Buffers.ArrayBufferWriter<byte> changeLog, byte table, ReadOnlySpan<byte> key)
    {
        Span<byte> entry = changeLog.GetSpan(1 + key.Length);
        entry[0] = table;
        key.CopyTo(entry[1..]);
        changeLog.Advance(1 + key.Length);
    }

    /// <summary>
    /// Persists the trie nodes recomputed since the last checkpoint (they describe <paramref name="block"/>) and drops
    /// the change logs up to it. Between checkpoints the change logs say which paths a reopened store must rehash.
    /// </summary>
    private void CheckpointTrie(LightningTransaction transaction, ulong block)
    {
        _trie.PersistRecomputed(transaction, _trieNodes);
        WriteMeta(transaction, MetisKeys.TrieBlock, block);
        var logs = new List<byte[]>();
        using (LightningCursor cursor = transaction.CreateCursor(_changes))
        {
            MetisVersionedScan.Walk(cursor, [], (key, _) =>
            {
                if (BinaryPrimitives.ReadUInt64BigEndian(key) > block)
                {
                    return false;
                }

                logs.Add(key.ToArray());
                return true;
            });
        }

        foreach (byte[] log in logs)
        {
            transaction.Delete(_changes, log).ThrowOnError();
        }

        _trieCheckpoint = (long)block;
    }

    /// <summary>At open: forget the loaded nodes on the paths of accounts changed after the trie checkpoint.</summary>
    private void InvalidateChangedSinceCheckpoint(LightningTransaction transaction)
    {
        using LightningCursor cursor = transaction.CreateCursor(_changes);
        ulong checkpoint = (ulong)_trieCheckpoint;
        MetisVersionedScan.Walk(cursor, [], (key, entries) =>
        {
            if (BinaryPrimitives.ReadUInt64BigEndian(key) > checkpoint)
            {
                for (int offset = 0; offset < entries.Length;)
                {
                    int keyLength = ChangeLogKeyLength(entries[offset]);
                    _trie.Invalidate(new Hash256(entries.Slice(offset + 1, 32)));
                    offset += 1 + keyLength;
                }
            }

            return true;
        });
    }

    private static int ChangeLogKeyLength(byte table) =>
        table == MetisKeys.AccountTable ? MetisKeys.AccountKeyLength
        : table == MetisKeys.StorageTable ? MetisKeys.StorageKeyLength
        : throw new InvalidDataException("MetisDB: corrupt change log.");

    private void DeleteChangeLog(LightningTransaction transaction, ulong block)
    {
        Span<byte> logKey = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(logKey, block);
        MDBResultCode code = transaction.Delete(_changes, logKey);
        if (code is not (MDBResultCode.Success or MDBResultCode.NotFound))
        {
            code.ThrowOnError();
        }
    }

    /// <summary>Removes the flat writes of a block whose commit did not finish (crash or failure between the two phases).</summary>
    private bool RollBackPendingBlock()
    {
        using LightningTransaction transaction = BeginWrite();
        if (!TryReadMeta(transaction, MetisKeys.Pending, out ulong pending))
        {
            return false;
        }

        Span<byte> logKey = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(logKey, pending);
        (MDBResultCode found, _, MDBValue log) = transaction.Get(_changes, logKey);
        if (found == MDBResultCode.Success)
        {
            byte[] entries = log.CopyToNewArray();
            for (int offset = 0; offset < entries.Length;)
            {
                byte table = entries[offset];
                int keyLength = ChangeLogKeyLength(table);
                MDBResultCode code = transaction.Delete(table == MetisKeys.AccountTable ? _accounts : _storage, entries.AsSpan(offset + 1, keyLength));
                if (code is not (MDBResultCode.Success or MDBResultCode.NotFound))
                {
                    code.ThrowOnError();
                }

                offset += 1 + keyLength;
            }

            DeleteChangeLog(transaction, pending);
        }

        transaction.Delete(_meta, MetisKeys.Pending).ThrowOnError();
        transaction.Commit().ThrowOnError();
        return true;
    }

    /// <summary>
    /// Drops versions no snapshot in the last <paramref name="keepBlocks"/> blocks can see: for each account and slot
    /// the newest version at the window's start is kept, older ones go, and so does the storage of incarnations that
    /// were already dead at the window's start.
    /// </summary>
    public MetisPruneResult Prune(int keepBlocks = 128)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(keepBlocks, 1);
        lock (_writeLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_staged is not null)
            {
                throw new InvalidOperationException($"MetisDB: block {_staged.Block} is staged; publish or abort it before pruning.");
            }

            long head = Volatile.Read(ref _head);
            if (head < 0 || (ulong)head + 1 <= (ulong)keepBlocks || (ulong)head + 1 - (ulong)keepBlocks <= _oldest)
            {
                return new MetisPruneResult(_oldest, 0, 0);
            }

            ulong boundary = (ulong)head + 1 - (ulong)keepBlocks;
            _wal.MarkDirty();
            using LightningTransaction transaction = BeginWrite();
            var deadAccounts = new List<byte[]>();
            var liveIncarnation = new Dictionary<Hash256, ulong>();
            CollectPrunable(transaction, _accounts, 32, boundary, deadAccounts, (logical, value) =>
            {
                MetisAccountRecord.TryRead(value, out _, out ulong incarnation);
                liveIncarnation[new Hash256(logical)] = incarnation;
            });
            var deadSlots = new List<byte[]>();
            CollectPrunable(transaction, _storage, MetisKeys.StoragePrefixLength + 32, boundary, deadSlots, null);
            CollectDeadIncarnations(transaction, liveIncarnation, deadSlots);
            foreach (byte[] key in deadAccounts)
            {
                transaction.Delete(_accounts, key).ThrowOnError();
            }

            byte[][] distinctDeadSlots = deadSlots.Distinct(ByteArrayComparer.Instance).ToArray();
            foreach (byte[] key in distinctDeadSlots)
            {
                transaction.Delete(_storage, key).ThrowOnError();
            }

            Span<byte> rootKey = stackalloc byte[9];
            for (ulong block = _oldest; block < boundary; block++)
            {
                MetisKeys.BlockKey(rootKey, MetisKeys.RootTag, block);
                MDBResultCode code = transaction.Delete(_meta, rootKey);
                if (code is not (MDBResultCode.Success or MDBResultCode.NotFound))
                {
                    code.ThrowOnError();
                }
            }

            WriteMeta(transaction, MetisKeys.Oldest, boundary);
            transaction.Commit().ThrowOnError();
            Volatile.Write(ref _oldest, boundary);
            return new MetisPruneResult(boundary, deadAccounts.Count, distinctDeadSlots.Length);
        }
    }

    /// <summary>
    /// Collects versions older than the one visible at <paramref name="boundary"/>, and that version too when it is an
    /// empty (deleted) slot value. <paramref name="visibleAtBoundary"/> sees each logical key's boundary version.
    /// </summary>
    private static void CollectPrunable(LightningTransaction transaction, LightningDatabase table, int logicalLength, ulong boundary,
        List<byte[]> dead, VisibleEntryHandler? visibleAtBoundary)
    {
        using LightningCursor cursor = transaction.CreateCursor(table);
        byte[] current = new byte[logicalLength];
        bool haveCurrent = false;
        bool sawBoundaryVersion = false;
        MetisVersionedScan.Walk(cursor, [], (key, sealedValue) =>
        {
            ReadOnlySpan<byte> value = MetisEntrySeal.Open(key, sealedValue);
            ReadOnlySpan<byte> logical = key[..logicalLength];
            if (!haveCurrent || !logical.SequenceEqual(current))
            {
                logical.CopyTo(current);
                haveCurrent = true;
                sawBoundaryVersion = false;
            }

            if (MetisKeys.VersionOf(key) <= boundary)
            {
                if (sawBoundaryVersion)
                {
                    dead.Add(key.ToArray());
                }
                else
                {
                    sawBoundaryVersion = true;
                    if (visibleAtBoundary is null && value.Length == 0)
                    {
                        dead.Add(key.ToArray());
                    }

                    visibleAtBoundary?.Invoke(logical, value);
                }
            }

            return true;
        });
    }

    private void CollectDeadIncarnations(LightningTransaction transaction, Dictionary<Hash256, ulong> liveIncarnation, List<byte[]> dead)
    {
        using LightningCursor cursor = transaction.CreateCursor(_storage);
        MetisVersionedScan.Walk(cursor, [], (key, _) =>
        {
            if (liveIncarnation.TryGetValue(new Hash256(key[..32]), out ulong incarnation)
                && BinaryPrimitives.ReadUInt64BigEndian(key[32..]) < incarnation)
            {
                dead.Add(key.ToArray());
            }

            return true;
        });
    }

    public MetisStats GetStats()
    {
        using LightningTransaction transaction = _environment.BeginTransaction(TransactionBeginFlags.ReadOnly);
        var file = new FileInfo(Path.Combine(_directory, "data.mdb"));
        long used = (_environment.Info.LastPageNumber + 1) * (long)_environment.EnvironmentStats.PageSize;
        return new MetisStats(Head, Oldest, transaction.GetEntriesCount(_accounts), transaction.GetEntriesCount(_storage),
            transaction.GetEntriesCount(_code), !file.Exists ? 0 : _writeMap ? Math.Min(file.Length, Math.Max(used, _allocatedBytes)) : file.Length, used);
    }

    /// <summary>
    /// Recomputes every storage root and the state root of the head from the flat tables alone (no cached trie nodes)
    /// and compares them with what was stored at commit.
    /// </summary>
    public MetisVerifyResult Verify()
    {
        ulong head = Head ?? throw new InvalidOperationException("MetisDB: the store is empty.");
        Hash256 stored = GetStateRoot(head);
        Hash256 computed = new StateTrieHasher(_trieCacheDepth).ComputeRoot(_environment, _accounts, head);
        long accounts = 0, slots = 0, mismatches = 0;
        using LightningTransaction transaction = _environment.BeginTransaction(TransactionBeginFlags.ReadOnly);
        using LightningCursor accountCursor = transaction.CreateCursor(_accounts);
        using LightningCursor storageCursor = transaction.CreateCursor(_storage);
        using LightningCursor slotCounter = transaction.CreateCursor(_storage);
        var live = new List<(Hash256 Address, ulong Incarnation, Hash256 StorageRoot)>();
        MetisVersionedScan.ForEachVisible(accountCursor, [], 32, head, (key, record) =>
        {
            if (MetisAccountRecord.TryRead(record, out Account account, out ulong incarnation))
            {
                live.Add((new Hash256(key[..32]), incarnation, account.StorageRoot));
            }
        });
        Span<byte> prefix = stackalloc byte[MetisKeys.StoragePrefixLength];
        foreach ((Hash256 address, ulong incarnation, Hash256 storageRoot) in live)
        {
            accounts++;
            if (StorageRoot(storageCursor, address, incarnation, head) != storageRoot)
            {
                mismatches++;
            }

            MetisKeys.StoragePrefix(prefix, address, incarnation);
            MetisVersionedScan.ForEachVisible(slotCounter, prefix, MetisKeys.StoragePrefixLength + 32, head, (_, value) =>
            {
                if (value.Length > 0)
                {
                    slots++;
                }
            });
        }

        return new MetisVerifyResult(head, stored, computed, accounts, slots, mismatches);
    }

    internal static bool TryReadMeta(LightningTransaction transaction, LightningDatabase meta, ReadOnlySpan<byte> key, out ulong value)
    {
        (MDBResultCode code, _, MDBValue data) = transaction.Get(meta, key);
        value = code == MDBResultCode.Success ? BinaryPrimitives.ReadUInt64BigEndian(data.AsSpan()) : 0;
        return code == MDBResultCode.Success;
    }

    private bool TryReadMeta(LightningTransaction transaction, ReadOnlySpan<byte> key, out ulong value) =>
        TryReadMeta(transaction, _meta, key, out value);

    private void WriteMeta(LightningTransaction transaction, ReadOnlySpan<byte> key, ulong value)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, value);
        transaction.Put(_meta, key, bytes).ThrowOnError();
    }

    public void Dispose()
    {
        lock (_writeLock)
        {
            if (_disposed)
            {
                return;
            }

            if (_staged is not null)
            {
                // Never checkpoint trie nodes that describe an unpublished block.
                DiscardStaged();
            }

            _disposed = true;
            StopBackgroundSync();
            try
            {
                if (_syncFailure is not null)
                {
                    return; // the log says failed: nothing more is written to a file that may have lost pages
                }

                // A clean shutdown leaves the trie checkpoint at the head, so reopening rehashes nothing.
                CheckpointTrieAtHead();

                // And LMDB synced, with an empty log.
                SyncCheckpoint();
            }
            finally
            {
                DisposeTables();
                if (_writeMap)
                {
                    // Still holding the log's exclusive lock, so no other store is open on the file (one that maps it
                    // only to find the lock taken reads its meta pages, which stay).
                    MetisDataFile.TrimToPagesInUse(_directory);
                }

                _wal.Dispose();
            }
        }
    }

    /// <summary>
    /// A write transaction. Under WRITEMAP its new pages are written in the map, past the file's written end: the disk
    /// blocks for them are allocated first (see <see cref="MetisDataFile.Allocate"/>), so a full disk fails here as an
    /// <see cref="IOException"/> instead of a SIGBUS in the middle of LMDB. The headroom covers a transaction that grows
    /// the file by up to a quarter of it (64 MB at least); a larger one can still meet a hole.
    /// </summary>
    private LightningTransaction BeginWrite()
    {
        if (_dataFile is not null)
        {
            long inUse = (_environment.Info.LastPageNumber + 1) * _pageSize;
            long headroom = Math.Max(WriteMapHeadroom, inUse / 4);
            if (inUse + headroom / 2 > _allocatedBytes)
            {
                long target = inUse + headroom;
                MetisDataFile.Allocate(_dataFile, _allocatedBytes, target - _allocatedBytes);
                _allocatedBytes = target;
            }
        }

        return _environment.BeginTransaction();
    }

    /// <summary>Disk allocated ahead of LMDB's writes under WRITEMAP (0 without it).</summary>
    internal long AllocatedBytes => _allocatedBytes;

    private void DisposeTables()
    {
        _dataFile?.Dispose();
        _accounts.Dispose();
        _storage.Dispose();
        _code.Dispose();
        _meta.Dispose();
        _changes.Dispose();
        _trieNodes.Dispose();
        _environment.Dispose();
    }

    private sealed class ByteArrayComparer : IEqualityComparer<byte[]>
    {
        public static readonly ByteArrayComparer Instance = new();

        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] obj)
        {
            var hash = new HashCode();
            hash.AddBytes(obj);
            return hash.ToHashCode();
        }
    }
}
