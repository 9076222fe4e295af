using System.Buffers.Binary;
using Hyperion.Core;
using Hyperion.State;
using LightningDB;

namespace Hyperion.MetisDb;

/// <summary>
/// Computes the account trie root from the flat account table, incrementally: the nodes rooting every nibble prefix
/// of length 0..D are cached (D = 4 or 5, see <see cref="MetisStoreOptions.TrieCacheDepth"/>), a block invalidates only
/// the prefixes of the keys it touched, and a depth-D subtree (about N/16^D accounts) is rebuilt from a short cursor
/// scan. The 16 subtrees under the root are hashed in parallel, each on its own read transaction. Recomputed nodes are
/// persisted by path with the block's root (same transaction), so a restarted store stays incremental.
/// </summary>
internal sealed class StateTrieHasher
{
    /// <summary>Persisted node key: depth (1 byte) ‖ nibble prefix (4 bytes, big-endian).</summary>
    public const int NodeKeyLength = 5;

    /// <summary>Persisted node format: 1 = each node carries a checksum (<see cref="MetisEntrySeal"/>); nodes of another format are dropped and recomputed.</summary>
    public const ulong NodeFormat = 1;

    private readonly int _cachedDepth;
    private readonly MerkleNode?[][] _levels;
    // Empty for the account trie; addressHash ‖ incarnation for one account's storage trie.
    private readonly byte[] _keyPrefix;
    // Per cached level, 1 where the node was recomputed since the last persist (the account trie only): a flag per
    // node instead of a queue of (depth, prefix), so a block allocates nothing for it and a checkpoint writes each node
    // once, in key order. Root workers mark distinct prefixes; a byte store never tears its neighbours.
    private readonly byte[][]? _recomputed;
    private bool _anyRecomputed;
    // For a speculative root only: account leaves (hashed address → account RLP, null when removed) that replace the
    // flat table's, grouped by their depth-D prefix, so a root is computed over state that was never written.
    private readonly Dictionary<int, List<KeyValuePair<Hash256, byte[]?>>>? _overlay;

    // The account trie of the store only: per depth-D subtree its leaves' hashes (null: not kept, rebuild by scan),
    // within a bound of _leafBudget leaves; and the leaves changed since the last root, by top nibble, which the root's
    // parallel workers apply (values packed in _pendingValues).
    private readonly MerkleLeafReferences?[]? _leafHashes;
    private readonly long _leafBudget;
    private long _keptLeaves;
    private readonly List<PendingUpdate>[]? _pending;
    private byte[] _pendingValues = [];
    private int _pendingLength;

    private readonly record struct PendingUpdate(Hash256 Key, int ValueStart, int ValueLength);

    // A pipelined root (see BeginUpdates): top nibbles [0, _readyNibbles) have all their updates; _nextPrepared is the
    // next nibble a preparing thread claims; _preparation is the worker that follows the flat writes.
    private readonly object _readyLock = new();
    private int _readyNibbles = 16;
    private int _nextPrepared = 16;
    private Task? _preparation;
    // Stopwatch ticks the root's threads spent on its work since the last TakeRootWork (they overlap the flat writes).
    private long _rootWorkTicks;

    public StateTrieHasher(int cachedDepth) : this(cachedDepth, [])
    {
    }

    /// <summary>
    /// The store's account-trie hasher: besides the nodes down to <paramref name="cachedDepth"/> it keeps the hash of
    /// up to <paramref name="keptLeafHashes"/> leaves below them, so a block whose accounts already exist rehashes one
    /// leaf per changed account (see <see cref="Update"/>).
    /// </summary>
    public StateTrieHasher(int cachedDepth, long keptLeafHashes) : this(cachedDepth, [])
    {
        ArgumentOutOfRangeException.ThrowIfNegative(keptLeafHashes);
        _leafBudget = keptLeafHashes;
        _leafHashes = new MerkleLeafReferences?[1 << (4 * cachedDepth)];
        _pending = new List<PendingUpdate>[16];
        for (int nibble = 0; nibble < 16; nibble++)
        {
            _pending[nibble] = [];
        }
    }

    /// <summary>A hasher for the storage trie of one account incarnation (keys under <paramref name="storagePrefix"/>).</summary>
    public StateTrieHasher(int cachedDepth, byte[] storagePrefix) : this(cachedDepth, storagePrefix, persisted: storagePrefix.Length == 0)
    {
    }

    /// <summary>Only the account trie's nodes are persisted (<paramref name="persisted"/>: flag what is recomputed).</summary>
    private StateTrieHasher(int cachedDepth, byte[] storagePrefix, bool persisted)
    {
        _keyPrefix = storagePrefix;
        ArgumentOutOfRangeException.ThrowIfLessThan(cachedDepth, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(cachedDepth, 6);
        _cachedDepth = cachedDepth;
        _levels = new MerkleNode?[_cachedDepth + 1][];
        for (int depth = 0; depth <= _cachedDepth; depth++)
        {
            _levels[depth] = new MerkleNode?[1 << (4 * depth)];
        }

        if (persisted)
        {
            _recomputed = new byte[_cachedDepth + 1][];
            for (int depth = 0; depth <= _cachedDepth; depth++)
            {
                _recomputed[depth] = new byte[1 << (4 * depth)];
            }
        }
    }

    /// <summary>
    /// A throwaway hasher of the account trie with <paramref name="overlay"/> over the flat table: it starts from the
    /// nodes <paramref name="cached"/> holds (which must describe the version it will be asked for; null: none) minus the
    /// paths the overlay touches, and never persists anything. The caller holds the store's write lock while it copies.
    /// </summary>
    public static StateTrieHasher Speculative(int cachedDepth, StateTrieHasher? cached, IReadOnlyDictionary<Hash256, byte[]?> overlay)
    {
        ArgumentNullException.ThrowIfNull(overlay);
        var grouped = new Dictionary<int, List<KeyValuePair<Hash256, byte[]?>>>();
        foreach (KeyValuePair<Hash256, byte[]?> entry in overlay)
        {
            int prefix = MetisKeys.TopNibbles(entry.Key, cachedDepth);
            if (!grouped.TryGetValue(prefix, out List<KeyValuePair<Hash256, byte[]?>>? group))
            {
                grouped[prefix] = group = [];
            }

            group.Add(entry);
        }

        var hasher = new StateTrieHasher(cachedDepth, [], grouped);
        if (cached is not null)
        {
            for (int depth = 0; depth <= cachedDepth; depth++)
            {
                Array.Copy(cached._levels[depth], hasher._levels[depth], hasher._levels[depth].Length);
            }
        }

        foreach (Hash256 key in overlay.Keys)
        {
            hasher.Invalidate(key);
        }

        return hasher;
    }

    private StateTrieHasher(int cachedDepth, byte[] storagePrefix, Dictionary<int, List<KeyValuePair<Hash256, byte[]?>>> overlay)
        : this(cachedDepth, storagePrefix, persisted: false) // a speculative root is never persisted
    {
        _overlay = overlay;
    }

    /// <summary>Notes that the node at (<paramref name="depth"/>, <paramref name="prefix"/>) changed (only the store's account trie is persisted).</summary>
    private void MarkRecomputed(int depth, int prefix)
    {
        if (_recomputed is not null)
        {
            _recomputed[depth][prefix] = 1;
            _anyRecomputed = true;
        }
    }

    /// <summary>Marks <paramref name="key"/>'s path for rehashing; its subtree is rebuilt from a scan of the flat table.</summary>
    public void Invalidate(in Hash256 key)
    {
        int prefix = MetisKeys.TopNibbles(key, _cachedDepth);
        InvalidatePath(prefix);
        DropLeafHashes(prefix);
    }

    /// <summary>
    /// As <see cref="Invalidate"/> for an account whose leaf is now <paramref name="value"/> (its RLP; empty when the
    /// account is removed): when the key already has a kept leaf hash, only that leaf is rehashed at the next root.
    /// </summary>
    public void Update(in Hash256 key, ReadOnlySpan<byte> value)
    {
        if (_pending is null)
        {
            InvalidatePath(MetisKeys.TopNibbles(key, _cachedDepth));
            return;
        }

        // Only the root goes now (a root asked for before the updates are applied must not be the old one). The rest,
        // the path, the kept leaf hash and the leaf's new hash, is the root workers' (ApplyPending): in a pipelined root
        // it runs on the worker that follows the flat writes, not on the thread that writes them.
        _levels[0][0] = null;
        if (_pendingLength + value.Length > _pendingValues.Length)
        {
            Array.Resize(ref _pendingValues, Math.Max(2 * _pendingValues.Length, _pendingLength + value.Length + 4096));
        }

        value.CopyTo(_pendingValues.AsSpan(_pendingLength));
        _pending[key.Bytes[0] >> 4].Add(new PendingUpdate(key, _pendingLength, value.Length));
        _pendingLength += value.Length;
    }

    private void ApplyUpdate(in Hash256 key, ReadOnlySpan<byte> value)
    {
        int prefix = MetisKeys.TopNibbles(key, _cachedDepth);
        // A subtree of this one leaf (no kept hashes: they need two) is the leaf node itself, rebuilt without a scan.
        MerkleNode? single = _leafHashes is not null && !value.IsEmpty
            && _levels[_cachedDepth][prefix] is { Kind: MerkleNodeKind.Leaf } node && node.IsLeafOf(key.Bytes, _cachedDepth)
            ? node
            : null;
        InvalidatePath(prefix);
        if (single is not null)
        {
            _levels[_cachedDepth][prefix] = MerkleNode.Leaf(single.Path, value.ToArray());
            MarkRecomputed(_cachedDepth, prefix);
            return;
        }

        if (_leafHashes?[prefix] is not { } leaves)
        {
            return;
        }

        int index = value.IsEmpty ? -1 : leaves.IndexOf(key.Bytes);
        if (index < 0)
        {
            DropLeafHashes(prefix); // the key set changes: leaf depths may move
            return;
        }

        MerkleNode.WriteLeafHash(leaves.Key(index), leaves.Depths[index], value, leaves.Hashes.AsSpan(32 * index, 32));
        leaves.MarkChanged(index);
    }

    private void InvalidatePath(int prefix)
    {
        for (int depth = _cachedDepth; depth >= 0; depth--)
        {
            _levels[depth][prefix >> (4 * (_cachedDepth - depth))] = null;
        }
    }

    /// <summary>Counts <paramref name="count"/> more kept leaf hashes if the budget has room (the root's workers race for it).</summary>
    private bool TryReserveLeafHashes(int count)
    {
        if (Interlocked.Add(ref _keptLeaves, count) <= _leafBudget)
        {
            return true;
        }

        Interlocked.Add(ref _keptLeaves, -count);
        return false;
    }

    private void DropLeafHashes(int prefix)
    {
        if (_leafHashes?[prefix] is { } leaves)
        {
            _leafHashes[prefix] = null;
            Interlocked.Add(ref _keptLeaves, -leaves.Count);
        }
    }

    public void Reset()
    {
        AbandonUpdates();
        foreach (MerkleNode?[] level in _levels)
        {
            Array.Clear(level);
        }

        ClearRecomputed();
        if (_leafHashes is not null)
        {
            Array.Clear(_leafHashes);
            _keptLeaves = 0;
            ClearPending();
        }
    }

    private void ClearPending()
    {
        foreach (List<PendingUpdate> pending in _pending!)
        {
            pending.Clear();
        }

        _pendingLength = 0;
    }

    /// <summary>
    /// Starts a pipelined root over the store's account trie: the caller then passes up to <paramref name="accounts"/>
    /// <see cref="Update"/>s in key order, calling <see cref="MarkReady"/> as it leaves each top nibble, while a worker
    /// applies the updates of the nibbles already complete (paths invalidated, changed leaves rehashed) and rebuilds their
    /// touched subtrees that have kept leaf hashes, and the branches above them that need no scan (no LMDB read: the flat
    /// writes need not be committed yet). <see cref="FinishUpdates"/>, after the flat writes are committed, waits for it;
    /// <see cref="ComputeRoot(LightningEnvironment, LightningDatabase, ulong)"/> then does the rest (the subtrees to scan,
    /// the branches above them, the root). The worker only touches the paths under complete nibbles, and
    /// <see cref="Update"/> only the root's slot and the updates of the nibble being written, so the two never share a
    /// node (both only clear the root's).
    /// </summary>
    public void BeginUpdates(int accounts)
    {
        if (_pending is null || _preparation is not null)
        {
            throw new InvalidOperationException("MetisDB: a pipelined root needs the account-trie hasher and none in progress.");
        }

        // Room for every value up front: the worker reads _pendingValues while Update appends to it.
        int needed = _pendingLength + accounts * AccountRlp.MaxLength;
        if (needed > _pendingValues.Length)
        {
            Array.Resize(ref _pendingValues, needed);
        }

        _readyNibbles = 0;
        _nextPrepared = 0;
        // A small block's flat writes take microseconds: a worker would mostly cost its wake-up (a thread hop on the
        // path of every single send's block), so FinishUpdates prepares every nibble on the writer's thread instead.
        _preparation = accounts < InlinePreparationAccounts ? Task.CompletedTask : Task.Run(PrepareReadyNibbles);
    }

    /// <summary>Blocks changing fewer accounts than this prepare their root on the writer's thread, without the worker.</summary>
    public const int InlinePreparationAccounts = 16;

    /// <summary>Every update under top nibbles below <paramref name="nibbles"/> has been made.</summary>
    public void MarkReady(int nibbles)
    {
        lock (_readyLock)
        {
            _readyNibbles = Math.Max(_readyNibbles, nibbles);
            Monitor.PulseAll(_readyLock);
        }
    }

    /// <summary>Ends the updates of a pipelined root: prepares what is left on this thread and waits for the worker (rethrowing its failure).</summary>
    public void FinishUpdates()
    {
        MarkReady(16);
        Task preparation = _preparation ?? throw new InvalidOperationException("MetisDB: no pipelined root in progress.");
        try
        {
            PrepareReadyNibbles();
        }
        finally
        {
            _preparation = null;
            try
            {
                preparation.Wait(); // runs the worker here if the thread pool has not started it yet
            }
            catch (AggregateException failure) when (failure.InnerExceptions.Count == 1)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure.InnerExceptions[0]);
            }
        }

        ClearPending();
    }

    /// <summary>Stops a pipelined root whose flat writes failed; the caller then <see cref="Reset"/>s the hasher.</summary>
    public void AbandonUpdates()
    {
        if (_preparation is not { } preparation)
        {
            return;
        }

        _preparation = null;
        Interlocked.Exchange(ref _nextPrepared, 16);
        MarkReady(16);
        try
        {
            preparation.Wait();
        }
        catch (AggregateException)
        {
            // The store is reset after this; the worker's own failure changes nothing.
        }
    }

    private void PrepareReadyNibbles()
    {
        for (int nibble = Interlocked.Increment(ref _nextPrepared) - 1; nibble < 16; nibble = Interlocked.Increment(ref _nextPrepared) - 1)
        {
            lock (_readyLock)
            {
                while (_readyNibbles <= nibble)
                {
                    Monitor.Wait(_readyLock);
                }
            }

            long started = System.Diagnostics.Stopwatch.GetTimestamp();
            ApplyPending(nibble);
            ComputeOrDefer(null, 0, 1, nibble);
            Interlocked.Add(ref _rootWorkTicks, System.Diagnostics.Stopwatch.GetTimestamp() - started);
        }
    }

    /// <summary>The root's work since the last call, its threads' busy time summed; resets it.</summary>
    public TimeSpan TakeRootWork() => System.Diagnostics.Stopwatch.GetElapsedTime(0, Interlocked.Exchange(ref _rootWorkTicks, 0));

    /// <summary>Applies the updates under top nibble <paramref name="nibble"/> (in the order they came): paths invalidated, changed leaves rehashed into their kept hashes.</summary>
    private void ApplyPending(int nibble)
    {
        foreach (PendingUpdate update in _pending![nibble])
        {
            ApplyUpdate(update.Key, _pendingValues.AsSpan(update.ValueStart, update.ValueLength));
        }
    }

    public bool HasRecomputed => _anyRecomputed;

    private void ClearRecomputed()
    {
        if (_recomputed is not null)
        {
            foreach (byte[] level in _recomputed)
            {
                Array.Clear(level);
            }

            _anyRecomputed = false;
        }
    }

    /// <summary>
    /// Writes the nodes recomputed since the last call, as they are now (the state being committed): each once, in key
    /// order through one cursor (LMDB then finds the next key's page without a descent from the root), serialized and
    /// sealed on the stack.
    /// </summary>
    public void PersistRecomputed(LightningTransaction transaction, LightningDatabase nodes)
    {
        if (_recomputed is null)
        {
            return;
        }

        Span<byte> key = stackalloc byte[NodeKeyLength];
        Span<byte> sealedNode = stackalloc byte[MaxPersistedNodeLength];
        using LightningCursor cursor = transaction.CreateCursor(nodes);
        for (int depth = 0; depth <= _cachedDepth; depth++)
        {
            byte[] marks = _recomputed[depth];
            for (int prefix = marks.AsSpan().IndexOf((byte)1); prefix >= 0; prefix = NextMark(marks, prefix + 1))
            {
                marks[prefix] = 0;
                if (_levels[depth][prefix] is not { } node)
                {
                    continue;
                }

                key[0] = (byte)depth;
                BinaryPrimitives.WriteInt32BigEndian(key[1..], prefix);
                Span<byte> buffer = node.SerializedLength + MetisEntrySeal.Length <= sealedNode.Length
                    ? sealedNode
                    : new byte[node.SerializedLength + MetisEntrySeal.Length];
                int length = node.Serialize(buffer);
                length = MetisEntrySeal.Seal(key, buffer[..length], buffer);
                cursor.Put(key, buffer[..length], CursorPutOptions.None).ThrowOnError();
            }
        }

        _anyRecomputed = false;
    }

    private static int NextMark(byte[] marks, int from)
    {
        int next = from < marks.Length ? marks.AsSpan(from).IndexOf((byte)1) : -1;
        return next < 0 ? -1 : from + next;
    }

    /// <summary>Room on the stack for a persisted node: kind, path length, 64 path nibbles, an account leaf's value, the seal.</summary>
    private const int MaxPersistedNodeLength = 2 + 64 + AccountRlp.MaxLength + MetisEntrySeal.Length;

    /// <summary>Loads persisted nodes (written by <see cref="PersistRecomputed"/> for the head); returns how many.</summary>
    public int Load(LightningTransaction transaction, LightningDatabase nodes)
    {
        int loaded = 0;
        using LightningCursor cursor = transaction.CreateCursor(nodes);
        MetisVersionedScan.Walk(cursor, [], (key, value) =>
        {
            int depth = key.Length == NodeKeyLength ? key[0] : -1;
            int prefix = depth >= 0 ? BinaryPrimitives.ReadInt32BigEndian(key[1..]) : -1;
            if (depth < 0 || depth > _cachedDepth || prefix < 0 || prefix >= _levels[depth].Length)
            {
                throw new InvalidDataException("MetisDB: corrupt trie node key.");
            }

            _levels[depth][prefix] = MerkleNode.Deserialize(MetisEntrySeal.Open(key, value));
            loaded++;
            return true;
        });

        return loaded;
    }

    public Hash256 ComputeRoot(LightningEnvironment environment, LightningDatabase accounts, ulong version)
    {
        if (_levels[0][0] is { } cached)
        {
            return cached.RootHash();
        }

        var children = new MerkleNode[16];
        Parallel.For(0, 16, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, nibble =>
        {
            long started = System.Diagnostics.Stopwatch.GetTimestamp();
            try
            {
                if (_pending is not null)
                {
                    ApplyPending(nibble);
                }

                if (_levels[1][nibble] is { } node)
                {
                    children[nibble] = node;
                    return;
                }

                using LightningTransaction transaction = environment.BeginTransaction(TransactionBeginFlags.ReadOnly);
                using LightningCursor cursor = transaction.CreateCursor(accounts);
                children[nibble] = Compute(cursor, version, 1, nibble);
            }
            finally
            {
                Interlocked.Add(ref _rootWorkTicks, System.Diagnostics.Stopwatch.GetTimestamp() - started);
            }
        });

        if (_pending is not null)
        {
            ClearPending();
        }

        MerkleNode root = Combine(children);
        _levels[0][0] = root;
        MarkRecomputed(0, 0);
        return root.RootHash();
    }

    /// <summary>Sequential root over one cursor (e.g. inside the write transaction that holds the changes).</summary>
    public Hash256 ComputeRoot(LightningCursor cursor, ulong version)
    {
        if (_pending is not null)
        {
            for (int nibble = 0; nibble < 16; nibble++)
            {
                ApplyPending(nibble);
            }

            ClearPending();
        }

        return Compute(cursor, version, 0, 0).RootHash();
    }

    private MerkleNode Compute(LightningCursor cursor, ulong version, int depth, int prefix) =>
        ComputeOrDefer(cursor, version, depth, prefix)!;

    /// <summary>
    /// The node at <paramref name="prefix"/>. Without a <paramref name="cursor"/> (the flat writes not yet committed) it
    /// builds what needs no scan and returns null above a subtree that does; what it built stays cached.
    /// </summary>
    private MerkleNode? ComputeOrDefer(LightningCursor? cursor, ulong version, int depth, int prefix)
    {
        if (_levels[depth][prefix] is { } cached)
        {
            return cached;
        }

        MerkleNode node;
        if (depth == _cachedDepth && _leafHashes?[prefix] is { } kept)
        {
            node = MerkleNode.Build(kept, _cachedDepth);
        }
        else if (depth == _cachedDepth)
        {
            if (cursor is null)
            {
                return null;
            }

            MerkleLeafBuffer leaves = MerkleLeafBuffer.Rent();
            try
            {
                CollectLeaves(cursor, version, prefix, leaves);
                MerkleLeafReferences? capture = _leafHashes is not null && leaves.Count >= 2 && TryReserveLeafHashes(leaves.Count)
                    ? MerkleLeafReferences.For(leaves)
                    : null;

                node = MerkleNode.Build(leaves, _cachedDepth, capture);
                if (capture is not null)
                {
                    _leafHashes![prefix] = capture;
                }
            }
            finally
            {
                MerkleLeafBuffer.Return(leaves);
            }
        }
        else
        {
            var children = new SixteenChildren();
            bool deferred = false;
            for (int nibble = 0; nibble < 16; nibble++)
            {
                // Without a cursor the other children are still built (and cached), only this branch waits.
                MerkleNode? child = ComputeOrDefer(cursor, version, depth + 1, (prefix << 4) | nibble);
                deferred |= child is null;
                children[nibble] = child!;
            }

            if (deferred)
            {
                return null;
            }

            node = Combine(children);
        }

        _levels[depth][prefix] = node;
        MarkRecomputed(depth, prefix);

        return node;
    }

    /// <summary>A branch's 16 children on the stack (no array per rehashed branch).</summary>
    [System.Runtime.CompilerServices.InlineArray(16)]
    private struct SixteenChildren
    {
        private MerkleNode _first;
    }

    private static MerkleNode Combine(ReadOnlySpan<MerkleNode> children)
    {
        int present = 0;
        int only = -1;
        for (int nibble = 0; nibble < 16; nibble++)
        {
            if (children[nibble].Kind != MerkleNodeKind.Empty)
            {
                present++;
                only = nibble;
            }
        }

        if (present == 0)
        {
            return MerkleNode.Empty;
        }

        if (present == 1)
        {
            return children[only].Prepend((byte)only);
        }

        return MerkleNode.Branch(children);
    }

    /// <summary>
    /// Fills <paramref name="leaves"/> with the live leaves at <paramref name="version"/> whose trie key starts with the
    /// <see cref="_cachedDepth"/>-nibble <paramref name="prefix"/>: accounts (value: the account RLP) or slots (value:
    /// the RLP of the stored bytes), with this hasher's overlay applied.
    /// </summary>
    private void CollectLeaves(LightningCursor cursor, ulong version, int prefix, MerkleLeafBuffer leaves)
    {
        int depth = _cachedDepth;
        Span<byte> seek = stackalloc byte[_keyPrefix.Length + (depth + 1) / 2];
        _keyPrefix.CopyTo(seek);
        Span<byte> nibbles = seek[_keyPrefix.Length..];
        int aligned = (depth & 1) == 1 ? prefix << 4 : prefix;
        for (int i = 0; i < nibbles.Length; i++)
        {
            nibbles[i] = (byte)(aligned >> (8 * (nibbles.Length - 1 - i)));
        }

        int keyStart = _keyPrefix.Length;
        if (keyStart == 0)
        {
            MetisVersionedScan.ForEachVisible(cursor, seek, depth, 32, version, (key, value) =>
            {
                if (MetisAccountRecord.TryRead(value, out Account account, out _))
                {
                    leaves.EndAdd(AccountRlp.Encode(account, leaves.BeginAdd(key[..32], AccountRlp.MaxLength)));
                }
            });
        }
        else
        {
            MetisVersionedScan.ForEachVisible(cursor, seek, 2 * keyStart + depth, keyStart + 32, version, (key, value) =>
            {
                if (value.Length > 0)
                {
                    leaves.EndAdd(MetisAccountRecord.WriteSlotValue(value, leaves.BeginAdd(key.Slice(keyStart, 32), MetisAccountRecord.MaxSlotValueLength)));
                }
            });
        }

        if (_overlay is not null && _overlay.TryGetValue(prefix, out List<KeyValuePair<Hash256, byte[]?>>? changed))
        {
            List<MerkleLeaf> merged = WithOverlay(leaves.ToList(), changed);
            leaves.Clear();
            foreach (MerkleLeaf leaf in merged)
            {
                leaves.Add(leaf.Key, leaf.Value);
            }
        }
    }

    /// <summary>
    /// <paramref name="leaves"/> with <paramref name="changed"/> (under the same prefix) replacing, adding or (null)
    /// removing leaves; sorted by key.
    /// </summary>
    internal static List<MerkleLeaf> WithOverlay(List<MerkleLeaf> leaves, IEnumerable<KeyValuePair<Hash256, byte[]?>> changed)
    {
        var merged = new SortedDictionary<Hash256, byte[]>();
        foreach (MerkleLeaf leaf in leaves)
        {
            merged[new Hash256(leaf.Key)] = leaf.Value;
        }

        foreach ((Hash256 key, byte[]? value) in changed)
        {
            if (value is null)
            {
                merged.Remove(key);
            }
            else
            {
                merged[key] = value;
            }
        }

        var result = new List<MerkleLeaf>(merged.Count);
        foreach ((Hash256 key, byte[] value) in merged)
        {
            result.Add(new MerkleLeaf(key.ToArray(), value));
        }

        return result;
    }
}
