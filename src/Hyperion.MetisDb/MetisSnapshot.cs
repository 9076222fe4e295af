using System.Collections.Concurrent;
using Hyperion.Core;
using Hyperion.Core.Crypto;
using Hyperion.State;
using LightningDB;

namespace Hyperion.MetisDb;

/// <summary>
/// A consistent read view of one block: LMDB read transactions (MVCC snapshots that never block the writer) plus the
/// shared hot cache. Safe to read from several threads at once (<see cref="IStateReader"/>): a hot-cache hit touches no
/// transaction; a miss borrows the snapshot's own transaction, or, when another thread holds it, a further read
/// transaction at the same block (versions up to <see cref="Block"/> never change until the block is pruned).
/// </summary>
public sealed class MetisSnapshot : IStateReader, IStateEnumerator, IDisposable
{
    private readonly MetisStore _store;
    private readonly MetisHotCache _cache;
    private readonly Reader _primary;
    private readonly ConcurrentBag<Reader> _spare = [];
    private int _primaryBusy;

    internal MetisSnapshot(MetisStore store, LightningTransaction transaction, ulong block)
    {
        _store = store;
        _cache = store.Cache;
        _primary = new Reader(transaction);
        Block = block;
    }

    public ulong Block { get; }

    // ---- IStateReader: by address and slot key (hashed through the hot cache's memo)

    public bool TryGetAccount(in Address address, out Account account) => TryGetAccountByHash(_cache.AddressHash(address), out account);

    public UInt256 GetStorage(in Address address, in UInt256 key) => GetStorageByHash(_cache.AddressHash(address), _cache.SlotHash(key));

    public byte[] GetCode(in Hash256 codeHash) =>
        codeHash == Keccak256.OfEmpty ? []
        : TryGetCode(codeHash) ?? throw new KeyNotFoundException($"MetisDB: no code with hash {codeHash} at block {Block}.");

    // ---- by hashed key (the trie's keys, what the flat tables are keyed by)

    public bool TryGetAccountByHash(in Hash256 addressHash, out Account account)
    {
        MetisHotCache.AccountEntry entry = GetAccountEntry(addressHash);
        account = entry.Account;
        return entry.Exists;
    }

    /// <summary>The value of a slot; zero when unset or when the account does not exist.</summary>
    public UInt256 GetStorageByHash(in Hash256 addressHash, in Hash256 slotHash)
    {
        MetisHotCache.AccountEntry account = GetAccountEntry(addressHash);
        if (!account.Exists)
        {
            return default;
        }

        var key = new MetisHotCache.SlotKey(addressHash, account.Incarnation, slotHash);
        if (_cache.TryGetSlot(key, Block, out MetisHotCache.SlotEntry? cached))
        {
            return cached.Value;
        }

        Span<byte> seek = stackalloc byte[MetisKeys.StorageKeyLength];
        MetisKeys.Storage(seek, addressHash, account.Incarnation, slotHash, Block);
        UInt256 result = default;
        ulong version = 0;
        Reader reader = Rent();
        try
        {
            reader.Storage ??= reader.Transaction.CreateCursor(_store.StorageTable);
            if (MetisVersionedScan.TrySeek(reader.Storage, seek, out ReadOnlySpan<byte> value, out ulong found))
            {
                result = UInt256.FromBigEndian(value);
                version = found;
            }
        }
        finally
        {
            Return(reader);
        }

        if (_store.Head == Block)
        {
            lock (_cache.Lock)
            {
                if (_store.Head == Block)
                {
                    _cache.PutSlot(key, new MetisHotCache.SlotEntry(version, result));
                }
            }
        }

        return result;
    }

    /// <summary>The code stored under <paramref name="codeHash"/>, or null when unknown. The array must not be modified.</summary>
    public byte[]? TryGetCode(in Hash256 codeHash)
    {
        if (_cache.TryGetCode(codeHash, out byte[]? cached))
        {
            return cached;
        }

        Span<byte> key = stackalloc byte[32];
        codeHash.CopyTo(key);
        byte[]? code = null;
        Reader reader = Rent();
        try
        {
            (MDBResultCode result, _, MDBValue value) = reader.Transaction.Get(_store.CodeTable, key);
            code = result == MDBResultCode.Success ? value.CopyToNewArray() : null;
        }
        finally
        {
            Return(reader);
        }

        if (code is not null)
        {
            // Stored under its hash, code carries its own checksum: a damaged copy is reported, never executed.
            if (Keccak256.Hash(code) != codeHash)
            {
                throw new InvalidDataException(
                    $"MetisDB: damaged contract code (code hash {codeHash}): its {code.Length} bytes do not hash to it. {MetisEntrySeal.Remedy}");
            }

            // Code is immutable under its hash, so any snapshot may share it.
            _cache.PutCode(codeHash, code);
        }

        return code;
    }

    // ---- IStateEnumerator: walks of the flat tables at this block

    public void ForEachAccount(AccountVisitor visitor)
    {
        ArgumentNullException.ThrowIfNull(visitor);
        Reader reader = Rent();
        try
        {
            using LightningCursor cursor = reader.Transaction.CreateCursor(_store.AccountsTable);
            MetisVersionedScan.ForEachVisible(cursor, [], 32, Block, (key, record) =>
            {
                if (MetisAccountRecord.TryRead(record, out Account account, out _))
                {
                    visitor(new Hash256(key[..32]), account);
                }
            });
        }
        finally
        {
            Return(reader);
        }
    }

    public void ForEachSlot(in Address address, SlotVisitor visitor)
    {
        ArgumentNullException.ThrowIfNull(visitor);
        Hash256 addressHash = _cache.AddressHash(address);
        MetisHotCache.AccountEntry account = GetAccountEntry(addressHash);
        if (!account.Exists)
        {
            return;
        }

        Span<byte> prefix = stackalloc byte[MetisKeys.StoragePrefixLength];
        MetisKeys.StoragePrefix(prefix, addressHash, account.Incarnation);
        Reader reader = Rent();
        try
        {
            using LightningCursor cursor = reader.Transaction.CreateCursor(_store.StorageTable);
            MetisVersionedScan.ForEachVisible(cursor, prefix, MetisKeys.StoragePrefixLength + 32, Block, (key, value) =>
            {
                if (value.Length > 0)
                {
                    visitor(new Hash256(key.Slice(MetisKeys.StoragePrefixLength, 32)), UInt256.FromBigEndian(value));
                }
            });
        }
        finally
        {
            Return(reader);
        }
    }

    private MetisHotCache.AccountEntry GetAccountEntry(in Hash256 addressHash)
    {
        if (_cache.TryGetAccount(addressHash, Block, out MetisHotCache.AccountEntry? cached))
        {
            return cached;
        }

        Span<byte> seek = stackalloc byte[MetisKeys.AccountKeyLength];
        MetisKeys.Account(seek, addressHash, Block);
        MetisHotCache.AccountEntry entry;
        Reader reader = Rent();
        try
        {
            reader.Accounts ??= reader.Transaction.CreateCursor(_store.AccountsTable);
            if (MetisVersionedScan.TrySeek(reader.Accounts, seek, out ReadOnlySpan<byte> record, out ulong version))
            {
                bool exists = MetisAccountRecord.TryRead(record, out Account account, out ulong incarnation);
                entry = MetisHotCache.AccountEntry.For(version, exists, account, incarnation);
            }
            else
            {
                entry = MetisHotCache.AccountEntry.Missing;
            }
        }
        finally
        {
            Return(reader);
        }

        if (_store.Head == Block)
        {
            lock (_cache.Lock)
            {
                if (_store.Head == Block)
                {
                    _cache.PutAccount(addressHash, entry);
                }
            }
        }

        return entry;
    }

    private Reader Rent()
    {
        if (Interlocked.CompareExchange(ref _primaryBusy, 1, 0) == 0)
        {
            return _primary;
        }

        return _spare.TryTake(out Reader? spare) ? spare : new Reader(_store.BeginReadAt(Block));
    }

    private void Return(Reader reader)
    {
        if (ReferenceEquals(reader, _primary))
        {
            Volatile.Write(ref _primaryBusy, 0);
        }
        else
        {
            _spare.Add(reader);
        }
    }

    /// <summary>Ends the snapshot. No read may be in progress on it.</summary>
    public void Dispose()
    {
        _primary.Dispose();
        while (_spare.TryTake(out Reader? spare))
        {
            spare.Dispose();
        }
    }

    /// <summary>One LMDB read transaction with lazily opened cursors; used by one thread at a time.</summary>
    private sealed class Reader(LightningTransaction transaction) : IDisposable
    {
        public LightningTransaction Transaction { get; } = transaction;

        public LightningCursor? Accounts;

        public LightningCursor? Storage;

        public void Dispose()
        {
            Accounts?.Dispose();
            Storage?.Dispose();
            Transaction.Dispose();
        }
    }
}
